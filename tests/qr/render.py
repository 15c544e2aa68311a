"""QR codes drawn onto page images for the decoder tests: real codes (segno), at 200 dpi."""

from __future__ import annotations

import io

import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFilter

A4_PX = (1654, 2339)  # 200 dpi
PAYLOAD = "01,10,043001800111,12345678,1886.79,20180315,61234567890123456789,A1B2,"
DIGITAL = "01,32,,24432000000012345678,2000.00,20240115,,C2A3,"


def qr_image(text: str, side_px: int) -> Image.Image:
    """The code as printed: about `side_px` pixels wide, quiet zone included."""
    buf = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buf, kind="png", scale=1, border=4)
    buf.seek(0)
    small = Image.open(buf).convert("L")
    return small.resize((side_px, side_px), Image.Resampling.NEAREST).convert("RGB")


def page_with_code(
    text: str,
    *,
    at: tuple[int, int] = (160, 140),
    side_px: int = 170,
    skew: float = 0.0,
    blur: float = 0.0,
    seal: bool = False,
    jpeg: int | None = None,
) -> np.ndarray:
    """A white A4 page at 200 dpi with the code at `at`, then skewed, sealed, blurred."""
    page = Image.new("RGB", A4_PX, (248, 247, 242))
    draw = ImageDraw.Draw(page)
    draw.text((600, 160), "增值税电子普通发票", fill=(30, 30, 30))
    page.paste(qr_image(text, side_px), at)
    if seal:
        # A red seal's ring and star across a third of the code, multiplied like ink.
        layer = Image.new("RGB", A4_PX, (255, 255, 255))
        d = ImageDraw.Draw(layer)
        cx, cy, r = at[0] + side_px, at[1] + side_px // 2, side_px * 0.6
        d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(215, 45, 45), width=9)
        d.regular_polygon((cx - r * 0.4, cy, r / 3), 5, fill=(215, 45, 45))
        arr = np.asarray(page, np.float32) * np.asarray(layer, np.float32) / 255
        page = Image.fromarray(arr.astype(np.uint8))
    if skew:
        page = page.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=(248, 247, 242))
    if blur:
        page = page.filter(ImageFilter.GaussianBlur(blur))
    if jpeg:
        buf = io.BytesIO()
        page.save(buf, "JPEG", quality=jpeg)
        buf.seek(0)
        page = Image.open(buf).convert("RGB")
    return np.asarray(page)
