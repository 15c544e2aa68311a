"""QR codes kept on pages by the reading stage: text-layer PDFs (rendered for their code),
scans (decoded where the OCR has the image) and OFD pictures; and the page cache key."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from pipeline.cache import PageCache
from pipeline.formats import detect_format
from pipeline.models import InputFile
from pipeline.pages import read_pages
from tests.qr.render import DIGITAL, PAYLOAD, page_with_code, qr_image
from tests.stages.builders import ofd_bytes, text_pdf


def _input(path: Path) -> InputFile:
    return InputFile(file=path.name, path=str(path), sha256="", size=0, format=detect_format(path))


def _invoice_pdf(path: Path, payload: str | None) -> Path:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=(595, 396), invariant=1)
    c.setFont("STSong-Light", 14)
    c.drawString(200, 360, "电子发票（普通发票）")
    c.setFont("STSong-Light", 10)
    c.drawString(380, 330, "发票号码：24432000000012345678")
    c.drawString(380, 315, "开票日期：2024年01月15日")
    c.drawString(40, 270, "购买方 名称：湖南星辰智能装备有限公司")
    c.drawString(400, 80, "价税合计（小写） ¥2000.00")
    if payload is not None:
        # 2 cm square at the top left, as the tax system prints it.
        c.drawImage(ImageReader(qr_image(payload, 232)), 20, 320, width=57, height=57)
    c.save()
    return path


def test_text_layer_invoice_pdf_gets_its_code(tmp_path: Path) -> None:
    pdf = _invoice_pdf(tmp_path / "dzfp.pdf", DIGITAL)
    (page,) = read_pages(_input(pdf), None)
    assert page.source == "text-layer"
    assert [c.text for c in page.codes] == [DIGITAL]
    x0, y0, x1, y1 = page.codes[0].bbox  # in pt, y down: the image lies at 20–77 × 19–76
    assert 15 < x0 < 35 and 15 < y0 < 35 and 60 < x1 < 80 and 60 < y1 < 80


def test_text_pages_without_pictures_are_not_rendered(tmp_path: Path) -> None:
    pdf = text_pdf(tmp_path / "a.pdf", [["资产负债表", "资产总计 110,201,500.00"]])
    (page,) = read_pages(_input(pdf), None)
    assert page.codes == []
    pdf = _invoice_pdf(tmp_path / "b.pdf", None)
    (page,) = read_pages(_input(pdf), None)
    assert page.codes == []


def test_scanned_invoice_code_read_with_ocr(tmp_path: Path) -> None:
    image = page_with_code(PAYLOAD, skew=1.2, blur=0.8, seal=True, jpeg=75)
    path = tmp_path / "专票扫描.jpg"
    Image.fromarray(image).save(path, "JPEG", quality=80, dpi=(200, 200))
    (page,) = read_pages(_input(path), None)
    assert page.source == "ocr"
    assert [c.text for c in page.codes] == [PAYLOAD]
    assert page.codes[0].bbox[2] < page.width / 3  # top left, in the page's pixels


def test_ofd_picture_code(tmp_path: Path) -> None:
    buf = io.BytesIO()
    qr_image(DIGITAL, 200).save(buf, "PNG")
    data = io.BytesIO(ofd_bytes())
    with zipfile.ZipFile(data, "a") as zf:
        zf.writestr("Doc_0/Res/image_80.png", buf.getvalue())
    path = tmp_path / "invoice.ofd"
    path.write_bytes(data.getvalue())
    pages = list(read_pages(_input(path), None))
    assert [c.text for c in pages[0].codes] == [DIGITAL]


def test_codes_are_cached_with_their_page(tmp_path: Path) -> None:
    # A page read again from the cache still carries its codes (the cache version names them).
    pages = list(read_pages(_input(_invoice_pdf(tmp_path / "dzfp.pdf", DIGITAL)), None))
    assert pages[0].codes
    cache = PageCache(tmp_path / "cache")
    cache.put("f" * 64, "engine", pages)
    again = cache.get("f" * 64, "engine")
    assert again is not None
    assert [c.text for c in again[0].codes] == [c.text for c in pages[0].codes]
