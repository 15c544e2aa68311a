"""report.json / report.html / summary.html / summary.csv as written to disk."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import jsonschema

from pipeline.models import Evidence, FileEntry, Finding, Report
from pipeline.report import write_report, write_summary
from pipeline.schema import report_schema


def sample_report(name: str, severity: str | None) -> Report:
    findings = []
    if severity:
        findings.append(
            Finding(
                code="FIN_MISMATCH",
                field="total_assets",
                year="2018",
                severity=severity,  # type: ignore[arg-type]
                declared=Decimal("12345.67"),
                found=Decimal("11020.15"),
                message="申报总资产 12345.67 万元，审计报告资产总计 11020.15 万元，相差 12.0%",
                evidence=[
                    Evidence(
                        file="审计报告2018.pdf",
                        page=4,
                        bbox=(1, 2, 3, 4),
                        text="资产总计 110,201,500.00",
                    )
                ],
            )
        )
    return Report(
        application=name,
        files=[
            FileEntry(
                file="附件5.doc",
                sha256="a" * 64,
                status="unsupported",
                reason="旧版 Word (.doc) 文件，请转换为 .docx 或 PDF",
            )
        ],
        findings=findings,
    )


def test_report_files_and_summary(tmp_path: Path) -> None:
    rows = [
        write_report(sample_report("002_一致企业", None), tmp_path),
        write_report(sample_report("001_湖南星辰智能装备有限公司", "error"), tmp_path),
    ]
    write_summary("批次", rows, tmp_path)

    data = json.loads(
        (tmp_path / "001_湖南星辰智能装备有限公司" / "report.json").read_text("utf-8")
    )
    jsonschema.validate(data, report_schema())
    assert data["findings"][0]["declared"] == 12345.67

    html = (tmp_path / "001_湖南星辰智能装备有限公司" / "report.html").read_text("utf-8")
    assert "有错误" in html and "资产总计 110,201,500.00" in html and "12,345.67" in html

    raw = (tmp_path / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM"
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert table[0][:3] == ["申报单位", "结论", "错误"]
    # Worst first.
    assert [r[0] for r in table[1:]] == ["001_湖南星辰智能装备有限公司", "002_一致企业"]
    summary = (tmp_path / "summary.html").read_text("utf-8")
    assert "001_%E6%B9%96" in summary  # link to the report, URL-quoted
    assert not list(tmp_path.rglob("*.tmp")), "no temporary file is left behind"
