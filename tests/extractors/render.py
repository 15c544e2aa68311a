"""Documents drawn on the fly for the extractor tests: JPEG scans (Pillow) and text PDFs (reportlab).

Each builder writes a file and returns it with the fields a reader should find on it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from extractors.common.credit_code import check_digit, mod_11_10_check_digit

ZENHEI = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"
A4_PX = (1654, 2339)  # 200 dpi


def credit_code(first17: str) -> str:
    return first17 + check_digit(first17)


def registration_number(first14: str) -> str:
    return first14 + mod_11_10_check_digit(first14)


@dataclass
class Rendered:
    path: Path
    fields: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


# ---- scans -------------------------------------------------------------------------------


class Scan:
    """A white page at 200 dpi with text placed in pixels, saved as a slightly worn JPEG."""

    def __init__(self, size: tuple[int, int] = A4_PX, font: str = ZENHEI, seed: int = 7) -> None:
        self.image = Image.new("RGB", size, (250, 250, 247))
        self.draw = ImageDraw.Draw(self.image)
        self.font_path = font
        self.rng = random.Random(seed)

    def text(self, x: float, y: float, text: str, size: int = 40, spacing: int = 0) -> None:
        font = ImageFont.truetype(self.font_path, size)
        if not spacing:
            self.draw.text((x, y), text, font=font, fill=(25, 25, 25))
            return
        for ch in text:  # letter-spaced labels as printed on licences ("名    称")
            self.draw.text((x, y), ch, font=font, fill=(25, 25, 25))
            x += font.getlength(ch) + spacing

    def centred(self, y: float, text: str, size: int, spacing: int = 0) -> None:
        font = ImageFont.truetype(self.font_path, size)
        width = font.getlength(text) + spacing * (len(text) - 1)
        self.text((self.image.width - width) / 2, y, text, size, spacing)

    def seal(self, cx: float, cy: float, r: float, name: str) -> None:
        """A red round seal with its name along the rim (red: the OCR's red channel drops it)."""
        red = (210, 40, 40)
        self.draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=7)
        self.draw.regular_polygon((cx, cy, r / 4), 5, outline=red, fill=red)
        font = ImageFont.truetype(ZENHEI, int(r / 5))
        self.draw.text((cx - r * 0.7, cy + r * 0.35), name[:10], font=font, fill=red)

    def rule(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.draw.line((x0, y0, x1, y1), fill=(40, 40, 40), width=2)

    def save(self, path: Path) -> Path:
        image = self.image.rotate(0.4, resample=Image.Resampling.BICUBIC, fillcolor=(250, 250, 247))
        image = image.filter(ImageFilter.GaussianBlur(0.6))
        image.save(path, "JPEG", quality=78)
        return path


def landscape_licence(path: Path) -> Rendered:
    """Current 横版 licence: two label/value pairs a row, 经营范围 wrapping in the left column."""
    code = credit_code("91430104MA4PQ7KX3")
    s = Scan(size=(A4_PX[1], A4_PX[0]))
    s.centred(110, "营业执照", 96, spacing=40)
    s.centred(250, "（副 本）", 40)
    s.text(160, 330, "统一社会信用代码", 34)
    s.text(160, 380, code, 40)
    s.text(1900, 330, "副本编号：1-1", 30)
    left_l, left_v, right_l, right_v = 160, 440, 1250, 1530
    rows = [
        ("名称", "湖南麓谷云创信息技术有限公司", "注册资本", "壹仟贰佰万元整"),
        ("类型", "有限责任公司(自然人投资或控股)", "成立日期", "2016年08月09日"),
        ("法定代表人", "李娜", "营业期限", "2016年08月09日至长期"),
        ("经营范围", "软件开发；信息系统集成服务；数据", "住所", "湖南省长沙市岳麓区麓谷街道"),
    ]
    y = 520
    for ll, lv, rl, rv in rows:
        s.text(left_l, y, ll, 40, spacing=40 if len(ll) == 2 else 0)
        s.text(left_v, y, lv, 40)
        s.text(right_l, y, rl, 40, spacing=40 if len(rl) == 2 else 0)
        s.text(right_v, y, rv, 40)
        y += 95
    y -= 95
    for text, right in [
        ("处理和存储支持服务；工业互联网平台", "桐梓坡西路229号麓谷国际工业园A1栋"),
        ("的研发与运营。（依法须经批准的项目", None),
        ("，经相关部门批准后方可开展经营活动）", None),
    ]:
        y += 58
        s.text(left_v, y, text, 40)
        if right:
            s.text(right_v, y, right, 40)
    s.text(1530, 1240, "登记机关", 40, spacing=12)
    s.seal(1700, 1300, 150, "长沙市市场监督管理局")
    s.text(1560, 1380, "2019年07月02日", 40)
    s.text(160, 1540, "国家企业信用信息公示系统网址：http://www.gsxt.gov.cn", 30)
    s.text(1550, 1540, "国家市场监督管理总局监制", 30)
    s.save(path)
    return Rendered(
        path,
        {
            "company_name": "湖南麓谷云创信息技术有限公司",
            "credit_code": code,
            "registration_number": None,
            "company_type": "有限责任公司（自然人投资或控股）",
            "legal_representative": "李娜",
            "registered_capital": Decimal("12000000"),
            "established": "2016-08-09",
            "address": "湖南省长沙市岳麓区麓谷街道桐梓坡西路229号麓谷国际工业园A1栋",
            "business_scope": "软件开发；信息系统集成服务；数据处理和存储支持服务；工业互联网平台"
            "的研发与运营。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
            "issue_date": "2019-07-02",
        },
    )


def old_licence(path: Path) -> Rendered:
    """Pre-2015 portrait licence: 15-digit 注册号, dates in Chinese numerals."""
    number = registration_number("43010000012345")
    s = Scan(font=UMING)
    s.centred(180, "营业执照", 100, spacing=50)
    s.centred(330, "（副本）", 44)
    s.text(1020, 450, f"注册号  {number}", 38)
    label_x, value_x = 200, 560
    rows = [
        ("名称", "株洲华锐精密机械有限公司"),
        ("住所", "株洲市天元区泰山路88号"),
        ("法定代表人姓名", "王建国"),
        ("注册资本", "伍佰万元整"),
        ("实收资本", "伍佰万元整"),
        ("公司类型", "有限责任公司"),
    ]
    y = 600
    for label, value in rows:
        s.text(label_x, y, label, 42, spacing=84 if len(label) == 2 else 0)
        s.text(value_x, y, value, 42)
        y += 100
    s.text(label_x, y, "经营范围", 42)
    for text in [
        "精密机械零部件的研发、制造和销售；数控",
        "机床的销售及维修；自营和代理各类商品",
        "和技术的进出口。",
    ]:
        s.text(value_x, y, text, 42)
        y += 62
    y += 40
    s.text(label_x, y, "成立日期", 42)
    s.text(value_x, y, "二〇一一年九月二十六日", 42)
    y += 100
    s.text(label_x, y, "营业期限", 42)
    s.text(value_x, y, "二〇一一年九月二十六日至二〇四一年九月二十五日", 42)
    s.text(1050, 1900, "登记机关", 42)
    s.seal(1250, 1960, 170, "株洲市工商行政管理局")
    s.text(1060, 2060, "二〇一四年五月六日", 42)
    s.save(path)
    return Rendered(
        path,
        {
            "company_name": "株洲华锐精密机械有限公司",
            "credit_code": None,
            "registration_number": number,
            "company_type": "有限责任公司",
            "legal_representative": "王建国",
            "registered_capital": Decimal("5000000"),
            "established": "2011-09-26",
            "address": "株洲市天元区泰山路88号",
            "business_scope": "精密机械零部件的研发、制造和销售；数控机床的销售及维修；"
            "自营和代理各类商品和技术的进出口。",
            "issue_date": "2014-05-06",
        },
    )


def spaced_licence(path: Path) -> Rendered:
    """Current 竖版 licence in the style OCR finds hardest: two-character labels printed with
    wide letter-spacing over tight rows (名 … 称 / 类 … 型 / 住 … 所, so that the detector may
    join a label column into one vertical box), the address wrapping onto a short second line
    just above 法定代表人, a light watermark line through the type, the background 市场监督管理
    behind the values, and a numbered 重要提示 box whose notes mention 注册资本."""
    code = credit_code("91430103MA4RX2KQ7")
    s = Scan()
    s.centred(170, "营业执照", 110, spacing=50)
    s.centred(320, "（副 本）", 44)
    s.text(820, 420, "统一社会信用代码", 38)
    s.text(1160, 420, code, 38)
    label_x, value_x, size, pitch = 190, 560, 46, 64
    rows = [
        ("名称", "湖南湘江云图数据服务有限公司"),
        ("类型", "有限责任公司(自然人独资)"),
        ("住所", "湖南省长沙市天心区芙蓉南路二段"),
        (None, "368号金源大厦B座1206"),
        ("法定代表人", "欧阳明"),
        ("注册资本", "伍佰万元整"),
        ("成立日期", "2018年11月06日"),
        ("营业期限", "2018年11月06日至长期"),
        ("经营范围", "数据处理和存储服务；软件开发；信息技术咨询服务。"),
    ]
    # The background text of every current licence, pale, behind the values.
    s.draw.text(
        (640, 640), "市场监督管理", font=ImageFont.truetype(ZENHEI, 120), fill=(232, 226, 226)
    )
    y = 560
    for label, value in rows:
        if label is not None:
            spacing = 290 if len(label) == 2 else (20 if len(label) == 4 else 0)
            s.text(label_x, y, label, size, spacing=spacing)
        s.text(value_x, y + (0 if label else -14), value, 40)
        y += pitch if label else pitch - 14
    s.draw.text(
        (1120, 630),
        "湖南湘江云图数据服务有限公司",
        font=ImageFont.truetype(ZENHEI, 34),
        fill=(185, 185, 185),
    )
    box_y = y + 60
    s.text(150, box_y, "重要提示", 34)
    for i, note in enumerate(
        [
            "1、注册资本：本市实行有限责任公司注册资本认缴登记制度。",
            "2、商事主体经营范围和许可审批项目等有关事项请登录公示平台查询。",
            "3、商事主体须于每年1月1日-6月30日向登记机关提交上一年度的年度报告。",
        ]
    ):
        s.text(330, box_y + i * 50, note, 30)
    s.text(1100, 1800, "登记机关", 44, spacing=14)
    s.seal(1300, 1860, 160, "长沙市天心区市场监督管理局")
    s.text(1120, 1940, "2021年03月15日", 42)
    s.save(path)
    return Rendered(
        path,
        {
            "company_name": "湖南湘江云图数据服务有限公司",
            "credit_code": code,
            "registration_number": None,
            "company_type": "有限责任公司（自然人独资）",
            "legal_representative": "欧阳明",
            "registered_capital": Decimal("5000000"),
            "established": "2018-11-06",
            "address": "湖南省长沙市天心区芙蓉南路二段368号金源大厦B座1206",
            "business_scope": "数据处理和存储服务；软件开发；信息技术咨询服务。",
            "issue_date": "2021-03-15",
        },
    )


def letter_certificate(path: Path) -> Rendered:
    """A 纳税证明 written as a letter, with its total in 小写 and 大写."""
    code = credit_code("91430111MA4L8TQ2N")
    s = Scan()
    s.centred(260, "纳 税 证 明", 80)
    s.text(1050, 420, "湘税岳证〔2019〕0318号", 36)
    body = [
        "兹证明湖南云帆数据科技有限公司（纳税人识别号：",
        f"{code}）在2018年1月1日至2018年12月31日",
        "期间共缴纳税款1,286,450.36元（大写：壹佰贰拾捌万",
        "陆仟肆佰伍拾元叁角陆分）。",
        "特此证明。",
    ]
    y = 560
    for i, line in enumerate(body):
        s.text(200 if i else 280, y, line, 44)
        y += 80
    s.text(900, 1300, "国家税务总局长沙市岳麓区税务局", 42)
    s.seal(1150, 1400, 170, "长沙市岳麓区税务局")
    s.text(1040, 1400, "2019年1月22日", 42)
    s.save(path)
    return Rendered(
        path,
        {
            "taxpayer_name": "湖南云帆数据科技有限公司",
            "credit_code": code,
            "period_start": "2018-01-01",
            "period_end": "2018-12-31",
            "total_amount": Decimal("1286450.36"),
            "total_in_words": "壹佰贰拾捌万陆仟肆佰伍拾元叁角陆分",
            "items": [],
            "certificate_number": "湘税岳证〔2019〕0318号",
            "issue_date": "2019-01-22",
        },
    )


# ---- text PDFs ---------------------------------------------------------------------------


def text_pdf(path: Path, pages: Sequence[Sequence[tuple[float, float, str, float]]]) -> Path:
    """A PDF with a text layer: per page, (x mm, y mm from the top, text, size pt)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    height = A4[1]
    for items in pages:
        for x, y, text, size in items:
            c.setFont("STSong-Light", size)
            c.drawString(x * mm, height - y * mm, text)
        c.showPage()
    c.save()
    return path


def contract_words_only(path: Path) -> Rendered:
    """A three-page contract whose amount is written only in 大写, signed on the last page."""
    p1 = [
        (45, 30, "工业互联网平台技术服务合同", 20),
        (25, 48, "合同编号：LGYC-JS-2018-007", 11),
        (25, 60, "甲方（委托方）：湖南麓谷云创信息技术有限公司", 11),
        (25, 68, "住所：湖南省长沙市岳麓区麓谷街道桐梓坡西路229号", 11),
        (25, 80, "乙方（受托方）：长沙智联工业互联网科技有限公司", 11),
        (25, 88, "住所：长沙市高新区文轩路27号", 11),
        (25, 100, "甲乙双方经友好协商，就工业互联网平台技术服务事宜达成如下协议，", 11),
        (25, 107, "以资共同遵守。甲方应于每季度末向乙方提供设备运行数据。", 11),
        (25, 120, "第一条 服务内容", 11),
        (25, 128, "乙方负责设备接入、数据采集与平台应用开发，具体见附件。", 11),
        (25, 140, "第二条 合同金额", 11),
        (25, 148, "本合同总金额为人民币捌拾陆万伍仟元整，含增值税。", 11),
    ]
    p2 = [
        (25, 30, "第三条 付款方式", 11),
        (25, 38, "甲方应于本合同签订后十个工作日内支付合同总金额的30%，验收合格后", 11),
        (25, 45, "支付剩余款项。乙方收款前应向甲方开具合法有效的增值税专用发票。", 11),
        (25, 58, "第四条 违约责任", 11),
        (25, 66, "任何一方违反本合同约定的，应向守约方支付违约金。", 11),
        (25, 79, "第五条 争议解决", 11),
        (25, 87, "因本合同引起的争议，双方协商解决；协商不成的，提交长沙仲裁委员会仲裁。", 11),
    ]
    p3 = [
        (25, 30, "第六条 其他", 11),
        (25, 38, "本合同一式四份，甲乙双方各执两份，自双方签字盖章之日起生效。", 11),
        (25, 70, "甲方（盖章）：", 11),
        (110, 70, "乙方（盖章）：", 11),
        (25, 82, "法定代表人或授权代表：", 11),
        (110, 82, "法定代表人或授权代表：", 11),
        (25, 94, "日期：2018年6月12日", 11),
        (110, 94, "日期：2018年6月12日", 11),
    ]
    text_pdf(path, [p1, p2, p3])
    return Rendered(
        path,
        {
            "contract_number": "LGYC-JS-2018-007",
            "party_a": "湖南麓谷云创信息技术有限公司",
            "party_b": "长沙智联工业互联网科技有限公司",
            "sign_date": "2018-06-12",
            "amount": Decimal("865000"),
            "amount_in_words": "捌拾陆万伍仟元整",
            "subject": "工业互联网平台技术服务合同",
        },
    )


def table_certificate(path: Path) -> Rendered:
    """A 税收完税证明 table whose 税款所属时期 cells wrap onto two lines."""
    code = credit_code("91430181MA4M2RB6P")
    s = Scan()
    s.centred(150, "中华人民共和国", 52)
    s.centred(230, "税收完税证明", 64, spacing=20)
    s.text(1120, 330, "No.343015190004417", 36)
    s.text(120, 400, "填发日期：2019年02月18日", 34)
    s.text(820, 400, "税务机关：国家税务总局浏阳市税务局", 34)
    left, right = 100, 1570
    cols = [100, 390, 600, 850, 1100, 1330, 1570]
    y0 = 460
    s.rule(left, y0, right, y0)
    s.text(130, y0 + 25, "纳税人识别号", 32)
    s.text(360, y0 + 25, code, 32)
    s.text(820, y0 + 25, "纳税人名称", 32)
    s.text(1020, y0 + 25, "浏阳星海新材料股份有限公司", 30)
    y = y0 + 90
    s.rule(left, y, right, y)
    headers = ["原凭证号", "税种", "品目名称", "税款所属时期", "入（退）库日期", "实缴（退）金额"]
    for i, h in enumerate(headers):
        font = ImageFont.truetype(ZENHEI, 28)
        w = font.getlength(h)
        s.text((cols[i] + cols[i + 1] - w) / 2, y + 25, h, 28)
    y += 80
    rows = [
        (
            "343016180100081234",
            "增值税",
            "制造业",
            "2018-01-01至",
            "2018-03-31",
            "2018-04-13",
            "356,218.40",
        ),
        (
            "343016180100094571",
            "企业所得税",
            "应纳税所得额",
            "2018-01-01至",
            "2018-03-31",
            "2018-04-20",
            "128,900.00",
        ),
        (
            "343016180300032008",
            "城市维护建设税",
            "市区（增值税附征）",
            "2018-04-01至",
            "2018-06-30",
            "2018-07-12",
            "24,935.29",
        ),
        (
            "343016180300032009",
            "教育费附加",
            "增值税教育费附加",
            "2018-04-01至",
            "2018-06-30",
            "2018-07-12",
            "10,686.55",
        ),
    ]
    items = []
    for voucher, tax, item, p1, p2, paid, amount in rows:
        s.rule(left, y, right, y)
        cy = y + 55
        s.text(cols[0] + 8, cy - 15, voucher, 24)
        for i, text in ((1, tax), (2, item)):
            font = ImageFont.truetype(ZENHEI, 26)
            s.text((cols[i] + cols[i + 1] - font.getlength(text)) / 2, cy - 15, text, 26)
        s.text(cols[3] + 30, cy - 42, p1, 26)
        s.text(cols[3] + 30, cy + 8, p2, 26)
        s.text(cols[4] + 40, cy - 15, paid, 26)
        s.text(cols[6] - 20 - ImageFont.truetype(ZENHEI, 26).getlength(amount), cy - 15, amount, 26)
        y += 110
        items.append(
            {
                "tax_type": tax,
                "period_start": p1.rstrip("至"),
                "period_end": p2,
                "paid_date": paid,
                "amount": Decimal(amount.replace(",", "")),
            }
        )
    s.rule(left, y, right, y)
    s.text(130, y + 25, "金额合计", 32)
    s.text(420, y + 25, "（大写）伍拾贰万零柒佰肆拾元贰角肆分", 32)
    s.text(1250, y + 25, "¥520,740.24", 32)
    y += 90
    s.rule(left, y, right, y)
    for x in cols:
        s.rule(x, y0 + 90, x, y - 90)
    s.text(130, y + 30, "税务机关（盖章）", 30)
    s.text(700, y + 30, "填票人：刘敏", 30)
    s.text(1100, y + 30, "备注：", 30)
    s.seal(330, y + 180, 140, "国家税务总局浏阳市税务局")
    s.text(120, y + 360, "妥善保管  手写无效", 30)
    s.save(path)
    return Rendered(
        path,
        {
            "taxpayer_name": "浏阳星海新材料股份有限公司",
            "credit_code": code,
            "period_start": "2018-01-01",
            "period_end": "2018-06-30",
            "total_amount": Decimal("520740.24"),
            "total_in_words": "伍拾贰万零柒佰肆拾元贰角肆分",
            "items": items,
            "certificate_number": "343015190004417",
            "issue_date": "2019-02-18",
        },
    )
