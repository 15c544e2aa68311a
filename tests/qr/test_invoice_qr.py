"""Invoices carrying their QR code, through the real page reader, extractor and checks: a
数电票 text PDF (QR amount = 价税合计), the same with its printed figures painted over, and a
classic invoice scan OCRed for real (QR amount = 金额)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader

from extractors import invoice
from pipeline.checks import run_checks
from pipeline.models import Document, Invoice, Report
from pipeline.pages import read_pages
from tests.extractors.files import input_file
from tests.extractors.test_invoice import (
    DIGITAL,
    DISCOUNTED,
    Facts,
    Item,
    PdfSheet,
    ScanSheet,
    draw_classic,
    draw_digital,
)
from tests.qr.render import qr_image


def payload(f: Facts, check: str = "") -> str:
    kind = "32" if f.code is None else "10"
    money = f.total if f.code is None else f.amount
    return (
        f"01,{kind},{f.code or ''},{f.number},{money:.2f},{f.date.replace('-', '')},{check},9C1D,"
    )


def digital_pdf(path: Path, printed: Facts, coded: Facts) -> Path:
    sheet = PdfSheet(path, 210, 140)
    draw_digital(sheet, printed)
    # 20 mm square top left, as the tax system places it.
    image = ImageReader(qr_image(payload(coded), 240))
    sheet.canvas.drawImage(image, 8 * mm, 112 * mm, width=20 * mm, height=20 * mm)
    sheet.save()
    return path


def _extract(path: Path, engine: Any = None) -> tuple[Document, Invoice]:
    f = input_file(path)
    pages = list(read_pages(f, engine))
    result = invoice.extract(f.file, pages)
    assert isinstance(result.record, Invoice)
    doc = Document(
        file=f.file,
        pages=[p.number for p in pages],
        type="invoice",
        confidence=1.0,
        fields=result.record.model_dump(mode="json"),
        evidence=result.evidence,
        unread=result.unread,
    )
    return doc, result.record


def _qr_findings(doc: Document) -> list[Any]:
    return [
        f for f in run_checks(Report(application="a", documents=[doc])) if f.field == "invoice_qr"
    ]


def test_digital_pdf_qr_read_and_consistent(tmp_path: Path) -> None:
    doc, rec = _extract(digital_pdf(tmp_path / "数电票.pdf", DIGITAL, DIGITAL))
    assert rec.qr is not None
    assert rec.qr.invoice_number == DIGITAL.number and rec.qr.invoice_code is None
    assert rec.qr.amount == DIGITAL.total == Decimal("100700.00")
    assert rec.qr.amount_kind == "total" and rec.qr.issue_date == DIGITAL.date
    assert "qr" not in doc.unread
    assert doc.fields["qr"]["invoice_number"] == DIGITAL.number  # in the report's fields
    assert _qr_findings(doc) == []


def test_painted_over_total_found(tmp_path: Path) -> None:
    # Every printed figure raised tenfold (the arithmetic still adds up); the QR untouched.
    tampered = dataclasses.replace(
        DIGITAL,
        items=[
            Item(i.name, i.amount * 10, i.rate, i.tax * 10, i.unit, i.quantity)
            for i in DIGITAL.items
        ],
    )
    doc, rec = _extract(digital_pdf(tmp_path / "数电票.pdf", tampered, DIGITAL))
    assert rec.total == Decimal("1007000.00")
    (finding,) = _qr_findings(doc)
    assert finding.severity == "error"
    assert finding.declared == Decimal("1007000.00") and finding.found == Decimal("100700.00")
    assert finding.message.endswith("票面金额与发票二维码不一致，疑似涂改或识别有误，请核对原件")
    printed, coded = finding.evidence
    assert "1,007,000.00" in printed.text or "1007000.00" in printed.text
    assert coded.text.startswith("发票二维码：01,32,") and coded.bbox is not None


def test_scanned_classic_invoice_qr(tmp_path: Path, engine: Any) -> None:
    sheet = ScanSheet(240, 140)
    draw_classic(sheet, DISCOUNTED)
    code = qr_image(payload(DISCOUNTED, "61234567890123456789"), 170)
    sheet.image.paste(code, (40, 30))
    path = tmp_path / "专票扫描.jpg"
    sheet.image.save(path, "JPEG", quality=85, dpi=(200, 200))
    doc, rec = _extract(path, engine)
    assert rec.qr is not None and rec.qr.amount_kind == "amount"
    assert rec.qr.amount == DISCOUNTED.amount and rec.qr.check_code == "61234567890123456789"
    assert rec.invoice_number == DISCOUNTED.number and rec.issue_date == DISCOUNTED.date
    assert _qr_findings(doc) == []
