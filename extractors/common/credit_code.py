"""统一社会信用代码 (GB 32100-2015) and the 15-digit 注册号 of pre-2015 licences.

An 18-character credit code is::

    9  1  430100  MA4L2XXXX  K
    |  |  |       |          └ check character (position 18)
    |  |  |       └ 主体标识码: the organisation code (positions 9–17)
    |  |  └ 登记管理机关行政区划码 (positions 3–8, six digits; 43xxxx is Hunan)
    |  └ 机构类别代码 (position 2)
    └ 登记管理部门代码 (position 1)

drawn from ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, Z, S, V).  The 15-digit 注册号
(GS 15-2006) starts with the registering authority's six-digit division code and ends
with an ISO 7064 MOD 11,10 check digit.
"""

from __future__ import annotations

import itertools
import re
from typing import Final

from .normalize import to_halfwidth

__all__ = [
    "ALPHABET",
    "WEIGHTS",
    "check_digit",
    "division_code",
    "find_codes",
    "is_hunan",
    "is_registration_number",
    "is_valid",
    "mod_11_10_check_digit",
    "normalize_code",
    "repair",
]

ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE: Final = {ch: i for i, ch in enumerate(ALPHABET)}
_DIVISION = slice(2, 8)
HUNAN_PREFIX: Final = "43"

#: Upper-case readings a character can stand for, first the most likely.  Characters
#: outside the alphabet *must* change; the check digit decides between readings.
_CONFUSABLES: Final[dict[str, str]] = {
    "O": "0",
    "I": "1",
    "Z": "2",
    "S": "5",
    "V": "UY",
    "o": "0",
    "i": "1",
    "l": "1L",
    "z": "2",
    "s": "5",
    "|": "1",
}
#: Letters that OCR returns for a digit; used only where a digit is required (the
#: division code, positions 3–8), never to rewrite a valid letter elsewhere.
_DIGIT_FOR_LETTER: Final[dict[str, str]] = {
    "O": "0",
    "D": "0",
    "Q": "0",
    "U": "0",
    "I": "1",
    "L": "1",
    "Z": "2",
    "S": "5",
    "G": "6",
    "B": "8",
    "T": "7",
}
MAX_REPAIR_COMBINATIONS: Final = 1024

_SEPARATORS_RE = re.compile(r"[\s\-_·.]+")


def normalize_code(text: str) -> str:
    """Half-width, upper-case, without spaces or dashes; nothing else changes."""
    return _SEPARATORS_RE.sub("", to_halfwidth(text, keep="")).upper()


def check_digit(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a code.

    Raises ``ValueError`` unless ``first17`` is 17 characters of :data:`ALPHABET`.
    """
    if len(first17) != 17 or any(ch not in _VALUE for ch in first17):
        raise ValueError(f"need 17 characters from {ALPHABET!r}, got {first17!r}")
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """True for a well-formed 18-character code with the right check character.

    Strict: upper case, no spaces, positions 3–8 digits.  Use :func:`repair` (or
    :func:`normalize_code`) on OCR output first.
    """
    if not isinstance(code, str) or len(code) != 18:
        return False
    if any(ch not in _VALUE for ch in code) or not code[_DIVISION].isdigit():
        return False
    return check_digit(code[:17]) == code[17]


def division_code(code: str) -> str:
    """The six-digit administrative division code of a credit code (positions 3–8) or of a
    15-digit 注册号 (positions 1–6).  Raises ``ValueError`` when it is not six digits."""
    text = code.strip()
    if len(text) == 18:
        division = text[_DIVISION]
    elif len(text) == 15:
        division = text[:6]
    else:
        raise ValueError(f"not an 18-character credit code or 15-digit 注册号: {code!r}")
    if not (division.isascii() and division.isdigit()):
        raise ValueError(f"division code of {code!r} is not six digits: {division!r}")
    return division


def is_hunan(code: str) -> bool:
    """True when the code's division code is a Hunan one (``43xxxx``); False otherwise or
    when no division code can be read.  The check character is not examined."""
    try:
        return division_code(code).startswith(HUNAN_PREFIX)
    except (ValueError, AttributeError):
        return False


def _options(position: int, ch: str) -> str | None:
    """The characters position ``position`` (0-based) may hold for OCR'd ``ch``."""
    digits_only = _DIVISION.start <= position < _DIVISION.stop
    if ch.isascii() and ch.isdigit():
        return ch
    if digits_only:
        upper = ch.upper()
        if upper in _DIGIT_FOR_LETTER:
            return _DIGIT_FOR_LETTER[upper]
        return _CONFUSABLES[ch][0] if ch in _CONFUSABLES and _CONFUSABLES[ch][0].isdigit() else None
    if ch in _VALUE:
        return ch
    if ch in _CONFUSABLES:
        return _CONFUSABLES[ch]
    upper = ch.upper()
    if ch.islower() and upper in _VALUE:
        return upper
    return None


def repair(text: str) -> str | None:
    """Fix OCR confusions in one 18-character candidate, only where the check digit agrees.

    Spaces and dashes are dropped and full-width characters made ASCII.  A character the
    alphabet cannot hold is read as the digit it resembles (``O``→0, ``I``→1, ``Z``→2,
    ``S``→5, lower-case ``o i l z s`` likewise, ``V``→U/Y, ``l``→1/L); lower-case letters
    are upper-cased; letters in the division code (positions 3–8, all digits) are read as
    digits (``B``→8, ``D``→0 …).  All combinations of the ambiguous positions are tried
    (at most :data:`MAX_REPAIR_COMBINATIONS`); the result is returned only when exactly one
    combination passes the check digit.  A valid code is returned unchanged; ``None`` when
    no or more than one repair is valid.  Valid letters elsewhere are never rewritten.
    """
    if not isinstance(text, str):
        return None
    candidate = _SEPARATORS_RE.sub("", to_halfwidth(text, keep=""))
    if len(candidate) != 18:
        return None
    options: list[str] = []
    for position, ch in enumerate(candidate):
        choice = _options(position, ch)
        if not choice:
            return None
        options.append(choice)
    combinations = 1
    for choice in options:
        combinations *= len(choice)
    if combinations > MAX_REPAIR_COMBINATIONS:
        return None
    valid = {
        code for code in ("".join(chars) for chars in itertools.product(*options)) if is_valid(code)
    }
    return valid.pop() if len(valid) == 1 else None


_CANDIDATE_CHAR = r"[0-9A-Za-z|]"
_RUN_RE = re.compile(rf"{_CANDIDATE_CHAR}(?:[ \t\u3000\-]{{0,2}}{_CANDIDATE_CHAR})*")
_DIGITISH = frozenset("0123456789" + "".join(_DIGIT_FOR_LETTER) + "oilzs|")


def _plausible(candidate: str) -> bool:
    """Positions 3–8 can be digits and at least eight characters are digits already."""
    return all(ch in _DIGITISH or ch.upper() in _DIGITISH for ch in candidate[_DIVISION]) and (
        sum(ch.isdigit() for ch in candidate) >= 8
    )


def find_codes(text: str) -> list[str]:
    """18-character credit-code candidates in a line, in order, without duplicates.

    OCR's gaps (``9143 0100 MA4L 2XXX XX``) are closed.  Each candidate is repaired when a
    unique valid repair exists (:func:`repair`); otherwise it is returned as read (upper
    case, no spaces) so that the caller can report a wrong check character.  A longer run
    (a code glued to a neighbouring number) yields the one 18-character window that is a
    valid code, if exactly one is.
    """
    if not isinstance(text, str):
        return []
    s = to_halfwidth(text, keep="")
    found: list[str] = []
    for match in _RUN_RE.finditer(s):
        compact = re.sub(r"[ \t\u3000\-]", "", match.group(0))
        code: str | None = None
        if len(compact) == 18:
            if _plausible(compact):
                code = repair(compact) or compact.upper()
        elif len(compact) > 18:
            windows = {
                fixed
                for i in range(len(compact) - 17)
                if (fixed := repair(compact[i : i + 18])) is not None
            }
            if len(windows) == 1:
                code = windows.pop()
        if code is not None and code not in found:
            found.append(code)
    return found


def mod_11_10_check_digit(digits: str) -> str:
    """ISO 7064 MOD 11,10 check digit for a string of decimal digits."""
    if not digits or not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"need decimal digits, got {digits!r}")
    product = 10
    for ch in digits:
        total = (product + int(ch)) % 10 or 10
        product = total * 2 % 11
    return str((11 - product) % 10)


def is_registration_number(text: str) -> bool:
    """True for a 15-digit 工商注册号 (GS 15-2006) whose MOD 11,10 check digit is right.

    Spaces are ignored; anything but 15 digits is False.
    """
    if not isinstance(text, str):
        return False
    digits = _SEPARATORS_RE.sub("", to_halfwidth(text, keep=""))
    if len(digits) != 15 or not (digits.isascii() and digits.isdigit()):
        return False
    return mod_11_10_check_digit(digits[:14]) == digits[14]
