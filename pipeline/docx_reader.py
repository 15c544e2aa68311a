"""A .docx's structure as the page's payload: rows of cell texts (merged cells once), with
every kind of checkbox turned into ☑ or □.

Word stores a ticked box in four ways: a character (☑ □ ■ √), a Wingdings `w:sym`, a legacy
FORMCHECKBOX field and a `w14:checkbox` content control. All four come out as one token here,
so that the form extractor reads one vocabulary (vocab/checkbox.toml).
Read by pipeline/pages.py while the document is open.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from docx.oxml.ns import qn
from docx.table import Table

from pipeline.models import BOX, TICK, DocxCell, DocxPayload, DocxRow

VOCAB = Path(__file__).with_name("vocab") / "checkbox.toml"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"


@lru_cache(maxsize=1)
def _box_vocab() -> dict[str, Any]:
    return dict(tomllib.loads(VOCAB.read_text(encoding="utf-8"))["checkbox"])


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


def _table_rows(table: Table, table_index: int, seen: dict[int, Any]) -> Iterator[DocxRow]:
    """Rows of unique cells. `seen` keeps the cell elements alive so that their ids stay unique."""
    for r_index, row in enumerate(table.rows):
        grid = row.cells  # one entry per grid column, merged cells repeated
        cells: list[DocxCell] = []
        col = 0
        while col < len(grid):
            tc = grid[col]._tc
            span = 1
            while col + span < len(grid) and grid[col + span]._tc is tc:
                span += 1
            # A vertical merge repeats the top cell down the rows: its text counts once.
            text = "" if id(tc) in seen else element_text(tc)
            seen[id(tc)] = tc
            cells.append(DocxCell(text=text, col=col, span=span))
            col += span
        yield DocxRow(table=table_index, index=r_index, cells=cells)


def docx_payload(doc: Any) -> DocxPayload:
    """Body paragraphs outside tables, in order, and every table row of the body (nested
    tables after their parent row), of an open python-docx Document."""
    paragraphs = [t for t in (element_text(p._p) for p in doc.paragraphs) if t]
    rows: list[DocxRow] = []
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
    return DocxPayload(paragraphs=paragraphs, rows=rows)
