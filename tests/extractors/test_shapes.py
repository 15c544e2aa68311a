"""Shapes of licence values (extractors/common/shapes.py) and the vertical label runs of
extractors/labelled.py, on made-up strings and hand-built boxes."""

from __future__ import annotations

import pytest

from extractors.common.credit_code import is_registration_number, is_valid
from extractors.common.shapes import (
    address_continuation,
    company_name,
    company_type,
    is_address,
    is_notice_item,
    person_name,
    strip_background,
)
from extractors.labelled import split_vertical_runs
from pipeline.models import Line, Page
from tests.extractors import render


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("湖南星辰智能装备有限公司", "湖南星辰智能装备有限公司"),
        # a label's next character glued on, a watermark or a notice run on
        ("湖南星辰智能装备有限公司类", "湖南星辰智能装备有限公司"),
        ("湖南星辰智能装备有限公司类住型有限责任公司（自然人独资）", "湖南星辰智能装备有限公司"),
        ("（2-1）S湖南星辰智能装备有限公司", "湖南星辰智能装备有限公司"),
        ("星辰（湖南）科技股份有限公司", "星辰（湖南）科技股份有限公司"),
        ("长沙某某酒店管理有限公司", "长沙某某酒店管理有限公司"),
        ("长沙某某创业投资合伙企业（有限合伙）", "长沙某某创业投资合伙企业（有限合伙）"),
        ("浏阳市某某农机专业合作社", "浏阳市某某农机专业合作社"),
        ("株洲市某某机械厂", "株洲市某某机械厂"),
        # a branch belongs to its company, a glued type does not
        ("湖南星辰有限公司长沙分公司", "湖南星辰有限公司长沙分公司"),
        ("湖南星辰有限公司类住型有限责任公司分公司", "湖南星辰有限公司"),
        # no name: a type, a bare suffix (the name masked), a bracket part, prose
        ("其他有限责任公司", None),
        ("股份有限公司", None),
        ("（北京）科技有限公司", None),
        ("经营范围：销售某某有限公司", None),
        ("长沙市岳麓区麓谷大道627号", None),
    ],
)
def test_company_name_shape(text: str, name: str | None) -> None:
    assert company_name(text) == name


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("有限责任公司（自然人投资或控股）", "有限责任公司（自然人投资或控股）"),
        ("有限责任公司(自然人独资)", "有限责任公司（自然人独资）"),
        # the label's tail in front, a watermark behind
        ("型有限责任公司(法人独资)某某科技有限公司", "有限责任公司（法人独资）"),
        # one character misread in a long registered type: the register's wording
        ("有限责任公司(自然人投资或控胺)", "有限责任公司（自然人投资或控股）"),
        # a qualifier the register list lacks is read as printed
        (
            "有限责任公司（港澳台自然人与境内法人合资）",
            "有限责任公司（港澳台自然人与境内法人合资）",
        ),
        ("其他股份有限公司(非上市)", "其他股份有限公司（非上市）"),
        ("个人独资企业", "个人独资企业"),
        # a type's own first characters are never skipped as stray ones
        ("其他股份有限公司分公司（非上市）", "其他股份有限公司分公司（非上市）"),
        ("股份有限公司分公司（外商投资，未上市）", "股份有限公司分公司（外商投资，未上市）"),
        ("型", None),
        # a company name or money is not a type
        ("湖南星辰智能装备有限公司", None),
        ("壹仟万元有限责任公司", None),
    ],
)
def test_company_type_is_a_registered_type(text: str, kind: str | None) -> None:
    assert company_type(text) == kind


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("张涛", "张涛"),
        ("欧阳明", "欧阳明"),
        ("上官章委", "上官章委"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("场监督王慈慈", "王慈慈"),  # the licence's background text at its edge
        ("C503康登海", None),  # an address tail glued on: not a name
        ("有限责任公司", None),
        ("中国制造网某某", None),
        ("张", None),
    ],
)
def test_person_name_shape(text: str, name: str | None) -> None:
    assert person_name(text) == name


def test_background_fragments_are_stripped_only_at_the_edges() -> None:
    assert strip_background("市场监督管理张三") == "张三"
    assert strip_background("张三督管") == "张三"
    assert strip_background("张场三") == "张场三"


def test_address_shapes() -> None:
    assert is_address("长沙市岳麓区麓谷大道627号")
    assert is_address("温州市瓯海娄桥街道上汇村")
    assert not is_address("的醒目位置。")
    assert not is_address("有限责任公司")
    assert not is_address("本市实行注册资本认缴登记制度；")
    for tail in ("C503", "317", "1号楼228房间", "B座1206"):
        assert address_continuation(tail), tail
    for text in ("康登海", "有限责任公司（自然人独资）", "应当参加年度检验。"):
        assert not address_continuation(text), text


def test_notice_items() -> None:
    assert is_notice_item("1.《企业法人营业执照》是企业法人资格和合法经营的凭证。")
    assert is_notice_item("2、商事主体经营范围和许可审批项目等有关事项")
    assert not is_notice_item("2015年07月29日")
    assert not is_notice_item("伍佰万元整")


def test_check_digits_of_both_numbers() -> None:
    code = render.credit_code("91430103MA4RX2KQ7")
    assert is_valid(code)
    assert not is_valid(code[:-1] + ("0" if code[-1] != "0" else "1"))
    number = render.registration_number("43011100028768")
    assert is_registration_number(number)
    assert not is_registration_number(number[:-1] + str((int(number[-1]) + 1) % 10))


def _page(*lines: tuple[str, tuple[float, float, float, float]]) -> Page:
    return Page(
        file="hand.jpg",
        number=1,
        source="ocr",
        width=2000,
        height=3000,
        unit="px",
        lines=[Line(text=t, bbox=b) for t, b in lines],
    )


def test_a_vertical_run_of_label_characters_is_split_into_stacked_characters() -> None:
    chars = set("名称类型住所")
    page = _page(
        ("名类住", (100, 100, 150, 310)),  # three characters over three rows
        ("称湖南星辰有限公司", (400, 100, 900, 160)),
        ("名", (100, 400, 130, 460)),  # one character in a padded box: squared
        ("湖南", (400, 100, 480, 400)),  # tall but not made of label characters: kept
    )
    lines = split_vertical_runs(page, chars).lines
    texts = [ln.text for ln in lines]
    assert texts == ["名", "类", "住", "称湖南星辰有限公司", "名", "湖南"]
    assert [round(ln.bbox[1]) for ln in lines[:3]] == [100, 170, 240]
    assert [round(ln.bbox[3]) for ln in lines[:3]] == [170, 240, 310]
    assert lines[4].bbox == (100, 415, 130, 445)
    assert lines[5].bbox == (400, 100, 480, 400)
    # A page without such boxes is returned as it is.
    plain = _page(("名称", (100, 100, 200, 140)))
    assert split_vertical_runs(plain, chars) is plain
