"""The shapes of licence values: what a company name, a company type, a person's name or an
address looks like, so that a field is found by its value when its label is lost, and a value
that does not fit its field is not taken (it stays null, never a guess).

Vocabularies are data: extractors/vocab/licence_shapes.toml. Check digits live in
credit_code.py, dates in dates.py. Every function takes canonical text (white space removed,
brackets full-width: labelled.canon) and returns the value as printed, or None.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from extractors.common.normalize import is_cjk

VOCAB = Path(__file__).resolve().parents[1] / "vocab" / "licence_shapes.toml"

_BRACKETS = str.maketrans({"(": "（", ")": "）"})


@dataclass(frozen=True)
class _Shapes:
    suffixes: tuple[str, ...]
    branches: tuple[str, ...]
    never: tuple[str, ...]
    types: tuple[str, ...]
    name_min: int
    name_max: int
    name_max_dotted: int
    name_never: tuple[str, ...]
    places: tuple[str, ...]
    points: tuple[str, ...]
    background: tuple[str, ...]
    notice_item: re.Pattern[str]
    notice_headings: tuple[str, ...]


@lru_cache(maxsize=1)
def shapes() -> _Shapes:
    data = tomllib.loads(VOCAB.read_text(encoding="utf-8"))
    person = data["person_name"]
    return _Shapes(
        suffixes=tuple(sorted(data["company_name"]["suffixes"], key=len, reverse=True)),
        never=tuple(data["company_name"]["never"]),
        branches=tuple(data["company_name"]["branches"]),
        types=tuple(
            sorted(
                {t.translate(_BRACKETS) for t in data["company_type"]["types"]},
                key=len,
                reverse=True,
            )
        ),
        name_min=int(person["min"]),
        name_max=int(person["max"]),
        name_max_dotted=int(person["max_dotted"]),
        name_never=tuple(person["never"]),
        places=tuple(data["address"]["places"]),
        points=tuple(data["address"]["points"]),
        background=tuple(data["background"]["texts"]),
        notice_item=re.compile(data["notice"]["item"]),
        notice_headings=tuple(data["notice"]["heading"]),
    )


def _cjk_count(text: str) -> int:
    return sum(is_cjk(ch) for ch in text)


_LEAD = re.compile(
    r"^(?:[（(][^）)\u4e00-\u9fff]*[）)]|[^\u4e00-\u9fffA-Za-z（]+)*(?:[A-Za-z](?=[\u4e00-\u9fff]))?"
)


def _strong(suffix: str) -> bool:
    return any(w in suffix for w in ("公司", "合伙", "合作社", "联合社"))


def company_name(text: str) -> str | None:
    """The company name a text begins with, ending at its first name suffix (有限公司, 合作社,
    厂 …): "清华大学出版社有限公司类" → "清华大学出版社有限公司". At least two characters of
    name before the suffix, and never a registered company type ("有限责任公司" alone)."""
    # What stands before a name and is none of it: a copy number (1-1), a stray letter.
    text = _LEAD.sub("", text.translate(_BRACKETS))
    s = shapes()
    best: tuple[int, str] | None = None
    # A company suffix (…公司, 合伙, 合作社) ends the name even when a shop word (店, 中心)
    # stands before it: 酒店管理有限公司.
    for group in (
        tuple(x for x in s.suffixes if _strong(x)),
        tuple(x for x in s.suffixes if not _strong(x)),
    ):
        for suffix in group:
            start = text.find(suffix)
            while start >= 0:
                end = start + len(suffix)
                # The first end wins; at one end the longest suffix (股份有限公司).
                if best is None or end < best[0]:
                    best = (end, text[:end])
                start = text.find(suffix, start + 1)
        if best is not None:
            break
    if best is None:
        return None
    end, name = best
    # A suffix may continue: 有限公司 then （有限合伙）, 分公司 after a company name.
    for suffix in s.suffixes:
        if text.startswith(suffix, end) and suffix.startswith("（"):
            name = text[: end + len(suffix)]
            break
    # A branch after the company: 湖南星辰有限公司长沙分公司 (a place, then the branch word).
    for branch in s.branches:
        at = text.find(branch, end)
        between = text[end:at]
        if (
            at >= 0
            and len(between) <= 10
            and all(is_cjk(c) for c in between)
            and "公司" not in between
            and not any(lab in between for lab in ("类型", "住所", "名称", "类", "型", "所"))
        ):
            name = text[: at + len(branch)]
            break
    body = name
    for suffix in s.suffixes:
        if name.endswith(suffix):
            body = name[: -len(suffix)]
            break
    if _cjk_count(body) < 2 or name.startswith("（") or any(word in name for word in s.never):
        return None
    if company_type(name) == name:
        return None  # 其他有限责任公司 is a type, not a name
    if re.search(r"[，。；：:;、]", name):
        return None  # prose, not a name
    return name


def company_type(text: str, lead: int = 2) -> str | None:
    """The registered company type a text begins with (after at most `lead` stray characters,
    a label's tail like 型), as printed; a long type may differ from the register by one
    character read wrong, and then the registered wording is given."""
    text = text.translate(_BRACKETS)
    types = shapes().types
    type_chars = {ch for t in types for ch in t}
    for skip in range(0, lead + 1):
        if skip and (skip > len(text) or text[skip - 1] in type_chars):
            break  # only stray characters are skipped, never a type's own (其他股份…)
        rest = text[skip:]
        for t in types:  # longest first: 有限责任公司（自然人独资） before 有限责任公司
            if rest.startswith(t):
                if "（" not in t and (qualified := _QUALIFIER.match(rest[len(t) :])):
                    return t + qualified.group(0)  # a qualifier the register list lacks
                return t
            if (
                len(t) >= 10
                and len(rest) >= len(t)
                and sum(a != b for a, b in zip(rest[: len(t)], t, strict=True)) == 1
            ):
                return t
    return None


_QUALIFIER = re.compile(r"（[\u4e00-\u9fff、，]{2,20}）")


def strip_background(text: str) -> str:
    """Fragments of the licence's printed background (市场监督管理 …) at either end removed."""
    for bg in shapes().background:
        for n in range(len(bg), 1, -1):
            for i in range(len(bg) - n + 1):
                frag = bg[i : i + n]
                if text.startswith(frag):
                    text = text[n:]
                if text.endswith(frag):
                    text = text[:-n]
    return text


def person_name(text: str) -> str | None:
    """A person's name: two to four Chinese characters (longer with a · between parts)."""
    s = shapes()
    text = strip_background(text)
    if "·" in text or "•" in text:
        parts = re.split(r"[·•]", text)
        if all(parts) and all(all(is_cjk(c) for c in p) for p in parts):
            return text.replace("•", "·") if len(text) <= s.name_max_dotted else None
        return None
    if not (s.name_min <= len(text) <= s.name_max) or not all(is_cjk(c) for c in text):
        return None
    if company_type(text, lead=0) or any(word in text for word in (*s.never, *s.name_never)):
        return None
    return text


def is_address(text: str) -> bool:
    """A place word (省 市 区 县 镇 村 …) and a point word (路 号 栋 室 …), no prose."""
    s = shapes()
    if re.search(r"[。；;]", text) or _cjk_count(text) < 4:
        return False
    return any(p in text for p in s.places) and any(p in text for p in s.points)


_CONTINUATION = re.compile(r"^[0-9A-Za-z\-－#（）()]*[0-9A-Za-z\u4e00-\u9fff（）()\-－#]{0,12}$")


def address_continuation(text: str) -> bool:
    """A wrapped address line's tail: C503, 317, 1号楼228房间, 室 — short, with a digit or a
    point word, and not a person's name."""
    if not text or len(text) > 16 or re.search(r"[，。；：:;]", text):
        return False
    if not _CONTINUATION.match(text):
        return False
    has_digit = any(c.isdigit() for c in text) or bool(re.search(r"[A-Za-z]", text))
    has_point = any(p in text for p in shapes().points)
    return has_digit or (has_point and person_name(text) is None)


def is_notice_item(text: str) -> bool:
    """A numbered notice line (1.《企业法人营业执照》是… / 2、商事主体…)."""
    return bool(shapes().notice_item.match(text))


def notice_headings() -> tuple[str, ...]:
    """Headings of notice blocks (须知, 重要提示)."""
    return shapes().notice_headings
