import pytest

from extractors.common.normalize import (
    CHINESE_PUNCTUATION,
    OCR_DIGIT_CONFUSABLES,
    collapse_whitespace,
    is_cjk,
    normalize_name,
    normalize_text,
    ocr_digits,
    remove_cjk_spaces,
    to_halfwidth,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１２３４５６７８９０", "1234567890"),
        ("ＡＢＣｘｙｚ", "ABCxyz"),
        ("１２３．４５", "123.45"),
        ("１２３，４５６．７８", "123，456.78"),  # the full-width comma is Chinese punctuation
        ("５０％", "50%"),
        ("＋－＊／＝", "+-*/="),
        ("湖南星辰（长沙）有限公司", "湖南星辰（长沙）有限公司"),
        ("单位：元", "单位：元"),
        ("a\u3000b", "a b"),
        ("a\u00a0b", "a b"),
        ("￥１２３", "¥123"),
        ("\u2212５", "-5"),
        ("1\u200b2\ufeff3", "123"),
        ("中文不变，。", "中文不变，。"),
        ("", ""),
    ],
)
def test_to_halfwidth_default_keeps_chinese_punctuation(text: str, expected: str) -> None:
    assert to_halfwidth(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１２３，４５６．７８", "123,456.78"),
        ("（１）", "(1)"),
        ("单位：元", "单位:元"),
        ("！？；", "!?;"),
    ],
)
def test_to_halfwidth_keep_nothing(text: str, expected: str) -> None:
    assert to_halfwidth(text, keep="") == expected


def test_to_halfwidth_keep_is_configurable() -> None:
    assert to_halfwidth("（１）：２", keep="：") == "(1)：2"
    assert set(CHINESE_PUNCTUATION) >= set("（），：")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  a   b  ", "a b"),
        ("a\t\n b", "a b"),
        ("湖南\u3000\u3000星辰", "湖南 星辰"),
        ("x\u00a0\u00a0y", "x y"),
        ("\u200b  ", ""),
        ("", ""),
    ],
)
def test_collapse_whitespace(text: str, expected: str) -> None:
    assert collapse_whitespace(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("湖南 星辰 智能装备", "湖南星辰智能装备"),
        ("湖 南 星 辰", "湖南星辰"),
        ("名称： 湖南星辰", "名称：湖南星辰"),
        ("湖南星辰 （长沙）", "湖南星辰（长沙）"),
        ("ABC 科技", "ABC 科技"),
        ("2018 年", "2018 年"),
        ("金额 1,234.56", "金额 1,234.56"),
    ],
)
def test_remove_cjk_spaces(text: str, expected: str) -> None:
    assert remove_cjk_spaces(text) == expected


def test_normalize_text() -> None:
    assert normalize_text("  资产总计\u3000 １２３，４５６．７８ ") == "资产总计 123，456.78"
    assert normalize_text("湖 南  星 辰：ＡＢＣ") == "湖南星辰：ABC"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("湖南星辰智能装备有限公司", "湖南星辰智能装备有限公司"),
        ("湖南 星辰 智能装备有限公司", "湖南星辰智能装备有限公司"),
        ("湖南星辰(长沙)智能装备有限公司", "湖南星辰（长沙）智能装备有限公司"),
        ("湖南星辰【长沙】智能装备有限公司", "湖南星辰（长沙）智能装备有限公司"),
        ("湖南星辰[长沙]智能装备有限公司", "湖南星辰（长沙）智能装备有限公司"),
        ("湖南星辰〔长沙〕智能装备有限公司", "湖南星辰（长沙）智能装备有限公司"),
        ("天职国际会计师事务所(特殊普通合伙)", "天职国际会计师事务所（特殊普通合伙）"),
        ("湖南ＡＢＣ科技有限公司", "湖南ABC科技有限公司"),
        ("：湖南星辰有限公司。", "湖南星辰有限公司"),
        ("“湖南星辰有限公司”", "湖南星辰有限公司"),
        ("湖南\u3000星辰\t有限公司\n", "湖南星辰有限公司"),
        ("长沙约翰•史密斯咨询有限公司", "长沙约翰·史密斯咨询有限公司"),
        ("", ""),
    ],
)
def test_normalize_name(name: str, expected: str) -> None:
    assert normalize_name(name) == expected


def test_normalize_name_makes_variants_equal() -> None:
    variants = [
        "腾讯云计算（北京）有限责任公司",
        "腾讯云计算(北京)有限责任公司",
        "腾讯云计算 (北京) 有限责任公司",
        "腾讯云计算【北京】有限责任公司",
        "腾讯云计算（北京）有限责任公司 ",
    ]
    assert len({normalize_name(v) for v in variants}) == 1


def test_normalize_name_keeps_case_and_distinct_names() -> None:
    assert normalize_name("湖南abc科技有限公司") == "湖南abc科技有限公司"
    assert normalize_name("湖南星辰有限公司") != normalize_name("湖南星晨有限公司")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1O0.5O", "100.50"),
        ("2O18", "2018"),
        ("1,2S4.56", "1,254.56"),
        ("l23", "123"),
        ("1Z3", "123"),
        ("B88", "888"),
        ("B8", "B8"),  # one real digit only
        ("资产总计 1O,234.OO", "资产总计 10,234.00"),
        ("ABC", "ABC"),  # no digit at all
        ("SO", "SO"),
        ("O1", "O1"),  # one digit only: below min_digits
        ("12X4", "12X4"),  # X is not a digit confusable
        ("湖南星辰", "湖南星辰"),
        ("Q3 2018", "Q3 2018"),
    ],
)
def test_ocr_digits(text: str, expected: str) -> None:
    assert ocr_digits(text) == expected


def test_ocr_digits_min_digits() -> None:
    assert ocr_digits("O1", min_digits=1) == "01"


def test_confusables_map_to_digits() -> None:
    assert all(v.isdigit() and len(v) == 1 for v in OCR_DIGIT_CONFUSABLES.values())
    with pytest.raises(TypeError):
        OCR_DIGIT_CONFUSABLES["X"] = "1"  # type: ignore[index]


@pytest.mark.parametrize(
    ("ch", "expected"),
    [("湖", True), ("〇", True), ("A", False), ("1", False), ("（", False), ("ab", False)],
)
def test_is_cjk(ch: str, expected: bool) -> None:
    assert is_cjk(ch) is expected
