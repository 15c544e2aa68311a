"""company_name, credit_code, region, established: each with a pass, a fail, the edge and the
unreadable case, on the hand-built dossier."""

from __future__ import annotations

from extractors.common.credit_code import check_digit
from tests.checks.builders import CODE, NAME, OTHER_CODE, Dossier

# ---- company_name ----------------------------------------------------------------------


def test_same_name_everywhere_is_no_finding() -> None:
    assert Dossier().findings("company_name") == []


def test_name_written_with_spaces_and_ascii_brackets_still_matches() -> None:
    d = Dossier()
    d.form["company_name"] = "湖南云测智能科技有限公司（长沙）"
    d.licence["company_name"] = "湖南 云测智能科技有限公司(长沙)"
    for a in d.of("audit_report"):
        a.fields["company_name"] = "湖南云测智能科技有限公司（长沙）"
    d.certificate["taxpayer_name"] = "湖南云测智能科技有限公司（长沙）"
    assert d.findings("company_name") == []


def test_licence_naming_another_company_is_an_error_with_both_sides() -> None:
    d = Dossier()
    d.licence["company_name"] = "湖南云帆机电设备有限公司"
    [f] = d.findings("company_name")
    assert (f.code, f.severity) == ("COMPANY_NAME_MISMATCH", "error")
    assert f.declared == NAME and f.found == "湖南云帆机电设备有限公司"
    assert "营业执照" in f.message and NAME in f.message
    assert {e.file for e in f.evidence} == {"申报书.docx", "营业执照.jpg"}


def test_one_character_off_is_a_warning_naming_a_possible_ocr_slip() -> None:
    d = Dossier()
    d.audit("2018")["company_name"] = "湖南云侧智能科技有限公司"
    [f] = d.findings("company_name")
    assert f.severity == "warning" and "识别误差" in f.message
    assert "审计报告" in f.message


def test_tax_certificate_taxpayer_name_is_compared() -> None:
    d = Dossier()
    d.certificate["taxpayer_name"] = "长沙另一家公司有限公司"
    [f] = d.findings("company_name")
    assert f.severity == "error" and "纳税证明" in f.message


def test_unread_licence_name_is_unverifiable_naming_the_file() -> None:
    d = Dossier()
    d.licence["company_name"] = None
    [f] = d.findings("company_name")
    assert f.severity == "warning" and f.message.startswith("无法核验")
    assert "营业执照.jpg" in f.message and f.evidence[0].file == "营业执照.jpg"


def test_unread_form_name_falls_back_to_the_licence_for_the_others() -> None:
    d = Dossier()
    d.form["company_name"] = None
    d.certificate["taxpayer_name"] = "长沙另一家公司有限公司"
    found = d.findings("company_name")
    assert sorted((f.code, f.severity) for f in found) == [
        ("COMPANY_NAME_MISMATCH", "error"),
        ("COMPANY_NAME_UNREAD", "warning"),
    ]
    mismatch = next(f for f in found if f.code == "COMPANY_NAME_MISMATCH")
    assert "营业执照" in mismatch.message


# ---- credit_code -----------------------------------------------------------------------


def swapped(code: str, i: int) -> str:
    return code[:i] + code[i + 1] + code[i] + code[i + 2 :]


def test_same_valid_code_is_no_finding() -> None:
    assert Dossier().findings("credit_code") == []


def test_form_code_with_swapped_digits_fails_check_digit_and_equality() -> None:
    d = Dossier()
    bad = swapped(CODE, 10)  # positions 11 and 12
    d.form["credit_code"] = bad
    found = {f.code: f for f in d.findings("credit_code")}
    assert set(found) == {"CREDIT_CODE_CHECK_DIGIT", "CREDIT_CODE_MISMATCH"}
    assert all(f.severity == "error" for f in found.values())
    mismatch = found["CREDIT_CODE_MISMATCH"]
    assert "第11、12位不同" in mismatch.message and "颠倒" in mismatch.message
    assert mismatch.declared == bad and mismatch.found == CODE
    # Licence and tax certificate are both named, each with its evidence.
    assert {e.file for e in mismatch.evidence} == {"申报书.docx", "营业执照.jpg", "完税证明.jpg"}


def test_valid_but_different_code_on_the_licence_is_a_mismatch_only() -> None:
    d = Dossier()
    d.licence["credit_code"] = OTHER_CODE
    found = d.findings("credit_code")
    assert [(f.code, f.severity) for f in found] == [("CREDIT_CODE_MISMATCH", "error")]
    assert "营业执照" in found[0].message and "纳税证明" not in found[0].message


def test_pre_2015_licence_says_so_and_is_not_a_mismatch() -> None:
    d = Dossier()
    d.licence["credit_code"] = None
    d.licence["registration_number"] = "430104000012345"
    [f] = d.findings("credit_code")
    assert (f.code, f.severity) == ("CREDIT_CODE_PRE2015_LICENCE", "info")
    assert "2015年前旧版" in f.message and "430104000012345" in f.message
    assert len(f.evidence) == 2


def test_licence_code_failing_its_check_digit_is_a_probable_misread() -> None:
    d = Dossier()
    wrong_last = CODE[:17] + ("0" if CODE[17] != "0" else "1")
    d.licence["credit_code"] = wrong_last
    codes = {(f.code, f.severity) for f in d.findings("credit_code")}
    assert ("CREDIT_CODE_CHECK_DIGIT", "warning") in codes


def test_unread_form_code_is_unverifiable() -> None:
    d = Dossier()
    d.form["credit_code"] = None
    [f] = d.findings("credit_code")
    assert f.code == "CREDIT_CODE_UNREAD" and f.message.startswith("无法核验")
    assert f.evidence[0].file == "申报书.docx"


def test_check_digit_advice_names_the_right_character() -> None:
    d = Dossier()
    last = "0" if CODE[17] != "0" else "1"
    d.form["credit_code"] = CODE[:17] + last
    f = next(f for f in d.findings("credit_code") if f.code == "CREDIT_CODE_CHECK_DIGIT")
    assert f"应为 {check_digit(CODE[:17])}" in f.message


# ---- region ------------------------------------------------------------------------------


def test_hunan_code_and_address_is_no_finding() -> None:
    assert Dossier().findings("region") == []


def test_address_without_province_but_with_a_hunan_city_passes() -> None:
    d = Dossier()
    d.licence["address"] = "长沙市岳麓区麓谷大道1号"
    assert d.findings("region") == []


def test_address_with_a_hunan_county_only_passes() -> None:
    d = Dossier()
    d.licence["address"] = "醴陵市经济开发区瓷谷大道8号"
    assert d.findings("region") == []


def test_code_registered_outside_hunan_is_an_error() -> None:
    d = Dossier()
    d.form["credit_code"] = OTHER_CODE
    d.licence["credit_code"] = OTHER_CODE
    d.certificate["credit_code"] = OTHER_CODE
    d.licence["address"] = "广东省深圳市南山区科技园1号"
    codes = {(f.code, f.severity) for f in d.findings("region")}
    assert codes == {("REGION_NOT_HUNAN", "error"), ("REGION_ADDRESS_NOT_HUNAN", "error")}


def test_pre_2015_registration_number_gives_the_division_code() -> None:
    d = Dossier()
    d.licence["credit_code"] = None
    d.form["credit_code"] = None
    d.licence["registration_number"] = "440300000012345"
    [f] = [f for f in d.findings("region") if f.code == "REGION_NOT_HUNAN"]
    assert "440300" in f.message


def test_form_city_outside_hunan_is_a_warning() -> None:
    d = Dossier()
    d.form["city"] = "深圳市"
    [f] = d.findings("region")
    assert (f.code, f.severity) == ("REGION_FORM_CITY", "warning")


def test_unread_address_is_unverifiable() -> None:
    d = Dossier()
    d.licence["address"] = None
    [f] = d.findings("region")
    assert f.code == "REGION_UNVERIFIABLE" and "营业执照.jpg" in f.message


# ---- established -------------------------------------------------------------------------


def test_same_date_is_no_finding() -> None:
    assert Dossier().findings("established") == []


def test_different_day_is_a_warning_with_both_dates() -> None:
    d = Dossier()
    d.licence["established"] = "2015-03-28"
    [f] = d.findings("established")
    assert f.severity == "warning"
    assert (f.declared, f.found) == ("2015-03-18", "2015-03-28")
    assert len(f.evidence) == 2


def test_form_given_to_the_month_matches_any_day_of_that_month() -> None:
    d = Dossier()
    d.form["established"] = "2015-03-01"
    d.of("application_form")[0].texts["established"] = "成立时间：2015年3月"
    d.licence["established"] = "2015-03-31"
    assert d.findings("established") == []


def test_form_given_to_the_month_still_catches_another_month() -> None:
    d = Dossier()
    d.form["established"] = "2015-04-01"
    d.of("application_form")[0].texts["established"] = "成立时间：2015年4月"
    [f] = d.findings("established")
    assert f.declared == "2015-04" and "2015-04" in f.message


def test_form_with_a_full_date_on_the_first_is_compared_to_the_day() -> None:
    d = Dossier()
    d.form["established"] = "2015-03-01"
    d.of("application_form")[0].texts["established"] = "成立时间：2015年3月1日"
    [f] = d.findings("established")
    assert f.declared == "2015-03-01"


def test_unread_licence_date_is_unverifiable() -> None:
    d = Dossier()
    d.licence["established"] = None
    [f] = d.findings("established")
    assert f.message.startswith("无法核验") and f.severity == "warning"
