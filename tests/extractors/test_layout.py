"""Rows and skew in extractors/layout.py, shared by every extractor that reads a layout."""

from __future__ import annotations

import math

import pytest

from extractors.layout import join_spaced, level_boxes, rows
from pipeline.models import Line


def _line(text: str, x: float, y: float, w: float, h: float = 30.0) -> Line:
    return Line(text=text, bbox=(x, y, x + w, y + h))


def test_rows_follow_each_rows_band_and_keep_vertical_text_apart() -> None:
    lines = [
        _line("名称", 100, 100, 80),
        _line("湖南星辰智能装备有限公司", 300, 112, 400),  # printed a little low
        _line("类型", 100, 150, 80),
        _line("股份有限公司", 300, 152, 200),
        _line("购买方", 20, 90, 30, h=120),  # vertical text beside both rows
    ]
    texts = [[ln.text for ln in row] for row in rows(lines)]
    assert texts == [["名称", "湖南星辰智能装备有限公司"], ["购买方"], ["类型", "股份有限公司"]]
    assert rows([]) == []


def _turned(lines: list[Line], degrees: float) -> list[Line]:
    a = math.radians(degrees)
    out = []
    for ln in lines:
        x0, y0, x1, y1 = ln.bbox
        quad = [
            (x * math.cos(a) - y * math.sin(a), x * math.sin(a) + y * math.cos(a))
            for x, y in [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        ]
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        out.append(
            ln.model_copy(update={"bbox": (min(xs), min(ys), max(xs), max(ys)), "quad": quad})
        )
    return out


def test_level_boxes_turn_a_skewed_page_back() -> None:
    level = [_line(f"第{i}行的一段较长文字", 100, 100 + 50 * i, 400) for i in range(4)]
    boxes = level_boxes(_turned(level, 2.0))
    assert boxes is not None
    for box, ln in zip(boxes, level, strict=True):
        assert box == pytest.approx(ln.bbox, abs=1e-6)


def test_level_boxes_leave_level_pages_and_short_boxes_alone() -> None:
    level = [_line(f"第{i}行的一段较长文字", 100, 100 + 50 * i, 400) for i in range(4)]
    assert level_boxes(level) is None  # no quads: a text layer
    assert level_boxes(_turned(level, 0.05)) is None  # below the threshold
    assert level_boxes(_turned(level[:2], 2.0)) is None  # too few lines to tell
    short = [_line("名", 100, 100 + 50 * i, 40) for i in range(4)]
    assert level_boxes(_turned(short, 2.0)) is None  # short boxes say nothing


def _cell(text: str, x0: float, x1: float, h: float = 10.0) -> Line:
    return Line(text=text, bbox=(x0, 100.0, x1, 100.0 + h))


def test_join_spaced_puts_letter_spaced_words_back_together() -> None:
    # "资　产　总　计" set with full-width spaces: four one-letter words one em apart.
    row = [_cell(ch, 50 + 20 * i, 60 + 20 * i) for i, ch in enumerate("资产总计")]
    row += [_cell("1,234.56", 300, 340), _cell("1,000.00", 400, 440)]
    joined = join_spaced(row)
    assert [c.text for c in joined] == ["资产总计", "1,234.56", "1,000.00"]
    assert joined[0].bbox == (50, 100.0, 120, 110.0)


def test_join_spaced_keeps_columns_words_and_figures_apart() -> None:
    # A solid label and the next column's one-letter word far off; a 行次 figure; two words.
    row = [_cell("货币资金", 50, 90), _cell("一", 200, 210), _cell("3", 220, 226)]
    assert [c.text for c in join_spaced(row)] == ["货币资金", "一", "3"]
    # A solid two-letter word next to a one-letter word close by is not a spaced word.
    row = [_cell("存货", 50, 70), _cell("税", 75, 85)]
    assert [c.text for c in join_spaced(row)] == ["存货", "税"]
    # Two words of several letters never join, however close.
    row = [_cell("流动资产", 50, 90), _cell("合计", 95, 115)]
    assert [c.text for c in join_spaced(row)] == ["流动资产", "合计"]
