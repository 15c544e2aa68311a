"""The project's money: declared total vs contracts and invoices, and each invoice's own checks.

The programme's arithmetic (samples/README.md): declared total − 项目实施人员工资 = Σ contracts
= Σ invoices (价税合计). Staff wages are paid by payroll, so no invoice backs them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from extractors.common.credit_code import is_valid
from extractors.common.normalize import normalize_name
from pipeline.checks.base import (
    CENT,
    Context,
    dec,
    fmt_wan,
    fmt_yuan,
    graded,
    month_end,
    relative_gap,
    severity,
    wan,
    where,
    within,
)
from pipeline.checks.identity import edit_distance, name_severity
from pipeline.models import Contract, Document, Evidence, Finding, Invoice, Severity

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def invoice_id(inv: Invoice) -> str:
    return (
        f"{inv.invoice_code}-{inv.invoice_number}" if inv.invoice_code else f"{inv.invoice_number}"
    )


def invoice_title(doc: Document, inv: Invoice) -> str:
    number = f" {inv.invoice_number}" if inv.invoice_number else "（号码未读取）"
    return f"发票{number}（{where(doc)}）"


# ---- the applicant, as far as invoices are concerned ---------------------------------------


@dataclass
class Applicant:
    names: dict[str, str]  # normalised → as written
    codes: set[str]

    @classmethod
    def of(cls, ctx: Context) -> Applicant:
        names: dict[str, str] = {}
        codes: set[str] = set()
        if ctx.declared and ctx.declared.company_name:
            names[normalize_name(ctx.declared.company_name)] = ctx.declared.company_name
        if ctx.declared and ctx.declared.credit_code:
            codes.add(ctx.declared.credit_code)
        for _, lic in ctx.licences:
            if lic.company_name:
                names.setdefault(normalize_name(lic.company_name), lic.company_name)
            if lic.credit_code:
                codes.add(lic.credit_code)
        return cls(names, codes)

    @property
    def name(self) -> str:
        return next(iter(self.names.values()), "申报企业")


@dataclass
class BuyerVerdict:
    ok: bool | None  # None: not enough read to tell
    severity: Severity | None = None
    problem: str = ""
    # Surely another company's invoice (not a one-character slip, not an unclear code):
    # it backs none of the applicant's spending.
    other_company: bool = False


def judge_buyer(ctx: Context, applicant: Applicant, inv: Invoice) -> BuyerVerdict:
    rule = ctx.rules["invoice_buyer"]
    if not applicant.names and not applicant.codes:
        return BuyerVerdict(None, problem="申报书和营业执照上都没有读到企业名称和代码")
    if inv.buyer_name is None and inv.buyer_credit_code is None:
        return BuyerVerdict(None, problem="发票购买方名称和纳税人识别号均未能读取")
    if inv.buyer_name is not None and applicant.names:
        name = normalize_name(inv.buyer_name)
        if name not in applicant.names:
            best = min(applicant.names, key=lambda n: edit_distance(n, name))
            sev, note = name_severity(ctx, name, best, severity(rule["severity"]))
            return BuyerVerdict(
                False,
                sev,
                f"购买方为「{inv.buyer_name}」，不是申报企业「{applicant.name}」{note}",
                other_company=not note,
            )
    if inv.buyer_credit_code is not None and applicant.codes:
        code = inv.buyer_credit_code
        if code not in applicant.codes:
            if not is_valid(code):
                return BuyerVerdict(
                    False,
                    severity(rule["unclear_code_severity"]),
                    f"购买方纳税人识别号读作 {code}，校验位不符，可能为识别误差，请人工核对",
                )
            known = "、".join(sorted(applicant.codes))
            return BuyerVerdict(
                False,
                severity(rule["severity"]),
                f"购买方纳税人识别号 {code} 与申报企业的统一社会信用代码 {known} 不一致",
                other_company=True,
            )
    return BuyerVerdict(True)


def check_invoice_buyer(ctx: Context) -> list[Finding]:
    applicant = Applicant.of(ctx)
    out: list[Finding] = []
    for doc, inv in ctx.invoices:
        verdict = judge_buyer(ctx, applicant, inv)
        evidence = [
            ctx.ev(doc, "buyer_name", "发票购买方名称"),
            ctx.ev(doc, "buyer_credit_code", "发票购买方纳税人识别号"),
        ]
        if verdict.ok is None:
            out.append(
                ctx.unverifiable(
                    "INVOICE_BUYER_UNREAD",
                    "invoice_buyer",
                    f"{invoice_title(doc, inv)}：{verdict.problem}",
                    evidence + ctx.form_ev("company_name", "申报书企业名称"),
                )
            )
        elif not verdict.ok:
            assert verdict.severity is not None
            out.append(
                Finding(
                    code="INVOICE_BUYER_MISMATCH",
                    field="invoice_buyer",
                    severity=verdict.severity,
                    declared=applicant.name,
                    found=inv.buyer_name or inv.buyer_credit_code,
                    message=f"{invoice_title(doc, inv)}{verdict.problem}",
                    evidence=evidence + ctx.form_ev("company_name", "申报书企业名称"),
                )
            )
    return out


# ---- invoice_date --------------------------------------------------------------------------


def is_month(text: str | None) -> bool:
    return bool(text and MONTH.fullmatch(text))


def project_window(ctx: Context) -> tuple[str, str, str, list[Evidence]] | None:
    """(first day, last day, how it is described, evidence) invoices must fall in."""
    project = ctx.declared.project if ctx.declared else None
    if project and is_month(project.start) and is_month(project.end):
        assert project.start is not None and project.end is not None
        return (
            f"{project.start}-01",
            month_end(project.end),
            f"项目起止时间（{project.start} 至 {project.end}）",
            ctx.form_ev("project.start", "申报书项目起止时间"),
        )
    if ctx.years:
        first, last = ctx.years[0], ctx.years[-1]
        return (
            f"{first}-01-01",
            f"{last}-12-31",
            f"申报的两个年度（{first}—{last}年；项目起止时间未能读取）",
            [e for y in ctx.years for e in ctx.form_ev(f"years.{y}.total_assets", f"申报书{y}年")][
                :1
            ],
        )
    return None


def check_invoice_date(ctx: Context) -> list[Finding]:
    rule = ctx.rules["invoice_date"]
    if not ctx.invoices:
        return []
    window = project_window(ctx)
    out: list[Finding] = []
    for doc, inv in ctx.invoices:
        date_ev = ctx.ev(doc, "issue_date", "发票开票日期")
        if inv.issue_date is None or window is None:
            what = (
                "开票日期未能读取"
                if inv.issue_date is None
                else "申报书的项目起止时间和申报年度均未读到"
            )
            out.append(
                ctx.unverifiable(
                    "INVOICE_DATE_UNREAD",
                    "invoice_date",
                    f"{invoice_title(doc, inv)}：{what}",
                    [date_ev, *(window[3] if window else [])],
                )
            )
            continue
        start, end, described, window_ev = window
        if start <= inv.issue_date <= end:
            continue
        out.append(
            Finding(
                code="INVOICE_DATE_OUTSIDE",
                field="invoice_date",
                severity=severity(rule["severity"]),
                declared=f"{start[:7]}至{end[:7]}",
                found=inv.issue_date,
                message=f"{invoice_title(doc, inv)}开票日期 {inv.issue_date} 在{described}之外",
                evidence=[date_ev, *window_ev],
            )
        )
    return out


# ---- invoice_arithmetic --------------------------------------------------------------------


def check_invoice_arithmetic(ctx: Context) -> list[Finding]:
    rule = ctx.rules["invoice_arithmetic"]
    out: list[Finding] = []
    for doc, inv in ctx.invoices:
        evidence = [
            ctx.ev(doc, "amount", "发票合计金额"),
            ctx.ev(doc, "tax_amount", "发票合计税额"),
            ctx.ev(doc, "total", "发票价税合计"),
        ]
        if inv.amount is None or inv.tax_amount is None or inv.total is None:
            missing = [
                label
                for label, value in (
                    ("金额", inv.amount),
                    ("税额", inv.tax_amount),
                    ("价税合计", inv.total),
                )
                if value is None
            ]
            out.append(
                ctx.unverifiable(
                    "INVOICE_ARITHMETIC_UNREAD",
                    "invoice_arithmetic",
                    f"{invoice_title(doc, inv)}的{'、'.join(missing)}未能读取，无法核对金额 + 税额 = 价税合计",
                    evidence,
                )
            )
            continue
        gap = (inv.amount + inv.tax_amount - inv.total).quantize(CENT)
        if abs(gap) <= dec(rule["abs_tolerance"]):
            continue
        out.append(
            Finding(
                code="INVOICE_ARITHMETIC",
                field="invoice_arithmetic",
                severity=severity(rule["severity"]),
                declared=inv.amount + inv.tax_amount,
                found=inv.total,
                message=(
                    f"{invoice_title(doc, inv)}：金额 {fmt_yuan(inv.amount)} + 税额 "
                    f"{fmt_yuan(inv.tax_amount)} = {fmt_yuan(inv.amount + inv.tax_amount)} 元，"
                    f"价税合计却为 {fmt_yuan(inv.total)} 元，相差 {fmt_yuan(gap)} 元"
                    "（识别有误或发票有误，请人工核对）"
                ),
                evidence=evidence,
            )
        )
    return out


# ---- duplicates and the project total ------------------------------------------------------


def same_invoice(a: Invoice, b: Invoice) -> bool:
    """Same number, and the same code when both carry one (数电票 have none)."""
    if not a.invoice_number or a.invoice_number != b.invoice_number:
        return False
    return a.invoice_code is None or b.invoice_code is None or a.invoice_code == b.invoice_code


def invoice_groups(ctx: Context) -> list[list[tuple[Document, Invoice]]]:
    """Invoices grouped by identity: each group is one invoice, however often submitted."""
    groups: list[list[tuple[Document, Invoice]]] = []
    for doc, inv in ctx.invoices:
        group = next((g for g in groups if same_invoice(g[0][1], inv)), None)
        if group is None:
            groups.append([(doc, inv)])
        else:
            group.append((doc, inv))
    return groups


def check_duplicate_invoices(ctx: Context) -> list[Finding]:
    rule = ctx.rules["project_total"]
    out: list[Finding] = []
    for group in invoice_groups(ctx):
        files = {doc.file for doc, _ in group}
        if len(files) < 2:
            continue
        inv = group[0][1]
        out.append(
            Finding(
                code="DUPLICATE_INVOICE",
                field="project_total",
                severity=severity(rule["duplicate_severity"]),
                found=invoice_id(inv),
                message=(
                    f"发票 {invoice_id(inv)} 重复提交了 {len(group)} 次（"
                    + "、".join(where(d) for d, _ in group)
                    + "），项目费用合计中只计一次"
                ),
                evidence=[ctx.ev(d, "invoice_number", "发票号码") for d, _ in group],
            )
        )
    return out


def contract_key(doc: Document, c: Contract) -> str:
    """A contract is counted once however many copies: by number, else by parties/amount/date."""
    if c.contract_number:
        return normalize_name(c.contract_number)
    if c.amount is not None and (c.party_b or c.sign_date):
        return f"{normalize_name(c.party_b or '')}|{c.amount}|{c.sign_date}"
    return f"{doc.file}#{doc.pages}"


@dataclass
class Spending:
    total: Decimal
    count: int
    unread: list[Document]
    excluded: list[tuple[Document, Invoice]]
    evidence: list[Evidence]
    key: str  # the money field: invoices' 价税合计 "total", contracts' "amount"


def invoice_spending(ctx: Context) -> Spending:
    applicant = Applicant.of(ctx)
    total = Decimal(0)
    count = 0
    unread: list[Document] = []
    excluded: list[tuple[Document, Invoice]] = []
    evidence: list[Evidence] = []
    for group in invoice_groups(ctx):
        doc, inv = next(((d, i) for d, i in group if i.total is not None), group[0])
        verdict = judge_buyer(ctx, applicant, inv)
        if verdict.other_company:
            excluded.append((doc, inv))
            continue
        if inv.total is None:
            unread.append(doc)
            continue
        total += inv.total
        count += 1
        evidence.append(ctx.ev(doc, "total", "发票价税合计"))
    return Spending(total, count, unread, excluded, evidence, "total")


def contract_spending(ctx: Context) -> Spending:
    seen: dict[str, tuple[Document, Contract]] = {}
    for doc, c in ctx.contracts:
        seen.setdefault(contract_key(doc, c), (doc, c))
    total = Decimal(0)
    unread: list[Document] = []
    evidence: list[Evidence] = []
    for doc, c in seen.values():
        if c.amount is None:
            unread.append(doc)
            continue
        total += c.amount
        evidence.append(ctx.ev(doc, "amount", "合同金额"))
    return Spending(total, len(seen) - len(unread), unread, [], evidence, "amount")


def check_project_total(ctx: Context) -> list[Finding]:
    if ctx.declared is None or ctx.form is None:
        return []
    rule = ctx.rules["project_total"]
    staff_label = ctx.label("costs", "staff")
    project = ctx.declared.project
    form_ev = ctx.form_ev("project.total_cost", "申报书项目总费用")
    if project.total_cost is None:
        return [
            ctx.unverifiable(
                "PROJECT_TOTAL_UNREAD",
                "project_total",
                f"申报书中未能读取项目总费用（{ctx.why_unread(ctx.form, 'project.total_cost')}）",
                form_ev,
            )
        ]
    staff = project.costs.staff or Decimal(0)
    backed = project.total_cost - staff
    staff_ev = ctx.form_ev("project.costs.staff", f"申报书{staff_label}") if staff else []
    head = f"申报项目总费用 {fmt_wan(project.total_cost)} 万元"
    if staff:
        head += f"，其中{staff_label} {fmt_wan(staff)} 万元没有发票佐证，其余 {fmt_wan(backed)} 万元应有合同和发票"

    invoices = invoice_spending(ctx)
    contracts = contract_spending(ctx)
    out: list[Finding] = []
    if not ctx.invoices and not ctx.contracts:
        return [
            ctx.unverifiable(
                "PROJECT_TOTAL_UNVERIFIABLE",
                "project_total",
                f"{head}；材料中没有项目合同和发票",
                form_ev + staff_ev,
                missing_document=True,
                declared=project.total_cost,
            )
        ]

    def compare(kind: str, spent: Spending, rule_part: dict[str, object], code: str) -> None:
        found = wan(spent.total)
        notes: list[str] = []
        if spent.unread:
            notes.append(
                f"另有 {len(spent.unread)} 份金额未能读取："
                + "、".join(where(d) for d in spent.unread)
            )
        if spent.excluded:
            notes.append(
                "购买方不是申报企业的发票未计入："
                + "、".join(
                    f"{invoice_id(i)} {fmt_wan(wan(i.total)) if i.total is not None else '?'} 万元"
                    for _, i in spent.excluded
                )
            )
        items = [v for v in project.costs.model_dump().values() if v is not None]
        items_backed = sum(items, Decimal(0)) - staff
        if items and not within(backed, items_backed, rule) and within(items_backed, found, rule):
            # The spending matches the cost items, not the total: the total is what is off.
            notes.append(
                f"八项费用之和扣除{staff_label}后为 {fmt_wan(items_backed)} 万元，与{kind}一致："
                "项目总费用疑似填错"
            )
        note = "；" + "；".join(notes) if notes else ""
        if within(backed, found, rule) and not spent.unread:
            return
        if spent.count == 0:
            # Nothing was read: a sum of zero would be a false mismatch.
            out.append(
                ctx.unverifiable(
                    f"{code}_UNREAD",
                    "project_total",
                    f"{head}；提交的 {len(spent.unread)} 份{kind}金额均未能读取："
                    + "、".join(where(d) for d in spent.unread),
                    [
                        *form_ev,
                        *staff_ev,
                        *(ctx.ev(d, spent.key, f"{kind}金额") for d in spent.unread),
                    ],
                    declared=backed,
                )
            )
            return
        gap = relative_gap(backed, found)
        sev = graded(gap, rule_part)
        if spent.unread and sev == "error":
            # The sum is incomplete: an error would rest on what could not be read.
            sev = severity(ctx.rules["unverifiable"]["unread_severity"])
        if within(backed, found, rule):
            sev = severity(ctx.rules["unverifiable"]["unread_severity"])
        unit = "去重后 " if kind == "发票" else ""
        detail = (
            f"{head}；提交的{kind}（{unit}{spent.count} {'张' if kind == '发票' else '份'}）"
            f"{'价税' if kind == '发票' else '金额'}合计 {fmt_wan(found)} 万元（{fmt_yuan(spent.total)} 元），"
            f"相差 {fmt_wan(backed - found)} 万元"
        )
        out.append(
            Finding(
                code=code,
                field="project_total",
                severity=sev,
                declared=backed,
                found=found,
                message=detail + note,
                evidence=[
                    *form_ev,
                    *staff_ev,
                    *spent.evidence,
                    *(ctx.ev(d, spent.key, f"{kind}金额") for d in spent.unread),
                ],
            )
        )

    if ctx.invoices:
        compare("发票", invoices, rule, "PROJECT_TOTAL_INVOICES")
    if ctx.contracts:
        compare("合同", contracts, rule["contracts"], "PROJECT_TOTAL_CONTRACTS")
    return out


# ---- investment_continuity -----------------------------------------------------------------


def check_investment_continuity(ctx: Context) -> list[Finding]:
    rule = ctx.rules["investment_continuity"]
    if not ctx.years or (not ctx.invoices and not ctx.contracts):
        return []
    by_year: dict[str, list[Evidence]] = defaultdict(list)
    undated: list[Evidence] = []
    for doc, inv in ctx.invoices:
        ev = ctx.ev(doc, "issue_date", "发票开票日期")
        (by_year[inv.issue_date[:4]] if inv.issue_date else undated).append(ev)
    contract_years: dict[str, list[Evidence]] = defaultdict(list)
    for doc, c in ctx.contracts:
        ev = ctx.ev(doc, "sign_date", "合同签订日期")
        (contract_years[c.sign_date[:4]] if c.sign_date else undated).append(ev)
    out: list[Finding] = []
    for year in ctx.years:
        if by_year.get(year) or contract_years.get(year):
            continue
        others = [
            e
            for y in ctx.years
            if y != year
            for e in by_year.get(y, []) + contract_years.get(y, [])
        ]
        if undated:
            out.append(
                ctx.unverifiable(
                    "INVESTMENT_UNVERIFIABLE",
                    "investment_continuity",
                    f"没有找到{year}年的发票或合同，另有 {len(undated)} 份发票/合同日期未能读取",
                    undated + others,
                    year=year,
                )
            )
            continue
        out.append(
            Finding(
                code="INVESTMENT_GAP",
                field="investment_continuity",
                year=year,
                severity=severity(rule["severity"]),
                declared=year,
                message=(
                    f"{year}年没有项目支出的发票或合同：申报的两个年度（{'、'.join(ctx.years)}）"
                    "应连续投入，所附发票和合同都在其他年份"
                ),
                evidence=others or [*ctx.form_ev("project.start", "申报书项目起止时间")],
            )
        )
    return out


# ---- project_costs_sum ---------------------------------------------------------------------


def check_project_costs_sum(ctx: Context) -> list[Finding]:
    rule = ctx.rules["project_costs_sum"]
    if ctx.declared is None or ctx.form is None:
        return []
    project = ctx.declared.project
    costs = project.costs.model_dump()
    keys = ["project.total_cost"] + [f"project.costs.{k}" for k in costs]
    evidence = [e for k in keys for e in ctx.form_ev(k, "申报书项目费用")]
    items = [v for v in costs.values() if v is not None]
    if project.total_cost is None or not items:
        what = "项目总费用" if project.total_cost is None else "八项费用"
        return [
            ctx.unverifiable(
                "COSTS_SUM_UNREAD",
                "project_costs_sum",
                f"申报书中未能读取{what}，无法核对八项费用之和",
                evidence[:1] or ctx.form_ev("project.total_cost", "申报书项目总费用"),
            )
        ]
    total = sum(items, Decimal(0))
    gap = total - project.total_cost
    if abs(gap) <= dec(rule["abs_tolerance"]):
        return []
    unread = [k for k in costs if f"project.costs.{k}" in ctx.form.unread]
    if unread:
        # The sum lacks what could not be read: a gap here is no error of the applicant's.
        names = "、".join(ctx.label("costs", k) for k in unread)
        return [
            ctx.unverifiable(
                "COSTS_SUM_UNREAD",
                "project_costs_sum",
                f"申报书中未能读取{names}；已读取的费用合计 {fmt_wan(total)} 万元，"
                f"项目总费用 {fmt_wan(project.total_cost)} 万元",
                [e for e in evidence if e.file]
                or ctx.form_ev("project.total_cost", "申报书项目总费用"),
                declared=project.total_cost,
            )
        ]
    return [
        Finding(
            code="COSTS_SUM_MISMATCH",
            field="project_costs_sum",
            severity=severity(rule["severity"]),
            declared=project.total_cost,
            found=total,
            message=(
                f"申报项目总费用 {fmt_wan(project.total_cost)} 万元，八项费用合计 {fmt_wan(total)} 万元，"
                f"相差 {gap:+.2f} 万元"
            ),
            evidence=[e for e in evidence if e.file]
            or ctx.form_ev("project.total_cost", "申报书项目总费用"),
        )
    ]
