"""report.json and report.html per application; summary.html, .csv and .xlsx per batch.

report.html is read top-down by a provincial reviewer at night: the verdict and its counts,
then each finding with declared / found / difference and the scanned region it rests on, then
what was read from each document, then the files (problem files first). Everything is in the
page itself or beside it in the output folder (no network, no script), and it prints on A4.

Every file is written whole or not at all (pipeline/atomic.py); pictures: pipeline/crops.py.
"""

from __future__ import annotations

import csv
import difflib
import io
import logging
import tomllib
import typing
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from pydantic import BaseModel

from pipeline.atomic import write_atomic
from pipeline.cells import write_csv_row, xlsx_append
from pipeline.crops import EvidencePictures, NoPicture, Picture
from pipeline.models import (
    RECORD_TYPES,
    BBox,
    Document,
    Evidence,
    FileEntry,
    Finding,
    FindingValue,
    InputFile,
    Model,
    Page,
    Report,
)

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("templates")
LABELS = Path(__file__).with_name("labels.toml")
# Worst first. An application that could not be read at all comes right after those with
# errors: both need the enterprise to act; warnings only need a closer look.
VERDICT_ORDER = {"error": 0, "failed": 1, "warning": 2, "ok": 3}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
# Fixed time for the parts of summary.xlsx that would otherwise carry "now": the same batch
# gives the same bytes (1980-01-01 is the earliest date a zip entry can hold).
XLSX_EPOCH = (1980, 1, 1, 0, 0, 0)


class SummaryFinding(Model):
    """One finding as the batch summary lists it (summary.xlsx has a sheet of them)."""

    severity: str
    code: str
    field: str
    year: str | None = None
    declared: FindingValue = None
    found: FindingValue = None
    unit: str | None = None
    message: str


class SummaryRow(Model):
    application: str
    verdict: str  # error | warning | ok | failed
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    passes: int | None = None  # checks that ran and found nothing (None: not known)
    files: int = 0
    problem_files: int = 0
    documents: int = 0
    pages: int = 0
    stats: dict[str, int] = {}
    report: str | None = None  # link relative to the summary
    problem: str | None = None
    findings: list[SummaryFinding] = []

    @property
    def headlines(self) -> list[str]:
        """The first few problems, worst first: what the summary shows beside the counts."""
        return [f.message for f in self.findings if f.severity != "info"][:3]


@lru_cache(maxsize=1)
def labels() -> dict[str, Any]:
    return tomllib.loads(LABELS.read_text(encoding="utf-8"))


def _label(table: str, key: str) -> str:
    return str(labels().get(table, {}).get(key, key))


def field_label(name: str, doc_type: str | None = None) -> str:
    if doc_type:
        special = labels()["type_fields"].get(doc_type, {})
        if name in special:
            return str(special[name])
    return _label("fields", name)


# ---- numbers and values as a reviewer reads them -----------------------------------------


def as_number(value: object) -> Decimal | None:
    """A finding's or field's value as a number, when it is one (bool and text are not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    # NaN and infinities are no reading at all (and would make comparisons raise).
    return number if number.is_finite() else None


def fmt_number(value: Decimal, unit: str | None = None) -> str:
    integral = value == value.to_integral_value()
    if unit in ("万元", "元"):
        return f"{value:,.2f} {unit}"
    if unit == "%":
        return f"{value:,.2f}%"
    text = f"{int(value):,}" if integral else f"{value:,.2f}"
    return f"{text} {unit}" if unit else text


def fmt_signed(value: Decimal, unit: str | None = None) -> str:
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    if unit == "%":
        return f"{sign}{abs(value):,.2f} 个百分点"
    return sign + fmt_number(abs(value), unit)


def show(value: Any) -> str:
    """Any value as text: numbers with separators, missing as a dash, lists joined."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    number = as_number(value)
    if number is not None:
        return f"{number:,.2f}" if isinstance(value, (float, Decimal)) else f"{number:,}"
    if isinstance(value, list):
        return "、".join(show(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{field_label(k)} {show(v)}" for k, v in value.items())
    return str(value)


def show_yuan(value: Any) -> str:
    """Money of a record (元) with separators and its unit."""
    number = as_number(value)
    return f"{number:,.2f} 元" if number is not None else show(value)


def wan_hint(value: Any) -> str | None:
    """The 万元 figure of a 元 amount: the unit the form uses, so the two compare at a glance."""
    number = as_number(value)
    if number is None or abs(number) < 10_000:
        return None
    return f"≈ {(number / 10_000).quantize(Decimal('0.01')):,.2f} 万元"


_DATE_FIELDS = ("established", "period_start", "period_end", "year")
_CODE_FIELDS = ("credit_code", "registration_number", "invoice_code", "invoice_number")


def value_cell(name: str, value: Any, money: bool) -> Cell:
    """A field's value as a table cell: money in 元 with its 万元 figure, dates unbroken."""
    if money and as_number(value) is not None:
        return Cell(show_yuan(value), kind="money", sub=wan_hint(value))
    kind = "text"
    if name in _DATE_FIELDS or name.endswith("_date"):
        kind = "date"
    elif name in _CODE_FIELDS or name.endswith("_credit_code"):
        kind = "code"
    return Cell(show(value), kind=kind)


def show_value(value: FindingValue, unit: str | None) -> str:
    number = as_number(value)
    if number is not None:
        return fmt_number(number, unit)
    if isinstance(value, list):
        return "、".join(value) if value else "（无）"
    return show(value)


def mark_difference(a: str, b: str) -> tuple[Markup, Markup]:
    """Both strings with the characters that differ marked: a swapped digit in a credit code
    or one character of a company name is what the reviewer must see at once."""
    if len(a) == len(b):
        # Same length (codes, numbers): compare place by place, so two swapped digits show
        # as the two places they swapped, not as one insertion and one deletion.
        def marked(s: str, t: str) -> Markup:
            return (
                Markup("")
                .join(
                    escape(c) if c == d else Markup(f"<mark>{escape(c)}</mark>")
                    for c, d in zip(s, t, strict=True)
                )
                .replace("</mark><mark>", "")
            )

        return marked(a, b), marked(b, a)
    out_a, out_b = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        part_a, part_b = escape(a[i1:i2]), escape(b[j1:j2])
        if tag == "equal":
            out_a.append(part_a)
            out_b.append(part_b)
        else:
            out_a.append(Markup(f"<mark>{part_a}</mark>") if part_a else Markup(""))
            out_b.append(Markup(f"<mark>{part_b}</mark>") if part_b else Markup(""))
    return Markup("").join(out_a), Markup("").join(out_b)


def page_range(pages: Sequence[int]) -> str:
    if not pages:
        return ""
    ordered = sorted(set(pages))
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 1:
        return f"第 {ordered[0]}–{ordered[-1]} 页"
    return "第 " + "、".join(str(p) for p in ordered) + " 页"


# ---- views the templates draw ------------------------------------------------------------


@dataclass
class EvidenceItem:
    text: str
    crop: Picture | None = None


@dataclass
class EvidenceGroup:
    """Evidence of one file page (or of a file without pages, e.g. Word)."""

    file: str
    page: int | None
    items: list[EvidenceItem] = field(default_factory=list)
    page_picture: Picture | None = None
    note: str | None = None  # why there is no picture

    @property
    def where(self) -> str:
        return f"{self.file} 第 {self.page} 页" if self.page else self.file


@dataclass
class FindingView:
    anchor: str
    finding: Finding
    title: str
    unit: str | None
    declared: Markup
    found: Markup
    difference: str | None
    relative: str | None
    numeric: bool  # both sides are numbers: right-aligned to compare digit by digit
    sources: list[str]
    evidence: list[EvidenceGroup]


@dataclass
class Cell:
    value: str
    kind: str = "text"  # money | date | code | text: alignment and wrapping
    sub: str | None = None  # a second line: the 万元 figure of a 元 amount
    unread: bool = False
    source: str | None = None  # "第 3 页"
    link: str | None = None  # page picture, relative to the report


@dataclass
class TableRow:
    label: str
    cells: list[Cell]


@dataclass
class DocColumn:
    title: str
    file: str
    pages: str
    note: str | None  # why nothing could be read


@dataclass
class TallTable:
    """Fields as rows, one column per document (licence, audit reports, tax certificates)."""

    columns: list[DocColumn]
    rows: list[TableRow]
    extras: list[tuple[str, list[str], list[list[Cell]]]]  # (title, headers, rows) below


@dataclass
class WideRow:
    doc: DocColumn
    cells: list[Cell]
    more: list[tuple[str, str]]  # other fields read (or why not), shown under the row
    link: str | None


@dataclass
class WideTable:
    """One row per document (invoices, contracts): many of them, few fields each."""

    headers: list[str]
    rows: list[WideRow]
    totals: list[Cell | None]


@dataclass
class RecordSection:
    doc_type: str
    title: str
    count: int
    tall: TallTable | None = None
    wide: WideTable | None = None


@dataclass
class FileView:
    entry: FileEntry
    problem: bool
    documents: str


# ---- money fields, from the record models ------------------------------------------------


def _has_decimal(annotation: Any) -> bool:
    if annotation is Decimal:
        return True
    return any(_has_decimal(a) for a in typing.get_args(annotation))


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


@lru_cache(maxsize=32)
def _money_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(n for n, f in model.model_fields.items() if _has_decimal(f.annotation))


def _model_of(doc_type: str) -> type[BaseModel]:
    return RECORD_TYPES.get(doc_type, RECORD_TYPES["other"])


def _field_names(doc_type: str, documents: Sequence[Document]) -> list[str]:
    """The type's fields (those labels.toml puts first, then the model's order), then
    whatever else a document holds."""
    names = list(labels()["layout"].get("first_fields", {}).get(doc_type, []))
    names.extend(n for n in _model_of(doc_type).model_fields if n not in names)
    for d in documents:
        names.extend(k for k in d.fields if k not in names)
    return names


# ---- building the report -----------------------------------------------------------------


class _Builder:
    def __init__(
        self,
        report: Report,
        app_dir: Path,
        files: Iterable[InputFile] | None,
        pages: Iterable[Page] | None,
        picture_cache: Path | None = None,
    ) -> None:
        self.report = report
        self.pictures = (
            EvidencePictures(app_dir, files, pages or (), cache_dir=picture_cache)
            if files is not None
            else None
        )
        self.page_pictures: dict[tuple[str, int], Picture | None] = {}
        self.page_notes: dict[tuple[str, int], str] = {}
        self._draw_pages()

    # Whole pages: one picture per cited page, every cited box of the report outlined on it.
    def _draw_pages(self) -> None:
        boxes: dict[tuple[str, int], set[BBox]] = defaultdict(set)
        for ev in self._all_evidence():
            if ev.page is not None:
                boxes[(ev.file, ev.page)].update([ev.bbox] if ev.bbox else [])
        for key in sorted(boxes):
            self.page_pictures[key] = None
            if self.pictures is None:
                continue
            try:
                self.page_pictures[key] = self.pictures.page_picture(key[0], key[1], boxes[key])
            except NoPicture as exc:
                self.page_notes[key] = str(exc)
            except Exception as exc:  # a picture must never cost the reviewer the report
                log.warning("page picture %s p%s failed: %s", key[0], key[1], exc)
                self.page_notes[key] = f"页面图像生成失败：{type(exc).__name__}"

    def _all_evidence(self) -> Iterable[Evidence]:
        for f in self.report.findings:
            yield from f.evidence
        for d in self.report.documents:
            yield from d.evidence.values()

    def page_link(self, file: str, page: int | None) -> str | None:
        if page is None:
            return None
        picture = self.page_pictures.get((file, page))
        return picture.path if picture else None

    def _crop(self, ev: Evidence) -> tuple[Picture | None, str | None]:
        if self.pictures is None:
            return None, None
        try:
            return self.pictures.crop(ev), None
        except NoPicture as exc:
            return None, str(exc)
        except Exception as exc:
            log.warning("crop %s p%s failed: %s", ev.file, ev.page, exc)
            return None, f"证据图像生成失败：{type(exc).__name__}"

    # ---- findings ------------------------------------------------------------------------

    def findings(self) -> list[FindingView]:
        ordered = sorted(self.report.findings, key=lambda f: SEVERITY_ORDER[f.severity])
        return [self._finding(i, f) for i, f in enumerate(ordered, start=1)]

    def _finding(self, index: int, f: Finding) -> FindingView:
        unit = labels()["finding_units"].get(f.field)
        declared: Markup = Markup(escape(show_value(f.declared, unit)))
        found: Markup = Markup(escape(show_value(f.found, unit)))
        difference = relative = None
        a, b = as_number(f.declared), as_number(f.found)
        if a is not None and b is not None:
            gap = a - b
            difference = fmt_signed(gap, unit)
            if b != 0:
                relative = f"{gap / abs(b) * 100:+.1f}%".replace("-", "−")
        elif isinstance(f.declared, str) and isinstance(f.found, str) and f.declared != f.found:
            declared, found = mark_difference(f.declared, f.found)
            difference = "不一致"
        title = _label("finding_fields", f.field)
        if f.year:
            title += f"（{f.year} 年）"
        return FindingView(
            anchor=f"finding-{index}",
            finding=f,
            title=title,
            unit=unit,
            declared=declared,
            found=found,
            difference=difference,
            relative=relative,
            numeric=a is not None or b is not None,
            sources=self._sources(f.evidence),
            evidence=self._evidence_groups(f.evidence),
        )

    @staticmethod
    def _sources(evidence: Sequence[Evidence]) -> list[str]:
        pages: dict[str, list[int]] = {}
        for ev in evidence:
            pages.setdefault(ev.file, [])
            if ev.page is not None:
                pages[ev.file].append(ev.page)
        return [f"{file} {page_range(p)}".strip() for file, p in pages.items()]

    def _evidence_groups(self, evidence: Sequence[Evidence]) -> list[EvidenceGroup]:
        groups: dict[tuple[str, int | None], EvidenceGroup] = {}
        seen: set[tuple[str, int | None, BBox | None, str]] = set()
        for ev in evidence:
            key = (ev.file, ev.page, ev.bbox, ev.text)
            if key in seen:
                continue
            seen.add(key)
            group = groups.get((ev.file, ev.page))
            if group is None:
                group = EvidenceGroup(file=ev.file, page=ev.page)
                if ev.page is not None:
                    group.page_picture = self.page_pictures.get((ev.file, ev.page))
                    group.note = self.page_notes.get((ev.file, ev.page))
                groups[(ev.file, ev.page)] = group
            crop, note = self._crop(ev) if ev.bbox is not None else (None, None)
            if crop is None and note and not group.note:
                group.note = note
            group.items.append(EvidenceItem(text=ev.text, crop=crop))
        for group in groups.values():
            if group.note is None and not any(i.crop for i in group.items):
                group.note = self._no_picture_reason(group.file, group.page)
        return list(groups.values())

    def _no_picture_reason(self, file: str, page: int | None) -> str | None:
        entry = next((e for e in self.report.files if e.file == file), None)
        if entry is not None and entry.format in ("docx", "xml", "ofd"):
            return {"docx": "Word 原文", "xml": "XML 原文", "ofd": "OFD 原文"}[entry.format]
        if page is None:
            return None
        return None if self.pictures else "未生成页面图像"

    # ---- records -------------------------------------------------------------------------

    def records(self) -> list[RecordSection]:
        by_type: dict[str, list[Document]] = defaultdict(list)
        for d in self.report.documents:
            by_type[d.type].append(d)
        order = labels()["layout"]["doc_order"]
        sections = []
        for doc_type in sorted(by_type, key=lambda t: order.index(t) if t in order else 99):
            if doc_type == "application_form":
                continue  # drawn from report.declared, in the form's own layout
            docs = by_type[doc_type]
            section = RecordSection(doc_type, _label("doc_types", doc_type), len(docs))
            if doc_type in labels()["wide"]:
                section.wide = self._wide(doc_type, docs)
            else:
                section.tall = self._tall(doc_type, docs)
            sections.append(section)
        return sections

    def _column(self, d: Document) -> DocColumn:
        whole = d.unread.get("*")
        return DocColumn(
            title=self._doc_title(d),
            file=d.file,
            pages=page_range(d.pages),
            note=f"未能读取：{whole}" if whole else None,
        )

    @staticmethod
    def _doc_title(d: Document) -> str:
        year = d.fields.get("year")
        if d.type == "audit_report" and year:
            return f"{year} 年度"
        return d.file.rsplit("/", 1)[-1]

    def _cell(self, d: Document, name: str, money: bool) -> Cell:
        value = d.fields.get(name)
        if value is None or value == [] or value == "":
            reason = d.unread.get(name)
            if reason:
                return Cell(f"未能读取：{reason}", unread=True)
            cell = Cell("—")
        else:
            cell = value_cell(name, value, money)
        ev = d.evidence.get(name)
        if ev is not None and ev.page is not None:
            cell.source = f"第 {ev.page} 页"
            cell.link = self.page_link(ev.file, ev.page)
        return cell

    def _tall(self, doc_type: str, docs: Sequence[Document]) -> TallTable:
        money = _money_fields(_model_of(doc_type))
        columns: list[DocColumn] = []
        sources: list[tuple[Document, dict[str, Any] | None]] = []  # (doc, prior-year figures)
        for d in docs:
            columns.append(self._column(d))
            sources.append((d, None))
            prior = d.fields.get("prior_year")
            if isinstance(prior, dict) and any(v is not None for v in prior.values()):
                col = self._column(d)
                year = str(d.fields.get("year") or "")
                col.title = f"{int(year) - 1} 年度（上年数）" if year.isdigit() else "上年数"
                col.note = None
                columns.append(col)
                sources.append((d, prior))
        rows = []
        # Documents none of whose fields could be read say so once, in their column's head:
        # rows of dashes under it would only bury the columns that do hold values.
        readable = any("*" not in d.unread for d in docs)
        for name in _field_names(doc_type, docs) if readable else []:
            if name in ("prior_year", "items"):
                continue
            cells = []
            for d, prior in sources:
                if prior is not None:
                    # The comparative column: same figures, no evidence of its own.
                    has = name in prior
                    cells.append(value_cell(name, prior[name], name in money) if has else Cell(""))
                elif "*" in d.unread:
                    cells.append(Cell("—"))
                else:
                    cells.append(self._cell(d, name, name in money))
            rows.append(TableRow(field_label(name, doc_type), cells))
        extras = []
        for d in docs:
            items = d.fields.get("items")
            if isinstance(items, list) and items:
                extras.append(self._items_table(doc_type, d, items))
        return TallTable(columns, rows, extras)

    def _items_table(
        self, doc_type: str, d: Document, items: list[Any]
    ) -> tuple[str, list[str], list[list[Cell]]]:
        item_model = _nested_model(_model_of(doc_type).model_fields["items"].annotation)
        names: list[str] = list(item_model.model_fields) if item_model else []
        for item in items:
            if isinstance(item, dict):
                names.extend(k for k in item if k not in names)
        money = _money_fields(item_model) if item_model else frozenset()
        rows = []
        for item in items:
            values = item if isinstance(item, dict) else {"name": item}
            rows.append([value_cell(n, values.get(n), n in money) for n in names])
        title = f"{self._doc_title(d)} · {field_label('items')}"
        return title, [field_label(n, doc_type) for n in names], rows

    def _wide(self, doc_type: str, docs: Sequence[Document]) -> WideTable:
        money = _money_fields(_model_of(doc_type))
        columns = list(labels()["wide"][doc_type]["columns"])
        rows = []
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for d in docs:
            whole = "*" in d.unread
            cells = []
            unread: dict[str, list[str]] = defaultdict(list)  # reason → fields
            for n in columns:
                if whole:
                    cells.append(Cell("—"))
                    continue
                cell = self._cell(d, n, n in money)
                if len(d.pages) == 1:
                    cell.source = cell.link = None  # the row's own 原页 link says it all
                if cell.unread:
                    # The reason goes under the row once: a narrow column cannot hold it.
                    unread[d.unread[n]].append(field_label(n, doc_type))
                    cell = Cell("未能读取", unread=True)
                cells.append(cell)
                number = as_number(d.fields.get(n)) if n in money else None
                if number is not None:
                    sums[n] += number
            more: list[tuple[str, str]] = []
            for n in _field_names(doc_type, [d]):
                value = d.fields.get(n)
                if n in columns or whole:
                    continue
                if n == "items" and isinstance(value, list):
                    if value:
                        more.append((field_label(n, doc_type), _items_text(value)))
                elif value not in (None, "", []):
                    shown = show_yuan(value) if n in money else show(value)
                    more.append((field_label(n, doc_type), shown))
                elif n in d.unread:
                    unread[d.unread[n]].append(field_label(n, doc_type))
            for reason, names in unread.items():
                more.insert(0, ("、".join(names) + "未能读取", reason))
            link = self.page_link(d.file, d.pages[0]) if d.pages else None
            rows.append(WideRow(self._column(d), cells, more, link))
        totals: list[Cell | None] = [
            Cell(show_yuan(sums[n]), kind="money", sub=wan_hint(sums[n]))
            if n in money and n in sums
            else None
            for n in columns
        ]
        headers = [field_label(n, doc_type) for n in columns]
        return WideTable(headers, rows, totals if len(docs) > 1 and any(totals) else [])

    # ---- files ---------------------------------------------------------------------------

    def files(self) -> list[FileView]:
        order = labels()["layout"]["status_order"]
        found: dict[str, list[str]] = defaultdict(list)
        for d in self.report.documents:
            found[d.file].append(f"{_label('doc_types', d.type)}（{page_range(d.pages)}）")
        entries = sorted(
            self.report.files,
            key=lambda e: order.index(e.status) if e.status in order else len(order),
        )
        return [
            FileView(e, e.status != "processed", "、".join(found.get(e.file, []))) for e in entries
        ]


def _items_text(items: list[Any]) -> str:
    parts = []
    for item in items:
        if isinstance(item, dict):
            name = item.get("name") or item.get("tax_type") or ""
            amount = as_number(item.get("amount"))
            parts.append(f"{name} {amount:,.2f} 元".strip() if amount is not None else str(name))
        else:
            parts.append(str(item))
    return "；".join(p for p in parts if p)


# ---- writing -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        show=show,
        labels=labels(),
        css=Markup((TEMPLATES / "base.css").read_text(encoding="utf-8")),
        fmt_number=fmt_number,
        as_number=as_number,
    )
    env.filters["url"] = lambda path: quote(str(path), safe="/")
    return env


def verdict_of(report: Report) -> str:
    counts = report.counts
    return "error" if counts["error"] else "warning" if counts["warning"] else "ok"


def _page_stats(stats: dict[str, int]) -> str:
    parts = [
        f"{_label('page_sources', k)} {stats[f'pages_{k}']}"
        for k in ("ocr", "text-layer", "docx", "xml", "cached")
        if stats.get(f"pages_{k}")
    ]
    return "（" + "，".join(parts) + "）" if parts else ""


def _cost_sum(report: Report) -> str:
    if report.declared is None:
        return "—"
    items = [v for v in report.declared.project.costs.model_dump().values() if v is not None]
    return f"{sum(items, Decimal(0)):,.2f}" if items else "—"


def write_report(
    report: Report,
    out_dir: Path,
    *,
    files: Iterable[InputFile] | None = None,
    pages: Iterable[Page] | None = None,
    checked: Iterable[str] | None = None,
    problem: str | None = None,
    picture_cache: Path | None = None,
) -> SummaryRow:
    """Write <out_dir>/<application>/report.json and report.html; return the summary row.

    files:   the application's InputFiles (Application.files): their on-disk `path` is what
             evidence pictures are cut from. Without them evidence is shown as text only.
    pages:   the Pages read from those files, with their lines: unit, dpi and rotation place
             a bbox on the raster (without its Page no crop is cut; the page picture is still
             drawn, as the page lies in the file), and the lines widen a crop to its row.
    checked: the `field`s the checks compared; those without a finding count as passed.
             Without it the report does not claim any pass.
    problem: why the application itself could not be read (Application.problem): the
             verdict is then 无法处理, never 未发现问题.
    picture_cache: a folder where evidence pictures are kept by name across runs.
    """
    app_dir = out_dir / report.application
    write_atomic(app_dir / "report.json", report.model_dump_json(indent=2) + "\n")
    counts = report.counts
    verdict = "failed" if problem else verdict_of(report)
    files = list(files) if files is not None else None
    builder = _Builder(report, app_dir, files, pages, picture_cache)
    findings = builder.findings()
    passed: list[str] | None = None
    if checked is not None:
        failed = {f.field for f in report.findings}
        order = list(labels()["finding_fields"])  # the contract's order of the checks
        passed = sorted(
            {c for c in checked if c not in failed},
            key=lambda c: (order.index(c) if c in order else len(order), c),
        )
    file_views = builder.files()
    html = (
        _env()
        .get_template("report.html")
        .render(
            r=report,
            counts=counts,
            verdict=verdict,
            findings=findings,
            passed=[_label("finding_fields", p) for p in passed] if passed is not None else None,
            records=builder.records(),
            files=file_views,
            problem_files=sum(1 for f in file_views if f.problem),
            page_stats=_page_stats(report.stats),
            cost_sum=_cost_sum(report),
            problem=problem,
        )
    )
    write_atomic(app_dir / "report.html", html)
    return SummaryRow(
        application=report.application,
        verdict=verdict,
        errors=counts["error"],
        warnings=counts["warning"],
        infos=counts["info"],
        passes=len(passed) if passed is not None else None,
        files=len(report.files),
        problem_files=sum(1 for f in report.files if f.status != "processed"),
        documents=len(report.documents),
        pages=report.stats.get("pages", 0),
        stats=report.stats,
        report=f"{quote(report.application)}/report.html",
        problem=problem,
        findings=[
            SummaryFinding(
                severity=v.finding.severity,
                code=v.finding.code,
                field=v.finding.field,
                year=v.finding.year,
                declared=v.finding.declared,
                found=v.finding.found,
                unit=v.unit,
                message=v.finding.message,
            )
            for v in findings
        ],
    )


def sort_rows(rows: list[SummaryRow]) -> list[SummaryRow]:
    return sorted(
        rows, key=lambda r: (VERDICT_ORDER[r.verdict], -r.errors, -r.warnings, r.application)
    )


CSV_HEADER = [
    "申报单位",
    "结论",
    "错误",
    "警告",
    "提示",
    "文件数",
    "问题文件数",
    "页数",
    "报告",
    "说明",
    "主要问题",
]


def summary_csv(rows: list[SummaryRow]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    write_csv_row(writer, CSV_HEADER)
    for r in rows:
        write_csv_row(
            writer,
            [
                r.application,
                labels()["verdict"][r.verdict],
                r.errors,
                r.warnings,
                r.infos,
                r.files,
                r.problem_files,
                r.pages,
                r.report or "",
                r.problem or "",
                # One line per row: a line break inside a cell trips up line-based readers.
                "；".join(" ".join(h.split()) for h in r.headlines),
            ],
        )
    # A BOM so that Excel opens the Chinese text as UTF-8.
    return "\ufeff" + buf.getvalue()


# ---- summary.xlsx ------------------------------------------------------------------------

# Fill colours of the verdict and severity cells (the HTML badges' colours, lightened for text).
XLSX_FILLS = {
    "error": "F8D7DA",
    "warning": "FFECB3",
    "info": "D6E4F5",
    "ok": "D4EDDA",
    "failed": "DDDDDD",
}

SUMMARY_SHEET: list[tuple[str, int]] = [
    ("申报单位", 36),
    ("结论", 12),
    ("错误", 7),
    ("警告", 7),
    ("提示", 7),
    ("文件数", 8),
    ("问题文件数", 11),
    ("页数", 7),
    ("主要问题", 70),
    ("报告", 12),
    ("说明", 30),
]

FINDINGS_SHEET: list[tuple[str, int]] = [
    ("申报单位", 36),
    ("级别", 8),
    ("项目", 18),
    ("年度", 7),
    ("申报值", 16),
    ("材料值", 16),
    ("差异", 16),
    ("单位", 7),
    ("说明", 80),
    ("代码", 22),
]


REPORT_FILE = "report.html"


def report_link(report: str | None) -> str | None:
    """The hyperlink of a summary row: `<application>/report.html`, relative, inside the
    output folder, or None. Not %-quoted (Excel opens local paths as written), so a name
    that Excel would read as another place (`\\\\host\\share`, `C:`, `..`, a URL) gets no
    link: the reviewer opens that report from the folder."""
    if not report:
        return None
    target = unquote(report)
    app, sep, name = target.rpartition("/")
    if not sep or name != REPORT_FILE or not app or "/" in app:
        return None
    if app in (".", "..") or any(c in app for c in '\\:%#?<>"|*') or app != app.strip():
        return None
    if any(ord(c) < 32 or c == "\x7f" for c in app):
        return None
    return target


def summary_xlsx(rows: list[SummaryRow]) -> bytes:
    """The summary for Excel users: a sheet of applications and a sheet of every finding,
    Chinese headers, frozen header row, filters, fixed widths, coloured verdicts."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.worksheet import Worksheet
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="EEEEEE")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")

    def start(ws: Worksheet, columns: list[tuple[str, int]]) -> None:
        xlsx_append(ws, [name for name, _ in columns])
        for i, (_, width) in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=i)
            cell.font, cell.fill = header_font, header_fill
            ws.column_dimensions[cell.column_letter].width = width
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=len(columns)).column_letter}1"

    def fill(key: str) -> PatternFill:
        return PatternFill("solid", fgColor=XLSX_FILLS.get(key, "FFFFFF"))

    ws = wb.active
    assert ws is not None
    ws.title = "汇总"
    start(ws, SUMMARY_SHEET)
    for r in rows:
        link_target = report_link(r.report)
        xlsx_append(
            ws,
            [
                r.application,
                labels()["verdict"][r.verdict],
                r.errors,
                r.warnings,
                r.infos,
                r.files,
                r.problem_files,
                r.pages,
                "\n".join(r.headlines),
                "查看报告" if link_target else "",
                r.problem or "",
            ],
        )
        row = ws.max_row
        ws.cell(row=row, column=2).fill = fill(r.verdict)
        for col in range(1, len(SUMMARY_SHEET) + 1):
            ws.cell(row=row, column=col).alignment = wrap if col in (1, 9, 11) else top
        if link_target:
            link = ws.cell(row=row, column=10)
            link.hyperlink = link_target
            link.font = Font(color="0563C1", underline="single")

    ws = wb.create_sheet("核查发现")
    start(ws, FINDINGS_SHEET)
    for r in rows:
        for f in r.findings:
            a, b = as_number(f.declared), as_number(f.found)
            gap = a - b if a is not None and b is not None else None

            def cell_value(v: FindingValue) -> float | int | str | None:
                number = as_number(v)
                if number is not None:
                    return int(number) if isinstance(v, int) else float(number)
                return show_value(v, None) if v is not None else None

            xlsx_append(
                ws,
                [
                    r.application,
                    _label("severity", f.severity),
                    _label("finding_fields", f.field),
                    f.year or "",
                    cell_value(f.declared),
                    cell_value(f.found),
                    float(gap) if gap is not None else None,
                    f.unit or "",
                    f.message,
                    f.code,
                ],
            )
            row = ws.max_row
            ws.cell(row=row, column=2).fill = fill(f.severity)
            for col in (5, 6, 7):
                ws.cell(row=row, column=col).number_format = "#,##0.00"
            for col in range(1, len(FINDINGS_SHEET) + 1):
                ws.cell(row=row, column=col).alignment = wrap if col in (1, 9) else top

    # Deterministic bytes: fixed document times (save_workbook would stamp "now") ...
    import datetime

    fixed = datetime.datetime(*XLSX_EPOCH)
    wb.properties.created = wb.properties.modified = fixed
    wb.properties.creator = "dossier"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    # ... and fixed zip entry times (writestr stamps each member with the clock).
    out = io.BytesIO()
    with (
        zipfile.ZipFile(raw) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=XLSX_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def write_summary(batch: str, rows: list[SummaryRow], out_dir: Path) -> None:
    """summary.html, summary.csv and summary.xlsx of the batch, worst applications first."""
    rows = sort_rows(rows)
    totals = {
        "error_apps": sum(1 for r in rows if r.verdict == "error"),
        "warning_apps": sum(1 for r in rows if r.verdict == "warning"),
        "error": sum(r.errors for r in rows),
        "warning": sum(r.warnings for r in rows),
        "files": sum(r.files for r in rows),
        "problem_files": sum(r.problem_files for r in rows),
        "pages": sum(r.pages for r in rows),
    }
    groups: list[tuple[str, list[SummaryRow]]] = [
        (v, [r for r in rows if r.verdict == v]) for v in VERDICT_ORDER
    ]
    html = (
        _env()
        .get_template("summary.html")
        .render(batch=batch, rows=rows, totals=totals, groups=groups)
    )
    write_atomic(out_dir / "summary.html", html)
    write_atomic(out_dir / "summary.csv", summary_csv(rows))
    write_atomic(out_dir / "summary.xlsx", summary_xlsx(rows))


__all__ = [
    "SummaryFinding",
    "SummaryRow",
    "labels",
    "show",
    "summary_csv",
    "summary_xlsx",
    "write_report",
    "write_summary",
]
