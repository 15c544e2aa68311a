"""The sample batch through the real library (OCR included) against samples/truth.json:
every seeded discrepancy is found with its field and year, consistent applications get no
error, and every finding carries evidence. Slow the first time (the OCR of ~70 pages)."""

from __future__ import annotations

import pytest

from pipeline.models import Finding, Report
from tests.checks.truth import truth

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


@pytest.mark.parametrize(("name", "field", "year", "severity"), SEEDED)
def test_seeded_discrepancy_is_found(
    sample_reports: dict[str, Report], name: str, field: str, year: str | None, severity: str
) -> None:
    report = sample_reports[name]
    found = discrepancies(report, field, year)
    assert found, f"{name}: no {field}/{year} finding among " + "; ".join(
        f"{f.severity} {f.field} {f.message}" for f in report.findings
    )


@pytest.mark.parametrize(("name", "field", "year", "severity"), SEEDED)
def test_seeded_discrepancy_has_the_expected_severity(
    sample_reports: dict[str, Report], name: str, field: str, year: str | None, severity: str
) -> None:
    found = discrepancies(sample_reports[name], field, year)
    assert severity in {f.severity for f in found}, [(f.severity, f.message) for f in found]


@pytest.mark.parametrize("name", CONSISTENT)
def test_consistent_application_has_no_error(sample_reports: dict[str, Report], name: str) -> None:
    errors = [f.message for f in sample_reports[name].findings if f.severity == "error"]
    assert errors == []


def test_every_finding_has_evidence(sample_reports: dict[str, Report]) -> None:
    assert len(sample_reports) == len(truth())
    for name, report in sample_reports.items():
        for f in report.findings:
            assert f.evidence, f"{name} {f.code}: a finding without evidence is a bug"
            assert all(e.file and e.text for e in f.evidence), f"{name} {f.code}"
