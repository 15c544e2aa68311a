"""Pages read without OCR: PDF text layers, Word, OFD, XML, and files that cannot be read."""

from __future__ import annotations

from pathlib import Path

import docx
import numpy as np
import pytest

from pipeline.errors import UnreadableFile
from pipeline.formats import detect_format
from pipeline.models import DocxPayload, InputFile, Line, OfdPayload, XmlPayload
from pipeline.pages import (
    Raster,
    group_lines,
    page_settings,
    pages_and_rasters,
    read_pages,
    render_page,
    text_layer_usable,
    text_quality,
)
from tests.stages.builders import image_pdf, ofd_bytes, text_image, text_pdf, zip_bytes

AUDIT = [
    "资产负债表",
    "编制单位：湖南星辰智能装备有限公司 2018年12月31日 单位：元",
    "资产总计 110,201,500.00 98,765,432.10",
    "负债合计 49,800,000.00 45,000,000.00",
    "统一社会信用代码：91430100MA4L0ABC12",
]


def _input(path: Path) -> InputFile:
    return InputFile(file=path.name, path=str(path), sha256="", size=0, format=detect_format(path))


def test_pdf_text_layer_read_back_exactly(tmp_path: Path) -> None:
    pdf = text_pdf(tmp_path / "审计报告.pdf", [AUDIT, ["利润表", "营业收入 88,001,234.56"]])
    # No OCR engine at all (None): a page that needed one could not be read. Its speed is in
    # benchmarks/cheap_paths.py, not asserted here.
    pages = list(read_pages(_input(pdf), None))
    assert [p.number for p in pages] == [1, 2]
    first = pages[0]
    assert first.source == "text-layer" and first.unit == "pt" and first.engine is None
    assert (round(first.width), round(first.height)) == (595, 842)
    assert [line.text for line in first.lines] == AUDIT
    assert [line.text for line in pages[1].lines] == ["利润表", "营业收入 88,001,234.56"]
    # y grows downwards in the order of the lines; the first line starts at x = 72 pt.
    tops = [line.bbox[1] for line in first.lines]
    assert tops == sorted(tops) and abs(first.lines[0].bbox[0] - 72) < 1
    # The words are the strings a reader sees (pipeline/text_runs.py), each with its own box.
    assert "".join(w.text for w in first.words).replace(" ", "") == "".join(AUDIT).replace(" ", "")
    assert all(0 <= w.bbox[0] < w.bbox[2] <= first.width for w in first.words)


def test_text_layer_of_an_owner_locked_pdf(tmp_path: Path) -> None:
    # Encrypted with an empty user password (no copying allowed): pdfminer returns (cid:n)
    # garbage here, pdfium's own text is used instead of OCR.
    from reportlab.lib import pdfencrypt

    locked = pdfencrypt.StandardEncryption("", ownerPassword="owner", canCopy=0)
    pdf = text_pdf(tmp_path / "locked.pdf", [AUDIT], encrypt=locked)
    (page,) = read_pages(_input(pdf), None)
    assert page.source == "text-layer"
    assert [line.text for line in page.lines] == AUDIT


def test_encrypted_and_truncated_pdfs_are_unreadable(tmp_path: Path) -> None:
    encrypted = text_pdf(tmp_path / "enc.pdf", [AUDIT], encrypt="secret")
    with pytest.raises(UnreadableFile, match="PDF 文件已加密，无法读取"):
        list(read_pages(_input(encrypted), None))
    whole = text_pdf(tmp_path / "whole.pdf", [AUDIT, AUDIT]).read_bytes()
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(whole[: len(whole) * 2 // 3])
    with pytest.raises(UnreadableFile, match="PDF 文件已损坏"):
        list(read_pages(_input(truncated), None))
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n")
    with pytest.raises(UnreadableFile, match="PDF 文件已损坏"):
        list(read_pages(_input(garbage), None))


def test_text_quality_rejects_garbled_layers() -> None:
    settings = page_settings()

    def usable(text: str, cover: float = 0.0) -> bool:
        return text_layer_usable([Line(text=text, bbox=(0, 0, 1, 1))], cover, settings)

    assert text_quality("资产总计 110,201,500.00") == (15, 0)
    assert usable("资产总计 110,201,500.00")
    assert not usable("(cid:4239)(cid:4156)(cid:4531)(cid:12)" * 5)
    assert not usable("\ue001\ue002\ue003资产总计")  # private-use glyphs
    assert not usable("ÕÅ¹«Ë¾Ãû³Æ£ºÕÅÈý ÓÐÏÞ¹«Ë¾")  # GBK read as Latin-1
    assert not usable("第1页")  # too little text
    # A page that is one big picture needs more than a watermark line.
    assert not usable("扫描全能王 CamScanner 创建", cover=0.95)
    assert usable("资产负债表 " + "资产总计 110,201,500.00 " * 3, cover=0.95)


def test_group_lines() -> None:
    words = [
        ("金额", (300.0, 101.0, 330.0, 113.0)),
        ("名称：", (72.0, 100.0, 100.0, 112.0)),
        ("湖南星辰", (102.0, 100.5, 150.0, 112.5)),
        ("第二行", (72.0, 130.0, 110.0, 142.0)),
    ]
    lines = group_lines(words)
    assert [line.text for line in lines] == ["名称： 湖南星辰 金额", "第二行"]
    assert lines[0].bbox == (72.0, 100.0, 330.0, 113.0)


def test_docx_paragraphs_and_table_rows(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("“上云上平台”标杆企业申报书")
    d.add_paragraph("")
    table = d.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "企业基本情况"
    table.cell(1, 0).text = "企业名称"
    table.cell(1, 1).merge(table.cell(1, 2)).text = "湖南星辰智能装备有限公司"
    table.cell(2, 0).text = "成立时间"
    table.cell(2, 1).text = "2012年3月"
    d.add_paragraph("项目总体描述：企业上云")
    path = tmp_path / "申报书.pdf"  # misnamed on purpose
    d.save(str(path))
    (page,) = read_pages(_input(path), None)
    assert page.source == "docx" and page.unit == "para" and page.number == 1
    assert [line.text for line in page.lines] == [
        "“上云上平台”标杆企业申报书",
        "企业基本情况",
        "企业名称 | 湖南星辰智能装备有限公司",
        "成立时间 | 2012年3月 | ",
        "项目总体描述：企业上云",
    ]
    assert [line.bbox for line in page.lines[:2]] == [(0, 0, 1, 1), (0, 1, 1, 2)]
    # The grid: a merged cell once, with the grid columns it spans.
    assert isinstance(page.payload, DocxPayload)
    assert page.payload.paragraphs == ["“上云上平台”标杆企业申报书", "项目总体描述：企业上云"]
    grid = [[(c.text, c.col, c.span) for c in row.cells] for row in page.payload.rows]
    assert grid == [
        [("企业基本情况", 0, 3)],
        [("企业名称", 0, 1), ("湖南星辰智能装备有限公司", 1, 2)],
        [("成立时间", 0, 1), ("2012年3月", 1, 1), ("", 2, 1)],
    ]


def test_ofd_text_read_natively(tmp_path: Path) -> None:
    path = tmp_path / "发票.ofd"
    path.write_bytes(ofd_bytes())
    (page,) = read_pages(_input(path), None)
    assert page.source == "xml" and page.unit == "pt" and page.engine is None
    assert round(page.width) == 595 and round(page.height) == 397  # 210 × 140 mm
    texts = [line.text for line in page.lines]
    # Template labels and page values on one line, in reading order.
    assert texts == ["电子发票（普通发票）", "名称： 湖南星辰智能装备有限公司", "¥1060.00"]
    name_line = page.lines[1]
    assert abs(name_line.bbox[0] - 10 * 72 / 25.4) < 0.1
    # Each text code a word, with the font size the OFD gives (3.5 mm = 9.92 pt).
    sizes = {w.text: w.size for w in page.words}
    assert sizes["湖南星辰智能装备有限公司"] == round(3.5 * 72 / 25.4, 2)
    # The package's own parts and the page's ID'd text objects ride on page 1.
    assert isinstance(page.payload, OfdPayload)
    assert {"OFD.xml", "Doc_0/Document.xml"} <= set(page.payload.parts)
    assert not any(n.endswith("Content.xml") for n in page.payload.parts)
    assert {o.id: o.text for o in page.payload.text_objects} == {
        "7": "湖南星辰智能装备有限公司",
        "8": "¥1060.00",
    }


def test_pages_and_rasters_leave_the_ocr_to_the_caller(tmp_path: Path) -> None:
    """Text pages come read; a scan comes as the raster to OCR, which render_page makes
    again pixel for pixel (report crops are cut from it)."""
    text = _input(
        text_pdf(tmp_path / "审计报告.pdf", [AUDIT, ["利润表", "营业收入 88,001,234.56"]])
    )
    assert list(pages_and_rasters(text)) == list(read_pages(text, None))

    scan = text_image()
    pdf = _input(image_pdf(tmp_path / "scan0001.pdf", scan, dpi=200))
    (raster,) = pages_and_rasters(pdf)
    assert isinstance(raster, Raster) and (raster.file, raster.number) == (pdf.file, 1)
    assert raster.dpi == 200 and raster.image.shape == (scan.height, scan.width, 3)
    assert np.array_equal(render_page(pdf, 1, raster.dpi).image, raster.image)

    tiff = tmp_path / "两页.tif"
    grey = scan.convert("L")
    grey.save(tiff, "TIFF", save_all=True, append_images=[grey.rotate(180)], dpi=(300, 300))
    frames = list(pages_and_rasters(_input(tiff)))
    assert [(r.number, r.dpi) for r in frames if isinstance(r, Raster)] == [(1, 300), (2, 300)]
    second = render_page(_input(tiff), 2)
    assert isinstance(frames[1], Raster) and np.array_equal(second.image, frames[1].image)
    with pytest.raises(UnreadableFile, match="没有第 3 页"):
        render_page(pdf, 3)


def test_xml_invoice(tmp_path: Path) -> None:
    path = tmp_path / "数电票.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<EInvoice xmlns="urn:x"><Header>'
        "<InvoiceNumber>24432000000012345678</InvoiceNumber></Header><Buyer>"
        "<BuyerName>湖南星辰智能装备有限公司</BuyerName><Empty/></Buyer></EInvoice>",
        encoding="utf-8",
    )
    (page,) = read_pages(_input(path), None)
    assert page.source == "xml"
    assert [line.text for line in page.lines] == [
        "InvoiceNumber: 24432000000012345678",
        "BuyerName: 湖南星辰智能装备有限公司",
    ]
    assert isinstance(page.payload, XmlPayload) and page.payload.root is not None
    tree = [(el.tag, el.text) for el in page.payload.root.iter()]
    assert tree[0][0] == "EInvoice" and ("BuyerName", "湖南星辰智能装备有限公司") in tree


def test_damaged_files_raise_unreadable(tmp_path: Path) -> None:
    cases = {
        "a.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        "b.docx": zip_bytes({"word/document.xml": b"<not-word/>"}),
        "c.xml": b"<?xml version='1.0'?><a><b></a>",
        "d.ofd": zip_bytes(
            {"OFD.xml": b"<OFD><DocBody><DocRoot>missing.xml</DocRoot></DocBody></OFD>"}
        ),
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(UnreadableFile):
            list(read_pages(_input(path), None))


def test_archive_has_no_pages(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    path.write_bytes(zip_bytes({"x.pdf": b"%PDF"}))
    assert list(read_pages(_input(path), None)) == []


def test_fake_bold_text_is_read_once(tmp_path: Path) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "bold.pdf"
    c = canvas.Canvas(str(path), invariant=1)
    c.setFont("STSong-Light", 14)
    for dx in (0, 0.3):  # drawn twice, a hair apart, as some tools fake bold
        c.drawString(72 + dx, 700, "资产负债表（合并）")
    c.drawString(72, 670, "资产总计 110,201,500.00")
    c.save()
    (page,) = read_pages(_input(path), None)
    assert [line.text for line in page.lines] == ["资产负债表（合并）", "资产总计 110,201,500.00"]


def test_searchable_scan_uses_its_invisible_text(tmp_path: Path) -> None:
    # A scanner's "searchable PDF": a page-sized picture under invisible OCR text.
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "searchable.pdf"
    c = canvas.Canvas(str(path), pagesize=(595, 842), invariant=1)
    c.drawImage(ImageReader(Image.new("RGB", (200, 280), "white")), 0, 0, width=595, height=842)
    text = c.beginText(72, 760)
    text.setTextRenderMode(3)  # invisible
    text.setFont("STSong-Light", 12)
    for line in AUDIT:
        text.textLine(line)
    c.drawText(text)
    c.save()
    (page,) = read_pages(_input(path), None)
    assert page.source == "text-layer"
    assert [line.text for line in page.lines] == AUDIT
