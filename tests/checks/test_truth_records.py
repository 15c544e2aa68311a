"""The checks on the sample dossiers as truth.json records them (the forms read for real):
what the rules find when every extractor reads every field right. Fast: no OCR."""

from __future__ import annotations

import pytest

from pipeline.checks import run_checks
from pipeline.models import Document, Finding, Report
from tests.checks.truth import truth, truth_cross, truth_report

SEEDED = [
    (name, d["field"], d["year"], d["severity"])
    for name, app in sorted(truth().items())
    for d in app["discrepancies"]
]
CONSISTENT = sorted(name for name, app in truth().items() if app["consistent"])


def discrepancies(report: Report, field: str, year: str | None) -> list[Finding]:
    """Findings of a discrepancy on (field, year): "无法核验" ones say nothing was found."""
    return [
        f
        for f in report.findings
        if f.field == field and f.year == year and not f.message.startswith("无法核验")
    ]


def findings(name: str, forms: dict[str, Document]) -> list[Finding]:
    return run_checks(truth_report(name, forms)) + truth_cross().get(name, [])


def checked(name: str, forms: dict[str, Document]) -> Report:
    report = truth_report(name, forms)
    report.findings = run_checks(report) + truth_cross().get(name, [])
    return report


@pytest.mark.parametrize(("name", "field", "year", "severity"), SEEDED)
def test_seeded_discrepancy_is_found(
    sample_forms: dict[str, Document], name: str, field: str, year: str | None, severity: str
) -> None:
    found = discrepancies(checked(name, sample_forms), field, year)
    assert found, f"{name}: no {field}/{year} finding"
    assert severity in {f.severity for f in found}, [(f.severity, f.message) for f in found]


@pytest.mark.parametrize("name", CONSISTENT)
def test_consistent_application_has_no_error(sample_forms: dict[str, Document], name: str) -> None:
    errors = [f.message for f in findings(name, sample_forms) if f.severity == "error"]
    assert errors == []


@pytest.mark.parametrize("name", sorted(truth()))
def test_every_finding_has_evidence(sample_forms: dict[str, Document], name: str) -> None:
    for f in findings(name, sample_forms):
        assert f.evidence, f"{f.code}: a finding without evidence is a bug"
