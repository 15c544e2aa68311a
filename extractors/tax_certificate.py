"""The tax payment certificate: table-style 税收完税证明 and letter-style 纳税证明.

Labels and wordings come from extractors/vocab/tax_certificate.toml. The table of payments is
read by position: the header row gives each column's x range, every line under it goes to
the column it stands under, and to the payment row whose amount it is level with (a
税款所属时期 cell wrapped over two lines sits above and below its row's centre). A letter
is read as one running text: "兹证明 X（纳税人识别号：…）在…至…期间共缴纳税款 … 元（大写：…）".

大写 and 小写 totals are both reported as read; 大写 only decides between readings of an
unclear 小写 (or stands in for one that cannot be read). Comparing them is the checks' job.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from extractors.base import Collector, Extraction
from extractors.common.amounts import parse_amount, parse_chinese_upper, parse_money
from extractors.common.credit_code import find_codes
from extractors.common.dates import find_dates, parse_date, parse_period
from extractors.common.normalize import normalize_name, ocr_digits
from extractors.labelled import (
    STOP,
    LabelledPage,
    Labels,
    Run,
    Source,
    canon,
    field_labels,
    printed,
    put_sources,
    put_span,
    straighten,
    tidy,
    upper_words,
)
from pipeline.models import Line, Page, TaxCertificate, TaxItem

VOCAB = Path(__file__).with_name("vocab") / "tax_certificate.toml"
FIELDS = [
    "taxpayer_name",
    "credit_code",
    "period_start",
    "period_end",
    "total_amount",
    "total_in_words",
    "items",
    "certificate_number",
    "issue_date",
]
_FIGURE = re.compile(r"[¥]?(\d{1,3}(?:[,，]\d{3})+(?:\.\d{1,2})?|\d+\.\d{1,2}|\d{3,})")
_CODE = re.compile(r"[0-9A-Za-z]{15,20}")
TAX_ID_LENGTHS = (15, 18, 20)
_MIXED_SEP_LEFT = re.compile(r"(?<!\d)(\d{4})[:：.](\d{2})-(?=\d{2}(?!\d))")
_MIXED_SEP_RIGHT = re.compile(r"(?<=(?<!\d)\d{4})-(\d{2})[:：.](\d{2})(?!\d)")
_NUMBER_DIGITS = 4  # a certificate number holds at least this many digits
# A header needs this many column labels on one row to be the table's.
MIN_HEADER_COLUMNS = 3


@dataclass(frozen=True)
class _Vocab:
    fields: Labels
    columns: Labels
    openings: tuple[str, ...]
    paid: tuple[str, ...]
    words: tuple[str, ...]
    connectors: tuple[str, ...]
    items: tuple[str, ...]
    number: re.Pattern[str]
    taxes: tuple[str, ...]


@lru_cache(maxsize=1)
def _vocab() -> _Vocab:
    data = tomllib.loads(VOCAB.read_text(encoding="utf-8"))
    letter = data["letter"]
    return _Vocab(
        fields=field_labels(data),
        columns=Labels(data["columns"]),
        openings=tuple(canon(w) for w in letter["opening"]),
        paid=tuple(sorted((canon(w) for w in letter["paid"]), key=len, reverse=True)),
        words=tuple(canon(w) for w in letter["words"]),
        connectors=tuple(canon(w) for w in letter["connectors"]),
        items=tuple(canon(w) for w in letter["items"]),
        number=re.compile(letter["number_pattern"]),
        taxes=tuple(sorted((canon(w) for w in data["taxes"]["names"]), key=len, reverse=True)),
    )


def _taxpayer_id(text: str) -> str | None:
    """A credit code (repaired where its check digit allows) or an older 15/20-digit tax number.

    A run of another length is a code cut off by a line break: left to the letter reader,
    which sees the wrapped text whole.
    """
    codes = find_codes(text)
    if codes:
        return codes[0]
    m = _CODE.search(text)
    return m.group(0).upper() if m and len(m.group(0)) in TAX_ID_LENGTHS else None


def money(text: str) -> Decimal | None:
    """An Arabic amount as printed, or after OCR's letter-for-digit slips (O→0, l→1)."""
    text = text.lstrip("¥").replace("，", ",")
    return parse_amount(text) or parse_amount(ocr_digits(text, min_digits=1))


def words_of(text: str) -> str | None:
    """The 大写 amount in a text, without its (大写)/人民币 prefix."""
    span = upper_words(text)
    return text[span[0] : span[1]] if span else None


def choose_total(figure: str | None, words: str | None) -> Decimal | None:
    """小写 as read; 大写 picks between readings of it, or stands in when it is unreadable."""
    by_words = parse_chinese_upper(words) if words else None
    if figure:
        readings = [v for v in (parse_amount(figure.lstrip("¥")), money(figure)) if v is not None]
        if by_words is not None and by_words in readings:
            return by_words
        if readings:
            return readings[0]
    return by_words


# ---- the table ---------------------------------------------------------------------------


@dataclass
class _Column:
    name: str
    x0: float
    x1: float

    def distance(self, x0: float, x1: float) -> float:
        return max(0.0, self.x0 - x1, x0 - self.x1)


@dataclass
class _Cell:
    texts: list[tuple[float, float, str]] = field(default_factory=list)  # (y, x, text)
    sources: list[Source] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(t for _, _, t in sorted(self.texts))


@dataclass
class _Row:
    centre: float
    cells: dict[str, _Cell] = field(default_factory=dict)

    def cell(self, name: str) -> _Cell:
        return self.cells.setdefault(name, _Cell())


def _pieces(line: Line) -> list[tuple[str, float, float]]:
    """A line's space-separated parts with their estimated x ranges (OCR may merge cells)."""
    text = line.text.strip()
    if not text:
        return []
    width = (line.bbox[2] - line.bbox[0]) / max(len(text), 1)
    return [
        (m.group(0), line.bbox[0] + m.start() * width, line.bbox[0] + m.end() * width)
        for m in re.finditer(r"\S+", text)
    ]


@dataclass
class _Item:
    item: TaxItem
    sources: list[Source]  # the row's lines, left to right
    period: list[Source]  # the 税款所属时期 cell's lines


class _Table:
    def __init__(self, lp: LabelledPage, header: int, columns: list[_Column], end: float) -> None:
        self.lp = lp
        self.header = header
        self.columns = columns
        self.top = max(ln.bbox[3] for ln in lp.rows[header])
        self.bottom = end

    def column_of(self, x0: float, x1: float) -> str:
        # Nearest header by gap; among overlapping ones, the one overlapping most.
        def key(c: _Column) -> tuple[float, float]:
            return (c.distance(x0, x1), -(min(c.x1, x1) - max(c.x0, x0)))

        return min(self.columns, key=key).name

    def rows(self) -> list[_Row]:
        lines = [
            ln
            for ln in self.lp.page.lines
            if ln.bbox[1] >= self.top - 1 and (ln.bbox[1] + ln.bbox[3]) / 2 < self.bottom
        ]
        pieces = [(ln, p) for ln in lines for p in _pieces(ln)]
        # A payment row is where an amount stands in the amount column.
        anchors = sorted(
            {
                (ln.bbox[1] + ln.bbox[3]) / 2
                for ln, (text, x0, x1) in pieces
                if self.column_of(x0, x1) == "amount" and money(canon(text)) is not None
            }
        )
        rows = [_Row(y) for y in anchors]
        if not rows:
            return []
        for ln, (text, x0, x1) in pieces:
            y = (ln.bbox[1] + ln.bbox[3]) / 2
            row = min(rows, key=lambda r: abs(r.centre - y))
            if abs(row.centre - y) > 2.0 * self.lp.height:
                continue
            cell = row.cell(self.column_of(x0, x1))
            cell.texts.append((y, x0, canon(text)))
            if not any(s[1] is ln for s in cell.sources):
                cell.sources.append((self.lp.page, ln))
        return rows


def cell_page(page: Page) -> Page:
    """The page with its words as lines, where they are finer than its lines (text layers)."""
    if page.source != "text-layer" or not page.words:
        return page
    cells = [Line(text=w.text, bbox=w.bbox, confidence=w.confidence) for w in page.words]
    return page.model_copy(update={"lines": cells})


def _find_table(lp: LabelledPage) -> _Table | None:
    columns = _vocab().columns
    for r, run in enumerate(lp.runs):
        hits = columns.find(run.text)
        names = {h.name for h in hits}
        if len(names) < MIN_HEADER_COLUMNS or "amount" not in names:
            continue
        cols: list[_Column] = []
        for hit in hits:
            if all(c.name != hit.name for c in cols):
                cols.append(_Column(hit.name, run.x0[hit.start], run.x1[hit.end - 1]))
        end = lp.page.height
        for nr in range(r + 1, len(lp.runs)):
            if any(h.name in ("total", STOP) for h in lp.hits[nr]):
                top = min(ln.bbox[1] for ln in lp.rows[nr])
                end = top
                break
        return _Table(lp, r, cols, end)
    return None


def date_text(text: str) -> str:
    """A date cell with OCR's stray separator made like the others ("2018:01-01" → "2018-01-01")."""
    text = _MIXED_SEP_LEFT.sub(r"\1-\2-", text)
    return _MIXED_SEP_RIGHT.sub(r"-\1-\2", text)


def _day(text: str) -> str | None:
    return parse_date(text) or next(iter(find_dates(text)), None)


def _period(text: str) -> tuple[str | None, str | None]:
    """税款所属时期 as (start, end); an end that cannot be read stays None, and so does a start."""
    text = date_text(text)
    period = parse_period(text) if text else None
    if period:
        return period
    left, sep, right = text.partition("至")
    if not sep:
        return None, None
    return _day(left), _day(right)


def _item(row: _Row) -> _Item:
    def text(name: str) -> str:
        cell = row.cells.get(name)
        return cell.text if cell else ""

    start, end = _period(text("period"))
    item = TaxItem(
        tax_type=tidy(text("tax_type")) or None,
        period_start=start,
        period_end=end,
        paid_date=_day(date_text(text("paid_date"))),
        amount=money(text("amount")),
    )
    sources = sorted(
        (s for cell in row.cells.values() for s in cell.sources), key=lambda s: s[1].bbox[0]
    )
    period = row.cells.get("period")
    return _Item(item, sources, period.sources if period else sources)


# ---- the reader --------------------------------------------------------------------------


class _Reader:
    def __init__(self, col: Collector) -> None:
        self.col = col
        self.items: list[_Item] = []
        self.figure: tuple[str, list[Source]] | None = None
        self.words: tuple[str, list[Source]] | None = None
        self.letter: list[Source] = []  # the letter's sentence of the paid total, if any

    def read(self, page: Page) -> None:
        lp = LabelledPage(page, _vocab().fields)
        # The table is read from the page's words: a text layer's line joins a whole visual
        # row, so only its words tell where each column's text stands.
        table_lp = LabelledPage(cell_page(page), _vocab().fields)
        table = _find_table(table_lp)
        if table is not None:
            for row in table.rows():
                self.items.append(_item(row))
            # The table's rows are read by column, not as labelled fields.
            head = min(ln.bbox[1] for ln in table_lp.rows[table.header])
            skip = {
                r
                for r, line_row in enumerate(lp.rows)
                if min(ln.bbox[3] for ln in line_row) > head
                and min(ln.bbox[1] for ln in line_row) < table.bottom - 0.5 * lp.height
            }
            lp = LabelledPage(page, _vocab().fields, skip=skip)
        # A letter first: its running text holds a code or a name whole where a line
        # break cuts the labelled value short.
        self._letter(lp)
        for value in lp.values():
            self._field(value.name, value.text, value.sources)
        self._number_anywhere(lp)

    def _field(self, name: str, text: str, sources: list[Source]) -> None:
        if name == "total":
            # The totals row: 大写 and 小写 side by side, either one labelled or not.
            self._totals(text, sources)
            return
        if not text:
            return
        if name == "credit_code":
            put_sources(self.col, name, _taxpayer_id(text), sources)
        elif name == "taxpayer_name":
            put_sources(self.col, name, normalize_name(text) or None, sources)
        elif name == "certificate_number":
            number = self._number(text)
            put_sources(self.col, name, printed(number, sources) if number else None, sources)
        elif name == "issue_date":
            put_sources(self.col, name, _day(text), sources)
        elif name == "period":
            period = parse_period(text)
            if period:
                put_sources(self.col, "period_start", period[0], sources)
                put_sources(self.col, "period_end", period[1], sources)

    def _number(self, text: str) -> str | None:
        """A 文号 (湘税纳证〔2019〕123号) or the printed number as it stands ((191)湘税证 12345678)."""
        m = _vocab().number.search(text)
        if m:
            return m.group(0)
        text = tidy(text)
        return text if sum(ch.isdigit() for ch in text) >= _NUMBER_DIGITS else None

    def _totals(self, text: str, sources: list[Source]) -> None:
        words = words_of(text)
        if words and self.words is None:
            self.words = (words, sources)
        rest = text.replace(words, "") if words else text
        m = _FIGURE.search(rest)
        if m and self.figure is None:
            self.figure = (m.group(1), sources)

    def _letter(self, lp: LabelledPage) -> None:
        vocab = _vocab()
        run = Run.join(lp.runs, sep="")
        text = run.text
        # The earliest wording, the longest where two start together.
        opening = min(
            ((i, w) for w in vocab.openings if (i := text.find(w)) >= 0),
            key=lambda t: (t[0], -len(t[1])),
            default=None,
        )
        paid = min(
            ((i, w) for w in vocab.paid if (i := text.find(w)) >= 0),
            key=lambda t: (t[0], -len(t[1])),
            default=None,
        )
        if paid is None:
            return
        head_start = opening[0] + len(opening[1]) if opening else 0
        head = text[head_start : paid[0]]
        code = _CODE.search(head)
        if code:
            start = head_start + code.start()
            value = _taxpayer_id(code.group(0))
            put_span(self.col, "credit_code", value, run, start, start + len(code.group(0)))
        if opening:
            # The name runs from the opening words to the bracket or label before the code.
            labels = [h.start for h in vocab.fields.find(head) if h.name == "credit_code"]
            cut = min([code.start() if code else len(head), *labels])
            name = re.split(r"[（，,]", head[:cut])[0]
            if name:
                put_span(
                    self.col,
                    "taxpayer_name",
                    normalize_name(name),
                    run,
                    head_start,
                    head_start + len(name),
                )
        period_from = head_start + (code.end() if code else 0)
        dates = find_dates(text[period_from : paid[0]])
        period = (dates[0], dates[1]) if len(dates) >= 2 else None
        if period:
            put_span(self.col, "period_start", period[0], run, period_from, paid[0])
            put_span(self.col, "period_end", period[1], run, period_from, paid[0])
        tail_start = paid[0] + len(paid[1])
        sentence_end = min(
            (i for c in "。" if (i := text.find(c, tail_start)) >= 0), default=len(text)
        )
        tail = text[tail_start:sentence_end]
        connectors = "|".join(re.escape(w) for w in vocab.connectors)
        m = re.match(rf"(?:{connectors})*([0-9][0-9,，.]*)(万元|元)", tail)
        figure = m.group(1) if m else None
        words = None
        for w in vocab.words:
            i = tail.find(w)
            if i >= 0:
                words = words_of(tail[i + len(w) :])
                break
        span = run.sources(paid[0], sentence_end)
        if figure is not None and m is not None:
            if m.group(2) == "万元":
                total = parse_money(figure.replace("，", ",") + "万元")
            else:
                total = choose_total(figure, words)
            put_sources(self.col, "total_amount", total, span)
        elif words:
            put_sources(self.col, "total_amount", parse_chinese_upper(words), span)
        if words:
            put_sources(self.col, "total_in_words", words, span)
        self.letter = span
        self._letter_items(run, tail_start, sentence_end, period)
        self._letter_issue_date(lp, run.sources(paid[0], sentence_end))

    def _letter_items(self, run: Run, start: int, end: int, period: tuple[str, str] | None) -> None:
        """其中：增值税 …元，企业所得税 …元: each tax paid over the letter's period."""
        at = min(
            (i for w in _vocab().items if (i := run.text.find(w, start, end)) >= 0), default=-1
        )
        if at < 0:
            return
        names = "|".join(re.escape(n) for n in _vocab().taxes)
        pattern = rf"({names})[:：]?(?:人民币)?([0-9][0-9,，.]*)(万元|元)"
        for m in re.finditer(pattern, run.text[at:end]):
            item = TaxItem(
                tax_type=m.group(1),
                period_start=period[0] if period else None,
                period_end=period[1] if period else None,
                amount=parse_money(m.group(2).replace("，", ",") + m.group(3)),
            )
            sources = run.sources(at + m.start(), at + m.end())
            self.items.append(_Item(item, sources, sources))

    def _letter_issue_date(self, lp: LabelledPage, body: Sequence[Source]) -> None:
        """The date under the body, beside the tax office's seal: the lowest one."""
        if not body or "issue_date" in self.col.values:
            return
        bottom = max(s[1].bbox[3] for s in body)
        dated = [
            (ln.bbox[1], ln, found[-1])
            for ln in lp.page.lines
            if ln.bbox[1] > bottom and (found := find_dates(canon(ln.text)))
        ]
        if dated:
            _, line, iso = max(dated, key=lambda d: d[0])
            put_sources(self.col, "issue_date", iso, [(lp.page, line)])

    def _number_anywhere(self, lp: LabelledPage) -> None:
        """A 文号 such as 湘税岳证〔2019〕0318号 standing on its own line."""
        if "certificate_number" in self.col.values:
            return
        for line in lp.page.lines:
            m = _vocab().number.search(canon(line.text))
            if m:
                number = printed(m.group(0), [(lp.page, line)])
                put_sources(self.col, "certificate_number", number, [(lp.page, line)])
                return

    def finish(self) -> None:
        figure_text = self.figure[0] if self.figure else None
        words_text = self.words[0] if self.words else None
        total = choose_total(figure_text, words_text)
        if total is not None:
            src = self.figure[1] if self.figure and figure_text else (self.words or ("", []))[1]
            put_sources(self.col, "total_amount", total, src)
        if self.words:
            put_sources(self.col, "total_in_words", self.words[0], self.words[1])
        if self.items:
            items = [i.item for i in self.items]
            sources = [s for i in self.items for s in i.sources]
            put_sources(self.col, "items", [i.model_dump() for i in items], sources)
            # The certificate covers the payments it lists: from the earliest to the latest
            # period, and only when every period was read.
            if all(i.period_start and i.period_end for i in items):
                first = min(self.items, key=lambda i: str(i.item.period_start))
                last = max(self.items, key=lambda i: str(i.item.period_end))
                put_sources(self.col, "period_start", first.item.period_start, first.period)
                put_sources(self.col, "period_end", last.item.period_end, last.period)
        elif self.letter:
            # A letter that names no single taxes has no items: read, and empty.
            put_sources(self.col, "items", [], self.letter)


def extract(file: str, pages: list[Page]) -> Extraction:
    col = Collector(file)
    reader = _Reader(col)
    for page in pages:
        reader.read(straighten(page))
    reader.finish()
    result = col.finish(TaxCertificate, FIELDS)
    if "items" in result.unread:
        result.unread["items"] = "未找到税款明细"
    return result
