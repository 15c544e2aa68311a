"""VAT invoices (增值税专用/普通发票, paper and electronic, and 数电票), OFD and XML included.

Three sources, the most exact first: the XML an electronic invoice carries (a 数电票 .xml
file, an OFD's original_invoice.xml or CustomTag.xml), then the printed layout. On the
layout, buyer and seller are told apart by the party marks beside their blocks (购买方 /
销售方, often one character per line) and otherwise by position — the buyer's block lies
above the items (classic invoices) or left of the seller's (数电票) — never by the order in
which the lines come. Item columns are found by the x positions of their headings. Labels,
headings and XML tags live in vocab/invoice.toml.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar

from extractors.audit_report import Cells, word_cells
from extractors.base import Collector, Extraction
from extractors.common.amounts import parse_amount, parse_chinese_upper
from extractors.common.credit_code import find_codes
from extractors.common.dates import find_dates, parse_date
from extractors.common.normalize import normalize_name, ocr_digits, to_halfwidth
from extractors.common.orgs import find_orgs
from extractors.invoice_qr import reconcile
from extractors.layout import rows
from pipeline.models import (
    BBox,
    Invoice,
    InvoiceItem,
    Line,
    OfdPayload,
    Page,
    XmlElement,
    XmlPayload,
)

VOCAB = Path(__file__).with_name("vocab") / "invoice.toml"
T = TypeVar("T")

Party = Literal["buyer", "seller"]
LabelKind = Literal["name", "credit_code"]
EXPECTED = [
    "invoice_code",
    "invoice_number",
    "issue_date",
    "buyer_name",
    "buyer_credit_code",
    "seller_name",
    "seller_credit_code",
    "amount",
    "tax_amount",
    "total",
    "total_in_words",
    "items",
]
_SPACE = re.compile(r"\s+")
_CANON = str.maketrans({"(": "（", ")": "）", ":": "：", "￥": "¥", "／": "/", "％": "%"})
_MONEY = re.compile(r"-?\d[\d,]*(?:\.\d{1,2})?")
_DIGITS = re.compile(r"\d+")
_CODE_CHARS = re.compile(r"[0-9A-Z]{15,20}")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_RATE = re.compile(r"^\d{1,2}(?:\.\d+)?%$")


# ---- vocabulary ------------------------------------------------------------------------


@dataclass(frozen=True)
class Vocab:
    labels: dict[str, tuple[str, ...]]
    parties: dict[Party, tuple[str, ...]]
    patterns: dict[str, tuple[re.Pattern[str], ...]]
    code_digits: frozenset[int]
    number_digits: frozenset[int]
    digital: tuple[str, ...]
    columns: dict[str, tuple[str, ...]]
    no_tax: frozenset[str]
    words_marks: tuple[str, ...]
    sum_fragments: tuple[str, ...]
    xml_fields: dict[str, tuple[str, ...]]
    xml_items: dict[str, tuple[str, ...]]
    ofd_files: tuple[str, ...]
    ofd_custom_data: dict[str, tuple[str, ...]]
    # every label, canonical, longest first: where one value ends and the next label starts
    stops: tuple[str, ...] = ()


def canon(text: str) -> str:
    """White space removed, ASCII widths, Chinese brackets and colons: what labels match on."""
    return _SPACE.sub("", to_halfwidth(text, keep="（），：；")).translate(_CANON)


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    data: dict[str, Any] = tomllib.loads(VOCAB.read_text(encoding="utf-8"))

    def canon_all(d: Mapping[str, list[str]]) -> dict[str, tuple[str, ...]]:
        return {k: tuple(canon(x) for x in vals) for k, vals in d.items()}

    pats = data["patterns"]
    labels = canon_all(data["labels"])
    parties = canon_all(data["parties"])
    stops = {x for k, vals in labels.items() if k != "not_name" for x in vals}
    stops |= {x for vals in parties.values() for x in vals if len(x) > 1}
    return Vocab(
        labels=labels,
        parties={"buyer": parties["buyer"], "seller": parties["seller"]},
        patterns={
            k: tuple(re.compile(p) for p in pats[k]) for k in ("invoice_number", "invoice_code")
        },
        code_digits=frozenset(pats["invoice_code_digits"]),
        number_digits=frozenset(pats["invoice_number_digits"]),
        digital=tuple(canon(x) for x in data["kinds"]["digital"]),
        columns=canon_all(data["columns"]),
        no_tax=frozenset(canon(x) for x in data["values"]["no_tax"]),
        words_marks=tuple(data["values"]["words_marks"]),
        sum_fragments=tuple(data["values"]["sum_row_fragments"]),
        xml_fields={k: tuple(v) for k, v in data["xml"]["fields"].items()},
        xml_items={k: tuple(v) for k, v in data["xml"]["items"].items()},
        ofd_files=tuple(data["ofd"]["field_files"]),
        ofd_custom_data={k: tuple(v) for k, v in data["ofd"]["custom_data"].items()},
        stops=tuple(sorted(stops, key=len, reverse=True)),
    )


# ---- values ----------------------------------------------------------------------------


def money(text: str, ocr: bool = False) -> Decimal | None:
    """An amount as printed on an invoice: ¥1,234.56, -100.00; None when unclear."""
    t = canon(text).replace("¥", "")
    if ocr:
        t = ocr_digits(t, min_digits=2)
    value = parse_amount(t)
    if value is not None:
        return value
    # OCR turns ¥ into Y, 羊, 半 …: one amount left once the non-digits in front go
    found = _MONEY.findall(t)
    if len(found) == 1 and t.endswith(found[0]):
        return parse_amount(found[0])
    return None


def tax_rate(text: str) -> str | None:
    """6% / 13% / 免税 as printed; a fraction from XML (0.06) as a percentage."""
    t = canon(text)
    if not t:
        return None
    if _RATE.match(t):
        return t
    if re.fullmatch(r"\d+(?:\.\d+)?", t):
        value = Decimal(t)
        percent = value * 100 if value < 1 else value
        return f"{format(percent.normalize(), 'f')}%"
    return t if _CJK.search(t) or t.strip("*") == "" else None


def credit_code_of(text: str) -> str | None:
    t = canon(text).upper()
    codes = find_codes(t)
    if codes:
        return codes[0]
    m = _CODE_CHARS.search(t)
    return m.group(0) if m else None


def name_of(text: str) -> str | None:
    t = normalize_name(text)
    if not t or not _CJK.search(t):
        return None
    orgs = find_orgs(t)
    # an organisation found at the start of the value: whatever follows it is not the name
    if orgs and t.startswith(normalize_name(orgs[0])):
        return normalize_name(orgs[0])
    return t


def item_name(text: str) -> str | None:
    """An item's name; the leading "*" of "*类别*名称" restored when OCR dropped it (the
    category code's asterisks always come in pairs)."""
    t = _SPACE.sub("", text)
    if t.count("*") == 1 and not t.startswith("*") and not t.endswith("*"):
        t = "*" + t
    return t or None


def digits_of(text: str, ocr: bool) -> str:
    t = canon(text)
    if ocr:
        t = ocr_digits(t, min_digits=2)
    return "".join(_DIGITS.findall(t))


def _sum_row(span: Span, v: Vocab) -> bool:
    """The 合计 row, also as OCR garbles it (a character dropped, marks read between)."""
    if any(span.text.startswith(x) for x in v.labels["sum_row"]):
        return True
    chinese = "".join(_CJK.findall(span.text))
    return any(chinese.startswith(x) for x in v.labels["sum_row"]) or chinese in v.sum_fragments


# ---- rows of cells as text traced to its cells --------------------------------------------


@dataclass
class Span:
    """The canonical text of one row, each character traced back to its cell."""

    cells: list[Line]
    text: str = ""
    owner: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        for i, cell in enumerate(self.cells):
            # OCR puts stray marks at a box's start ("，称：" for 称：)
            t = canon(cell.text).lstrip(",，.。、'`·")
            self.text += t
            self.owner += [i] * len(t)

    @property
    def y(self) -> float:
        return (min(c.bbox[1] for c in self.cells) + max(c.bbox[3] for c in self.cells)) / 2

    @property
    def height(self) -> float:
        return max(min(c.bbox[3] - c.bbox[1] for c in self.cells), 1.0)

    def lines(self, start: int, end: int) -> list[Line]:
        """The cells holding characters start..end."""
        idx = sorted(set(self.owner[start:end]))
        return [self.cells[i] for i in idx]

    def find(self, labels: Iterable[str], start: int = 0) -> tuple[int, str] | None:
        best: tuple[int, str] | None = None
        for label in labels:
            i = self.text.find(label, start)
            if i >= 0 and (
                best is None or i < best[0] or (i == best[0] and len(label) > len(best[1]))
            ):
                best = (i, label)
        return best

    def value_after(self, end: int, v: Vocab, max_gap: float = 4.0) -> tuple[str, list[Line]]:
        """Text after a label ending at `end`: the rest of its cell and the cells close on its
        right, up to the next label or a wide gap (another column: 密码区, the other party)."""
        text = self.text[end:]
        stop = len(text)
        for label in v.stops:
            i = text.find(label)
            if 0 <= i < stop:
                stop = i
        if end < len(self.owner):
            first = self.owner[end]
            prev = self.cells[self.owner[end - 1]] if end > 0 else None
            for k in range(end, end + stop):
                cell = self.cells[self.owner[k]]
                if (
                    self.owner[k] != first
                    and prev is not None
                    and prev is not cell
                    and cell.bbox[0] - prev.bbox[2] > max_gap * self.height
                ):
                    stop = k - end
                    break
                prev = cell
        value = text[:stop].lstrip("：:")
        value_end = end + stop
        return value, self.lines(max(end - 1, 0), value_end) if value_end > end else []


def spans(cells: list[Line]) -> list[Span]:
    return [Span(row) for row in rows(cells)]


# ---- layout ------------------------------------------------------------------------------


@dataclass
class Found:
    """A value read next to a label: what, where."""

    value: Any
    text: str
    lines: list[Line]
    page: Page

    @property
    def confidence(self) -> float:
        return min((ln.confidence for ln in self.lines), default=1.0)


@dataclass
class PartyLabel:
    kind: LabelKind
    label: Line
    span: Span
    found: Found
    party: Party | None  # said by the label itself (购买方名称)

    @property
    def x(self) -> float:
        return self.label.bbox[0]

    @property
    def y(self) -> float:
        return self.span.y


class LayoutReader:
    """Reads one invoice's fields off its pages (text layer, OCR or OFD text objects)."""

    def __init__(self, pages: list[Page], cells: Cells, col: Collector, v: Vocab):
        self.pages = pages
        self.cells = cells
        self.col = col
        self.v = v
        self.items: list[InvoiceItem] = []
        self.item_lines: list[tuple[Page, list[Line]]] = []
        self.digital = False

    def _put(self, name: str, found: Found | None) -> None:
        if found is not None and found.lines:
            bbox = self.cells.bbox(found.lines)
            self.col.put(name, found.value, found.text, found.page.number, bbox, found.confidence)

    def run(self) -> None:
        for page in self.pages:
            page_spans = spans(self.cells.of(page))
            if not page_spans:
                continue
            ocr = page.source == "ocr"
            if any(t in s.text for s in page_spans for t in self.v.digital):
                self.digital = True
            self._header(page, page_spans, ocr)
            table = self._table(page, page_spans, ocr)
            self._parties(page, page_spans, table)
            self._totals(page, page_spans, ocr)

    # -- code, number, date

    def _labelled(self, page: Page, page_spans: list[Span], key: str) -> Found | None:
        for span in page_spans:
            hit = span.find(self.v.labels[key])
            if hit is None:
                continue
            i, label = hit
            value, lines = span.value_after(i + len(label), self.v)
            if value:
                return Found(value, " ".join(ln.text for ln in lines), lines, page)
        return None

    def _header(self, page: Page, page_spans: list[Span], ocr: bool) -> None:
        v = self.v
        code = self._labelled(page, page_spans, "invoice_code")
        if code is not None:
            code.value = digits_of(code.value, ocr)
            if len(code.value) in v.code_digits:
                self._put("invoice_code", code)
        number = self._labelled(page, page_spans, "invoice_number")
        if number is not None:
            number.value = digits_of(number.value, ocr)
            if len(number.value) in v.number_digits:
                self._put("invoice_number", number)
        date = self._labelled(page, page_spans, "issue_date")
        if date is not None:
            text = ocr_digits(date.value) if ocr else date.value
            date.value = parse_date(text) or next(iter(find_dates(text)), None)
            if date.value:
                self._put("issue_date", date)
        missing = {"invoice_code", "invoice_number"} - self.col.values.keys()
        if missing:
            self._unlabelled_numbers(page, page_spans, ocr, want_code="invoice_code" in missing)

    def _unlabelled_numbers(
        self, page: Page, page_spans: list[Span], ocr: bool, want_code: bool
    ) -> None:
        """Paper invoices print the code top left and "No 12345678" top right, unlabelled."""
        top = [s for s in page_spans if s.y < page.height * 0.3]
        for span in top:
            text = ocr_digits(span.text) if ocr else span.text
            for pattern in self.v.patterns["invoice_number"]:
                m = pattern.search(text)
                if m and len(m.group(1)) in self.v.number_digits:
                    lines = span.lines(m.start(), m.end())
                    self._put(
                        "invoice_number",
                        Found(m.group(1), " ".join(ln.text for ln in lines), lines, page),
                    )
            if not want_code:
                continue
            for i, cell in enumerate(span.cells):
                # a standalone number with no label on its left (机器编号 has one)
                if any(_CJK.search(c.text) for c in span.cells[:i]):
                    break
                text = digits_of(cell.text, ocr) if re.fullmatch(r"[\dOolIS\s]+", cell.text) else ""
                for pattern in self.v.patterns["invoice_code"]:
                    if text and pattern.fullmatch(text) and len(text) in self.v.code_digits:
                        self._put("invoice_code", Found(text, cell.text, [cell], page))

    # -- buyer and seller

    def _party_labels(self, page: Page, page_spans: list[Span]) -> list[PartyLabel]:
        v = self.v
        out: list[PartyLabel] = []
        for span in page_spans:
            kinds: tuple[tuple[LabelKind, tuple[str, ...]], ...] = (
                ("credit_code", v.labels["credit_code"]),
                ("name", v.labels["name"]),
            )
            for kind, labels in kinds:
                start = 0
                while (hit := span.find(labels, start)) is not None:
                    i, label = hit
                    start = i + len(label)
                    before = span.text[:i]
                    if kind == "name" and any(
                        (before + label).endswith(x) for x in v.labels["not_name"]
                    ):
                        continue
                    value, lines = span.value_after(start, v)
                    if not value:
                        continue
                    label_line = span.lines(i, i + 1)[0]
                    # "购买方名称", or OCR's "购名" (the vertical mark glued to the label)
                    own = canon(label_line.text)
                    party = next(
                        (
                            p
                            for p, words in v.parties.items()
                            for w in words
                            if before.endswith(w) and (len(w) > 1 or own.startswith(w))
                        ),
                        None,
                    )
                    parsed = credit_code_of(value) if kind == "credit_code" else name_of(value)
                    if parsed is None:
                        continue
                    text = " ".join(ln.text for ln in lines)
                    out.append(
                        PartyLabel(kind, label_line, span, Found(parsed, text, lines, page), party)
                    )
        return out

    def _marks(self, page_spans: list[Span]) -> list[tuple[Party, Line]]:
        out: list[tuple[Party, Line]] = []
        for span in page_spans:
            for cell in span.cells:
                t = canon(cell.text)
                for party, words in self.v.parties.items():
                    if t in words:
                        out.append((party, cell))
        return out

    def _parties(
        self, page: Page, page_spans: list[Span], table: tuple[float, float] | None
    ) -> None:
        labels = self._party_labels(page, page_spans)
        if not labels:
            return
        marks = self._marks(page_spans)
        for kind in ("name", "credit_code"):
            group = [p for p in labels if p.kind == kind]
            assigned = self._assign_parties(group, labels, marks, table)
            for label, party in assigned:
                self._put(f"{party}_{kind}", label.found)

    def _assign_parties(
        self,
        group: list[PartyLabel],
        everything: list[PartyLabel],
        marks: list[tuple[Party, Line]],
        table: tuple[float, float] | None,
    ) -> list[tuple[PartyLabel, Party]]:
        if not group:
            return []
        # What the label says (购买方名称) or the mark beside it; position for the rest.
        known: list[tuple[PartyLabel, Party]] = []
        for p in group:
            party = p.party or self._mark_for(p, everything, marks)
            if party is not None:
                known.append((p, party))
        if not known or len({party for _, party in known}) != len(known):
            return self._by_position(group, table)
        taken = {party for _, party in known}
        placed = {id(p) for p, _ in known}
        for p, party in self._by_position(group, table):
            if id(p) not in placed and party not in taken:
                known.append((p, party))
                taken.add(party)
        return known

    def _mark_for(
        self, label: PartyLabel, everything: list[PartyLabel], marks: list[tuple[Party, Line]]
    ) -> Party | None:
        """The party of the nearest mark on the label's left, with no other block in between."""
        h = label.span.height
        best: tuple[float, Party] | None = None
        for party, mark in marks:
            if mark.bbox[2] > label.x + h:
                continue
            dy = abs((mark.bbox[1] + mark.bbox[3]) / 2 - label.y)
            if dy > 6 * h:
                continue
            between = any(
                o is not label
                and o.kind == label.kind
                and mark.bbox[2] < o.x < label.x
                and abs(o.y - label.y) < 6 * h
                for o in everything
            )
            if between:
                continue
            distance = (label.x - mark.bbox[2]) + 2 * dy
            if best is None or distance < best[0]:
                best = (distance, party)
        return best[1] if best else None

    def _by_position(
        self, group: list[PartyLabel], table: tuple[float, float] | None
    ) -> list[tuple[PartyLabel, Party]]:
        """Above the items (or left, when side by side) is the buyer; below is the seller."""
        if table is not None:
            top, bottom = table
            above = [p for p in group if p.y < top]
            below = [p for p in group if p.y > bottom]
            out: list[tuple[PartyLabel, Party]] = []
            if len(above) >= 2:
                left, right = sorted(above, key=lambda p: p.x)[:2]
                if abs(left.y - right.y) < 2 * left.span.height:
                    out += [(left, "buyer"), (right, "seller")]
                else:
                    upper = min(above, key=lambda p: p.y)
                    out.append((upper, "buyer"))
            elif above:
                out.append((above[0], "buyer"))
            if below:
                out.append((min(below, key=lambda p: p.y), "seller"))
            return out
        ordered = sorted(group, key=lambda p: (p.y, p.x))
        if len(ordered) < 2:
            return []  # one block and nothing to place it by: not guessed
        a, b = ordered[:2]
        if abs(a.y - b.y) < 2 * a.span.height:
            a, b = sorted((a, b), key=lambda p: p.x)
        return [(a, "buyer"), (b, "seller")]

    # -- items table

    def _table(self, page: Page, page_spans: list[Span], ocr: bool) -> tuple[float, float] | None:
        """Reads the items and the 合计 row; returns the table's (top, bottom) y."""
        v = self.v
        header_index = next(
            (i for i, s in enumerate(page_spans) if s.find(v.columns["name"]) is not None), None
        )
        if header_index is None:
            return None
        header = page_spans[header_index]
        columns = self._columns(header)
        if "amount" not in {k for k, _ in columns}:
            return None
        sum_index = next(
            (i for i in range(header_index + 1, len(page_spans)) if _sum_row(page_spans[i], v)),
            None,
        )
        # without a 合计 row the items end where 价税合计 begins
        end = sum_index
        if end is None:
            end = next(
                (
                    i
                    for i in range(header_index + 1, len(page_spans))
                    if page_spans[i].find(v.labels["total_in_words"]) is not None
                ),
                len(page_spans),
            )
        self._items(page, page_spans[header_index + 1 : end], columns, ocr)
        bottom = page_spans[end - 1].y if end > header_index + 1 else header.y
        if sum_index is not None:
            self._sum_row(page, page_spans[sum_index], columns, ocr)
            bottom = page_spans[sum_index].y
        return header.y, bottom

    def _columns(self, header: Span) -> list[tuple[str, float]]:
        """(column kind, centre x) of each heading, left to right."""
        out: list[tuple[str, float]] = []
        for cell in header.cells:
            t = canon(cell.text)
            best: tuple[int, str] | None = None
            for kind, heads in self.v.columns.items():
                for head in heads:
                    if head in t and (best is None or len(head) > best[0]):
                        best = (len(head), kind)
            if best is not None:
                out.append((best[1], (cell.bbox[0] + cell.bbox[2]) / 2))
        return sorted(out, key=lambda c: c[1])

    @staticmethod
    def _column_of(cell: Line, columns: list[tuple[str, float]]) -> str:
        """Amounts are right-aligned, units and rates centred: either way the cell's column is
        the last heading whose centre lies left of the cell's right edge."""
        left = [kind for kind, centre in columns if centre <= cell.bbox[2] + 1]
        return left[-1] if left else columns[0][0]

    def _name_limit(self, columns: list[tuple[str, float]]) -> float:
        centres = [c for k, c in columns]
        names = [c for k, c in columns if k == "name"]
        if not names:
            return centres[0]
        nxt = [c for c in centres if c > names[0]]
        return (names[0] + nxt[0]) / 2 if nxt else float("inf")

    def _items(
        self, page: Page, item_spans: list[Span], columns: list[tuple[str, float]], ocr: bool
    ) -> None:
        limit = self._name_limit(columns)
        pending: list[str] = []
        for span in item_spans:
            name_parts: list[str] = []
            fields: dict[str, list[str]] = {}
            for cell in span.cells:
                if cell.bbox[0] < limit and (_CJK.search(cell.text) or cell.bbox[2] < limit):
                    name_parts.append(cell.text.strip())
                    continue
                fields.setdefault(self._column_of(cell, columns), []).append(cell.text)
            # a stray mark in a column (the form's side text "发票联") is not its value
            amount = next(
                (a for t in fields.get("amount", []) if (a := money(t, ocr)) is not None), None
            )
            name = "".join(name_parts)
            if amount is None:
                if name and self.items:
                    last = self.items[-1]
                    last.name = item_name((last.name or "") + name)  # a wrapped name
                    self.item_lines[-1][1].extend(span.cells)
                elif name:
                    pending.append(name)
                continue
            rate = next((r for t in fields.get("tax_rate", []) if (r := tax_rate(t))), None)
            tax: Decimal | None = None
            for text in fields.get("tax", []):
                t = canon(text)
                tax = Decimal(0) if t in self.v.no_tax else money(t, ocr)
                if tax is not None:
                    break
            self.items.append(
                InvoiceItem(
                    name=item_name("".join(pending) + name), amount=amount, tax_rate=rate, tax=tax
                )
            )
            self.item_lines.append((page, list(span.cells)))
            pending = []

    def _sum_row(self, page: Page, span: Span, columns: list[tuple[str, float]], ocr: bool) -> None:
        for cell in span.cells:
            if _CJK.search(cell.text):
                continue
            kind = self._column_of(cell, columns)
            t = canon(cell.text)
            if kind == "amount":
                self._put("amount", Found(money(t, ocr), f"合计 {cell.text}", [cell], page))
            elif kind == "tax":
                value = Decimal(0) if t in self.v.no_tax else money(t, ocr)
                self._put("tax_amount", Found(value, f"合计 {cell.text}", [cell], page))

    # -- 价税合计

    def _totals(self, page: Page, page_spans: list[Span], ocr: bool) -> None:
        v = self.v
        for span in page_spans:
            hit = span.find(v.labels["total_in_words"])
            if hit is None:
                continue
            i, label = hit
            small = span.find(v.labels["total"], i + len(label))
            words_end = small[0] if small else len(span.text)
            words = span.text[i + len(label) : words_end]
            for mark in v.words_marks:
                words = words.lstrip(mark)
            words = words.strip("：:")
            if words and parse_chinese_upper(words) is not None:
                lines = span.lines(i, words_end)
                self._put(
                    "total_in_words",
                    Found(words, " ".join(ln.text for ln in lines), lines, page),
                )
            if small is not None:
                j, small_label = small
                value, lines = span.value_after(j + len(small_label), v)
                amount = money(value, ocr)
                if amount is not None:
                    lines = span.lines(j, j + len(small_label)) + [
                        ln for ln in lines if ln not in span.lines(j, j + len(small_label))
                    ]
                    self._put(
                        "total",
                        Found(amount, " ".join(ln.text for ln in lines), lines, page),
                    )
            return


# ---- XML: 数电票 files, an OFD's original_invoice.xml and CustomTag.xml ----------------------
# The trees come with the pages (pipeline/pages.py reads them while the file is open).


@dataclass
class XmlValue:
    text: str
    evidence: str
    page: int | None = None
    bbox: BBox | None = None


Resolver = Mapping[str, tuple[str, int, BBox]]  # text object ID → (text, page, bbox in pt)


def _value(el: XmlElement, resolve: Resolver | None) -> XmlValue | None:
    text = " ".join(el.text.split())
    if text:
        return XmlValue(text, f"<{el.tag}>{text}</{el.tag}>")
    if resolve is None:
        return None
    # CustomTag.xml points at the page's text objects instead of holding the value.
    refs = [r for r in el.iter() if r.tag == "ObjectRef" and r.text.strip()]
    found = [resolve[r.text.strip()] for r in refs if r.text.strip() in resolve]
    if not found:
        return None
    joined = "".join(t for t, _, _ in found)
    boxes = [b for _, _, b in found]
    bbox = (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
    return XmlValue(joined, f"<{el.tag}> → {joined}", found[0][1], bbox)


def _matches(el: XmlElement, parent: XmlElement | None, path: str) -> bool:
    parts = path.split("/")
    if el.tag != parts[-1]:
        return False
    if len(parts) == 1:
        return True
    return parent is not None and parent.tag == parts[-2]


def xml_fields(root: XmlElement, v: Vocab, resolve: Resolver | None = None) -> dict[str, XmlValue]:
    """field → value, the first tag of the field's list that is present winning."""
    elements = list(root.walk())
    out: dict[str, XmlValue] = {}
    for name, paths in v.xml_fields.items():
        for path in paths:
            value = next(
                (
                    val
                    for el, parent in elements
                    if _matches(el, parent, path) and (val := _value(el, resolve))
                ),
                None,
            )
            if value is not None:
                out[name] = value
                break
    return out


def xml_items(root: XmlElement, v: Vocab, resolve: Resolver | None = None) -> list[InvoiceItem]:
    row_tags = set(v.xml_items["row"])
    items: list[InvoiceItem] = []
    for row in root.iter():
        if row.tag not in row_tags:
            continue
        values: dict[str, str] = {}
        for key in ("name", "amount", "tax_rate", "tax"):
            for tag in v.xml_items[key]:
                el = next((c for c in row.iter() if c is not row and c.tag == tag), None)
                if el is not None and (val := _value(el, resolve)):
                    values[key] = val.text
                    break
        amount = parse_amount(values.get("amount", ""))
        if amount is None and "name" not in values:
            continue
        tax_text = canon(values.get("tax", ""))
        items.append(
            InvoiceItem(
                name=values.get("name"),
                amount=amount,
                tax_rate=tax_rate(values.get("tax_rate", "")),
                tax=Decimal(0) if tax_text in v.no_tax else parse_amount(tax_text),
            )
        )
    return items


def put_xml(col: Collector, source: str, values: dict[str, XmlValue], v: Vocab) -> None:
    """Puts the XML's values after parsing them like the printed ones."""
    for name, val in values.items():
        parsed: Any
        if name in ("amount", "tax_amount", "total"):
            parsed = parse_amount(val.text)
        elif name == "issue_date":
            parsed = parse_date(val.text) or next(iter(find_dates(val.text)), None)
        elif name in ("buyer_name", "seller_name"):
            parsed = normalize_name(val.text) or None
        elif name in ("buyer_credit_code", "seller_credit_code"):
            parsed = credit_code_of(val.text)
        elif name in ("invoice_code", "invoice_number"):
            digits = digits_of(val.text, ocr=False)
            allowed = v.code_digits if name == "invoice_code" else v.number_digits
            parsed = digits if len(digits) in allowed else None
        else:
            parsed = val.text.strip() or None
        col.put(name, parsed, f"{source}: {val.evidence}", val.page, val.bbox)


def read_xml_file(file: str, payload: XmlPayload, col: Collector, v: Vocab) -> list[InvoiceItem]:
    if payload.root is None:  # too large to be an invoice's XML
        return []
    put_xml(col, Path(file).name, xml_fields(payload.root, v), v)
    return xml_items(payload.root, v)


def read_ofd_parts(payload: OfdPayload, col: Collector, v: Vocab) -> tuple[list[InvoiceItem], str]:
    """The issuer's fields inside the OFD (original_invoice.xml, CustomTag.xml, OFD.xml);
    returns the items found there and the member they came from."""
    items: list[InvoiceItem] = []
    items_from = ""
    members = {n.rsplit("/", 1)[-1].lower(): n for n in payload.members}
    resolve: dict[str, tuple[str, int, BBox]] | None = None
    for wanted in v.ofd_files:
        name = members.get(wanted.lower())
        root = payload.parts.get(name) if name is not None else None
        if name is None or root is None:  # absent, too large or not well-formed
            continue
        if resolve is None and "customtag" in wanted.lower():
            resolve = {o.id: (o.text, o.page, o.bbox) for o in payload.text_objects}
        put_xml(col, name, xml_fields(root, v, resolve), v)
        if not items:
            items, items_from = xml_items(root, v, resolve), name
    ofd_name = members.get("ofd.xml")
    root = payload.parts.get(ofd_name) if ofd_name is not None else None
    if ofd_name is not None and root is not None:
        data = {
            el.attrs.get("Name", "").strip(): " ".join(el.text.split())
            for el in root.iter()
            if el.tag == "CustomData"
        }
        values = {
            name: XmlValue(data[key], f'CustomData Name="{key}" {data[key]}')
            for name, keys in v.ofd_custom_data.items()
            for key in keys
            if data.get(key)
        }
        put_xml(col, ofd_name, values, v)
    return items, items_from


# ---- extract ---------------------------------------------------------------------------


def _payload(pages: list[Page], kind: type[T]) -> T | None:
    return next((p.payload for p in pages if isinstance(p.payload, kind)), None)


def extract(file: str, pages: list[Page]) -> Extraction:
    v = vocab()
    col = Collector(file)
    items: list[InvoiceItem] = []
    digital = False
    items_evidence: tuple[str, int | None, BBox | None] | None = None
    xml = _payload(pages, XmlPayload)
    if xml is not None:
        items = read_xml_file(file, xml, col, v)
        digital = "invoice_code" not in col.values
        items_evidence = (f"{Path(file).name}: {len(items)} 行明细", None, None)
    else:
        package = _payload(pages, OfdPayload)
        if package is not None:
            items, member = read_ofd_parts(package, col, v)
            if items:
                items_evidence = (f"{member}: {len(items)} 行明细", None, None)
        reader = LayoutReader(pages, word_cells(pages), col, v)
        reader.run()
        digital = reader.digital
        if not items and reader.items:
            items = reader.items
            page, lines = reader.item_lines[0]
            all_lines = [ln for _, group in reader.item_lines for ln in group]
            text = " | ".join(" ".join(ln.text for ln in group) for _, group in reader.item_lines)
            items_evidence = (text, page.number, reader.cells.bbox(all_lines))
            col.confidences.append(min(ln.confidence for ln in all_lines))
    if items and items_evidence is not None:
        text, number, bbox = items_evidence
        col.put("items", items, text, number, bbox)
    unread = {name: "未能读取" for name in EXPECTED if name not in col.values}
    if digital and "invoice_code" in unread:
        del unread["invoice_code"]  # a 数电票 has no code: null is its value
    if not any(p.payload is not None and p.payload.kind == "xml" for p in pages):
        # An XML invoice has no picture, so no QR code to read.
        reconcile(col, pages, unread)  # the invoice's own QR code (Page.codes)
    record = Invoice.model_validate(dict(col.values))
    confidence = min(col.confidences) if col.confidences else 0.0
    return col.extraction(record, unread, confidence)
