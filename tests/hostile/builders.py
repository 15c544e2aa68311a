"""Hostile and broken inputs, built on the fly: nothing here is committed as a file.

Every builder returns bytes (or writes one file) and stays small on disk, even when the
content it describes is huge (a 20000×20000 image, a zip that expands past the limit).
"""

from __future__ import annotations

import io
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from tests.stages.builders import ole2_file, png_bytes, text_image, text_pdf, zip_bytes
from tests.unit.docx_builder import build_form

__all__ = [
    "INVOICE",
    "big_png",
    "broken_xref_pdf",
    "build_form",
    "encrypted_member_zip",
    "image_bytes",
    "invoice_pdf",
    "lying_size_zip",
    "many_pages_pdf",
    "mp4_bytes",
    "nested_zip",
    "pdf_stream_bomb",
    "ole2_file",
    "png_bytes",
    "symlink_member_zip",
    "text_image",
    "text_pdf",
    "unrepairable_pdf",
    "zip_bytes",
    "zip_of",
]

# An e-invoice as its text layer reads; the classifier needs nothing more.
INVOICE = [
    "电子发票（增值税专用发票）",
    "发票号码：24432000000012345678 开票日期：2018年05月20日",
    "购买方 名称：湖南星辰智能装备有限公司",
    "销售方 名称：长沙云智信息技术有限公司",
    "项目名称 *信息技术服务*工业互联网平台服务费 税率 6% 税额 60.00",
    "价税合计（大写） 壹仟零陆拾圆整 （小写）¥1060.00",
]


def invoice_pdf(path: Path) -> bytes:
    """A good text-layer PDF: an invoice that must still be read beside the hostile files."""
    return text_pdf(path, [INVOICE]).read_bytes()


def broken_xref_pdf(whole: bytes) -> bytes:
    """Every cross-reference offset off by 7 bytes and startxref pointing nowhere.

    The objects themselves are intact: a reader that rebuilds the xref (pdfium does) reads
    the file; one that trusts the table does not."""
    shifted = re.sub(rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m[1]) + 7), whole)
    cut = shifted.rfind(b"startxref")
    return shifted[:cut] + b"startxref\n999999\n%%EOF\n"


def unrepairable_pdf(whole: bytes) -> bytes:
    """The xref table and trailer replaced by an empty trailer: no catalogue to rebuild from."""
    cut = whole.find(b"xref")
    return whole[:cut] + b"trailer\n<<>>\nstartxref\n0\n%%EOF\n"


def many_pages_pdf(path: Path, pages: int) -> Path:
    """`pages` tiny pages, each with a short text layer (no OCR needed), made quickly."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=(120, 40), invariant=1)
    for n in range(1, pages + 1):
        c.setFont("STSong-Light", 6)
        c.drawString(4, 20, f"空白页 第{n:04d}页 共{pages}页")
        c.showPage()
    c.save()
    return path


def pdf_stream_bomb(inflated: int, filler: bytes = b" ") -> bytes:
    """A one-page PDF whose content stream inflates to `inflated` bytes (`filler` repeated
    after one line of text): about inflated / 1000 bytes on disk."""
    packer = zlib.compressobj(9)
    parts = [packer.compress(b"BT /F1 12 Tf 72 720 Td (Hello world bomb) Tj ET\n")]
    block = filler * ((1 << 20) // len(filler))
    for _ in range(inflated >> 20):
        parts.append(packer.compress(block))
    content = b"".join(parts) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
        + content
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def image_bytes(fmt: str, size: tuple[int, int] = (240, 90), **save_args: object) -> bytes:
    buf = io.BytesIO()
    text_image(["营业执照"], size=size, font_size=30).save(buf, fmt, **save_args)
    return buf.getvalue()


def big_png(width: int, height: int, rgb: bool = False) -> bytes:
    """A white PNG of width×height pixels, 1-bit (or 8-bit RGB), written row by row: a few
    KB (or a few hundred KB) on disk however many pixels it has."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    # Each row: filter byte "none", then white pixels.
    row = b"\x00" + b"\xff" * (width * 3 if rgb else (width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    depth, colour = (8, 2) if rgb else (1, 0)
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def mp4_bytes() -> bytes:
    """The start of an MP4 video: an ftyp box and an empty mdat."""
    ftyp = struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00" + b"isommp41"
    return ftyp + struct.pack(">I", 8) + b"mdat"


def zip_of(members: Sequence[tuple[str, bytes]]) -> bytes:
    """A zip keeping names exactly as given (`../x`, `/etc/x`, `C:\\x`), stored in order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, (2018, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def nested_zip(levels: Sequence[str], leaf: tuple[str, bytes]) -> bytes:
    """levels = ["b.zip", "c.zip"] → a zip holding b.zip holding c.zip holding the leaf."""
    data = zip_of([leaf])
    for name in reversed(levels):
        data = zip_of([(name, data)])
    return data


def _patch_headers(data: bytes, patch: dict[int, tuple[str, int]]) -> bytes:
    """Rewrite fields of every local header (PK\\3\\4) and central entry (PK\\1\\2).

    `patch` maps the field offset inside the local header to (struct format, value); the
    central directory has the same fields 4 bytes further on (after "version made by")."""
    out = bytearray(data)
    for sig, shift in ((b"PK\x03\x04", 0), (b"PK\x01\x02", 2)):
        start = 0
        while (pos := out.find(sig, start)) >= 0:
            for offset, (fmt, value) in patch.items():
                struct.pack_into(fmt, out, pos + offset + shift, value)
            start = pos + 4
    return bytes(out)


def lying_size_zip(real_size: int, declared: int) -> bytes:
    """One member that inflates to `real_size` zeros while its headers declare `declared`."""
    data = zip_of([("说明.pdf", bytes(real_size))])
    # uncompressed size: offset 22 in the local header, 24 in the central one.
    return _patch_headers(data, {22: ("<I", declared)})


def encrypted_member_zip() -> bytes:
    """A member flagged as encrypted (general purpose bit 0), as WinZip/7-Zip write them."""
    data = zip_of([("加密附件.pdf", b"%PDF-1.4\n" + bytes(64))])
    flags = struct.unpack_from("<H", data, 6)[0]
    return _patch_headers(data, {6: ("<H", flags | 0x1)})


def symlink_member_zip(target: str) -> bytes:
    """A member that is a Unix symbolic link to `target` (Info-ZIP stores links this way)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("链接.pdf", (2018, 1, 1, 0, 0, 0))
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, target)
        zf.writestr(zipfile.ZipInfo("正常.txt", (2018, 1, 1, 0, 0, 0)), "正常文件".encode())
    return buf.getvalue()


def blank_image(size: tuple[int, int]) -> Image.Image:
    return Image.new("RGB", size, "white")
