"""`dossier process` on small batches of QR-bearing invoices, for real (Prefect flow, OCR
pool, SQLite database): a painted-over invoice found, an invoice in two applications found on
both, the same invoice found again against an earlier run in the database, invoices.csv, and
no false invoice_qr / invoice_reuse on the consistent applications."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pipeline.store import open_store
from tests.extractors.test_invoice import DIGITAL, DISCOUNTED, Item, ScanSheet, draw_classic
from tests.qr.render import qr_image
from tests.qr.test_invoice_qr import digital_pdf, payload

SHARED = dataclasses.replace(DIGITAL, number="24432000000011110001")
OWN = dataclasses.replace(DIGITAL, number="24432000000011110002")
TAMPERED = dataclasses.replace(
    DIGITAL,
    number="24432000000011110003",
    items=[
        Item(i.name, i.amount * 10, i.rate, i.tax * 10, i.unit, i.quantity) for i in DIGITAL.items
    ],
)
TAMPERED_QR = dataclasses.replace(TAMPERED, items=DIGITAL.items)
LATER = dataclasses.replace(DIGITAL, number="24432000000011110004")


def run(tmp: Path, batch: Path, out: Path, db: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp / ".prefect"),
        "DOSSIER_CACHE": str(tmp / "cache"),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    args = ["process", str(batch), "--out", str(out), "--db", f"sqlite:///{db}", "--workers", "1"]
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


def findings(out: Path, app: str, field: str) -> list[dict[str, Any]]:
    report = json.loads((out / app / "report.json").read_text(encoding="utf-8"))
    return [f for f in report["findings"] if f["field"] == field]


def scan(path: Path) -> Path:
    sheet = ScanSheet(240, 140)
    draw_classic(sheet, DISCOUNTED)
    sheet.image.paste(qr_image(payload(DISCOUNTED, "61234567890123456789"), 170), (40, 30))
    sheet.image.save(path, "JPEG", quality=85, dpi=(200, 200))
    return path


def test_batch_then_later_batch(tmp_path: Path) -> None:
    first = tmp_path / "2019批"
    a, b, c = (first / n for n in ("001_甲公司", "002_乙公司", "003_丙公司"))
    for d in (a, b, c):
        (d / "发票").mkdir(parents=True)
    digital_pdf(a / "发票" / "shared.pdf", SHARED, SHARED)
    digital_pdf(a / "发票" / "tampered.pdf", TAMPERED, TAMPERED_QR)
    digital_pdf(b / "发票" / "dzfp_shared.pdf", SHARED, SHARED)
    digital_pdf(c / "发票" / "own.pdf", OWN, OWN)
    scan(c / "发票" / "专票扫描.jpg")
    out, db = tmp_path / "out1", tmp_path / "dossier.db"

    r = run(tmp_path, first, out, db)
    assert r.returncode == 0, r.stderr

    (tampered,) = findings(out, "001_甲公司", "invoice_qr")
    assert tampered["severity"] == "error" and "tampered.pdf" in tampered["message"]
    assert tampered["declared"] == 1007000.0 and tampered["found"] == 100700.0
    assert len(tampered["evidence"]) == 2
    for mine, other in (("001_甲公司", "002_乙公司"), ("002_乙公司", "001_甲公司")):
        (reuse,) = findings(out, mine, "invoice_reuse")
        assert reuse["severity"] == "error" and f"【{other}（本批次）】" in reuse["message"]
    for app in ("002_乙公司", "003_丙公司"):
        assert findings(out, app, "invoice_qr") == []
    assert findings(out, "003_丙公司", "invoice_reuse") == []
    report = json.loads((out / "003_丙公司" / "report.json").read_text(encoding="utf-8"))
    qrs = {d["file"]: d["fields"]["qr"] for d in report["documents"] if d["type"] == "invoice"}
    assert qrs["发票/专票扫描.jpg"]["invoice_number"] == DISCOUNTED.number  # decoded on the scan
    assert qrs["发票/own.pdf"]["amount"] == float(OWN.total)

    text = (out / "invoices.csv").read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == [
        "发票代码",
        "发票号码",
        "开票日期",
        "金额",
        "价税合计",
        "校验码后六位",
        "文件",
        "申报单位",
    ]
    by_file = {(row[7], row[6]): row for row in rows[1:]}
    assert len(by_file) == 5
    scanned = by_file[("003_丙公司", "发票/专票扫描.jpg")]
    assert scanned[:3] == ["043001800111", DISCOUNTED.number, DISCOUNTED.date]
    assert scanned[5] == "456789"

    # The same batch again: its own earlier run is not a second submission.
    r = run(tmp_path, first, tmp_path / "out1b", db)
    assert r.returncode == 0, r.stderr
    assert findings(tmp_path / "out1b", "003_丙公司", "invoice_reuse") == []
    assert len(findings(tmp_path / "out1b", "001_甲公司", "invoice_reuse")) == 1

    # A later batch: another applicant hands in 丙's invoice again.
    second = tmp_path / "2020批"
    d = second / "009_丁公司"
    d.mkdir(parents=True)
    (d / "own_copy.pdf").write_bytes((c / "发票" / "own.pdf").read_bytes())
    digital_pdf(d / "later.pdf", LATER, LATER)
    out2 = tmp_path / "out2"
    r = run(tmp_path, second, out2, db)
    assert r.returncode == 0, r.stderr
    (reuse,) = findings(out2, "009_丁公司", "invoice_reuse")
    assert reuse["severity"] == "error"
    with open_store(f"sqlite:///{db}") as store:
        runs = {run.batch_name: run.id for run in store.list_runs()}
    # Named with the earlier application, its batch and the latest run that held it.
    assert f"【003_丙公司（批次 2019批，第 {max(runs.values()) - 1} 次运行）】" in reuse["message"]
    assert "own_copy.pdf" in reuse["message"]
    assert findings(out2, "009_丁公司", "invoice_qr") == []
