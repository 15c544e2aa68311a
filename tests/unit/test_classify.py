"""Page classification and splitting of a combined scan into documents."""

from __future__ import annotations

from pipeline.classify import classify_page, group_pages
from pipeline.models import Line, Page


def page(number: int, *texts: str) -> Page:
    """A page of OCR lines stacked top to bottom on an A4 raster (px at 200 dpi)."""
    lines = [
        Line(text=t, bbox=(100.0, 120.0 + 60 * i, 1500.0, 160.0 + 60 * i), confidence=0.98)
        for i, t in enumerate(texts)
    ]
    return Page(
        file="scan.pdf",
        number=number,
        source="ocr",
        width=1654,
        height=2339,
        unit="px",
        lines=lines,
    )


LICENCE = (
    "营业执照",
    "统一社会信用代码 91430100MA4L0ABC1X",
    "名称 湖南星辰智能装备有限公司",
    "法定代表人 张三",
    "注册资本 伍仟万元整",
    "成立日期 2012年03月15日",
    "经营范围 工业机器人制造",
)
TAX = (
    "中华人民共和国税收完税证明",
    "纳税人识别号 91430100MA4L0ABC1X",
    "纳税人名称 湖南星辰智能装备有限公司",
    "原凭证号 税种 品目名称 税款所属时期 入(退)库日期 实缴(退)金额",
    "增值税 2018-01-01至2018-12-31",
)
CONTRACT_1 = (
    "工业互联网平台技术服务合同",
    "合同编号：HT-2018-001",
    "甲方：湖南星辰智能装备有限公司",
    "乙方：树根互联股份有限公司",
    "合同金额：人民币壹佰贰拾万元整",
)
CONTRACT_CLAUSES = ("第五条 付款方式", "第六条 违约责任", "第七条 争议解决")
CONTRACT_2 = (
    "云服务器采购协议",
    "合同编号：HT-2018-002",
    "甲方：湖南星辰智能装备有限公司",
    "乙方：阿里云计算有限公司",
)
INVOICE = (
    "湖南增值税电子普通发票",
    "发票代码 043001800111 发票号码 01234567",
    "开票日期 2018年06月15日",
    "购买方 名称 湖南星辰智能装备有限公司",
    "价税合计（大写） 壹万零陆百元整",
    "销售方 名称 阿里云计算有限公司",
)
ITINERARY = (
    "滴滴出行-行程单",
    "申请日期 2018-06-15 行程人手机号 138****0000",
    "上车时间 起点 终点 金额",
    "发票代码 价税合计",
)


def test_types_of_single_pages() -> None:
    assert classify_page(page(1, *LICENCE)).type == "business_licence"
    assert classify_page(page(1, *TAX)).type == "tax_certificate"
    assert classify_page(page(1, *CONTRACT_1)).type == "contract"
    assert classify_page(page(1, *INVOICE)).type == "invoice"


def test_itinerary_is_not_an_invoice() -> None:
    assert classify_page(page(1, *ITINERARY)).type == "other"


def test_combined_scan_is_split_with_page_ranges() -> None:
    pages = [
        page(1, *LICENCE),
        page(2, *TAX),
        page(3, *CONTRACT_1),
        page(4, *CONTRACT_CLAUSES),
        page(5, *CONTRACT_2),
        page(6, *INVOICE),
        page(7, *INVOICE),
    ]
    runs = group_pages(pages)
    assert [(r.type, r.pages) for r in runs] == [
        ("business_licence", [1]),
        ("tax_certificate", [2]),
        ("contract", [3, 4]),
        ("contract", [5]),
        ("invoice", [6]),
        ("invoice", [7]),
    ]


def test_two_audit_reports_back_to_back_are_split() -> None:
    cover = ("审计报告", "湘XX审字〔2019〕第0123号", "XX会计师事务所（特殊普通合伙）")
    opinion = ("审计报告", "我们审计了湖南星辰智能装备有限公司财务报表", "审计意见")
    balance = (
        "资产负债表",
        "编制单位：湖南星辰智能装备有限公司",
        "资产总计 110,201,500.00",
        "负债合计",
    )
    income = ("利润表", "一、营业收入 89,012,300.00", "利润总额", "净利润")
    pages = [
        page(i + 1, *t)
        for i, t in enumerate([cover, opinion, balance, income, cover, opinion, balance, income])
    ]
    runs = group_pages(pages)
    assert [(r.type, r.pages) for r in runs] == [
        ("audit_report", [1, 2, 3, 4]),
        ("audit_report", [5, 6, 7, 8]),
    ]


def test_page_without_cues_continues_the_document() -> None:
    runs = group_pages([page(1, *CONTRACT_1), page(2, "（以下无正文）")])
    assert [(r.type, r.pages) for r in runs] == [("contract", [1, 2])]


def test_file_names_play_no_part() -> None:
    a = page(1, *LICENCE)
    b = a.model_copy(update={"file": "发票.pdf"})
    assert classify_page(a).type == classify_page(b).type == "business_licence"
