"""Cross-checks over the records of one application. Tolerances, severities and labels:
pipeline/rules.toml.

Checks read typed records (never raw text) and give every finding the evidence of both
sides. One module per family: identity (who the applicant is), financials (the declared
years against the statements and the tax certificate), project (contracts, invoices and the
project's money) and documents (required papers, the form's own rules, 大写 amounts).
"""

from __future__ import annotations

import logging

from pipeline.checks import documents, financials, identity, invoices, project
from pipeline.checks.base import RULES_PATH, Check, Context, Rules, load_rules, severity
from pipeline.models import Evidence, Finding, Report

log = logging.getLogger(__name__)

# (the contract field a check reports on — the first, when it reports several —, the check)
CHECKS: list[tuple[str, Check]] = [
    ("attachments", documents.check_attachments),
    ("company_name", identity.check_company_name),
    ("credit_code", identity.check_credit_code),
    ("region", identity.check_region),
    ("established", identity.check_established),
    ("total_assets", financials.check_money_figures),  # and revenue, profit
    ("debt_ratio", financials.check_debt_ratio),
    ("tax", financials.check_tax),
    ("employees", financials.check_employees),
    ("balance_identity", financials.check_balance_identity),
    ("tax_period", financials.check_tax_period),
    ("project_costs_sum", project.check_project_costs_sum),
    ("project_total", project.check_project_total),
    ("project_total", project.check_duplicate_invoices),
    ("investment_continuity", project.check_investment_continuity),
    ("invoice_buyer", project.check_invoice_buyer),
    ("invoice_date", project.check_invoice_date),
    ("invoice_arithmetic", project.check_invoice_arithmetic),
    ("invoice_qr", invoices.check_invoice_qr),
    ("amount_in_words", documents.check_amount_in_words),
    ("elements", documents.check_elements),
    ("description_length", documents.check_description_length),
]

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _failed(ctx: Context, field: str, check: Check, exc: Exception) -> Finding:
    """A check that broke on odd records says so in the report instead of sinking it."""
    where = ctx.form.file if ctx.form else ctx.report.application
    return Finding(
        code="CHECK_FAILED",
        field=field,
        severity=severity(ctx.rules["unverifiable"]["check_failed_severity"]),
        message=f"无法核验：规则 {check.__name__} 执行出错，请人工核对（{type(exc).__name__}: {exc}）",
        evidence=[Evidence(file=where, text=f"{type(exc).__name__}: {exc}")],
    )


def run_checks(report: Report, rules: Rules | None = None) -> list[Finding]:
    """Every finding of every check, errors first (the order of CHECKS within a severity)."""
    ctx = Context.of(report, rules or load_rules())
    findings: list[Finding] = []
    for field, check in CHECKS:
        try:
            findings += check(ctx)
        except Exception as exc:  # one rule's bug must not cost the application its report
            log.exception("check %s failed on %s", check.__name__, report.application)
            findings.append(_failed(ctx, field, check, exc))
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])


__all__ = ["CHECKS", "RULES_PATH", "Context", "load_rules", "run_checks"]
