"""The tax certificate extractor: the sample batch's certificates and certificates drawn here,
read through the real page reader and OCR; hand-built pages for the parsing corner cases."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from extractors import tax_certificate
from extractors.common.credit_code import check_digit
from extractors.tax_certificate import choose_total
from tests.extractors import render
from tests.extractors.conftest import (
    ReadFile,
    SampleDoc,
    assert_extracts,
    page_of,
    sample_docs,
)

SAMPLES = sample_docs("tax_certificate")
CODE = "91430104MA4L0QBC2" + check_digit("91430104MA4L0QBC2")
HAND = "hand.jpg"
HEADER = ["原凭证号", "税种", "品目名称", "税款所属时期", "入（退）库日期", "实缴（退）金额"]
COLUMNS = [100, 520, 760, 1150, 1700, 2050]  # header texts centred over their columns


@pytest.mark.parametrize("doc", SAMPLES, ids=[d.id for d in SAMPLES])
def test_sample_certificates(doc: SampleDoc, read_file: ReadFile) -> None:
    f, pages = read_file(doc.path, doc.pages)
    assert_extracts(tax_certificate.extract, f, pages, doc.fields)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("certificates")


def test_letter_style_certificate(drawn: Path, read_file: ReadFile) -> None:
    doc = render.letter_certificate(drawn / "letter.jpg")
    f, pages = read_file(doc.path, None)
    result = assert_extracts(tax_certificate.extract, f, pages, doc.fields)
    assert result.unread == {}


def test_table_with_wrapped_period_cells(drawn: Path, read_file: ReadFile) -> None:
    doc = render.table_certificate(drawn / "table.jpg")
    f, pages = read_file(doc.path, None)
    assert_extracts(tax_certificate.extract, f, pages, doc.fields)


# ---- hand-built pages -------------------------------------------------------------------


def test_columns_come_from_the_header_not_from_the_order_of_lines() -> None:
    # Cells listed right to left, the item name merged with the tax type by OCR, and one
    # row without a 品目名称: columns are found by position, so nothing shifts.
    page = page_of(
        [(100, f"纳税人识别号 {CODE}"), (1300, "纳税人名称 湖南星辰智能装备有限公司")],
        list(zip(COLUMNS, HEADER, strict=True)),
        [
            (2050, "123,456.78"),
            (1700, "2018-04-12"),
            (1150, "2018-01-01至2018-03-31"),
            (500, "增值税 制造业"),  # 税种 and 品目名称 merged into one OCR line
            (100, "343016180100012345"),
        ],
        [
            (2050, "2,000.00"),
            (1700, "2019-01-15"),
            (1150, "2018-01-01至2018-12-31"),
            (520, "印花税"),
        ],
        [
            (100, "金额合计"),
            (500, "（大写）壹拾贰万伍仟肆佰伍拾陆元柒角捌分"),
            (2050, "¥125,456.78"),
        ],
    )
    result = tax_certificate.extract(HAND, [page])
    fields = result.record.model_dump()
    assert [(i["tax_type"], i["paid_date"], i["amount"]) for i in fields["items"]] == [
        ("增值税", "2018-04-12", Decimal("123456.78")),
        ("印花税", "2019-01-15", Decimal("2000.00")),
    ]
    assert (fields["period_start"], fields["period_end"]) == ("2018-01-01", "2018-12-31")
    assert fields["total_amount"] == Decimal("125456.78")
    assert fields["total_in_words"] == "壹拾贰万伍仟肆佰伍拾陆元柒角捌分"
    assert fields["credit_code"] == CODE
    assert fields["taxpayer_name"] == "湖南星辰智能装备有限公司"
    assert {"certificate_number", "issue_date"} <= set(result.unread)


def test_words_and_figures_that_disagree_are_both_reported_as_read() -> None:
    page = page_of(
        list(zip(COLUMNS, HEADER, strict=True)),
        [(500, "增值税"), (1150, "2018-01-01至2018-12-31"), (2050, "1,000.00")],
        [(100, "金额合计"), (500, "（大写）贰仟元整"), (2050, "¥1,000.00")],
    )
    fields = tax_certificate.extract(HAND, [page]).record.model_dump()
    assert fields["total_amount"] == Decimal("1000.00")
    assert fields["total_in_words"] == "贰仟元整"


def test_choose_total_between_ocr_readings() -> None:
    # A letter read for a digit: the 大写 confirms the repaired reading.
    assert choose_total("1,2O0.50", "壹仟贰佰元伍角整") == Decimal("1200.50")
    # Unreadable 小写: the 大写 stands in.
    assert choose_total("¥ ", "壹仟贰佰元伍角整") == Decimal("1200.50")
    assert choose_total(None, None) is None
    # Both readable and different: the 小写 as read (the checks report the mismatch).
    assert choose_total("1,300.00", "壹仟贰佰元整") == Decimal("1300.00")


def test_letter_in_wan_with_items() -> None:
    page = page_of(
        (300, "纳税证明"),
        (100, f"兹证明湖南星辰智能装备有限公司（统一社会信用代码：{CODE}）"),
        (
            100,
            "自2018年1月1日起至2018年12月31日止共缴纳税款123.45万元（大写：壹佰贰拾叁万肆仟伍佰元整），",
        ),
        (100, "其中：增值税100万元，企业所得税23.45万元。"),
        (900, "国家税务总局长沙市岳麓区税务局"),
        (1000, "二〇一九年一月八日"),
    )
    result = tax_certificate.extract(HAND, [page])
    fields = result.record.model_dump()
    assert fields["taxpayer_name"] == "湖南星辰智能装备有限公司"
    assert fields["credit_code"] == CODE
    assert (fields["period_start"], fields["period_end"]) == ("2018-01-01", "2018-12-31")
    assert fields["total_amount"] == Decimal("1234500")
    assert [(i["tax_type"], i["amount"], i["period_end"]) for i in fields["items"]] == [
        ("增值税", Decimal("1000000"), "2018-12-31"),
        ("企业所得税", Decimal("234500"), "2018-12-31"),
    ]
    assert fields["issue_date"] == "2019-01-08"
