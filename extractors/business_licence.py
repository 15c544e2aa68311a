"""The business licence (营业执照): portrait and landscape, current and pre-2015 layouts.

Labels come from extractors/vocab/business_licence.toml. OCR gives either one line per
label and value ("名称湖南星辰…") or separate boxes on a row, and landscape licences put two
label/value pairs on one row: each row is read as one text and a value runs from its label
to the next label. 经营范围 and 住所 may wrap: the lines below in the value's column are
joined until the next label.

The first half of this module (`Run`, `Labels`, `put_span`) is generic text-with-provenance
machinery that tax_certificate.py and contract.py use too; it belongs in extractors/layout.py.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from extractors.base import Collector, Extraction
from extractors.common.amounts import parse_money
from extractors.common.credit_code import find_codes, is_registration_number, repair
from extractors.common.dates import find_dates, parse_date
from extractors.common.normalize import normalize_name
from extractors.layout import rows
from pipeline.models import BBox, BusinessLicence, InputFile, Line, Page

VOCAB = Path(__file__).with_name("vocab") / "business_licence.toml"

# ---- text traced back to its lines ------------------------------------------------------

# One character for one character, so that indexes into the canonical text stay valid:
# full-width digits and letters to ASCII, ASCII brackets and colons to the full-width ones
# of Chinese text. Chinese punctuation (，；。) stays as it is.
_CANON = {code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B))}
_CANON.update({code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)})
_CANON.update(
    {ord(a): ord(b) for a, b in zip("()[]【】:￥．－／％", "（）（）（）：¥.-/%", strict=True)}
)
_SPACE = re.compile(r"\s+")
SEPARATORS = " :：;；,，.。、|丨_"
TRAILING = " :：;；,，、|丨_"
_ASCII_PUNCT = re.compile(r"(?<=[\u4e00-\u9fff）])([,;!?])|([,;!?])(?=[\u4e00-\u9fff（])")
_PUNCT_WIDE = {",": "，", ";": "；", "!": "！", "?": "？"}


def canon(text: str) -> str:
    """White space removed, widths and brackets unified, one character per character."""
    return _SPACE.sub("", text).translate(_CANON)


Source = tuple[Page, Line]
MIN_SKEW = 0.002  # slope below which a page is taken as level (0.1°)
MIN_SKEW_LINES = 3


@dataclass
class Run:
    """Canonical text of some lines, every character traced to its line and x position."""

    text: str = ""
    src: list[Source | None] = field(default_factory=list)
    x0: list[float] = field(default_factory=list)
    x1: list[float] = field(default_factory=list)

    @classmethod
    def of_lines(cls, page: Page, lines: Iterable[Line]) -> Run:
        run = cls()
        for line in lines:
            text = canon(line.text)
            if not text:
                continue
            step = (line.bbox[2] - line.bbox[0]) / len(text)
            for i, ch in enumerate(text):
                run.text += ch
                run.src.append((page, line))
                run.x0.append(line.bbox[0] + i * step)
                run.x1.append(line.bbox[0] + (i + 1) * step)
        return run

    @classmethod
    def join(cls, runs: Iterable[Run], sep: str = "\n") -> Run:
        out = cls()
        for run in runs:
            if out.text and sep:
                out.text += sep
                out.src.extend([None] * len(sep))
                out.x0.extend([math.nan] * len(sep))
                out.x1.extend([math.nan] * len(sep))
            out.text += run.text
            out.src.extend(run.src)
            out.x0.extend(run.x0)
            out.x1.extend(run.x1)
        return out

    def sources(self, start: int, end: int) -> list[Source]:
        """The lines characters start…end came from, in order, without repeats."""
        out: list[Source] = []
        for src in self.src[max(start, 0) : max(end, start + 1)]:
            if src is not None and not any(src[1] is s[1] for s in out):
                out.append(src)
        return out

    def lines(self) -> list[Line]:
        return [s[1] for s in self.sources(0, len(self.text))]

    def same_line(self, i: int, j: int) -> bool:
        a, b = self.src[i], self.src[j]
        return a is not None and b is not None and a[1] is b[1]


def straighten(page: Page) -> Page:
    """The page with its lines turned level when the scan is skewed.

    Rows and columns are found on level boxes; a skewed table's rows otherwise run into each
    other. The angle is the median slope of the OCR quads' top edges. Each quad stays as the
    OCR read it, so evidence still points at the scan (see `evidence_box`).
    """
    slopes = []
    for line in page.lines:
        q = line.quad
        if q and len(q) == 4 and q[1][0] - q[0][0] > 2 * (line.bbox[3] - line.bbox[1]):
            slopes.append((q[1][1] - q[0][1]) / (q[1][0] - q[0][0]))
    if len(slopes) < MIN_SKEW_LINES:
        return page
    slope = sorted(slopes)[len(slopes) // 2]
    if abs(slope) < MIN_SKEW:
        return page
    angle = math.atan(slope)
    cos, sin = math.cos(angle), math.sin(angle)
    lines = []
    for line in page.lines:
        corners = line.quad or [
            (line.bbox[0], line.bbox[1]),
            (line.bbox[2], line.bbox[1]),
            (line.bbox[2], line.bbox[3]),
            (line.bbox[0], line.bbox[3]),
        ]
        xs = [x * cos + y * sin for x, y in corners]
        ys = [y * cos - x * sin for x, y in corners]
        level = (min(xs), min(ys), max(xs), max(ys))
        lines.append(line.model_copy(update={"bbox": level, "quad": list(corners)}))
    return page.model_copy(update={"lines": lines})


def evidence_box(line: Line) -> BBox:
    """Where the line stands on the page as read (its OCR quad, if straightened)."""
    if not line.quad:
        return line.bbox
    xs = [p[0] for p in line.quad]
    ys = [p[1] for p in line.quad]
    return (min(xs), min(ys), max(xs), max(ys))


def put_sources(col: Collector, name: str, value: object, sources: Sequence[Source]) -> None:
    """Evidence from lines of one page (the first one's, when a span crosses pages)."""
    if value is None or not sources:
        return
    page = sources[0][0]
    boxes = [evidence_box(ln) for p, ln in sources if p is page]
    lines = [ln for p, ln in sources if p is page]
    bbox: BBox = (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
    text = " ".join(ln.text.strip() for ln in lines)
    col.put(name, value, text, page.number, bbox, min(ln.confidence for ln in lines))


def put_span(col: Collector, name: str, value: object, run: Run, start: int, end: int) -> None:
    put_sources(col, name, value, run.sources(start, end))


@dataclass(frozen=True)
class LabelHit:
    name: str
    start: int
    end: int


class Labels:
    """Label texts by field name; finds them in canonical text, longest first, never overlapping."""

    def __init__(self, by_name: Mapping[str, Sequence[str]]) -> None:
        pairs = {(canon(lab), name) for name, labels in by_name.items() for lab in labels}
        self.items = sorted((p for p in pairs if p[0]), key=lambda p: -len(p[0]))

    def find(self, text: str) -> list[LabelHit]:
        taken: list[LabelHit] = []
        for label, name in self.items:
            start = text.find(label)
            while start >= 0:
                end = start + len(label)
                if not any(start < h.end and h.start < end for h in taken):
                    taken.append(LabelHit(name, start, end))
                start = text.find(label, start + 1)
        return sorted(taken, key=lambda h: h.start)


def strip_value(text: str, start: int, end: int) -> tuple[int, int]:
    """start…end without the separators around a value (a final 。 is part of it)."""
    while start < end and text[start] in SEPARATORS:
        start += 1
    while end > start and text[end - 1] in TRAILING:
        end -= 1
    return start, end


def tidy(text: str) -> str:
    """A free-text value as printed: no white space, brackets and Chinese punctuation unified."""
    text = canon(text).lstrip(SEPARATORS).rstrip(TRAILING)
    return _ASCII_PUNCT.sub(lambda m: _PUNCT_WIDE[m.group(1) or m.group(2)], text)


def line_height(lines: Sequence[Line]) -> float:
    heights = sorted(ln.bbox[3] - ln.bbox[1] for ln in lines)
    return max(heights[len(heights) // 2], 1.0) if heights else 1.0


# ---- the licence -------------------------------------------------------------------------

STOP = "_stop"
REGISTRY = "registry"
FIELDS = [
    "company_name",
    "credit_code",
    "registration_number",
    "company_type",
    "legal_representative",
    "registered_capital",
    "established",
    "address",
    "business_scope",
    "issue_date",
]


@lru_cache(maxsize=1)
def _labels() -> Labels:
    data = tomllib.loads(VOCAB.read_text(encoding="utf-8"))
    by_name: dict[str, list[str]] = dict(data["fields"])
    by_name[STOP] = list(data["stop"]["labels"])
    return Labels(by_name)


@dataclass
class Value:
    """What a label owns: the text right of it and the lines it runs on to, with evidence."""

    name: str
    text: str
    sources: list[Source]
    row: int


@dataclass
class _Box:
    """A label, or a piece of text between labels within one OCR line, and where it stands."""

    name: str | None  # the label's field (or `stop`); None for text
    text: str
    sources: list[Source]
    row: int
    x0: float
    x1: float
    top: float
    bottom: float
    owned: list[_Box] = field(default_factory=list)

    @property
    def centre(self) -> float:
        return (self.top + self.bottom) / 2


class LabelledPage:
    """A page read as labels and the text each label owns.

    Labels are found in rows of canonical text (so "名" and "称" in two boxes still make 名称).
    A piece of text belongs to the label column nearest on its left and, in that column, to
    the last label that starts above it: a value runs on until the next label, over wrapped
    lines, even when its first line sits a little higher than its label. Labels of a field
    count once, top to bottom ("类型" inside 经营范围 is text); `stop` labels own text that
    belongs to no field, so it is never glued onto one.
    """

    def __init__(
        self, page: Page, labels: Labels, stop: str = STOP, skip: Iterable[int] = ()
    ) -> None:
        self.page = page
        self.stop = stop
        self.rows = rows(page.lines)
        self.runs = [Run.of_lines(page, row) for row in self.rows]
        self.height = line_height(page.lines)
        skipped = set(skip)
        seen: set[str] = set()
        self.hits: list[list[LabelHit]] = []
        for run in self.runs:
            kept = []
            for hit in labels.find(run.text):
                if hit.name == stop or hit.name not in seen:
                    kept.append(hit)
                    seen.add(hit.name)
            self.hits.append(kept)
        self.labels: list[_Box] = []
        self.pieces: list[_Box] = []
        for r, run in enumerate(self.runs):
            if r not in skipped:
                self._split(r, run)
        self._assign()

    def _box(self, name: str | None, r: int, start: int, end: int) -> _Box:
        run = self.runs[r]
        sources = run.sources(start, end)
        return _Box(
            name=name,
            text=run.text[start:end],
            sources=sources,
            row=r,
            x0=run.x0[start],
            x1=run.x1[end - 1],
            top=min(s[1].bbox[1] for s in sources),
            bottom=max(s[1].bbox[3] for s in sources),
        )

    def _split(self, r: int, run: Run) -> None:
        """Labels of the row, and the text between them cut at OCR line boundaries."""
        pos = 0
        for hit in [*self.hits[r], None]:
            end = hit.start if hit else len(run.text)
            start = pos
            for i in range(pos, end + 1):
                if i == end or (i > start and not run.same_line(i, start)):
                    if start < i:
                        self.pieces.append(self._box(None, r, start, i))
                    start = i
            if hit:
                self.labels.append(self._box(hit.name, r, hit.start, hit.end))
                pos = hit.end

    def _assign(self) -> None:
        h = self.height
        columns: list[list[_Box]] = []
        for label in sorted(self.labels, key=lambda b: b.x0):
            if columns and label.x0 - columns[-1][-1].x0 <= 2.5 * h:
                columns[-1].append(label)
            else:
                columns.append([label])
        reach = {id(label): label.bottom for label in self.labels}
        for piece in sorted(self.pieces, key=lambda b: (b.top, b.x0)):
            # A label level with the piece, nearest on its left, owns it outright.
            level = [
                b
                for b in self.labels
                if b.x1 <= piece.x0 + 0.5 * h
                and min(b.bottom, piece.bottom) - max(b.top, piece.top)
                >= 0.5 * min(b.bottom - b.top, piece.bottom - piece.top)
            ]
            if level:
                owner = max(level, key=lambda b: b.x1)
                owner.owned.append(piece)
                reach[id(owner)] = max(reach[id(owner)], piece.bottom)
                continue
            # Nearest column on the left first; a label further left takes the piece only
            # when the nearer one cannot (a title above the fields owns none of them).
            for column in reversed(columns):
                if column[0].x0 > piece.x0 + h:
                    continue
                above = [b for b in column if b.top - 0.3 * h <= piece.centre]
                if not above:
                    continue
                owner = max(above, key=lambda b: (b.top, b.x0))
                if piece.top > reach[id(owner)] + h:
                    continue  # a gap: the value ended before this line
                owner.owned.append(piece)
                reach[id(owner)] = max(reach[id(owner)], piece.bottom)
                break

    def values(self) -> list[Value]:
        """Every field label's text, top to bottom."""
        out: list[Value] = []
        for label in sorted(self.labels, key=lambda b: (b.row, b.x0)):
            if label.name is None or label.name == self.stop:
                continue
            pieces = sorted(label.owned, key=lambda b: (b.top, b.x0))
            text = "".join(p.text for p in pieces).lstrip(SEPARATORS).rstrip(TRAILING)
            sources = list(label.sources)
            for p in pieces:
                sources.extend(s for s in p.sources if not any(s[1] is t[1] for t in sources))
            out.append(Value(label.name, text, sources, label.row))
        return out


def _registered_capital(text: str) -> Decimal | None:
    text = text.replace("人民币", "").replace("(元)", "").replace("（元）", "")
    return parse_money(text)


def _credit_code(text: str) -> str | None:
    codes = find_codes(text)
    if codes:
        return codes[0]
    alnum = re.sub(r"[^0-9A-Za-z]", "", text)
    if len(alnum) == 18:
        return repair(alnum) or alnum.upper()
    return None


_DIGIT_FOR = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "Z": "2", "S": "5"})


def _registration_number(text: str) -> str | None:
    m = re.search(r"[0-9OoDIlZS]{15}", text)
    if not m:
        return None
    raw = m.group(0)
    fixed = raw.translate(_DIGIT_FOR)
    # Digits as read are kept even when the check digit disagrees: the number is reported,
    # not corrected; a letter is read as a digit only where that makes the check digit right.
    if raw.isdigit() or is_registration_number(fixed):
        return fixed
    return None


def _date(text: str) -> str | None:
    found = parse_date(text)
    if found:
        return found
    dates = find_dates(text)
    return dates[0] if dates else None


class _LicenceReader:
    def __init__(self, col: Collector) -> None:
        self.col = col
        self.used: set[int] = set()

    def read(self, page: Page) -> None:
        reader = LabelledPage(page, _labels())
        registry: Value | None = None
        for value in reader.values():
            if value.name == REGISTRY:
                registry = value
                continue
            parsed = self._parse(value.name, value.text)
            if parsed is not None and value.name not in self.col.values:
                put_sources(self.col, value.name, parsed, value.sources)
                self.used.update(id(ln) for _, ln in value.sources)
        if registry is not None:
            found = find_dates(registry.text)
            if found:
                put_sources(self.col, "issue_date", found[-1], registry.sources)
        if "issue_date" not in self.col.values:
            self._issue_date(reader, registry)
        if "credit_code" not in self.col.values:
            for line in page.lines:
                codes = find_codes(canon(line.text))
                if codes:
                    put_sources(self.col, "credit_code", codes[0], [(page, line)])
                    break

    def _parse(self, name: str, text: str) -> object:
        if not text:
            return None
        if name == "company_name":
            return normalize_name(text) or None
        if name == "credit_code":
            return _credit_code(text)
        if name == "registration_number":
            return _registration_number(text)
        if name in ("company_type", "legal_representative", "address", "business_scope"):
            return tidy(text) or None
        if name == "registered_capital":
            return _registered_capital(text)
        if name == "established":
            return _date(text)
        return None

    def _issue_date(self, reader: LabelledPage, registry: Value | None) -> None:
        """A date standing alone near 登记机关 (often under a seal), else the lowest one."""
        page = reader.page
        anchor = registry.sources[0][1] if registry else None
        candidates: list[tuple[float, Line, str]] = []
        for line in page.lines:
            if id(line) in self.used:
                continue
            text = canon(line.text)
            dates = find_dates(text)
            if len(dates) != 1 or "至" in text:
                continue  # 营业期限 "…至…" is a range, not the issue date
            if anchor is not None:
                if line.bbox[1] < anchor.bbox[1] - reader.height:
                    continue
                dist = abs(line.bbox[1] - anchor.bbox[3]) + abs(line.bbox[0] - anchor.bbox[0]) / 4
            else:
                if line.bbox[1] < page.height / 2:
                    continue
                dist = -line.bbox[1]
            candidates.append((dist, line, dates[0]))
        if candidates:
            _, line, iso = min(candidates, key=lambda c: c[0])
            put_sources(self.col, "issue_date", iso, [(page, line)])


def extract(source: InputFile, pages: list[Page]) -> Extraction:
    col = Collector(source.file)
    reader = _LicenceReader(col)
    for page in pages:
        reader.read(straighten(page))
    result = col.finish(BusinessLicence, FIELDS)
    # A pre-2015 licence has no credit code and a current one no 注册号: neither is unread.
    if "registration_number" in col.values or "credit_code" in col.values:
        result.unread.pop("credit_code", None)
        result.unread.pop("registration_number", None)
    return result
