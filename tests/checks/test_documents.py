"""attachments, elements, description_length, amount_in_words, and what holds for every
check: evidence on every finding, errors first, every contract field reachable."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from pipeline.checks import run_checks
from pipeline.models import FileEntry
from tests.checks.builders import Dossier, words

# ---- attachments ---------------------------------------------------------------------------


def test_complete_dossier_has_no_attachment_finding() -> None:
    assert Dossier().findings("attachments") == []


def test_missing_document_type_is_named_with_what_was_found_instead() -> None:
    d = Dossier()
    d.drop("tax_certificate")
    [f] = d.findings("attachments")
    assert (f.code, f.severity) == ("ATTACHMENT_MISSING", "error")
    assert "纳税证明" in f.message
    assert f.evidence and all(e.file for e in f.evidence)


def test_unreadable_files_are_mentioned_and_are_the_evidence() -> None:
    d = Dossier()
    d.drop("business_licence")
    d.files = [
        FileEntry(file="营业执照.doc", status="unsupported", reason="旧版 Word (.doc) 文件"),
        *(FileEntry(file=x.file, status="processed") for x in d.docs),
    ]
    [f] = d.findings("attachments")
    assert "营业执照.doc" in f.message
    assert [e.file for e in f.evidence] == ["营业执照.doc"]


def test_audit_report_of_one_declared_year_missing_names_the_year() -> None:
    d = Dossier()
    d.drop("audit_report", "2017")
    [f] = d.findings("attachments")
    assert (f.code, f.year, f.severity) == ("ATTACHMENT_AUDIT_YEAR_MISSING", "2017", "error")
    assert "2017年度审计报告" in f.message and f.evidence


def test_audit_report_with_unread_year_makes_a_missing_year_a_warning() -> None:
    d = Dossier()
    d.audit("2017")["year"] = None
    [f] = d.findings("attachments")
    assert f.severity == "warning" and "年度未能识别" in f.message


def test_no_audit_report_at_all_is_one_finding_not_one_per_year() -> None:
    d = Dossier()
    d.drop("audit_report")
    assert [f.code for f in d.findings("attachments")] == ["ATTACHMENT_MISSING"]


# ---- elements / description_length ----------------------------------------------------------


def test_no_elements_ticked() -> None:
    d = Dossier()
    d.form["elements"] = []
    [f] = d.findings("elements")
    assert (f.code, f.severity) == ("ELEMENTS_NONE", "warning") and f.evidence


def test_elements_section_not_found_is_unverifiable() -> None:
    d = Dossier()
    d.form["elements"] = []
    d.of("application_form")[0].unread["elements"] = "未找到项目类型一栏"
    [f] = d.findings("elements")
    assert f.message.startswith("无法核验") and "未找到项目类型一栏" in f.message


def test_description_length_edge() -> None:
    d = Dossier()
    d.form["description_chars"] = 1000
    assert d.findings("description_length") == []
    d.form["description_chars"] = 1001
    [f] = d.findings("description_length")
    assert (f.severity, f.declared) == ("warning", 1001)


def test_description_unread() -> None:
    d = Dossier()
    d.form["description_chars"] = None
    [f] = d.findings("description_length")
    assert f.message.startswith("无法核验")


# ---- amount_in_words ------------------------------------------------------------------------


def test_words_matching_figures_on_every_paper_is_no_finding() -> None:
    assert Dossier().findings("amount_in_words") == []


def test_invoice_words_differing_from_the_figure() -> None:
    d = Dossier()
    d.invoices[0]["total_in_words"] = "⊗伍拾万零壹圆整"
    [f] = d.findings("amount_in_words")
    assert (f.code, f.severity) == ("AMOUNT_IN_WORDS_MISMATCH", "error")
    assert f.declared == Decimal("500001.00") and f.found == Decimal("500000.00")
    assert "相差 1.00 元" in f.message and len(f.evidence) == 2


def test_contract_and_certificate_words_are_checked_too() -> None:
    d = Dossier()
    d.contracts[1]["amount_in_words"] = words("800100.00")
    d.certificate["total_in_words"] = words("5432100.01")
    found = d.findings("amount_in_words")
    assert sorted(f.evidence[0].file for f in found) == ["合同/二期.pdf", "完税证明.jpg"]
    assert next(f for f in found if f.evidence[0].file == "完税证明.jpg").found == Decimal(
        "5432100.00"
    )


def test_unparsable_words_are_a_warning() -> None:
    d = Dossier()
    d.contracts[0]["amount_in_words"] = "伍拾万伍元"  # 壹仟伍元-style ambiguity
    [f] = d.findings("amount_in_words")
    assert (f.code, f.severity) == ("AMOUNT_IN_WORDS_UNPARSABLE", "warning")


def test_words_not_read_is_an_info() -> None:
    d = Dossier()
    d.contracts[0]["amount_in_words"] = None
    [f] = d.findings("amount_in_words")
    assert f.severity == "info" and f.message.startswith("无法核验")


# ---- for every check -------------------------------------------------------------------------

CONTRACT_FIELDS = [
    "company_name", "credit_code", "region", "established", "total_assets", "debt_ratio",
    "revenue", "tax", "profit", "employees", "project_costs_sum", "project_total",
    "investment_continuity", "invoice_buyer", "invoice_date", "invoice_arithmetic",
    "amount_in_words", "balance_identity", "tax_period", "attachments", "elements",
    "description_length",
]  # fmt: skip


def _spoil(d: Dossier, field: str) -> None:
    """One change that makes `field`'s check report."""
    spoilers: dict[str, Callable[[], object]] = {
        "company_name": lambda: d.licence.update(company_name="湖南别家有限公司"),
        "credit_code": lambda: d.form.update(credit_code="91430104MA4L0AB2C0"),
        "region": lambda: d.licence.update(address="广东省深圳市南山区1号"),
        "established": lambda: d.licence.update(established="2016-01-01"),
        "total_assets": lambda: d.year("2018").update(total_assets="1.00"),
        "debt_ratio": lambda: d.year("2018").update(debt_ratio="70.00"),
        "revenue": lambda: d.year("2018").update(revenue="1.00"),
        "tax": lambda: d.year("2018").update(tax="1.00"),
        "profit": lambda: d.year("2018").update(profit="1.00"),
        "employees": lambda: None,
        "project_costs_sum": lambda: d.form["project"].update(total_cost="1.00"),
        "project_total": lambda: d.invoices[0].update(total="1.00"),
        "investment_continuity": lambda: (
            d.invoices[0].update(issue_date="2018-01-15"),
            d.contracts[0].update(sign_date="2018-01-10"),
        ),
        "invoice_buyer": lambda: d.invoices[0].update(buyer_name="别家公司"),
        "invoice_date": lambda: d.invoices[0].update(issue_date="2020-01-01"),
        "invoice_arithmetic": lambda: d.invoices[0].update(amount="1.00"),
        "amount_in_words": lambda: d.invoices[0].update(total_in_words="壹圆整"),
        "balance_identity": lambda: d.audit("2018").update(total_equity="1.00"),
        "tax_period": lambda: d.certificate.update(period_end="2018-06-30"),
        "attachments": lambda: d.drop("business_licence"),
        "elements": lambda: d.form.update(elements=[]),
        "description_length": lambda: d.form.update(description_chars=5000),
    }
    spoilers[field]()


@pytest.mark.parametrize("field", CONTRACT_FIELDS)
def test_every_contract_field_is_reported_with_evidence(field: str) -> None:
    d = Dossier()
    _spoil(d, field)
    found = d.findings()
    assert field in {f.field for f in found}
    for f in found:
        assert f.evidence, f"{f.code} has no evidence: a finding without evidence is a bug"
        assert all(e.file and e.text for e in f.evidence), f.code


def test_errors_come_first() -> None:
    d = Dossier()
    d.form["elements"] = []
    d.year("2018")["total_assets"] = "1.00"
    severities = [f.severity for f in run_checks(d.report())]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert severities[0] == "error" and severities[-1] == "info"


def test_a_report_without_any_document_still_says_what_is_missing() -> None:
    d = Dossier()
    d.docs = []
    found = d.findings()
    assert {f.field for f in found} == {"attachments"}
    assert all(f.evidence for f in found)


def test_document_whose_fields_do_not_validate_is_treated_as_unread() -> None:
    d = Dossier()
    d.licence["registered_capital"] = "不是数字"
    found = d.findings("company_name")
    assert [f.code for f in found] == ["COMPANY_NAME_UNREAD"]
    assert "字段格式不符" in found[0].message


def test_a_check_that_breaks_is_reported_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pipeline.checks as checks

    def broken(ctx: object) -> list[object]:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(checks, "CHECKS", [("tax", broken), *checks.CHECKS])
    d = Dossier()
    d.form["elements"] = []
    found = d.findings()
    failed = [f for f in found if f.code == "CHECK_FAILED"]
    assert [(f.field, f.severity) for f in failed] == [("tax", "warning")]
    assert "boom" in failed[0].message and failed[0].evidence
    assert "elements" in {f.field for f in found}


def test_malformed_project_period_falls_back_to_the_declared_years() -> None:
    d = Dossier()
    d.form["project"]["start"] = "2017"
    d.invoices[0]["issue_date"] = "2016-12-01"
    [f] = d.findings("invoice_date")
    assert "申报的两个年度" in f.message
