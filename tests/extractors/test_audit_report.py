"""The audit report extractor on real inputs: the sample batch's reports and statements
rendered here as text PDFs (reportlab) and as a JPEG scan (Pillow), all read through the real
page reader and OCR engine. Hand-built pages cover a few corner cases on top of that."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from extractors import audit_report
from extractors.base import Extraction
from pipeline.intake import scan_batch
from pipeline.models import AuditReport, InputFile, Line, Page
from pipeline.pages import read_pages
from tests.extractors.files import input_file

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
ZENHEI = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FIGURES = list(audit_report.FIGURES)

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))


# ---- drawing -----------------------------------------------------------------------------


class PdfSheet:
    """A text PDF drawn in millimetres from the top left, as printed statements are laid out."""

    def __init__(self, path: Path, width: float = 210, height: float = 297) -> None:
        self.canvas = Canvas(str(path), pagesize=(width * mm, height * mm), invariant=1)
        self.width, self.height = width, height

    def text(self, x: float, y: float, text: str, size: float = 9, align: str = "l") -> None:
        self.canvas.setFont("STSong-Light", size)
        pos = (x * mm, (self.height - y) * mm)
        if align == "r":
            self.canvas.drawRightString(*pos, text)
        elif align == "c":
            self.canvas.drawCentredString(*pos, text)
        else:
            self.canvas.drawString(*pos, text)

    def table(
        self,
        x: float,
        y: float,
        widths: Sequence[float],
        rows: list[list[str]],
        aligns: str,
        row_h: float = 6,
    ) -> None:
        for r, row in enumerate(rows):
            left = x
            for value, w, align in zip(row, widths, aligns, strict=True):
                base = y + r * row_h + row_h * 0.7
                if align == "r":
                    self.text(left + w - 1.2, base, value, 8.5, "r")
                elif align == "c":
                    self.text(left + w / 2, base, value, 8.5, "c")
                else:
                    self.text(left + 1.2, base, value, 8.5)
                left += w
            self.canvas.line(
                x * mm,
                (self.height - y - r * row_h) * mm,
                (x + sum(widths)) * mm,
                (self.height - y - r * row_h) * mm,
            )

    def next_page(self, width: float | None = None, height: float | None = None) -> None:
        self.canvas.showPage()
        if width and height:
            self.width, self.height = width, height
            self.canvas.setPageSize((width * mm, height * mm))

    def save(self) -> None:
        self.canvas.save()


def fmt(value: Decimal, unit: Decimal) -> str:
    if value == 0:
        return ""
    return f"{value / unit:,.2f}"


# One company's figures in 元: current year and prior year.
CURRENT = {
    "total_assets": Decimal("152340000.00"),
    "total_liabilities": Decimal("61220000.00"),
    "total_equity": Decimal("91120000.00"),
    "revenue": Decimal("98760000.00"),
    "total_profit": Decimal("8450000.00"),
    "net_profit": Decimal("7180000.00"),
    "taxes_and_surcharges": Decimal("612300.00"),
    "income_tax": Decimal("1270000.00"),
}
PRIOR = {
    "total_assets": Decimal("131250000.00"),
    "total_liabilities": Decimal("55870000.00"),
    "total_equity": Decimal("75380000.00"),
    "revenue": Decimal("87650000.00"),
    "total_profit": Decimal("-1230000.00"),
    "net_profit": Decimal("-1230000.00"),
    "taxes_and_surcharges": Decimal("543200.00"),
    "income_tax": Decimal("0"),
}
COMPANY = "湖南星辰智能装备有限公司"
FIRM = "湖南建业会计师事务所（特殊普通合伙）"


def _opinion_page(pdf: PdfSheet, qualified: bool) -> None:
    pdf.text(105, 30, "审 计 报 告", 18, "c")
    pdf.text(24, 45, f"{COMPANY}全体股东：")
    pdf.text(24, 55, "一、保留意见" if qualified else "一、审计意见")
    pdf.text(
        24, 63, f"我们审计了{COMPANY}（以下简称星辰公司）财务报表，包括2018年12月31日的资产负债表，"
    )
    pdf.text(24, 69, "2018年度的利润表以及相关财务报表附注。")
    if qualified:
        pdf.text(
            24,
            77,
            "我们认为，除“形成保留意见的基础”部分所述事项可能产生的影响外，后附的财务报表在所有",
        )
    else:
        pdf.text(
            24,
            77,
            "我们认为，后附的财务报表在所有重大方面按照企业会计准则的规定编制，公允反映了星辰公司",
        )
    pdf.text(
        24, 83, "重大方面按照企业会计准则的规定编制，公允反映了星辰公司2018年12月31日的财务状况。"
    )
    pdf.text(24, 95, "按照中国注册会计师审计准则，如果披露不充分，我们应当发表非无保留意见。")
    pdf.text(24, 200, FIRM)
    pdf.text(120, 200, "中国注册会计师：李明")
    pdf.text(24, 230, "中国·长沙")


def _balance_rows(
    cur: dict[str, Decimal], pri: dict[str, Decimal], equity_label: str
) -> list[tuple[str, Decimal, Decimal]]:
    return [
        ("货币资金", Decimal("23450000"), Decimal("19870000")),
        ("流动资产合计", Decimal("80120000"), Decimal("70000000")),
        ("资产总计", cur["total_assets"], pri["total_assets"]),
        ("短期借款", Decimal("10000000"), Decimal("12000000")),
        ("负债合计", cur["total_liabilities"], pri["total_liabilities"]),
        ("实收资本（或股本）", Decimal("50000000"), Decimal("50000000")),
        ("归属于母公司所有者权益合计", cur["total_equity"] - 1000, pri["total_equity"] - 1000),
        (equity_label, cur["total_equity"], pri["total_equity"]),
        ("负债和所有者权益（或股东权益）总计", cur["total_assets"], pri["total_assets"]),
    ]


def _income_rows(
    cur: dict[str, Decimal], pri: dict[str, Decimal], labels: dict[str, str]
) -> list[tuple[str, Decimal, Decimal]]:
    return [
        (labels["revenue"], cur["revenue"], pri["revenue"]),
        ("减：营业成本", Decimal("70000000"), Decimal("65000000")),
        ("税金及附加", cur["taxes_and_surcharges"], pri["taxes_and_surcharges"]),
        ("二、营业利润（亏损以“－”号填列）", Decimal("8400000"), Decimal("-1200000")),
        (labels["total_profit"], cur["total_profit"], pri["total_profit"]),
        ("减：所得税费用", cur["income_tax"], pri["income_tax"]),
        (labels["net_profit"], cur["net_profit"], pri["net_profit"]),
        ("（一）持续经营净利润", cur["net_profit"], pri["net_profit"]),
    ]


def statements_pdf(
    path: Path,
    *,
    unit: str = "元",
    row_numbers: bool = False,
    side_by_side: bool = False,
    income_labels: dict[str, str] | None = None,
    equity_label: str = "所有者权益合计",
    qualified: bool = False,
    parent_copy: bool = False,
    filler_pages: int = 0,
    consolidated: bool = False,
) -> Path:
    """An audit report as auditors' software exports it: opinion, 资产负债表, 利润表."""
    factor = Decimal(10000) if unit == "万元" else Decimal(1)
    labels = income_labels or {
        "revenue": "一、营业收入",
        "total_profit": "三、利润总额（亏损总额以“－”号填列）",
        "net_profit": "四、净利润（净亏损以“－”号填列）",
    }
    pdf = PdfSheet(path)
    for i in range(filler_pages):  # an annual report's other chapters
        pdf.text(24, 30, f"第{i + 1}节 管理层讨论与分析")
        pdf.text(24, 40, "报告期内公司营业收入同比增长12.68%，主要系工业互联网平台业务放量所致。")
        pdf.text(24, 50, "营业收入")
        pdf.text(120, 50, "1,111,111.11", align="r")
        pdf.next_page()
    _opinion_page(pdf, qualified)
    scopes = [("合并" if consolidated else "", Decimal(1))]
    if parent_copy:
        scopes.append(("母公司", Decimal("0.5")))
    for prefix, share in scopes:
        cur = {k: (v * share).quantize(Decimal("0.01")) for k, v in CURRENT.items()}
        pri = {k: (v * share).quantize(Decimal("0.01")) for k, v in PRIOR.items()}
        if side_by_side:
            pdf.next_page(297, 210)
            pdf.text(148.5, 22, f"{prefix}资 产 负 债 表", 16, "c")
            pdf.text(283, 29, "会企01表", 9, "r")
            pdf.text(14, 36, f"编制单位：{COMPANY}")
            pdf.text(148.5, 36, "2018年12月31日", 9, "c")
            pdf.text(283, 36, f"单位：{unit}", 9, "r")
            rows = _balance_rows(cur, pri, equity_label)
            assets, rest = rows[:3], rows[3:]
            table = [["资 产", "期末余额", "年初余额", "负债和所有者权益", "期末余额", "年初余额"]]
            for k in range(max(len(assets), len(rest))):
                a = assets[k] if k < len(assets) else ("", Decimal(0), Decimal(0))
                b = rest[k] if k < len(rest) else ("", Decimal(0), Decimal(0))
                table.append(
                    [
                        a[0],
                        fmt(a[1], factor),
                        fmt(a[2], factor),
                        b[0],
                        fmt(b[1], factor),
                        fmt(b[2], factor),
                    ]
                )
            pdf.table(14, 39, [62, 36, 36, 63, 36, 36], table, "lrrlrr")
            pdf.next_page(210, 297)
        else:
            pdf.next_page()
            pdf.text(105, 22, f"{prefix}资产负债表", 16, "c")
            pdf.text(192, 29, "会企01表", 9, "r")
            pdf.text(18, 36, f"编制单位：{COMPANY}")
            pdf.text(105, 36, "2018年12月31日", 9, "c")
            pdf.text(192, 36, f"单位：{unit}", 9, "r")
            head = (
                ["项 目", "行次", "期末余额", "年初余额"]
                if row_numbers
                else ["项 目", "期末余额", "年初余额"]
            )
            table = [head]
            for n, (label, c, p) in enumerate(_balance_rows(cur, pri, equity_label), start=1):
                values = [fmt(c, factor), fmt(p, factor)]
                table.append([label, str(n), *values] if row_numbers else [label, *values])
            widths = [80, 12, 41, 41] if row_numbers else [92, 41, 41]
            pdf.table(18, 39, widths, table, "lcrr" if row_numbers else "lrr")
            pdf.next_page()
        pdf.text(105, 22, f"{prefix}利润表", 16, "c")
        pdf.text(18, 36, f"编制单位：{COMPANY}")
        pdf.text(105, 36, "2018年度", 9, "c")
        pdf.text(192, 36, f"单位：{unit}", 9, "r")
        head = (
            ["项 目", "行次", "本期金额", "上期金额"]
            if row_numbers
            else ["项 目", "附注", "本期金额", "上期金额"]
        )
        table = [head]
        for n, (label, c, p) in enumerate(_income_rows(cur, pri, labels), start=1):
            table.append(
                [
                    label,
                    str(n) if row_numbers else ("五、1" if n == 1 else ""),
                    fmt(c, factor),
                    fmt(p, factor),
                ]
            )
        pdf.table(18, 39, [84, 12, 39, 39], table, "lcrr")
    pdf.next_page()
    pdf.text(105, 22, "现金流量表", 16, "c")
    pdf.text(18, 50, "净利润")
    pdf.text(150, 50, "999.00", align="r")
    pdf.save()
    return path


def statements_scan(path: Path) -> Path:
    """资产负债表 and 利润表 (with a 行次 column) scanned at 200 dpi into one JPEG each page.

    Returns a PDF of the JPEG pages, as a scanner writes it."""
    font = ImageFont.truetype(ZENHEI, 30)
    big = ImageFont.truetype(ZENHEI, 48)
    pages: list[Image.Image] = []
    for title, head, rows, date in (
        (
            "资产负债表",
            ["项目", "行次", "期末余额", "年初余额"],
            _balance_rows(CURRENT, PRIOR, "所有者权益合计"),
            "2018年12月31日",
        ),
        (
            "利润表",
            ["项目", "行次", "本年累计", "上年同期"],
            _income_rows(
                CURRENT,
                PRIOR,
                {
                    "revenue": "一、营业收入",
                    "total_profit": "三、利润总额",
                    "net_profit": "四、净利润",
                },
            ),
            "2018年度",
        ),
    ):
        img = Image.new("RGB", (1654, 2339), (250, 250, 247))
        draw = ImageDraw.Draw(img)
        draw.text((827, 160), title, font=big, fill=(20, 20, 20), anchor="mm")
        draw.text((140, 260), f"编制单位：{COMPANY}", font=font, fill=(20, 20, 20))
        draw.text((827, 260), date, font=font, fill=(20, 20, 20), anchor="ma")
        draw.text((1520, 260), "单位：元", font=font, fill=(20, 20, 20), anchor="ra")
        xs = [(140, "l"), (780, "m"), (1180, "r"), (1520, "r")]
        for r, row in enumerate(
            [head]
            + [
                [lab, str(n), fmt(c, Decimal(1)), fmt(p, Decimal(1))]
                for n, (lab, c, p) in enumerate(rows, start=1)
            ]
        ):
            y = 340 + r * 70
            draw.line((120, y - 18, 1540, y - 18), fill=(60, 60, 60), width=2)
            for (x, align), value in zip(xs, row, strict=True):
                anchor = {"l": "la", "m": "ma", "r": "ra"}[align]
                if r == 0 and align == "r":
                    x, anchor = x - 150, "ma"  # headings centred over their columns
                draw.text((x, y), value, font=font, fill=(25, 25, 25), anchor=anchor)
        pages.append(img)
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=200.0)
    return path


# ---- reading -----------------------------------------------------------------------------


def read(path: Path, engine: Any) -> tuple[InputFile, list[Page]]:
    f = input_file(path)
    return f, list(read_pages(f, engine))


def record(result: Extraction) -> AuditReport:
    assert isinstance(result.record, AuditReport)
    return result.record


def check_figures(rec: AuditReport, current: dict[str, Decimal], prior: dict[str, Decimal]) -> None:
    for name in FIGURES:
        assert getattr(rec, name) == current[name], name
        assert rec.prior_year is not None
        assert getattr(rec.prior_year, name) == prior[name], f"prior_year.{name}"


# ---- the sample batch ----------------------------------------------------------------------

# Sample scans OCRed by this module (the rest of the budget goes to the scan rendered below).
SAMPLE_OCR_PAGES = 8


def _truth_documents(doc_type: str) -> list[dict[str, Any]]:
    path = SAMPLES / "truth.json"
    if not path.exists():
        return []
    truth = json.loads(path.read_text(encoding="utf-8"))
    docs = [
        {"application": name.removesuffix(".zip"), **doc}
        for name, app in truth["applications"].items()
        for doc in app["documents"]
        if doc["type"] == doc_type
    ]
    # every text-layer report; scanned ones (one per application, for variety) while the
    # OCR budget lasts
    chosen, ocr_pages, scanned_apps = [], 0, set()
    for doc in docs:
        if doc.get("scanned"):
            if (
                doc["application"] in scanned_apps
                or ocr_pages + len(doc["pages"]) > SAMPLE_OCR_PAGES
            ):
                continue
            ocr_pages += len(doc["pages"])
            scanned_apps.add(doc["application"])
        chosen.append(doc)
    return chosen


SAMPLE_DOCS = _truth_documents("audit_report")


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], InputFile]:
    """The sample batch through the real intake (zipped applications opened)."""
    batch = scan_batch(SAMPLES / "batch", tmp_path_factory.mktemp("work"))
    return {(app.name, f.file): f for app in batch.applications for f in app.files}


@pytest.mark.skipif(not SAMPLE_DOCS, reason="samples/truth.json has no audit reports")
def test_sample_batch_reports(sample_files: dict[tuple[str, str], InputFile], engine: Any) -> None:
    wrong: list[str] = []
    read_once: dict[str, list[Page]] = {}
    for doc in SAMPLE_DOCS:
        f = sample_files[(doc["application"], doc["file"])]
        if f.path not in read_once:
            read_once[f.path] = list(read_pages(f, engine))
        mine = [p for p in read_once[f.path] if p.number in doc["pages"]]
        rec = record(audit_report.extract(f.file, mine)).model_dump(mode="json")
        for name, expected in doc["fields"].items():
            got = rec.get(name)
            if name == "prior_year":
                for sub, value in expected.items():
                    if got is None or got.get(sub) != value:
                        wrong.append(
                            f"{doc['file']} prior_year.{sub}: {got and got.get(sub)} != {value}"
                        )
            elif got != expected:
                wrong.append(f"{doc['file']} {name}: {got!r} != {expected!r}")
    assert any(d.get("scanned") for d in SAMPLE_DOCS)
    assert not wrong, "\n".join(wrong)


# ---- statements rendered here ----------------------------------------------------------------


def test_text_pdf_in_wan_with_row_numbers_and_qualified_opinion(tmp_path: Path) -> None:
    path = statements_pdf(tmp_path / "审计报告.pdf", unit="万元", row_numbers=True, qualified=True)
    f, pages = read(path, None)
    assert all(p.source == "text-layer" for p in pages)
    result = audit_report.extract(f.file, pages)
    rec = record(result)
    check_figures(rec, CURRENT, PRIOR)
    assert rec.year == "2018"
    assert rec.company_name == COMPANY
    assert rec.auditor == FIRM
    assert rec.opinion == "保留意见"
    assert result.unread == {}
    ev = result.evidence["total_assets"]
    assert ev.page == 2 and ev.bbox is not None and "15,234.00" in ev.text
    # 行次 "3" sits between label and value: the evidence is the amount, not the row number
    assert result.evidence["prior_year.total_assets"].text.endswith("13,125.00")


def test_total_revenue_and_fourth_profit_labels(tmp_path: Path) -> None:
    labels = {
        "revenue": "一、营业总收入",
        "total_profit": "四、利润总额（亏损总额以“－”号填列）",
        "net_profit": "五、净利润",
    }
    path = statements_pdf(
        tmp_path / "r.pdf", income_labels=labels, equity_label="所有者权益（或股东权益）合计"
    )
    f, pages = read(path, None)
    rec = record(audit_report.extract(f.file, pages))
    check_figures(rec, CURRENT, PRIOR)
    assert rec.opinion == "标准无保留意见"


def test_side_by_side_balance_sheet(tmp_path: Path) -> None:
    path = statements_pdf(tmp_path / "r.pdf", side_by_side=True, equity_label="股东权益合计")
    f, pages = read(path, None)
    rec = record(audit_report.extract(f.file, pages))
    check_figures(rec, CURRENT, PRIOR)


def test_annual_report_prefers_consolidated_and_stays_cheap(tmp_path: Path) -> None:
    path = statements_pdf(
        tmp_path / "年报.pdf", consolidated=True, parent_copy=True, filler_pages=120
    )
    f, pages = read(path, None)
    assert len(pages) == 126
    # How long this takes is measured by benchmarks/cheap_paths.py (no wall time in tests).
    result = audit_report.extract(f.file, pages)
    rec = record(result)
    check_figures(rec, CURRENT, PRIOR)
    assert result.evidence["total_assets"].page == 122  # the 合并 sheet, not the 母公司 one


def test_scanned_statements(tmp_path: Path, engine: Any) -> None:
    path = statements_scan(tmp_path / "scan.pdf")
    f, pages = read(path, engine)
    assert [p.source for p in pages] == ["ocr", "ocr"]
    result = audit_report.extract(f.file, pages)
    rec = record(result)
    check_figures(rec, CURRENT, PRIOR)
    assert rec.year == "2018" and rec.company_name == COMPANY
    assert 0 < result.confidence <= 1
    assert result.unread.keys() == {"auditor", "opinion"}


# ---- corner cases on hand-built pages ------------------------------------------------------------


def ocr_page(number: int, cells: list[tuple[str, float, float]], width: float = 1654) -> Page:
    """OCR-like lines: (text, x0, y0) in px, 30 px high, each character 30 px wide."""
    lines = [
        Line(
            text=t,
            bbox=(x, y, x + 30 * len(t) * (0.55 if t.isascii() else 1), y + 30),
            confidence=0.9,
        )
        for t, x, y in cells
    ]
    return Page(
        file="s.jpg", number=number, source="ocr", width=width, height=2339, unit="px", lines=lines
    )


def hand_file() -> str:
    return "s.jpg"


def test_ocr_glued_label_and_dated_columns() -> None:
    page = ocr_page(
        1,
        [
            ("合并资产负债表", 600, 100),
            ("单位：千元", 1300, 160),
            ("项目", 100, 220),
            ("2018年12月31日", 800, 220),
            ("2017年12月31日", 1200, 220),
            ("资产总计152,340.00", 100, 300),
            ("131,250.00", 1250, 300),
            ("负债合计", 100, 360),
            ("61.220.00", 950, 360),
            ("55,870.00", 1250, 360),
        ],
    )
    result = audit_report.extract(hand_file(), [page])
    rec = record(result)
    assert rec.total_assets == Decimal("152340000")
    assert rec.prior_year is not None and rec.prior_year.total_assets == Decimal("131250000")
    assert rec.total_liabilities == Decimal("61220000")  # OCR's 61.220.00
    assert rec.year == "2018"
    assert result.confidence == pytest.approx(0.9)


def test_parent_only_is_used_when_no_consolidated_and_blank_is_none_on_scans() -> None:
    page = ocr_page(
        1,
        [
            ("母公司利润表", 600, 100),
            ("项目", 100, 220),
            ("本期金额", 900, 220),
            ("上期金额", 1250, 220),
            ("净利润", 100, 300),
            ("100.00", 1000, 300),
            ("90.00", 1350, 300),
            ("所得税费用", 100, 360),
        ],
    )
    rec = record(audit_report.extract(hand_file(), [page]))
    assert rec.net_profit == Decimal("100.00")
    assert rec.income_tax is None  # a scan's empty row is not read as zero


def test_no_statements_means_unread_not_zero() -> None:
    page = ocr_page(
        1, [("审计报告", 600, 100), ("我们审计了湖南星辰智能装备有限公司财务报表", 100, 200)]
    )
    result = audit_report.extract(hand_file(), [page])
    assert record(result).total_assets is None
    assert result.unread["total_assets"] == "未找到资产负债表"
    assert result.unread["prior_year"]


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("负债和所有者权益（或股东权益）总计", None),
        ("归属于母公司所有者的净利润", None),
        ("（一）持续经营净利润", None),
        ("减：所得税费用", "income_tax"),
        ("营业税金及附加", "taxes_and_surcharges"),
        ("三、利润总额（亏损总额以“－”号填列）", "total_profit"),
    ],
)
def test_labels(label: str, field: str | None) -> None:
    hit = audit_report.match_field(label)
    assert (hit[0] if hit else None) == field


def test_skewed_scan_rows_are_levelled() -> None:
    """A scan turned 2°: each value sits a row higher than its label on the right side."""
    angle = math.radians(-2.0)
    cells = [
        ("资产负债表", 600, 100, 300),
        ("项目", 100, 220, 120),
        ("期末余额", 950, 220, 240),
        ("年初余额", 1300, 220, 240),
        ("资产总计", 100, 300, 240),
        ("152,340,000.00", 900, 300, 330),
        ("131,250,000.00", 1250, 300, 330),
        ("负债合计", 100, 348, 240),
        ("61,220,000.00", 900, 348, 330),
        ("55,870,000.00", 1250, 348, 330),
    ]
    lines = []
    for text, x, y, w in cells:
        corners = [(x, y), (x + w, y), (x + w, y + 30), (x, y + 30)]
        quad = [
            (
                px * math.cos(angle) - py * math.sin(angle),
                px * math.sin(angle) + py * math.cos(angle),
            )
            for px, py in corners
        ]
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        lines.append(
            Line(text=text, bbox=(min(xs), min(ys), max(xs), max(ys)), quad=quad, confidence=0.95)
        )
    page = Page(
        file="s.jpg", number=1, source="ocr", width=1654, height=2339, unit="px", lines=lines
    )
    result = audit_report.extract(hand_file(), [page])
    rec = record(result)
    assert rec.total_assets == Decimal("152340000") and rec.total_liabilities == Decimal("61220000")
    assert rec.prior_year is not None and rec.prior_year.total_liabilities == Decimal("55870000")
    # evidence is in the page's own (skewed) coordinates, not the levelled ones
    ev = result.evidence["total_liabilities"]
    assert ev.bbox is not None and ev.bbox[1] == pytest.approx(min(ln.bbox[1] for ln in lines[7:9]))
