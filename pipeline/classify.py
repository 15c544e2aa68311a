"""Page → document type, and runs of pages → documents. Never looks at file names.

The keyword sets are data: pipeline/vocab/doctypes.toml.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.models import DocType, Page

VOCAB_PATH = Path(__file__).with_name("vocab") / "doctypes.toml"
_SPACE = re.compile(r"\s+")
# "营业执照（副本）", "电子发票（增值税专用发票）": a title is read without its trailing brackets.
_TRAILING_BRACKETS = re.compile(r"(?:[（(][^（）()]*[）)])+$")
TITLE_MAX_CHARS = 30  # a title line is short; "本合同" inside a clause is not a title
TOP_FRACTION = 0.25
TOP_PARA_LINES = 8
COVER_MAX_LINES = 6  # a page of so few lines is a cover: every line may be its title
MIN_SCORE = 2.0


@dataclass(frozen=True)
class Section:
    name: str
    keywords: tuple[str, ...]
    repeat: bool
    in_title: bool  # keywords count only in the title lines
    max_chars: int | None  # a cover page is short


@dataclass(frozen=True)
class TypeVocab:
    name: str
    title: tuple[str, ...]
    keywords: tuple[str, ...]
    veto: tuple[str, ...]
    sections: tuple[Section, ...] = ()
    # Inside a report (a type with `holds_others`), a page of this type starts a document of
    # its own only when its title stands at the top and `start_min` of these are on it.
    start_signature: tuple[str, ...] = ()
    start_min: int = 0
    holds_others: bool = False
    # Titles of a long report (年度报告) inside which the report's parts do not split it.
    containers: tuple[str, ...] = ()


@dataclass
class PageVerdict:
    type: DocType | None
    score: float
    confidence: float
    starts: bool = False
    section: int | None = None
    scores: dict[str, float] = field(default_factory=dict)


@dataclass
class PageRun:
    """A document found in a file: its type and its 1-based page numbers."""

    type: DocType
    pages: list[int]
    confidence: float
    sections: list[int] = field(default_factory=list)
    container: bool = False  # opened by a long report's title (年度报告)


@lru_cache(maxsize=4)
def load_vocab(path: Path = VOCAB_PATH) -> tuple[TypeVocab, ...]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for name, spec in data.items():
        sections = tuple(
            Section(
                name=s["name"],
                keywords=tuple(s["keywords"]),
                repeat=bool(s.get("repeat", True)),
                in_title=bool(s.get("in_title", False)),
                max_chars=s.get("max_chars"),
            )
            for s in spec.get("sections", [])
        )
        out.append(
            TypeVocab(
                name=name,
                title=tuple(spec.get("title", [])),
                keywords=tuple(spec.get("keywords", [])),
                veto=tuple(spec.get("veto", [])),
                sections=sections,
                start_signature=tuple(spec.get("start_signature", [])),
                start_min=int(spec.get("start_min", 0)),
                holds_others=bool(spec.get("holds_others", False)),
                containers=tuple(spec.get("containers", [])),
            )
        )
    return tuple(out)


def compact(text: str) -> str:
    return _SPACE.sub("", text)


def _title_lines(page: Page) -> list[str]:
    """Short lines near the top of the page, where titles stand."""
    if page.unit == "para":
        lines = [ln.text for ln in page.lines if ln.text.strip()][:TOP_PARA_LINES]
    elif len(page.lines) <= COVER_MAX_LINES:
        # A cover sets its title in the middle of the page.
        lines = [ln.text for ln in page.lines]
    else:
        limit = page.height * TOP_FRACTION
        lines = [ln.text for ln in page.lines if ln.bbox[1] <= limit]
    return [c for c in (compact(t) for t in lines) if 0 < len(c) <= TITLE_MAX_CHARS]


def _is_title(line: str, word: str) -> bool:
    """A title ends with its word: "…服务合同" is one, "合同编号：…" and "合同专用章" are not."""
    return _TRAILING_BRACKETS.sub("", line).endswith(word)


def classify_page(page: Page, vocab: tuple[TypeVocab, ...] | None = None) -> PageVerdict:
    vocab = vocab or load_vocab()
    text = compact(page.text)
    titles = _title_lines(page)
    scores: dict[str, float] = {}
    started: dict[str, bool] = {}
    for tv in vocab:
        if any(v in text for v in tv.veto):
            continue
        in_title = [t for t in tv.title if any(_is_title(line, t) for line in titles)]
        score = 3.0 * len(in_title)
        score += sum(1.0 for t in tv.title if t in text and t not in in_title)
        score += sum(1.0 for k in tv.keywords if k in text)
        scores[tv.name] = score
        started[tv.name] = bool(in_title)
    if not scores:
        return PageVerdict(type=None, score=0.0, confidence=0.0)
    best = max(scores, key=lambda k: scores[k])
    best_score = scores[best]
    if best_score < MIN_SCORE:
        return PageVerdict(type=None, score=best_score, confidence=0.0, scores=scores)
    runner_up = max((v for k, v in scores.items() if k != best), default=0.0)
    # Confidence: how far the winner stands above the runner-up, saturating at a clear margin.
    confidence = min(1.0, 0.5 + (best_score - runner_up) / (2.0 * max(best_score, 1.0)))
    tv = next(v for v in vocab if v.name == best)
    section = _section_of(text, titles, tv)
    return PageVerdict(
        type=best,  # type: ignore[arg-type]
        score=best_score,
        confidence=round(confidence, 3),
        starts=started[best],
        section=section,
        scores=scores,
    )


def _section_of(text: str, titles: list[str], tv: TypeVocab) -> int | None:
    """The furthest part of the document the page shows (an opinion page cites the statements)."""
    found = None
    for i, section in enumerate(tv.sections):
        if section.max_chars is not None and len(text) > section.max_chars:
            continue
        where = titles if section.in_title else [text]
        if any(k in part for k in section.keywords for part in where):
            found = i
    return found


def _starts_new(run: PageRun, verdict: PageVerdict, tv: TypeVocab, container: bool) -> bool:
    if run.type != verdict.type:
        return True
    if run.container:
        # A long report holds an audit report's cover, opinion and statements: only another
        # report's title starts a new one.
        return container
    if tv.sections:
        if verdict.section is None or not run.sections:
            return False
        reached = max(run.sections)
        if verdict.section < reached:
            return True
        return verdict.section == reached and not tv.sections[verdict.section].repeat
    return verdict.starts


def _clear_start(page: Page, verdict: PageVerdict, tv: TypeVocab) -> bool:
    """Whether a page plainly opens a document of its own type: its title at the top and the
    marks such a document always carries (a report's pages name contracts, invoices and the
    company's registration without being any of them)."""
    if not verdict.starts or not tv.start_signature:
        return False
    text = compact(page.text)
    return sum(1 for k in tv.start_signature if k in text) >= tv.start_min


def _is_container(page: Page, tv: TypeVocab) -> bool:
    return any(_is_title(line, c) for line in _title_lines(page) for c in tv.containers)


def group_pages(pages: list[Page], vocab: tuple[TypeVocab, ...] | None = None) -> list[PageRun]:
    """Split one file's pages into documents: a new one where the type changes or a title starts
    one; inside a report, only a page that clearly starts another document leaves it."""
    vocab = vocab or load_vocab()
    by_name = {tv.name: tv for tv in vocab}
    runs: list[PageRun] = []
    for page in pages:
        verdict = classify_page(page, vocab)
        current = runs[-1] if runs else None
        if (
            current is not None
            and verdict.type not in (None, current.type)
            and by_name[current.type].holds_others
            and not _clear_start(page, verdict, by_name[verdict.type])
        ):
            current.pages.append(page.number)
            continue
        if verdict.type is None:
            # A page with no cues (a contract's clause page, a blank back) continues the document.
            if runs:
                runs[-1].pages.append(page.number)
            else:
                runs.append(PageRun(type="other", pages=[page.number], confidence=0.5))
            continue
        tv = by_name[verdict.type]
        container = _is_container(page, tv)
        if not runs or _starts_new(runs[-1], verdict, tv, container):
            runs.append(
                PageRun(
                    type=verdict.type,
                    pages=[],
                    confidence=verdict.confidence,
                    container=container,
                )
            )
        run = runs[-1]
        run.pages.append(page.number)
        run.confidence = min(run.confidence, verdict.confidence)
        if verdict.section is not None:
            run.sections.append(verdict.section)
    return runs
