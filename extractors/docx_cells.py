"""Read a .docx as rows of cell texts, with every kind of checkbox turned into ☑ or □.

Word stores a ticked box in four ways: a character (☑ □ ■ √), a Wingdings `w:sym`, a legacy
FORMCHECKBOX field and a `w14:checkbox` content control. All four come out as one token here,
so that the form extractor reads one vocabulary.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from docx import Document as open_docx
from docx.oxml.ns import qn
from docx.table import Table

TICK = "☑"
BOX = "□"
VOCAB = Path(__file__).with_name("vocab") / "application_form.toml"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"


@lru_cache(maxsize=1)
def _box_vocab() -> dict[str, Any]:
    return dict(tomllib.loads(VOCAB.read_text(encoding="utf-8"))["checkbox"])


@dataclass
class Cell:
    text: str
    col: int  # first grid column the cell covers
    span: int


@dataclass
class Row:
    table: int
    index: int
    cells: list[Cell]

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cells]

    def at_col(self, col: int) -> Cell | None:
        for c in self.cells:
            if c.col <= col < c.col + c.span:
                return c
        return None


def _is_true(el: Any, attr: str) -> bool:
    val = el.get(attr)
    return val is None or val.lower() in ("1", "true", "on")


def _walk(el: Any, out: list[str]) -> None:
    tag = el.tag
    if tag == qn("w:t"):
        out.append(el.text or "")
        return
    if tag in (qn("w:tab"),):
        out.append(" ")
        return
    if tag in (qn("w:br"), qn("w:cr")):
        out.append("\n")
        return
    if tag == qn("w:sym"):
        char = (el.get(qn("w:char")) or "").upper()
        vocab = _box_vocab()
        if char in vocab["ticked_sym"]:
            out.append(TICK)
        elif char in vocab["unticked_sym"]:
            out.append(BOX)
        return
    if tag == qn("w:fldChar") and el.get(qn("w:fldCharType")) == "begin":
        box = el.find(f"{qn('w:ffData')}/{qn('w:checkBox')}")
        if box is not None:
            checked = box.find(qn("w:checked"))
            default = box.find(qn("w:default"))
            if checked is not None:
                ticked = _is_true(checked, qn("w:val"))
            else:
                ticked = default is not None and _is_true(default, qn("w:val"))
            out.append(TICK if ticked else BOX)
        return
    if tag == qn("w:sdt"):
        box = el.find(f"{qn('w:sdtPr')}/{{{W14}}}checkbox")
        if box is not None:
            checked = box.find(f"{{{W14}}}checked")
            ticked = checked is not None and checked.get(f"{{{W14}}}val") in ("1", "true")
            out.append(TICK if ticked else BOX)
            return  # its content is the glyph Word draws for the state: counted once above
    if tag == qn("w:instrText") or tag == qn("w:delText"):
        return
    for child in el:
        _walk(child, out)
    if tag == qn("w:p"):
        out.append("\n")


def element_text(el: Any) -> str:
    out: list[str] = []
    _walk(el, out)
    text = "".join(out)
    vocab = _box_vocab()
    for ch in vocab["ticked_chars"]:
        text = text.replace(ch, TICK)
    for ch in vocab["unticked_chars"]:
        text = text.replace(ch, BOX)
    return text.strip()


def _table_rows(table: Table, table_index: int, seen: dict[int, Any]) -> Iterator[Row]:
    """Rows of unique cells. `seen` keeps the cell elements alive so that their ids stay unique."""
    for r_index, row in enumerate(table.rows):
        grid = row.cells  # one entry per grid column, merged cells repeated
        cells: list[Cell] = []
        col = 0
        while col < len(grid):
            tc = grid[col]._tc
            span = 1
            while col + span < len(grid) and grid[col + span]._tc is tc:
                span += 1
            # A vertical merge repeats the top cell down the rows: its text counts once.
            text = "" if id(tc) in seen else element_text(tc)
            seen[id(tc)] = tc
            cells.append(Cell(text=text, col=col, span=span))
            col += span
        yield Row(table=table_index, index=r_index, cells=cells)


@dataclass
class DocxContent:
    paragraphs: list[str]  # body paragraphs outside tables, in order
    rows: list[Row]  # every table row of the body, nested tables after their parent row


def read_docx(path: str | Path) -> DocxContent:
    doc = open_docx(str(path))
    paragraphs = [t for t in (element_text(p._p) for p in doc.paragraphs) if t]
    rows: list[Row] = []
    counter = 0

    seen: dict[int, Any] = {}

    def add(table: Table) -> None:
        nonlocal counter
        index = counter
        counter += 1
        rows.extend(_table_rows(table, index, seen))
        inner_seen: set[int] = set()
        for trow in table.rows:
            for cell in trow.cells:
                if id(cell._tc) in inner_seen:
                    continue
                inner_seen.add(id(cell._tc))
                seen[id(cell._tc)] = cell._tc
                for inner in cell.tables:
                    add(inner)

    for table in doc.tables:
        add(table)
    return DocxContent(paragraphs=paragraphs, rows=rows)
