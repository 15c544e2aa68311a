"""Reading fields off a page by layout: rows of lines, a skewed scan's lines turned level, a
label and the value beside or below it.

Works the same on PDF text layers (pt) and OCR lines (px): only relative positions are used.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import median

from pipeline.models import BBox, Line, Page

_SPACE = re.compile(r"\s+")
_LEAD = re.compile(r"^[\s:：;；,，.。、|]+")


def compact(text: str) -> str:
    return _SPACE.sub("", text)


def _height(line: Line) -> float:
    return max(line.bbox[3] - line.bbox[1], 1.0)


def rows(lines: Iterable[Line]) -> list[list[Line]]:
    """Lines grouped into visual rows, top to bottom, each left to right: a line joins the row
    whose band (the median top and bottom of its lines) it overlaps by half its height.

    Sturdier than comparing centres with a row's first line: the form's side text and a
    misaligned print (paper invoices) do not drag a row away. Vertical text (a box much
    taller than wide, like 购买方 beside its block) stands in a row of its own.
    """
    lines = list(lines)
    if not lines:
        return []
    typical = median(_height(ln) for ln in lines)

    def tall(ln: Line) -> bool:
        h = ln.bbox[3] - ln.bbox[1]
        return h > 1.8 * typical and h > 1.5 * (ln.bbox[2] - ln.bbox[0])

    out: list[list[Line]] = []
    bands: list[tuple[float, float]] = []
    for ln in sorted((ln for ln in lines if not tall(ln)), key=lambda ln: ln.bbox[1] + ln.bbox[3]):
        top, bottom = ln.bbox[1], ln.bbox[3]
        best: tuple[float, int] | None = None
        for i in range(max(0, len(out) - 3), len(out)):
            b_top, b_bottom = bands[i]
            overlap = min(bottom, b_bottom) - max(top, b_top)
            share = overlap / max(min(bottom - top, b_bottom - b_top), 1.0)
            if share >= 0.5 and (best is None or share > best[0]):
                best = (share, i)
        if best is None:
            out.append([ln])
            bands.append((top, bottom))
            continue
        row = out[best[1]]
        row.append(ln)
        bands[best[1]] = (median(x.bbox[1] for x in row), median(x.bbox[3] for x in row))
    out += [[ln] for ln in lines if tall(ln)]
    order = sorted(
        range(len(out)), key=lambda i: sum(x.bbox[1] + x.bbox[3] for x in out[i]) / len(out[i])
    )
    return [sorted(out[i], key=lambda ln: ln.bbox[0]) for i in order]


MIN_SKEW = 0.002  # slope below which a page is taken as level (0.1°)
MIN_SKEW_LINES = 3


def level_boxes(lines: Sequence[Line]) -> list[BBox] | None:
    """Each line's box in coordinates turned so that the page's text runs level; None when
    the page is level or its skew cannot be told.

    Rows and columns are found on level boxes: a skewed table's rows otherwise run into each
    other. The angle is the median slope of the top edges of the OCR quads of lines longer
    than twice their height; a line without a quad is turned by its box's corners.
    """
    slopes = []
    for line in lines:
        q = line.quad
        if q and len(q) == 4 and q[1][0] - q[0][0] > 2 * (line.bbox[3] - line.bbox[1]):
            slopes.append((q[1][1] - q[0][1]) / (q[1][0] - q[0][0]))
    if len(slopes) < MIN_SKEW_LINES:
        return None
    slope = sorted(slopes)[len(slopes) // 2]
    if abs(slope) < MIN_SKEW:
        return None
    angle = math.atan(slope)
    cos, sin = math.cos(angle), math.sin(angle)
    boxes = []
    for line in lines:
        xs = [x * cos + y * sin for x, y in corners(line)]
        ys = [y * cos - x * sin for x, y in corners(line)]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    return boxes


def corners(line: Line) -> list[tuple[float, float]]:
    """The line's OCR quad, or its box's corners (clockwise from the top left)."""
    x0, y0, x1, y1 = line.bbox
    return list(line.quad) if line.quad else [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def row_text(row: list[Line], sep: str = " ") -> str:
    return sep.join(ln.text for ln in row)


def union_bbox(lines: Iterable[Line]) -> BBox:
    boxes = [ln.bbox for ln in lines]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


@dataclass
class Hit:
    """A value read next to a label: its text, and the lines it came from (for evidence)."""

    text: str
    lines: list[Line]
    page: Page

    @property
    def bbox(self) -> BBox:
        return union_bbox(self.lines)

    @property
    def evidence_text(self) -> str:
        return " ".join(ln.text for ln in self.lines)

    @property
    def confidence(self) -> float:
        return min(ln.confidence for ln in self.lines)


def find_label(page: Page, labels: Iterable[str]) -> tuple[Line, str] | None:
    """The first line (top to bottom) containing one of `labels`, white space ignored."""
    wanted = [compact(lab) for lab in labels]
    for row in rows(page.lines):
        for line in row:
            text = compact(line.text)
            for lab in wanted:
                if lab and lab in text:
                    return line, lab
    return None


def after_label(text: str, label: str) -> str:
    """What follows `label` in a line of text, without separators."""
    flat = compact(text)
    idx = flat.find(compact(label))
    if idx < 0:
        return ""
    return _LEAD.sub("", flat[idx + len(compact(label)) :])


def value_right(page: Page, labels: Iterable[str], max_gap: float = 8.0) -> Hit | None:
    """The value on the label's own line, or in the next line to its right in the same row.

    `max_gap` is in line heights: a value further right belongs to another column.
    """
    found = find_label(page, labels)
    if found is None:
        return None
    line, label = found
    inline = after_label(line.text, label)
    if inline:
        return Hit(text=inline, lines=[line], page=page)
    for row in rows(page.lines):
        if line not in row:
            continue
        right = [ln for ln in row if ln.bbox[0] >= line.bbox[2] - 1]
        if right:
            nxt = right[0]
            if nxt.bbox[0] - line.bbox[2] <= max_gap * _height(line):
                return Hit(text=_LEAD.sub("", nxt.text.strip()), lines=[line, nxt], page=page)
    return None


def value_below(page: Page, labels: Iterable[str]) -> Hit | None:
    """The first line under the label that overlaps it horizontally."""
    found = find_label(page, labels)
    if found is None:
        return None
    line, _ = found
    below = [
        ln
        for ln in page.lines
        if ln.bbox[1] >= line.bbox[3] - 1
        and ln.bbox[0] < line.bbox[2]
        and ln.bbox[2] > line.bbox[0]
    ]
    if not below:
        return None
    nxt = min(below, key=lambda ln: ln.bbox[1])
    return Hit(text=nxt.text.strip(), lines=[line, nxt], page=page)


def lines_matching(
    pages: Iterable[Page], pattern: re.Pattern[str]
) -> Iterable[tuple[Page, Line, re.Match[str]]]:
    """Every (page, line, match) where `pattern` matches the line with white space removed."""
    for page in pages:
        for line in page.lines:
            m = pattern.search(compact(line.text))
            if m:
                yield page, line, m
