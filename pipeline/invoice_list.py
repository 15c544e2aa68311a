"""invoices.csv beside summary.csv: every invoice of the batch with what the national
verification service asks for (发票代码, 发票号码, 开票日期, 金额, 校验码后六位), so that staff
can verify them in bulk elsewhere. UTF-8 with a BOM so that Excel opens it."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from pydantic import ValidationError

from pipeline.atomic import write_atomic
from pipeline.cells import csv_text
from pipeline.models import Invoice, Submission

HEADER = [
    "发票代码",
    "发票号码",
    "开票日期",
    "金额",
    "价税合计",
    "校验码后六位",
    "文件",
    "申报单位",
]


def csv_cell(value: object) -> str:
    """One text cell that a spreadsheet never runs (pipeline/cells.py, as every export)."""
    text = "" if value is None else str(value)
    text = " ".join(text.split()) if "\n" in text else text
    return str(csv_text(text))


def _money(value: Decimal | None) -> str:
    return f"{value:.2f}" if value is not None else ""


def invoice_rows(submissions: list[Submission]) -> list[list[str]]:
    rows = []
    for sub in submissions:
        for doc in sub.documents:
            if doc.type != "invoice":
                continue
            try:
                inv = Invoice.model_validate(doc.fields)
            except ValidationError:
                inv = Invoice()
            qr = inv.qr
            check = (qr.check_code if qr else None) or ""
            rows.append(
                [
                    csv_cell(inv.invoice_code or (qr.invoice_code if qr else None)),
                    csv_cell(inv.invoice_number or (qr.invoice_number if qr else None)),
                    csv_cell(inv.issue_date or (qr.issue_date if qr else None)),
                    # Amounts are written by us from Decimals: numbers, never formulas.
                    _money(inv.amount),
                    _money(inv.total),
                    csv_cell(check[-6:]),
                    csv_cell(doc.file),
                    csv_cell(sub.application),
                ]
            )
    return rows


def invoices_csv(submissions: list[Submission]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(invoice_rows(submissions))
    return "\ufeff" + buf.getvalue()


def write_invoice_list(submissions: list[Submission], out_dir: Path) -> Path:
    path = Path(out_dir) / "invoices.csv"
    write_atomic(path, invoices_csv(submissions))
    return path
