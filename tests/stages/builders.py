"""Inputs for the stage tests, built on the fly: PDFs, images, OLE2 headers, zips, OFDs."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

# A business-licence-like page; every line is something an extractor looks for.
LICENCE = [
    "营业执照",
    "统一社会信用代码 91430100MA4L0ABC12",
    "名称 湖南星辰智能装备有限公司",
    "法定代表人 张三",
    "注册资本 伍仟万元整",
    "成立日期 2012年03月15日",
    "住所 长沙市岳麓区麓谷大道627号",
]


def text_image(
    lines: Sequence[str] = LICENCE,
    size: tuple[int, int] = (1240, 1000),
    font_size: int = 34,
    seal_at: tuple[int, int] | None = None,
) -> Image.Image:
    """Black text on white at about 200 dpi sizes (34 px ≈ 12 pt), optionally under a red seal."""
    im = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(im)
    font = ImageFont.truetype(FONT, font_size)
    y = 80
    for text in lines:
        draw.text((90, y), text, font=font, fill=(0, 0, 0))
        y += int(font_size * 1.9)
    if seal_at is not None:
        _seal(im, seal_at)
    return im


def _seal(im: Image.Image, centre: tuple[int, int], radius: int = 150) -> None:
    """A translucent red company seal (ring, star, curved-ish text) stamped over the text."""
    layer = Image.new("RGBA", im.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    cx, cy = centre
    red = (220, 30, 40, 190)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=red, width=12)
    star = [(cx, cy - 40), (cx + 12, cy - 12), (cx + 40, cy - 12), (cx + 18, cy + 6),
            (cx + 26, cy + 36), (cx, cy + 18), (cx - 26, cy + 36), (cx - 18, cy + 6),
            (cx - 40, cy - 12), (cx - 12, cy - 12)]  # fmt: skip
    draw.polygon(star, fill=red)
    font = ImageFont.truetype(FONT, 30)
    draw.text((cx - 110, cy - 110), "湖南星辰智能装备", font=font, fill=red)
    draw.text((cx - 60, cy + 60), "合同专用章", font=font, fill=red)
    im.paste(Image.alpha_composite(im.convert("RGBA"), layer).convert("RGB"))


def png_bytes(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


# ---- PDFs ----------------------------------------------------------------------------------


def text_pdf(path: Path, pages: Sequence[Sequence[str]], **canvas_args: object) -> Path:
    """A PDF whose pages carry the lines as real text (CID font STSong-Light)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1, **canvas_args)
    for lines in pages:
        c.setFont("STSong-Light", 12)
        y = 780
        for text in lines:
            c.drawString(72, y, text)
            y -= 24
        c.showPage()
    c.save()
    return path


def image_pdf(path: Path, image: Image.Image, dpi: int = 200) -> Path:
    """A scan: one page that is only a picture, no text layer."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    w_pt, h_pt = image.width * 72 / dpi, image.height * 72 / dpi
    c = canvas.Canvas(str(path), pagesize=(w_pt, h_pt), invariant=1)
    c.drawImage(ImageReader(image), 0, 0, width=w_pt, height=h_pt)
    c.showPage()
    c.save()
    return path


# ---- OLE2 (old Office) ---------------------------------------------------------------------


def ole2_file(stream: str) -> bytes:
    """A minimal compound file (v3, 512-byte sectors) whose directory names one stream."""
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 0x2C, 1)  # one FAT sector
    struct.pack_into("<I", header, 0x30, 1)  # directory starts in sector 1
    struct.pack_into("<I", header, 0x38, 4096)
    struct.pack_into("<IIII", header, 0x3C, end, 0, end, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([free] * 108))
    fat = struct.pack("<128I", fat_sect, end, *([free] * 126))
    directory = _dir_entry("Root Entry", 5) + _dir_entry(stream, 2) + bytes(256)
    return bytes(header) + fat + directory


def _dir_entry(name: str, kind: int) -> bytes:
    entry = bytearray(128)
    raw = name.encode("utf-16-le") + b"\x00\x00"
    entry[0 : len(raw)] = raw
    struct.pack_into("<HBB", entry, 64, len(raw), kind, 1)
    struct.pack_into("<iii", entry, 68, -1, -1, -1)
    struct.pack_into("<I", entry, 116, 0xFFFFFFFE)
    return bytes(entry)


# ---- zips ----------------------------------------------------------------------------------


def zip_bytes(members: dict[str, bytes], gbk_names: bool = False) -> bytes:
    """A zip of the members. With gbk_names, non-ASCII names are written in GBK without the
    UTF-8 flag, as Chinese Windows tools do (zipfile itself would write UTF-8)."""
    placeholders: dict[bytes, bytes] = {}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (name, data) in enumerate(members.items()):
            if gbk_names and not name.isascii():
                raw = name.encode("gbk")
                ph = f"~{i:03d}".encode().ljust(len(raw), b"~")
                assert len(ph) == len(raw)
                placeholders[ph] = raw
                name = ph.decode()
            zf.writestr(name, data)
    data = buf.getvalue()
    for ph, raw in placeholders.items():
        # The name is in the local header and the central directory; no checksum covers it.
        assert data.count(ph) == 2
        data = data.replace(ph, raw)
    return data


# ---- OFD -----------------------------------------------------------------------------------

_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def ofd_bytes() -> bytes:
    """A one-page OFD invoice: labels in a template page, values on the page itself."""
    ofd = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:OFD {_NS} Version="1.1" DocType="OFD"><ofd:DocBody>
<ofd:DocInfo><ofd:DocID>test</ofd:DocID></ofd:DocInfo>
<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"""
    document = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:Document {_NS}><ofd:CommonData><ofd:MaxUnitID>20</ofd:MaxUnitID>
<ofd:PageArea><ofd:PhysicalBox>0 0 210 140</ofd:PhysicalBox></ofd:PageArea>
<ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/></ofd:CommonData>
<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>"""
    template = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:Page {_NS}><ofd:Content><ofd:Layer ID="3">
<ofd:TextObject ID="4" Boundary="80 8 50 8" Font="9" Size="6">
<ofd:TextCode X="0" Y="6" DeltaX="g 5 6">电子发票（普通发票）</ofd:TextCode></ofd:TextObject>
<ofd:TextObject ID="5" Boundary="10 30 15 5" Font="9" Size="3.5">
<ofd:TextCode X="0" Y="3.5" DeltaX="3.5 3.5">名称：</ofd:TextCode></ofd:TextObject>
</ofd:Layer></ofd:Content></ofd:Page>"""
    page = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:Page {_NS}><ofd:Template TemplateID="2"/><ofd:Content><ofd:Layer ID="6">
<ofd:TextObject ID="7" Boundary="26 30 80 5" Font="9" Size="3.5">
<ofd:TextCode X="0" Y="3.5">湖南星辰智能装备有限公司</ofd:TextCode></ofd:TextObject>
<ofd:TextObject ID="8" Boundary="150 60 40 5" Font="9" Size="3.5">
<ofd:TextCode X="0" Y="3.5">¥1060.00</ofd:TextCode></ofd:TextObject>
</ofd:Layer></ofd:Content></ofd:Page>"""
    return zip_bytes(
        {
            "OFD.xml": ofd.encode(),
            "Doc_0/Document.xml": document.encode(),
            "Doc_0/Tpls/Tpl_0/Content.xml": template.encode(),
            "Doc_0/Pages/Page_0/Content.xml": page.encode(),
        }
    )
