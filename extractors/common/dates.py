"""Dates, months and periods as printed on Chinese documents, returned as ISO strings.

``parse_date`` → ``YYYY-MM-DD``, ``parse_month`` → ``YYYY-MM``, ``parse_period`` → a
``(start, end)`` pair; every one returns ``None`` for a text that is not (exactly) such a
value or names a day that does not exist (2018-02-30).  ``find_dates`` searches a line.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Final

from .normalize import to_halfwidth

__all__ = ["find_dates", "parse_date", "parse_month", "parse_period"]

MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2100

# Chinese numerals as used in dates.  In a Chinese year, OCR's O / o / 0 / ○ stand for 〇.
_CN_DIGITS: Final[dict[str, int]] = {
    "〇": 0, "零": 0, "○": 0, "O": 0, "o": 0, "0": 0, "Ο": 0, "洞": 0,
    "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
_CN_YEAR_CLASS = "〇零○Oo0Ο一壹二贰两三叁四肆五伍六陆七柒八捌九玖"
_CN_NUM_CLASS = "〇零一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾廿卅"
_TENS: Final = {"十": 1, "拾": 1, "廿": 2, "卅": 3}

_S = r"\s*"
_YMD_CN = re.compile(
    rf"(?<!\d)(?P<y>\d{{4}}){_S}年{_S}(?P<m>\d{{1,2}}){_S}月{_S}(?P<d>\d{{1,2}})(?!\d){_S}(?P<end>[日号])?"
)
_YMD_SEP = re.compile(
    rf"(?<![\d.])(?P<y>\d{{4}}){_S}(?P<sep>[-/.]){_S}(?P<m>\d{{1,2}}){_S}(?P=sep){_S}(?P<d>\d{{1,2}})(?![\d])"
)
_YMD_COMPACT = re.compile(r"(?<!\d)(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?!\d)")
_YMD_HANZI = re.compile(
    rf"(?P<y>[{_CN_YEAR_CLASS}]{{4}}){_S}年{_S}(?P<m>[{_CN_NUM_CLASS}]{{1,3}}){_S}月{_S}"
    rf"(?P<d>[{_CN_NUM_CLASS}]{{1,3}}){_S}(?P<end>[日号])?"
)
_YM_CN = re.compile(rf"(?P<y>\d{{4}}){_S}年{_S}(?P<m>\d{{1,2}}){_S}月(?:份)?")
_YM_SEP = re.compile(rf"(?P<y>\d{{4}}){_S}[-/.]{_S}(?P<m>\d{{1,2}})")
_YM_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})")
_YM_HANZI = re.compile(
    rf"(?P<y>[{_CN_YEAR_CLASS}]{{4}}){_S}年{_S}(?P<m>[{_CN_NUM_CLASS}]{{1,3}}){_S}月(?:份)?"
)
_MD_CN = re.compile(rf"(?P<m>\d{{1,2}}){_S}月{_S}(?P<d>\d{{1,2}}){_S}[日号]?")
_M_CN = re.compile(rf"(?P<m>\d{{1,2}}){_S}月(?:份)?")
_TIME_SUFFIX = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\s*$")
_PERIOD_SEP = re.compile(r"\s*(?:起?\s*(?:至|到)|~|—+|–|―|-+)\s*")
_YEAR_MONTHS = re.compile(
    rf"(?P<y>\d{{4}}){_S}年(?:度)?{_S}(?P<m1>\d{{1,2}}){_S}(?:月{_S})?(?:-|—|~|至|到){_S}"
    rf"(?P<m2>\d{{1,2}}){_S}月(?:份)?"
)


def _clean(text: str) -> str:
    text = to_halfwidth(text, keep="").strip()
    return _TIME_SUFFIX.sub("", text).strip()


def _hanzi_small(text: str) -> int | None:
    """一 … 三十一 (also 十二, 二十, 廿五) → int; None when malformed."""
    if not text:
        return None
    if len(text) == 1:
        if text in _TENS:
            return _TENS[text] * 10
        value = _CN_DIGITS.get(text)
        return value if value else None
    if text[0] in _TENS:
        head, rest = _TENS[text[0]], text[1:]
        unit = _CN_DIGITS.get(rest) if len(rest) == 1 else None
        return head * 10 + unit if unit else None
    if len(text) in (2, 3) and text[1] in "十拾":
        tens = _CN_DIGITS.get(text[0])
        if not tens:
            return None
        if len(text) == 2:
            return tens * 10
        unit = _CN_DIGITS.get(text[2])
        return tens * 10 + unit if unit else None
    return None


def _hanzi_year(text: str) -> int | None:
    digits = [_CN_DIGITS.get(ch) for ch in text]
    if any(d is None for d in digits):
        return None
    if not any(ch in "一壹二贰两三叁四肆五伍六陆七柒八捌九玖" for ch in text):
        return None  # "2018" or "OOOO": not a Chinese-numeral year
    return int("".join(str(d) for d in digits))


def _iso_date(year: int | None, month: int | None, day: int | None) -> str | None:
    if year is None or month is None or day is None or not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _iso_month(year: int | None, month: int | None) -> str | None:
    if year is None or month is None or not MIN_YEAR <= year <= MAX_YEAR:
        return None
    if not 1 <= month <= 12:
        return None
    return f"{year:04d}-{month:02d}"


def _date_from_match(match: re.Match[str], hanzi: bool) -> str | None:
    if hanzi:
        return _iso_date(
            _hanzi_year(match["y"]), _hanzi_small(match["m"]), _hanzi_small(match["d"])
        )
    return _iso_date(int(match["y"]), int(match["m"]), int(match["d"]))


def parse_date(text: str) -> str | None:
    """A text that is one date → ``YYYY-MM-DD``; anything else → ``None``.

    Understands ``2018年6月1日``, ``2018年06月01日``, ``2018 年 6 月 1 日`` (OCR gaps),
    ``2018-6-1``, ``2018/06/01``, ``2018.06.01``, ``20180601``, full-width digits,
    ``二〇一三年五月六日`` / ``二零一三年十二月三十一日`` (OCR's ``二O一三`` too), and a
    trailing clock time (``2018-06-01 10:23:45``).  Two-digit years, mixed separators and
    impossible days (``2018-02-30``) give ``None``.
    """
    if not isinstance(text, str):
        return None
    s = _clean(text)
    for pattern, hanzi in (
        (_YMD_CN, False),
        (_YMD_SEP, False),
        (_YMD_COMPACT, False),
        (_YMD_HANZI, True),
    ):
        match = pattern.fullmatch(s)
        if match:
            return _date_from_match(match, hanzi)
    return None


def find_dates(text: str) -> list[str]:
    """Every date written inside a line, in order, as ``YYYY-MM-DD`` (invalid ones skipped).

    Compact ``20180601`` is not searched for (invoice numbers look the same); use
    :func:`parse_date` on a field known to be a date for that.
    """
    if not isinstance(text, str):
        return []
    s = to_halfwidth(text, keep="")
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern, hanzi in ((_YMD_CN, False), (_YMD_SEP, False), (_YMD_HANZI, True)):
        for match in pattern.finditer(s):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            iso = _date_from_match(match, hanzi)
            if iso is not None:
                found.append((match.start(), iso))
                taken.append((match.start(), match.end()))
    return [iso for _, iso in sorted(found)]


def parse_month(text: str) -> str | None:
    """A text that is one month → ``YYYY-MM``: ``2017年6月``, ``2017年06月份``, ``2017.06``,
    ``2017-6``, ``2017/06``, ``201706``, ``二〇一七年六月``; a full date gives its month."""
    if not isinstance(text, str):
        return None
    s = _clean(text)
    for pattern in (_YM_CN, _YM_SEP, _YM_COMPACT):
        match = pattern.fullmatch(s)
        if match:
            return _iso_month(int(match["y"]), int(match["m"]))
    match = _YM_HANZI.fullmatch(s)
    if match:
        return _iso_month(_hanzi_year(match["y"]), _hanzi_small(match["m"]))
    date = parse_date(s)
    return date[:7] if date else None


def _point(text: str) -> str | None:
    return parse_date(text) or parse_month(text)


def _end_point(text: str, start: str) -> str | None:
    """The end of a range; ``12月31日`` / ``12月`` borrow the start's year."""
    value = _point(text)
    if value is not None:
        return value
    year = int(start[:4])
    match = _MD_CN.fullmatch(text)
    if match:
        return _iso_date(year, int(match["m"]), int(match["d"]))
    match = _M_CN.fullmatch(text)
    if match and len(start) == 7:
        return _iso_month(year, int(match["m"]))
    return None


_PERIOD_PREFIX = re.compile(r"^(?:自|从|由)\s*")
_PERIOD_SUFFIX = re.compile(r"\s*(?:止|为止)$")


def parse_period(text: str) -> tuple[str, str] | None:
    """A range of dates or months → ``(start, end)``, each ISO at its own precision.

    ``2017年6月—2018年12月`` → ``("2017-06", "2018-12")``; ``2017.06-2018.12``;
    ``2018年1月1日至2018年12月31日`` and ``2018-01-01至2018-12-31`` →
    ``("2018-01-01", "2018-12-31")``; ``自2018年1月1日起至2018年12月31日止``;
    ``2018年1月1日至12月31日`` (the end borrows the year); ``2018年1-12月`` →
    ``("2018-01", "2018-12")``.  ``None`` when either end is unreadable or invalid, when
    the split is ambiguous, or when the end precedes the start.
    """
    if not isinstance(text, str):
        return None
    s = _clean(text)
    s = _PERIOD_SUFFIX.sub("", _PERIOD_PREFIX.sub("", s))
    match = _YEAR_MONTHS.fullmatch(s)
    if match:
        year = int(match["y"])
        start, end = _iso_month(year, int(match["m1"])), _iso_month(year, int(match["m2"]))
        return (start, end) if start and end and start <= end else None
    results: set[tuple[str, str]] = set()
    for sep in _PERIOD_SEP.finditer(s):
        left, right = s[: sep.start()].strip(), s[sep.end() :].strip()
        if not left or not right:
            continue
        start = _point(left)
        if start is None:
            continue
        end = _end_point(right, start)
        if end is not None:
            results.add((start, end))
    if len(results) != 1:
        return None
    start, end = results.pop()
    if end[: len(start)] < start[: len(end)]:
        return None
    return start, end
