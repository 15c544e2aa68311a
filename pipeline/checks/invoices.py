"""Invoices against their own QR code: the printed number, code, date and amount vs what the
tax system wrote into the code (field `invoice_qr`). No finding where no QR was decoded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pipeline.checks.base import Context, fmt_yuan, severity, where
from pipeline.models import Evidence, Finding, FindingValue, Invoice, InvoiceQr


def _pairs(inv: Invoice, qr: InvoiceQr) -> list[tuple[str, Any, Any]]:
    money = "total" if qr.amount_kind == "total" else "amount"
    return [
        ("invoice_number", inv.invoice_number, qr.invoice_number),
        ("invoice_code", inv.invoice_code, qr.invoice_code),
        ("issue_date", inv.issue_date, qr.issue_date),
        (money, getattr(inv, money), qr.amount),
    ]


def _shown(value: Any) -> str:
    return fmt_yuan(value) if isinstance(value, Decimal) else str(value)


def check_invoice_qr(ctx: Context) -> list[Finding]:
    rule = ctx.rules["invoice_qr"]
    out: list[Finding] = []
    for doc, inv in ctx.invoices:
        qr = inv.qr
        if qr is None:
            continue
        qr_ev = doc.evidence.get("qr") or Evidence(
            file=doc.file, page=doc.pages[0] if doc.pages else None, text="发票二维码"
        )
        for name, printed, coded in _pairs(inv, qr):
            if printed is None or coded is None or printed == coded:
                continue
            label = ctx.label("qr", name)
            declared: FindingValue = printed
            found: FindingValue = coded
            out.append(
                Finding(
                    code="INVOICE_QR_MISMATCH",
                    field="invoice_qr",
                    severity=severity(rule["severity"]),
                    declared=declared,
                    found=found,
                    message=(
                        f"{where(doc)}：{label}票面为 {_shown(printed)}，"
                        f"发票二维码为 {_shown(coded)}。{rule['message']}"
                    ),
                    evidence=[ctx.ev(doc, name, f"票面{label}"), qr_ev],
                )
            )
    return out
