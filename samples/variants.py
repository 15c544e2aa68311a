"""The variants batch: the same kind of facts as samples/batch, drawn in layouts, wordings and
fonts that the extractors were not built on.

    .venv/bin/python samples/variants.py OUT_DIR [--seed N]

writes OUT_DIR/batch/ (one folder per application) and OUT_DIR/truth.json in the format of
samples/truth.json, so `benchmarks/accuracy.py --batch OUT_DIR/batch --truth OUT_DIR/truth.json`
scores it. Nothing of it is committed: it is made again in seconds, byte-identical for one seed.

What varies (each a failure class seen on documents nobody here wrote, see the README):
- audit reports with a text layer: consolidated and parent-company statements in one report,
  a 附注 or 行次 column between label and figures, the comparative column printed first,
  期末余额/上年年末余额, 年末数/年初数, 本期发生额/上期发生额, 本年累计数/上年同期数 with a 本月数
  column, totals worded 负债总计 / 股东权益合计 / 所有者权益（或股东权益）合计 / 负债和所有者权益
  （或股东权益）总计, 营业总收入 above 其中：营业收入, units 元 / 千元 / 万元 in the header, losses
  in parentheses, a balance sheet over two pages, labels with spaced characters, an embedded
  TrueType font, one text object per glyph;
- tax certificates with a text layer: other column orders and widths, the period over two
  lines in a narrow column, 合计 with its 大写.
The facts come from samples/generate.py (companies whose statements add up), renamed, so the
truth is what the pages show.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

from reportlab.lib.units import mm as MM_PT
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate as g  # noqa: E402  (the sample generator, beside this file)

SEED = 20231130
TTF_NAME = "WQYZenHei"
TTF_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

# New names for the eight profiles' companies: the variants never reuse a sample's name.
NAMES = (
    ("湖南麓谷云智科技股份有限公司", "麓谷云智"),
    ("益阳银城精密机械有限公司", "银城精密"),
    ("邵阳宝庆纺织集团有限公司", "宝庆纺织"),
    ("娄底湘中特钢制品有限公司", "湘中特钢"),
    ("怀化五溪生物医药股份有限公司", "五溪生物"),
    ("永州潇湘智能家居有限公司", "潇湘家居"),
    ("张家界武陵食品科技有限公司", "武陵食品"),
    ("湘西土家民族工艺品有限公司", "土家工艺"),
)

Unit = Literal["元", "千元", "万元"]
UNIT_FEN = {"元": 100, "千元": 100_000, "万元": 1_000_000}


@dataclass(frozen=True)
class AuditVariant:
    """How one auditor's statements look."""

    name: str
    unit: Unit
    unit_text: str  # the header's unit line, {unit} filled
    between: str | None  # 行次 / 附注 column between label and figures
    bs_columns: tuple[str, str]  # current, prior
    is_columns: tuple[str, str]
    prior_first: bool = False
    month_column: bool = False  # a 本月数 column before the year's figures (利润表)
    parent: bool = False  # parent-company statements follow the consolidated ones
    split_balance: bool = False  # liabilities and equity on a page of their own, （续）
    spaced_totals: bool = False  # 资　产　总　计
    font: Literal["cid", "ttf"] = "cid"
    per_glyph: bool = False  # every character its own text object
    parentheses: bool = True  # losses written (1,234.56)
    labels: tuple[tuple[str, str], ...] = ()  # field → printed label of its row
    listed_income: bool = False  # 营业总收入 / 其中：营业收入, 营业总成本 …


AUDIT_VARIANTS: tuple[AuditVariant, ...] = (
    AuditVariant(
        name="listed",
        unit="元",
        unit_text="单位：{unit}　币种：人民币",
        between="附注",
        bs_columns=("期末余额", "上年年末余额"),
        is_columns=("本期发生额", "上期发生额"),
        parent=True,
        split_balance=True,
        labels=(
            ("total_equity", "所有者权益（或股东权益）合计"),
            ("le_total", "负债和所有者权益（或股东权益）总计"),
            ("equity_heading", "所有者权益（或股东权益）："),
        ),
        listed_income=True,
        font="ttf",
    ),
    AuditVariant(
        name="small-thousands",
        unit="千元",
        unit_text="金额单位：{unit}",
        between="行次",
        bs_columns=("年末数", "年初数"),
        is_columns=("本年累计数", "上年同期数"),
        month_column=True,
        labels=(
            ("total_liabilities", "负债总计"),
            ("total_equity", "股东权益合计"),
            ("le_total", "负债及股东权益总计"),
            ("equity_heading", "股东权益："),
        ),
        spaced_totals=True,
    ),
    AuditVariant(
        name="prior-first-wan",
        unit="万元",
        unit_text="（金额单位：人民币{unit}）",
        between=None,
        bs_columns=("期末余额", "期初余额"),
        is_columns=("本期金额", "上期金额"),
        prior_first=True,
        per_glyph=True,
    ),
    AuditVariant(
        name="hangci-ttf-glyphs",
        unit="元",
        unit_text="单位：人民币{unit}",
        between="行次",
        bs_columns=("期末余额", "年初余额"),
        is_columns=("本年金额", "上年金额"),
        font="ttf",
        per_glyph=True,
        labels=(("total_profit", "利润总额"), ("net_profit", "净利润")),
    ),
)


@dataclass(frozen=True)
class TaxVariant:
    name: str
    columns: tuple[str, ...]  # of: voucher, type, item, period, paid, amount
    headers: dict[str, str]
    widths: dict[str, float]
    period_two_lines: bool = False


TAX_VARIANTS: tuple[TaxVariant, ...] = (
    TaxVariant(
        name="voucher-last",
        columns=("type", "item", "period", "paid", "amount", "voucher"),
        headers={
            "type": "税种",
            "item": "品目名称",
            "period": "税款所属时期",
            "paid": "入（退）库日期",
            "amount": "实缴（退）金额",
            "voucher": "原凭证号",
        },
        widths={"type": 30, "item": 42, "period": 56, "paid": 28, "amount": 30, "voucher": 44},
    ),
    TaxVariant(
        name="narrow-period",
        columns=("voucher", "type", "item", "period", "paid", "amount"),
        headers={
            "voucher": "电子税票号码",
            "type": "税　种",
            "item": "品　目",
            "period": "所属时期",
            "paid": "入库日期",
            "amount": "实缴金额",
        },
        widths={"voucher": 46, "type": 32, "item": 46, "period": 30, "paid": 28, "amount": 34},
        period_two_lines=True,
    ),
)


# ---- money as printed -------------------------------------------------------------------


def printed(fen: int, unit: Unit, parentheses: bool, negative: bool = False) -> str:
    """An amount as the statement prints it in its unit (2 decimals, thousands separators)."""
    value = (Decimal(fen) / Decimal(UNIT_FEN[unit])).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if value == 0:
        return "-"
    if negative:
        value = -value
    text = f"{abs(value):,.2f}"
    if value < 0:
        return f"({text})" if parentheses else f"-{text}"
    return text


def as_printed_yuan(fen: int, unit: Unit) -> float:
    """The truth of a figure: what the page prints, in 元."""
    value = (Decimal(fen) / Decimal(UNIT_FEN[unit])).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return float(value * UNIT_FEN[unit] / 100)


# ---- a text PDF writer with fonts and glyph placement of its own ------------------------


def pdf_from_sheets(sheets: list[g.Sheet], font: str, per_glyph: bool) -> bytes:
    buf = io.BytesIO()
    canvas = g.new_canvas(buf)
    for sheet in sheets:
        canvas.setPageSize((sheet.width * g.MM, sheet.height * g.MM))
        for op in sheet.ops:
            if isinstance(op, g.TextOp):
                _text(canvas, sheet.height, op, font, per_glyph)
            else:
                g._pdf_op(canvas, sheet.height, op)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _text(canvas: Any, page_h: float, op: g.TextOp, font: str, per_glyph: bool) -> None:
    canvas.setFont(font, op.size)
    canvas.setFillColorRGB(*(c / 255 for c in op.colour))
    width = pdfmetrics.stringWidth(op.text, font, op.size)
    x = op.x * MM_PT
    if op.align == "centre":
        x -= width / 2
    elif op.align == "right":
        x -= width
    y = (page_h - op.y) * MM_PT
    if not per_glyph:
        canvas.drawString(x, y, op.text)
        return
    # Some exporters write each glyph as its own text object, at its own position.
    for ch in op.text:
        canvas.drawString(x, y, ch)
        x += pdfmetrics.stringWidth(ch, font, op.size)


# ---- audit reports ------------------------------------------------------------------------


@dataclass
class AuditVariantDoc:
    base: g.AuditReportDoc
    variant: AuditVariant
    doc_type: str = "audit_report"

    def truth(self) -> dict[str, Any]:
        out = self.base.truth()
        unit = self.variant.unit
        for key, value in self.base.current.truth().items():
            out[key] = as_printed_yuan(round(value * 100), unit)
        out["prior_year"] = {
            k: as_printed_yuan(round(v * 100), unit) for k, v in self.base.prior.truth().items()
        }
        return out


def _spaced(label: str) -> str:
    return "　".join(label)


def _label(v: AuditVariant, key: str, default: str) -> str:
    label = dict(v.labels).get(key, default)
    if v.spaced_totals and key in ("total_assets", "total_liabilities", "total_equity"):
        return _spaced(label)
    return label


def _balance_rows(doc: AuditVariantDoc, scale: float) -> list[tuple[str, int | None, int | None]]:
    v, cur, pri = doc.variant, doc.base.current, doc.base.prior

    def row(label: str, attr: str) -> tuple[str, int | None, int | None]:
        return (label, round(getattr(cur, attr) * scale), round(getattr(pri, attr) * scale))

    def total(key: str, default: str, attr: str) -> tuple[str, int | None, int | None]:
        return row(_label(v, key, default), attr)

    return [
        ("流动资产：", None, None),
        row("货币资金", "cash"),
        row("应收账款", "receivables"),
        row("预付款项", "prepayments"),
        row("其他应收款", "other_receivables"),
        row("存货", "inventory"),
        row("流动资产合计", "current_assets"),
        ("非流动资产：", None, None),
        row("固定资产", "fixed_assets"),
        row("在建工程", "construction_in_progress"),
        row("无形资产", "intangibles"),
        row("长期待摊费用", "long_term_prepaid"),
        row("递延所得税资产", "deferred_tax_assets"),
        row("非流动资产合计", "non_current_assets"),
        total("total_assets", "资产总计", "total_assets"),
        ("流动负债：", None, None),
        row("短期借款", "short_loans"),
        row("应付账款", "payables"),
        row("合同负债", "advances"),
        row("应付职工薪酬", "payroll"),
        row("应交税费", "taxes_payable"),
        row("其他应付款", "other_payables"),
        row("流动负债合计", "current_liabilities"),
        ("非流动负债：", None, None),
        row("长期借款", "long_loans"),
        row("递延收益", "deferred_income"),
        row("非流动负债合计", "non_current_liabilities"),
        total("total_liabilities", "负债合计", "total_liabilities"),
        (_label(v, "equity_heading", "所有者权益："), None, None),
        row("实收资本（或股本）", "paid_in_capital"),
        row("资本公积", "capital_reserve"),
        row("盈余公积", "surplus_reserve"),
        row("未分配利润", "retained_earnings"),
        total("total_equity", "所有者权益合计", "total_equity"),
        total("le_total", "负债和所有者权益总计", "total_assets"),
    ]


Row = tuple[str, int | None, int | None, bool]  # label, current, prior, printed negative


def _income_rows(doc: AuditVariantDoc, scale: float) -> list[Row]:
    v, cur, pri = doc.variant, doc.base.current, doc.base.prior

    def row(label: str, fn: Callable[[g.Accounts], int], negative: bool = False) -> Row:
        return (label, round(fn(cur) * scale), round(fn(pri) * scale), negative)

    total_profit = _label(v, "total_profit", "利润总额（亏损总额以“－”号填列）")
    net_profit = _label(v, "net_profit", "净利润（净亏损以“－”号填列）")
    rows: list[Row] = []
    if v.listed_income:
        rows += [
            row("一、营业总收入", lambda a: a.revenue),
            row("其中：营业收入", lambda a: a.revenue),
            row(
                "二、营业总成本",
                lambda a: (
                    a.cost_of_sales
                    + a.taxes_and_surcharges
                    + a.selling_expenses
                    + a.admin_expenses
                    + a.rd_expenses
                    + a.finance_expenses
                ),
            ),
            row("其中：营业成本", lambda a: a.cost_of_sales),
        ]
        numbering = ("三、", "四、", "五、")
    else:
        rows += [
            row("一、营业收入", lambda a: a.revenue),
            row("减：营业成本", lambda a: a.cost_of_sales),
        ]
        numbering = ("二、", "三、", "四、")
    rows += [
        row("税金及附加", lambda a: a.taxes_and_surcharges),
        row("销售费用", lambda a: a.selling_expenses),
        row("管理费用", lambda a: a.admin_expenses),
        row("研发费用", lambda a: a.rd_expenses),
        row("财务费用", lambda a: a.finance_expenses),
        row("加：其他收益", lambda a: a.other_income),
        row("投资收益（损失以“－”号填列）", lambda a: a.investment_income),
        # Since 2019 the impairment line is printed as a negative figure.
        row("资产减值损失（损失以“－”号填列）", lambda a: a.impairment_loss, negative=True),
        row(f"{numbering[0]}营业利润（亏损以“－”号填列）", lambda a: a.operating_profit),
        row("加：营业外收入", lambda a: a.non_operating_income),
        row("减：营业外支出", lambda a: a.non_operating_expenses),
        row(numbering[1] + total_profit, lambda a: a.total_profit),
        row("减：所得税费用", lambda a: a.income_tax),
        row(numbering[2] + net_profit, lambda a: a.net_profit),
    ]
    return rows


def _statement(
    doc: AuditVariantDoc,
    title: str,
    period: str,
    columns: tuple[str, str],
    rows: list[Row],
    month: bool = False,
) -> g.Sheet:
    v, company = doc.variant, doc.base.company
    sheet = g.Sheet(210, 297)
    sheet.text(105, 20, title, 15, align="centre", role="hei", bold=True)
    sheet.text(18, 32, f"编制单位：{company.name}", 9)
    sheet.text(105, 32, period, 9, align="centre")
    sheet.text(192, 32, v.unit_text.format(unit=v.unit), 9, align="right")
    current, prior = columns
    figure_heads = [prior, current] if v.prior_first else [current, prior]
    head: list[str | None] = ["项　　目"]
    widths = [78.0]
    aligns = "l"
    if v.between:
        head.append(v.between)
        widths.append(13.0)
        aligns += "c"
    if month:
        head.append("本月数")
        widths.append(27.0)
        aligns += "r"
    head += figure_heads
    left = (174.0 - sum(widths)) / 2
    widths += [left, left]
    aligns += "rr"
    table: list[list[str | None]] = [head]
    for number, (label, value, prior_value, negative) in enumerate(rows, start=1):
        cells: list[str | None] = [label]
        if v.between:
            if v.between == "行次":
                cells.append(str(number) if value is not None else "")
            else:  # 附注: a note number on some rows only
                cells.append(
                    f"七、{number // 3 + 1}" if value is not None and number % 3 == 0 else ""
                )
        if value is None or prior_value is None:
            cells += [""] * (len(head) - len(cells))
            table.append(cells)
            continue
        if month:
            cells.append(printed(round(value / 12), v.unit, v.parentheses, negative))
        figures = [
            printed(value, v.unit, v.parentheses, negative),
            printed(prior_value, v.unit, v.parentheses, negative),
        ]
        cells += figures[::-1] if v.prior_first else figures
        table.append(cells)
    height = min(7.0, 230.0 / len(table))
    sheet.table(18, 38, widths, table, height, 8.5, aligns, outer=0.5)
    people = company.legal_rep, company.cfo, company.accountant
    sheet.text(
        105,
        283,
        "法定代表人：{}　　主管会计工作负责人：{}　　会计机构负责人：{}".format(*people),
        9,
        align="centre",
    )
    return sheet


def render_audit_variant(doc: AuditVariantDoc) -> list[g.Sheet]:
    v, base = doc.variant, doc.base
    rng = random.Random(base.seed)
    sheets = [g._audit_cover(base), *g._audit_opinion(base, rng)]
    year = base.year
    scopes = [("合并", 1.0), ("母公司", 0.83)] if v.parent else [("", 1.0)]
    balance: list[g.Sheet] = []
    income: list[g.Sheet] = []
    for scope, scale in scopes:
        bs_rows: list[Row] = [(*r, False) for r in _balance_rows(doc, scale)]
        bs_title = f"{scope}资产负债表"
        bs_period = f"{year}年12月31日"
        if v.split_balance:
            cut = next(i for i, r in enumerate(bs_rows) if r[0].startswith("流动负债"))
            balance.append(_statement(doc, bs_title, bs_period, v.bs_columns, bs_rows[:cut]))
            balance.append(
                _statement(doc, f"{bs_title}（续）", bs_period, v.bs_columns, bs_rows[cut:])
            )
        else:
            balance.append(_statement(doc, bs_title, bs_period, v.bs_columns, bs_rows))
        income.append(
            _statement(
                doc,
                f"{scope}利润表",
                f"{year}年度",
                v.is_columns,
                _income_rows(doc, scale),
                month=v.month_column,
            )
        )
    return sheets + balance + income


# ---- a listed company's annual report ----------------------------------------------------


def render_annual_report(doc: AuditVariantDoc) -> list[g.Sheet]:
    """年度报告: a long report whose front part reads like a licence (公司信息), a contract
    (重大合同) and an invoice (收入确认, 增值税) before its 财务报告 holds the audit report and
    the statements. Every page belongs to the one report."""
    base = doc.base
    c, y = base.company, base.year
    rng = random.Random(base.seed + 1)
    cover = g.Sheet(210, 297)
    cover.text(105, 90, c.name, 20, align="centre", role="hei")
    cover.text(105, 120, f"{y}年年度报告", 26, align="centre", role="hei", bold=True)
    cover.text(105, 250, f"{y + 1}年4月", 14, align="centre")
    flow = g.Flow(margin=22)
    flow.line("第一节　重要提示、目录和释义", 14, align="centre", role="hei")
    flow.para(
        "公司董事会、监事会及董事、监事、高级管理人员保证年度报告内容的真实、准确、完整，不存在"
        "虚假记载、误导性陈述或重大遗漏，并承担个别和连带的法律责任。"
    )
    flow.para(f"{base.firm.name}为本公司出具了标准无保留意见的审计报告。")
    flow.para(
        "释义：公司、本公司指" + c.name + f"；报告期指{y}年1月1日至{y}年12月31日；元指人民币元。"
    )
    flow.new_page()
    flow.line("第二节　公司简介和主要财务指标", 14, align="centre", role="hei")
    flow.line("一、公司信息", 11, role="hei")
    info = [
        ("公司的中文名称", c.name),
        ("公司的法定代表人", c.legal_rep),
        ("统一社会信用代码", c.credit_code),
        ("注册资本", f"{g.fmt_fen(c.capital)}元"),
        ("成立日期", g.cn_date(c.established)),
        ("注册地址", "湖南省" + c.address),
        ("公司类型", c.company_type),
        ("经营范围", c.business_scope),
    ]
    for label, value in info:
        flow.para(f"{label}：{value}", indent=0)
    flow.line("二、主要会计数据", 11, role="hei")
    cur = base.current
    for label, fen in (
        ("营业收入", cur.revenue),
        ("归属于上市公司股东的净利润", cur.net_profit),
        ("总资产", cur.total_assets),
    ):
        flow.para(f"{label}（元）：{g.fmt_fen(fen)}", indent=0)
    flow.new_page()
    flow.line("第三节　经营情况讨论与分析", 14, align="centre", role="hei")
    flow.para(
        f"报告期内，公司实现营业收入{g.fmt_fen(cur.revenue)}元。公司与主要客户签订框架合同，"
        "合同约定甲方按季度下达订单，乙方按订单交付，双方按合同约定的付款方式结算；"
        "报告期内未发生合同违约或争议解决事项。"
    )
    flow.line("第四节　重要事项", 14, align="centre", role="hei")
    flow.line("重大合同及其履行情况", 11, role="hei")
    for n in range(1, 4):
        amount = g.fmt_fen(round(cur.revenue * rng.uniform(0.03, 0.08)))
        flow.para(
            f"{n}．合同名称：设备采购合同；甲方：{c.name}；乙方：供应商{n}；合同金额：{amount}元；"
            f"签订日期：{y}年{rng.randint(1, 12)}月；履行情况：履行中。",
            indent=0,
        )
    flow.para(
        "收入确认：公司在商品控制权转移、开具增值税专用发票并经客户签收后确认收入；"
        "销售商品适用税率13%，提供服务适用税率6%，税额计入应交税费。",
    )
    flow.new_page()
    flow.line("第五节　财务报告", 14, align="centre", role="hei")
    front = [cover, *flow.sheets]
    rest = render_audit_variant(doc)
    notes = g.Flow(margin=22)
    notes.line("财务报表附注", 14, align="centre", role="hei")
    notes.para(
        "一、公司基本情况：本公司系依法设立的股份有限公司，统一社会信用代码"
        f"{c.credit_code}，法定代表人{c.legal_rep}，住所为湖南省{c.address}。",
    )
    notes.para(
        "二、税项：增值税按应税收入的13%、6%计缴，发票由公司财务部统一开具；"
        "企业所得税按应纳税所得额的15%计缴。"
    )
    return front + rest + notes.sheets


# ---- tax certificates -----------------------------------------------------------------------


@dataclass
class TaxVariantDoc:
    base: g.TaxCertificateDoc
    variant: TaxVariant
    doc_type: str = "tax_certificate"

    def truth(self) -> dict[str, Any]:
        return self.base.truth()


def render_tax_variant(doc: TaxVariantDoc) -> list[g.Sheet]:
    v, base = doc.variant, doc.base
    c = base.company
    sheet = g.Sheet(250, 190)
    sheet.text(125, 16, "中华人民共和国", 14, align="centre", role="hei")
    sheet.text(125, 27, "税收完税证明", 19, align="centre", role="hei", bold=True)
    sheet.text(240, 16, f"证明编号：{base.number}", 9, align="right")
    sheet.text(10, 38, f"纳税人识别号：{c.credit_code}", 9.5)
    sheet.text(128, 38, f"纳税人名称：{c.name}", 9.5)
    sheet.text(10, 45, f"税务机关：{base.authority}", 9.5)
    sheet.text(240, 45, f"开具日期：{g.iso(base.issue_date)}", 9.5, align="right")
    widths = [v.widths[k] for k in v.columns]
    rows: list[list[str | None]] = [[v.headers[k] for k in v.columns]]
    for p in base.payments:
        start, end = g.iso(p.period_start), g.iso(p.period_end)
        cells = {
            "voucher": p.voucher,
            "type": p.tax_type,
            "item": p.item_name,
            "period": f"{start}至\n{end}" if v.period_two_lines else f"{start}至{end}",
            "paid": g.iso(p.paid_date) or "",
            "amount": g.fmt_fen(p.amount, commas=True),
        }
        rows.append([cells[k] for k in v.columns])
    heights = [7.0] + [10.0 if v.period_two_lines else 6.4] * (len(rows) - 1)
    aligns = "".join("r" if k == "amount" else "c" for k in v.columns)
    y = _table_multiline(sheet, 10, 49, widths, rows, heights, 8, aligns)
    total = base.total
    sheet.text(12, y + 7, f"金额合计（大写）：{g.rmb_upper(total)}", 9.5)
    sheet.text(238, y + 7, f"（小写）¥{g.fmt_fen(total, commas=True)}", 9.5, align="right")
    sheet.text(12, y + 18, f"填票人：{base.clerk}", 9)
    sheet.seal(200, y + 22, 34, ring=base.authority, bottom="征税专用章", seed=base.seed)
    return [sheet]


def _table_multiline(
    sheet: g.Sheet,
    x: float,
    y: float,
    widths: list[float],
    rows: list[list[str | None]],
    heights: list[float],
    size: float,
    aligns: str,
) -> float:
    """A ruled table whose cells may hold explicit line breaks."""
    edges = [x]
    for w in widths:
        edges.append(edges[-1] + w)
    for row, h in zip(rows, heights, strict=True):
        sheet.line(x, y, edges[-1], y)
        for col, value in enumerate(row):
            sheet.line(edges[col], y, edges[col], y + h)
            parts = (value or "").split("\n")
            step = size * g.PT_MM * 1.3
            base = y + h / 2 - (len(parts) - 1) * step / 2 + size * g.PT_MM * 0.35
            for i, part in enumerate(parts):
                if aligns[col] == "r":
                    sheet.text(edges[col + 1] - 1.2, base + i * step, part, size, align="right")
                else:
                    mid = (edges[col] + edges[col + 1]) / 2
                    sheet.text(mid, base + i * step, part, size, align="centre")
        sheet.line(edges[-1], y, edges[-1], y + h)
        y += h
    sheet.line(x, y, edges[-1], y)
    return y


# ---- application forms ---------------------------------------------------------------------


@dataclass(frozen=True)
class FormVariant:
    """Another hand's 申报书: its labels, how values are written, how boxes are ticked."""

    name: str
    indicator_labels: tuple[str, str, str, str, str, str]  # 总资产 … 从业人员, in that order
    year_header: str
    units_in_values: bool  # "167876.29万元", "约120人", "45.20%"
    one_cell_region: bool  # "长沙市岳麓区" in one cell
    period: str  # the project period in one cell, {a}/{b}/{c}/{d} = start year/month, end
    total_label: str
    implementation_label: str
    ticked: str  # mark before a ticked choice
    unticked: str
    established: str  # {y} {m} {d}


FORM_VARIANTS: tuple[FormVariant, ...] = (
    FormVariant(
        name="units-in-cells",
        indicator_labels=(
            "资产总额",
            "资产负债率",
            "主营业务收入",
            "纳税总额",
            "利润总额",
            "从业人数",
        ),
        year_header="{y}年",
        units_in_values=True,
        one_cell_region=True,
        period="{a}年{b}月至{c}年{d}月",
        total_label="项目总费用（万元）",
        implementation_label="实施、设备接入、数字化网络改造及必要的非云化软件费用",
        ticked="√",
        unticked="□",
        established="{y}年{m}月{d}日",
    ),
    FormVariant(
        name="dotted-period",
        indicator_labels=(
            "总资产（万元）",
            "资产负债率（%）",
            "主营业务收入（万元）",
            "税金（万元）",
            "利润（万元）",
            "从业人员（人）",
        ),
        year_header="{y}年度",
        units_in_values=False,
        one_cell_region=False,
        period="{a}.{b:02d}-{c}.{d:02d}",
        total_label="近两年“上云上平台”项目总投入（万元）",
        implementation_label="其他费用（实施、设备接入、数字化/网络改造、非云化软件等）",
        ticked="☒",
        unticked="☐",
        established="{y}.{m:02d}.{d:02d}",
    ),
)

INDICATORS = ("total_assets", "debt_ratio", "revenue", "tax", "profit", "employees")
INDICATOR_UNITS = {"total_assets": "万元", "revenue": "万元", "tax": "万元", "profit": "万元"}


def _indicator_text(v: FormVariant, attr: str, value: Any) -> str:
    if attr == "employees":
        return f"约{value}人" if v.units_in_values else str(value)
    text = g.fmt_decimal(value)
    if not v.units_in_values:
        return text
    return text + ("%" if attr == "debt_ratio" else INDICATOR_UNITS[attr])


def _grid(document: Any, rows: int, cols: int, widths: tuple[float, ...]) -> Any:
    table = document.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    for column, width in zip(table.columns, widths, strict=True):
        for cell in column.cells:
            cell.width = g.Cm(width)
    return table


def _choices(cell: Any, choices: list[tuple[str, bool]], v: FormVariant) -> None:
    cell.paragraphs[0].add_run(
        "　".join((v.ticked if on else v.unticked) + label for label, on in choices)
    )


def render_form_variant(doc: g.FormDoc, v: FormVariant) -> bytes:
    d = doc.declared
    document = g.new_document()
    g._docx_fonts(document)
    title = document.add_paragraph()
    title.alignment = g.WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("湖南省“上云上平台”标杆企业申报书")
    run.bold = True
    run.font.size = g.Pt(20)
    g._heading(document, "一、申报单位基本信息")
    t = _grid(document, 5, 4, (3.6, 5.0, 3.2, 4.0))
    g._set_cell_text(t.cell(0, 0), "申报单位名称")
    g._set_cell_text(t.cell(0, 1).merge(t.cell(0, 3)), d.company_name)
    g._set_cell_text(t.cell(1, 0), "统一社会信用代码")
    g._set_cell_text(t.cell(1, 1), d.credit_code)
    g._set_cell_text(t.cell(1, 2), "成立日期")
    e = d.established
    g._set_cell_text(t.cell(1, 3), v.established.format(y=e.year, m=e.month, d=e.day))
    if v.one_cell_region:
        g._set_cell_text(t.cell(2, 0), "所在地区")
        g._set_cell_text(t.cell(2, 1).merge(t.cell(2, 3)), f"{d.city}{d.county}")
    else:
        g._set_cell_text(t.cell(2, 0), "所在市州")
        g._set_cell_text(t.cell(2, 1), d.city)
        g._set_cell_text(t.cell(2, 2), "县市区")
        g._set_cell_text(t.cell(2, 3), d.county)
    g._set_cell_text(t.cell(3, 0), "注册地址")
    g._set_cell_text(t.cell(3, 1).merge(t.cell(3, 3)), d.address)
    g._set_cell_text(t.cell(4, 0), "所属行业")
    _choices(t.cell(4, 1).merge(t.cell(4, 3)), [(n, n in d.industry) for n in g.INDUSTRIES], v)
    document.add_paragraph()
    g._heading(document, "二、近两年主要经济指标")
    years = sorted(d.years)
    t = _grid(document, 1 + len(INDICATORS), 3, (6.0, 4.5, 4.5))
    g._set_cell_text(t.cell(0, 0), "指标名称")
    for col, year in enumerate(years, start=1):
        g._set_cell_text(t.cell(0, col), v.year_header.format(y=year))
    for row, (label, attr) in enumerate(zip(v.indicator_labels, INDICATORS, strict=True), 1):
        g._set_cell_text(t.cell(row, 0), label)
        for col, year in enumerate(years, start=1):
            value = getattr(d.years[year], attr)
            g._set_cell_text(t.cell(row, col), _indicator_text(v, attr, value))
    document.add_paragraph()
    g._heading(document, "三、“上云上平台”项目情况")
    labels = dict(g.COST_LABELS, implementation=v.implementation_label)
    t = _grid(document, 3 + len(labels) + 2, 2, (9.0, 6.0))
    g._set_cell_text(t.cell(0, 0), "项目名称")
    g._set_cell_text(t.cell(0, 1), d.project_name)
    g._set_cell_text(t.cell(1, 0), "项目实施周期")
    a, b = d.start
    c, m = d.end
    g._set_cell_text(t.cell(1, 1), v.period.format(a=a, b=b, c=c, d=m))
    g._set_cell_text(t.cell(2, 0), v.total_label)
    g._set_cell_text(t.cell(2, 1), g.fmt_decimal(d.total_cost))
    for row, (key, label) in enumerate(labels.items(), start=3):
        value = d.costs[key]
        g._set_cell_text(t.cell(row, 0), f"其中：{label}" if row == 3 else label)
        g._set_cell_text(t.cell(row, 1), "—" if value is None else g.fmt_decimal(value))
    row = 3 + len(labels)
    g._set_cell_text(t.cell(row, 0), "项目类型（要素条件，可多选）")
    choices = [
        (f"{i + 1}.{j + 1}{item}", f"{i + 1}.{j + 1}" in d.elements)
        for i, (_, items) in enumerate(g.ELEMENTS)
        for j, item in enumerate(items)
    ]
    _choices(t.cell(row, 1), choices, v)
    g._set_cell_text(t.cell(row + 1, 0), "项目总体描述（限1000字）")
    g._set_cell_text(t.cell(row + 1, 1), d.description)
    properties = document.core_properties
    properties.author = "user"
    properties.created = g.datetime(doc.apply_date.year, doc.apply_date.month, 2, 10, 0, 0)
    properties.modified = properties.created
    properties.last_printed = properties.created
    buf = io.BytesIO()
    document.save(buf)
    return g.normalise_zip(buf.getvalue())


# ---- the batch ---------------------------------------------------------------------------


def variant_profiles(
    seed: int,
) -> list[tuple[g.Profile, AuditVariant, TaxVariant, FormVariant]]:
    rng = random.Random(seed)
    out = []
    for index, p in enumerate(g.profiles()):
        name, short = NAMES[index]
        audit = AUDIT_VARIANTS[(index + rng.randrange(len(AUDIT_VARIANTS))) % len(AUDIT_VARIANTS)]
        tax = TAX_VARIANTS[index % len(TAX_VARIANTS)]
        profile = replace(
            p,
            folder=f"V{index + 1:02d}_{name}",
            name=name,
            short_name=short,
            # Figures in whole hundreds of 元 print exactly in 千元 and 万元.
            audit_unit="万元" if audit.unit != "元" else "元",
            seeds=(),
            zipped=False,
        )
        out.append((profile, audit, tax, FORM_VARIANTS[index % len(FORM_VARIANTS)]))
    return out


def scanned_pdf(sheets: list[g.Sheet], name: str) -> bytes:
    """The sheets printed and scanned: 200 dpi, skew, blur, grain, seals in colour."""
    pages = []
    for number, sheet in enumerate(sheets, start=1):
        seed = zlib.crc32(f"{name}/{number}".encode())
        rng = random.Random(seed)
        style = g.ScanStyle(
            dpi=200,
            skew=round(rng.triangular(0.3, 2.5, 0.8) * rng.choice((-1, 1)), 2),
            blur=rng.uniform(0.45, 0.8),
            noise=rng.uniform(2.0, 3.5),
            quality=rng.randint(70, 80),
        )
        look = g.LOOKS[seed % len(g.LOOKS)]
        image = g.degrade(g.rasterise(sheet, style.dpi, look), sheet.in_colour, style, seed)
        pages.append((g.jpeg_bytes(image, style), style.dpi))
    return g.pdf_from_jpegs(pages)


def write_application(
    app: g.Application,
    audit: AuditVariant,
    tax: TaxVariant,
    form_variant: FormVariant,
    out: Path,
    scans: bool = False,
) -> dict[str, Any]:
    folder = out / app.profile.folder
    folder.mkdir(parents=True)
    documents: list[dict[str, Any]] = []
    form = app.docs["form"]
    assert isinstance(form, g.FormDoc)
    (folder / "申报书.docx").write_bytes(render_form_variant(form, form_variant))
    documents.append(
        {
            "file": "申报书.docx",
            "pages": [1],
            "type": "application_form",
            "scanned": False,
            "fields": form.truth(),
            "variant": form_variant.name,
        }
    )
    font = TTF_NAME if audit.font == "ttf" else g.PDF_FONT
    for year in (2017, 2018):
        base = app.docs[f"audit{year}"]
        assert isinstance(base, g.AuditReportDoc)
        doc = AuditVariantDoc(base, audit)
        if audit.parent and year == 2018:
            sheets = render_annual_report(doc)
            path = f"财务/{year}年年度报告.pdf"
        else:
            sheets = render_audit_variant(doc)
            path = f"财务/{year}年度审计报告.pdf"
        (folder / path).parent.mkdir(exist_ok=True)
        if scans:
            data = scanned_pdf(sheets, f"{app.profile.folder}/{path}")
        else:
            data = pdf_from_sheets(sheets, font, audit.per_glyph)
        (folder / path).write_bytes(data)
        documents.append(
            {
                "file": path,
                "pages": list(range(1, len(sheets) + 1)),
                "type": "audit_report",
                "scanned": scans,
                "fields": doc.truth(),
                "variant": audit.name,
            }
        )
    base_tax = app.docs["tax"]
    assert isinstance(base_tax, g.TaxCertificateDoc)
    tax_doc = TaxVariantDoc(replace(base_tax, style="table"), tax)
    tax_sheets = render_tax_variant(tax_doc)
    if scans:
        tax_pdf = scanned_pdf([g._fit_on_a4(sh) for sh in tax_sheets], f"{app.profile.folder}/tax")
    else:
        tax_pdf = pdf_from_sheets(tax_sheets, g.PDF_FONT, False)
    (folder / "完税证明.pdf").write_bytes(tax_pdf)
    documents.append(
        {
            "file": "完税证明.pdf",
            "pages": [1],
            "type": "tax_certificate",
            "scanned": scans,
            "fields": tax_doc.truth(),
            "variant": tax.name,
        }
    )
    documents.sort(key=lambda e: (e["file"], e["pages"][0]))
    return {
        "consistent": True,
        "declared": app.declared.truth(),
        "documents": documents,
        "discrepancies": [],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--scans",
        action="store_true",
        help="deliver the audit reports and tax certificates as scans (OCR: minutes, not seconds)",
    )
    args = parser.parse_args(argv)
    batch = args.out / "batch"
    if batch.exists():
        shutil.rmtree(batch)
    batch.mkdir(parents=True)
    pdfmetrics.registerFont(UnicodeCIDFont(g.PDF_FONT))
    pdfmetrics.registerFont(TTFont(TTF_NAME, str(TTF_PATH), subfontIndex=0))
    truth: dict[str, Any] = {
        "generator": "samples/variants.py",
        "seed": args.seed,
        "applications": {},
    }
    for index, (profile, audit, tax, form) in enumerate(variant_profiles(args.seed), start=1):
        app = g.build_application(profile, 100 + index)
        truth["applications"][profile.folder] = write_application(
            app, audit, tax, form, batch, args.scans
        )
        print(f"{profile.folder}: form {form.name}, audit {audit.name}, tax {tax.name}")
    (args.out / "truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
