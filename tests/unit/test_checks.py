"""Checks that need only the declared block and the list of documents."""

from __future__ import annotations

from decimal import Decimal

from pipeline.checks import run_checks
from pipeline.models import Declared, Document, Evidence, Project, ProjectCosts, Report

REQUIRED = [
    "application_form",
    "business_licence",
    "audit_report",
    "tax_certificate",
    "contract",
    "invoice",
]


def report(declared: Declared, types: list[str] = REQUIRED) -> Report:
    form_evidence = {
        "elements": Evidence(file="申报书.docx", page=1, text="项目类型"),
        "description_chars": Evidence(file="申报书.docx", page=1, text="项目总体描述"),
        "project.total_cost": Evidence(file="申报书.docx", page=1, text="总费用 560"),
    }
    docs = [
        Document(
            file=f"{t}.pdf",
            pages=[1],
            type=t,
            confidence=0.9,  # type: ignore[arg-type]
            evidence=form_evidence if t == "application_form" else {},
        )
        for t in types
    ]
    return Report(application="001", declared=declared, documents=docs)


def costs(**kw: str) -> ProjectCosts:
    return ProjectCosts(**{k: Decimal(v) for k, v in kw.items()})


def fields(r: Report) -> list[str]:
    return [f.field for f in run_checks(r)]


def test_consistent_declaration_has_no_finding() -> None:
    d = Declared(
        elements=["1.2"],
        description_chars=800,
        project=Project(
            total_cost=Decimal("560.00"), costs=costs(development="500.00", network="60.00")
        ),
    )
    assert run_checks(report(d)) == []


def test_missing_attachment_names_the_document() -> None:
    d = Declared(elements=["1.2"])
    findings = run_checks(report(d, [t for t in REQUIRED if t != "tax_certificate"]))
    assert [(f.field, f.severity) for f in findings] == [("attachments", "error")]
    assert "纳税证明" in findings[0].message


def test_costs_not_summing_to_total() -> None:
    d = Declared(
        elements=["1.2"],
        project=Project(
            total_cost=Decimal("560.00"), costs=costs(development="500.00", network="50.00")
        ),
    )
    [finding] = run_checks(report(d))
    assert finding.field == "project_costs_sum"
    assert finding.found == Decimal("550.00")
    assert finding.evidence, "a finding without evidence is a bug"


def test_rounding_within_tolerance_is_not_a_finding() -> None:
    d = Declared(
        elements=["1.2"],
        project=Project(
            total_cost=Decimal("560.00"), costs=costs(development="500.005", network="59.999")
        ),
    )
    assert "project_costs_sum" not in fields(report(d))


def test_no_elements_and_long_description() -> None:
    d = Declared(elements=[], description_chars=1001)
    assert sorted(fields(report(d))) == ["description_length", "elements"]


def test_errors_come_first() -> None:
    d = Declared(elements=[], description_chars=1500)
    severities = [f.severity for f in run_checks(report(d))]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
