"""Seconds per scanned page and peak memory of each OCR engine on the sample batch's scans.

    .venv-paddle/bin/python benchmarks/ocr_engines.py [--runs 3] [--engines rapidocr,paddleocr]

Every scanned page of samples/batch (the page images and the scanned PDFs, as the pipeline
renders them) is read by each engine in a fresh process of its own, one onnxruntime thread,
no page cache: rotation guess and OCR, as `dossier process` does per page. Each engine runs
--runs times; the figures are medians over runs of: model loading, the median and 90th
percentile seconds per page, and the process's peak RSS. `.venv` has only rapidocr; run
from `.venv-paddle` (`make paddle`) to measure both.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCAN_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".pdf"}


def one_run(engine_name: str) -> dict[str, Any]:
    """In this process: load the engine, read every scanned sample page, time each."""
    sys.path.insert(0, str(ROOT))
    from pipeline.intake import scan_batch
    from pipeline.ocr import get_engine

    started = time.perf_counter()
    engine = get_engine(engine_name)
    load = time.perf_counter() - started
    work = Path(tempfile.mkdtemp(prefix="dossier-ocr-bench-"))  # the zipped application
    try:
        batch = scan_batch(ROOT / "samples" / "batch", work)
        per_page = _time_pages(batch.applications, engine)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "engine": engine_name,
        "version": engine.version,
        "load_s": load,
        "pages": len(per_page),
        "median_s": statistics.median(per_page),
        "p90_s": per_page[int(0.9 * (len(per_page) - 1))],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _time_pages(applications: Any, engine: Any) -> list[float]:
    from pipeline.pages import read_pages

    per_page: list[float] = []
    for app in applications:
        for f in app.files:
            if Path(f.file).suffix.lower() not in SCAN_SUFFIXES:
                continue
            pages = read_pages(f, engine)
            while True:
                t0 = time.perf_counter()
                page = next(pages, None)
                if page is None:
                    break
                if page.source == "ocr":
                    per_page.append(time.perf_counter() - t0)
    return sorted(per_page)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engines", default="rapidocr,paddleocr")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one run, JSON on stdout
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.one)))
        return 0

    env = dict(os.environ, ORT_DISABLE_TELEMETRY="1")
    print(f"{'engine':10s} {'pages':>5s} {'load s':>7s} {'s/page':>7s} {'p90':>6s} {'RSS MB':>7s}")
    for name in args.engines.split(","):
        runs = []
        for _ in range(args.runs):
            done = subprocess.run(
                [sys.executable, __file__, "--one", name], capture_output=True, text=True, env=env
            )
            if done.returncode != 0:
                print(f"{name:10s} unavailable: {done.stderr.strip().splitlines()[-1]}")
                break
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        if not runs:
            continue
        med = {
            k: statistics.median(r[k] for r in runs) for k in runs[0] if k.endswith(("_s", "_mb"))
        }
        print(
            f"{name:10s} {runs[0]['pages']:5d} {med['load_s']:7.2f} {med['median_s']:7.2f} "
            f"{med['p90_s']:6.2f} {med['peak_rss_mb']:7.0f}   ({len(runs)} runs; {runs[0]['version']})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
