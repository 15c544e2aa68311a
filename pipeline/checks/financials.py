"""The declared years' figures against the audited statements and the tax certificate.

For each declared year the audited column is the report of that year; a figure that report
lacks (no such report, or a value it could not read) comes from the comparative (上年数)
column of the next year's report. The form states 万元, the records 元.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pipeline.checks.base import (
    Context,
    dec,
    fmt_pct,
    fmt_signed_pct,
    fmt_wan,
    fmt_yuan,
    graded,
    relative_gap,
    severity,
    unit_slip,
    wan,
    where,
    within,
)
from pipeline.models import (
    Document,
    Evidence,
    Finding,
    StatementFigures,
    TaxCertificate,
)

MONEY_FIGURES = ("total_assets", "revenue", "profit")


@dataclass
class Column:
    """One column of audited figures: a report's own year, or its comparative column."""

    doc: Document
    figures: StatementFigures
    prefix: str  # evidence key prefix: "" or "prior_year."
    title: str  # "2018年度审计报告" / "2019年度审计报告上年数"


def columns_for(ctx: Context, year: str) -> list[Column]:
    """Where `year`'s audited figures may be read, best first."""
    out: list[Column] = []
    for doc, audit in ctx.audits:
        if audit.year == year:
            out.append(Column(doc, audit, "", f"{year}年度审计报告"))
    if year.isdigit():
        later = str(int(year) + 1)
        for doc, audit in ctx.audits:
            if audit.year == later and audit.prior_year is not None:
                out.append(
                    Column(doc, audit.prior_year, "prior_year.", f"{later}年度审计报告上年数")
                )
    return out


@dataclass
class Value:
    amount: Decimal
    column: Column
    key: str  # the statement field


def read_value(columns: list[Column], key: str) -> Value | None:
    for col in columns:
        amount = getattr(col.figures, key)
        if amount is not None:
            return Value(amount, col, key)
    return None


def value_ev(ctx: Context, v: Value) -> Evidence:
    return ctx.ev(
        v.column.doc, v.column.prefix + v.key, f"{v.column.title}{ctx.label('statement', v.key)}"
    )


def missing_ev(ctx: Context, columns: list[Column], key: str) -> list[Evidence]:
    return [
        ctx.ev(c.doc, c.prefix + key, f"{c.title}{ctx.label('statement', key)}") for c in columns
    ]


def shown(ctx: Context, v: Value) -> str:
    """ "2018年度审计报告资产总计 74476.42 万元（744,764,200.00 元）"."""
    label = ctx.label("statement", v.key)
    return f"{v.column.title}{label} {fmt_wan(wan(v.amount))} 万元（{fmt_yuan(v.amount)} 元）"


def _unreadable(
    ctx: Context, year: str, name: str, columns: list[Column], keys: list[str]
) -> Finding:
    decl_label = ctx.label("figures", name)
    wanted = "、".join(ctx.label("statement", k) for k in keys)
    form_ev = ctx.form_ev(f"years.{year}.{name}", f"申报书{year}年{decl_label}")
    declared = getattr(ctx.declared.years[year], name) if ctx.declared else None
    undated = [doc for doc, audit in ctx.audits if not audit.year]
    if not columns and undated:
        return ctx.unverifiable(
            "FIN_UNVERIFIABLE",
            name,
            f"审计报告的年度未能识别（{'；'.join(ctx.why_unread(d, 'year') for d in undated)}），"
            f"找不到{year}年的数据，申报{year}年{decl_label}无从核对",
            [*form_ev, *(ctx.ev(d, "year", "审计报告年度") for d in undated)],
            year=year,
            declared=declared,
        )
    if not columns:
        return ctx.unverifiable(
            "FIN_UNVERIFIABLE",
            name,
            f"没有{year}年度审计报告（也没有{int(year) + 1}年度报告的上年数），"
            f"申报{year}年{decl_label}无从核对",
            form_ev,
            year=year,
            missing_document=True,
            declared=declared,
        )
    places = "；".join(f"{c.title}（{where(c.doc)}）" for c in columns)
    return ctx.unverifiable(
        "FIN_UNVERIFIABLE",
        name,
        f"未能读取{wanted}（查看了：{places}），申报{year}年{decl_label}无从核对",
        [*form_ev, *(e for k in keys for e in missing_ev(ctx, columns, k))],
        year=year,
        declared=declared,
    )


def _unit_finding(
    ctx: Context, year: str, name: str, declared: Decimal, v: Value, found: Decimal
) -> Finding | None:
    rule = ctx.rules["figures"]
    slip = unit_slip(declared, found, rule)
    if slip is None:
        return None
    decl_label = ctx.label("figures", name)
    how = "约为审计数的 10000 倍，疑似按元填写" if slip == "元" else "约为审计数的万分之一"
    return Finding(
        code="FIN_UNIT",
        field=name,
        year=year,
        severity=severity(rule["unit_severity"]),
        declared=declared,
        found=found,
        message=(
            f"单位疑似填错（元/万元）：申报{year}年{decl_label} {declared} 万元，"
            f"{shown(ctx, v)}，{how}；应填 {fmt_wan(found)} 万元"
        ),
        evidence=[
            *ctx.form_ev(f"years.{year}.{name}", f"申报书{year}年{decl_label}"),
            value_ev(ctx, v),
        ],
    )


def _mismatch(
    ctx: Context, year: str, name: str, declared: Decimal, v: Value, extra: str = ""
) -> Finding:
    rule = ctx.rules["figures"]
    found = wan(v.amount)
    gap = relative_gap(declared, found)
    decl_label = ctx.label("figures", name)
    size = f"相差 {fmt_wan(abs(declared - found))} 万元" + (
        f"（申报数比审计数{fmt_signed_pct(gap * 100)}）" if gap is not None else ""
    )
    return Finding(
        code="FIN_MISMATCH",
        field=name,
        year=year,
        severity=graded(gap, rule),
        declared=declared,
        found=found,
        message=f"申报{year}年{decl_label} {fmt_wan(declared)} 万元，{shown(ctx, v)}，{size}{extra}",
        evidence=[
            *ctx.form_ev(f"years.{year}.{name}", f"申报书{year}年{decl_label}"),
            value_ev(ctx, v),
        ],
    )


def _declared_unread(ctx: Context, year: str, name: str) -> Finding:
    decl_label = ctx.label("figures", name)
    assert ctx.form is not None
    return ctx.unverifiable(
        "FIN_UNVERIFIABLE",
        name,
        f"申报书中未能读取{year}年{decl_label}（{ctx.why_unread(ctx.form, f'years.{year}.{name}')}）",
        ctx.form_ev(f"years.{year}.{name}", f"申报书{year}年{decl_label}"),
        year=year,
    )


# ---- total_assets, revenue, profit -----------------------------------------------------

STATEMENT_KEY = {"total_assets": "total_assets", "revenue": "revenue", "profit": "total_profit"}


def check_money_figures(ctx: Context) -> list[Finding]:
    if ctx.declared is None or ctx.form is None:
        return []
    rule = ctx.rules["figures"]
    out: list[Finding] = []
    for year in ctx.years:
        columns = columns_for(ctx, year)
        for name in MONEY_FIGURES:
            declared = getattr(ctx.declared.years[year], name)
            if declared is None:
                out.append(_declared_unread(ctx, year, name))
                continue
            key = STATEMENT_KEY[name]
            v = read_value(columns, key)
            net = read_value(columns, "net_profit") if name == "profit" else None
            if v is None and net is None:
                out.append(_unreadable(ctx, year, name, columns, [key]))
                continue
            if v is not None and within(declared, wan(v.amount), rule):
                continue
            if net is not None and within(declared, wan(net.amount), rule):
                out.append(_net_profit(ctx, year, declared, v, net))
                continue
            if v is None:
                # Only net profit was read, and it does not match: 利润总额 is unknown.
                out.append(_unreadable(ctx, year, name, columns, [key]))
                continue
            unit = _unit_finding(ctx, year, name, declared, v, wan(v.amount))
            if unit is not None:
                out.append(unit)
                continue
            extra = ""
            if net is not None:
                extra = f"；与{ctx.label('statement', 'net_profit')} {fmt_wan(wan(net.amount))} 万元也不符"
            out.append(_mismatch(ctx, year, name, declared, v, extra))
    return out


def _net_profit(
    ctx: Context, year: str, declared: Decimal, total: Value | None, net: Value
) -> Finding:
    rule = ctx.rules["profit"]
    total_text = (
        f"而{ctx.label('statement', 'total_profit')}为 {fmt_wan(wan(total.amount))} 万元"
        if total is not None
        else f"{ctx.label('statement', 'total_profit')}未能读取"
    )
    evidence = [*ctx.form_ev(f"years.{year}.profit", f"申报书{year}年利润"), value_ev(ctx, net)]
    if total is not None:
        evidence.append(value_ev(ctx, total))
    return Finding(
        code="PROFIT_IS_NET_PROFIT",
        field="profit",
        year=year,
        severity=severity(rule["net_profit_severity"]),
        declared=declared,
        found=wan(net.amount),
        message=(
            f"申报{year}年利润 {fmt_wan(declared)} 万元与{shown(ctx, net)}一致（匹配的是"
            f"{ctx.label('statement', 'net_profit')}），{total_text}：申报书的利润应填利润总额"
        ),
        evidence=evidence,
    )


# ---- debt_ratio --------------------------------------------------------------------------


def check_debt_ratio(ctx: Context) -> list[Finding]:
    if ctx.declared is None or ctx.form is None:
        return []
    rule = ctx.rules["debt_ratio"]
    label = ctx.label("figures", "debt_ratio")
    out: list[Finding] = []
    for year in ctx.years:
        declared = ctx.declared.years[year].debt_ratio
        if declared is None:
            out.append(_declared_unread(ctx, year, "debt_ratio"))
            continue
        columns = columns_for(ctx, year)
        # Both figures from the same column, or the ratio mixes two reports.
        pair = next(
            (
                (c, c.figures.total_liabilities, c.figures.total_assets)
                for c in columns
                if c.figures.total_liabilities is not None and c.figures.total_assets
            ),
            None,
        )
        if pair is None:
            out.append(
                _unreadable(ctx, year, "debt_ratio", columns, ["total_liabilities", "total_assets"])
            )
            continue
        col, liabilities, assets = pair
        computed = liabilities / assets * 100
        if within(declared, computed, rule):
            continue
        evidence = [
            *ctx.form_ev(f"years.{year}.debt_ratio", f"申报书{year}年{label}"),
            value_ev(ctx, Value(liabilities, col, "total_liabilities")),
            value_ev(ctx, Value(assets, col, "total_assets")),
        ]
        basis = (
            f"{col.title}{ctx.label('statement', 'total_liabilities')} {fmt_yuan(liabilities)} 元 ÷ "
            f"{ctx.label('statement', 'total_assets')} {fmt_yuan(assets)} 元 = {computed:.2f}%"
        )
        if within(declared * dec(rule["fraction_factor"]), computed, rule):
            out.append(
                Finding(
                    code="DEBT_RATIO_AS_FRACTION",
                    field="debt_ratio",
                    year=year,
                    severity=severity(rule["fraction_severity"]),
                    declared=declared,
                    found=computed.quantize(Decimal("0.01")),
                    message=f"申报{year}年{label} {declared} 疑似按小数填写（应为百分数）：{basis}",
                    evidence=evidence,
                )
            )
            continue
        gap = declared - computed  # percentage points
        out.append(
            Finding(
                code="FIN_MISMATCH",
                field="debt_ratio",
                year=year,
                severity=graded(gap, rule),
                declared=declared,
                found=computed.quantize(Decimal("0.01")),
                message=(f"申报{year}年{label} {declared}%，{basis}，相差 {gap:+.2f} 个百分点"),
                evidence=evidence,
            )
        )
    return out


# ---- tax -----------------------------------------------------------------------------------


def cert_period(cert: TaxCertificate) -> tuple[str | None, str | None, str]:
    """The certificate's period, from its heading or else from its items; and which."""
    if cert.period_start and cert.period_end:
        return cert.period_start, cert.period_end, "所属期"
    starts = [i.period_start for i in cert.items if i.period_start]
    ends = [i.period_end for i in cert.items if i.period_end]
    if starts and ends:
        return min(starts), max(ends), "明细所属期"
    return None, None, ""


def cert_total(cert: TaxCertificate) -> tuple[Decimal | None, str]:
    """The certificate's total; the sum of its items when the total line was not read."""
    if cert.total_amount is not None:
        return cert.total_amount, "total_amount"
    amounts = [i.amount for i in cert.items]
    if amounts and all(a is not None for a in amounts):
        return sum((a for a in amounts if a is not None), Decimal(0)), "items"
    return None, ""


def certificates_for(ctx: Context, year: str) -> tuple[list[tuple[Document, TaxCertificate]], str]:
    """Certificates whose period lies in `year`; an undated one is taken for the later
    declared year, the year the programme asks a certificate for. Returns (certs, note)."""
    out = []
    note = ""
    for doc, cert in ctx.tax_certificates:
        start, end, _ = cert_period(cert)
        if start and end:
            if start[:4] == year and end[:4] == year:
                out.append((doc, cert))
        elif ctx.years and year == ctx.years[-1]:
            out.append((doc, cert))
            note = f"（纳税证明所属期未能读取，按要求视为{year}年）"
    return out, note


def check_tax(ctx: Context) -> list[Finding]:
    if ctx.declared is None or ctx.form is None:
        return []
    rule = ctx.rules["tax"]
    tol = ctx.rules["figures"]
    label = ctx.label("figures", "tax")
    out: list[Finding] = []
    for year in ctx.years:
        declared = ctx.declared.years[year].tax
        if declared is None:
            out.append(_declared_unread(ctx, year, "tax"))
            continue
        form_ev = ctx.form_ev(f"years.{year}.tax", f"申报书{year}年{label}")

        # Source 1: the tax certificate(s) covering the year.
        certs, note = certificates_for(ctx, year)
        cert_values: list[tuple[Decimal, str, list[Evidence]]] = []
        unread_certs: list[Document] = []
        for doc, cert in certs:
            total, how = cert_total(cert)
            if total is None:
                unread_certs.append(doc)
                continue
            key = "total_amount" if how == "total_amount" else "items"
            text = "合计" if how == "total_amount" else "各项明细之和"
            cert_values.append(
                (total, f"纳税证明（{where(doc)}）{text}", [ctx.ev(doc, key, f"纳税证明{text}")])
            )
        if len(cert_values) > 1:
            cert_values.append(
                (
                    sum((v for v, _, _ in cert_values), Decimal(0)),
                    f"{len(cert_values)} 份纳税证明合计",
                    [e for _, _, evs in cert_values for e in evs],
                )
            )

        # Source 2: the income statement's 税金及附加 + 所得税费用 (VAT is not in it).
        columns = columns_for(ctx, year)
        surcharges = read_value(columns, "taxes_and_surcharges")
        income_tax = read_value(columns, "income_tax")
        statement: tuple[Decimal, str, list[Evidence]] | None = None
        if surcharges is not None and income_tax is not None:
            statement = (
                surcharges.amount + income_tax.amount,
                f"{surcharges.column.title}利润表{ctx.label('statement', 'taxes_and_surcharges')}"
                f"+{ctx.label('statement', 'income_tax')}",
                [value_ev(ctx, surcharges), value_ev(ctx, income_tax)],
            )

        candidates = cert_values + ([statement] if statement else [])
        if any(within(declared, wan(v), tol) for v, _, _ in candidates):
            continue
        if not candidates:
            looked = [ctx.ev(d, "total_amount", "纳税证明合计") for d in unread_certs]
            looked += missing_ev(ctx, columns, "taxes_and_surcharges")
            out.append(
                ctx.unverifiable(
                    "TAX_UNVERIFIABLE",
                    "tax",
                    f"没有可用于核对{year}年{label}的数据（纳税证明合计、利润表税金及附加和所得税费用均未读到）",
                    [*form_ev, *looked],
                    year=year,
                    missing_document=not looked,
                    declared=declared,
                )
            )
            continue
        primary = candidates[0]
        slip = unit_slip(declared, wan(primary[0]), ctx.rules["figures"])
        if slip is not None:
            out.append(
                Finding(
                    code="FIN_UNIT",
                    field="tax",
                    year=year,
                    severity=severity(ctx.rules["figures"]["unit_severity"]),
                    declared=declared,
                    found=wan(primary[0]),
                    message=(
                        f"单位疑似填错（元/万元）：申报{year}年{label} {declared} 万元，"
                        f"{primary[1]} {fmt_wan(wan(primary[0]))} 万元（{fmt_yuan(primary[0])} 元）"
                    ),
                    evidence=[*form_ev, *primary[2]],
                )
            )
            continue
        listed = "；".join(
            f"{text} {fmt_wan(wan(v))} 万元（{fmt_yuan(v)} 元）" for v, text, _ in candidates
        )
        if cert_values:
            out.append(
                Finding(
                    code="TAX_MISMATCH",
                    field="tax",
                    year=year,
                    severity=severity(rule["mismatch_severity"]),
                    declared=declared,
                    found=wan(cert_values[0][0]),
                    message=f"申报{year}年{label} {fmt_wan(declared)} 万元，与下列数据均不符：{listed}{note}",
                    evidence=[*form_ev, *(e for _, _, evs in candidates for e in evs)],
                )
            )
            continue
        assert statement is not None
        found = wan(statement[0])
        missing = "（纳税证明未能读取合计）" if unread_certs else f"（没有覆盖{year}年的纳税证明）"
        if declared + dec(tol["abs_tolerance"]) < found:
            sev, code = severity(rule["below_statement_severity"]), "TAX_BELOW_STATEMENT"
            verdict = f"申报数比利润表中的税金还低 {fmt_pct((found - declared) / found * 100)}"
        else:
            sev, code = severity(rule["statement_only_severity"]), "TAX_UNVERIFIABLE"
            verdict = "利润表不含增值税等，申报数不低于该数，但无法核实"
        out.append(
            Finding(
                code=code,
                field="tax",
                year=year,
                severity=sev,
                declared=declared,
                found=found,
                message=(
                    f"{'无法核验：' if code == 'TAX_UNVERIFIABLE' else ''}申报{year}年{label} "
                    f"{fmt_wan(declared)} 万元，只能与{listed}比较{missing}：{verdict}"
                ),
                evidence=[*form_ev, *statement[2]],
            )
        )
    return out


# ---- employees -----------------------------------------------------------------------------


def check_employees(ctx: Context) -> list[Finding]:
    """No paper of a dossier states the headcount: said once per year, never passed silently."""
    if ctx.declared is None or ctx.form is None:
        return []
    rule = ctx.rules["employees"]
    label = ctx.label("figures", "employees")
    out = []
    for year in ctx.years:
        count = ctx.declared.years[year].employees
        stated = f"{count} 人" if count is not None else "（未填写或未能读取）"
        out.append(
            Finding(
                code="EMPLOYEES_UNVERIFIABLE",
                field="employees",
                year=year,
                severity=severity(rule["severity"]),
                declared=count,
                message=(
                    f"无法核验：申报{year}年{label} {stated}，"
                    "所附材料中没有载明从业人数的文件（如社保缴纳证明）"
                ),
                evidence=ctx.form_ev(f"years.{year}.employees", f"申报书{year}年{label}"),
            )
        )
    return out


# ---- balance_identity ----------------------------------------------------------------------


def check_balance_identity(ctx: Context) -> list[Finding]:
    rule = ctx.rules["balance_identity"]
    tolerance = dec(rule["abs_tolerance"])
    keys = ("total_assets", "total_liabilities", "total_equity")
    out: list[Finding] = []
    for doc, audit in ctx.audits:
        year = audit.year
        cols: list[tuple[str, StatementFigures, str | None]] = [("", audit, year)]
        if audit.prior_year is not None:
            prior = str(int(year) - 1) if year and year.isdigit() else None
            cols.append(("prior_year.", audit.prior_year, prior))
        for prefix, figures, col_year in cols:
            title = (f"{year}年度审计报告" if year else "审计报告（年度未能识别）") + (
                "上年数" if prefix else ""
            )
            values: Mapping[str, Any] = {k: getattr(figures, k) for k in keys}
            evidence = [
                ctx.ev(doc, prefix + k, f"{title}{ctx.label('statement', k)}") for k in keys
            ]
            missing = [k for k in keys if values[k] is None]
            if missing:
                if prefix:
                    # A comparative column is optional; only its own unread values are noise.
                    continue
                out.append(
                    ctx.unverifiable(
                        "BALANCE_UNVERIFIABLE",
                        "balance_identity",
                        f"{title}（{where(doc)}）未能读取"
                        + "、".join(ctx.label("statement", k) for k in missing)
                        + "，无法核对资产 = 负债 + 所有者权益",
                        evidence,
                        year=col_year,
                    )
                )
                continue
            assets, liabilities, equity = (values[k] for k in keys)
            gap = assets - (liabilities + equity)
            if abs(gap) <= tolerance:
                continue
            out.append(
                Finding(
                    code="BALANCE_MISMATCH",
                    field="balance_identity",
                    year=col_year,
                    severity=severity(rule["severity"]),
                    declared=assets,
                    found=liabilities + equity,
                    message=(
                        f"{title}（{where(doc)}）{ctx.label('statement', 'total_assets')} "
                        f"{fmt_yuan(assets)} 元 ≠ {ctx.label('statement', 'total_liabilities')} "
                        f"{fmt_yuan(liabilities)} 元 + {ctx.label('statement', 'total_equity')} "
                        f"{fmt_yuan(equity)} 元，相差 {fmt_yuan(gap)} 元（可能为识别误差或报表有误）"
                    ),
                    evidence=evidence,
                )
            )
    return out


# ---- tax_period ----------------------------------------------------------------------------


def check_tax_period(ctx: Context) -> list[Finding]:
    rule = ctx.rules["tax_period"]
    if not ctx.years:
        return []
    year = ctx.years[-1]
    out: list[Finding] = []
    for doc, cert in ctx.tax_certificates:
        start, end, how = cert_period(cert)
        evidence = [
            ctx.ev(doc, "period_start", "纳税证明所属期起"),
            ctx.ev(doc, "period_end", "纳税证明所属期止"),
        ]
        if start is None or end is None:
            out.append(
                ctx.unverifiable(
                    "TAX_PERIOD_UNREAD",
                    "tax_period",
                    f"纳税证明（{where(doc)}）的所属期未能读取，无法确认其覆盖{year}年",
                    evidence,
                )
            )
            continue
        if start <= f"{year}-01-01" and end >= f"{year}-12-31":
            continue
        overlaps = start <= f"{year}-12-31" and end >= f"{year}-01-01"
        sev = severity(rule["partial_severity"] if overlaps else rule["other_year_severity"])
        what = f"只覆盖{year}年的一部分" if overlaps else f"不是{year}年"
        out.append(
            Finding(
                code="TAX_PERIOD_MISMATCH",
                field="tax_period",
                year=year,
                severity=sev,
                declared=year,
                found=f"{start}至{end}",
                message=(
                    f"纳税证明（{where(doc)}）{how} {start} 至 {end}，{what}："
                    f"应提供上一年度（{year}年全年）的纳税证明"
                ),
                evidence=evidence,
            )
        )
    return out
