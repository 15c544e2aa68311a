"""Reports made up for the store tests: Chinese text, Decimals of every scale, evidence."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pipeline.models import (
    Declared,
    Document,
    Evidence,
    FileEntry,
    Finding,
    Project,
    ProjectCosts,
    Report,
    YearFigures,
)

COMPANY = "湖南星辰智能装备有限公司"
CREDIT_CODE = "91430100MA4L0XXXXX"


def _evidence(i: int, file: str, text: str) -> Evidence:
    # Fractional coordinates: floats must come back bit for bit.
    return Evidence(file=file, page=i % 5 + 1, bbox=(10.5 + i, 20.25, 310.125, 40.0 / 3), text=text)


def _declared() -> Declared:
    return Declared(
        company_name=COMPANY,
        credit_code=CREDIT_CODE,
        established="2012-03-15",
        industry=["工程机械"],
        city="长沙市",
        county="岳麓区",
        address="长沙市岳麓区麓谷大道 627 号",
        years={
            "2017": YearFigures(
                total_assets=Decimal("12345.67"),
                debt_ratio=Decimal("45.2"),
                revenue=Decimal("8901.2300"),  # trailing zeros are part of "exact"
                tax=Decimal("456.78"),
                profit=Decimal("789.01"),
                employees=320,
            ),
            "2018": YearFigures(total_assets=Decimal("13000.123456"), employees=None),
        },
        project=Project(
            name="基于工业互联网平台的设备远程运维",
            start="2017-06",
            end="2018-12",
            total_cost=Decimal("560.0"),
            costs=ProjectCosts(development=Decimal("200"), public_cloud=Decimal("50.00")),
        ),
        elements=["1.2", "2.3"],
        description_chars=812,
    )


def _invoice(i: int, file: str) -> Document:
    amount = Decimal("123456789.01") + i
    fields: dict[str, Any] = {
        "invoice_code": None,
        "invoice_number": f"2443200000{i:010d}",
        "issue_date": "2018-05-10",
        "buyer_name": COMPANY,
        "seller_name": "阿里云计算有限公司",
        "amount": amount,
        "tax_amount": Decimal("0.06") * i,
        "total": amount + Decimal("0.06") * i,
        "total_in_words": "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元零壹分",
        "items": [
            {"name": "*信息技术服务*云服务器", "amount": Decimal("100.10"), "tax_rate": "6%"},
            {"name": "*软件*平台", "amount": 12.5, "tax_rate": None},
        ],
        "verified": True,
        "score": 0.1 + 0.2,  # a float that is not 0.3
    }
    return Document(
        file=file,
        pages=[1],
        type="invoice",
        confidence=0.97,
        extraction_confidence=0.8125,
        fields=fields,
        evidence={
            # Not in the order of `fields`, and one key that has no value at all.
            "total": _evidence(i, file, f"价税合计 ¥{amount}"),
            "buyer_name": _evidence(i, file, f"购买方名称：{COMPANY}"),
            "seal": _evidence(i, file, "发票专用章"),
        },
        unread={"invoice_code": "数电票无发票代码"},
    )


def _audit(i: int, file: str) -> Document:
    return Document(
        file=file,
        pages=[1, 2, 3, 4],
        type="audit_report",
        confidence=0.99,
        fields={
            "year": "2018",
            "auditor": "湖南湘能会计师事务所",
            "total_assets": Decimal("110201500.00"),
            "total_liabilities": Decimal("1E+7"),
            "revenue": 89012300.5,
            "prior_year": {"total_assets": Decimal("99999999999999999.99")},
        },
        evidence={"total_assets": _evidence(i, file, "资产总计 110,201,500.00")},
    )


def make_report(
    application: str = "001_湖南星辰智能装备有限公司",
    documents: int = 6,
    findings: int = 8,
    tag: str = "",
) -> Report:
    """A report with `documents` documents and `findings` findings; `tag` marks a version."""
    files = [
        FileEntry(file="申报书.docx", sha256="a" * 64, status="processed", format="docx", pages=9),
        FileEntry(
            file="附件5.doc",
            sha256="b" * 64,
            status="unsupported",
            reason="旧版 Word (.doc) 文件，请转换为 .docx 或 PDF",
        ),
        FileEntry(file="资料.zip/../../etc", status="rejected", reason="路径越出申报文件夹"),
    ]
    docs = [
        Document(
            file="申报书.docx",
            pages=[1],
            type="application_form",
            confidence=1.0,
            fields=_declared().model_dump(mode="python"),
        )
    ]
    for i in range(1, documents):
        file = f"发票/IMG_{i:04d}{tag}.pdf" if i % 3 else f"审计报告{2016 + i}.pdf"
        files.append(
            FileEntry(file=file, sha256=f"{i:064x}", status="processed", format="pdf", pages=4)
        )
        docs.append(_invoice(i, file) if i % 3 else _audit(i, file))
    severities = ("error", "warning", "info")
    found_values: list[Any] = [Decimal("11020.15"), 321, "长沙星辰有限公司", ["1.2"], None]
    finding_list = [
        Finding(
            code=f"FIN_MISMATCH{tag}",
            field="total_assets",
            year="2018" if i % 2 else None,
            severity=severities[i % 3],  # type: ignore[arg-type]
            declared=Decimal("12345.67") if i % 2 else "湖南星辰",
            found=found_values[i % len(found_values)],
            message=f"申报总资产 12345.67 万元，审计报告资产总计 11020.15 万元，相差 12.0%（{i}）{tag}",
            evidence=[_evidence(i, "审计报告2018.pdf", "资产总计 110,201,500.00")] * (i % 3),
        )
        for i in range(findings)
    ]
    return Report(
        application=application,
        declared=_declared(),
        files=files,
        documents=docs,
        findings=finding_list,
        stats={"ocr": 12, "text-layer": 30, "docx": 1, "cached": 0},
    )
