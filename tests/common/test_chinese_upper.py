import random
from decimal import Decimal

import pytest

from extractors.common.amounts import parse_chinese_upper, parse_money, to_chinese_upper

D = Decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("伍仟万元整", "50000000"),
        ("伍仟万圆整", "50000000"),
        ("伍仟万元正", "50000000"),
        ("伍仟万元", "50000000"),
        ("壹拾贰万叁仟肆佰伍拾陆元柒角捌分", "123456.78"),
        ("壹佰万零伍拾元整", "1000050"),
        ("壹万零伍拾元整", "10050"),
        ("壹拾万元整", "100000"),
        ("拾万元整", "100000"),
        ("壹元整", "1"),
        ("拾元整", "10"),
        ("壹拾元整", "10"),
        ("壹佰零壹元整", "101"),
        ("壹仟零壹拾元整", "1010"),
        ("壹佰壹拾元整", "110"),
        ("壹元零伍分", "1.05"),
        ("壹元伍分", "1.05"),
        ("壹元伍角", "1.5"),
        ("壹元伍角整", "1.5"),
        ("壹佰元零伍角", "100.5"),
        ("伍角整", "0.5"),
        ("伍角", "0.5"),
        ("伍分", "0.05"),
        ("伍角伍分", "0.55"),
        ("零元整", "0"),
        ("零元", "0"),
        ("零元伍角", "0.5"),
        ("壹仟陆佰捌拾元叁角贰分", "1680.32"),  # the PBoC payment-rules examples
        ("壹仟陆佰捌拾元零叁角贰分", "1680.32"),
        ("壹拾万柒仟元零伍角叁分", "107000.53"),
        ("壹拾万零柒仟元伍角叁分", "107000.53"),
        ("壹仟万伍仟元整", "10005000"),
        ("壹仟万零伍仟元整", "10005000"),
        ("壹亿零伍仟元整", "100005000"),
        ("壹亿零伍元整", "100000005"),
        ("壹亿伍万元", "100050000"),
        ("壹亿零伍万元", "100050000"),
        ("玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分", "99999999999.99"),
        ("贰拾亿元整", "2000000000"),
        ("叁仟肆佰伍拾陆万柒仟捌佰玖拾元整", "34567890"),
        # prefixes, suffixes, signs
        ("人民币伍仟万元整", "50000000"),
        ("人民幣伍仟萬元整", "50000000"),
        ("⊗壹佰元整", "100"),
        ("ⓧ壹佰元整", "100"),
        ("（大写）壹佰元整", "100"),
        ("(大写)壹佰元整", "100"),
        ("大写：壹佰元整", "100"),
        ("价税合计（大写）⊗壹仟壹佰叁拾元整", "1130"),
        ("伍仟万元人民币", "50000000"),
        ("壹佰万元整人民币", "1000000"),
        ("负壹佰元整", "-100"),
        ("(负数)壹佰元整", "-100"),
        ("（负数）壹佰壹拾叁元整", "-113"),
        ("⊗(负数)壹佰元整", "-100"),
        # OCR gaps and traditional forms
        ("壹 拾 贰 万 元 整", "120000"),
        ("貳拾參萬陸仟圓整", "236000"),
        # everyday numerals
        ("一百二十三", "123"),
        ("十二", "12"),
        ("十", "10"),
        ("二十", "20"),
        ("一百零五", "105"),
        ("两万", "20000"),
        ("三千万元", "30000000"),
        ("一万〇五十元", "10050"),
        ("五角", "0.5"),
        ("壹佰万", "1000000"),
        ("伍", "5"),
        ("零", "0"),
    ],
)
def test_parse_chinese_upper(text: str, expected: str) -> None:
    value = parse_chinese_upper(text)
    assert value is not None
    assert value == D(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "整",
        "元整",
        "人民币",
        "(大写)",
        "5000万元",  # Arabic digits are parse_money's job
        "壹佰佰元",  # repeated unit
        "伍拾伍拾元",
        "壹万贰万元",
        "壹亿贰亿元",
        "壹拾佰元",  # units out of order
        "壹佰仟元",
        "壹贰元",  # two digits in a row
        "壹仟伍元",  # 1005 or 1500? (一千五 is colloquial 1500)
        "壹佰伍元",
        "壹万伍",  # 一万五 = 15000 colloquially
        "壹万伍元",
        "壹亿伍元",
        "伍零元",  # digit then 零 without unit
        "壹佰零零伍元",  # doubled 零
        "零伍元",  # leading 零
        "壹佰零元",  # trailing 零
        "壹佰零拾元",  # 零 with a unit
        "壹万零万元",
        "万元",
        "亿万元",
        "壹亿万元",
        "壹元壹元",
        "壹元伍分伍角",  # 分 before 角
        "壹元伍角伍角",
        "伍角伍",
        "壹元伍",
        "壹拾伍角",  # 角 without 元 after an integer
        "元伍角",
        "壹万亿元",  # beyond the supported range
        "壹佰元整伍角",  # 整 in the middle
        "负负壹元",
        "壹佰元整整整",
        "壹佰美元",
        "湖南星辰",
        "壹佰元 ABC",
        "十十",
        "百",
    ],
)
def test_parse_chinese_upper_rejects(text: str) -> None:
    assert parse_chinese_upper(text) is None


def test_parse_chinese_upper_non_string() -> None:
    assert parse_chinese_upper(None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", "零元整"),
        ("0.00", "零元整"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("11", "壹拾壹元整"),
        ("100", "壹佰元整"),
        ("101", "壹佰零壹元整"),
        ("110", "壹佰壹拾元整"),
        ("1010", "壹仟零壹拾元整"),
        ("1001", "壹仟零壹元整"),
        ("10050", "壹万零伍拾元整"),
        ("100000", "壹拾万元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("107000.53", "壹拾万柒仟元伍角叁分"),
        ("1000050", "壹佰万零伍拾元整"),
        ("10005000", "壹仟万伍仟元整"),
        ("10100000", "壹仟零壹拾万元整"),
        ("100000005", "壹亿零伍元整"),
        ("100005000", "壹亿零伍仟元整"),
        ("100050000", "壹亿零伍万元整"),
        ("1000000000", "壹拾亿元整"),
        ("50000000", "伍仟万元整"),
        ("123456.78", "壹拾贰万叁仟肆佰伍拾陆元柒角捌分"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("1.05", "壹元零伍分"),
        ("1.5", "壹元伍角整"),
        ("1.50", "壹元伍角整"),
        ("100.5", "壹佰元伍角整"),
        ("0.5", "伍角整"),
        ("0.05", "伍分"),
        ("0.55", "伍角伍分"),
        ("0.01", "壹分"),
        ("1130.00", "壹仟壹佰叁拾元整"),
        ("-100", "负壹佰元整"),
        ("-0.05", "负伍分"),
        ("99999999999.99", "玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
        ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_to_chinese_upper(amount: str, expected: str) -> None:
    assert to_chinese_upper(D(amount)) == expected


def test_to_chinese_upper_accepts_int() -> None:
    assert to_chinese_upper(100) == "壹佰元整"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad", [D("0.001"), D("1.234"), D("1E12"), D("-1E12"), D("NaN"), D("Infinity")]
)
def test_to_chinese_upper_value_errors(bad: Decimal) -> None:
    with pytest.raises(ValueError):
        to_chinese_upper(bad)


@pytest.mark.parametrize("bad", [1.5, "100", None, True])
def test_to_chinese_upper_refuses_floats(bad: object) -> None:
    with pytest.raises(TypeError):
        to_chinese_upper(bad)  # type: ignore[arg-type]


def _random_cents(rng: random.Random) -> int:
    """0.01 … 99,999,999,999.99 in cents, biased towards zeros in the middle (the 零 rules)."""
    kind = rng.random()
    if kind < 0.25:
        return rng.randint(1, 9_999_999_999_999)
    if kind < 0.5:
        digits = "".join(rng.choice("0000000123456789") for _ in range(rng.randint(1, 13)))
        return int(digits) or 1
    if kind < 0.75:
        return rng.randint(1, 10 ** rng.randint(1, 13) - 1)
    # round figures: 5000万, 1.2亿 …
    return rng.randint(1, 99) * 10 ** rng.randint(0, 11)


def test_round_trip_random() -> None:
    """hypothesis is not installed: many seeded random cases instead."""
    rng = random.Random(20180601)
    for _ in range(20_000):
        cents = min(_random_cents(rng), 9_999_999_999_999)
        amount = D(cents).scaleb(-2)
        text = to_chinese_upper(amount)
        assert parse_chinese_upper(text) == amount, (amount, text)
        assert parse_chinese_upper("人民币" + text) == amount
        assert parse_chinese_upper("⊗" + text) == amount
        assert parse_chinese_upper("负" + text) == -amount
        assert parse_money(text) == amount


def test_round_trip_edges() -> None:
    for amount in [
        D("0.01"),
        D("0.10"),
        D("0.99"),
        D("1.00"),
        D("9.99"),
        D("10000"),
        D("10000.01"),
        D("100000000"),
        D("100000000.01"),
        D("100001000"),
        D("110000000"),
        D("99999999999.99"),
        D("10000000000"),
        D("10000000001"),
        D("10001000100.10"),
    ]:
        assert parse_chinese_upper(to_chinese_upper(amount)) == amount


def test_every_amount_below_ten_thousand_round_trips() -> None:
    for yuan in range(10_000):
        amount = D(yuan)
        assert parse_chinese_upper(to_chinese_upper(amount)) == amount
