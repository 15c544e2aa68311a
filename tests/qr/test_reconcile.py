"""The invoice extractor's use of the QR code on its pages: QR kept, OCR slips settled by
it, real differences left standing, foreign codes giving null with a reason."""

from __future__ import annotations

from decimal import Decimal

from extractors.base import Collector
from extractors.invoice_qr import reconcile
from pipeline.models import Code, Line, Page

CLASSIC = "01,10,043001800111,12345678,1886.79,20180315,61234567890123456789,A1B2,"
DIGITAL = "01,32,,24432000000012345678,2000.00,20240115,,C2A3,"


def _page(source: str, codes: list[str]) -> Page:
    return Page(
        file="f.jpg",
        number=1,
        source=source,  # type: ignore[arg-type]
        width=1654,
        height=2339,
        unit="px",
        lines=[Line(text="x", bbox=(0, 0, 1, 1))],
        codes=[Code(text=t, bbox=(160, 140, 330, 310)) for t in codes],
    )


def _collector(page: Page, **values: object) -> Collector:
    col = Collector("f.jpg")
    for name, value in values.items():
        col.put(name, value, f"{name} {value}", page.number, (500, 100, 700, 130))
    return col


def test_qr_kept_with_its_evidence() -> None:
    page = _page("ocr", [CLASSIC])
    col = _collector(page, invoice_number="12345678", amount=Decimal("1886.79"))
    unread = {"qr": "x"}
    reconcile(col, [page], unread)
    assert col.values["qr"].invoice_number == "12345678"
    assert col.evidence["qr"].bbox == (160, 140, 330, 310) and "qr" not in unread


def test_ocr_slip_settled_by_qr() -> None:
    page = _page("ocr", [CLASSIC])
    col = _collector(
        page,
        invoice_number="12846678",  # two digits misread
        issue_date="2018-08-15",  # 3 read as 8
        amount=Decimal("1836.79"),  # 8 read as 3; 1886.79 + 113.21 = 2000.00
        tax_amount=Decimal("113.21"),
        total=Decimal("2000.00"),
    )
    reconcile(col, [page], {})
    assert col.values["invoice_number"] == "12345678"
    assert col.values["issue_date"] == "2018-03-15"
    assert col.values["amount"] == Decimal("1886.79")
    assert "采用二维码" in col.evidence["amount"].text
    assert "1836.79" in col.evidence["amount"].text


def test_difference_beyond_ocr_doubt_left_standing() -> None:
    page = _page("ocr", [CLASSIC])
    col = _collector(
        page,
        amount=Decimal("18867.90"),  # another length: painted over, not misread
        tax_amount=Decimal("1132.10"),
        total=Decimal("20000.00"),
        invoice_number="87654321",
    )
    reconcile(col, [page], {})
    assert col.values["amount"] == Decimal("18867.90")
    assert col.values["invoice_number"] == "87654321"


def test_slip_not_taken_when_qr_breaks_the_arithmetic() -> None:
    page = _page("ocr", [CLASSIC])
    col = _collector(
        page, amount=Decimal("1836.79"), tax_amount=Decimal("113.21"), total=Decimal("1950.00")
    )
    reconcile(col, [page], {})
    assert col.values["amount"] == Decimal("1836.79")


def test_text_layer_values_never_replaced() -> None:
    page = _page("text-layer", [CLASSIC])
    col = _collector(page, invoice_number="12345679")
    reconcile(col, [page], {})
    assert col.values["invoice_number"] == "12345679"


def test_digital_invoice_total_and_unread_filled() -> None:
    page = _page("ocr", [DIGITAL])
    col = _collector(
        page, amount=Decimal("1886.79"), tax_amount=Decimal("113.21"), total=Decimal("2000.80")
    )
    unread = {"invoice_number": "未能读取", "invoice_code": "未能读取", "issue_date": "未能读取"}
    reconcile(col, [page], unread)
    assert col.values["total"] == Decimal("2000.00")
    assert col.values["invoice_number"] == "24432000000012345678"
    assert "取自发票二维码" in col.evidence["invoice_number"].text
    assert unread == {}


def test_foreign_or_no_code_gives_null_with_reason() -> None:
    page = _page("ocr", ["https://weixin.qq.com/r/abc"])
    col = _collector(page, invoice_number="12345678")
    unread: dict[str, str] = {}
    reconcile(col, [page], unread)
    assert "qr" not in col.values and "网址" in unread["qr"]
    page = _page("ocr", [])
    unread = {}
    reconcile(_collector(page), [page], unread)
    assert "识别到二维码" in unread["qr"]
