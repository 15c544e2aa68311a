"""The business licence extractor: the sample batch's licences and licences drawn here, all read
through the real page reader and OCR; hand-built pages for the parsing corner cases."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from extractors import business_licence
from extractors.business_licence import straighten
from extractors.common.credit_code import check_digit
from pipeline.models import Line, Page
from tests.extractors import render
from tests.extractors.conftest import (
    ReadFile,
    SampleDoc,
    assert_extracts,
    page_of,
    sample_docs,
)

SAMPLES = sample_docs("business_licence")
CODE = "91430104MA4L0QBC2" + check_digit("91430104MA4L0QBC2")
HAND = "hand.jpg"


@pytest.mark.parametrize("doc", SAMPLES, ids=[d.id for d in SAMPLES])
def test_sample_licences(doc: SampleDoc, read_file: ReadFile) -> None:
    f, pages = read_file(doc.path, doc.pages)
    assert_extracts(business_licence.extract, f, pages, doc.fields)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("licences")


def test_landscape_licence_two_pairs_a_row(drawn: Path, read_file: ReadFile) -> None:
    doc = render.landscape_licence(drawn / "landscape.jpg")
    f, pages = read_file(doc.path, None)
    result = assert_extracts(business_licence.extract, f, pages, doc.fields)
    # 经营范围 wrapped over four lines of the left column, none of the right column's text.
    assert "营业期限" not in result.evidence["business_scope"].text
    assert result.unread == {}


def test_pre_2015_licence_with_chinese_numeral_dates(drawn: Path, read_file: ReadFile) -> None:
    doc = render.old_licence(drawn / "old.jpg")
    f, pages = read_file(doc.path, None)
    result = assert_extracts(business_licence.extract, f, pages, doc.fields)
    # No credit code exists on such a licence: it is null, and not reported as unreadable.
    assert "credit_code" not in result.unread


# ---- hand-built pages -------------------------------------------------------------------


def test_label_and_value_in_one_line_and_two_pairs_on_a_row() -> None:
    page = page_of(
        (100, "营业执照"),
        (100, f"统一社会信用代码{CODE}"),
        (100, "名称湖南星辰智能装备有限公司"),
        [(100, "注册资本 人民币5000万元"), (1200, "成立日期 2012年3月15日")],
        (100, "住所：长沙市岳麓区麓谷大道627号"),
        (100, "经营范围：工业机器人制造；智能装备研发。"),
    )
    record = business_licence.extract(HAND, [page]).record
    assert record.model_dump(exclude_none=True) == {
        "company_name": "湖南星辰智能装备有限公司",
        "credit_code": CODE,
        "registered_capital": Decimal("50000000"),
        "established": "2012-03-15",
        "address": "长沙市岳麓区麓谷大道627号",
        "business_scope": "工业机器人制造；智能装备研发。",
    }


def test_ocr_letter_for_digit_in_credit_code_is_repaired_by_check_digit() -> None:
    misread = CODE.replace("0", "O")
    assert misread != CODE
    page = page_of((100, "统一社会信用代码"), (100, misread), (100, "名称 某某有限公司"))
    result = business_licence.extract(HAND, [page])
    assert result.record.model_dump()["credit_code"] == CODE
    assert misread in result.evidence["credit_code"].text


def test_unrepairable_code_is_reported_as_read_for_the_checks() -> None:
    wrong = CODE[:-1] + ("1" if CODE[-1] != "1" else "2")
    page = page_of((100, f"统一社会信用代码 {wrong}"))
    assert business_licence.extract(HAND, [page]).record.model_dump()["credit_code"] == wrong


def test_scope_stops_at_the_next_label_and_repeated_labels_are_text() -> None:
    page = page_of(
        [(100, "类型"), (500, "有限责任公司")],
        [(100, "住所"), (500, "长沙市岳麓区麓谷大道627号")],
        [(100, "经营范围"), (500, "各类型精密模具的设计、制造；")],
        (500, "自有住所租赁服务。"),
        [(100, "登记机关"), (500, "长沙市市场监督管理局")],
        (700, "二〇一九年五月六日"),
    )
    result = business_licence.extract(HAND, [page])
    fields = result.record.model_dump()
    # 类型 and 住所 were labelled above: inside 经营范围 they are text.
    assert fields["business_scope"] == "各类型精密模具的设计、制造；自有住所租赁服务。"
    assert fields["address"] == "长沙市岳麓区麓谷大道627号"
    assert fields["issue_date"] == "2019-05-06"
    assert fields["company_name"] is None
    assert {"company_name", "legal_representative", "credit_code"} <= set(result.unread)


def test_legal_representative_variants_and_unreadable_capital() -> None:
    page = page_of(
        [(100, "经营者"), (500, "张三")],
        [(100, "注册资本"), (500, "壹仟伍元")],  # 1005 or 1500? never a guess
        [(100, "组成形式"), (500, "个人经营")],
    )
    result = business_licence.extract(HAND, [page])
    fields = result.record.model_dump()
    assert fields["legal_representative"] == "张三"
    assert fields["company_type"] == "个人经营"
    assert "registered_capital" in result.unread


def test_skewed_scan_keeps_rows_and_evidence_boxes() -> None:
    """A scan turned by 1.5°: rows are found on level boxes, evidence stays on the scan."""
    slope = 0.026
    lines = []
    for i, (x, text) in enumerate(
        [
            (100, "名称"),
            (600, "湖南星辰智能装备有限公司"),
            (100, "类型"),
            (600, "股份有限公司"),
            (100, "法定代表人"),
            (600, "张三丰"),
        ]
    ):
        y = 100 + 45 * (i // 2)
        width = 40 * len(text)
        quad: list[tuple[float, float]] = [
            (x, y + slope * x),
            (x + width, y + slope * (x + width)),
            (x + width, y + 40 + slope * (x + width)),
            (x, y + 40 + slope * x),
        ]
        bbox = (x, min(q[1] for q in quad), x + width, max(q[1] for q in quad))
        lines.append(Line(text=text, bbox=bbox, confidence=0.9, quad=quad))
    page = Page(
        file="s.jpg", number=1, source="ocr", width=2000, height=2800, unit="px", lines=lines
    )
    level = straighten(page)
    assert max(ln.bbox[3] - ln.bbox[1] for ln in level.lines) < 45
    result = business_licence.extract(HAND, [page])
    assert result.record.model_dump()["company_name"] == "湖南星辰智能装备有限公司"
    assert result.record.model_dump()["company_type"] == "股份有限公司"
    assert result.record.model_dump()["legal_representative"] == "张三丰"
    evidence = result.evidence["company_name"]
    assert evidence.bbox == (100, lines[0].bbox[1], 600 + 40 * 12, lines[1].bbox[3])
