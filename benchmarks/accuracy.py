"""Classification and field accuracy of the pipeline against samples/truth.json.

    .venv/bin/python benchmarks/accuracy.py                 # process samples/batch, then score
    .venv/bin/python benchmarks/accuracy.py --reports DIR   # score reports already written
    .venv-paddle/bin/python benchmarks/accuracy.py --ocr paddleocr   # the second engine
    .venv/bin/python benchmarks/accuracy.py --variants      # the variants batch (samples/variants.py)

Each source is scored and printed apart, never merged: the sample batch (written beside the
extractors), the variants batch (layouts and wordings they were not built on), and the real
development set (benchmarks/realdev_accuracy.py).

Scoring: a document is classified right when its file, type and page range all match the
truth. Fields are compared on documents classified right: numbers exact to the cent, codes and
dates exact, names after white space and bracket normalisation; a null in the truth must be
null in the report (a guess counts as wrong). Lists (items) are compared element by element.
Papers of type `other` are scored on their `title` only, the one field the contract asks of them.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VARIANTS_SEED = 20231130  # samples/variants.py's default
_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "[", "】": "]", "：": ":"})
_SPACE = re.compile(r"\s+")


def norm(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    if isinstance(value, str):
        return _SPACE.sub("", value).translate(_BRACKETS)
    return value


def leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested fields: {'prior_year': {'revenue': 1}} → {'prior_year.revenue': 1}."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(leaves(v, f"{prefix}.{k}" if prefix else k))
        return out
    if isinstance(value, list) and value and isinstance(value[0], dict):
        out = {f"{prefix}.count": len(value)}
        for i, v in enumerate(value):
            out.update(leaves(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def generic(field: str) -> str:
    """items[3].amount → items[].amount, so the worst-field table groups list elements."""
    return re.sub(r"\[\d+\]", "[]", field)


def process(batch: Path, out: Path, ocr: str) -> float:
    from pipeline.assemble import assemble_report
    from pipeline.cache import PageCache, default_cache_dir
    from pipeline.intake import scan_batch
    from pipeline.reading import read_file
    from pipeline.report import write_report

    started = time.monotonic()
    cache = PageCache(default_cache_dir())
    for app in scan_batch(batch, out / ".work").applications:
        # The reading stage the batch flow runs, OCR in this thread.
        reads = [read_file(f, ocr, cache) for f in app.files]
        write_report(assemble_report(app, [r.result for r in reads]), out)
    return time.monotonic() - started


def score(truth: dict[str, Any], reports: Path) -> dict[str, Any]:
    docs_total = docs_right = 0
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # scanned / text-layer
    by_field: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misclassified: list[str] = []
    wrong: list[str] = []
    calibration: dict[str, list[int]] = {name: [0, 0] for name, _ in BINS}
    for app_name, app in truth["applications"].items():
        app_dir = reports / (Path(app_name).stem if app_name.endswith(".zip") else app_name)
        report = json.loads((app_dir / "report.json").read_text(encoding="utf-8"))
        found = {(d["file"], tuple(d["pages"])): d for d in report["documents"]}
        for doc in app["documents"]:
            docs_total += 1
            got = found.get((doc["file"], tuple(doc["pages"])))
            if got is None or got["type"] != doc["type"]:
                misclassified.append(
                    f"{app_name}/{doc['file']} p{doc['pages']}: {doc['type']} → "
                    f"{got['type'] if got else '未找到该页段'}"
                )
                continue
            docs_right += 1
            truth_fields = app["declared"] if doc["type"] == "application_form" else doc["fields"]
            got_fields = report["declared"] if doc["type"] == "application_form" else got["fields"]
            kind = (
                "docx"
                if doc["type"] == "application_form"
                else ("scanned" if doc.get("scanned") else "text-layer")
            )
            want = leaves(truth_fields)
            if doc["type"] == "other":
                # The contract asks only a title of other papers; the rest is extra.
                want = {k: v for k, v in want.items() if k == "title"}
            have = leaves(got_fields or {})
            form_doc = next(
                (d for d in report["documents"] if d["type"] == "application_form"), None
            )
            conf_doc = form_doc if doc["type"] == "application_form" else got
            confidences = (conf_doc or {}).get("field_confidence") or {}
            for field, value in want.items():
                ok = norm(have.get(field)) == norm(value)
                conf = confidence_of(confidences, field)
                if conf is not None:
                    calibration[bin_of(conf)][0] += ok
                    calibration[bin_of(conf)][1] += 1
                for bucket in (
                    by_type[doc["type"]],
                    by_kind[kind],
                    by_field[f"{doc['type']}.{generic(field)}"],
                ):
                    bucket[0] += ok
                    bucket[1] += 1
                if not ok:
                    wrong.append(
                        f"{app_name}/{doc['file']} {field}: 应为 {value!r}，读得 {have.get(field)!r}"
                    )
    return {
        "documents": (docs_right, docs_total),
        "by_type": dict(by_type),
        "by_kind": dict(by_kind),
        "by_field": dict(by_field),
        "misclassified": misclassified,
        "wrong": wrong,
        "calibration": calibration,
    }


# Confidence bins of the calibration table: fields at >= 0.9 must be right >= 98 % of the time.
BINS = (("0.9–1.0", 0.9), ("0.8–0.9", 0.8), ("0.5–0.8", 0.5), ("0–0.5", 0.0))


def bin_of(conf: float) -> str:
    return next(name for name, low in BINS if conf >= low)


def confidence_of(confidences: dict[str, float], field: str) -> float | None:
    """A scored leaf's confidence: its own, else that of the value it belongs to (items[2].amount
    → items), as report.json names them (dotted)."""
    key = re.sub(r"\[(\d+)\]", r".\1", field)
    while key:
        if key in confidences:
            return confidences[key]
        key = key.rpartition(".")[0]
    return None


def pct(pair: list[int] | tuple[int, int]) -> str:
    right, total = pair
    return f"{right}/{total} = {100.0 * right / total:.1f}%" if total else "—"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", default=str(ROOT / "samples" / "batch"))
    parser.add_argument("--truth", default=str(ROOT / "samples" / "truth.json"))
    parser.add_argument("--reports", help="score the reports in this folder instead of processing")
    parser.add_argument(
        "--variants",
        type=int,
        nargs="?",
        const=VARIANTS_SEED,
        metavar="SEED",
        help="make the variants batch (samples/variants.py, this seed) and score it",
    )
    parser.add_argument("--ocr", default="rapidocr", help="OCR engine: rapidocr or paddleocr")
    parser.add_argument("--worst", type=int, default=15, help="how many worst fields to list")
    parser.add_argument("--show-wrong", action="store_true", help="list every wrong field value")
    args = parser.parse_args()

    if args.variants is not None:
        made = Path(tempfile.mkdtemp(prefix="dossier-variants-"))
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "samples" / "variants.py"),
                str(made),
                "--seed",
                str(args.variants),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        args.batch, args.truth = str(made / "batch"), str(made / "truth.json")
        print(f"variants batch (seed {args.variants}) → {made}")
    truth = json.loads(Path(args.truth).read_text(encoding="utf-8"))
    if args.reports:
        reports = Path(args.reports)
    else:
        reports = Path(tempfile.mkdtemp(prefix="dossier-accuracy-"))
        seconds = process(Path(args.batch), reports, args.ocr)
        print(f"processed {args.batch} with {args.ocr} in {seconds:.1f} s → {reports}")
    result = score(truth, reports)

    print(f"\nclassification (file + type + pages): {pct(result['documents'])}")
    for line in result["misclassified"]:
        print(f"  ✗ {line}")
    print("\nfield accuracy by document type:")
    for name, pair in sorted(result["by_type"].items()):
        print(f"  {name:18s} {pct(pair)}")
    print("\nfield accuracy by source:")
    for name, pair in sorted(result["by_kind"].items()):
        print(f"  {name:18s} {pct(pair)}")
    print("\ncalibration (field_confidence → share right):")
    for name, pair in result["calibration"].items():
        print(f"  {name:18s} {pct(pair)}")
    worst = sorted(result["by_field"].items(), key=lambda kv: (kv[1][0] / kv[1][1], kv[0]))
    print(f"\nworst {args.worst} fields:")
    for name, pair in worst[: args.worst]:
        print(f"  {name:45s} {pct(pair)}")
    if args.show_wrong:
        print("\nwrong values:")
        for line in result["wrong"]:
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
