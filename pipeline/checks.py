"""Cross-checks over the records of one application. Tolerances and severities: rules.toml.

Checks read records, never raw text. Each returns findings with the evidence they rest on.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.models import Evidence, Finding, Report

RULES_PATH = Path(__file__).with_name("rules.toml")


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_PATH) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _form_evidence(report: Report, *keys: str) -> list[Evidence]:
    form = next((d for d in report.documents if d.type == "application_form"), None)
    if form is None:
        return []
    return [form.evidence[k] for k in keys if k in form.evidence]


def check_attachments(report: Report, rules: dict[str, Any]) -> list[Finding]:
    rule = rules["attachments"]
    present = {d.type for d in report.documents}
    unreadable = [f.file for f in report.files if f.status in ("unreadable", "rejected")]
    out = []
    for item in rule["required"]:
        if item["type"] in present:
            continue
        hint = f"（另有无法读取的文件：{'、'.join(unreadable)}）" if unreadable else ""
        out.append(
            Finding(
                code="ATTACHMENT_MISSING",
                field="attachments",
                severity=rule["severity"],
                declared=item["label"],
                found=None,
                message=f"材料中未找到{item['label']}{hint}",
                evidence=[
                    Evidence(file=f.file, text=f"{f.status}: {f.reason}")
                    for f in report.files
                    if f.file in unreadable
                ],
            )
        )
    return out


def check_elements(report: Report, rules: dict[str, Any]) -> list[Finding]:
    form = next((d for d in report.documents if d.type == "application_form"), None)
    if report.declared is None or form is None or "elements" not in form.evidence:
        return []
    if report.declared.elements:
        return []
    return [
        Finding(
            code="ELEMENTS_NONE",
            field="elements",
            severity=rules["elements"]["severity"],
            declared=[],
            message="申报书未勾选任何项目类型（要素条件）",
            evidence=_form_evidence(report, "elements"),
        )
    ]


def check_description_length(report: Report, rules: dict[str, Any]) -> list[Finding]:
    rule = rules["description_length"]
    chars = report.declared.description_chars if report.declared else None
    if chars is None or chars <= rule["max_chars"]:
        return []
    return [
        Finding(
            code="DESCRIPTION_TOO_LONG",
            field="description_length",
            severity=rule["severity"],
            declared=chars,
            found=rule["max_chars"],
            message=f"项目总体描述 {chars} 字，超过 {rule['max_chars']} 字的限制",
            evidence=_form_evidence(report, "description_chars"),
        )
    ]


def check_project_costs_sum(report: Report, rules: dict[str, Any]) -> list[Finding]:
    rule = rules["project_costs_sum"]
    if report.declared is None:
        return []
    project = report.declared.project
    items = [v for v in project.costs.model_dump().values() if v is not None]
    if project.total_cost is None or not items:
        return []
    total = sum(items, Decimal(0))
    gap = total - project.total_cost
    if abs(gap) <= Decimal(rule["abs_tolerance"]):
        return []
    keys = ["project.total_cost"] + [f"project.costs.{k}" for k in type(project.costs).model_fields]
    return [
        Finding(
            code="COSTS_SUM_MISMATCH",
            field="project_costs_sum",
            severity=rule["severity"],
            declared=project.total_cost,
            found=total,
            message=(
                f"申报项目总费用 {project.total_cost} 万元，八项费用合计 {total} 万元，"
                f"相差 {gap:+} 万元"
            ),
            evidence=_form_evidence(report, *keys),
        )
    ]


CHECKS: list[Callable[[Report, dict[str, Any]], list[Finding]]] = [
    check_attachments,
    check_elements,
    check_description_length,
    check_project_costs_sum,
]

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def run_checks(report: Report, rules: dict[str, Any] | None = None) -> list[Finding]:
    rules = rules or load_rules()
    findings = [f for check in CHECKS for f in check(report, rules)]
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])
