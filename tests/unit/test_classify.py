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


ANNUAL_COVER = ("湖南麓谷云智科技股份有限公司", "2018年年度报告", "2019年4月")
COMPANY_INFO = (
    "第二节 公司简介和主要财务指标",
    "公司的中文名称：湖南麓谷云智科技股份有限公司",
    "公司的法定代表人：张三",
    "统一社会信用代码：91430100MA4L0ABC1X",
    "注册资本：50,000,000.00元",
    "成立日期：2012年3月15日",
    "注册地址：湖南省长沙市岳麓区麓谷大道100号",
    "经营范围：工业机器人制造",
)
MAJOR_CONTRACTS = (
    "第四节 重要事项",
    "重大合同及其履行情况",
    "1．合同名称：设备采购合同；甲方：湖南麓谷云智科技股份有限公司；乙方：供应商1",
    "合同金额：1,000,000.00元；签订日期：2018年5月；履行情况：履行中",
    "报告期内未发生合同违约或争议解决事项。",
    "收入确认：开具增值税专用发票并经客户签收后确认收入，销售方按税率13%计税额。",
    "本合同相关事项详见财务报表附注。",
)
AUDIT_OPINION = (
    "审计报告",
    "湖南麓谷云智科技股份有限公司全体股东：",
    "一、审计意见",
    "我们审计了湖南麓谷云智科技股份有限公司财务报表，包括2018年12月31日的资产负债表",
    "我们认为，后附的财务报表在所有重大方面公允反映了公司的财务状况。",
    "二、形成审计意见的基础",
    "中国注册会计师：李四",
)
BALANCE_SHEET = (
    "资产负债表",
    "编制单位：湖南麓谷云智科技股份有限公司 2018年12月31日 单位：元",
    "项目 行次 期末余额 年初余额",
    "货币资金 1 1,000.00 900.00",
    "资产总计 15 9,000.00 8,000.00",
    "负债合计 28 4,000.00 3,000.00",
    "所有者权益合计 34 5,000.00 5,000.00",
)


def test_a_long_report_keeps_pages_that_read_like_a_licence_or_a_contract() -> None:
    pages = [
        page(n, *texts)
        for n, texts in enumerate(
            (ANNUAL_COVER, COMPANY_INFO, MAJOR_CONTRACTS, AUDIT_OPINION, BALANCE_SHEET), start=1
        )
    ]
    # Alone, the company-information page would pass for a licence.
    assert classify_page(pages[1]).type == "business_licence"
    runs = group_pages(pages)
    assert [(r.type, r.pages) for r in runs] == [("audit_report", [1, 2, 3, 4, 5])]


def test_a_document_that_clearly_starts_inside_a_report_is_split_off() -> None:
    pages = [
        page(1, *AUDIT_OPINION),
        page(2, *BALANCE_SHEET),
        page(3, *CONTRACT_1, *CONTRACT_CLAUSES),
    ]
    pages.append(page(4, *INVOICE, "校验码 12345 67890", "密码区"))
    runs = group_pages(pages)
    assert [(r.type, r.pages) for r in runs] == [
        ("audit_report", [1, 2]),
        ("contract", [3]),
        ("invoice", [4]),
    ]


def test_a_report_inside_an_annual_report_does_not_split_it() -> None:
    # The audit report's own cover after the annual report's front part: still one report.
    audit_cover = ("湖南麓谷云智科技股份有限公司", "审计报告", "湘审字〔2019〕第0123号")
    pages = [page(1, *ANNUAL_COVER), page(2, *COMPANY_INFO), page(3, *audit_cover)]
    pages += [page(4, *AUDIT_OPINION), page(5, *BALANCE_SHEET)]
    runs = group_pages(pages)
    assert [(r.type, r.pages) for r in runs] == [("audit_report", [1, 2, 3, 4, 5])]


def test_a_taxi_receipt_and_a_bank_permit_are_not_invoices() -> None:
    taxi = (
        "湖南省长沙市出租汽车统一发票",
        "发票代码 143011870021 发票号码 00123456",
        "车号 湘A·T1234 日期 2018-06-15",
        "上车 08:12 下车 08:40",
        "单价 2.50 里程 12.3 金额 ¥36.00",
    )
    permit = (
        "开户许可证",
        "核准号：J5510001234501",
        "存款人名称 湖南星辰智能装备有限公司",
        "基本存款账户",
    )
    assert classify_page(page(1, *taxi)).type == "other"
    assert classify_page(page(1, *permit)).type == "other"
