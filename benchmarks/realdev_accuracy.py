"""Accuracy on the real development set (documents nobody here wrote), apart from the samples.

    .venv/bin/python benchmarks/realdev/rebuild.py      # once: bring the documents out
    .venv/bin/python benchmarks/realdev_accuracy.py     # read, classify, extract, score
    .venv/bin/python benchmarks/realdev_accuracy.py --show-wrong --split check

Each document goes through the production path (pipeline.reading.read_file: the page reader
with the page cache, classification, the type's extractor). A document is classified right
when the file gives one document of the truth's type over all its pages. Fields are scored
on every document (a misclassified one scores its fields as unread): a truth value must be
read exactly after normalising widths (full-width → half-width), white space and bracket
forms; money compares as Decimal 元; a null in the truth (masked or unreadable on the paper)
must come back null — a guess is wrong.

The truth files (benchmarks/realdev/*.json) split documents into `dev` (looked at while
changing extractors) and `check` (held back); both are printed. Without the rebuilt folder
(CI has no snapshots) the set is skipped with a message and the exit code is 0.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "realdev"))

import rebuild  # noqa: E402  (benchmarks/realdev/rebuild.py: where the documents live)
from accuracy import BINS, bin_of, confidence_of  # noqa: E402  (the same calibration bins)

MONEY = {"registered_capital"}
_SPACE = re.compile(r"\s+")
_FORMS = str.maketrans(
    {"（": "(", "）": ")", "【": "[", "】": "]", "：": ":", "，": ",", "；": ";"}
)


def norm(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in MONEY:
        try:
            return Decimal(str(value)).quantize(Decimal("0.01"))
        except InvalidOperation:
            return str(value)
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACE.sub("", text).translate(_FORMS)


def score(
    truth: Path, folder: Path, engine: Any, cache: Any
) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per document: id, split, classified, per-field (ok, want, got)."""
    from pipeline.intake import scan_batch
    from pipeline.reading import read_file

    docs = rebuild.load(truth)
    present = {d["id"]: rebuild.local_path(folder, truth, d) for d in docs}
    missing = [d["id"] for d in docs if not present[d["id"]].is_file()]
    app_dir = folder / rebuild.set_name(truth)
    rows: list[dict[str, Any]] = []
    if len(missing) == len(docs):
        return rows, missing
    files = {}
    for app in scan_batch(app_dir, Path(folder) / ".work").applications:
        for f in app.files:
            files[Path(f.path).name] = f
    for doc in docs:
        if doc["id"] in missing:
            continue
        f = files[Path(doc["path"]).name]
        result = read_file(f, engine, cache).result
        got_docs = result.documents
        classified = (
            len(got_docs) == 1
            and got_docs[0].type == doc["type"]
            and len(got_docs[0].pages) == result.pages
        )
        got_fields: dict[str, Any] = {}
        confidences: dict[str, float] = {}
        if got_docs and got_docs[0].type == doc["type"]:
            got_fields = got_docs[0].fields or {}
            confidences = got_docs[0].field_confidence
        fields = {}
        for name, want in doc["fields"].items():
            got = got_fields.get(name)
            fields[name] = (
                norm(name, got) == norm(name, want),
                want,
                got,
                confidence_of(confidences, name),
            )
        rows.append(
            {
                "id": doc["id"],
                "split": doc.get("split", "dev"),
                "classified": classified,
                "types": [d.type for d in got_docs],
                "fields": fields,
            }
        )
    return rows, missing


def pct(right: int, total: int) -> str:
    return f"{right}/{total} = {100.0 * right / total:5.1f}%" if total else "—"


def table(rows: list[dict[str, Any]], title: str) -> None:
    if not rows:
        return
    by_field: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        for name, (ok, _, _, _) in row["fields"].items():
            by_field[name][0] += ok
            by_field[name][1] += 1
    right = sum(r for r, _ in by_field.values())
    total = sum(t for _, t in by_field.values())
    classified = sum(r["classified"] for r in rows)
    print(f"\n{title}: {len(rows)} documents")
    print(f"  {'classification':22s} {pct(classified, len(rows))}")
    for name, (r, t) in by_field.items():
        print(f"  {name:22s} {pct(r, t)}")
    print(f"  {'all fields':22s} {pct(right, total)}")
    calibration = {name: [0, 0] for name, _ in BINS}
    for row in rows:
        for ok, _, _, conf in row["fields"].values():
            if conf is not None:
                calibration[bin_of(conf)][0] += ok
                calibration[bin_of(conf)][1] += 1
    print("  calibration (field_confidence → share right):")
    for name, (r, t) in calibration.items():
        print(f"    {name:20s} {pct(r, t)}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folder", default=str(rebuild.DEFAULT_OUT), help="the rebuilt set")
    parser.add_argument("--ocr", default="rapidocr", help="OCR engine: rapidocr or paddleocr")
    parser.add_argument("--split", choices=["dev", "check"], help="only this part")
    parser.add_argument("--show-wrong", action="store_true", help="list every wrong field value")
    parser.add_argument("--json", help="write the per-document results here")
    args = parser.parse_args()

    from pipeline.cache import PageCache, default_cache_dir

    folder = Path(args.folder)
    engine: str | None = None
    cache = PageCache(default_cache_dir())
    all_rows: list[dict[str, Any]] = []
    for truth in rebuild.truth_files():
        docs = rebuild.load(truth)
        if not all(rebuild.local_path(folder, truth, d).is_file() for d in docs):
            have = sum(rebuild.local_path(folder, truth, d).is_file() for d in docs)
            if have == 0:
                print(
                    f"skipped real set {truth.name}: none of its {len(docs)} documents is in "
                    f"{folder / rebuild.set_name(truth)} (run benchmarks/realdev/rebuild.py "
                    "with the repository snapshots; CI has none)"
                )
                continue
        if engine is None:
            engine = args.ocr
        started = time.monotonic()
        rows, missing = score(truth, folder, engine, cache)
        if missing:
            print(
                f"{truth.name}: {len(missing)} documents missing, not scored: {', '.join(missing)}"
            )
        if args.split:
            rows = [r for r in rows if r["split"] == args.split]
        print(f"\n== real set {truth.name} ({time.monotonic() - started:.1f} s) ==")
        for split in ("dev", "check"):
            table([r for r in rows if r["split"] == split], f"{split} part")
        table(rows, "all")
        for r in rows:
            if not r["classified"]:
                print(f"  ✗ {r['id']}: typed {r['types'] or '—'}")
        if args.show_wrong:
            print("\nwrong values:")
            for r in rows:
                for name, (ok, want, got, _) in r["fields"].items():
                    if not ok:
                        print(f"  {r['id']} [{r['split']}] {name}: 应为 {want!r}，读得 {got!r}")
        all_rows.extend(rows)
    if args.json:
        Path(args.json).write_text(
            json.dumps(all_rows, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
