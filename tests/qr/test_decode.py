"""The QR decoder on real rendered codes (segno, 200 dpi) and the VAT payload parser."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from pipeline.qr import decode_codes, invoice_qr, parse_invoice_payload
from tests.qr.render import DIGITAL, PAYLOAD, page_with_code


@pytest.mark.parametrize(
    "degraded",
    [
        {},
        {"skew": 2.5},
        {"blur": 1.2},
        {"seal": True},
        {"skew": 1.5, "blur": 1.0, "seal": True, "jpeg": 70},
        {"side_px": 120, "blur": 0.8, "jpeg": 70},
    ],
    ids=["clean", "skewed", "blurred", "sealed", "all-of-it", "small-jpeg"],
)
def test_decodes_rendered_code(degraded: dict[str, object]) -> None:
    image = page_with_code(PAYLOAD, at=(160, 140), **degraded)  # type: ignore[arg-type]
    codes = decode_codes(image)
    assert [c.text for c in codes] == [PAYLOAD]
    x0, y0, x1, y1 = codes[0].bbox
    # Where the code was put (skew moves it by a few dozen pixels at most).
    assert 100 < x0 < x1 < 400 and 100 < y0 < y1 < 400


def test_bbox_in_page_units() -> None:
    codes = decode_codes(page_with_code(PAYLOAD, at=(720, 720)), scale=72 / 200)
    x0, y0, x1, y1 = codes[0].bbox
    assert 259 < x0 < 275 and 259 < y0 < 275 and x1 < 340


def test_page_without_code_and_odd_images() -> None:
    blank = np.full((800, 600, 3), 250, np.uint8)
    assert decode_codes(blank) == []
    assert decode_codes(np.zeros((0, 0, 3), np.uint8)) == []
    assert decode_codes(np.zeros((4, 4, 4, 4), np.uint8)) == []


def test_damaged_code_reads_as_none() -> None:
    image = page_with_code(PAYLOAD, at=(160, 140)).copy()
    image[150:320, 160:260] = 250  # most of the code (finder patterns included) scraped off
    assert decode_codes(image) == []
    qr, code, reason = invoice_qr(decode_codes(image))
    assert qr is None and code is None and "未在发票页面上识别到二维码" in reason


def test_parses_classic_payload() -> None:
    qr = parse_invoice_payload(PAYLOAD).qr
    assert qr is not None
    assert qr.invoice_type == "10"
    assert qr.invoice_code == "043001800111"
    assert qr.invoice_number == "12345678"
    assert qr.issue_date == "2018-03-15"
    assert qr.amount == Decimal("1886.79") and isinstance(qr.amount, Decimal)
    assert qr.amount_kind == "amount"
    assert qr.check_code == "61234567890123456789"


def test_parses_digital_invoice_payload() -> None:
    qr = parse_invoice_payload(DIGITAL).qr
    assert qr is not None
    assert qr.invoice_code is None and qr.invoice_number == "24432000000012345678"
    assert qr.amount == Decimal("2000.00") and qr.amount_kind == "total"
    assert qr.check_code is None and qr.issue_date == "2024-01-15"


def test_special_invoice_without_check_code() -> None:
    qr = parse_invoice_payload("01,01,4300181130,00123456,100000.00,20181201,,8F3E").qr
    assert qr is not None and qr.check_code is None and qr.amount_kind == "amount"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("https://weixin.qq.com/r/abcdEFGH123", "网址"),
        ("https://inv-veri.chinatax.gov.cn/index.html?fpdm=1&fphm=2", "网址"),
        ("hello world", "不是发票二维码"),
        ("01,10,043001800111,1234567,100.00,20180315,1,", "发票号码"),
        ("01,10,043001800111,12345678,1OO.00,20180315,,", "金额"),
        ("01,10,043001800111,12345678,100.00,20181345,,", "开票日期"),
        ("01,10,0430018", "不是发票二维码"),
        ("", "不是发票二维码"),
    ],
)
def test_foreign_or_damaged_payload(text: str, reason: str) -> None:
    parsed = parse_invoice_payload(text)
    assert parsed.qr is None
    assert parsed.reason is not None and reason in parsed.reason


def test_foreign_code_on_a_page_gives_reason() -> None:
    codes = decode_codes(page_with_code("https://weixin.qq.com/r/abcdEFGH123"))
    assert len(codes) == 1
    qr, _, reason = invoice_qr(codes)
    assert qr is None and "网址" in reason
