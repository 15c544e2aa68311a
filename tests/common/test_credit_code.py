import itertools
import random

import pytest

from extractors.common.credit_code import (
    ALPHABET,
    MAX_REPAIR_COMBINATIONS,
    WEIGHTS,
    check_digit,
    division_code,
    find_codes,
    is_hunan,
    is_registration_number,
    is_valid,
    mod_11_10_check_digit,
    normalize_code,
    repair,
)

# Codes built with a correct GB 32100 check character (computed independently of the code
# under test); the first is a published example, the others are Hunan-looking.
VALID = [
    "9135052155323005XL",
    "91430100MA4L2R5K3W",  # 长沙市
    "91430104MA4PQ8TL0W",  # 岳麓区
    "91430100707258154P",
    "914300001837641854",  # 湖南省
    "92430111MA4QK7Y533",  # 个体工商户, 雨花区
    "93430681MA4R0C1N86",  # 农民专业合作社, 汨罗市
    "52430000MJJ1234565",  # 民政: 社会组织
    "124300004448776213",  # 机构编制: 事业单位
    "914302001847853302",  # 株洲市
    "91430105MA4T15B2LH",
    "91430600MA4M0Y9X3Y",  # 岳阳市
    "91431100MA4PB1J2K3",  # 永州市
    "91430200MA4LUE8T5J",
    "91430100MA4L1D0G8E",
]
OUTSIDE_HUNAN = ["91110108551385082Q", "91440300708461136T", "9135052155323005XL"]


def _reference_check(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def test_alphabet_and_weights() -> None:
    assert len(ALPHABET) == 31
    assert not set("IOZSV") & set(ALPHABET)
    assert tuple(pow(3, i, 31) for i in range(17)) == WEIGHTS


@pytest.mark.parametrize("code", VALID + OUTSIDE_HUNAN)
def test_valid_codes(code: str) -> None:
    assert is_valid(code)
    assert check_digit(code[:17]) == code[17]


def test_check_digit_matches_reference_on_random_bodies() -> None:
    rng = random.Random(32100)
    for _ in range(2000):
        body = rng.choice("159ANY") + rng.choice("123") + "".join(rng.choices("0123456789", k=6))
        body += "".join(rng.choices(ALPHABET, k=9))
        digit = check_digit(body)
        assert digit == _reference_check(body)
        assert is_valid(body + digit)


def test_check_digit_31_maps_to_zero() -> None:
    # find a body whose weighted sum is a multiple of 31: its check character is "0"
    rng = random.Random(7)
    while True:
        body = (
            "9143" + "".join(rng.choices("0123456789", k=4)) + "".join(rng.choices(ALPHABET, k=9))
        )
        if sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 31 == 0:
            break
    assert check_digit(body) == "0"
    assert is_valid(body + "0")


@pytest.mark.parametrize(
    "bad", ["", "9143010", "91430100MA4L2R5K3W", "91430100MA4L2R5KO", "91430100ma4l2r5k3"]
)
def test_check_digit_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        check_digit(bad)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "91430100MA4L2R5K3X",  # wrong check character
        "91430100MA4L2R5K3",  # 17 characters
        "91430100MA4L2R5K3WW",  # 19
        "91430100ma4l2r5k3w",  # lower case: normalise or repair first
        "91430100MA4L2R5K3w",
        " 91430100MA4L2R5K3W",
        "9143 0100MA4L2R5K3W",
        "914301OOMA4L2R5K3W",  # letter O
        "91430100MA4L2R5KIW",
        "9143A100MA4L2R5K3W",  # letter in the division code
        "１１４３０１００ＭＡ４Ｌ２Ｒ５Ｋ３Ｗ",
    ],
)
def test_invalid_codes(code: str) -> None:
    assert not is_valid(code)


def test_is_valid_non_string() -> None:
    assert not is_valid(None)  # type: ignore[arg-type]
    assert not is_valid(914301001234567890)  # type: ignore[arg-type]


def test_every_single_substitution_is_detected() -> None:
    code = "91430100MA4L2R5K3W"
    for position, replacement in itertools.product(range(18), ALPHABET):
        if code[position] == replacement:
            continue
        changed = code[:position] + replacement + code[position + 1 :]
        assert not is_valid(changed), changed


def test_adjacent_transpositions_are_detected() -> None:
    for code in VALID:
        for i in range(17):
            if code[i] != code[i + 1]:
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
                assert not is_valid(swapped), swapped


@pytest.mark.parametrize(
    ("code", "division", "hunan"),
    [
        ("91430100MA4L2R5K3W", "430100", True),
        ("91430104MA4PQ8TL0W", "430104", True),
        ("914300001837641854", "430000", True),
        ("93430681MA4R0C1N86", "430681", True),
        ("91110108551385082Q", "110108", False),
        ("91440300708461136T", "440300", False),
        ("430104000180004", "430104", True),  # a 15-digit 注册号
        ("110108000000016", "110108", False),
    ],
)
def test_division_and_region(code: str, division: str, hunan: bool) -> None:
    assert division_code(code) == division
    assert is_hunan(code) is hunan


def test_is_hunan_does_not_check_the_check_digit() -> None:
    assert is_hunan("91430100MA4L2R5K3X")


@pytest.mark.parametrize(
    "bad", ["", "abc", "9143", "9143A100MA4L2R5K3W", "43O104000180004", "91430100MA4L2R5K3WW"]
)
def test_division_code_errors(bad: str) -> None:
    with pytest.raises(ValueError):
        division_code(bad)
    assert not is_hunan(bad)


def test_is_hunan_non_string() -> None:
    assert not is_hunan(None)  # type: ignore[arg-type]


def test_normalize_code() -> None:
    assert normalize_code(" 9143 0100-ma4l 2r5k 3w ") == "91430100MA4L2R5K3W"
    assert normalize_code("９１４３０１００ＭＡ４Ｌ２Ｒ５Ｋ３Ｗ") == "91430100MA4L2R5K3W"


# --------------------------------------------------------------------------- repair


@pytest.mark.parametrize(
    ("ocr", "expected"),
    [
        ("91430100MA4L2R5K3W", "91430100MA4L2R5K3W"),  # already valid
        ("9I43OIOOMA4L2R5K3W", "91430100MA4L2R5K3W"),  # I→1, O→0
        ("914301OOMA4LZR5K3W", "91430100MA4L2R5K3W"),  # Z→2
        ("91430100MA4L2RSK3W", "91430100MA4L2R5K3W"),  # S→5
        ("91430100ma4l2r5k3w", "91430100MA4L2R5K3W"),  # lower case, l→L confirmed
        ("9l430l00MA4L2R5K3W", "91430100MA4L2R5K3W"),  # l→1 (digits-only positions)
        ("9143o1ooMA4L2R5K3W", "91430100MA4L2R5K3W"),
        ("9143 0100 MA4L 2R5K 3W", "91430100MA4L2R5K3W"),  # OCR gaps
        ("9143-0100-MA4L-2R5K-3W", "91430100MA4L2R5K3W"),
        ("９１４３０１００ＭＡ４Ｌ２Ｒ５Ｋ３Ｗ", "91430100MA4L2R5K3W"),  # full width
        ("914300OO1837641854", "914300001837641854"),
        ("9I43OOOOI8376418S4", "914300001837641854"),
        ("9143OOOOI83764I8S4", "914300001837641854"),
        ("9143O2OOI847853302", "914302001847853302"),
        ("9143O2OOI8478533O2", "914302001847853302"),  # check digit position too
        ("91430105MA4TI5B2LH", "91430105MA4T15B2LH"),
        ("91430105MA4T1SB2LH", "91430105MA4T15B2LH"),
        ("9143B100MA4L2R5K3W", None),  # B→8 in the division: check digit disagrees
        ("91430I00MA4L2R5K3W", "91430100MA4L2R5K3W"),
        ("91430100MA4L2R5K3X", None),  # valid alphabet, wrong check: never rewritten
        ("91430100MA4L2R5K3", None),  # 17 characters
        ("91430100MA4L2R5K3WW", None),
        ("9143O1OOMA4L2R5K3Z", None),  # Z→2 at the end does not confirm
        ("91430100MA4L2R5K3#", None),
        ("91430100MA4L2R5K3长", None),
        ("", None),
    ],
)
def test_repair(ocr: str, expected: str | None) -> None:
    assert repair(ocr) == expected


def test_repair_only_when_check_digit_confirms() -> None:
    rng = random.Random(2015)
    confusions = {"0": "O", "1": "I", "2": "Z", "5": "S"}
    repaired = 0
    for _ in range(500):
        code = rng.choice(VALID)
        positions = [i for i, ch in enumerate(code) if ch in confusions]
        chosen = rng.sample(positions, k=min(len(positions), rng.randint(1, 4)))
        ocr = "".join(confusions[ch] if i in chosen else ch for i, ch in enumerate(code))
        assert repair(ocr) == code
        repaired += 1
    assert repaired == 500


def test_repair_never_returns_an_invalid_code() -> None:
    rng = random.Random(11714)
    chars = ALPHABET + "IOZSVoilzs"
    for _ in range(3000):
        candidate = "".join(rng.choices(chars, k=18))
        result = repair(candidate)
        assert result is None or is_valid(result)


def test_repair_refuses_ambiguous_candidates() -> None:
    """When two readings of the ambiguous characters both pass, nothing is returned."""
    rng = random.Random(31)
    found = 0
    for _ in range(4000):
        body = "9143" + "".join(rng.choices("0123456789", k=4))
        tail = list(rng.choices(ALPHABET, k=10))
        for i in rng.sample(range(9), 4):
            tail[i] = rng.choice("lV")
        candidate = body + "".join(tail)
        options = [{"l": "1L", "V": "UY"}.get(ch, ch) for ch in candidate]
        valid = [c for c in ("".join(p) for p in itertools.product(*options)) if is_valid(c)]
        if len(valid) >= 2:
            assert repair(candidate) is None
            found += 1
        elif len(valid) == 1:
            assert repair(candidate) == valid[0]
        else:
            assert repair(candidate) is None
    assert found > 0


def _code_of_ones_and_ls() -> str:
    """A valid code whose positions 2 and 9–18 all hold 1 or L."""
    rng = random.Random(1024)
    while True:
        body = "9" + rng.choice("1L") + "430100" + "".join(rng.choices("1L", k=9))
        if check_digit(body) in "1L":
            return body + check_digit(body)


def test_repair_tries_up_to_the_bound() -> None:
    code = _code_of_ones_and_ls()
    ocr = code[:2] + code[2:8] + "l" * 9 + code[17]  # 2**9 readings
    result = repair(ocr)
    assert result is None or is_valid(result)
    assert MAX_REPAIR_COMBINATIONS >= 2**10


def test_repair_gives_up_beyond_the_bound() -> None:
    code = _code_of_ones_and_ls()
    ocr = "9l" + code[2:8] + "l" * 10  # 2**11 = 2048 readings: more than the bound
    assert MAX_REPAIR_COMBINATIONS < 2**11
    assert repair(ocr) is None


def test_repair_non_string() -> None:
    assert repair(None) is None  # type: ignore[arg-type]


# --------------------------------------------------------------------------- find_codes


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("统一社会信用代码：91430100MA4L2R5K3W", ["91430100MA4L2R5K3W"]),
        ("统一社会信用代码 91430100MA4L2R5K3W 名称 湖南星辰", ["91430100MA4L2R5K3W"]),
        ("统一社会信用代码9143 0100 MA4L 2R5K 3W", ["91430100MA4L2R5K3W"]),
        ("代码：9 1 4 3 0 1 0 0 M A 4 L 2 R 5 K 3 W", ["91430100MA4L2R5K3W"]),
        ("纳税人识别号:914301OOMA4L2R5K3W", ["91430100MA4L2R5K3W"]),  # repaired
        ("纳税人识别号：９１４３０１００ＭＡ４Ｌ２Ｒ５Ｋ３Ｗ", ["91430100MA4L2R5K3W"]),
        ("名称:湖南星辰 纳税人识别号:91430100MA4L2R5K3X", ["91430100MA4L2R5K3X"]),  # as read
        (
            "购买方 91430100MA4L2R5K3W 销售方 91440300708461136T",
            ["91430100MA4L2R5K3W", "91440300708461136T"],
        ),
        ("91430100MA4L2R5K3W、91430100MA4L2R5K3W", ["91430100MA4L2R5K3W"]),
        ("代码91430100MA4L2R5K3W2018年", ["91430100MA4L2R5K3W"]),  # glued to a year
        ("No.1291430100MA4L2R5K3W", ["91430100MA4L2R5K3W"]),
        ("注册号 430104000180004", []),  # 15 digits: not a credit code
        ("发票号码 12345678 金额 1,234.56", []),
        ("ABCDEFGHJKLMNPQRTU", []),  # 18 letters: not plausible
        ("", []),
        ("湖南星辰智能装备有限公司", []),
    ],
)
def test_find_codes(line: str, expected: list[str]) -> None:
    assert find_codes(line) == expected


def test_find_codes_non_string() -> None:
    assert find_codes(None) == []  # type: ignore[arg-type]


# --------------------------------------------------------------------------- 注册号


@pytest.mark.parametrize(
    ("digits", "check"),
    [
        # ISO 7064 MOD 11,10 reference values
        ("0794", "5"),
        ("00200667308", "5"),
        ("00200667309", "3"),
        ("00200667310", "8"),
        ("00200667311", "6"),
        ("00200667312", "4"),
        ("1232", "3"),
        ("54679", "4"),
    ],
)
def test_mod_11_10(digits: str, check: str) -> None:
    assert mod_11_10_check_digit(digits) == check


@pytest.mark.parametrize("bad", ["", "12a", "１２３", "12.3"])
def test_mod_11_10_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        mod_11_10_check_digit(bad)


@pytest.mark.parametrize(
    "number",
    [
        "110108000000016",
        "430100000012344",
        "430000000087650",
        "430104000180004",
        "430600000001511",
        "430300000019872",
        "4301 0400 0180 004",
        "４３０１０４０００１８０００４",
    ],
)
def test_registration_numbers(number: str) -> None:
    assert is_registration_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "430104000180005",  # wrong check digit
        "430104000180040",  # transposition
        "43010400018000",  # 14 digits
        "4301040001800041",
        "43010400018000X",
        "91430100MA4L2R5K3W",
        "",
        "43O104000180004",  # letter O: not repaired
    ],
)
def test_not_registration_numbers(number: str) -> None:
    assert not is_registration_number(number)


def test_registration_number_catches_every_single_digit_error() -> None:
    number = "430104000180004"
    for position, digit in itertools.product(range(15), "0123456789"):
        if number[position] != digit:
            assert not is_registration_number(number[:position] + digit + number[position + 1 :])


def test_registration_number_non_string() -> None:
    assert not is_registration_number(None)  # type: ignore[arg-type]
