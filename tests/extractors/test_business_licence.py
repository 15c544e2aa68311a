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


def test_spaced_labels_read_as_vertical_runs(drawn: Path, read_file: ReadFile) -> None:
    """名 称 / 类 型 / 住 所 letter-spaced over tight rows: the OCR joins the first characters
    into one tall box (名类住) and glues the second ones to the values (称湖南…). Every field
    is still read, the wrapped address tail is not taken for the legal representative, the
    watermark is not glued to the type, and the 重要提示 notes give no capital."""
    doc = render.spaced_licence(drawn / "spaced.jpg")
    f, pages = read_file(doc.path, None)
    # The case the test is about did happen: a box of stacked label characters.
    stacked = [
        ln for ln in pages[0].lines if len(ln.text) >= 2 and set(ln.text) <= set("名称类型住所")
    ]
    assert stacked, [ln.text for ln in pages[0].lines]
    result = assert_extracts(business_licence.extract, f, pages, doc.fields)
    assert result.unread == {}


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


def test_label_run_boxes_and_a_notice_column() -> None:
    """A pre-2015 licence as OCR returns it: the label columns as tall boxes (名住 … 称所), the
    values a little lower than their labels, and the 须知 notes level with the fields."""
    lines = [
        Line(text="注册号", bbox=(300, 60, 420, 100)),
        Line(text=render.registration_number("43130000002647"), bbox=(440, 60, 740, 100)),
        Line(text="名住", bbox=(100, 120, 140, 240)),
        Line(text="称所", bbox=(300, 120, 340, 240)),
        Line(text="娄底龙山竹业有限公司", bbox=(360, 130, 760, 170)),
        Line(text="娄星区金谷市场55栋", bbox=(360, 190, 720, 230)),
        Line(text="法定代表人姓名", bbox=(100, 250, 380, 290)),
        Line(text="王立志", bbox=(400, 255, 520, 295)),
        Line(text="须知", bbox=(1300, 60, 1380, 100)),
        Line(
            text="1.《企业法人营业执照》是企业法人资格和合法经营的凭证。",
            bbox=(1000, 120, 1900, 160),
        ),
        Line(
            text="2.《企业法人营业执照》正本应当置于住所的醒目位置。", bbox=(1000, 185, 1900, 225)
        ),
        Line(
            text="3.《企业法人营业执照》遗失或者毁坏的，应当在公司登记机关指定的报",
            bbox=(1000, 250, 1900, 290),
        ),
        Line(text="刊上声明作废，申请补领。", bbox=(1030, 300, 1400, 340)),
    ]
    page = Page(
        file="hand.jpg", number=1, source="ocr", width=2000, height=1400, unit="px", lines=lines
    )
    fields = business_licence.extract(HAND, [page]).record.model_dump()
    assert fields["company_name"] == "娄底龙山竹业有限公司"
    assert fields["address"] == "娄星区金谷市场55栋"
    assert fields["legal_representative"] == "王立志"
    assert fields["registration_number"] == render.registration_number("43130000002647")


def test_labels_lost_fields_found_by_shape_and_text_of_no_shape_stays_null() -> None:
    """No label survived OCR: the company name, the registered type and the address are
    found by their shapes; a masked name (only its suffix left) and a garbled capital are
    not guessed."""
    page = page_of(
        (300, "营业执照"),
        (500, "称湖南星辰智能装备有限公司"),
        (500, "有限责任公司(自然人投资或控股)星辰智能装备有限公司"),
        (500, "长沙市岳麓区麓谷大道627号"),
        (500, "欧阳明"),  # 法定代表人 lost: a name alone in the value column
        [(100, "成立日期"), (500, "2018年11月06日")],
        [(100, "营业期限"), (500, "长期")],
    )
    fields = business_licence.extract(HAND, [page]).record.model_dump()
    assert fields["company_name"] == "湖南星辰智能装备有限公司"
    assert fields["company_type"] == "有限责任公司（自然人投资或控股）"
    assert fields["address"] == "长沙市岳麓区麓谷大道627号"
    assert fields["legal_representative"] == "欧阳明"
    assert fields["established"] == "2018-11-06"

    masked = page_of(
        [(100, "名称"), (500, "股份有限公司")],
        [(100, "注册资本"), (500, "壹仟伍元")],
        [(100, "法定代表人"), (500, "C503")],
    )
    fields = business_licence.extract(HAND, [masked]).record.model_dump()
    assert fields["company_name"] is None
    assert fields["registered_capital"] is None
    assert fields["legal_representative"] is None


def test_numbered_business_scope_is_not_a_notice_block() -> None:
    page = page_of(
        [(100, "名称"), (500, "湖南星辰智能装备有限公司")],
        [(100, "经营范围"), (500, "1.工业机器人制造；")],
        (500, "2.智能装备研发。"),
    )
    fields = business_licence.extract(HAND, [page]).record.model_dump()
    assert fields["business_scope"] == "1.工业机器人制造；2.智能装备研发。"


def test_an_establishment_date_printed_off_its_row_is_not_the_issue_date() -> None:
    """A misaligned print puts 2004年2月23日 above its 成立日期 label; with no other date left
    it must not become the issue date (printed below the fields, here unread)."""
    page = page_of(
        [(100, "名称"), (500, "湖南星辰智能装备有限公司")],
        (500, "2004年2月23日"),
        [(100, "类型"), (500, "有限责任公司")],
        [(100, "成立日期"), (500, "月")],
        [(100, "营业期限"), (500, "2004年02月23日至2014年02月09日")],
    ).model_copy(update={"height": 300.0})  # the date stands in the page's lower half
    fields = business_licence.extract(HAND, [page]).record.model_dump()
    assert fields["issue_date"] is None
