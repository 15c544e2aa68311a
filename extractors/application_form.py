"""The application form (申报书, .docx): every field of the contract's `declared` block.

Fields are found by their labels (extractors/vocab/application_form.toml) and by the shape of
the tables (a header row of years), never by fixed cell positions.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from extractors.base import Collector, Extraction
from extractors.common.amounts import UNIT_FACTORS, parse_amount, parse_money
from extractors.common.credit_code import repair as repair_code
from extractors.common.dates import parse_date, parse_month
from pipeline.models import BOX, TICK, Declared, DocxPayload, DocxRow, Page

VOCAB = Path(__file__).with_name("vocab") / "application_form.toml"
_YEAR = re.compile(r"^(20\d{2})\s*年?\s*(度|末)?$")
_STRIP = re.compile(r"[\s:：*＊]|（[^）]*）|\([^)]*\)|^其中|^\d+[.、]|^[（(]\d+[）)]")
_ELEMENT = re.compile(r"^\s*(\d{1,2})\s*[.．]\s*(\d{1,2})")
_ELEMENT_TAIL = re.compile(r"(\d{1,2})\s*[.．]\s*(\d{1,2})\s*$")
_CITY = re.compile(r"([\u4e00-\u9fff]{1,8}?(?:自治州|市|地区))")
_COUNTY_AFTER_CITY = re.compile(r"([\u4e00-\u9fff]{1,8}?(?:区|县|市))")
_SPACES = re.compile(r"\s+")
# Words before a hand-written figure that do not change it.
_APPROX = re.compile(r"^(?:约|大约|近|共|合计|计)\s*")
_MONEY_UNIT = re.compile(r"(?:亿元|万元|千元|元)\s*(?:人民币)?$")
# What each non-money column may write after its figure.
_COLUMN_UNITS = {"%": r"\s*[%％]$", "人": r"\s*(?:人|名)$"}
# A cost cell that declares nothing.
_BLANK = re.compile(r"^\s*(?:[—–－\-/／]+|无|空|不涉及)\s*$")
# A cell this short may hold its label anywhere ("项目实施周期" holds 实施周期).
CONTAINS_MAX_CHARS = 16
# Only where labels vary; an identity label inside a longer cell ("市州工信部门意见") is not one.
CONTAINS_GROUPS = ("project", "costs", "years")


@lru_cache(maxsize=1)
def _vocab() -> dict[str, dict[str, list[str]]]:
    data = tomllib.loads(VOCAB.read_text(encoding="utf-8"))
    return dict(data)


def label_key(text: str) -> str:
    """A cell's text reduced to what a label is matched on."""
    text = text.split("\n")[0]
    text = text.replace("“", "").replace("”", "").replace('"', "")
    prev = None
    while prev != text:
        prev = text
        text = _STRIP.sub("", text)
    return text


def match_label(text: str, group: str) -> str | None:
    """The field of `group` whose label the cell starts with; longest label wins.

    Another hand words a label its own way ("项目实施周期", "其他费用（实施、设备接入…）"):
    a short cell that holds a label, or whose bracket holds one, matches too, after every
    label that it starts with has been tried.
    """
    key = label_key(text)
    if not key or len(key) > 40:
        return None
    vocab = _vocab()[group]
    best = _best_label(vocab, lambda lab: key.startswith(lab))
    if best is None and group in CONTAINS_GROUPS and len(key) <= CONTAINS_MAX_CHARS:
        best = _best_label(vocab, lambda lab: lab in key)
    if best is None:
        inner = _bracketed(text)
        if inner and len(inner) <= 40:
            best = _best_label(vocab, lambda lab: inner.startswith(lab))
    return best


def _best_label(vocab: dict[str, list[str]], fits: Any) -> str | None:
    best: tuple[int, str] | None = None
    for name, labels in vocab.items():
        for label in labels:
            lab = label_key(label)
            if lab and fits(lab) and (best is None or len(lab) > best[0]):
                best = (len(lab), name)
    return best[1] if best else None


def _bracketed(text: str) -> str:
    """What a label's brackets hold, reduced like a label: "其他费用（实施、设备接入等）"."""
    inner = " ".join(re.findall(r"[（(]([^）)]*)[）)]", text.split("\n")[0]))
    return label_key(inner)


def _is_label(text: str) -> bool:
    return any(match_label(text, g) for g in _vocab())


def _value_after(row: DocxRow, index: int) -> str | None:
    """The first non-empty cell after the label cell that is not another label."""
    for cell in row.cells[index + 1 :]:
        text = cell.text.strip()
        if not text:
            continue
        if _is_label(text):
            return None
        return text
    return None


def _inline_value(text: str) -> str | None:
    """'企业名称：湖南…' written in one cell."""
    for sep in ("：", ":"):
        if sep in text:
            value = text.split(sep, 1)[1].strip()
            return value or None
    return None


def _figure(text: str | None, unit: str = "万元") -> Decimal | None:
    """A figure as the form's column states it (万元, %, 人), whatever the cell adds.

    Cells written by hand carry words and units: "167876.29万元", "约120人", "45.2%",
    "2,000,000元" (turned into 万元: units are never dropped silently). A unit that is not
    the column's kind (元 in the 人 column) gives None.
    """
    if text is None:
        return None
    s = _APPROX.sub("", text.strip())
    if unit == "万元":
        if parse_amount(s) is not None:
            return parse_amount(s)
        if not _MONEY_UNIT.search(s):
            return None
        yuan = parse_money(s)
        return None if yuan is None else yuan / UNIT_FACTORS["万元"]
    s = re.sub(_COLUMN_UNITS[unit], "", s).strip()
    return parse_amount(s)


def _to_decimal(text: str | None, unit: str = "万元") -> Decimal | None:
    return _figure(text, unit)


def _to_int(text: str | None) -> int | None:
    value = _figure(text, "人")
    if value is None or value != value.to_integral_value():
        return None
    return int(value)


def _iso_day(text: str) -> str | None:
    """成立时间 as ISO; day 1 when only a month is given (contract)."""
    day = parse_date(text)
    if day:
        return day
    month = parse_month(text)
    return f"{month}-01" if month else None


def _period(text: str) -> tuple[str | None, str | None]:
    parts = re.split(r"\s*(?:—|－|–|-{1,2}|~|～|至|到)\s*", text, maxsplit=1)
    if len(parts) != 2:
        return None, None
    return parse_month(parts[0]), parse_month(parts[1])


def _ticked(text: str) -> list[str]:
    """Labels that follow a ticked box: '☑工程机械 □轨道交通' → ['工程机械']."""
    out = []
    for piece in re.split(f"(?=[{TICK}{BOX}])", text):
        if piece.startswith(TICK):
            label = re.split(r"[\s,，、;；]{1,}", piece[1:].strip(), maxsplit=1)[0]
            label = label.strip("：:")
            if label:
                out.append(label)
    return out


def _ticked_elements(text: str) -> list[str]:
    """Ticked 要素条件 as '<category>.<item>', the number before or after the box."""
    out = []
    pieces = re.split(f"([{TICK}{BOX}])", text)
    for i in range(1, len(pieces), 2):
        if pieces[i] != TICK:
            continue
        after = pieces[i + 1] if i + 1 < len(pieces) else ""
        before = pieces[i - 1]
        m = _ELEMENT.match(after) or _ELEMENT_TAIL.search(before)
        if m:
            out.append(f"{int(m.group(1))}.{int(m.group(2))}")
    return out


class _FormReader:
    def __init__(self, content: DocxPayload, col: Collector) -> None:
        self.content = content
        self.col = col

    def evidence(self, label: str, value: str) -> str:
        return f"{label}：{value}"

    def run(self) -> None:
        rows = self.content.rows
        for i, row in enumerate(rows):
            self._identity(row)
            self._project(row, i)
            self._costs(row)
        self._years()
        self._elements()
        self._from_paragraphs()

    def _identity(self, row: DocxRow) -> None:
        for i, cell in enumerate(row.cells):
            name = match_label(cell.text, "identity")
            if not name:
                continue
            raw = _value_after(row, i) or _inline_value(cell.text)
            if name == "industry":
                # The boxes may sit in the label's own cell or in the value cell.
                boxes = " ".join(c.text for c in row.cells[i:])
                if TICK in boxes or BOX in boxes:
                    self.col.put("industry", _ticked(boxes), boxes[:200])
                continue
            if raw is None:
                continue
            text = self.evidence(label_key(cell.text), raw)
            value = _SPACES.sub("", raw)
            if name == "company_name":
                self.col.put(name, value, text)
            elif name == "credit_code":
                self.col.put(name, repair_code(value) or value.upper(), text)
            elif name == "established":
                self.col.put(name, _iso_day(value), text)
            elif name == "location":
                parts = [
                    c.text.strip()
                    for c in row.cells[i + 1 :]
                    if c.text.strip() and not match_label(c.text, "location_units")
                ] or [value]
                self._location(parts, self.evidence(label_key(cell.text), " ".join(parts)))
            elif name in ("city", "county"):
                self.col.put(name, value, text)
            elif name == "address":
                self.col.put(name, raw.strip(), text)

    def _location(self, parts: list[str], text: str) -> None:
        """所在地 as one cell ("长沙市岳麓区") or as cells per level ("长沙市" | "岳麓区")."""
        joined = "".join(_SPACES.sub("", p) for p in parts)
        city = _CITY.search(joined)
        if not city:
            return
        self.col.put("city", city.group(1), text)
        county = _COUNTY_AFTER_CITY.match(joined[city.end() :])
        if county:
            self.col.put("county", county.group(1), text)

    def _project(self, row: DocxRow, index: int) -> None:
        for i, cell in enumerate(row.cells):
            name = match_label(cell.text, "project")
            if not name or name == "elements":
                continue
            raw = _value_after(row, i) or _inline_value(cell.text)
            if name == "description" and raw is None:
                # The label may be a row of its own with the text in the next row.
                nxt = self.content.rows[index + 1] if index + 1 < len(self.content.rows) else None
                if nxt is not None and nxt.table == row.table:
                    raw = " ".join(c.text for c in nxt.cells if c.text) or None
            if raw is None:
                continue
            text = self.evidence(label_key(cell.text), raw)
            if name == "name":
                self.col.put("project.name", raw.strip(), text)
            elif name == "period":
                start, end = _period(raw)
                self.col.put("project.start", start, text)
                self.col.put("project.end", end, text)
            elif name == "total_cost":
                self.col.put("project.total_cost", _to_decimal(raw), text)
            elif name == "description":
                chars = len(_SPACES.sub("", raw))
                self.col.put("description_chars", chars, raw[:60] + "…")

    def _costs(self, row: DocxRow) -> None:
        for i, cell in enumerate(row.cells):
            name = match_label(cell.text, "costs")
            if not name:
                continue
            raw = _value_after(row, i)
            key = f"project.costs.{name}"
            if raw is None or _BLANK.match(raw):
                # Read, and nothing is declared: a null that is not an unread value.
                self.col.put_blank(key, self.evidence(label_key(cell.text), raw or "（空）"))
                continue
            self.col.put(key, _to_decimal(raw), self.evidence(label_key(cell.text), raw))

    def _years(self) -> None:
        header: dict[int, str] = {}
        table = None
        for row in self.content.rows:
            years = {c.col: m.group(1) for c in row.cells if (m := _YEAR.match(label_key(c.text)))}
            if len(years) >= 2:
                header, table = years, row.table
                continue
            if not header or row.table != table or not row.cells:
                continue
            # The label may sit after a merged side heading such as 主要经济指标.
            label_cell = next((c for c in row.cells if match_label(c.text, "years")), None)
            if label_cell is None:
                continue
            name = match_label(label_cell.text, "years")
            label = label_key(label_cell.text)
            for col, year in header.items():
                cell = row.at_col(col)
                if cell is None or cell is label_cell or not cell.text.strip():
                    continue
                if name == "employees":
                    value: Any = _to_int(cell.text)
                else:
                    value = _to_decimal(cell.text, "%" if name == "debt_ratio" else "万元")
                self.col.put(f"years.{year}.{name}", value, f"{year} {label}：{cell.text}")

    def _elements(self) -> None:
        rows = self.content.rows
        start = None
        for i, row in enumerate(rows):
            if any(match_label(c.text, "project") == "elements" for c in row.cells):
                start = i
                break
        if start is None:
            return
        found: list[str] = []
        texts: list[str] = []
        for row in rows[start:]:
            if row is not rows[start] and any(
                match_label(c.text, "project") in ("description", "total_cost") for c in row.cells
            ):
                break
            text = "\n".join(c.text for c in row.cells if c.text)
            texts.append(text)
            found.extend(e for e in _ticked_elements(text) if e not in found)
        # Ticked or not, the section was read: an empty list means nothing was ticked.
        self.col.put("elements", found, " ".join(texts)[:200])

    def _from_paragraphs(self) -> None:
        """The cover page names the company outside any table."""
        for para in self.content.paragraphs:
            for line in para.split("\n"):
                name = match_label(line, "identity")
                value = _inline_value(line)
                if name == "company_name" and value:
                    self.col.put(name, _SPACES.sub("", value), line)


def _nest(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


EXPECTED = [
    "company_name",
    "credit_code",
    "established",
    "industry",
    "city",
    "address",
    "project.name",
    "project.start",
    "project.end",
    "project.total_cost",
    "elements",
    "description_chars",
]


class NotAWordForm(ValueError):
    """The form's pages hold no .docx structure (a scanned or printed form)."""


def extract(file: str, pages: list[Page]) -> Extraction:
    col = Collector(file)
    content = next((p.payload for p in pages if isinstance(p.payload, DocxPayload)), None)
    if content is None:
        raise NotAWordForm(f"{file} 不是 Word 文件，申报书字段只从 .docx 读取")
    _FormReader(content, col).run()
    record = Declared.model_validate(_nest(col.values))
    unread = {name: "未能读取" for name in EXPECTED if name not in col.values}
    if not record.years:
        unread["years"] = "未找到近两年经营数据表"
    read = len(col.values)
    confidence = round(read / (read + len(unread)), 3) if read else 0.0
    return col.extraction(record, unread, confidence)
