"""Text runs of PDF text layers written by producers that cut their strings apart."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from pipeline.pages import pdfium_text_runs

FONT = "STSong-Light"
TTF = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
CELLS = [(60.0, "资产总计"), (300.0, "1,234,567.89"), (450.0, "（或股东权益）合计")]


def _pdf(font: str, per_glyph: bool, reverse: bool = False) -> bytes:
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(595, 842), invariant=1)
    canvas.setFont(font, 9)
    for x, text in CELLS:
        if not per_glyph:
            canvas.drawString(x, 700, text)
            continue
        # Every glyph its own text object, drawn in any order (as some exporters do).
        placed = []
        for ch in text:
            placed.append((x, ch))
            x += pdfmetrics.stringWidth(ch, font, 9)
        for gx, ch in reversed(placed) if reverse else placed:
            canvas.drawString(gx, 700, ch)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _runs(data: bytes) -> list[str]:
    doc = pdfium.PdfDocument(data)
    try:
        page = doc[0]
        return [text for text, _ in pdfium_text_runs(page, page.get_height())]
    finally:
        doc.close()


def test_whole_strings_are_one_run_each() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    assert _runs(_pdf(FONT, per_glyph=False)) == [t for _, t in CELLS]


def test_one_object_per_glyph_in_any_order_reads_as_the_strings() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    assert _runs(_pdf(FONT, per_glyph=True)) == [t for _, t in CELLS]
    assert _runs(_pdf(FONT, per_glyph=True, reverse=True)) == [t for _, t in CELLS]


def test_embedded_truetype_subsets_do_not_cut_a_string() -> None:
    # reportlab writes a string in one text object per 256-glyph subset of the font.
    pdfmetrics.registerFont(TTFont("WQY", str(TTF), subfontIndex=0))
    assert _runs(_pdf("WQY", per_glyph=False)) == [t for _, t in CELLS]
    assert _runs(_pdf("WQY", per_glyph=True, reverse=True)) == [t for _, t in CELLS]
