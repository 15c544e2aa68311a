"""The application form extractor on real .docx files built with python-docx."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from extractors import application_form
from extractors.common.credit_code import check_digit
from pipeline.formats import detect_format
from pipeline.models import Declared, InputFile
from pipeline.pages import read_pages
from tests.unit.docx_builder import build_form

CODE17 = "91430100MA4L0ABC1"
CODE = CODE17 + check_digit(CODE17)


def _extract(path: Path) -> tuple[Declared, dict[str, object], dict[str, str]]:
    f = InputFile(
        file=path.name,
        path=str(path),
        sha256="0" * 64,
        size=path.stat().st_size,
        format=detect_format(path),
    )
    result = application_form.extract(f.file, list(read_pages(f, None)))
    assert isinstance(result.record, Declared)
    return result.record, dict(result.evidence), result.unread


@pytest.mark.parametrize("box_style", ["char", "sym", "formfield", "sdt"])
def test_every_checkbox_encoding_is_read(tmp_path: Path, box_style: str) -> None:
    path = build_form(tmp_path / "form.docx", box_style=box_style, credit_code=CODE)
    declared, _, _ = _extract(path)
    assert declared.industry == ["工程机械", "电子信息"]
    assert declared.elements == ["1.2", "3.1"]


def test_identity_years_project_and_costs(tmp_path: Path) -> None:
    path = build_form(tmp_path / "form.docx", credit_code=CODE)
    declared, evidence, unread = _extract(path)
    assert declared.company_name == "湖南星辰智能装备有限公司"
    assert declared.credit_code == CODE
    assert declared.established == "2012-03-01"  # month only → day 1
    assert (declared.city, declared.county) == ("长沙市", "岳麓区")
    assert declared.address == "长沙市岳麓区麓谷大道 100 号"
    y2018 = declared.years["2018"]
    assert y2018.total_assets == Decimal("12345.67")
    assert y2018.debt_ratio == Decimal("44.10")
    assert y2018.employees == 320
    assert declared.years["2017"].revenue == Decimal("8001.00")  # thousands separator
    assert declared.project.name == "星辰装备工业互联网平台建设项目"
    assert (declared.project.start, declared.project.end) == ("2017-06", "2018-12")
    assert declared.project.total_cost == Decimal("560.00")
    costs = declared.project.costs
    assert costs.development == Decimal("200.00")
    assert costs.implementation == Decimal("20.00")
    assert costs.public_cloud == Decimal("50.00")
    assert declared.description_chars == len("本项目依托工业互联网平台，实现设备上云。")
    assert "years.2018.total_assets" in evidence
    assert unread == {}


@pytest.mark.parametrize("labels", [("2017 年", "2018 年"), ("2017年", "2018年")])
def test_year_header_variants(tmp_path: Path, labels: tuple[str, str]) -> None:
    path = build_form(tmp_path / "form.docx", year_labels=labels, credit_code=CODE)
    declared, _, _ = _extract(path)
    assert sorted(declared.years) == ["2017", "2018"]
    assert declared.years["2017"].tax == Decimal("400.00")


def test_nothing_ticked_is_an_empty_list_not_unread(tmp_path: Path) -> None:
    path = build_form(tmp_path / "form.docx", elements=(), credit_code=CODE)
    declared, evidence, unread = _extract(path)
    assert declared.elements == []
    assert "elements" in evidence and "elements" not in unread


def test_long_description_is_counted(tmp_path: Path) -> None:
    text = "平台" * 600
    path = build_form(tmp_path / "form.docx", description=text, credit_code=CODE)
    declared, _, _ = _extract(path)
    assert declared.description_chars == 1200


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("167876.29万元", "万元", Decimal("167876.29")),
        ("167,876.29", "万元", Decimal("167876.29")),
        ("2,000,000元", "万元", Decimal("200")),  # 元 in a 万元 column: converted, not dropped
        ("约120人", "人", Decimal("120")),
        ("45.20%", "%", Decimal("45.20")),
        ("45.20％", "%", Decimal("45.20")),
        ("5000美元", "万元", None),
        ("120元", "人", None),  # a money unit in the head-count column is no head count
        ("见附件", "万元", None),
    ],
)
def test_hand_written_figures_keep_their_units(text: str, unit: str, value: Decimal | None) -> None:
    assert application_form._figure(text, unit) == value


@pytest.mark.parametrize(
    ("cell", "group", "field"),
    [
        ("项目实施周期", "project", "period"),
        ("近两年“上云上平台”项目总投入（万元）", "project", "total_cost"),
        ("其他费用（实施、设备接入、数字化/网络改造、非云化软件等）", "costs", "implementation"),
        ("实施、设备接入、数字化网络改造及必要的非云化软件费用", "costs", "implementation"),
        ("资产总额", "years", "total_assets"),
        ("从业人数", "years", "employees"),
    ],
)
def test_labels_worded_by_another_hand(cell: str, group: str, field: str) -> None:
    assert application_form.match_label(cell, group) == field


def test_identity_labels_inside_longer_cells_are_not_labels() -> None:
    # "市州工信部门意见" starts with 市州 (an old rule keeps that) but 企业地址 inside a
    # sentence must not become the address label.
    assert application_form.match_label("请填写企业地址和邮编", "identity") is None


def test_a_cost_written_as_a_dash_is_read_as_nothing_not_unread(tmp_path: Path) -> None:
    path = build_form(tmp_path / "form.docx", credit_code=CODE, network_cost="—")
    declared, evidence, unread = _extract(path)
    assert declared.project.costs.network is None
    assert "project.costs.network" not in unread
    assert "project.costs.network" in evidence
