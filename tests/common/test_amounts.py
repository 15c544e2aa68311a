from decimal import Decimal

import pytest

from extractors.common.amounts import (
    UNIT_FACTORS,
    detect_unit,
    parse_amount,
    parse_money,
    wan_from_yuan,
    yuan_from_wan,
)

D = Decimal


# --------------------------------------------------------------------------- parse_amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.56", "1234.56"),
        ("1，234.56", "1234.56"),
        ("１，２３４．５６", "1234.56"),
        ("１２３４.５６", "1234.56"),
        ("¥1234.56", "1234.56"),
        ("￥1234.56", "1234.56"),
        ("￥ 1,234.56", "1234.56"),
        ("¥ 1,234.56 ", "1234.56"),
        ("RMB 1,234.56", "1234.56"),
        ("-1,234.56", "-1234.56"),
        ("－1,234.56", "-1234.56"),
        ("\u22121,234.56", "-1234.56"),
        ("+1,234.56", "1234.56"),
        ("(1,234.56)", "-1234.56"),
        ("（1,234.56）", "-1234.56"),
        ("(¥1,234.56)", "-1234.56"),
        ("-¥1,234.56", "-1234.56"),
        ("¥-1,234.56", "-1234.56"),
        ("1 234.56", "1234.56"),
        ("1 234 567.89", "1234567.89"),
        ("1,234 567.89", "1234567.89"),  # a comma OCR read as a gap: grouping still agrees
        ("1, 234.56", "1234.56"),
        ("1 ,234.56", "1234.56"),
        ("1234 .56", "1234.56"),
        ("1234. 56", "1234.56"),
        ("1234.5", "1234.5"),
        ("1234", "1234"),
        ("1,234", "1234"),
        ("123,456,789.00", "123456789.00"),
        ("110,201,500.00", "110201500.00"),
        ("0.00", "0"),
        ("0.5", "0.5"),
        ("0", "0"),
        ("12345678901.23", "12345678901.23"),
        ("1234.5678", "1234.5678"),
        ("  98.76  ", "98.76"),
    ],
)
def test_parse_amount(text: str, expected: str) -> None:
    value = parse_amount(text)
    assert value is not None
    assert value == D(expected)
    assert isinstance(value, Decimal)


def test_parse_amount_keeps_precision_exactly() -> None:
    assert str(parse_amount("1,234.50")) == "1234.50"
    assert parse_amount("0.1") + parse_amount("0.2") == D("0.3")  # type: ignore[operator]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "-",
        "—",
        "--",
        "/",
        "无",
        "不适用",
        "abc",
        "1,23.45",  # bad grouping: a digit is missing or extra
        "12,34.56",
        "1,2345.67",
        "1234,56",  # decimal comma
        "1.234,56",  # European style
        "1.234.56",
        "12 34.56",  # a gap that is not a thousands separator
        "1234.",
        ".56",
        "45.2%",
        "1e5",
        "1,234.56元",  # a unit: that is parse_money's job
        "5000万元",
        "(1,234.56",
        "1,234.56)",
        "-(1,234.56)",
        "--5",
        "+-5",
        "-¥-5",
        "007",
        "2018年",
        "1O0.00",  # OCR letter O: repair first with ocr_digits, never guessed here
        "壹佰元",
        "12 345 67",
    ],
)
def test_parse_amount_rejects(text: str) -> None:
    assert parse_amount(text) is None


def test_parse_amount_non_string() -> None:
    assert parse_amount(None) is None  # type: ignore[arg-type]
    assert parse_amount(12.5) is None  # type: ignore[arg-type]


# --------------------------------------------------------------------------- parse_money


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5000万元", "50000000"),
        ("5000 万元", "50000000"),
        ("5,000万元", "50000000"),
        ("5000万", "50000000"),
        ("人民币5000万元", "50000000"),
        ("人民币 5000 万元", "50000000"),
        ("5000万元人民币", "50000000"),
        ("5000万元(人民币)", "50000000"),
        ("5000万元整", "50000000"),
        ("1234.5678万元", "12345678"),
        ("0.5万元", "5000"),
        ("1.5亿元", "150000000"),
        ("1.5亿", "150000000"),
        ("3亿5000万元", "350000000"),
        ("2亿0500万", "205000000"),
        ("5,000.00元", "5000"),
        ("5000元", "5000"),
        ("5000圆", "5000"),
        ("¥5,000.00", "5000"),
        ("￥ 1,234.56", "1234.56"),
        ("¥5000万", "50000000"),
        ("RMB 5000元", "5000"),
        ("(万元)5000", "50000000"),
        ("（万元）5000", "50000000"),
        ("万元：5000", "50000000"),
        ("12千元", "12000"),
        ("3百万元", "3000000"),
        ("-200万元", "-2000000"),
        ("负200万元", "-2000000"),
        ("(200.00)元", "-200"),
        ("1,234.56", "1234.56"),
        ("伍仟万元整", "50000000"),
        ("人民币伍仟万元整", "50000000"),
        ("壹佰万元人民币", "1000000"),
        ("壹拾贰万叁仟肆佰伍拾陆元柒角捌分", "123456.78"),
    ],
)
def test_parse_money(text: str, expected: str) -> None:
    assert parse_money(text) == D(expected)


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("5000", "万元", "50000000"),
        ("12345.67", "万元", "123456700"),
        ("12,345.67", "万元", "123456700"),
        ("5000元", "万元", "5000"),  # an explicit unit wins over the default
        ("1.5亿元", "万元", "150000000"),
        ("5000", "元", "5000"),
        ("2", "亿元", "200000000"),
        ("120", "千元", "120000"),
        ("伍仟", "万元", "50000000"),  # 大写 without 元 takes the default unit too
        ("伍仟元", "万元", "5000"),
    ],
)
def test_parse_money_default_unit(text: str, unit: str, expected: str) -> None:
    assert parse_money(text, default_unit=unit) == D(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "万元",
        "元",
        "人民币",
        "5000万美元",
        "5000美元",
        "USD 5000",
        "$5000",
        "5000港元",
        "HK$5000",
        "500万欧元",
        "100日元",
        "5000万元万元",
        "(万元)5000万元",  # two units
        "50%",
        "约5000万元",
        "5000多万元",
        "1,23万元",
        "三千多万",
        "伍仟伍万元",  # ambiguous 大写
        "2亿10000万",
        "见附表",
    ],
)
def test_parse_money_rejects(text: str) -> None:
    assert parse_money(text) is None


def test_parse_money_unknown_default_unit_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown unit"):
        parse_money("5", default_unit="美元")


def test_parse_money_non_string() -> None:
    assert parse_money(None) is None  # type: ignore[arg-type]


def test_unit_factors_are_decimals() -> None:
    assert all(isinstance(v, Decimal) for v in UNIT_FACTORS.values())
    assert UNIT_FACTORS["万元"] == 10_000
    assert UNIT_FACTORS["亿元"] == 100_000_000


# --------------------------------------------------------------------------- 万元 / 元


@pytest.mark.parametrize(
    ("wan", "yuan"),
    [
        ("1", "10000"),
        ("0.0001", "1"),
        ("1234.5678", "12345678"),
        ("12345.67", "123456700"),
        ("0.01", "100"),
        ("-3.5", "-35000"),
        ("0", "0"),
        ("99999999.9999", "999999999999"),
    ],
)
def test_wan_yuan_round_trip(wan: str, yuan: str) -> None:
    assert yuan_from_wan(D(wan)) == D(yuan)
    assert wan_from_yuan(D(yuan)) == D(wan)
    assert wan_from_yuan(yuan_from_wan(D(wan))) == D(wan)


def test_wan_from_yuan_is_exact() -> None:
    assert wan_from_yuan(D("110201500.00")) == D("11020.15")
    assert wan_from_yuan(D("1.23")) == D("0.000123")
    assert str(wan_from_yuan(D("50000000"))) == "5000"


def test_unit_helpers_accept_int() -> None:
    assert yuan_from_wan(5) == D(50000)  # type: ignore[arg-type]
    assert wan_from_yuan(50000) == D(5)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [1.5, 0.1, True, "100", None])
def test_unit_helpers_refuse_floats_and_strings(bad: object) -> None:
    with pytest.raises(TypeError):
        yuan_from_wan(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        wan_from_yuan(bad)  # type: ignore[arg-type]


def test_unit_helpers_refuse_non_finite() -> None:
    with pytest.raises(ValueError):
        yuan_from_wan(D("NaN"))
    with pytest.raises(ValueError):
        wan_from_yuan(D("Infinity"))


# --------------------------------------------------------------------------- detect_unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("单位：元", "元"),
        ("单位:元", "元"),
        ("单位 ：元", "元"),
        ("单位：人民币元", "元"),
        ("单位:人民币万元", "万元"),
        ("单位：万元", "万元"),
        ("金额单位：元", "元"),
        ("金额单位：人民币元", "元"),
        ("货币单位：人民币元", "元"),
        ("计量单位：万元", "万元"),
        ("（单位：元）", "元"),
        ("(单位:万元)", "万元"),
        ("單位：元", "元"),
        ("单位：元 币种：人民币", "元"),
        ("单位：元币种：人民币", "元"),
        ("编制单位：湖南星辰智能装备有限公司    2018年12月31日    单位：元", "元"),
        ("编制单位：湖南星辰智能装备有限公司 2018年度 金额单位：人民币万元", "万元"),
        ("资产负债表 会企01表 单位:元", "元"),
        ("总资产（万元）", "万元"),
        ("主营业务收入(万元)", "万元"),
        ("金额（元）", "元"),
        ("（人民币元）", "元"),
        ("ＵＮＩＴ 单位：元", "元"),
    ],
)
def test_detect_unit(text: str, expected: str) -> None:
    assert detect_unit(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "资产负债表",
        "编制单位：元亨科技有限公司",  # the preparer, not a unit
        "申报单位：元和科技有限公司",
        "单位：千元",  # not 元 / 万元: the caller must not guess
        "单位：百万元",
        "单位：美元",
        "单位：元  单位：万元",  # contradictory
        "单位名称：湖南星辰",
        "人民币",
        "2018年12月31日",
    ],
)
def test_detect_unit_none(text: str) -> None:
    assert detect_unit(text) is None
