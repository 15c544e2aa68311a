"""The list of enterprises whose title was revoked (第十一条: barred for 3 years).

The province uploads it as CSV (UTF-8 or the GBK that Excel writes on Chinese Windows) or
XLSX, one enterprise a row: name, credit code, date of revocation. Columns are found by
their header (企业名称 / 统一社会信用代码 / 撤销日期 and common variants); without a
header row they are taken in that order.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Protocol, TypeVar

from extractors.common.credit_code import is_valid, normalize_code
from extractors.common.dates import parse_date
from webdesk import vocab
from webdesk.days import plus_years

MAX_ROWS = 20_000
HEADERS = {
    "name": ("企业名称", "单位名称", "企业", "名称", "company_name", "company", "name"),
    "code": ("统一社会信用代码", "社会信用代码", "信用代码", "credit_code", "code"),
    "date": ("撤销日期", "撤销时间", "撤销认定日期", "日期", "revoked_on", "date"),
}


class ListProblem(ValueError):
    """The file cannot be taken as it is; the message lists what to fix (Chinese)."""


class EntryLike(Protocol):
    company_name: str | None
    credit_code: str | None
    revoked_on: str


Entry = tuple[str | None, str | None, str]  # name, credit code, ISO date
E = TypeVar("E", bound=EntryLike)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ListProblem("无法识别 CSV 文件的编码（请保存为 UTF-8 或 GBK）")
    return [row for row in csv.reader(io.StringIO(text))]


def _rows_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ListProblem(f"无法打开 Excel 文件：{type(exc).__name__}") from exc
    try:
        ws = wb.worksheets[0]
        rows = []
        for row in ws.iter_rows(values_only=True):
            rows.append([_cell_text(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        wb.close()


def _columns(header: Sequence[str]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = re.sub(r"\s+", "", cell).lower()
        for key, names in HEADERS.items():
            if key not in found and text in names:
                found[key] = i
    return found if "date" in found and ("name" in found or "code" in found) else None


def parse_list(filename: str, data: bytes) -> list[Entry]:
    """The entries of an uploaded list; ListProblem naming the rows to fix otherwise."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        rows = _rows_xlsx(data)
    elif lower.endswith(".csv") or lower.endswith(".txt"):
        rows = _rows_csv(data)
    else:
        raise ListProblem("请上传 .csv 或 .xlsx 文件")
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise ListProblem("文件中没有任何数据行")
    columns = _columns(rows[0])
    first = 1 if columns else 0
    columns = columns or {"name": 0, "code": 1, "date": 2}
    if len(rows) - first > MAX_ROWS:
        raise ListProblem(f"名单超过 {MAX_ROWS} 行")
    entries: list[Entry] = []
    problems: list[str] = []
    for number, row in enumerate(rows[first:], start=first + 1):

        def cell(key: str, row: list[str] = row) -> str:
            i = columns.get(key) if columns else None
            return row[i].strip() if i is not None and i < len(row) else ""

        name = cell("name") or None
        raw_code = cell("code")
        code = normalize_code(raw_code) if raw_code else None
        day = parse_date(cell("date")) if cell("date") else None
        if not name and not code:
            problems.append(f"第 {number} 行：企业名称和统一社会信用代码都为空")
        elif code and not is_valid(code):
            problems.append(f"第 {number} 行：统一社会信用代码 {raw_code} 不正确（校验位不符）")
        elif day is None:
            problems.append(f"第 {number} 行：撤销日期“{cell('date')}”无法识别")
        else:
            entries.append((name, code, day))
    if problems:
        shown = "；".join(problems[:10])
        more = f"（另有 {len(problems) - 10} 处）" if len(problems) > 10 else ""
        raise ListProblem(f"名单有 {len(problems)} 处需要修改：{shown}{more}")
    return entries


def normal_name(name: str | None) -> str:
    """Company names compared without spaces and with one kind of brackets."""
    if not name:
        return ""
    text = re.sub(r"\s+", "", name)
    return text.replace("（", "(").replace("）", ")")


def match_entry(
    entries: Iterable[E], company_name: str | None, credit_code: str | None, applied_on: date
) -> tuple[E, date] | None:
    """The entry that bars an applicant on `applied_on`, with the date the bar ends."""

    code = normalize_code(credit_code) if credit_code else ""
    name = normal_name(company_name)
    for entry in entries:
        same = (code and entry.credit_code == code) or (
            name and normal_name(entry.company_name) == name
        )
        if not same:
            continue
        until = plus_years(date.fromisoformat(entry.revoked_on), vocab.revoked_bar_years())
        if applied_on < until:
            return entry, until
    return None
