"""Reading fields off a page by layout: rows of lines, a label and the value beside or below it.

Works the same on PDF text layers (pt) and OCR lines (px): only relative positions are used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median

from pipeline.models import BBox, Line, Page

_SPACE = re.compile(r"\s+")
_LEAD = re.compile(r"^[\s:：;；,，.。、|]+")


def compact(text: str) -> str:
    return _SPACE.sub("", text)


def _height(line: Line) -> float:
    return max(line.bbox[3] - line.bbox[1], 1.0)


def _center_y(line: Line) -> float:
    return (line.bbox[1] + line.bbox[3]) / 2


def rows(lines: Iterable[Line], tolerance: float = 0.5) -> list[list[Line]]:
    """Lines grouped into visual rows (vertical centres within `tolerance` × line height), left to right."""
    items = sorted(lines, key=_center_y)
    if not items:
        return []
    typical = median(_height(ln) for ln in items)
    out: list[list[Line]] = []
    for line in items:
        if out and abs(_center_y(line) - _center_y(out[-1][0])) <= tolerance * typical:
            out[-1].append(line)
        else:
            out.append([line])
    return [sorted(row, key=lambda ln: ln.bbox[0]) for row in out]


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
