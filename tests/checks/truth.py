"""Reports built from samples/truth.json: what the extractors should read, without OCR.

Each document's fields are the truth's; every leaf field gets an Evidence naming its file and
first page, so checks can be exercised on the sample dossiers exactly as designed.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.checks.reuse import reuse_findings
from pipeline.models import Declared, Document, Evidence, FileEntry, Finding, Report, Submission

ROOT = Path(__file__).resolve().parents[2]
TRUTH_PATH = ROOT / "samples" / "truth.json"


@lru_cache(maxsize=1)
def truth() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(TRUTH_PATH.read_text(encoding="utf-8"))
    return data["applications"]


def leaf_keys(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Dotted keys of the scalar leaves (lists count as leaves): "years.2018.tax"."""
    if isinstance(value, dict):
        return [kv for k, v in value.items() for kv in leaf_keys(v, f"{prefix}{k}.")]
    return [(prefix.rstrip("."), value)]


def document(entry: dict[str, Any]) -> Document:
    page = entry["pages"][0]
    evidence = {
        key: Evidence(file=entry["file"], page=page, bbox=(0, 0, 1, 1), text=f"{key}：{value}")
        for key, value in leaf_keys(entry["fields"])
        if value is not None
    }
    return Document(
        file=entry["file"],
        pages=entry["pages"],
        type=entry["type"],
        confidence=1.0,
        fields=entry["fields"],
        evidence=evidence,
    )


def truth_report(name: str, forms: dict[str, Document] | None = None) -> Report:
    """The application as truth.json describes it; its form from `forms` when given."""
    app = truth()[name]
    documents = [
        forms[name] if forms and d["type"] == "application_form" else document(d)
        for d in app["documents"]
    ]
    files = sorted({d["file"] for d in app["documents"]})
    return Report(
        application=name,
        declared=Declared.model_validate(app["declared"]),
        files=[FileEntry(file=f, status="processed") for f in files],
        documents=documents,
    )


@lru_cache(maxsize=1)
def truth_cross() -> dict[str, list[Finding]]:
    """The checks across the applications of the batch (the same invoice in two), on the
    truth's records."""
    subs = []
    for name in truth():
        report = truth_report(name)
        subs.append(
            Submission(application=name, declared=report.declared, documents=report.documents)
        )
    return reuse_findings(subs)


def real_forms(work_dir: Path) -> dict[str, Document]:
    """The sample batch's application forms read by the real extractor (a .docx needs no OCR),
    so that their evidence is what the pipeline writes ("成立时间：2015年9月")."""
    from extractors import application_form
    from pipeline.intake import scan_batch
    from pipeline.pages import read_pages

    batch = scan_batch(ROOT / "samples" / "batch", work_dir)
    forms: dict[str, Document] = {}
    for app in batch.applications:
        name = next(n for n in truth() if n == app.name or n == f"{app.name}.zip")
        for f in app.files:
            if f.format != "docx":
                continue
            pages = list(read_pages(f, None))
            result = application_form.extract(f.file, pages)
            forms[name] = Document(
                file=f.file,
                pages=[p.number for p in pages],
                type="application_form",
                confidence=1.0,
                fields=result.record.model_dump(mode="json"),
                evidence=result.evidence,
                unread=result.unread,
            )
    return forms
