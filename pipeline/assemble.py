"""Every file's result of one application → its Report, checks run (no Prefect here)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from pipeline.checks import SEVERITY_ORDER, run_checks
from pipeline.models import (
    Application,
    Declared,
    Document,
    FileEntry,
    Finding,
    Report,
    Submission,
)
from pipeline.reading import FileResult


def _declared(documents: list[Document]) -> Declared | None:
    return next(
        (
            Declared.model_validate(d.fields)
            for d in documents
            if d.type == "application_form" and d.fields
        ),
        None,
    )


def submission(app: Application, results: list[FileResult]) -> Submission:
    """The application's documents as the checks across applications compare them."""
    documents = [d for r in results for d in r.documents]
    return Submission(application=app.name, declared=_declared(documents), documents=documents)


def assemble_report(
    app: Application, results: list[FileResult], cross: Iterable[Finding] = ()
) -> Report:
    """The application's report; `cross`: findings of the checks across applications."""
    by_file = {r.file: r for r in results}
    entries: list[FileEntry] = []
    documents: list[Document] = []
    stats: Counter[str] = Counter()
    for f in app.files:
        r = by_file.get(f.file)
        status = r.status if r else f.status
        reason = r.reason if r else f.reason
        if r is None and f.status == "processed":
            # Accounted for even when its task never came back.
            status, reason = "unreadable", "文件未能处理（处理任务未返回结果）"
        entries.append(
            FileEntry(
                file=f.file,
                sha256=f.sha256,
                status=status,
                reason=reason,
                format=f.format,
                pages=r.pages if r and r.pages else None,
            )
        )
        stats[f"files_{status}"] += 1
        if r:
            documents.extend(r.documents)
            stats.update({f"pages_{k}": v for k, v in r.page_sources.items()})
            stats["pages"] += r.pages
    stats["files"] = len(app.files)
    stats["documents"] = len(documents)
    declared = _declared(documents)
    report = Report(
        application=app.name,
        declared=declared,
        files=entries,
        documents=documents,
        stats=dict(stats),
    )
    report.findings = sorted(
        run_checks(report) + list(cross), key=lambda f: SEVERITY_ORDER[f.severity]
    )
    return report
