"""Who the applicant is: company name, credit code, Hunan registration, date of establishment.

The form's declarations are compared with the licence and the other papers that name the
company. Invoice buyers are compared in project.py (`invoice_buyer`), against the form *and*
the licence, so that one typo on the form is reported once, not once per invoice.
"""

from __future__ import annotations

from collections.abc import Iterable

from extractors.common.credit_code import check_digit, division_code, is_valid
from extractors.common.dates import parse_date, parse_month
from extractors.common.normalize import normalize_name
from pipeline.checks.base import Context, load_regions, severity, where
from pipeline.models import Document, Evidence, Finding, Severity


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance; names are short, so the quadratic table is fine."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def name_severity(ctx: Context, found: str, expected: str, base: Severity) -> tuple[Severity, str]:
    """A name one character off is more likely an OCR slip than another company: say so.

    Returns the severity and a note for the message (empty when the names truly differ)."""
    rule = ctx.rules["company_name"]
    edits = edit_distance(found, expected)
    near = edits <= int(rule["near_miss_max_edits"])
    if not near or len(expected) < int(rule["near_miss_min_len"]):
        return base, ""
    note = f"（仅 {edits} 字之差，可能为识别误差，请人工核对）"
    return severity(rule["near_miss_severity"]), note


# ---- company_name ----------------------------------------------------------------------


def _name_sources(ctx: Context) -> Iterable[tuple[Document, str, str | None]]:
    """(document, field name, value) of every paper that names the company, invoices aside."""
    for doc, lic in ctx.licences:
        yield doc, "company_name", lic.company_name
    for doc, audit in ctx.audits:
        yield doc, "company_name", audit.company_name
    for doc, cert in ctx.tax_certificates:
        yield doc, "taxpayer_name", cert.taxpayer_name


def check_company_name(ctx: Context) -> list[Finding]:
    rule = ctx.rules["company_name"]
    label = ctx.label("identity", "company_name")
    declared = ctx.declared.company_name if ctx.declared else None
    out: list[Finding] = []
    # (name, whose, its evidence, the document it is read from when not the form)
    reference: tuple[str, str, list[Evidence], Document | None] | None = None
    if declared:
        reference = (declared, "申报书", ctx.form_ev("company_name", f"申报书{label}"), None)
    elif ctx.form is not None:
        out.append(
            ctx.unverifiable(
                "COMPANY_NAME_UNREAD",
                "company_name",
                f"申报书中未能读取{label}（{ctx.why_unread(ctx.form, 'company_name')}）",
                ctx.form_ev("company_name", f"申报书{label}"),
            )
        )
        # Without the form's name the licence's is the reference for the other papers.
        reference = next(
            (
                (lic.company_name, "营业执照", [ctx.ev(doc, "company_name", label)], doc)
                for doc, lic in ctx.licences
                if lic.company_name
            ),
            None,
        )
    for doc, key, value in _name_sources(ctx):
        doc_label = ctx.doc_label(doc.type)
        if value is None:
            out.append(
                ctx.unverifiable(
                    "COMPANY_NAME_UNREAD",
                    "company_name",
                    f"{doc_label}上的{label}未能读取（{ctx.why_unread(doc, key)}）",
                    [ctx.ev(doc, key, f"{doc_label}{label}")],
                    sev=severity(rule["unread_severity"][doc.type]),
                )
            )
            continue
        if reference is None or reference[3] is doc:
            continue
        ref_name, whose, ref_ev, _ = reference
        if normalize_name(value) == normalize_name(ref_name):
            continue
        sev, note = name_severity(
            ctx, normalize_name(value), normalize_name(ref_name), severity(rule["severity"])
        )
        out.append(
            Finding(
                code="COMPANY_NAME_MISMATCH",
                field="company_name",
                severity=sev,
                declared=ref_name,
                found=value,
                message=(
                    f"{whose}{label}「{ref_name}」与{doc_label}（{where(doc)}）上的「{value}」"
                    f"不一致{note}"
                ),
                evidence=[*ref_ev, ctx.ev(doc, key, f"{doc_label}{label}")],
            )
        )
    return out


# ---- credit_code -----------------------------------------------------------------------


def describe_difference(a: str, b: str) -> str:
    """ "第11、12位不同（疑似颠倒）" for two codes of the same length."""
    if len(a) != len(b):
        return f"长度不同（{len(a)} 位 / {len(b)} 位）"
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    text = "第" + "、".join(str(i + 1) for i in diff) + "位不同"
    if (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and a[diff[0]] == b[diff[1]]
        and a[diff[1]] == b[diff[0]]
    ):
        text += "（疑似相邻两位颠倒）"
    return text


def check_credit_code(ctx: Context) -> list[Finding]:
    rule = ctx.rules["credit_code"]
    label = ctx.label("identity", "credit_code")
    out: list[Finding] = []
    code = ctx.declared.credit_code if ctx.declared else None
    form_ev = ctx.form_ev("credit_code", f"申报书{label}")
    if code is None and ctx.form is not None:
        out.append(
            ctx.unverifiable(
                "CREDIT_CODE_UNREAD",
                "credit_code",
                f"申报书中未能读取{label}（{ctx.why_unread(ctx.form, 'credit_code')}）",
                form_ev,
            )
        )
    if code is not None and not is_valid(code):
        expected = ""
        if len(code) == 18:
            try:
                expected = f"，按前 17 位计算校验位应为 {check_digit(code[:17])}"
            except ValueError:
                expected = "，且含有代码中不允许的字符"
        out.append(
            Finding(
                code="CREDIT_CODE_CHECK_DIGIT",
                field="credit_code",
                severity=severity(rule["check_digit_severity"]),
                declared=code,
                message=f"申报书{label} {code} 校验位不符（GB 32100-2015）{expected}",
                evidence=form_ev,
            )
        )

    others: list[tuple[Document, str, str]] = []  # (document, field, code) read elsewhere
    for doc, lic in ctx.licences:
        if lic.credit_code:
            others.append((doc, "credit_code", lic.credit_code))
            if not is_valid(lic.credit_code):
                out.append(
                    Finding(
                        code="CREDIT_CODE_CHECK_DIGIT",
                        field="credit_code",
                        severity=severity(rule["document_check_digit_severity"]),
                        found=lic.credit_code,
                        message=(
                            f"营业执照（{where(doc)}）上读到的{label} {lic.credit_code} "
                            "校验位不符，可能为识别误差，请人工核对"
                        ),
                        evidence=[ctx.ev(doc, "credit_code", f"营业执照{label}")],
                    )
                )
        elif lic.registration_number:
            # Pre-2015 licences carry a 15-digit 注册号 and no credit code: nothing to compare.
            out.append(
                Finding(
                    code="CREDIT_CODE_PRE2015_LICENCE",
                    field="credit_code",
                    severity=severity(rule["pre_2015_severity"]),
                    declared=code,
                    found=lic.registration_number,
                    message=(
                        f"营业执照（{where(doc)}）为2015年前旧版执照，只有注册号 "
                        f"{lic.registration_number}，没有{label}：申报书代码 {code or '（未读取）'} "
                        "无法与执照比对，请在国家企业信用信息公示系统核对"
                    ),
                    evidence=[
                        *form_ev,
                        ctx.ev(doc, "registration_number", "营业执照注册号"),
                    ],
                )
            )
        else:
            out.append(
                ctx.unverifiable(
                    "CREDIT_CODE_UNREAD",
                    "credit_code",
                    f"营业执照上的{label}和注册号均未能读取（{ctx.why_unread(doc, 'credit_code')}）",
                    [ctx.ev(doc, "credit_code", f"营业执照{label}")],
                )
            )
    for doc, cert in ctx.tax_certificates:
        if cert.credit_code:
            others.append((doc, "credit_code", cert.credit_code))
        else:
            out.append(
                ctx.unverifiable(
                    "CREDIT_CODE_UNREAD",
                    "credit_code",
                    f"纳税证明上的{label}未能读取（{ctx.why_unread(doc, 'credit_code')}）",
                    [ctx.ev(doc, "credit_code", f"纳税证明{label}")],
                    sev=severity(rule["tax_certificate_unread_severity"]),
                )
            )

    if code is not None:
        differing = [(doc, key, other) for doc, key, other in others if other != code]
        if differing:
            parts = "；".join(
                f"{ctx.doc_label(doc.type)}（{where(doc)}）为 {other}，"
                + describe_difference(code, other)
                for doc, _, other in differing
            )
            found_codes = sorted({other for _, _, other in differing})
            out.append(
                Finding(
                    code="CREDIT_CODE_MISMATCH",
                    field="credit_code",
                    severity=severity(rule["mismatch_severity"]),
                    declared=code,
                    found=found_codes[0] if len(found_codes) == 1 else found_codes,
                    message=f"申报书{label} {code} 与其他材料不一致：{parts}",
                    evidence=[
                        *form_ev,
                        *(
                            ctx.ev(doc, key, f"{ctx.doc_label(doc.type)}{label}")
                            for doc, key, _ in differing
                        ),
                    ],
                )
            )
    return out


# ---- region ----------------------------------------------------------------------------


def hunan_places() -> tuple[str, list[str]]:
    """The province's name and the city/county names an address may name instead."""
    data = load_regions()
    names: list[str] = []
    for division in data["divisions"].values():
        names.append(division["city"])
        # Two-character county names (攸县, 南县 …) also occur inside other provinces'
        # place names (河南县): they would vouch for addresses that are not in Hunan.
        names.extend(c for c in division["counties"] if len(c) >= 3)
    return str(data["province"]), names


def check_region(ctx: Context) -> list[Finding]:
    rule = ctx.rules["region"]
    prefix = str(load_regions()["province_code"])
    if ctx.form is None and not ctx.licences:
        return []  # nothing names the company: `attachments` reports both papers missing
    out: list[Finding] = []

    # The division code: the licence's credit code, else the form's, else the old 注册号.
    candidates: list[tuple[Document, str, str]] = [
        (doc, "credit_code", lic.credit_code)
        for doc, lic in ctx.licences
        if lic.credit_code and is_valid(lic.credit_code)
    ]
    if ctx.form is not None and ctx.declared and ctx.declared.credit_code:
        candidates.append((ctx.form, "credit_code", ctx.declared.credit_code))
    candidates += [
        (doc, "registration_number", lic.registration_number)
        for doc, lic in ctx.licences
        if lic.registration_number
    ]
    chosen = None
    for doc, key, code in candidates:
        try:
            chosen = (doc, key, code, division_code(code))
            break
        except ValueError:
            continue
    if chosen is None:
        evidence = [
            ctx.ev(doc, "credit_code", "营业执照统一社会信用代码") for doc, _ in ctx.licences
        ]
        evidence += ctx.form_ev("credit_code", "申报书统一社会信用代码")
        out.append(
            ctx.unverifiable(
                "REGION_UNVERIFIABLE",
                "region",
                "未读到可用的统一社会信用代码或注册号，无法由行政区划码判断注册地",
                evidence or [Evidence(file=ctx.report.application, text="没有申报书和营业执照")],
                missing_document=not evidence,
            )
        )
    else:
        doc, key, code, division = chosen
        if not division.startswith(prefix):
            whose = ctx.doc_label(doc.type)
            out.append(
                Finding(
                    code="REGION_NOT_HUNAN",
                    field="region",
                    severity=severity(rule["code_severity"]),
                    found=division,
                    message=(
                        f"{whose}上的代码 {code} 的行政区划码为 {division}，"
                        f"不是湖南省（{prefix} 开头）登记的企业"
                    ),
                    evidence=[ctx.ev(doc, key, f"{whose}代码")],
                )
            )

    province, places = hunan_places()
    for doc, lic in ctx.licences:
        if lic.address is None:
            out.append(
                ctx.unverifiable(
                    "REGION_UNVERIFIABLE",
                    "region",
                    f"营业执照住所未能读取（{ctx.why_unread(doc, 'address')}）",
                    [ctx.ev(doc, "address", "营业执照住所")],
                )
            )
            continue
        address = normalize_name(lic.address)
        if province in address or any(p in address for p in places):
            continue
        out.append(
            Finding(
                code="REGION_ADDRESS_NOT_HUNAN",
                field="region",
                severity=severity(rule["address_severity"]),
                found=lic.address,
                message=f"营业执照住所「{lic.address}」中没有湖南省或省内市县名称，注册地不在湖南省？",
                evidence=[ctx.ev(doc, "address", "营业执照住所")],
            )
        )
    city = ctx.declared.city if ctx.declared else None
    if city and normalize_name(city) not in places:
        out.append(
            Finding(
                code="REGION_FORM_CITY",
                field="region",
                severity=severity(rule["form_city_severity"]),
                declared=city,
                message=f"申报书所在地「{city}」不是湖南省的市州",
                evidence=ctx.form_ev("city", "申报书所在地"),
            )
        )
    return out


# ---- established -----------------------------------------------------------------------


def form_gives_month_only(text: str | None, iso: str) -> bool:
    """True when the form's 成立时间 names a month and no day (it is stored as day 1)."""
    if text is None:
        # No evidence to look at: day 1 is what the form extractor writes for a month.
        return iso.endswith("-01")
    value = text.split("：", 1)[-1].strip()
    return parse_date(value) is None and parse_month(value) is not None


def check_established(ctx: Context) -> list[Finding]:
    rule = ctx.rules["established"]
    label = ctx.label("identity", "established")
    declared = ctx.declared.established if ctx.declared else None
    if ctx.form is None:
        return []
    form_ev = ctx.form_ev("established", f"申报书{label}")
    if declared is None:
        return [
            ctx.unverifiable(
                "ESTABLISHED_UNREAD",
                "established",
                f"申报书中未能读取{label}（{ctx.why_unread(ctx.form, 'established')}）",
                form_ev,
            )
        ]
    out: list[Finding] = []
    evidence = ctx.form.evidence.get("established")
    month_only = form_gives_month_only(evidence.text if evidence else None, declared)
    for doc, lic in ctx.licences:
        lic_ev = ctx.ev(doc, "established", "营业执照成立日期")
        if lic.established is None:
            out.append(
                ctx.unverifiable(
                    "ESTABLISHED_UNREAD",
                    "established",
                    f"营业执照成立日期未能读取（{ctx.why_unread(doc, 'established')}）",
                    [*form_ev, lic_ev],
                    declared=declared,
                )
            )
            continue
        same = lic.established[:7] == declared[:7] if month_only else lic.established == declared
        if same:
            continue
        shown = declared[:7] if month_only else declared
        out.append(
            Finding(
                code="ESTABLISHED_MISMATCH",
                field="established",
                severity=severity(rule["severity"]),
                declared=shown,
                found=lic.established,
                message=(
                    f"申报书{label} {shown} 与营业执照（{where(doc)}）成立日期 "
                    f"{lic.established} 不一致"
                ),
                evidence=[*form_ev, lic_ev],
            )
        )
    return out
