"""A realistic report built on real sample files: a scanned licence (JPEG, OCR pixels) and a
text-layer audit report (PDF, points), with findings whose evidence points into both."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.models import (
    Declared,
    Document,
    Evidence,
    FileEntry,
    FileFormat,
    Finding,
    InputFile,
    Line,
    Page,
    Project,
    ProjectCosts,
    Report,
    YearFigures,
)
from pipeline.pages import read_pages
from pipeline.report import SummaryRow, write_report

ROOT = Path(__file__).resolve().parents[2]
APP = "001_湖南星辰智能装备有限公司"
SAMPLE = ROOT / "samples" / "batch" / APP
LICENCE = "营业执照.jpg"
AUDIT = "附件/财务/2018年度审计报告.pdf"
FORM = "申报书.docx"

# What OCR read on the licence scan (1654×2339 px at 200 dpi, upright): a few lines with
# their quads, as pipeline/pages.py stores them. The scan is slightly skewed.
LICENCE_LINES = [
    Line(
        text="统一社会信用代码",
        bbox=(150.4, 694.4, 391.2, 741.5),
        quad=[(150.4, 702.6), (390.0, 694.4), (391.2, 733.3), (151.5, 741.5)],
    ),
    Line(
        text="91430104759802690R",
        bbox=(152.7, 746.3, 519.2, 798.1),
        quad=[(152.7, 759.2), (518.0, 746.3), (519.2, 785.2), (153.9, 798.1)],
    ),
    Line(
        text="名",
        bbox=(193.8, 997.4, 236.1, 1042.2),
        quad=[(193.8, 997.4), (236.1, 997.4), (236.1, 1042.2), (193.8, 1042.2)],
    ),
    Line(
        text="称",
        bbox=(355.9, 992.7, 402.9, 1033.9),
        quad=[(355.9, 992.7), (402.9, 992.7), (402.9, 1033.9), (355.9, 1033.9)],
    ),
    Line(
        text="湖南星辰智能装备有限公司",
        bbox=(476.9, 972.6, 878.7, 1029.2),
        quad=[(476.9, 986.8), (877.5, 972.6), (878.7, 1015.1), (478.1, 1029.2)],
    ),
    Line(
        text="有限责任公司（自然人投资或控股）",
        bbox=(479.3, 1058.7, 996.2, 1120.0),
        quad=[(479.3, 1077.5), (995.0, 1058.7), (996.2, 1101.1), (480.5, 1120.0)],
    ),
]
LICENCE_PAGE = Page(
    file=LICENCE,
    number=1,
    source="ocr",
    width=1654.0,
    height=2339.0,
    unit="px",
    dpi=200,
    rotation=0,
    lines=LICENCE_LINES,
    engine="rapidocr (recorded)",
)


def input_file(path: Path, file: str, fmt: FileFormat) -> InputFile:
    data = path.read_bytes()
    return InputFile(
        file=file,
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        format=fmt,
    )


def find_line(page: Page, start: str) -> Line:
    return next(line for line in page.lines if line.text.startswith(start))


def ev(page: Page, line: Line) -> Evidence:
    return Evidence(file=page.file, page=page.number, bbox=line.bbox, text=line.text)


@dataclass
class Built:
    out: Path
    report: Report
    row: SummaryRow
    files: list[InputFile]
    pages: list[Page]

    @property
    def app_dir(self) -> Path:
        return self.out / APP

    @property
    def html(self) -> str:
        return (self.app_dir / "report.html").read_text("utf-8")


def sample_inputs() -> tuple[list[InputFile], list[Page]]:
    files = [
        input_file(SAMPLE / FORM, FORM, "docx"),
        input_file(SAMPLE / LICENCE, LICENCE, "jpeg"),
        input_file(SAMPLE / AUDIT, AUDIT, "pdf"),
    ]
    # The audit report has a text layer: read_pages reads it without OCR, exactly as the
    # pipeline does (geometry in pt, lines from pdfplumber).
    audit_pages = list(read_pages(files[2], engine=None))
    assert all(p.source == "text-layer" for p in audit_pages), "the sample PDF has a text layer"
    return files, [LICENCE_PAGE, *audit_pages]


def sample_report(pages: list[Page]) -> Report:
    audit3 = next(p for p in pages if p.file == AUDIT and p.number == 3)
    assets_line = find_line(audit3, "资产总计")
    liabilities_line = find_line(audit3, "负债合计")
    code_line = LICENCE_LINES[1]
    name_line = LICENCE_LINES[4]
    form_assets = Evidence(file=FORM, text="主要经济指标 | 总资产（万元） | 20,123.54 | 27,000.00")
    form_code = Evidence(file=FORM, text="组织机构代码/统一社会信用代码：91430104759802609R")
    declared = Declared(
        company_name="湖南星辰智能装备有限公司",
        credit_code="91430104759802609R",
        established="2012-03-15",
        industry=["工程机械"],
        city="长沙市",
        county="岳麓区",
        address="长沙市岳麓区麓谷街道麓松路460号",
        years={
            "2017": YearFigures(
                total_assets=Decimal("20123.54"),
                debt_ratio=Decimal("52.06"),
                revenue=Decimal("18420.61"),
                tax=Decimal("1108.09"),
                profit=Decimal("3388.68"),
                employees=326,
            ),
            "2018": YearFigures(
                total_assets=Decimal("27000.00"),
                debt_ratio=Decimal("49.52"),
                revenue=Decimal("21736.32"),
                tax=Decimal("1182.39"),
                profit=Decimal("3724.54"),
                employees=358,
            ),
        },
        project=Project(
            name="星辰智能装备工业互联网平台应用及设备上云项目",
            start="2017-06",
            end="2018-12",
            total_cost=Decimal("411.00"),
            costs=ProjectCosts(
                development=Decimal("95"),
                staff=Decimal("62"),
                public_cloud=Decimal("86"),
                platform_services=Decimal("168"),
            ),
        ),
        elements=["1.1", "1.3"],
        description_chars=1184,
    )
    documents = [
        Document(
            file=FORM,
            pages=[1],
            type="application_form",
            confidence=0.9,
            fields=declared.model_dump(mode="json"),
            evidence={"credit_code": form_code},
        ),
        Document(
            file=LICENCE,
            pages=[1],
            type="business_licence",
            confidence=1.0,
            extraction_confidence=0.97,
            fields={
                "company_name": "湖南星辰智能装备有限公司",
                "credit_code": "91430104759802690R",
                "registration_number": None,
                "company_type": "有限责任公司（自然人投资或控股）",
                "legal_representative": "赵丽娟",
                "registered_capital": None,
                "established": "2012-03-15",
                "address": "湖南省长沙市岳麓区麓谷街道麓松路460号",
                "business_scope": None,
                "issue_date": "2017-08-22",
            },
            evidence={
                "company_name": ev(LICENCE_PAGE, name_line),
                "credit_code": ev(LICENCE_PAGE, code_line),
                "company_type": ev(LICENCE_PAGE, LICENCE_LINES[5]),
            },
            unread={"registered_capital": "印章遮挡，金额无法辨认"},
        ),
        Document(
            file=AUDIT,
            pages=[1, 2, 3, 4],
            type="audit_report",
            confidence=0.95,
            fields={
                "company_name": "湖南星辰智能装备有限公司",
                "year": "2018",
                "auditor": "湖南楚信会计师事务所有限公司",
                "opinion": "标准无保留意见",
                "total_assets": 254102463.87,
                "total_liabilities": 125820942.97,
                "total_equity": None,
                "revenue": 217363241.70,
                "total_profit": None,
                "net_profit": None,
                "taxes_and_surcharges": None,
                "income_tax": None,
                "prior_year": {"total_assets": 201235352.82, "total_liabilities": 104759475.78},
            },
            evidence={
                "total_assets": ev(audit3, assets_line),
                "total_liabilities": ev(audit3, liabilities_line),
            },
            unread={"total_equity": "所有者权益合计一行被截断"},
        ),
        Document(
            file="附件/发票/dzfp_044001867011_38836433.pdf",
            pages=[1],
            type="invoice",
            confidence=1.0,
            fields={
                "invoice_code": "044001867011",
                "invoice_number": "38836433",
                "issue_date": "2018-09-14",
                "buyer_name": "湖南星辰智能装备有限公司",
                "seller_name": "树根互联技术有限公司",
                "amount": 792452.83,
                "tax_amount": 47547.17,
                "total": 840000.00,
                "items": [{"name": "*信息技术服务*平台服务费", "amount": 792452.83}],
            },
        ),
        Document(
            file="附件/发票/根云专票扫描.jpg",
            pages=[1],
            type="invoice",
            confidence=0.94,
            fields={"invoice_number": "70571436", "issue_date": "2017-11-06", "total": None},
            unread={"total": "价税合计被印章覆盖"},
        ),
        Document(
            file="附件/合同/MES系统开发合同.pdf",
            pages=[1, 2],
            type="contract",
            confidence=0.94,
            fields={},
            unread={"*": "该类型文档的字段提取尚未实现"},
        ),
    ]
    findings = [
        Finding(
            code="DESCRIPTION_TOO_LONG",
            field="description_length",
            severity="warning",
            declared=1184,
            found=1000,
            message="项目总体描述 1184 字，超过 1000 字的限制",
            evidence=[Evidence(file=FORM, text="项目总体描述：……（1184 字）")],
        ),
        Finding(
            code="FIN_MISMATCH",
            field="total_assets",
            year="2018",
            severity="error",
            declared=Decimal("27000.00"),
            found=Decimal("25410.25"),
            message="申报2018年总资产 27,000.00 万元，审计报告资产总计 25,410.25 万元，相差 1,589.75 万元",
            evidence=[form_assets, ev(audit3, assets_line)],
        ),
        Finding(
            code="CREDIT_CODE_MISMATCH",
            field="credit_code",
            severity="error",
            declared="91430104759802609R",
            found="91430104759802690R",
            message="申报书统一社会信用代码 91430104759802609R 与营业执照 91430104759802690R 不一致",
            evidence=[form_code, ev(LICENCE_PAGE, code_line)],
        ),
        Finding(
            code="EMPLOYEES_UNVERIFIABLE",
            field="employees",
            year="2018",
            severity="info",
            declared=358,
            message="无法核验：申报2018年从业人员 358 人，所附材料中没有载明从业人数的文件",
        ),
    ]
    files = [
        FileEntry(file=FORM, sha256="a" * 64, status="processed", format="docx", pages=1),
        FileEntry(file=LICENCE, sha256="b" * 64, status="processed", format="jpeg", pages=1),
        FileEntry(file=AUDIT, sha256="c" * 64, status="processed", format="pdf", pages=4),
        FileEntry(
            file="附件5.doc",
            sha256="d" * 64,
            status="unsupported",
            format="unknown",
            reason="旧版 Word (.doc) 文件，请转换为 .docx 或 PDF",
        ),
        FileEntry(
            file="扫描件/损坏.pdf",
            sha256="e" * 64,
            status="unreadable",
            format="pdf",
            reason="PDF 文件已损坏：文件不完整（缺少结尾标记，可能上传或复制中断）",
        ),
        FileEntry(
            file="营业执照 (1).jpg",
            sha256="b" * 64,
            status="duplicate",
            format="jpeg",
            reason="与 营业执照.jpg 相同",
        ),
    ]
    return Report(
        application=APP,
        declared=declared,
        files=files,
        documents=documents,
        findings=findings,
        stats={"pages": 6, "pages_ocr": 1, "pages_text-layer": 4, "pages_docx": 1, "files": 6},
    )


CHECKED = ["company_name", "credit_code", "region", "established", "total_assets", "elements"]


def build(out: Path) -> Built:
    files, pages = sample_inputs()
    report = sample_report(pages)
    row = write_report(report, out, files=files, pages=pages, checked=CHECKED)
    return Built(out, report, row, files, pages)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """One report written once per test module (pictures take a moment to draw)."""
    return build(tmp_path_factory.mktemp("out"))
