"""docs/report.schema.json is what the models say, and money is written as numbers."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import jsonschema

from pipeline.models import Declared, Finding, Report, YearFigures
from pipeline.schema import render

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_is_current() -> None:
    committed = (ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8")
    assert committed == render(), "run: python -m pipeline.schema > docs/report.schema.json"


def test_money_is_decimal_inside_and_a_number_outside() -> None:
    report = Report(
        application="001_测试",
        declared=Declared(years={"2018": YearFigures(total_assets=Decimal("12345.67"))}),
        findings=[
            Finding(
                code="X",
                field="total_assets",
                year="2018",
                severity="error",
                declared=Decimal("12345.67"),
                found=Decimal("11020.15"),
                message="…",
            )
        ],
    )
    assert isinstance(report.declared.years["2018"].total_assets, Decimal)  # type: ignore[union-attr]
    data = json.loads(report.model_dump_json())
    assert data["declared"]["years"]["2018"]["total_assets"] == 12345.67
    assert data["findings"][0]["found"] == 11020.15
    jsonschema.validate(data, json.loads(render()))
