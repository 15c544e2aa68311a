"""report.json and report.html per application; summary.html and summary.csv per batch.

Every file is written whole or not at all (pipeline/atomic.py).
"""

from __future__ import annotations

import csv
import io
import tomllib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipeline.atomic import write_atomic
from pipeline.models import Model, Report

TEMPLATES = Path(__file__).with_name("templates")
LABELS = Path(__file__).with_name("labels.toml")
VERDICT_ORDER = {"failed": 0, "error": 1, "warning": 2, "ok": 3}


class SummaryRow(Model):
    application: str
    verdict: str  # error | warning | ok | failed
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    files: int = 0
    problem_files: int = 0
    pages: int = 0
    stats: dict[str, int] = {}
    report: str | None = None  # link relative to the summary
    problem: str | None = None


@lru_cache(maxsize=1)
def labels() -> dict[str, dict[str, str]]:
    return tomllib.loads(LABELS.read_text(encoding="utf-8"))


def show(value: Any) -> str:
    """A value as a reviewer reads it: money with separators, missing as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (float, Decimal)):
        return f"{value:,.2f}"
    if isinstance(value, list):
        return "；".join(show(v) for v in value)
    if isinstance(value, dict):
        return "，".join(f"{labels()['fields'].get(k, k)} {show(v)}" for k, v in value.items())
    return str(value)


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.globals.update(show=show, labels=labels(), css=(TEMPLATES / "base.css").read_text())
    return env


def verdict_of(report: Report) -> str:
    counts = report.counts
    return "error" if counts["error"] else "warning" if counts["warning"] else "ok"


def write_report(report: Report, out_dir: Path) -> SummaryRow:
    app_dir = out_dir / report.application
    write_atomic(app_dir / "report.json", report.model_dump_json(indent=2) + "\n")
    counts = report.counts
    verdict = verdict_of(report)
    html = _env().get_template("report.html").render(r=report, counts=counts, verdict=verdict)
    write_atomic(app_dir / "report.html", html)
    return SummaryRow(
        application=report.application,
        verdict=verdict,
        errors=counts["error"],
        warnings=counts["warning"],
        infos=counts["info"],
        files=len(report.files),
        problem_files=sum(1 for f in report.files if f.status != "processed"),
        pages=report.stats.get("pages", 0),
        stats=report.stats,
        report=f"{quote(report.application)}/report.html",
    )


def sort_rows(rows: list[SummaryRow]) -> list[SummaryRow]:
    return sorted(
        rows, key=lambda r: (VERDICT_ORDER[r.verdict], -r.errors, -r.warnings, r.application)
    )


CSV_HEADER = [
    "申报单位",
    "结论",
    "错误",
    "警告",
    "提示",
    "文件数",
    "问题文件数",
    "页数",
    "报告",
    "说明",
]


def summary_csv(rows: list[SummaryRow]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r in rows:
        writer.writerow(
            [
                r.application,
                labels()["verdict"][r.verdict],
                r.errors,
                r.warnings,
                r.infos,
                r.files,
                r.problem_files,
                r.pages,
                r.report or "",
                r.problem or "",
            ]
        )
    # A BOM so that Excel opens the Chinese text as UTF-8.
    return "\ufeff" + buf.getvalue()


def write_summary(batch: str, rows: list[SummaryRow], out_dir: Path) -> None:
    rows = sort_rows(rows)
    totals = {
        "error_apps": sum(1 for r in rows if r.verdict == "error"),
        "warning_apps": sum(1 for r in rows if r.verdict == "warning"),
        "error": sum(r.errors for r in rows),
        "warning": sum(r.warnings for r in rows),
        "files": sum(r.files for r in rows),
        "pages": sum(r.pages for r in rows),
    }
    html = _env().get_template("summary.html").render(batch=batch, rows=rows, totals=totals)
    write_atomic(out_dir / "summary.html", html)
    write_atomic(out_dir / "summary.csv", summary_csv(rows))
