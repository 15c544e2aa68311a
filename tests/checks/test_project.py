"""The project's money and the invoices: project_costs_sum, project_total (with duplicate
invoices), investment_continuity, invoice_buyer, invoice_date, invoice_arithmetic."""

from __future__ import annotations

from decimal import Decimal

from tests.checks.builders import CODE, OTHER_CODE, Doc, Dossier

# ---- project_costs_sum ---------------------------------------------------------------------


def test_cost_items_summing_to_the_total_is_no_finding() -> None:
    assert Dossier().findings("project_costs_sum") == []


def test_cost_items_not_summing_to_the_total() -> None:
    d = Dossier()
    d.form["project"]["costs"]["public_cloud"] = "40.00"
    [f] = d.findings("project_costs_sum")
    assert (f.severity, f.found) == ("error", Decimal("140.00"))
    assert "相差 -10.00 万元" in f.message
    assert f.evidence, "a finding without evidence is a bug"


def test_cost_items_rounding_within_tolerance() -> None:
    d = Dossier()
    d.form["project"]["costs"]["development"] = "80.005"
    d.form["project"]["costs"]["public_cloud"] = "49.999"
    assert d.findings("project_costs_sum") == []


def test_cost_items_unread() -> None:
    d = Dossier()
    d.form["project"]["costs"] = {k: None for k in d.form["project"]["costs"]}
    [f] = d.findings("project_costs_sum")
    assert f.message.startswith("无法核验")


def test_one_unread_cost_item_makes_the_sum_unverifiable_not_an_error() -> None:
    # The misread that caused most false errors on foreign forms: one item's label not found.
    d = Dossier()
    d.form["project"]["costs"]["public_cloud"] = None
    d.of("application_form")[0].unread = {"project.costs.public_cloud": "未能读取"}
    [f] = d.findings("project_costs_sum")
    assert f.severity == "warning"
    assert f.message.startswith("无法核验") and "公有云基础资源费用" in f.message


def test_a_cost_item_declared_empty_still_counts_as_read() -> None:
    # "—" is a declaration of nothing: the remaining items must add up, or it is an error.
    d = Dossier()
    d.form["project"]["costs"]["public_cloud"] = None
    [f] = d.findings("project_costs_sum")
    assert f.severity == "error"


# ---- project_total ---------------------------------------------------------------------------


def test_total_minus_staff_equal_to_invoices_and_contracts_is_no_finding() -> None:
    assert Dossier().findings("project_total") == []


def test_total_not_backed_by_invoices_states_the_sums_and_the_staff_exception() -> None:
    d = Dossier()
    d.form["project"]["total_cost"] = "170.00"
    d.form["project"]["costs"]["development"] = "100.00"
    found = {f.code: f for f in d.findings("project_total")}
    inv = found["PROJECT_TOTAL_INVOICES"]
    assert inv.severity == "error"
    assert (inv.declared, inv.found) == (Decimal("150.00"), Decimal("130"))
    assert "项目实施人员工资 20.00 万元没有发票佐证" in inv.message
    assert "发票（去重后 2 张）价税合计 130.00 万元（1,300,000.00 元）" in inv.message
    assert {e.file for e in inv.evidence} >= {"申报书.docx", "发票/A.pdf", "发票/B.pdf"}
    assert "PROJECT_TOTAL_CONTRACTS" in found
    assert "合同（2 份）金额合计 130.00 万元" in found["PROJECT_TOTAL_CONTRACTS"].message


def test_project_total_edge_of_tolerance() -> None:
    d = Dossier()
    d.invoices[1]["total"] = "800049.99"  # 0.004999 万元 more
    d.invoices[1]["tax_amount"] = "45333.01"
    assert d.findings("project_total") == []
    d.invoices[1]["total"] = "800060.00"
    d.invoices[1]["tax_amount"] = "45343.02"
    assert [f.severity for f in d.findings("project_total")] == ["info"]


def test_invoice_submitted_twice_is_flagged_and_counted_once() -> None:
    d = Dossier()
    copy = Doc("扫描件/B.jpg", "invoice", dict(d.invoices[1]))
    d.add(copy)
    found = d.findings("project_total")
    assert [(f.code, f.severity) for f in found] == [("DUPLICATE_INVOICE", "warning")]
    assert "043001800111-00000002" in found[0].message
    assert {e.file for e in found[0].evidence} == {"发票/B.pdf", "扫描件/B.jpg"}


def test_same_number_but_other_code_is_another_invoice() -> None:
    d = Dossier()
    other = dict(d.invoices[1], invoice_code="043001800999")
    d.add(Doc("发票/C.pdf", "invoice", other))
    codes = {f.code for f in d.findings("project_total")}
    assert "DUPLICATE_INVOICE" not in codes and "PROJECT_TOTAL_INVOICES" in codes


def test_contract_submitted_twice_is_counted_once() -> None:
    d = Dossier()
    d.add(Doc("合同/一期副本.pdf", "contract", dict(d.contracts[0]), [1, 2]))
    assert d.findings("project_total") == []


def test_invoice_to_another_company_is_not_counted() -> None:
    d = Dossier()
    d.invoices[0]["buyer_name"] = "湖南另一家公司有限公司"
    d.invoices[0]["buyer_credit_code"] = OTHER_CODE
    inv = next(f for f in d.findings("project_total") if f.code == "PROJECT_TOTAL_INVOICES")
    assert inv.found == Decimal("80") and "未计入" in inv.message


def test_unread_invoice_total_makes_the_sum_unverifiable_not_an_error() -> None:
    d = Dossier()
    d.invoices[0]["total"] = None
    [f] = d.findings("project_total")
    assert f.severity == "warning" and "未能读取" in f.message and "发票/A.pdf" in f.message


def test_unread_declared_total() -> None:
    d = Dossier()
    d.form["project"]["total_cost"] = None
    [f] = d.findings("project_total")
    assert f.message.startswith("无法核验")


def test_no_contracts_and_no_invoices_is_an_info_beside_the_attachment_error() -> None:
    d = Dossier()
    d.drop("invoice")
    d.drop("contract")
    [f] = d.findings("project_total")
    assert f.severity == "info" and f.evidence


# ---- investment_continuity -------------------------------------------------------------------


def test_spending_in_both_years_is_no_finding() -> None:
    assert Dossier().findings("investment_continuity") == []


def test_no_spending_in_one_year_is_a_warning() -> None:
    d = Dossier()
    d.invoices[0]["issue_date"] = "2018-01-15"
    d.contracts[0]["sign_date"] = "2018-01-10"
    [f] = d.findings("investment_continuity")
    assert (f.severity, f.year) == ("warning", "2017")
    assert f.evidence


def test_a_contract_signed_in_the_year_counts_as_spending() -> None:
    d = Dossier()
    d.invoices[0]["issue_date"] = "2018-01-15"
    assert d.findings("investment_continuity") == []


def test_undated_papers_make_continuity_unverifiable() -> None:
    d = Dossier()
    d.invoices[0]["issue_date"] = None
    d.contracts[0]["sign_date"] = None
    [f] = d.findings("investment_continuity")
    assert f.message.startswith("无法核验") and f.year == "2017"


# ---- invoice_buyer ---------------------------------------------------------------------------


def test_invoices_to_the_applicant_are_no_finding() -> None:
    assert Dossier().findings("invoice_buyer") == []


def test_invoice_to_another_company_is_an_error() -> None:
    d = Dossier()
    d.invoices[0]["buyer_name"] = "湖南云测机电科技有限公司"
    [f] = d.findings("invoice_buyer")
    assert (f.code, f.severity) == ("INVOICE_BUYER_MISMATCH", "error")
    assert "00000001" in f.message and "湖南云测机电科技有限公司" in f.message
    assert f.evidence[0].file == "发票/A.pdf"


def test_invoice_buyer_code_of_another_company_is_an_error() -> None:
    d = Dossier()
    d.invoices[0]["buyer_credit_code"] = OTHER_CODE
    [f] = d.findings("invoice_buyer")
    assert f.severity == "error" and OTHER_CODE in f.message


def test_invoice_buyer_code_failing_its_check_digit_is_a_probable_misread() -> None:
    d = Dossier()
    d.invoices[0]["buyer_credit_code"] = CODE[:17] + ("0" if CODE[17] != "0" else "1")
    [f] = d.findings("invoice_buyer")
    assert f.severity == "warning" and "识别误差" in f.message


def test_buyer_matching_the_licence_passes_when_the_form_has_a_typo() -> None:
    d = Dossier()
    d.form["credit_code"] = CODE[:10] + CODE[11] + CODE[10] + CODE[12:]
    assert d.findings("invoice_buyer") == []


def test_buyer_unread_is_unverifiable() -> None:
    d = Dossier()
    d.invoices[1]["buyer_name"] = None
    d.invoices[1]["buyer_credit_code"] = None
    [f] = d.findings("invoice_buyer")
    assert f.message.startswith("无法核验") and "发票/B.pdf" in f.message


# ---- invoice_date ----------------------------------------------------------------------------


def test_invoices_inside_the_project_period_are_no_finding() -> None:
    assert Dossier().findings("invoice_date") == []


def test_invoice_after_the_project_is_a_warning() -> None:
    d = Dossier()
    d.invoices[1]["issue_date"] = "2019-03-18"
    [f] = d.findings("invoice_date")
    assert (f.severity, f.found) == ("warning", "2019-03-18")
    assert "项目起止时间（2017-06 至 2018-12）" in f.message


def test_invoice_date_edges_are_the_months_first_and_last_days() -> None:
    d = Dossier()
    d.invoices[0]["issue_date"] = "2017-06-01"
    d.invoices[1]["issue_date"] = "2018-12-31"
    assert d.findings("invoice_date") == []
    d.invoices[0]["issue_date"] = "2017-05-31"
    assert [f.found for f in d.findings("invoice_date")] == ["2017-05-31"]


def test_without_a_project_period_the_declared_years_bound_the_dates() -> None:
    d = Dossier()
    d.form["project"]["start"] = None
    d.form["project"]["end"] = None
    d.invoices[0]["issue_date"] = "2017-02-01"
    assert d.findings("invoice_date") == []
    d.invoices[0]["issue_date"] = "2016-12-31"
    [f] = d.findings("invoice_date")
    assert "申报的两个年度" in f.message


def test_invoice_date_unread() -> None:
    d = Dossier()
    d.invoices[0]["issue_date"] = None
    [f] = d.findings("invoice_date")
    assert f.message.startswith("无法核验")


# ---- invoice_arithmetic ----------------------------------------------------------------------


def test_amount_plus_tax_equal_to_total_is_no_finding() -> None:
    assert Dossier().findings("invoice_arithmetic") == []


def test_one_cent_off_is_a_finding() -> None:
    d = Dossier()
    d.invoices[0]["tax_amount"] = "28301.90"
    [f] = d.findings("invoice_arithmetic")
    assert f.severity == "warning" and "相差 0.01 元" in f.message
    assert len(f.evidence) == 3


def test_invoice_arithmetic_unread() -> None:
    d = Dossier()
    d.invoices[0]["tax_amount"] = None
    [f] = d.findings("invoice_arithmetic")
    assert f.message.startswith("无法核验") and "税额" in f.message


def test_no_amount_read_at_all_is_unverifiable_not_a_zero_sum() -> None:
    d = Dossier()
    for inv in d.invoices:
        inv["total"] = None
    [f] = d.findings("project_total")
    assert f.message.startswith("无法核验") and "2 份发票金额均未能读取" in f.message
    assert f.severity == "warning"


def test_buyer_name_one_character_off_is_a_warning_and_still_counted() -> None:
    d = Dossier()
    d.invoices[0]["buyer_name"] = "湖南云侧智能科技有限公司"
    [f] = d.findings("invoice_buyer")
    assert f.severity == "warning" and "识别误差" in f.message
    assert d.findings("project_total") == []
