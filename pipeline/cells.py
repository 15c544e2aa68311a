"""Spreadsheet cells that are safe to open: text is never a live formula.

Every CSV and XLSX writer (summary.csv, summary.xlsx, the desk's review.xlsx, any later
export) writes its rows through here. Excel and LibreOffice evaluate a CSV field or a typed-in
cell that starts with = + - @ (and a leading tab or CR hides such a start), so an application
folder named `=HYPERLINK(…)` or a form value `=cmd|…` would run in a reviewer's spreadsheet.
- CSV: such text gets a leading `'` (shown as text, the quote not part of the value);
- XLSX: every str is written as a string cell, whatever it starts with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What openpyxl refuses in a cell (XML 1.0 has no place for it): shown as U+FFFD instead.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def formula_like(text: str) -> bool:
    """Would a spreadsheet read this text as a formula (or hide such a start)?"""
    return text.startswith(FORMULA_STARTS)


def csv_text(value: Any) -> Any:
    """A CSV field: formula-like text gets a leading `'`; other values stay as they are."""
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_text(v) for v in values]


def write_csv_row(writer: Any, values: Iterable[Any]) -> None:
    """writer.writerow(values) with every text field made safe (a csv.writer)."""
    writer.writerow(csv_row(values))


def xlsx_text(value: str) -> str:
    return _ILLEGAL.sub("\ufffd", value)


def xlsx_append(ws: Worksheet, values: Sequence[Any]) -> list[Cell]:
    """ws.append(values), every str a string cell (openpyxl makes "=…" a formula)."""
    ws.append([xlsx_text(v) if isinstance(v, str) else v for v in values])
    row = ws.max_row
    cells = [ws.cell(row=row, column=i) for i in range(1, len(values) + 1)]
    for cell, value in zip(cells, values, strict=True):
        if isinstance(value, str):
            cell.data_type = "s"
    return cells


__all__ = [
    "FORMULA_STARTS",
    "csv_row",
    "csv_text",
    "formula_like",
    "write_csv_row",
    "xlsx_append",
    "xlsx_text",
]
