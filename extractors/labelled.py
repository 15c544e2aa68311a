"""Text with provenance: labels found in rows of OCR or text-layer lines, and the text each owns.

Shared by the extractors that read labelled values off a page (licence, tax certificate,
contract). OCR gives a label and its value in one line ("名称湖南星辰…"), in separate boxes,
or a label split into boxes ("名" … "称"); landscape layouts put two label/value pairs on a
row. `LabelledPage` finds labels in each row's text and gives every other piece of text to the
label that owns it by position: a value ends at the next label, wrapped lines join theirs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from extractors.base import Collector
from extractors.layout import corners, level_boxes, rows
from pipeline.models import BBox, Line, Page

STOP = "_stop"

# ---- text traced back to its lines ------------------------------------------------------

# One character for one character, so that indexes into the canonical text stay valid:
# full-width digits and letters to ASCII, ASCII brackets and colons to the full-width ones
# of Chinese text. Chinese punctuation (，；。) stays as it is.
_HALF_ALNUM = {
    code: code - 0xFEE0
    for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
}
_CANON = dict(_HALF_ALNUM)
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

    def same_line(self, i: int, j: int) -> bool:
        a, b = self.src[i], self.src[j]
        return a is not None and b is not None and a[1] is b[1]


def straighten(page: Page) -> Page:
    """The page with its lines turned level when the scan is skewed (see `level_boxes`).

    Each line keeps the quad the OCR read (its box's corners if it had none), so evidence
    still points at the scan (see `evidence_box`).
    """
    boxes = level_boxes(page.lines)
    if boxes is None:
        return page
    lines = [
        line.model_copy(update={"bbox": level, "quad": corners(line)})
        for line, level in zip(page.lines, boxes, strict=True)
    ]
    return page.model_copy(update={"lines": lines})


def split_vertical_runs(page: Page, chars: set[str]) -> Page:
    """Labels printed with spaced characters, one above the other, come back from OCR as one
    tall box per column ("名类住" beside "称型所"): such a box, much taller than wide and made
    only of label characters, is read as one line per character, stacked, so that 名 and 称
    meet again in their row."""
    out: list[Line] = []
    changed = False
    for line in page.lines:
        text = canon(line.text)
        x0, y0, x1, y1 = line.bbox
        if (y1 - y0) > 1.5 * (x1 - x0) and text and all(ch in chars for ch in text):
            if len(text) == 1:
                # One spaced character in a padded box: squared about its centre, so that
                # rows take it for a character of a line, not for vertical text.
                mid, half = (y0 + y1) / 2, (x1 - x0) / 2
                y0, y1 = mid - half, mid + half
            step = (y1 - y0) / len(text)
            for i, ch in enumerate(text):
                box: BBox = (x0, y0 + i * step, x1, y0 + (i + 1) * step)
                quad = [(box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])]
                out.append(Line(text=ch, bbox=box, confidence=line.confidence, quad=quad))
            changed = True
        else:
            out.append(line)
    return page.model_copy(update={"lines": out}) if changed else page


def evidence_box(line: Line) -> BBox:
    """Where the line stands on the page as read (its OCR quad, if straightened)."""
    if not line.quad:
        return line.bbox
    xs = [p[0] for p in line.quad]
    ys = [p[1] for p in line.quad]
    return (min(xs), min(ys), max(xs), max(ys))


def printed(value: str, sources: Sequence[Source]) -> str:
    """A canonical value as the page prints it ("（191）湘税证123" → "(191)湘税证 123"), when it
    stands within one line; else the canonical value. For numbers quoted to people."""
    if not value:
        return value
    variants: dict[str, set[str]] = {}
    for code, target in _CANON.items():
        variants.setdefault(chr(target), set()).add(chr(code))
    pattern = r"\s*".join(
        "[" + "".join(re.escape(c) for c in sorted({ch, *variants.get(ch, set())})) + "]"
        for ch in value
    )
    for _, line in sources:
        m = re.search(pattern, line.text)
        if m:
            return _SPACE.sub(" ", m.group(0)).translate(_HALF_ALNUM)
    return value


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
        # Characters of labels: what a vertical run of spaced labels is made of.
        self.chars = {ch for lab, _ in self.items for ch in lab}

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


def tidy(text: str) -> str:
    """A free-text value as printed: no white space, brackets and Chinese punctuation unified."""
    text = canon(text).lstrip(SEPARATORS).rstrip(TRAILING)
    return _ASCII_PUNCT.sub(lambda m: _PUNCT_WIDE[m.group(1) or m.group(2)], text)


_UPPER_RUN = re.compile(r"[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整正]{2,}")
_UPPER_DIGITS = set("壹贰叁肆伍陆柒捌玖")


def upper_words(text: str) -> tuple[int, int] | None:
    """Where the first 大写 amount in a text is (a run of 万元 alone is not one)."""
    for m in _UPPER_RUN.finditer(text):
        if _UPPER_DIGITS & set(m.group(0)):
            return m.start(), m.end()
    return None


def line_height(lines: Sequence[Line]) -> float:
    heights = sorted(ln.bbox[3] - ln.bbox[1] for ln in lines)
    return max(heights[len(heights) // 2], 1.0) if heights else 1.0


@dataclass
class Part:
    """One piece of a label's value: text within one OCR line, and where it stands."""

    text: str
    sources: list[Source]
    top: float
    bottom: float
    x0: float


@dataclass
class Value:
    """What a label owns: the text right of it and the lines it runs on to, with evidence;
    `parts` are its pieces top to bottom, for extractors that choose among them by shape."""

    name: str
    text: str
    sources: list[Source]
    parts: list[Part] = field(default_factory=list)
    top: float = 0.0  # the label's box
    bottom: float = 0.0
    x0: float = 0.0


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
            parts = [Part(p.text, p.sources, p.top, p.bottom, p.x0) for p in pieces]
            out.append(Value(label.name, text, sources, parts, label.top, label.bottom, label.x0))
        return out


def field_labels(data: Mapping[str, Any]) -> Labels:
    """The `[fields]` table of an extractor's vocabulary plus its `[stop]` labels."""
    by_name: dict[str, list[str]] = {k: list(v) for k, v in data["fields"].items()}
    by_name[STOP] = list(data["stop"]["labels"])
    return Labels(by_name)
