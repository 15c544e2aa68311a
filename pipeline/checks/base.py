"""What every check needs: the rules, the typed records of one report, evidence and wording.

A check is ``check(ctx) -> list[Finding]``. It reads records through :class:`Context`, takes
every tolerance, severity and label from ``ctx.rules`` (pipeline/rules.toml) and gives each
finding the evidence of both sides: the form's declaration and the document's value.
"""

from __future__ import annotations

import calendar
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import ValidationError

from pipeline.models import (
    RECORD_TYPES,
    AuditReport,
    BusinessLicence,
    Contract,
    Declared,
    Document,
    Evidence,
    Finding,
    FindingValue,
    Invoice,
    Model,
    Report,
    Severity,
    TaxCertificate,
)

RULES_PATH = Path(__file__).resolve().parent.parent / "rules.toml"
REGIONS_PATH = Path(__file__).with_name("hunan.toml")

WAN = Decimal(10_000)
CENT = Decimal("0.01")
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

Rules = dict[str, Any]
T = TypeVar("T", bound=Model)


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_PATH) -> Rules:
    return tomllib.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=2)
def load_regions(path: Path = REGIONS_PATH) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def dec(value: Any) -> Decimal:
    """A rules.toml number (written as a string so that 0.005 stays exact) as a Decimal."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def severity(value: Any) -> Severity:
    if value not in SEVERITIES:
        raise ValueError(f"rules.toml: unknown severity {value!r}")
    return cast(Severity, value)


# ---- wording ------------------------------------------------------------------------------


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def wan(yuan: Decimal) -> Decimal:
    """元 → 万元 exactly (1 元 = 0.0001 万元), trailing zeros dropped beyond the cents."""
    value = yuan / WAN
    return value if value != round2(value) else round2(value)


def fmt_wan(value: Decimal) -> str:
    """万元 the way the form writes them: 12345.67 (no grouping, two decimals)."""
    return f"{round2(value):.2f}"


def fmt_yuan(value: Decimal) -> str:
    """元 the way statements print them: 110,201,500.00."""
    return f"{round2(value):,.2f}"


def fmt_pct(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def fmt_signed_pct(value: Decimal) -> str:
    """ "高 15.0%" / "低 3.2%": how the declared figure compares, in words."""
    return ("高 " if value > 0 else "低 ") + fmt_pct(abs(value))


# ---- comparison ---------------------------------------------------------------------------


def within(declared: Decimal, found: Decimal, rule: Mapping[str, Any]) -> bool:
    """Equal within the rule's absolute tolerance or its relative one (relative to `found`)."""
    gap = abs(declared - found)
    if gap <= dec(rule.get("abs_tolerance", 0)):
        return True
    rel = dec(rule.get("rel_tolerance", 0))
    return rel > 0 and found != 0 and gap / abs(found) <= rel


def relative_gap(declared: Decimal, found: Decimal) -> Decimal | None:
    return None if found == 0 else (declared - found) / abs(found)


def graded(gap: Decimal | None, rule: Mapping[str, Any]) -> Severity:
    """Severity by the size of a relative gap: rules' `error_at` and `warning_at`, else info.

    A gap that cannot be expressed relatively (the found value is 0) counts as large."""
    if gap is None or abs(gap) >= dec(rule["error_at"]):
        return "error"
    if abs(gap) >= dec(rule["warning_at"]):
        return "warning"
    return "info"


def unit_slip(declared: Decimal, found: Decimal, rule: Mapping[str, Any]) -> str | None:
    """ "元" when a 万元 figure was written in 元 (~10000×), "亿" for the reverse (~1/10000:
    亿元 written for 万元). Either side may carry the form's rounding to 2 decimals."""
    if declared == 0 or found == 0:
        return None
    factor = dec(rule["unit_factor"])
    tol = dec(rule["unit_factor_tolerance"])
    rounding = dec(rule["abs_tolerance"])
    for slip, expected in (("元", found * factor), ("亿", found / factor)):
        if abs(declared - expected) <= max(rounding, abs(expected) * tol):
            return slip
    return None


# ---- records ------------------------------------------------------------------------------


@dataclass
class Source:
    """One document with its typed record; `problem` says why the fields would not validate."""

    doc: Document
    record: Model
    problem: str | None = None


def where(doc: Document) -> str:
    """`审计报告2018.pdf 第3–4页`: what a reviewer opens to look for themselves."""
    pages = doc.pages
    if not pages:
        return doc.file
    span = f"{pages[0]}" if len(pages) == 1 else f"{pages[0]}–{pages[-1]}"
    return f"{doc.file} 第{span}页"


def month_end(month: str) -> str:
    """ "2018-02" → "2018-02-28"."""
    year, mon = int(month[:4]), int(month[5:7])
    return f"{month}-{calendar.monthrange(year, mon)[1]:02d}"


def first_page(doc: Document) -> int | None:
    return doc.pages[0] if doc.pages else None


def dig(fields: Mapping[str, Any], key: str) -> Any:
    """A dotted key of a document's fields ("years.2018.total_assets"), None when absent."""
    value: Any = fields
    for part in key.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


@dataclass
class Context:
    report: Report
    rules: Rules
    sources: list[Source] = field(default_factory=list)

    @classmethod
    def of(cls, report: Report, rules: Rules) -> Context:
        ctx = cls(report=report, rules=rules)
        for doc in report.documents:
            record_type = RECORD_TYPES[doc.type]
            try:
                record = record_type.model_validate(doc.fields)
                problem = None
            except ValidationError as exc:
                # Fields the extractor wrote but the record refuses: treated as unread.
                record = record_type()
                problem = f"字段格式不符：{exc.error_count()} 处"
            ctx.sources.append(Source(doc, record, problem))
        return ctx

    # -- the form ---------------------------------------------------------------------

    @property
    def declared(self) -> Declared | None:
        return self.report.declared

    @cached_property
    def form(self) -> Document | None:
        forms = [d for d in self.report.documents if d.type == "application_form"]
        return next((d for d in forms if d.fields), forms[0] if forms else None)

    def label(self, group: str, key: str) -> str:
        return str(self.rules["labels"][group].get(key, key))

    def doc_label(self, doc_type: str) -> str:
        return self.label("documents", doc_type)

    # -- typed records ------------------------------------------------------------------

    def records(self, kind: type[T]) -> list[tuple[Document, T]]:
        return [(s.doc, s.record) for s in self.sources if isinstance(s.record, kind)]

    @cached_property
    def licences(self) -> list[tuple[Document, BusinessLicence]]:
        return self.records(BusinessLicence)

    @cached_property
    def audits(self) -> list[tuple[Document, AuditReport]]:
        return self.records(AuditReport)

    @cached_property
    def tax_certificates(self) -> list[tuple[Document, TaxCertificate]]:
        return self.records(TaxCertificate)

    @cached_property
    def invoices(self) -> list[tuple[Document, Invoice]]:
        return self.records(Invoice)

    @cached_property
    def contracts(self) -> list[tuple[Document, Contract]]:
        return self.records(Contract)

    def problem_of(self, doc: Document) -> str | None:
        return next((s.problem for s in self.sources if s.doc is doc), None)

    @cached_property
    def years(self) -> list[str]:
        """The declared years, oldest first."""
        return sorted(self.declared.years) if self.declared else []

    # -- evidence -----------------------------------------------------------------------

    def ev(self, doc: Document, key: str, fallback: str) -> Evidence:
        """Where `key` was read in `doc`; else the document itself, with what was looked for."""
        found = doc.evidence.get(key)
        if found is not None:
            return found
        reason = doc.unread.get(key) or doc.unread.get("*")
        text = f"{fallback}：{reason}" if reason else fallback
        return Evidence(file=doc.file, page=first_page(doc), text=text)

    def form_ev(self, key: str, fallback: str) -> list[Evidence]:
        """The form's evidence for a declared value (empty only when there is no form at all)."""
        if self.form is None:
            return []
        return [self.ev(self.form, key, fallback)]

    def why_unread(self, doc: Document, key: str) -> str:
        reason = doc.unread.get(key) or doc.unread.get("*") or self.problem_of(doc) or "未能读取"
        return f"{where(doc)}：{reason}"

    # -- findings -----------------------------------------------------------------------

    def unverifiable(
        self,
        code: str,
        field_name: str,
        message: str,
        evidence: Iterable[Evidence],
        *,
        year: str | None = None,
        missing_document: bool = False,
        declared: FindingValue = None,
        sev: Severity | None = None,
    ) -> Finding:
        """ "无法核验": a value unread (warning) or a document absent (info), never a pass.

        `sev` overrides the default for values a rule deems less telling."""
        rule = self.rules["unverifiable"]
        default = rule["missing_document_severity"] if missing_document else rule["unread_severity"]
        return Finding(
            code=code,
            field=field_name,
            year=year,
            severity=sev or severity(default),
            declared=declared,
            found=None,
            message=f"无法核验：{message}",
            evidence=list(evidence),
        )


Check = Callable[[Context], list[Finding]]


def evidence_or_files(ctx: Context, evidence: list[Evidence], text: str) -> list[Evidence]:
    """Evidence for a finding about something absent: what was found instead (the files)."""
    if evidence:
        return evidence
    limit = int(ctx.rules["attachments"]["max_evidence"])
    out = [
        Evidence(
            file=d.file, page=first_page(d), text=f"{text}；此文件识别为{ctx.doc_label(d.type)}"
        )
        for d in ctx.report.documents[:limit]
    ]
    return out or [Evidence(file=ctx.report.application, text=f"{text}；申报材料中没有可读的文件")]
