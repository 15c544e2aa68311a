"""Money: Arabic amounts, units (元 / 万元 / 亿元), and the Chinese uppercase 大写 form.

Every function works on :class:`~decimal.Decimal`; a float is refused with ``TypeError``.
A string that is not clearly an amount gives ``None`` — never a guess.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Final, Literal

from .normalize import to_halfwidth

__all__ = [
    "UNIT_FACTORS",
    "Unit",
    "detect_unit",
    "parse_amount",
    "parse_chinese_upper",
    "parse_money",
    "to_chinese_upper",
    "wan_from_yuan",
    "yuan_from_wan",
]

Unit = Literal["元", "万元"]

#: How many 元 one of each unit is.  ``parse_money`` understands all of them.
UNIT_FACTORS: Final[dict[str, Decimal]] = {
    "元": Decimal(1),
    "圆": Decimal(1),
    "千元": Decimal(1000),
    "万元": Decimal(10_000),
    "万": Decimal(10_000),
    "百万元": Decimal(1_000_000),
    "千万元": Decimal(10_000_000),
    "亿元": Decimal(100_000_000),
    "亿": Decimal(100_000_000),
}

_WAN: Final = Decimal(10_000)
_CENT: Final = Decimal("0.01")


def _check_decimal(value: object, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal (or int), not {type(value).__name__}")
    dec = Decimal(value)
    if not dec.is_finite():
        raise ValueError(f"{name} must be finite, got {dec}")
    return dec


def _tidy(value: Decimal) -> Decimal:
    """Drop exponent noise from unit scaling (``150000000.0`` → ``150000000``)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    cents = value.quantize(_CENT)
    return cents if cents == value else value


# --------------------------------------------------------------------------- Arabic amounts

_CURRENCY_SYMBOL_RE = re.compile(r"^(?:¥|RMB|CNY)\s*", re.IGNORECASE)
_SIGN_RE = re.compile(r"^([+-])\s*")
_BODY_RE = re.compile(r"^(\d[\d, ]*)(?:\.(\d+))?$")
_SPACE_AROUND_SEP_RE = re.compile(r"\s*([.,])\s*")


def _parse_body(body: str) -> Decimal | None:
    """``1,234.56`` / ``1 234.56`` / ``1234.5`` → Decimal; grouping must be consistent."""
    body = _SPACE_AROUND_SEP_RE.sub(r"\1", body.strip())
    match = _BODY_RE.match(body)
    if match is None:
        return None
    integer, fraction = match.group(1), match.group(2)
    if "," in integer or " " in integer:
        groups = re.split(r"[, ]", integer)
        if not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
            return None
        integer = "".join(groups)
    if len(integer) > 1 and integer[0] == "0":
        return None
    try:
        return Decimal(f"{integer}.{fraction}" if fraction else integer)
    except InvalidOperation:  # pragma: no cover - the regex only lets digits through
        return None


def parse_amount(text: str) -> Decimal | None:
    """Parse one Arabic amount as printed on statements and invoices.

    Accepts thousands separators (``1,234.56``, ``1，234.56``, OCR's ``1 234.56``),
    full-width digits, a currency sign (``¥``/``￥``/``RMB``), a sign (``-1,234.56``) or
    accounting brackets (``(1,234.56)`` → ``-1234.56``).  No unit may follow: use
    :func:`parse_money` for ``5000万元``.  Badly grouped separators (``1,23.45``), a
    decimal comma, two decimal points, a percentage, an empty cell (``-``, ``—``) or any
    other text give ``None``.
    """
    if not isinstance(text, str):
        return None
    s = to_halfwidth(text, keep="").strip()
    if not s:
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative = True
        s = s[1:-1].strip()
    sign = ""
    match = _SIGN_RE.match(s)
    if match:
        sign, s = match.group(1), s[match.end() :]
    match = _CURRENCY_SYMBOL_RE.match(s)
    if match:
        s = s[match.end() :]
        match = _SIGN_RE.match(s)
        if match:
            if sign:
                return None
            sign, s = match.group(1), s[match.end() :]
    if negative and sign:
        return None
    value = _parse_body(s)
    if value is None:
        return None
    return -value if negative or sign == "-" else value


_FOREIGN_RE = re.compile(
    r"美元|美金|港元|港币|港幣|欧元|歐元|日元|英镑|澳元|加元|新台币|韩元|卢布|"
    r"USD|HKD|EUR|JPY|GBP|AUD|\$|€|£",
    re.IGNORECASE,
)
_MONEY_PREFIX_RE = re.compile(r"^(?:人民币|人民幣|RMB|CNY|币种|[:：])\s*", re.IGNORECASE)
_MONEY_SUFFIX_RE = re.compile(r"\s*(?:[(（]?(?:人民币|人民幣)[)）]?|整|正|RMB|CNY)$", re.IGNORECASE)
_UNIT_SUFFIX_RE = re.compile(r"\s*(百万元|千万元|千元|万元|亿元|万|亿|元|圆)$")
_UNIT_PREFIX_RE = re.compile(r"^[(（]?\s*(百万元|千万元|千元|万元|亿元|元)\s*[)）]?\s*[:：]?\s*")
_YI_WAN_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*亿\s*(\d+(?:\.\d+)?)\s*万(?:元)?$")
_ARABIC_DIGIT_RE = re.compile(r"[0-9０-９]")
_YUAN_MARK_RE = re.compile(r"[元圆圓角分]")


def parse_money(text: str, default_unit: str = "元") -> Decimal | None:
    """Parse an amount with its unit and return it in 元.

    ``"5000万元"`` → ``50000000``; ``"人民币5000万元"``, ``"5,000.00元"``, ``"1.5亿元"``,
    ``"¥ 1,234.56"``, ``"(万元)5000"``, ``"3亿5000万元"``, ``"5000万元人民币"`` all work, and a
    text without Arabic digits is read as 大写 (``"伍仟万元整"``).  Without a unit the
    amount is in ``default_unit`` (one of :data:`UNIT_FACTORS`, e.g. ``"万元"`` for the
    application form's columns).  Foreign currencies (美元, 港元, USD, $ …) give ``None``.
    """
    if default_unit not in UNIT_FACTORS:
        raise ValueError(f"unknown unit {default_unit!r}; expected one of {sorted(UNIT_FACTORS)}")
    if not isinstance(text, str):
        return None
    s = to_halfwidth(text, keep="").strip()
    if not s or _FOREIGN_RE.search(s):
        return None
    if not _ARABIC_DIGIT_RE.search(s):
        value = parse_chinese_upper(s)
        if value is None:
            return None
        if _YUAN_MARK_RE.search(s):
            return value
        return _tidy(value * UNIT_FACTORS[default_unit])

    negative = False
    if s.startswith("负"):
        negative, s = True, s[1:].strip()
    for _ in range(3):
        s2 = _MONEY_PREFIX_RE.sub("", s)
        s2 = _MONEY_SUFFIX_RE.sub("", s2)
        if s2 == s:
            break
        s = s2

    composite = _YI_WAN_RE.match(s)
    if composite:
        yi, wan = Decimal(composite.group(1)), Decimal(composite.group(2))
        if wan >= _WAN:
            return None
        value = yi * UNIT_FACTORS["亿"] + wan * _WAN
        return _tidy(-value if negative else value)

    unit: str | None = None
    match = _UNIT_SUFFIX_RE.search(s)
    if match:
        unit, s = match.group(1), s[: match.start()]
    match = _UNIT_PREFIX_RE.match(s)
    if match:
        if unit is not None:
            return None
        unit, s = match.group(1), s[match.end() :]
    amount = parse_amount(s)
    if amount is None:
        return None
    value = amount * UNIT_FACTORS[unit or default_unit]
    return _tidy(-value if negative else value)


# --------------------------------------------------------------------------- unit helpers


def yuan_from_wan(wan: Decimal) -> Decimal:
    """万元 → 元, exactly (``Decimal("1234.5678")`` → ``Decimal("12345678")``)."""
    return _tidy(_check_decimal(wan, "wan") * _WAN)


def wan_from_yuan(yuan: Decimal) -> Decimal:
    """元 → 万元, exactly (``Decimal("12345678")`` → ``Decimal("1234.5678")``)."""
    value = _check_decimal(yuan, "yuan") / _WAN
    return value if value != value.to_integral_value() else value.quantize(Decimal(1))


_UNIT_WORDS = r"(?P<unit>百万元|千万元|千元|万元|亿元|元)"
_UNIT_LABEL_RE = re.compile(
    r"(?<!编制)(?<!编报)(?<!填报)(?<!申报)(?<!纳税)(?<!审计)(?<!建设)(?<!承担)"
    r"(?:金额|货币|計量|计量)?(?:单位|單位)\s*[:：]?\s*(?:人民币|人民幣|RMB|CNY)?\s*"
    + _UNIT_WORDS
    + r"(?:(?![\u4e00-\u9fff])|(?=币|人民))",
    re.IGNORECASE,
)
_UNIT_BRACKET_RE = re.compile(
    r"[(（]\s*(?:人民币|人民幣|RMB)?\s*" + _UNIT_WORDS + r"\s*(?:人民币)?\s*[)）]", re.IGNORECASE
)


def detect_unit(text: str) -> Unit | None:
    """The money unit a statement header or column heading declares.

    ``"单位：元"``, ``"金额单位：元"``, ``"单位:人民币万元"``, ``"（单位：万元）"``,
    ``"总资产（万元）"`` → ``"元"`` / ``"万元"``.  ``None`` when nothing is declared, when
    two different units are declared, or for a unit other than 元 / 万元 (``千元``: the
    caller must then not guess).  ``"编制单位：…"`` (the preparer) is not a unit.
    """
    text = to_halfwidth(text)
    found = {m.group("unit") for m in _UNIT_LABEL_RE.finditer(text)}
    if not found:
        found = {m.group("unit") for m in _UNIT_BRACKET_RE.finditer(text)}
    if len(found) != 1:
        return None
    unit = found.pop()
    if unit == "元":
        return "元"
    if unit == "万元":
        return "万元"
    return None


# --------------------------------------------------------------------------- 大写 amounts

_UPPER_DIGITS: Final[dict[str, int]] = {
    "壹": 1, "一": 1, "弌": 1,
    "贰": 2, "貳": 2, "弍": 2, "二": 2, "两": 2, "兩": 2,
    "叁": 3, "參": 3, "参": 3, "弎": 3, "三": 3,
    "肆": 4, "四": 4,
    "伍": 5, "五": 5,
    "陆": 6, "陸": 6, "六": 6,
    "柒": 7, "七": 7,
    "捌": 8, "八": 8,
    "玖": 9, "九": 9,
}  # fmt: skip
_ZEROS: Final = frozenset("零〇○")
_SMALL_UNITS: Final[dict[str, int]] = {
    "拾": 10, "十": 10, "什": 10,
    "佰": 100, "百": 100, "陌": 100,
    "仟": 1000, "千": 1000, "阡": 1000,
}  # fmt: skip
_WAN_CHARS: Final = "万萬"
_YI_CHARS: Final = "亿億"
_YUAN_CHARS: Final = "元圆圓"
_DIGIT_CLASS = "".join(_UPPER_DIGITS) + "".join(_ZEROS)

_UPPER_PREFIX_RE = re.compile(
    r"^(?:⊗|ⓧ|⊕|⨂|Ⓧ|×|"
    r"价税合计|合计|金额|总计|"
    r"[(（]?(?:大写|大寫)[)）]?|"
    r"人民币|人民幣|RMB|CNY|"
    r"[:：])",
    re.IGNORECASE,
)
_UPPER_NEG_RE = re.compile(r"^(?:[(（]负数[)）]|负数|负|負)")
_UPPER_CURRENCY = r"[(（]?(?:人民币|人民幣)[)）]?"
_UPPER_SUFFIX_RE = re.compile(
    rf"(?P<body>.*?)(?:[整正](?:{_UPPER_CURRENCY})?|{_UPPER_CURRENCY}[整正]?)?", re.DOTALL
)
_FRACTION_RE = re.compile(rf"^(?:零?([{_DIGIT_CLASS}])角)?(?:零?([{_DIGIT_CLASS}])分)?$")
_WS_RE = re.compile(r"\s+")


def _digit_value(ch: str) -> int | None:
    if ch in _ZEROS:
        return 0
    return _UPPER_DIGITS.get(ch)


def _parse_section(section: str, *, first: bool, lowest: bool) -> int | None:
    """One 4-digit group (below 万) such as ``壹仟零伍拾``; ``None`` when malformed.

    ``first``: no higher group precedes it (a leading 拾 and a lone digit are fine).
    ``lowest``: it is the last group of the number (a trailing digit with no 零 after
    佰/仟, or a lone digit after 万/亿, is ambiguous — 一万五 is 15000 — and rejected).
    """
    value = 0
    last_unit = 10_000
    pending: int | None = None
    zero_seen = False
    for index, ch in enumerate(section):
        if ch in _ZEROS:
            if pending is not None or zero_seen or (first and index == 0):
                return None
            zero_seen = True
        elif ch in _UPPER_DIGITS:
            if pending is not None:
                return None
            pending = _UPPER_DIGITS[ch]
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            if unit >= last_unit:
                return None
            if pending is None:
                if unit == 10 and first and index == 0:
                    pending = 1
                else:
                    return None
            value += pending * unit
            last_unit, pending, zero_seen = unit, None, False
        else:
            return None
    if pending is not None:
        lone = last_unit == 10_000
        if not (last_unit == 10 or zero_seen or (lone and (first or not lowest))):
            return None
        value += pending
    elif zero_seen:
        return None
    if value == 0:
        return None
    return value


def _parse_integer(text: str) -> int | None:
    """The part before 元: ``壹佰万零伍拾`` → 1000050."""
    if text in ("", *_ZEROS):
        return 0
    groups: list[tuple[str, int]] = []
    rest = text
    for chars, factor in ((_YI_CHARS, 10**8), (_WAN_CHARS, 10**4)):
        positions = [i for i, ch in enumerate(rest) if ch in chars]
        if len(positions) > 1:
            return None
        if positions:
            head, rest = rest[: positions[0]], rest[positions[0] + 1 :]
            if not head:
                return None
            groups.append((head, factor))
    if rest:
        groups.append((rest, 1))
    total = 0
    for index, (section, factor) in enumerate(groups):
        value = _parse_section(section, first=index == 0, lowest=factor == 1)
        if value is None:
            return None
        total += value * factor
    return total


def parse_chinese_upper(text: str) -> Decimal | None:
    """Read a Chinese uppercase amount (大写金额) into a Decimal in 元.

    Financial numerals (壹贰叁…拾佰仟万亿, 元/圆, 角, 分, 整/正, 零) and everyday
    ones (一二三…十百千, 两, 〇) are understood, with or without a ``人民币`` /
    ``⊗`` / ``（大写）`` prefix, a ``人民币`` suffix, and a ``负`` / ``(负数)`` sign:
    ``"伍仟万元整"`` → ``50000000``, ``"壹拾贰万叁仟肆佰伍拾陆元柒角捌分"`` →
    ``123456.78``, ``"壹佰万零伍拾元整"`` → ``1000050``.  A text without 元/角/分
    (``"壹佰万"``) is a plain number.  Malformed or ambiguous texts — repeated or
    out-of-order units, two digits in a row, ``壹仟伍元`` (1005? 1500?), ``壹万伍`` — give
    ``None``.
    """
    if not isinstance(text, str):
        return None
    s = _WS_RE.sub("", to_halfwidth(text, keep=""))
    negative = False
    for _ in range(6):
        before = s
        match = _UPPER_NEG_RE.match(s)
        if match:
            if negative:
                return None
            negative, s = True, s[match.end() :]
        s = _UPPER_PREFIX_RE.sub("", s)
        if s == before:
            break
    suffix = _UPPER_SUFFIX_RE.fullmatch(s)
    if suffix:  # pragma: no branch - the pattern matches every string
        s = suffix.group("body")
    if not any(ch in _UPPER_DIGITS or ch in _ZEROS or ch in _SMALL_UNITS for ch in s):
        return None

    yuan_positions = [i for i, ch in enumerate(s) if ch in _YUAN_CHARS]
    if len(yuan_positions) > 1:
        return None
    if yuan_positions:
        integer_text, fraction_text = s[: yuan_positions[0]], s[yuan_positions[0] + 1 :]
        if not integer_text:
            return None
    elif "角" in s or "分" in s:
        integer_text, fraction_text = "", s
    else:
        integer_text, fraction_text = s, ""

    integer = _parse_integer(integer_text)
    if integer is None:
        return None
    jiao: int | None = 0
    fen: int | None = 0
    if fraction_text:
        match = _FRACTION_RE.match(fraction_text)
        if match is None or not (match.group(1) or match.group(2)):
            return None
        jiao = _digit_value(match.group(1)) if match.group(1) else 0
        fen = _digit_value(match.group(2)) if match.group(2) else 0
        if jiao is None or fen is None:  # pragma: no cover - the regex only lets digits through
            return None
    cents = integer * 100 + (jiao or 0) * 10 + (fen or 0)
    value = Decimal(cents).scaleb(-2) if fraction_text or yuan_positions else Decimal(integer)
    return -value if negative else value


_UPPER_DIGIT_CHARS: Final = "零壹贰叁肆伍陆柒捌玖"
_UPPER_SECTION_UNITS: Final = ("仟", "佰", "拾", "")
_MAX_UPPER: Final = Decimal(10**12)


def _section_upper(section: int) -> str:
    """1..9999 → ``壹仟零伍拾`` (inner gaps get one 零, trailing zeros nothing)."""
    out: list[str] = []
    gap = started = False
    for place, unit in zip((1000, 100, 10, 1), _UPPER_SECTION_UNITS, strict=True):
        digit = section // place % 10
        if digit == 0:
            gap = gap or started
            continue
        if gap:
            out.append("零")
            gap = False
        out.append(_UPPER_DIGIT_CHARS[digit] + unit)
        started = True
    return "".join(out)


def _integer_upper(number: int) -> str:
    out: list[str] = []
    started = pending_zero = False
    for section, big in (
        (number // 10**8, "亿"),
        (number // 10**4 % 10**4, "万"),
        (number % 10**4, ""),
    ):
        if section == 0:
            pending_zero = pending_zero or started
            continue
        if started and (pending_zero or section < 1000):
            out.append("零")
        out.append(_section_upper(section) + big)
        started, pending_zero = True, False
    return "".join(out)


def to_chinese_upper(amount: Decimal) -> str:
    """Write an amount in 元 the way Chinese invoices print 大写.

    ``Decimal("10050")`` → ``"壹万零伍拾元整"``, ``Decimal("100000")`` → ``"壹拾万元整"``
    (壹拾 even at the start), ``Decimal("123456.78")`` → ``"壹拾贰万叁仟肆佰伍拾陆元柒角捌分"``,
    ``Decimal("1.05")`` → ``"壹元零伍分"``, ``Decimal("0.5")`` → ``"伍角整"``, zero →
    ``"零元整"``, negatives start with ``负``.  ``整`` ends every amount without 分.
    Raises ``ValueError`` below a cent's precision or from 1 万亿 on, ``TypeError`` for floats.
    """
    value = _check_decimal(amount, "amount")
    cents_value = value.quantize(_CENT)
    if cents_value != value:
        raise ValueError(f"{value} has more than two decimal places")
    if abs(cents_value) >= _MAX_UPPER:
        raise ValueError(f"{value} is too large for 大写 (max 999999999999.99)")
    negative = cents_value < 0
    cents = int(abs(cents_value) * 100)
    if cents == 0:
        return "零元整"
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    out: list[str] = []
    if yuan:
        out.append(_integer_upper(yuan) + "元")
    if jiao:
        out.append(_UPPER_DIGIT_CHARS[jiao] + "角")
    if fen:
        if yuan and not jiao:
            out.append("零")
        out.append(_UPPER_DIGIT_CHARS[fen] + "分")
    else:
        out.append("整")
    return ("负" if negative else "") + "".join(out)
