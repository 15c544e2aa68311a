"""The dossier as a whole: required papers, the form's own rules, 大写 vs 小写 amounts."""

from __future__ import annotations

from decimal import Decimal

from extractors.common.amounts import parse_chinese_upper
from pipeline.checks.base import Context, dec, evidence_or_files, fmt_yuan, severity, where
from pipeline.models import Document, Evidence, Finding


def check_attachments(ctx: Context) -> list[Finding]:
    rule = ctx.rules["attachments"]
    present = {d.type for d in ctx.report.documents}
    bad = [f for f in ctx.report.files if f.status in ("unreadable", "rejected", "unsupported")]
    bad_ev = [Evidence(file=f.file, text=f"{f.status}：{f.reason or ''}") for f in bad]
    hint = f"（另有无法读取的文件：{'、'.join(f.file for f in bad)}）" if bad else ""
    out: list[Finding] = []
    for item in rule["required"]:
        if item["type"] in present:
            continue
        out.append(
            Finding(
                code="ATTACHMENT_MISSING",
                field="attachments",
                severity=severity(rule["severity"]),
                declared=item["label"],
                found=None,
                message=f"材料中未找到{item['label']}{hint}",
                evidence=evidence_or_files(ctx, bad_ev, f"未找到{item['label']}"),
            )
        )
    if ctx.audits:
        out += _audit_years(ctx, hint, bad_ev)
    return out


def _audit_years(ctx: Context, hint: str, bad_ev: list[Evidence]) -> list[Finding]:
    """One audit report per declared year is required; the next year's comparative column
    lets the figures be checked, but does not stand in for the report itself."""
    rule = ctx.rules["attachments"]
    label = ctx.doc_label("audit_report")
    have = {a.year for _, a in ctx.audits if a.year}
    undated = [d for d, a in ctx.audits if not a.year]
    note = ""
    if undated:
        note = f"；另有 {len(undated)} 份{label}年度未能识别：" + "、".join(
            where(d) for d in undated
        )
    out = []
    for year in ctx.years:
        if year in have:
            continue
        # Where each report's year was read: what the reviewer checks the claim against.
        evidence = [ctx.ev(d, "year", f"{label}年度：未能识别") for d, _ in ctx.audits]
        out.append(
            Finding(
                code="ATTACHMENT_AUDIT_YEAR_MISSING",
                field="attachments",
                year=year,
                severity=severity(
                    rule["undated_audit_severity"] if undated else rule["audit_year_severity"]
                ),
                declared=f"{year}年度{label}",
                found=sorted(have) if have else None,
                message=f"材料中缺少{year}年度{label}{note}{hint}",
                evidence=evidence + bad_ev,
            )
        )
    return out


def check_elements(ctx: Context) -> list[Finding]:
    form = ctx.form
    if ctx.declared is None or form is None:
        return []
    if "elements" not in form.evidence:
        return [
            ctx.unverifiable(
                "ELEMENTS_UNREAD",
                "elements",
                f"申报书中未找到项目类型（要素条件）一栏（{ctx.why_unread(form, 'elements')}）",
                [ctx.ev(form, "elements", "项目类型（要素条件）")],
            )
        ]
    if ctx.declared.elements:
        return []
    return [
        Finding(
            code="ELEMENTS_NONE",
            field="elements",
            severity=severity(ctx.rules["elements"]["severity"]),
            declared=[],
            message="申报书未勾选任何项目类型（要素条件）",
            evidence=ctx.form_ev("elements", "项目类型（要素条件）"),
        )
    ]


def check_description_length(ctx: Context) -> list[Finding]:
    rule = ctx.rules["description_length"]
    form = ctx.form
    if ctx.declared is None or form is None:
        return []
    chars = ctx.declared.description_chars
    if chars is None:
        return [
            ctx.unverifiable(
                "DESCRIPTION_UNREAD",
                "description_length",
                f"申报书中未能读取项目总体描述（{ctx.why_unread(form, 'description_chars')}）",
                [ctx.ev(form, "description_chars", "项目总体描述")],
            )
        ]
    if chars <= rule["max_chars"]:
        return []
    return [
        Finding(
            code="DESCRIPTION_TOO_LONG",
            field="description_length",
            severity=severity(rule["severity"]),
            declared=chars,
            found=rule["max_chars"],
            message=f"项目总体描述 {chars} 字，超过 {rule['max_chars']} 字的限制",
            evidence=ctx.form_ev("description_chars", "项目总体描述"),
        )
    ]


# ---- amount_in_words ---------------------------------------------------------------------


def _amounts(ctx: Context) -> list[tuple[Document, str, str | None, str, Decimal | None]]:
    """(document, words field, 大写, figure field, 小写) for every paper carrying both."""
    out: list[tuple[Document, str, str | None, str, Decimal | None]] = []
    for doc, inv in ctx.invoices:
        out.append((doc, "total_in_words", inv.total_in_words, "total", inv.total))
    for doc, c in ctx.contracts:
        out.append((doc, "amount_in_words", c.amount_in_words, "amount", c.amount))
    for doc, cert in ctx.tax_certificates:
        out.append((doc, "total_in_words", cert.total_in_words, "total_amount", cert.total_amount))
    return out


def check_amount_in_words(ctx: Context) -> list[Finding]:
    rule = ctx.rules["amount_in_words"]
    out: list[Finding] = []
    for doc, words_key, words, figure_key, figure in _amounts(ctx):
        label = ctx.doc_label(doc.type)
        evidence = [
            ctx.ev(doc, words_key, f"{label}大写金额"),
            ctx.ev(doc, figure_key, f"{label}小写金额"),
        ]
        if words is None or figure is None:
            missing = "、".join(
                name for name, v in (("大写金额", words), ("小写金额", figure)) if v is None
            )
            out.append(
                ctx.unverifiable(
                    "AMOUNT_IN_WORDS_UNREAD",
                    "amount_in_words",
                    f"{label}（{where(doc)}）的{missing}未能读取，无法核对大写与小写",
                    evidence,
                    sev=severity(rule["unread_severity"]),
                )
            )
            continue
        parsed = parse_chinese_upper(words)
        if parsed is None:
            out.append(
                Finding(
                    code="AMOUNT_IN_WORDS_UNPARSABLE",
                    field="amount_in_words",
                    severity=severity(rule["unparsable_severity"]),
                    declared=words,
                    found=figure,
                    message=(
                        f"{label}（{where(doc)}）的大写金额「{words}」无法解析"
                        f"（识别有误或书写不规范），请人工与小写 {fmt_yuan(figure)} 元核对"
                    ),
                    evidence=evidence,
                )
            )
            continue
        if abs(parsed - figure) <= dec(rule["abs_tolerance"]):
            continue
        out.append(
            Finding(
                code="AMOUNT_IN_WORDS_MISMATCH",
                field="amount_in_words",
                severity=severity(rule["severity"]),
                declared=parsed,
                found=figure,
                message=(
                    f"{label}（{where(doc)}）大写「{words}」即 {fmt_yuan(parsed)} 元，"
                    f"与小写 {fmt_yuan(figure)} 元不一致，相差 {fmt_yuan(parsed - figure)} 元"
                ),
                evidence=evidence,
            )
        )
    return out
