"""Contracts (合同, 协议): number, parties, signing date, amount and subject, over all pages.

Labels come from extractors/vocab/contract.toml. A party or number label counts only where
a field starts: at the start of a line (or of an OCR box) and followed by a colon or by the
end of its box — "甲方应于…" in a clause is not one. "甲方（盖章）" on the signature page is
a signature line: its name is used only when the contract names the party nowhere else.
The amount label may stand inside a sentence ("本合同总金额为人民币…"); the sentence is read
for a 小写 figure (¥1,200,000.00, 120万元) and a 大写 one (人民币壹佰贰拾万元整).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from extractors.base import Collector, Extraction
from extractors.common.amounts import parse_chinese_upper, parse_money
from extractors.common.dates import find_dates, parse_date
from extractors.common.normalize import normalize_name
from extractors.common.orgs import find_orgs
from extractors.labelled import (
    SEPARATORS,
    STOP,
    LabelHit,
    Labels,
    Run,
    Source,
    canon,
    field_labels,
    line_height,
    printed,
    put_sources,
    put_span,
    straighten,
    tidy,
    upper_words,
)
from extractors.layout import rows
from pipeline.models import Contract, Page

VOCAB = Path(__file__).with_name("vocab") / "contract.toml"
FIELDS = ["contract_number", "party_a", "party_b", "sign_date", "amount", "subject"]
_FIGURE = re.compile(
    r"[¥]([0-9][0-9,，]*(?:\.\d+)?)(万元|元)?|(?<![0-9.,])([0-9][0-9,，]*(?:\.\d+)?)(万元|元)"
)
_ROLE = re.compile(r"（[^）]{0,10}）")
_SENTENCE_END = "。；"
_NUMBER = re.compile(r"[0-9A-Za-z\-_/（）〔〕\u4e00-\u9fff]+")
TITLE_MAX_CHARS = 40
SUBJECT_MAX_CHARS = 60
SIGNATURE_LINE_CHARS = 24  # "本合同自双方签字盖章之日起生效。" is a clause, not a signature line
_CLAUSE_END = re.compile(r"[，。；,;：:]")
TITLE_TOP_FRACTION = 0.3
AMOUNT_WINDOW = 120  # characters after an amount label that may hold its figures


@dataclass(frozen=True)
class _Vocab:
    fields: Labels
    suffixes: tuple[str, ...]
    signature: tuple[str, ...]
    amount: tuple[str, ...]
    subject: tuple[str, ...]
    title: tuple[str, ...]


@lru_cache(maxsize=1)
def _vocab() -> _Vocab:
    data = tomllib.loads(VOCAB.read_text(encoding="utf-8"))
    return _Vocab(
        fields=field_labels(data),
        suffixes=tuple(canon(w) for w in data["label_suffix"]["words"]),
        signature=tuple(canon(w) for w in data["signature"]["marks"]),
        amount=tuple(sorted((canon(w) for w in data["amount"]["labels"]), key=len, reverse=True)),
        subject=tuple(canon(w) for w in data["subject"]["phrases"]),
        title=tuple(canon(w) for w in data["title"]["words"]),
    )


@dataclass
class _Field:
    name: str
    text: str
    sources: list[Source]
    signature: bool


def _starts_field(run: Run, hit: LabelHit) -> bool:
    """The label opens its line or box, or follows a separator."""
    if hit.start == 0:
        return True
    before, here = run.src[hit.start - 1], run.src[hit.start]
    if before is None or here is None or before[1] is not here[1]:
        return True
    return run.text[hit.start - 1] in SEPARATORS or run.x0[hit.start] - run.x1[hit.start - 1] > (
        here[1].bbox[3] - here[1].bbox[1]
    )


def _value_start(run: Run, hit: LabelHit) -> tuple[int, bool] | None:
    """Where the value after a label starts, and whether the label is a signature line.

    The label may carry a role in brackets and a suffix ("甲方（委托方）名称："); then a colon
    or the end of its box must follow.
    """
    text = run.text
    pos = hit.end
    signature = False
    for _ in range(2):
        m = _ROLE.match(text, pos)
        if m:
            signature = signature or any(w in m.group(0) for w in _vocab().signature)
            pos = m.end()
        suffix = next((w for w in _vocab().suffixes if text.startswith(w, pos)), None)
        if suffix:
            pos += len(suffix)
    if pos < len(text) and text[pos] in ":：":
        return pos + 1, signature
    if any(text.startswith(w, pos) for w in _vocab().signature):
        return None  # "甲方签章：" without brackets: a signature line with no name
    here = run.src[hit.end - 1]
    nxt = run.src[pos] if pos < len(text) else None
    if nxt is None or here is None or nxt[1] is not here[1]:
        return pos, signature
    return None


def _row_fields(run: Run) -> list[_Field]:
    hits = _vocab().fields.find(run.text)
    accepted: list[tuple[LabelHit, int, bool]] = []
    for hit in hits:
        if not _starts_field(run, hit):
            continue
        value = _value_start(run, hit)
        if value is not None:
            accepted.append((hit, value[0], value[1]))
    out: list[_Field] = []
    for i, (hit, start, signature) in enumerate(accepted):
        if hit.name == STOP:
            continue
        end = accepted[i + 1][0].start if i + 1 < len(accepted) else len(run.text)
        while start < end and run.text[start] in SEPARATORS:
            start += 1
        out.append(_Field(hit.name, run.text[start:end], run.sources(hit.start, end), signature))
    return out


def _party(text: str) -> str | None:
    orgs = find_orgs(text)
    if orgs:
        return normalize_name(orgs[0])
    # Not every party ends in 公司: a name as written, when it is one.
    name = normalize_name(tidy(text))
    if 2 <= len(name) <= 60 and not any(c in name for c in "，。；"):
        return name
    return None


def _quoted(text: str) -> str | None:
    """A name as written, without white space and the quotes or 《》 around it."""
    return tidy(text).strip('“”"《》「」') or None


def _number(text: str) -> str | None:
    m = _NUMBER.match(tidy(text))
    return m.group(0) if m else None


def words_of(text: str) -> str | None:
    """The first 大写 amount, without 人民币 (a run of 万元 alone is not one)."""
    span = upper_words(text)
    return text[span[0] : span[1]] if span else None


def figure_of(text: str) -> Decimal | None:
    """The first Arabic amount with a ¥ sign or a 元/万元 unit (a bare 30% is not money)."""
    for m in _FIGURE.finditer(text):
        number = (m.group(1) or m.group(3)).replace("，", ",")
        unit = m.group(2) or m.group(4) or "元"
        value = parse_money(number + unit)
        if value is not None:
            return value
    return None


class _Reader:
    def __init__(self, col: Collector, pages: list[Page]) -> None:
        self.col = col
        self.pages = pages
        self.rows = [(page, Run.of_lines(page, row)) for page in pages for row in rows(page.lines)]
        self.subject_label: _Field | None = None
        self.signature_row: int | None = None  # the first "甲方（盖章）" row
        self._document: Run | None = None

    def run(self) -> None:
        fallback: list[_Field] = []
        for r, (_, run) in enumerate(self.rows):
            for f in _row_fields(run):
                if f.signature:
                    fallback.append(f)
                    if self.signature_row is None:
                        self.signature_row = r
                else:
                    self._field(f)
        for f in fallback:
            if f.name in ("party_a", "party_b"):
                self._field(f)
        self._subject()
        self._amount()
        if "sign_date" not in self.col.values:
            self._signature_date()

    def _field(self, f: _Field) -> None:
        if not f.text:
            return
        if f.name in ("party_a", "party_b"):
            put_sources(self.col, f.name, _party(f.text), f.sources)
        elif f.name == "contract_number":
            number = _number(f.text)
            put_sources(self.col, f.name, printed(number, f.sources) if number else None, f.sources)
        elif f.name == "sign_date":
            value = parse_date(f.text) or next(iter(find_dates(f.text)), None)
            put_sources(self.col, f.name, value, f.sources)
        elif f.name == "subject" and "subject" not in self.col.values:
            self.subject_label = f

    def _subject(self) -> None:
        """A 项目名称-style label; else what the parties agree on ("委托乙方提供…"); else the title."""
        if self.subject_label is not None:
            f = self.subject_label
            put_sources(self.col, "subject", _quoted(f.text), f.sources)
        if "subject" in self.col.values:
            return
        doc = self.document()
        for phrase in _vocab().subject:
            at = doc.text.find(phrase)
            if at < 0:
                continue
            start = at + len(phrase)
            m = _CLAUSE_END.search(doc.text, start)
            end = m.start() if m else len(doc.text)
            if 0 < end - start <= SUBJECT_MAX_CHARS:
                put_span(self.col, "subject", _quoted(doc.text[start:end]), doc, at, end)
                return
        self._title()

    def _title(self) -> None:
        """The first short line near the top of the first page that names a contract."""
        page = self.pages[0] if self.pages else None
        if page is None:
            return
        height = line_height(page.lines)
        for line in sorted(page.lines, key=lambda ln: ln.bbox[1]):
            if line.bbox[1] > page.height * TITLE_TOP_FRACTION:
                break
            text = _quoted(line.text) or ""
            if not 2 < len(text) <= TITLE_MAX_CHARS or any(c in text for c in "：:，。"):
                continue
            if any(w in text for w in _vocab().title) and (
                line.bbox[3] - line.bbox[1] >= 0.9 * height
            ):
                put_sources(self.col, "subject", text, [(page, line)])
                return

    def document(self) -> Run:
        """All pages as one running text (a clause wraps over lines and pages)."""
        if self._document is None:
            self._document = Run.join((run for _, run in self.rows), sep="")
        return self._document

    def _amount(self) -> None:
        """The first amount label whose sentence holds a figure in 小写 or 大写."""
        doc = self.document()
        text = doc.text
        starts = sorted(
            {(i, len(w)) for w in _vocab().amount for i in _find_all(text, w)},
            key=lambda t: (t[0], -t[1]),
        )
        for start, length in starts:
            begin = start + length
            end = min(
                [begin + AMOUNT_WINDOW, len(text)]
                + [i for c in _SENTENCE_END if (i := text.find(c, begin)) >= 0]
            )
            window = text[begin:end]
            figure = figure_of(window)
            words = words_of(window)
            if figure is None and words is None:
                continue
            sources = doc.sources(start, end)
            by_words = parse_chinese_upper(words) if words else None
            put_sources(self.col, "amount", figure if figure is not None else by_words, sources)
            put_sources(self.col, "amount_in_words", words, sources)
            return

    def _signature_date(self) -> None:
        """The latest date in the signature block: from "甲方（盖章）" (or a short line with a
        signature mark, such as "授权代表（签字）：") on. No block, no date: a date in a clause
        (a delivery deadline) is not when the contract was signed."""
        first = self.signature_row
        if first is None:
            first = next(
                (
                    i
                    for i, (_, run) in enumerate(self.rows)
                    if len(run.text) <= SIGNATURE_LINE_CHARS
                    and any(w in run.text for w in _vocab().signature)
                ),
                None,
            )
        if first is None:
            return
        found: list[tuple[str, Run]] = []
        for _, run in self.rows[first:]:
            for iso in find_dates(run.text):
                found.append((iso, run))
        if found:
            iso, run = max(found, key=lambda f: f[0])
            put_span(self.col, "sign_date", iso, run, 0, len(run.text))


def _find_all(text: str, word: str) -> list[int]:
    out, i = [], text.find(word)
    while i >= 0:
        out.append(i)
        i = text.find(word, i + 1)
    return out


def extract(file: str, pages: list[Page]) -> Extraction:
    col = Collector(file)
    _Reader(col, [straighten(p) for p in pages]).run()
    return col.finish(Contract, FIELDS)
