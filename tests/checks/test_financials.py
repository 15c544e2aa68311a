"""The declared years' figures: total_assets, debt_ratio, revenue, profit, tax, employees,
and the statements' own balance_identity and the certificate's tax_period."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.checks.builders import Dossier, rules_with

# ---- total_assets / revenue: pass, fail, edge, unit slip, unreadable ---------------------------


@pytest.mark.parametrize("name", ["total_assets", "revenue", "profit", "debt_ratio", "tax"])
def test_consistent_figures_are_no_finding(name: str) -> None:
    assert Dossier().serious(name) == []


def test_total_assets_15_percent_high_is_an_error_reviewers_can_act_on() -> None:
    d = Dossier()
    d.year("2018")["total_assets"] = "14197.53"
    [f] = d.findings("total_assets")
    assert (f.code, f.severity, f.year) == ("FIN_MISMATCH", "error", "2018")
    assert f.declared == Decimal("14197.53")
    assert f.found == Decimal("12345.6789")  # 万元, exact
    assert "申报2018年总资产 14197.53 万元" in f.message
    assert "资产总计 12345.68 万元（123,456,789.00 元）" in f.message
    assert "相差 1851.85 万元（申报数比审计数高 15.0%）" in f.message
    files = [e.file for e in f.evidence]
    assert files == ["申报书.docx", "审计报告2018.pdf"]


def test_rounding_to_two_decimals_is_not_a_finding() -> None:
    d = Dossier()
    # Audited 12345.6789 万元: 12345.67 is 0.0089 off, 12345.68 (half-up) 0.0011.
    d.year("2018")["total_assets"] = "12345.674"
    assert d.findings("total_assets") == []


def test_just_beyond_the_tolerance_is_an_info_finding() -> None:
    d = Dossier()
    d.year("2018")["total_assets"] = "12345.67"  # 0.0089 万元 off, 0.00007%
    [f] = d.findings("total_assets")
    assert f.severity == "info"


def test_severity_grows_with_the_gap() -> None:
    d = Dossier()
    d.year("2017")["revenue"] = "8010.00"  # 0.125%
    assert [f.severity for f in d.findings("revenue")] == ["warning"]
    d.year("2017")["revenue"] = "8080.00"  # 1%
    assert [f.severity for f in d.findings("revenue")] == ["error"]


def test_relative_tolerance_is_configurable() -> None:
    d = Dossier()
    d.year("2017")["revenue"] = "8010.00"
    assert d.findings("revenue", rules=rules_with(figures={"rel_tolerance": "0.002"})) == []


def test_thresholds_are_data() -> None:
    d = Dossier()
    d.year("2017")["revenue"] = "8080.00"
    rules = rules_with(figures={"error_at": "0.5", "warning_at": "0.2"})
    assert [f.severity for f in d.findings("revenue", rules=rules)] == ["info"]


def test_revenue_written_in_yuan_is_named_a_unit_mistake() -> None:
    d = Dossier()
    d.year("2017")["revenue"] = "80000000.00"
    [f] = d.findings("revenue")
    assert (f.code, f.severity, f.year) == ("FIN_UNIT", "error", "2017")
    assert "单位疑似填错（元/万元）" in f.message and "应填 8000.00 万元" in f.message


def test_figure_written_in_hundred_millions_is_a_unit_mistake_too() -> None:
    d = Dossier()
    d.year("2018")["total_assets"] = "1.23"
    [f] = d.findings("total_assets")
    assert f.code == "FIN_UNIT" and "单位疑似填错（元/万元）" in f.message


def test_figure_from_the_next_reports_comparative_column_when_its_own_report_is_missing() -> None:
    d = Dossier()
    d.drop("audit_report", "2017")
    assert d.serious("total_assets") == []
    d.year("2017")["total_assets"] = "11000.00"
    [f] = d.findings("total_assets")
    assert "2018年度审计报告上年数" in f.message
    assert f.evidence[1].text.startswith("prior_year.total_assets")


def test_unread_audited_figure_is_unverifiable_naming_the_report() -> None:
    d = Dossier()
    d.drop("audit_report", "2017")
    d.audit("2018")["prior_year"]["total_assets"] = None
    [f] = d.findings("total_assets")
    assert f.severity == "warning" and f.message.startswith("无法核验")
    assert "审计报告2018.pdf 第1–4页" in f.message and f.year == "2017"


def test_no_report_for_the_year_at_all_is_an_info() -> None:
    d = Dossier()
    d.drop("audit_report")
    found = d.findings("revenue")
    assert [(f.severity, f.year) for f in found] == [("info", "2017"), ("info", "2018")]
    assert all(f.evidence for f in found)


def test_unread_declared_figure_is_unverifiable() -> None:
    d = Dossier()
    d.year("2018")["revenue"] = None
    [f] = d.findings("revenue")
    assert f.message.startswith("无法核验") and f.evidence[0].file == "申报书.docx"


# ---- profit --------------------------------------------------------------------------------


def test_profit_equal_to_net_profit_is_a_warning_saying_which_line() -> None:
    d = Dossier()
    d.year("2018")["profit"] = "1275.00"
    [f] = d.findings("profit")
    assert (f.code, f.severity) == ("PROFIT_IS_NET_PROFIT", "warning")
    assert "净利润" in f.message and "利润总额" in f.message
    assert len(f.evidence) == 3


def test_profit_matching_neither_line_names_both() -> None:
    d = Dossier()
    d.year("2018")["profit"] = "1400.00"
    [f] = d.findings("profit")
    assert f.code == "FIN_MISMATCH" and f.severity == "error"
    assert "利润总额 1500.00 万元" in f.message and "净利润 1275.00 万元" in f.message


def test_profit_with_only_net_profit_read_and_matching() -> None:
    d = Dossier()
    d.year("2018")["profit"] = "1275.00"
    d.audit("2018")["total_profit"] = None
    [f] = d.findings("profit")
    assert f.code == "PROFIT_IS_NET_PROFIT" and "利润总额未能读取" in f.message


def test_unread_total_profit_is_unverifiable() -> None:
    d = Dossier()
    d.audit("2018")["total_profit"] = None
    d.audit("2018")["net_profit"] = None
    [f] = d.findings("profit")
    assert f.message.startswith("无法核验") and f.year == "2018"


# ---- debt_ratio ----------------------------------------------------------------------------


def test_debt_ratio_mismatch_states_the_computation() -> None:
    d = Dossier()
    d.year("2018")["debt_ratio"] = "55.00"
    [f] = d.findings("debt_ratio")
    assert f.severity == "error" and f.found == Decimal("50.00")
    assert "负债合计 61,728,394.50 元 ÷ 资产总计 123,456,789.00 元 = 50.00%" in f.message
    assert "+5.00 个百分点" in f.message and len(f.evidence) == 3


def test_debt_ratio_edge_of_tolerance() -> None:
    d = Dossier()
    d.year("2018")["debt_ratio"] = "50.01"
    assert d.findings("debt_ratio") == []
    d.year("2018")["debt_ratio"] = "50.02"
    assert [f.severity for f in d.findings("debt_ratio")] == ["info"]
    d.year("2018")["debt_ratio"] = "50.50"
    assert [f.severity for f in d.findings("debt_ratio")] == ["warning"]


def test_debt_ratio_written_as_a_fraction() -> None:
    d = Dossier()
    d.year("2017")["debt_ratio"] = "0.45"
    [f] = d.findings("debt_ratio")
    assert f.code == "DEBT_RATIO_AS_FRACTION" and "小数" in f.message


def test_debt_ratio_unreadable_liabilities() -> None:
    d = Dossier()
    d.audit("2018")["total_liabilities"] = None
    [f] = d.findings("debt_ratio")
    assert f.message.startswith("无法核验") and "负债合计" in f.message


# ---- tax -----------------------------------------------------------------------------------


def test_tax_matching_the_certificate_is_no_finding() -> None:
    assert [f for f in Dossier().findings("tax") if f.year == "2018"] == []


def test_tax_matching_the_income_statement_instead_is_accepted() -> None:
    d = Dossier()
    d.year("2018")["tax"] = "325.00"  # 税金及附加 100 + 所得税 225
    assert [f for f in d.findings("tax") if f.year == "2018"] == []


def test_tax_matching_neither_is_a_warning_naming_both_sources() -> None:
    d = Dossier()
    d.year("2018")["tax"] = "600.00"
    [f] = [f for f in d.findings("tax") if f.year == "2018"]
    assert (f.code, f.severity) == ("TAX_MISMATCH", "warning")
    assert "纳税证明" in f.message and "543.21 万元" in f.message
    assert "税金及附加+所得税费用 325.00 万元" in f.message
    assert {e.file for e in f.evidence} == {"申报书.docx", "完税证明.jpg", "审计报告2018.pdf"}


def test_tax_in_yuan_is_a_unit_mistake() -> None:
    d = Dossier()
    d.year("2018")["tax"] = "5432100.00"
    [f] = [f for f in d.findings("tax") if f.year == "2018"]
    assert f.code == "FIN_UNIT" and "单位疑似填错（元/万元）" in f.message


def test_tax_of_a_year_without_certificate_is_an_info_naming_the_income_statement() -> None:
    [f] = [f for f in Dossier().findings("tax") if f.year == "2017"]
    assert (f.code, f.severity) == ("TAX_UNVERIFIABLE", "info")
    assert "利润表" in f.message and "不含增值税" in f.message


def test_tax_below_the_income_statements_taxes_is_a_warning() -> None:
    d = Dossier()
    d.year("2017")["tax"] = "200.00"
    [f] = [f for f in d.findings("tax") if f.year == "2017"]
    assert (f.code, f.severity) == ("TAX_BELOW_STATEMENT", "warning")


def test_certificate_total_unread_uses_the_sum_of_its_items() -> None:
    d = Dossier()
    d.certificate["total_amount"] = None
    assert [f for f in d.findings("tax") if f.year == "2018"] == []
    d.year("2018")["tax"] = "600.00"
    [f] = [f for f in d.findings("tax") if f.year == "2018"]
    assert "各项明细之和" in f.message


def test_tax_with_nothing_readable_is_unverifiable() -> None:
    d = Dossier()
    d.certificate["total_amount"] = None
    d.certificate["items"] = []
    d.audit("2018")["income_tax"] = None
    [f] = [f for f in d.findings("tax") if f.year == "2018"]
    assert f.message.startswith("无法核验") and f.severity == "warning"
    assert any(e.file == "完税证明.jpg" for e in f.evidence)


# ---- employees -----------------------------------------------------------------------------


def test_employees_are_never_verifiable_and_say_so() -> None:
    found = Dossier().findings("employees")
    assert [(f.severity, f.year, f.declared) for f in found] == [
        ("info", "2017", 100),
        ("info", "2018", 120),
    ]
    assert all("无法核验" in f.message and f.evidence for f in found)


# ---- balance_identity -------------------------------------------------------------------------


def test_balance_identity_holds() -> None:
    assert Dossier().findings("balance_identity") == []


def test_balance_identity_within_one_yuan() -> None:
    d = Dossier()
    d.audit("2018")["total_equity"] = str(Decimal(d.audit("2018")["total_equity"]) + 1)
    assert d.findings("balance_identity") == []


def test_balance_identity_broken_names_the_column() -> None:
    d = Dossier()
    d.audit("2018")["prior_year"]["total_equity"] = "55000002.00"
    [f] = d.findings("balance_identity")
    assert (f.severity, f.year) == ("error", "2017")
    assert "上年数" in f.message and "-2.00 元" in f.message
    assert len(f.evidence) == 3


def test_balance_identity_unread_equity() -> None:
    d = Dossier()
    d.audit("2017")["total_equity"] = None
    [f] = d.findings("balance_identity")
    assert f.message.startswith("无法核验") and "所有者权益合计" in f.message


# ---- tax_period ---------------------------------------------------------------------------


def test_certificate_covering_the_later_year_passes() -> None:
    assert Dossier().findings("tax_period") == []


def test_certificate_of_the_wrong_year_is_an_error() -> None:
    d = Dossier()
    d.certificate["period_start"] = "2017-01-01"
    d.certificate["period_end"] = "2017-12-31"
    [f] = d.findings("tax_period")
    assert f.severity == "error" and "2018年全年" in f.message


def test_certificate_covering_part_of_the_year_is_a_warning() -> None:
    d = Dossier()
    d.certificate["period_end"] = "2018-09-30"
    [f] = d.findings("tax_period")
    assert f.severity == "warning" and "一部分" in f.message


def test_certificate_period_from_its_items_when_the_heading_is_unread() -> None:
    d = Dossier()
    d.certificate["period_start"] = None
    d.certificate["period_end"] = None
    assert d.findings("tax_period") == []


def test_certificate_period_unread_is_unverifiable() -> None:
    d = Dossier()
    d.certificate["period_start"] = None
    d.certificate["period_end"] = None
    d.certificate["items"] = []
    [f] = d.findings("tax_period")
    assert f.message.startswith("无法核验") and "完税证明.jpg" in f.message


def test_tax_edge_of_tolerance() -> None:
    d = Dossier()
    d.year("2018")["tax"] = "543.215"  # the certificate says 543.21 万元: half a cent off
    assert [f for f in d.findings("tax") if f.year == "2018"] == []
    d.year("2018")["tax"] = "543.22"
    [f] = [f for f in d.findings("tax") if f.year == "2018"]
    assert f.code == "TAX_MISMATCH"
