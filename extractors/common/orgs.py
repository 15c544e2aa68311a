"""Organisation names (companies, auditors, tax bureaus …) found with a spaCy rule component.

The pipeline is ``spacy.blank("zh")`` — the default character segmenter, no trained model,
nothing downloaded — plus the ``dossier_org_rules`` component, which marks ``ORG`` entities
from suffixes listed in ``org_suffixes.txt`` (有限公司, 股份有限公司,
会计师事务所（特殊普通合伙）, 税务局 …).  ``org_lead_words.txt`` lists what comes before a
name without belonging to it (labels such as 甲方 / 购买方名称, pronouns such as 本公司,
verbs such as 委托).  Both are data: a new wording is a one-line change.

The character segmenter is used rather than jieba (which does work offline): the rule
component finds names by characters, so character tokens keep every span exactly aligned,
and loading stays fast with no jieba dictionary cache.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # spaCy is imported on first use: parsing amounts must not pay for it
    from spacy.language import Language
    from spacy.tokens import Doc, Span

__all__ = ["COMPONENT_NAME", "OrgMatch", "find_org_spans", "find_orgs", "nlp"]

COMPONENT_NAME: Final = "dossier_org_rules"
LABEL: Final = "ORG"
_MIN_BODY: Final = 2  # name characters before the suffix
_MAX_BRANCH_GAP: Final = 16  # characters between a name and its branch suffix


def _read_sections(filename: str) -> dict[str, list[str]]:
    package = __name__.rpartition(".")[0]
    text = resources.files(package).joinpath(filename).read_text(encoding="utf-8")
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            sections.setdefault(current, [])
        else:
            sections.setdefault(current, []).append(line)
    return sections


@dataclass(frozen=True)
class _Vocabulary:
    suffix_re: re.Pattern[str]
    branches: frozenset[str]
    types: frozenset[str]
    leads: tuple[str, ...]
    connectors: tuple[str, ...]


def _canonical(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")


def _suffix_pattern(suffix: str) -> str:
    parts = []
    for ch in suffix:
        if ch in "（(":
            parts.append("[（(]")
        elif ch in "）)":
            parts.append("[）)]")
        else:
            parts.append(re.escape(ch))
    return r"[ \u3000]?".join(parts)


@functools.lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    suffixes = _read_sections("org_suffixes.txt")
    words = _read_sections("org_lead_words.txt")
    branches = [_canonical(s) for s in suffixes.get("branch", [])]
    all_suffixes = {_canonical(s) for s in suffixes.get("org", []) + branches}
    ordered = sorted(all_suffixes, key=lambda s: (-len(s), s))
    return _Vocabulary(
        suffix_re=re.compile("|".join(_suffix_pattern(s) for s in ordered)),
        branches=frozenset(branches),
        types=frozenset(_canonical(s) for s in suffixes.get("type", [])),
        leads=tuple(sorted(set(words.get("lead", [])), key=lambda s: (-len(s), s))),
        connectors=tuple(sorted(set(words.get("connector", [])), key=lambda s: (-len(s), s))),
    )


_NAME_CHAR = (
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9（）()·&"
    r"\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]"
)
_RUN_RE = re.compile(rf"{_NAME_CHAR}+(?:[ \u3000]{_NAME_CHAR}+)*")
_DATE_LEAD_RE = re.compile(r"\d{4}\s?年(?:度)?(?:\s?\d{1,2}\s?月(?:\s?\d{1,2}\s?日)?)?")
_BRACKET_LEAD_RE = re.compile(r"[（(][^（()）]{0,10}[）)]")
_SPACE_RE = re.compile(r"[ \u3000]+")
_BODY_CHAR_RE = re.compile(r"[^\s（）()]")


@dataclass(frozen=True)
class OrgMatch:
    """One organisation name in a text: character offsets and the name without OCR gaps."""

    start: int
    end: int
    name: str


def _trim_lead(run: str, start: int, stop: int, after_name: bool, vocab: _Vocabulary) -> int:
    """Move ``start`` past labels, pronouns, dates and joiners that precede a name."""
    pos = start
    trimmed = after_name
    while pos < stop:
        space = _SPACE_RE.match(run, pos)
        if space:
            pos = space.end()
            continue
        match = _DATE_LEAD_RE.match(run, pos) or _BRACKET_LEAD_RE.match(run, pos)
        if match and match.end() < stop:
            pos, trimmed = match.end(), True
            continue
        word = next((w for w in vocab.leads if run.startswith(w, pos)), None)
        if word is None and trimmed:
            word = next((w for w in vocab.connectors if run.startswith(w, pos)), None)
        if word is None:
            break
        if pos + len(word) >= stop:
            return stop  # the whole "body" is a label (开户银行, 本公司): no name here
        pos, trimmed = pos + len(word), True
    return pos


def _body_ok(body: str, vocab: _Vocabulary) -> bool:
    core = _canonical(body)
    if len(_BODY_CHAR_RE.findall(core)) < _MIN_BODY:
        return False
    return core not in vocab.types


def _offsets(text: str) -> list[tuple[int, int]]:
    vocab = _vocabulary()
    found: list[tuple[int, int]] = []
    for run_match in _RUN_RE.finditer(text):
        run, base = run_match.group(0), run_match.start()
        in_run: list[list[int]] = []
        cursor = 0
        for suffix in vocab.suffix_re.finditer(run):
            key = _canonical(suffix.group(0))
            gap = run[cursor : suffix.start()]
            follows = bool(in_run) and in_run[-1][1] == cursor
            if follows and (
                not gap  # a suffix chain: 中国工商银行股份有限公司, …有限公司分公司
                or (
                    key in vocab.branches  # a subordinate unit: …有限公司长沙分公司
                    and len(gap) <= _MAX_BRANCH_GAP
                    and not _SPACE_RE.search(gap)
                    and not gap.startswith(vocab.connectors)
                )
            ):
                in_run[-1][1] = suffix.end()
            else:
                start = _trim_lead(run, cursor, suffix.start(), bool(in_run), vocab)
                if _body_ok(run[start : suffix.start()], vocab):
                    in_run.append([start, suffix.end()])
            cursor = suffix.end()
        found.extend((base + start, base + end) for start, end in in_run)
    return found


def _org_rules(doc: Doc) -> Doc:
    """Add an ``ORG`` entity for every organisation name found by suffix rules."""
    from spacy.util import filter_spans

    spans: list[Span] = []
    for start, end in _offsets(doc.text):
        span = doc.char_span(start, end, label=LABEL, alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.ents = filter_spans([*doc.ents, *spans])
    return doc


@functools.lru_cache(maxsize=1)
def nlp() -> Language:
    """The shared pipeline: ``spacy.blank("zh")`` + the organisation rule component.

    Built once per process (cached); never downloads anything.
    """
    import spacy
    from spacy.language import Language

    if not Language.has_factory(COMPONENT_NAME):
        Language.component(COMPONENT_NAME, func=_org_rules)
    pipeline = spacy.blank("zh")
    pipeline.add_pipe(COMPONENT_NAME)
    return pipeline


def find_org_spans(text: str) -> list[OrgMatch]:
    """Organisation names in ``text`` with their character offsets, in order."""
    if not text or not text.strip():
        return []
    doc = nlp()(text)
    return [
        OrgMatch(ent.start_char, ent.end_char, _SPACE_RE.sub("", ent.text))
        for ent in doc.ents
        if ent.label_ == LABEL
    ]


def find_orgs(text: str) -> list[str]:
    """Organisation names in ``text``, in order, without duplicates, OCR gaps removed.

    ``"甲方：湖南星辰智能装备有限公司  乙方：中国电信股份有限公司长沙分公司"`` →
    ``["湖南星辰智能装备有限公司", "中国电信股份有限公司长沙分公司"]``.  Names are
    returned as written (brackets untouched); compare them with
    :func:`~extractors.common.normalize.normalize_name`.
    """
    names: list[str] = []
    for match in find_org_spans(text):
        if match.name not in names:
            names.append(match.name)
    return names
