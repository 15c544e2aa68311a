"""An invoice's own QR code (decoded by the reading stage onto `Page.codes`) as a second
source for the printed number, code, date and amount.

The QR is written by the tax system, the printed figures are read by OCR: where they differ
only as OCR differs (the same length, a digit or two apart, on an OCR page) and the QR value
agrees with the rest of the invoice (金额 + 税额 = 价税合计), the QR value is taken and the
evidence says so. Any other difference is left standing for the `invoice_qr` check
(pipeline/checks/invoices.py). Never opens a file.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from extractors.base import Collector
from pipeline.models import Evidence, InvoiceQr, Page
from pipeline.qr import invoice_qr

# At most this many differing digits (same length) are taken for an OCR slip.
MAX_SLIP_DIGITS = 2


def _slip(printed: str, qr: str) -> bool:
    """Differs as OCR misreads differ: same length, a digit or two apart."""
    if len(printed) != len(qr) or printed == qr:
        return False
    return sum(a != b for a, b in zip(printed, qr, strict=True)) <= MAX_SLIP_DIGITS


def _digits(value: Any) -> str:
    return "".join(ch for ch in str(value) if ch.isdigit())


def _on_ocr_page(col: Collector, pages: list[Page], name: str) -> bool:
    ev = col.evidence.get(name)
    if ev is None:
        return False
    return any(p.number == ev.page and p.source == "ocr" for p in pages)


def _take(col: Collector, name: str, value: Any, qr_text: str, why: str) -> None:
    ev = col.evidence[name]
    col.values[name] = value
    col.evidence[name] = Evidence(
        file=ev.file,
        page=ev.page,
        bbox=ev.bbox,
        text=f"{ev.text}（识别为 {why}，与发票二维码仅个别数字不同，采用二维码的值：{qr_text}）",
    )


def _fill(col: Collector, name: str, value: Any, qr_ev: Evidence) -> None:
    """A printed value not read at all: the QR's, and the evidence is the QR's."""
    col.values[name] = value
    col.evidence[name] = Evidence(
        file=qr_ev.file,
        page=qr_ev.page,
        bbox=qr_ev.bbox,
        text=f"票面未能识别，取自发票二维码：{value}",
    )


def _money(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except ArithmeticError:
        return None


def reconcile(col: Collector, pages: list[Page], unread: dict[str, str]) -> None:
    """Put `qr` (or the reason it is null in `unread`) and let it settle OCR slips."""
    qr, code, reason = invoice_qr([c for p in pages for c in p.codes])
    if qr is None or code is None:
        unread["qr"] = reason
        return
    page = next(p.number for p in pages if code in p.codes)
    qr_ev = Evidence(file=col.file, page=page, bbox=code.bbox, text=f"发票二维码：{code.text}")
    col.values["qr"] = qr
    col.evidence["qr"] = qr_ev
    unread.pop("qr", None)
    if qr.invoice_code is None and qr.amount_kind == "total":
        unread.pop("invoice_code", None)  # a 数电票: no code is its value
    _identity(col, pages, qr, qr_ev, unread)
    _amounts(col, pages, qr)


def _identity(
    col: Collector, pages: list[Page], qr: InvoiceQr, qr_ev: Evidence, unread: dict[str, str]
) -> None:
    for name, value in (
        ("invoice_number", qr.invoice_number),
        ("invoice_code", qr.invoice_code),
        ("issue_date", qr.issue_date),
    ):
        if value is None:
            continue
        printed = col.values.get(name)
        if printed is None:
            if name in unread:
                _fill(col, name, value, qr_ev)
                unread.pop(name, None)
            continue
        if _on_ocr_page(col, pages, name) and _slip(_digits(printed), _digits(value)):
            _take(col, name, value, value, str(printed))


def _amounts(col: Collector, pages: list[Page], qr: InvoiceQr) -> None:
    """The QR's amount for the printed one it stands for, when only OCR can explain the gap
    and the QR value makes the invoice's arithmetic come out."""
    if qr.amount is None:
        return
    amount, tax, total = (_money(col.values.get(k)) for k in ("amount", "tax_amount", "total"))
    name = "total" if qr.amount_kind == "total" else "amount"
    printed = total if name == "total" else amount
    if printed is None or printed == qr.amount or not _on_ocr_page(col, pages, name):
        return
    if not _slip(_digits(f"{printed:.2f}"), _digits(f"{qr.amount:.2f}")):
        return
    if tax is None:
        return
    consistent = (
        amount is not None and amount + tax == qr.amount
        if name == "total"
        else total is not None and qr.amount + tax == total
    )
    if consistent:
        _take(col, name, qr.amount, f"{qr.amount:.2f}", f"{printed:.2f}")
