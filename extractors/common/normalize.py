"""Text normalisation shared by every extractor.

Pure functions over ``str``:

* :func:`to_halfwidth` turns full-width ASCII (``１２３ＡＢＣ，．％``) into ASCII, by
  default keeping the Chinese punctuation a parser may need (``（）：，；！？``);
* :func:`collapse_whitespace` / :func:`remove_cjk_spaces` undo OCR spacing;
* :func:`normalize_text` is the usual combination of the above;
* :func:`normalize_name` gives the comparable form of an organisation name;
* :func:`ocr_digits` repairs letter/digit confusions inside numeric tokens, a step the
  caller opts into (parsers never do it silently).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "CHINESE_PUNCTUATION",
    "OCR_DIGIT_CONFUSABLES",
    "collapse_whitespace",
    "is_cjk",
    "normalize_name",
    "normalize_text",
    "ocr_digits",
    "remove_cjk_spaces",
    "to_halfwidth",
]

#: Full-width punctuation that carries meaning in Chinese text (a label's colon, a
#: bracketed company-name part, a list comma) and that :func:`to_halfwidth` keeps by
#: default.  Pass ``keep=""`` to convert everything.
CHINESE_PUNCTUATION = "（），：；！？"

_FULLWIDTH_OFFSET = 0xFEE0  # U+FF01..U+FF5E -> U+0021..U+007E

# Characters NFKC leaves alone (or maps oddly) that OCR and Chinese fonts produce.
_EXTRA_HALFWIDTH = {
    "\u3000": " ",  # ideographic space
    "\u00a0": " ",  # no-break space
    "\u2002": " ",
    "\u2003": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\uffe5": "¥",  # fullwidth yen sign ￥
    "\uffe0": "¢",
    "\uffe1": "£",
    "\u2212": "-",  # minus sign
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
}

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)

_WS_RE = re.compile(r"\s+")

_CJK_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2EBEF),
    (0x3007, 0x3007),  # 〇
)


def is_cjk(char: str) -> bool:
    """True for one CJK ideograph (incl. 〇), False for anything else."""
    if len(char) != 1:
        return False
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def to_halfwidth(text: str, keep: str = CHINESE_PUNCTUATION) -> str:
    """Map full-width ASCII variants and odd spaces to plain ASCII.

    ``"１２３，４５６．７８"`` → ``"123，456.78"`` with the default ``keep`` (the full-width
    comma is Chinese punctuation and stays), ``"123,456.78"`` with ``keep=""``.
    Zero-width characters are removed.  Chinese characters are never touched.
    """
    out: list[str] = []
    for ch in text.translate(_ZERO_WIDTH):
        if ch in keep:
            out.append(ch)
            continue
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - _FULLWIDTH_OFFSET))
        else:
            out.append(_EXTRA_HALFWIDTH.get(ch, ch))
    return "".join(out)


def collapse_whitespace(text: str) -> str:
    """Every run of whitespace (incl. ideographic and no-break spaces) → one space; strip."""
    return _WS_RE.sub(" ", text.translate(_ZERO_WIDTH)).strip()


_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007"
_CJK_SPACE_RE = re.compile(rf"(?<=[{_CJK_CLASS}（）()：:，,、；;])\s+(?=[{_CJK_CLASS}（）()])")
_CJK_SPACE_LEFT_RE = re.compile(rf"(?<=[{_CJK_CLASS}（）()])\s+(?=[{_CJK_CLASS}（）()：:，,、；;])")


def remove_cjk_spaces(text: str) -> str:
    """Drop the spaces OCR puts between Chinese characters (``湖南 星辰`` → ``湖南星辰``).

    Spaces next to Latin letters or digits are kept (``ABC 科技``, ``2018 年`` stay), since
    they may separate values; use the specialised parsers for numbers and dates.
    """
    text = _CJK_SPACE_RE.sub("", text)
    return _CJK_SPACE_LEFT_RE.sub("", text)


def normalize_text(text: str) -> str:
    """Half-width ASCII (Chinese punctuation kept), collapsed whitespace, no CJK gaps."""
    return remove_cjk_spaces(_WS_RE.sub(" ", to_halfwidth(text)).strip())


_BRACKETS = str.maketrans(
    {
        "(": "（",
        ")": "）",
        "【": "（",
        "】": "）",
        "〔": "（",
        "〕": "）",
        "[": "（",
        "]": "）",
        "［": "（",
        "］": "）",
        "﹙": "（",
        "﹚": "）",
    }
)
_NAME_STRIP = " \t\r\n:：,，。.;；、\"'“”‘’《》<>"
_DOTS = str.maketrans({"•": "·", "・": "·", "‧": "·", "∙": "·", "．": "."})


def normalize_name(name: str) -> str:
    """The comparable form of a company or organisation name.

    Full-width letters and digits become ASCII, all whitespace goes (OCR gaps and
    typed spaces alike), every bracket variant — ``()``, ``（）``, ``【】``, ``[]``, ``〔〕`` —
    becomes the full-width ``（）`` used in registered names, middle dots are unified, and
    surrounding punctuation (a label's colon, quotes, a trailing full stop) is stripped.
    Letter case is kept.  ``"湖南 星辰(长沙)智能装备有限公司："`` →
    ``"湖南星辰（长沙）智能装备有限公司"``.
    """
    text = to_halfwidth(name, keep="")
    text = unicodedata.normalize("NFKC", text)  # compatibility forms (e.g. ㈱, ℡) too
    text = text.translate(_BRACKETS).translate(_DOTS)
    text = _WS_RE.sub("", text)
    return text.strip(_NAME_STRIP)


#: Letters (and a few symbols) that OCR returns instead of a digit.
OCR_DIGIT_CONFUSABLES: Mapping[str, str] = MappingProxyType(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "Q": "0",
        "〇": "0",
        "○": "0",
        "I": "1",
        "l": "1",
        "|": "1",
        "!": "1",
        "Z": "2",
        "z": "2",
        "S": "5",
        "s": "5",
        "B": "8",
        "G": "6",
        "b": "6",
        "g": "9",
        "q": "9",
        "T": "7",
    }
)

_NUMERIC_TOKEN_RE = re.compile(r"[0-9A-Za-z|!〇○.,，]+")


def ocr_digits(text: str, min_digits: int = 2) -> str:
    """Repair digit confusions (``O``→0, ``l``→1, ``S``→5 …) inside numeric-looking tokens.

    A token (a run of digits, letters and ``.,``) is repaired only when every letter in it
    is a known confusable and it already holds at least ``min_digits`` real digits, so
    ``"1O0.5O"`` → ``"100.50"`` but ``"ABC"``, ``"SO"`` or ``"2018年"``'s neighbours stay
    untouched.  This is a deliberate, opt-in repair: parsers never call it on their own.
    """

    def fix(match: re.Match[str]) -> str:
        token = match.group(0)
        digits = sum(ch.isdigit() for ch in token)
        if digits < min_digits:
            return token
        if all(ch.isdigit() or ch in ".,，" or ch in OCR_DIGIT_CONFUSABLES for ch in token):
            return "".join(OCR_DIGIT_CONFUSABLES.get(ch, ch) for ch in token)
        return token

    return _NUMERIC_TOKEN_RE.sub(fix, text)
