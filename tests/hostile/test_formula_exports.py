"""Issue 15, cases 1 and 2: a whole batch whose application folders and form values are
spreadsheet formulas and UNC paths, run through the real `dossier process`; then the desk's
review.xlsx of the same run with reviewers' comments of the same kind. Every cell of every
export (summary.csv, every sheet of summary.xlsx and review.xlsx) is text, never a live
formula, and every hyperlink points at a report inside the output folder."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from openpyxl import load_workbook

from pipeline.cells import csv_text, formula_like
from tests.hostile.runner import Dirs, Run, run_process
from webdesk.db import Batch, BatchApp, now
from webdesk.desk import Desk
from webdesk.export import review_xlsx
from webdesk.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "batch" / "007_长沙云帆汽车零部件有限公司"
FORM = "长沙云帆申报书.docx"
COMPANY = "长沙云帆汽车零部件有限公司"

# Folder names (a Linux folder may hold all of these; "/" is the one character it may not).
HOSTILE_FOLDERS = [
    '=HYPERLINK("https:\\\\evil.example","点击")',
    "\\\\host\\share\\x",
    "+SUM(1+1)",
    "-2+3",
    "@SUM(1)",
    "=cmd|' -C calc'!A0",
]
# What the forms declare as 企业名称 (one per folder, in the same order; without blanks, which
# the form's reader drops from a company name).
HOSTILE_NAMES = [
    "=cmd|'/Ccalc'!A0",
    '=HYPERLINK("file://\\\\host\\share","x")',
    "+1+cmd|'/Ccalc'!A0",
    "-1+1",
    "@SUM(A1:A9)",
    "=1+1",
]
HOSTILE_COMMENTS = ['=HYPERLINK("https://evil.example","看")', "@SUM(1)", "\t=1", "-1+2"]


def hostile_form(target: Path, company: str) -> None:
    """The sample's application form with its company name replaced (in the XML itself)."""
    with zipfile.ZipFile(SAMPLE / FORM) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                assert COMPANY in text
                data = text.replace(COMPANY, escape(company, {'"': "&quot;"})).encode("utf-8")
            dst.writestr(info, data)


@dataclass
class Outcome:
    dirs: Dirs
    run: Run


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    root = tmp_path_factory.mktemp("formulas")
    batch = root / "batch"
    for folder, company in zip(HOSTILE_FOLDERS, HOSTILE_NAMES, strict=True):
        app = batch / folder
        app.mkdir(parents=True)
        hostile_form(app / FORM, company)
        shutil.copy2(SAMPLE / "附件4.pdf", app / "附件4.pdf")
    dirs = Dirs.under(root)
    run = run_process(batch, dirs)
    assert run.returncode == 0, run.stderr[-3000:]
    return Outcome(dirs, run)


def _xlsx_cells(data: bytes) -> list[tuple[str, str, object, str]]:
    """(sheet, coordinate, value, data type) of every cell of every sheet."""
    wb = load_workbook(io.BytesIO(data))
    return [
        (ws.title, cell.coordinate, cell.value, cell.data_type)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
    ]


def _no_live_formulas(data: bytes, hostile: list[str]) -> list[str]:
    """Problems of a workbook: formula cells, formula-like text not stored as text, links
    outside the folder; and each hostile string must be there (else nothing was tested)."""
    problems = []
    seen: set[str] = set()
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    problems.append(f"{ws.title}!{cell.coordinate}: formula {cell.value!r}")
                if isinstance(cell.value, str):
                    seen.update(h for h in hostile if h in cell.value)
                    if formula_like(cell.value) and cell.data_type != "s":
                        problems.append(f"{ws.title}!{cell.coordinate}: {cell.data_type}")
                if cell.hyperlink is not None:
                    target = cell.hyperlink.target or ""
                    parts = target.split("/")
                    if (
                        len(parts) != 2
                        or parts[1] != "report.html"
                        or "\\" in target
                        or ":" in target
                        or parts[0] in ("", ".", "..")
                    ):
                        problems.append(f"{ws.title}!{cell.coordinate}: link {target!r}")
    problems += [f"{h!r} not in any cell" for h in hostile if h not in seen]
    return problems


def test_summary_csv_has_no_live_formula(outcome: Outcome) -> None:
    out = outcome.dirs.out
    text = (out / "summary.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + len(HOSTILE_FOLDERS)
    for row in rows:
        for field in row:
            assert not formula_like(field), (field, row)
    names = {row[0] for row in rows[1:]}
    assert names == {csv_text(f) for f in HOSTILE_FOLDERS}
    assert sum(n.startswith("'") for n in names) == len(HOSTILE_FOLDERS) - 1  # not the UNC one


def test_summary_xlsx_has_no_live_formula_nor_foreign_link(outcome: Outcome) -> None:
    data = (outcome.dirs.out / "summary.xlsx").read_bytes()
    sheets = {t for t, *_ in _xlsx_cells(data)}
    assert sheets == {"汇总", "核查发现"}
    problems = _no_live_formulas(data, HOSTILE_FOLDERS)
    assert problems == [], problems
    # The raw XML holds no formula element at all (openpyxl could hide one).
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name
    links = [
        c.hyperlink.target
        for ws in load_workbook(io.BytesIO(data)).worksheets
        for row in ws.iter_rows()
        for c in row
        if c.hyperlink is not None
    ]
    # Each application that got a link has its report right there; the UNC one gets none.
    assert links and all((outcome.dirs.out / t).is_file() for t in links), links
    assert not any("host" in t for t in links), links


def test_declared_values_reach_the_findings_sheet_as_text(outcome: Outcome) -> None:
    data = (outcome.dirs.out / "summary.xlsx").read_bytes()
    cells = _xlsx_cells(data)
    found = [c for c in cells if c[0] == "核查发现" and c[2] in HOSTILE_NAMES]
    assert found, "no finding shows a declared company name: the test would prove nothing"
    assert all(t == "s" for *_, t in found), found


def test_review_xlsx_has_no_live_formula(outcome: Outcome) -> None:
    settings = Settings.make(out=outcome.dirs.out, run_worker=False)
    desk = Desk(settings)
    try:
        run = desk.store.list_runs()[0]
        reviewer = desk.add_user("prov", "province", None, "province-secret-1")
        with desk.db.session(write=True) as s:
            batch = Batch(
                key="hostile",
                name='=HYPERLINK("https://evil.example","批次")',
                city="长沙市",
                uploaded_by=reviewer.id,
                uploader_name="=1+1",
                uploaded_at=now(),
                mode="now",
                source=run.source,
                out_dir=str(outcome.dirs.out),
                state="done",
                run_id=run.id,
                pages_done=1,
                pages_total=1,
            )
            s.add(batch)
            s.flush()
            for folder in HOSTILE_FOLDERS:
                s.add(BatchApp(batch_id=batch.id, name=folder, state="done"))
        for report in (desk.store.load_report(run.id, f) for f in HOSTILE_FOLDERS):
            from webdesk.worker import apply_report

            apply_report(desk.db, batch.id, report)
        for app in desk.apps(batch.id):
            items = desk.findings(batch, app, desk.report(batch, app))
            assert items, app.name
            for item, comment in zip(items, HOSTILE_COMMENTS, strict=False):
                desk.add_review(reviewer, batch, app, item.key, "explained", comment)
        data = review_xlsx(desk, batch)
    finally:
        desk.close()
    # Comments are stripped of their blanks when saved ("\t=1" becomes "=1").
    comments = [c.strip() for c in HOSTILE_COMMENTS]
    problems = _no_live_formulas(data, HOSTILE_FOLDERS + HOSTILE_NAMES + comments)
    assert problems == [], problems
