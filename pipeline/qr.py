"""QR codes on a page image, and the VAT invoice payload they may hold. Pure functions.

`decode_codes` finds the QR codes of an RGB page image with zxing-cpp and gives their text
and box in page units; `parse_invoice_payload` reads the national VAT invoice payload

    01,<type>,<code or empty>,<number>,<amount>,<YYYYMMDD>,<check code or empty>,<crc>

into an InvoiceQr, or says in Chinese why the text is not one (a WeChat link, a verification
URL, a damaged payload). Neither raises on odd input. Payload rules (which types put the
价税合计 in the amount field): pipeline/qr.toml.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.models import Code, InvoiceQr

RULES_PATH = Path(__file__).with_name("qr.toml")
_NUMBER = re.compile(r"\d{8}|\d{20}")
_CODE = re.compile(r"\d{10}|\d{12}")
_AMOUNT = re.compile(r"-?\d+(?:\.\d{1,2})?")
_DATE = re.compile(r"\d{8}")
_CHECK = re.compile(r"\d{5,20}")


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    return tomllib.loads(RULES_PATH.read_text(encoding="utf-8"))


# ---- decoding -----------------------------------------------------------------------------


def _zxing_codes(gray: np.ndarray) -> list[tuple[str, list[tuple[float, float]]]]:
    import zxingcpp

    found = []
    for result in zxingcpp.read_barcodes(
        gray,
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
        try_rotate=True,
        try_downscale=True,
    ):
        if not result.valid or not result.text:
            continue
        p = result.position
        corners = [p.top_left, p.top_right, p.bottom_right, p.bottom_left]
        found.append((result.text, [(float(c.x), float(c.y)) for c in corners]))
    return found


def _planes(image: np.ndarray) -> list[np.ndarray]:
    """What to look in, cheapest first: the grey page, then its red channel, where a red
    seal over the code turns white (as for OCR, pipeline/ocr.py)."""
    if image.ndim == 2:
        return [np.ascontiguousarray(image)]
    rgb = image[:, :, :3]
    gray = (0.299 * rgb[:, :, 0] + 0.587 * rgb[:, :, 1] + 0.114 * rgb[:, :, 2]).astype(np.uint8)
    return [gray, np.ascontiguousarray(rgb[:, :, 0])]


def decode_codes(image: np.ndarray, scale: float = 1.0) -> list[Code]:
    """Every QR code found in an RGB (or grey) image: text and bbox in page units (image
    pixels × `scale`). Empty when there is none or the image is odd; never raises."""
    if image.size == 0 or image.ndim not in (2, 3):
        return []
    codes: dict[str, Code] = {}
    try:
        for plane in _planes(image):
            for text, corners in _zxing_codes(plane):
                xs, ys = [x for x, _ in corners], [y for _, y in corners]
                bbox = (
                    round(min(xs) * scale, 2),
                    round(min(ys) * scale, 2),
                    round(max(xs) * scale, 2),
                    round(max(ys) * scale, 2),
                )
                codes.setdefault(text, Code(text=text, bbox=bbox))
            if codes:
                break
    except (ValueError, RuntimeError, TypeError):  # an image zxing refuses: no code read
        return list(codes.values())
    return list(codes.values())


# ---- the VAT invoice payload --------------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    qr: InvoiceQr | None
    reason: str | None = None


def parse_invoice_payload(text: str) -> Parsed:
    """The invoice fields a QR code holds, or None and the reason in Chinese."""
    r = rules()
    t = text.strip().lstrip("\ufeff")
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", t) or t.lower().startswith("www."):
        return Parsed(None, f"二维码内容为网址，不是发票二维码：{t[:60]}")
    parts = [p.strip() for p in t.split(",")]
    if len(parts) < 7 or parts[0] not in r["versions"]:
        return Parsed(None, f"二维码内容不是发票二维码格式：{t[:60]}")
    _, kind, code, number, amount_text, date_text, check = parts[:7]
    if code and not _CODE.fullmatch(code):
        return Parsed(None, f"发票二维码的发票代码无法识别：{code[:30]}")
    if not _NUMBER.fullmatch(number):
        return Parsed(None, f"发票二维码的发票号码无法识别：{number[:30]}")
    if not _AMOUNT.fullmatch(amount_text):
        return Parsed(None, f"发票二维码的金额无法识别：{amount_text[:30]}")
    try:
        amount = Decimal(amount_text)
    except InvalidOperation:
        return Parsed(None, f"发票二维码的金额无法识别：{amount_text[:30]}")
    if not _DATE.fullmatch(date_text):
        return Parsed(None, f"发票二维码的开票日期无法识别：{date_text[:30]}")
    try:
        issued = date(int(date_text[:4]), int(date_text[4:6]), int(date_text[6:]))
    except ValueError:
        return Parsed(None, f"发票二维码的开票日期无效：{date_text}")
    if check and not _CHECK.fullmatch(check):
        return Parsed(None, f"发票二维码的校验码无法识别：{check[:30]}")
    # 数电票 (no code, 20-digit number) and the types listed write 价税合计, the others 金额.
    digital = not code and len(number) == 20
    is_total = digital or kind in r["total_amount_types"]
    return Parsed(
        InvoiceQr(
            invoice_type=kind or None,
            invoice_code=code or None,
            invoice_number=number,
            issue_date=issued.isoformat(),
            amount=amount,
            amount_kind="total" if is_total else "amount",
            check_code=check or None,
        )
    )


def invoice_qr(codes: list[Code]) -> tuple[InvoiceQr | None, Code | None, str]:
    """The first invoice payload among a document's codes, the code it came from, and
    otherwise why there is none (the reasons of the foreign codes seen)."""
    if not codes:
        return None, None, "未在发票页面上识别到二维码"
    reasons = []
    for c in codes:
        parsed = parse_invoice_payload(c.text)
        if parsed.qr is not None:
            return parsed.qr, c, ""
        reasons.append(parsed.reason or "")
    return None, None, "；".join(reasons)
