"""A PDF text layer's runs: the strings on a page, rebuilt from pdfium's characters.

pdfium's own text rectangles follow the text objects the producer wrote, and producers differ
in what an object holds: some draw every glyph as an object of its own, some cut a string
wherever its glyphs fall in another subset of an embedded TrueType font. A table cell then
arrives as a row of fragments (and their clipped texts), and no label matches. Here a run is
what a reader sees as one string: characters whose advance boxes (pdfium's loose boxes, a
glyph's whole em including its side bearings) touch on one line. Table cells stand apart by
their padding; pdfium's generated spaces mark gaps and are never part of a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.models import BBox

# Widest gap between two characters' advance boxes, in heights of the text, inside one run.
TOUCH_GAP = 0.2


@dataclass
class _Char:
    text: str
    box: BBox  # y down


def text_runs(textpage: Any, height: float) -> list[tuple[str, BBox]]:
    """(text, bbox) of each run on a pdfium text page, white space folded; boxes y down from
    the top of a page `height` pt high; lines from the top, each left to right."""
    import pypdfium2.raw as pdfium_c

    count = textpage.count_chars()
    if count <= 0:
        return []
    text = textpage.get_text_range(0, count)
    chars: list[_Char] = []
    for i in range(min(count, len(text))):
        ch = text[i]
        if pdfium_c.FPDFText_IsGenerated(textpage, i) == 1:
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        if right <= left or top <= bottom:
            continue  # a line break or a glyph with no extent
        chars.append(_Char(ch, (left, height - top, right, height - bottom)))
    runs: list[tuple[str, BBox]] = []
    for row in _rows(chars):
        row.sort(key=lambda c: c.box[0])
        current: list[_Char] = []
        for ch in row:
            if current and not _touches(current[-1].box, ch.box):
                runs += _run(current)
                current = []
            current.append(ch)
        runs += _run(current)
    return runs


def _run(chars: list[_Char]) -> list[tuple[str, BBox]]:
    text = " ".join("".join(c.text for c in chars).split())
    if not text:
        return []
    box = (
        min(c.box[0] for c in chars),
        min(c.box[1] for c in chars),
        max(c.box[2] for c in chars),
        max(c.box[3] for c in chars),
    )
    return [(text, box)]


def _rows(chars: list[_Char]) -> list[list[_Char]]:
    """Characters grouped by the band of height they share, top to bottom."""
    rows: list[list[_Char]] = []
    bands: list[tuple[float, float]] = []
    for ch in sorted(chars, key=lambda c: (c.box[1] + c.box[3]) / 2):
        top, bottom = ch.box[1], ch.box[3]
        mid = (top + bottom) / 2
        for i in range(len(rows) - 1, max(-1, len(rows) - 4), -1):
            b_top, b_bottom = bands[i]
            if b_top < mid < b_bottom:
                rows[i].append(ch)
                break
        else:
            rows.append([ch])
            bands.append((top, bottom))
    return rows


def _touches(left: BBox, right: BBox) -> bool:
    height = max(left[3] - left[1], right[3] - right[1], 0.1)
    gap = right[0] - left[2]
    return -0.5 * height <= gap <= TOUCH_GAP * height
