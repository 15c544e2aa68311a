"""Format detection by content: the file name never counts."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from PIL import Image

from pipeline.formats import detect_format, sniff, unsupported_reason
from tests.stages.builders import ofd_bytes, ole2_file, text_pdf, zip_bytes


def _image(fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, fmt, **kw)
    return buf.getvalue()


def _docx() -> bytes:
    buf = io.BytesIO()
    d = docx.Document()
    d.add_paragraph("申报书")
    d.save(buf)
    return buf.getvalue()


XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n<EInvoice><Header/></EInvoice>'

# (content, format, kind); every file is saved under a misleading name.
CASES: list[tuple[str, bytes, str, str]] = [
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pdf", "pdf"),
    ("pdf after junk", b"\r\n\x00garbage" + b"%PDF-1.4\n", "pdf", "pdf"),
    ("jpeg", _image("JPEG"), "jpeg", "jpeg"),
    ("png", _image("PNG"), "png", "png"),
    ("tiff little-endian", _image("TIFF"), "tiff", "tiff"),
    ("tiff big-endian", b"MM\x00*\x00\x00\x00\x08" + bytes(32), "tiff", "tiff"),
    ("bmp", _image("BMP"), "bmp", "bmp"),
    ("gif", _image("GIF"), "gif", "gif"),
    ("webp", _image("WEBP"), "webp", "webp"),
    ("docx", _docx(), "docx", "docx"),
    ("ofd", ofd_bytes(), "ofd", "ofd"),
    (
        "xlsx",
        zip_bytes({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<w/>"}),
        "unknown",
        "xlsx",
    ),
    ("pptx", zip_bytes({"ppt/presentation.xml": b"<p/>"}), "unknown", "pptx"),
    ("plain zip", zip_bytes({"营业执照.pdf": b"%PDF-1.4"}), "zip", "zip"),
    ("broken zip", b"PK\x03\x04" + bytes(60), "zip", "zip_broken"),
    ("xml with declaration", XML_DECL.encode(), "xml", "xml"),
    ("xml with BOM", b"\xef\xbb\xbf" + XML_DECL.encode(), "xml", "xml"),
    ("xml bare", "<发票><号码>123</号码></发票>".encode(), "xml", "xml"),
    ("xml utf-16", XML_DECL.replace("UTF-8", "UTF-16").encode("utf-16"), "xml", "xml"),
    ("html", b"<!DOCTYPE html><html><body>x</body></html>", "unknown", "html"),
    ("old word", ole2_file("WordDocument"), "unknown", "doc"),
    ("old excel", ole2_file("Workbook"), "unknown", "xls"),
    ("encrypted docx", ole2_file("EncryptedPackage"), "unknown", "encrypted_office"),
    ("bare ole2 header", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "unknown", "ole2"),
    ("mp4", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", "unknown", "video"),
    ("heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "unknown", "heic"),
    ("rar", b"Rar!\x1a\x07\x01\x00", "unknown", "rar"),
    ("text", "营业执照扫描件见附件".encode("gbk"), "unknown", "text"),
    ("binary", bytes(range(256)) * 4, "unknown", "unknown"),
    ("empty", b"", "unknown", "text"),
]


@pytest.mark.parametrize(("label", "data", "fmt", "kind"), CASES, ids=[c[0] for c in CASES])
def test_detected_by_content_not_name(
    tmp_path: Path, label: str, data: bytes, fmt: str, kind: str
) -> None:
    # The extension lies on purpose: a PDF called .jpg, a docx called .pdf …
    path = tmp_path / ("scan.jpg" if fmt == "pdf" else "附件.pdf")
    path.write_bytes(data)
    assert detect_format(path) == fmt
    assert sniff(path).kind == kind


def test_reportlab_pdf(tmp_path: Path) -> None:
    path = text_pdf(tmp_path / "a.docx", [["营业执照"]])
    assert detect_format(path) == "pdf"


def test_reasons_say_what_to_submit() -> None:
    assert unsupported_reason("doc") == "旧版 Word (.doc/.wps) 文件，请转换为 .docx 或 PDF"
    assert "请导出为 PDF" in unsupported_reason("xls")
    assert "请导出为 PDF" in unsupported_reason("xlsx")
    assert "视频" in unsupported_reason("video")
    assert "纯文本" in unsupported_reason("text")
    assert unsupported_reason("no such kind") == unsupported_reason("unknown")
