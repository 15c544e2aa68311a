"""Issue 15, cases 1 and 2 at the level of the writers: pipeline/cells.py (the one rule for
every CSV and XLSX cell) and the links of summary.xlsx. The whole batch through the real
pipeline is tests/hostile/test_formula_exports.py."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from pipeline.cells import csv_row, formula_like, xlsx_append
from pipeline.report import SummaryFinding, SummaryRow, report_link, summary_csv, summary_xlsx

FORMULAS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")']


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_is_quoted_in_csv_and_text_in_xlsx(text: str) -> None:
    assert formula_like(text)
    assert csv_row([text, 3, None]) == ["'" + text, 3, None]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    xlsx_append(ws, [text, 3])
    buf = io.BytesIO()
    wb.save(buf)
    cell = load_workbook(buf).active["A1"]  # type: ignore[index]
    assert cell.data_type == "s" and cell.value == text


def test_ordinary_text_is_left_alone() -> None:
    assert csv_row(["长沙云帆", "1-2", "a=b", "", 0]) == ["长沙云帆", "1-2", "a=b", "", 0]


def test_characters_xml_cannot_hold_do_not_break_the_workbook() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    xlsx_append(ws, ["审核\x01意见\x1f"])
    assert ws["A1"].value == "审核\ufffd意见\ufffd"


@pytest.mark.parametrize(
    "application",
    ["\\\\host\\share\\x", "C:\\Windows", "..", "http:evil", "a%2F..", "x#y", " 空格"],
)
def test_no_link_for_a_name_excel_would_read_as_another_place(application: str) -> None:
    from urllib.parse import quote

    assert report_link(f"{quote(application)}/report.html") is None


def test_a_link_is_the_report_beside_the_summary() -> None:
    assert report_link("001_%E6%9C%89%E9%94%99%E8%AF%AF/report.html") == "001_有错误/report.html"
    assert report_link("a/b/report.html") is None
    assert report_link("a/other.html") is None
    assert report_link(None) is None


def _hostile_row(name: str) -> SummaryRow:
    from urllib.parse import quote

    return SummaryRow(
        application=name,
        verdict="error",
        errors=1,
        report=f"{quote(name)}/report.html",
        problem="=2+2",
        findings=[
            SummaryFinding(
                severity="error",
                code="=CODE",
                field="company_name",
                declared="=cmd|'/Ccalc'!A0",
                found="@SUM(1)",
                message="-企业名称不一致",
            )
        ],
    )


def test_summary_exports_of_hostile_rows() -> None:
    names = ["+SUM(1+1)", "\\\\host\\share\\x", '=HYPERLINK("https:\\\\evil","x")']
    rows = [_hostile_row(n) for n in names]
    for line in csv.reader(io.StringIO(summary_csv(rows).lstrip("\ufeff"))):
        assert not any(formula_like(v) for v in line), line
    wb = load_workbook(io.BytesIO(summary_xlsx(rows)))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if cell.hyperlink is not None:
                    assert "host" not in cell.hyperlink.target, cell.hyperlink.target
    summary = {r[0].value: r for r in wb["汇总"].iter_rows(min_row=2)}
    assert summary[names[1]][9].hyperlink is None  # the UNC name: no link at all
    assert summary[names[2]][9].hyperlink is None
    link = summary[names[0]][9].hyperlink  # a formula-like name that is a plain folder name
    assert link is not None and link.target == "+SUM(1+1)/report.html"
