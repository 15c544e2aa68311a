"""Seconds of the paths that must stay cheap: figures the tests no longer assert (no wall
time in tests, issue 15). Each is run --runs times; the medians are printed.

    .venv/bin/python benchmarks/cheap_paths.py [--runs 5]

- text_layer:   read_pages of a 2-page text PDF (no OCR: milliseconds, not OCR seconds)
- annual_report: audit_report.extract over a 126-page annual report
- find_orgs:    milliseconds per line of find_orgs over 200 lines
- ole2_sniff:   sniff of a 1.5 KB OLE2 file whose FAT points at itself (once 50 s, 8 GB)
- pdf_content:  read_pages of a 4 KB PDF with 3 MB of `q Q` (pdfium, not pdfminer: once 5.5 s)
Quote `uptime`'s load beside the figures: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs

    from extractors import audit_report
    from extractors.common.orgs import find_orgs, nlp
    from pipeline.formats import detect_format, sniff
    from pipeline.models import InputFile
    from pipeline.pages import read_pages
    from tests.extractors.test_audit_report import read, statements_pdf
    from tests.hostile import builders
    from tests.hostile.test_fuzz import StubOcr
    from tests.hostile.test_regressions import ole2_fat_bomb
    from tests.stages.builders import text_pdf
    from tests.stages.test_pages_native import AUDIT

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        pdf = text_pdf(tmp / "审计报告.pdf", [AUDIT, ["利润表", "营业收入 88,001,234.56"]])
        text_file = InputFile(
            file=pdf.name, path=str(pdf), sha256="", size=0, format=detect_format(pdf)
        )
        annual = statements_pdf(
            tmp / "年报.pdf", consolidated=True, parent_copy=True, filler_pages=120
        )
        annual_file, annual_pages = read(annual, None)
        nlp()
        lines = ["甲方：湖南星辰智能装备有限公司  乙方：中国电信股份有限公司长沙分公司"] * 200
        ole2 = tmp / "附件.doc"
        ole2.write_bytes(ole2_fat_bomb())
        bomb = tmp / "大内容.pdf"
        bomb.write_bytes(builders.pdf_stream_bomb(3 << 20, b"q Q "))
        bomb_file = InputFile(file=bomb.name, path=str(bomb), sha256="", size=0, format="pdf")

        figures = {
            "text_layer_s": timed(lambda: list(read_pages(text_file, None)), runs),
            "annual_report_s": timed(
                lambda: audit_report.extract(annual_file.file, annual_pages), runs
            ),
            "find_orgs_ms_per_line": timed(lambda: [find_orgs(x) for x in lines], runs)
            * 1000
            / len(lines),
            "ole2_sniff_s": timed(lambda: sniff(ole2), runs),
            "pdf_content_s": timed(lambda: list(read_pages(bomb_file, StubOcr())), runs),
        }
    print(f"load average: {os.getloadavg()[0]:.2f} (1 min), runs: {runs}")
    for name, value in figures.items():
        print(f"{name:24} {value:.4f}")


if __name__ == "__main__":
    main()
