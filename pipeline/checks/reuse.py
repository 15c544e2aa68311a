"""The same invoice or contract in more than one application (fields `invoice_reuse`,
`contract_reuse`): across the applications of a batch, and against earlier runs held in the
database. Runs once every application's documents are extracted; knows records only (the
flow hands it the batch's and the database's Submissions).

Identity: an invoice by code + number, or a 数电票's 20-digit number alone (its QR's values
too); a contract by number and parties, or by amount, parties and sign date. The same
applicant's other application, the paper dated in a year both declare, is the paper counted
in both declared years (a warning); any other reuse is an error. The other application is
named inside 【】, so that a view for city users can show only "另一申报".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from extractors.common.normalize import normalize_name as normalize_key
from pipeline.checks.base import Rules, load_rules, severity, where
from pipeline.models import (
    Contract,
    Document,
    Evidence,
    Finding,
    Invoice,
    Submission,
)

OTHER_OPEN, OTHER_CLOSE = "【", "】"
_OTHER = re.compile(f"{OTHER_OPEN}[^{OTHER_CLOSE}]*{OTHER_CLOSE}")


def hide_other_applications(text: str) -> str:
    """The text as city users see it: the other application's name and run left out, only
    "另一申报" stays (province users see it whole)."""
    return _OTHER.sub("", text)


def _digits(value: str | None) -> str:
    return "".join(ch for ch in value or "" if ch.isdigit())


def invoice_keys(inv: Invoice) -> set[str]:
    pairs = [(inv.invoice_code, inv.invoice_number)]
    if inv.qr is not None:
        pairs.append((inv.qr.invoice_code, inv.qr.invoice_number))
    keys = set()
    for code, number in pairs:
        n = _digits(number)
        if len(n) == 20:
            keys.add(f"n:{n}")
        elif n and _digits(code):
            keys.add(f"c:{_digits(code)}-{n}")
    return keys


def contract_keys(c: Contract) -> set[str]:
    parties = sorted(normalize_key(p) for p in (c.party_a, c.party_b) if p)
    if len(parties) < 2:
        return set()
    who = "|".join(parties)
    keys = set()
    if c.contract_number:
        keys.add(f"n:{normalize_key(c.contract_number)}|{who}")
    if c.amount is not None and c.sign_date:
        keys.add(f"a:{c.amount:.2f}|{who}|{c.sign_date}")
    return keys


@dataclass(frozen=True)
class Paper:
    sub: Submission
    doc: Document
    keys: frozenset[str]
    year: str | None
    label: str  # 发票 043001800111-12345678 / 合同 HT-2018-01


def _papers(sub: Submission, kind: str) -> Iterable[Paper]:
    for doc in sub.documents:
        if doc.type != kind or not doc.fields:
            continue
        try:
            if kind == "invoice":
                inv = Invoice.model_validate(doc.fields)
                keys, date = invoice_keys(inv), inv.issue_date or (inv.qr and inv.qr.issue_date)
                ident = (
                    f"{inv.invoice_code}-{inv.invoice_number}"
                    if inv.invoice_code
                    else inv.invoice_number
                )
                label = f"发票 {ident}"
            else:
                c = Contract.model_validate(doc.fields)
                keys, date = contract_keys(c), c.sign_date
                label = f"合同 {c.contract_number or (c.party_b or '')}"
        except ValueError:  # fields the record refuses: not comparable
            continue
        if keys:
            yield Paper(sub, doc, frozenset(keys), date[:4] if date else None, label)


def _applicant(sub: Submission) -> str | None:
    d = sub.declared
    if d is None:
        return None
    return (d.credit_code or "").upper() or (
        normalize_key(d.company_name) if d.company_name else None
    )


def _both_years(a: Paper, b: Paper) -> bool:
    who = _applicant(a.sub)
    if who is None or who != _applicant(b.sub) or a.year is None:
        return False
    years_a = set(a.sub.declared.years) if a.sub.declared else set()
    years_b = set(b.sub.declared.years) if b.sub.declared else set()
    return a.year in years_a and a.year in years_b


def _other_name(sub: Submission) -> str:
    if sub.run_id is None:
        return f"{OTHER_OPEN}{sub.application}（本批次）{OTHER_CLOSE}"
    return f"{OTHER_OPEN}{sub.application}（批次 {sub.batch}，第 {sub.run_id} 次运行）{OTHER_CLOSE}"


def _ev(paper: Paper, key: str, text: str) -> Evidence:
    found = paper.doc.evidence.get(key)
    if found is not None:
        return found
    return Evidence(
        file=paper.doc.file, page=paper.doc.pages[0] if paper.doc.pages else None, text=text
    )


def _finding(field: str, mine: Paper, other: Paper, rules: Rules) -> Finding:
    rule = rules[field]
    both = _both_years(mine, other)
    sev = severity(rule["both_years_severity"] if both else rule["severity"])
    key = "invoice_number" if field == "invoice_reuse" else "contract_number"
    what = "同时计入两次申报的申报年度" if both else "重复提交"
    name = _other_name(other.sub)
    return Finding(
        code="INVOICE_REUSED" if field == "invoice_reuse" else "CONTRACT_REUSED",
        field=field,
        year=mine.year if both else None,
        severity=sev,
        found=other.label,
        message=f"{where(mine.doc)}：{mine.label} 也出现在另一申报{name}中（{what}），请核实是否重复申报",
        evidence=[
            _ev(mine, key, mine.label),
            Evidence(
                file=f"{name}{other.doc.file}",
                page=other.doc.pages[0] if other.doc.pages else None,
                text=f"另一申报{name}：{_ev(other, key, other.label).text}",
            ),
        ],
    )


def reuse_findings(
    current: list[Submission], earlier: Iterable[Submission] = (), rules: Rules | None = None
) -> dict[str, list[Finding]]:
    """Findings by application name of `current`: each paper of theirs found in another
    application of `current` or in `earlier` (one finding per other application)."""
    rules = rules or load_rules()
    out: dict[str, list[Finding]] = defaultdict(list)
    for kind, field in (("invoice", "invoice_reuse"), ("contract", "contract_reuse")):
        index: dict[str, list[Paper]] = defaultdict(list)
        mine = [p for sub in current for p in _papers(sub, kind)]
        for p in mine + [p for sub in earlier for p in _papers(sub, kind)]:
            for key in p.keys:
                index[key].append(p)
        for paper in mine:
            seen: set[tuple[str, int | None]] = set()
            for key in sorted(paper.keys):
                for other in index[key]:
                    ident = (other.sub.application, other.sub.run_id)
                    if other.sub is paper.sub or ident in seen:
                        continue
                    seen.add(ident)
                    out[paper.sub.application].append(_finding(field, paper, other, rules))
    return dict(out)
