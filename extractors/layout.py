"""Page layout shared by the extractors: rows of lines, a skewed scan's lines turned level,
the box around several lines.

Works the same on PDF text layers (pt) and OCR lines (px): only relative positions are used.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from statistics import median

from pipeline.models import BBox, Line

_SPACE = re.compile(r"\s+")


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


_CJK_ONLY = re.compile(r"^[\u3400-\u9fff]+$")
# Widest gap, in character heights, between the letters of one spaced word: "项　　目" leaves two
# full-width spaces; a table's next column stands further off.
SPACED_GAP = 2.6


def join_spaced(cells: Sequence[Line]) -> list[Line]:
    """A row's cells with letter-spaced words put back together: "资　产　总　计" arrives from a
    text layer (or OCR) as four one-letter cells and matches no label until joined.

    Only Chinese letters join, and only where one side is a single letter and the gap is
    within SPACED_GAP character heights; numbers and longer words never do, so figures and
    neighbouring columns stay apart. `cells` must be one row, left to right.
    """
    out: list[Line] = []
    for cell in cells:
        prev = out[-1] if out else None
        if prev is not None and _spaced_pair(prev, cell):
            x0, y0, x1, y1 = prev.bbox
            out[-1] = Line(
                text=compact(prev.text) + compact(cell.text),
                bbox=(x0, min(y0, cell.bbox[1]), max(x1, cell.bbox[2]), max(y1, cell.bbox[3])),
                confidence=min(prev.confidence, cell.confidence),
            )
            continue
        out.append(cell)
    return out


def _spaced_pair(left: Line, right: Line) -> bool:
    a, b = compact(left.text), compact(right.text)
    if not (_CJK_ONLY.match(a) and _CJK_ONLY.match(b)):
        return False
    if len(b) != 1 and not (len(a) == 1 and len(b) <= 2):
        return False
    if len(a) > 1 and len(b) == 1 and not _ends_spaced(left):
        return False
    height = max(_height(left), _height(right))
    gap = right.bbox[0] - left.bbox[2]
    return -0.2 * height <= gap <= SPACED_GAP * height


def _ends_spaced(line: Line) -> bool:
    """Whether a joined cell came from spaced letters: wider than its letters set solid."""
    return (line.bbox[2] - line.bbox[0]) > 1.4 * len(compact(line.text)) * _height(line)


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


def union_bbox(lines: Iterable[Line]) -> BBox:
    boxes = [ln.bbox for ln in lines]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
