"""Audit reports (审计报告): the statements' figures, the year, the auditor and the opinion.

The 资产负债表 and 利润表 are found by a cheap keyword pass over the page texts, so a
200-page annual report costs little: only pages that carry a statement title (or continue
one) are split into rows. Values are assigned to the current or comparative column by the
x position of the column headings, never by their order, so a 行次 or 附注 column between
label and values does no harm. Consolidated statements (合并…) win over the parent
company's (母公司…). Labels, headings and patterns live in vocab/audit_report.toml.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from extractors.base import Collector, Extraction
from extractors.common.amounts import UNIT_FACTORS, detect_unit, parse_amount
from extractors.common.normalize import normalize_name, ocr_digits, to_halfwidth
from extractors.common.orgs import find_orgs
from extractors.layout import compact, join_spaced, level_boxes, rows, union_bbox
from pipeline.models import AuditReport, BBox, Line, Page, StatementFigures

VOCAB = Path(__file__).with_name("vocab") / "audit_report.toml"

Kind = Literal["balance_sheet", "income_statement", "other"]
Scope = Literal["consolidated", "plain", "parent"]
ColumnKind = Literal["current", "prior", "skip"]

FIGURES = list(StatementFigures.model_fields)
EXPECTED = ["year", "company_name", "auditor", "opinion", *FIGURES]
# Which statement each figure is read from.
FIGURE_KIND: dict[str, Kind] = {
    "total_assets": "balance_sheet",
    "total_liabilities": "balance_sheet",
    "total_equity": "balance_sheet",
    "revenue": "income_statement",
    "total_profit": "income_statement",
    "net_profit": "income_statement",
    "taxes_and_surcharges": "income_statement",
    "income_tax": "income_statement",
}
SCOPE_ORDER: tuple[Scope, ...] = ("consolidated", "plain", "parent")
TITLE_MAX_CHARS = 40  # a title line is short; a sentence naming 资产负债表 is not a title
_AMOUNT_CHARS = re.compile(r"^[-−－(（]?[¥￥]?\d[\d,，. ]*\d?[)）]?$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NOTE_REF = re.compile(
    r"^(?:注释?|附注)?[一二三四五六七八九十]{0,3}[、.．]?[（(]?\d{0,3}[）)]?[.．]?\d{0,3}$"
)
_DOTS = re.compile(r"(?<=\d)\.(?=\d{3}[.,])")
_YEAR_CELL = re.compile(r"(20\d{2})\s*年(?:\s*度|\s*12\s*月\s*31\s*日|\s*末)?")


# ---- vocabulary ------------------------------------------------------------------------


@dataclass(frozen=True)
class Opinion:
    value: str
    patterns: tuple[re.Pattern[str], ...]
    requires: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Vocab:
    titles: dict[str, tuple[str, ...]]
    consolidated: tuple[str, ...]
    parent: tuple[str, ...]
    title_noise: tuple[re.Pattern[str], ...]
    fields: dict[str, tuple[str, ...]]
    label_noise: tuple[re.Pattern[str], ...]
    loose_prefixes: tuple[str, ...]
    columns: dict[ColumnKind, tuple[str, ...]]
    zero: frozenset[str]
    unit_patterns: tuple[re.Pattern[str], ...]
    year_patterns: tuple[re.Pattern[str], ...]
    company_labels: tuple[str, ...]
    company_patterns: tuple[re.Pattern[str], ...]
    auditor_markers: tuple[str, ...]
    auditor_place_marks: tuple[str, ...]
    auditor_forms: tuple[str, ...]
    opinions: tuple[Opinion, ...]
    opinion_keywords: tuple[str, ...]
    # alias (normalised) → (field, rank); rank orders the aliases of one field
    alias_index: dict[str, tuple[str, int]] = field(default_factory=dict)


def _patterns(items: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in items)


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    data: dict[str, Any] = tomllib.loads(VOCAB.read_text(encoding="utf-8"))
    titles = data["titles"]
    v = Vocab(
        titles={k: tuple(titles[k]) for k in ("balance_sheet", "income_statement", "other")},
        consolidated=tuple(titles["consolidated"]),
        parent=tuple(titles["parent"]),
        title_noise=_patterns(titles["title_noise"]),
        fields={k: tuple(v) for k, v in data["fields"].items()},
        label_noise=_patterns(data["label_noise"]["patterns"]),
        loose_prefixes=tuple(data["label_noise"].get("loose_prefixes", [])),
        columns={k: tuple(data["columns"][k]) for k in ("current", "prior", "skip")},
        zero=frozenset(data["values"]["zero"]),
        unit_patterns=_patterns(data["units"]["patterns"]),
        year_patterns=_patterns(data["year"]["patterns"]),
        company_labels=tuple(data["company"]["labels"]),
        company_patterns=_patterns(data["company"]["patterns"]),
        auditor_markers=tuple(data["auditor"]["markers"]),
        auditor_place_marks=tuple(data["auditor"]["place_marks"]),
        auditor_forms=tuple(data["auditor"]["forms"]),
        opinions=tuple(
            Opinion(o["value"], _patterns(o["patterns"]), _patterns(o.get("requires", [])))
            for o in data["opinion"]
        ),
        opinion_keywords=tuple(data["opinion_pages"]["keywords"]),
    )
    for name, aliases in v.fields.items():
        for rank, alias in enumerate(aliases):
            v.alias_index.setdefault(_strip_label(alias, v), (name, rank))
    return v


# ---- small text helpers ----------------------------------------------------------------


def _strip_label(text: str, v: Vocab) -> str:
    """A row label reduced to what aliases are compared on."""
    text = to_halfwidth(compact(text), keep="（）：")
    prev = None
    while prev != text:
        prev = text
        for pattern in v.label_noise:
            text = pattern.sub("", text)
    return text


def match_field(text: str, v: Vocab | None = None) -> tuple[str, int] | None:
    """The figure a row label stands for, and the rank of the alias that matched."""
    v = v or vocab()
    key = _strip_label(text, v)
    if not key:
        return None
    hit = v.alias_index.get(key)
    if hit is None:
        for prefix in v.loose_prefixes:
            if key.startswith(prefix) and (hit := v.alias_index.get(key[len(prefix) :])):
                break
    return hit


def _within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one substitution, insertion or deletion."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def title_of(text: str, v: Vocab | None = None) -> tuple[Kind, Scope] | None:
    """(kind, scope) when the line is a statement title such as 合并资产负债表（续）."""
    v = v or vocab()
    t = compact(text)
    if not t or len(t) > TITLE_MAX_CHARS:
        return None
    t = to_halfwidth(t, keep="（）：")
    for pattern in v.title_noise:
        t = pattern.sub("", t)
    scope: Scope = "plain"
    for word in v.consolidated:
        if t.startswith(word):
            scope, t = "consolidated", t[len(word) :]
            break
    else:
        for word in v.parent:
            if t.startswith(word):
                scope, t = "parent", t[len(word) :]
                break
    for kind in ("balance_sheet", "income_statement", "other"):
        for title in v.titles[kind]:
            if t == title or (len(title) >= 4 and _within_one_edit(t, title)):
                return kind, scope
    return None


def _is_amount_text(text: str, v: Vocab) -> bool:
    t = compact(text)
    return t in v.zero or bool(_AMOUNT_CHARS.match(t))


def parse_value(text: str, ocr: bool, v: Vocab | None = None) -> Decimal | None:
    """A statement cell as a Decimal; a dash is zero; anything unclear is None."""
    v = v or vocab()
    t = compact(text)
    if t in v.zero:
        return Decimal(0)
    if ocr:
        t = ocr_digits(t, min_digits=2)
        # OCR reads a thousands comma as a point: 1.234.567.89 → 1,234,567.89
        t = _DOTS.sub(",", t)
    t = t.replace("，", ",")
    return parse_amount(t)


_GLUED = re.compile(r"^(.*[\u4e00-\u9fff）)])([-−－(（]?[¥￥]?\d[\d,，.]*[)）]?)$")


def _split_merged(line: Line, v: Vocab) -> list[Line]:
    """A line that holds a label and its amounts ("资产总计 1,000.00 900.00") as cells.

    Positions inside the line are estimated from character widths (CJK one em, others about
    half); the estimate keeps the order and the right edge exact, which is what columns need.
    """
    tokens = line.text.split()
    glued = _GLUED.match(tokens[-1]) if tokens else None
    if glued:  # OCR reads "资产总计110,201,500.00" as one box
        tokens[-1:] = [glued.group(1), glued.group(2)]
    if len(tokens) < 2 or not any(_is_amount_text(t, v) for t in tokens[1:]):
        return [line]

    def width(s: str) -> float:
        return sum(1.0 if _CJK.match(ch) else 0.55 for ch in s)

    total = sum(width(t) for t in tokens) + 0.5 * (len(tokens) - 1)
    x0, y0, x1, y1 = line.bbox
    scale = (x1 - x0) / total if total else 0.0
    out: list[Line] = []
    pos = x0
    for tok in tokens:
        w = width(tok) * scale
        out.append(Line(text=tok, bbox=(pos, y0, pos + w, y1), confidence=line.confidence))
        pos += w + 0.5 * scale
    return out


def _cells(row: list[Line], v: Vocab) -> list[Line]:
    out: list[Line] = []
    for line in join_spaced(row):
        out.extend(_split_merged(line, v))
    return out


def _centre(bbox: BBox) -> float:
    return (bbox[0] + bbox[2]) / 2


# ---- word-level cells ------------------------------------------------------------------


@dataclass
class Cells:
    """Each page's text as cells (words or OCR boxes) laid out upright, by page number.

    The cells may be copies in other coordinates (a scan's skew taken out); `origin` leads
    back to the page's own line, whose box is what evidence must show.
    """

    by_page: dict[int, list[Line]] = field(default_factory=dict)
    origin: dict[int, Line] = field(default_factory=dict)

    def of(self, page: Page) -> list[Line]:
        return self.by_page.get(page.number, page.lines)

    def source(self, line: Line) -> Line:
        return self.origin.get(id(line), line)

    def bbox(self, lines: Iterable[Line]) -> BBox:
        return union_bbox([self.source(ln) for ln in lines])


def word_cells(pages: list[Page]) -> Cells:
    """Each page's text as separate cells with their own boxes, upright.

    A text-layer page's lines are visual rows (words joined by spaces), so the x position of
    each column is lost: its words (pdfium's text runs) are the cells, and likewise an OFD
    page's text objects. OCR lines are one box per cell already, but a skewed scan's rows
    slope: they are turned level (see `deskew`). A page without words keeps its lines.
    """
    cells = Cells({p.number: list(p.lines) for p in pages})
    for page in pages:
        if page.source in ("text-layer", "xml") and page.words:
            cells.by_page[page.number] = [
                Line(text=w.text, bbox=w.bbox, confidence=w.confidence) for w in page.words
            ]
        elif page.source == "ocr":
            level = deskew(page.lines)
            if level is not page.lines:
                cells.by_page[page.number] = level
                cells.origin.update(
                    (id(new), old) for new, old in zip(level, page.lines, strict=True)
                )
    return cells


def deskew(lines: list[Line]) -> list[Line]:
    """Copies of OCR lines in coordinates turned so that the page's text runs level (see
    `level_boxes`); `lines` itself when the page is level or the skew cannot be told."""
    boxes = level_boxes(lines)
    if boxes is None:
        return lines
    return [
        ln.model_copy(update={"bbox": box, "quad": None})
        for ln, box in zip(lines, boxes, strict=True)
    ]


# ---- statement layout ------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    kind: ColumnKind
    centre: float
    heading: str


@dataclass
class Segment:
    """The rows of one statement on one page (a statement may span several segments)."""

    kind: Kind
    scope: Scope
    page: Page
    rows: list[list[Line]] = field(default_factory=list)
    title: Line | None = None


@dataclass
class Figure:
    """One amount in 元, the label and cell it was read from, and the alias's rank."""

    value: Decimal
    rank: int
    label: Line
    cell: Line
    page: Page

    @property
    def text(self) -> str:
        return f"{self.label.text} {self.cell.text}"

    @property
    def confidence(self) -> float:
        return min(self.label.confidence, self.cell.confidence)


def header_columns(row: list[Line], v: Vocab) -> list[Column]:
    """Column headings of a row: 期末余额 / 年初余额 / 行次 …, or two year headings."""
    cols: list[Column] = []
    for cell in row:
        t = compact(cell.text)
        best: tuple[int, ColumnKind] | None = None
        for kind, headings in v.columns.items():
            for heading in headings:
                if (
                    heading in t
                    and len(t) <= len(heading) + 8
                    and (best is None or len(heading) > best[0])
                ):
                    best = (len(heading), kind)
        if best is not None:
            cols.append(Column(best[1], _centre(cell.bbox), cell.text))
    if any(c.kind != "skip" for c in cols):
        return cols
    # Columns headed by their dates: 2018年12月31日 | 2017年12月31日, or 2018年度 | 2017年度.
    years = [
        (int(m.group(1)), cell) for cell in row if (m := _YEAR_CELL.fullmatch(compact(cell.text)))
    ]
    if len({y for y, _ in years}) >= 2:
        top = max(y for y, _ in years)
        dated = [
            Column(
                "current" if y == top else "prior" if y == top - 1 else "skip",
                _centre(c.bbox),
                c.text,
            )
            for y, c in years
        ]
        return cols + dated
    return []


def _page_unit(page_rows: list[list[Line]], v: Vocab) -> str | None:
    text = "\n".join(" ".join(ln.text for ln in row) for row in page_rows)
    unit = detect_unit(text)
    if unit:
        return unit
    flat = compact(to_halfwidth(text, keep=""))
    for pattern in v.unit_patterns:
        m = pattern.search(flat)
        if m and m.group(1) in UNIT_FACTORS:
            return m.group(1)
    return None


def _has_title_keyword(text: str, v: Vocab) -> bool:
    return any(t in text for kind in ("balance_sheet", "income_statement") for t in v.titles[kind])


def statement_pages(pages: list[Page], v: Vocab | None = None) -> list[Page]:
    """The cheap pass: pages with a statement's title line, and the page after each (which
    may continue the statement without a title). Only pages whose text names a statement
    at all are split into rows."""
    v = v or vocab()
    keep: list[Page] = []
    follow = False
    for page in pages:
        titles: list[Kind] = []
        if _has_title_keyword(compact(page.text), v):
            titles = [t[0][0] for row in rows(page.lines) if (t := _row_title(row, v))]
        if titles or follow:
            keep.append(page)
        follow = bool(titles) and titles[-1] != "other"
    return keep


def segments(
    pages: list[Page], cells: Cells | None = None, v: Vocab | None = None
) -> list[Segment]:
    """Rows of the statement pages (`statement_pages`' choice), cut at every title line."""
    v = v or vocab()
    out: list[Segment] = []
    previous: Page | None = None
    for page in pages:
        current: Segment | None = None
        if out and previous is not None and page.number == previous.number + 1:
            last = out[-1]
            current = Segment(last.kind, last.scope, page)  # a page without a title continues
            out.append(current)
        lines = cells.of(page) if cells is not None else page.lines
        for row in rows(lines):
            found = _row_title(row, v)
            if found is not None:
                (kind, scope), line = found
                current = Segment(kind, scope, page, title=line)
                out.append(current)
                continue
            if current is not None:
                current.rows.append(row)
        previous = page
    return [s for s in out if s.kind != "other"]


def _row_title(row: list[Line], v: Vocab) -> tuple[tuple[Kind, Scope], Line] | None:
    for line in row:
        title = title_of(line.text, v)
        if title:
            return title, line
    # A letter-spaced title ("资 产 负 债 表") comes as one word per character.
    title = title_of("".join(ln.text for ln in row), v)
    if title:
        return title, Line(text=" ".join(ln.text for ln in row), bbox=union_bbox(row))
    return None


@dataclass
class StatementRead:
    """Figures of one statement kind and scope, current and comparative."""

    current: dict[str, Figure] = field(default_factory=dict)
    prior: dict[str, Figure] = field(default_factory=dict)
    year: tuple[str, Line, Page] | None = None
    unit: str | None = None

    def count(self) -> int:
        return len(self.current) + len(self.prior)


def _keep(target: dict[str, Figure], name: str, fig: Figure) -> None:
    old = target.get(name)
    if old is None or fig.rank < old.rank:
        target[name] = fig


def read_segment(
    seg: Segment, columns: list[Column], unit: str, read: StatementRead, v: Vocab
) -> list[Column]:
    """Reads one segment's rows into `read`; returns the columns in force at its end."""
    ocr = seg.page.source == "ocr"
    for raw in seg.rows:
        row = _cells(raw, v)
        heads = header_columns(row, v)
        if heads:
            columns = heads
            continue
        if read.year is None:
            for cell in row:
                year = _year_in(cell.text, v)
                if year:
                    read.year = (year, cell, seg.page)
                    break
        for i, cell in enumerate(row):
            if _is_amount_text(cell.text, v) or not _CJK.search(cell.text):
                continue
            hit = match_field(cell.text, v)
            if hit is None:
                continue
            name, rank = hit
            values, stop = _values_after(row, i, v)
            usable = _usable(columns, cell, stop)
            found: dict[ColumnKind, Figure] = {}
            for kind, value_cell in _assign(values, usable):
                value = parse_value(value_cell.text, ocr, v)
                if value is not None and kind not in found:
                    found[kind] = Figure(
                        value * UNIT_FACTORS[unit], rank, cell, value_cell, seg.page
                    )
            # A blank cell in a row that was read is a nil: statements leave zeros blank. On a
            # scan only when the row's other column was read, since OCR may miss a cell.
            if not ocr or len(found) == 1:
                for kind in {c.kind for c in usable} - {"skip"} - set(found):
                    found[kind] = Figure(Decimal(0), rank, cell, cell, seg.page)
            for kind, fig in found.items():
                _keep(read.current if kind == "current" else read.prior, name, fig)
    return columns


def _values_after(row: list[Line], index: int, v: Vocab) -> tuple[list[Line], float | None]:
    """Cells right of a label up to the next label (side-by-side balance sheets)."""
    values: list[Line] = []
    for cell in row[index + 1 :]:
        t = compact(cell.text)
        if _is_amount_text(t, v) or not t:
            values.append(cell)
        elif _NOTE_REF.match(t) or len(_CJK.findall(t)) < 2:
            continue  # a 附注 reference or stray mark, not the next label
        else:
            return values, cell.bbox[0]
    return values, None


def _usable(columns: list[Column], label: Line, stop: float | None) -> list[Column]:
    """The columns that belong to a label: right of it, left of the next label."""
    return sorted(
        (c for c in columns if c.centre > label.bbox[2] and (stop is None or c.centre < stop)),
        key=lambda c: c.centre,
    )


def _assign(values: list[Line], usable: list[Column]) -> Iterator[tuple[ColumnKind, Line]]:
    """(column kind, cell) for the value cells, by the column headings' positions.

    Amounts stand right-aligned under a centred heading, so a cell belongs to the last
    heading whose centre lies left of the cell's right edge.
    """
    if usable:
        for cell in values:
            left = [c for c in usable if c.centre <= cell.bbox[2] + 1]
            col = left[-1] if left else usable[0]
            if col.kind != "skip":
                yield col.kind, cell
        return
    # No headings to go by: the amounts in order, current first; a bare small integer is a 行次.
    amounts = [c for c in values if not re.fullmatch(r"\d{1,3}", compact(c.text))]
    kinds: tuple[ColumnKind, ...] = ("current", "prior")
    yield from zip(kinds, amounts, strict=False)


def _year_in(text: str, v: Vocab) -> str | None:
    flat = compact(to_halfwidth(text, keep=""))
    for pattern in v.year_patterns:
        m = pattern.search(flat)
        if m:
            return m.group(1)
    return None


def read_statements(segs: list[Segment], v: Vocab) -> dict[tuple[Kind, Scope], StatementRead]:
    """Every statement's figures by (kind, scope); headings and unit carry over to the
    pages that continue a statement."""
    out: dict[tuple[Kind, Scope], StatementRead] = {}
    columns: list[Column] = []
    unit = "元"
    prev_key: tuple[Kind, Scope] | None = None
    for seg in segs:
        key = (seg.kind, seg.scope)
        read = out.setdefault(key, StatementRead())
        if key != prev_key and seg.title is not None:
            columns = []  # a new statement brings its own headings
        page_unit = _page_unit(seg.rows[:8], v) if seg.rows else None
        unit = page_unit or (read.unit or (unit if key == prev_key else "元"))
        read.unit = read.unit or unit
        columns = read_segment(seg, columns, unit, read, v)
        prev_key = key
    return out


def choose(reads: dict[tuple[Kind, Scope], StatementRead], kind: Kind) -> StatementRead | None:
    for scope in SCOPE_ORDER:
        read = reads.get((kind, scope))
        if read is not None and read.count():
            return read
    return None


# ---- the report's own pages: company, auditor, opinion -----------------------------------


def _org_after(text: str) -> str | None:
    orgs = find_orgs(text)
    return normalize_name(orgs[0]) if orgs else None


def _company(pages: list[Page], col: Collector, v: Vocab) -> None:
    """编制单位 / 被审计单位 on the statements, else the company the opinion names."""
    labels = [compact(lab) for lab in v.company_labels]
    for page in pages:
        for line in page.lines:
            t = compact(line.text)
            for lab in labels:
                idx = t.find(lab)
                if idx >= 0 and (name := _org_after(t[idx + len(lab) :].lstrip(":："))):
                    col.put_line("company_name", name, page, line)
                    return
    for page in pages:
        for line in page.lines:
            t = compact(line.text)
            for pattern in v.company_patterns:
                m = pattern.search(t)
                if m and (name := _org_after(m.group(1))):
                    col.put_line("company_name", name, page, line)
                    return


def _auditor_in(text: str, v: Vocab) -> str | None:
    names = [n for n in find_orgs(text) if any(m in n for m in v.auditor_markers)]
    if names and any(sep in names[0] for sep in v.auditor_place_marks):
        # "中国·长沙  XX会计师事务所": the place printed before the firm is not its name.
        names = [
            n
            for chunk in text.split()
            for n in find_orgs(chunk)
            if any(m in n for m in v.auditor_markers)
        ]
    return normalize_name(names[0]) if names else None


def _auditor(pages: list[Page], col: Collector, v: Vocab) -> None:
    for page in pages:
        lines = page.lines
        for i, line in enumerate(lines):
            if not any(m in compact(line.text) for m in v.auditor_markers):
                continue
            name = _auditor_in(line.text, v)
            if name is None:
                continue
            text = line.text
            # "（特殊普通合伙）" often wraps to the next line.
            if name.endswith("所") and i + 1 < len(lines):
                nxt = normalize_name(lines[i + 1].text)
                if nxt in v.auditor_forms:
                    name += nxt
                    text = f"{line.text} {lines[i + 1].text}"
            col.put("auditor", name, text, page.number, line.bbox, line.confidence)
            return


def _opinion(pages: list[Page], col: Collector, v: Vocab) -> None:
    """From the first opinion page and the page after it (the wording may run over)."""
    start = next(
        (i for i, p in enumerate(pages) if any(k in compact(p.text) for k in v.opinion_keywords)),
        None,
    )
    if start is None:
        return
    window = pages[start : start + 2]
    texts = [compact(p.text) for p in window]
    joined = "".join(texts)
    for opinion in v.opinions:
        if opinion.requires and not any(r.search(joined) for r in opinion.requires):
            continue
        for pattern in opinion.patterns:
            for page, flat in zip(window, texts, strict=True):
                m = pattern.search(flat)
                if not m:
                    continue
                line = _line_at(page, m.start())
                col.put(
                    "opinion",
                    opinion.value,
                    m.group(0)[:80],
                    page.number,
                    line.bbox if line else None,
                    line.confidence if line else 1.0,
                )
                return


def _line_at(page: Page, offset: int) -> Line | None:
    """The line of `page` that holds character `offset` of its compacted text."""
    pos = 0
    for line in page.lines:
        pos += len(compact(line.text))
        if pos > offset:
            return line
    return None


# ---- extract ---------------------------------------------------------------------------


def _put_figures(col: Collector, cells: Cells, prefix: str, figures: dict[str, Figure]) -> None:
    for name, fig in figures.items():
        bbox = cells.bbox([fig.label, fig.cell])
        col.put(prefix + name, fig.value, fig.text, fig.page.number, bbox, fig.confidence)


def extract(file: str, pages: list[Page]) -> Extraction:
    v = vocab()
    col = Collector(file)
    found_pages = statement_pages(pages, v)
    cells = word_cells(found_pages)
    segs = segments(found_pages, cells, v)
    reads = read_statements(segs, v)
    unread: dict[str, str] = {}
    any_prior = False
    for kind in ("balance_sheet", "income_statement"):
        read = choose(reads, kind)
        names = [n for n, k in FIGURE_KIND.items() if k == kind]
        if read is None:
            what = "资产负债表" if kind == "balance_sheet" else "利润表"
            unread.update({n: f"未找到{what}" for n in names})
            continue
        _put_figures(col, cells, "", {n: f for n, f in read.current.items() if n in names})
        _put_figures(col, cells, "prior_year.", {n: f for n, f in read.prior.items() if n in names})
        any_prior = any_prior or bool(read.prior)
        if read.year and "year" not in col.values:
            year, line, page = read.year
            col.put_line("year", year, page, cells.source(line))
    # Only the pages before the statements hold the opinion; the notes would mislead.
    first_statement = min((s.page.number for s in segs), default=None)
    report_pages = [p for p in pages if first_statement is None or p.number <= first_statement]
    _opinion(report_pages, col, v)
    _auditor(report_pages, col, v)
    if "year" not in col.values:
        _year_from_text(report_pages, col, v)
    _company(found_pages + report_pages, col, v)

    values: dict[str, Any] = {k: val for k, val in col.values.items() if "." not in k}
    prior = {
        k.split(".", 1)[1]: val for k, val in col.values.items() if k.startswith("prior_year.")
    }
    if prior:
        values["prior_year"] = StatementFigures.model_validate(prior)
    record = AuditReport.model_validate(values)
    for name in EXPECTED:
        if name not in col.values and name not in unread:
            unread[name] = "未能读取"
    if any_prior:
        for name in FIGURES:
            key = f"prior_year.{name}"
            if key not in col.values:
                unread[key] = "未能读取上年数"
    else:
        unread["prior_year"] = "未找到上年（比较）数栏"
    confidence = min(col.confidences) if col.confidences else 0.0
    return col.extraction(record, unread, confidence)


def _year_from_text(pages: list[Page], col: Collector, v: Vocab) -> None:
    for page in pages:
        for line in page.lines:
            year = _year_in(line.text, v)
            if year:
                col.put_line("year", year, page, line)
                return
