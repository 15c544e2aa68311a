import sys

import pytest

from extractors.common.normalize import normalize_name
from extractors.common.orgs import COMPONENT_NAME, OrgMatch, find_org_spans, find_orgs, nlp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # labels on contracts, invoices, licences, certificates
        ("甲方：湖南星辰智能装备有限公司", ["湖南星辰智能装备有限公司"]),
        (
            "甲方：湖南星辰智能装备有限公司  乙方：中国电信股份有限公司长沙分公司",
            ["湖南星辰智能装备有限公司", "中国电信股份有限公司长沙分公司"],
        ),
        (
            "甲方 湖南星辰智能装备有限公司 乙方 阿里云计算有限公司",
            ["湖南星辰智能装备有限公司", "阿里云计算有限公司"],
        ),
        ("购买方名称湖南星辰智能装备有限公司", ["湖南星辰智能装备有限公司"]),
        ("名 称：湖南星辰智能装备有限公司", ["湖南星辰智能装备有限公司"]),
        ("名称 湖南星辰智能装备有限公司", ["湖南星辰智能装备有限公司"]),
        ("纳税人名称：湖南星辰智能装备有限公司", ["湖南星辰智能装备有限公司"]),
        ("（甲方）湖南星辰智能装备有限公司", ["湖南星辰智能装备有限公司"]),
        ("被审计单位：湖南星辰智能装备有限公司", ["湖南星辰智能装备有限公司"]),
        # suffix variety
        ("湖南星辰智能装备股份有限公司", ["湖南星辰智能装备股份有限公司"]),
        ("湖南星辰智能装备有限责任公司", ["湖南星辰智能装备有限责任公司"]),
        ("湖南星辰集团有限公司", ["湖南星辰集团有限公司"]),
        ("中国移动通信集团湖南有限公司", ["中国移动通信集团湖南有限公司"]),
        ("腾讯云计算（北京）有限责任公司", ["腾讯云计算（北京）有限责任公司"]),
        ("腾讯云计算(北京)有限责任公司", ["腾讯云计算(北京)有限责任公司"]),
        ("天职国际会计师事务所（特殊普通合伙）", ["天职国际会计师事务所（特殊普通合伙）"]),
        ("天职国际会计师事务所(特殊普通合伙)", ["天职国际会计师事务所(特殊普通合伙)"]),
        ("致同会计师事务所（特殊普通合伙）湖南分所", ["致同会计师事务所（特殊普通合伙）湖南分所"]),
        ("湖南恒信会计师事务所有限公司", ["湖南恒信会计师事务所有限公司"]),
        ("国家税务总局长沙市岳麓区税务局", ["国家税务总局长沙市岳麓区税务局"]),
        ("国家税务总局湖南省税务局", ["国家税务总局湖南省税务局"]),
        ("长沙市望城区星辰投资合伙企业（有限合伙）", ["长沙市望城区星辰投资合伙企业（有限合伙）"]),
        ("长沙星辰股权投资合伙企业", ["长沙星辰股权投资合伙企业"]),
        ("湖南省智能制造研究院", ["湖南省智能制造研究院"]),
        ("中国工商银行股份有限公司长沙岳麓支行", ["中国工商银行股份有限公司长沙岳麓支行"]),
        ("开户银行：中国建设银行长沙分行", ["中国建设银行长沙分行"]),
        ("湖南省工业和信息化厅", ["湖南省工业和信息化厅"]),
        ("长沙市人民政府", ["长沙市人民政府"]),
        ("湖南大学", ["湖南大学"]),
        ("中南大学湘雅医院", ["中南大学湘雅医院"]),
        ("长沙市岳麓区市场监督管理局", ["长沙市岳麓区市场监督管理局"]),
        ("湖南星辰智能装备有限公司长沙分公司", ["湖南星辰智能装备有限公司长沙分公司"]),
        ("湖南ABC科技有限公司", ["湖南ABC科技有限公司"]),
        ("湖南ＡＢＣ科技有限公司", ["湖南ＡＢＣ科技有限公司"]),
        # free text
        ("我们审计了湖南星辰智能装备有限公司财务报表", ["湖南星辰智能装备有限公司"]),
        ("本公司与湖南云端科技有限公司签订合同", ["湖南云端科技有限公司"]),
        ("委托湖南恒信会计师事务所有限公司进行审计", ["湖南恒信会计师事务所有限公司"]),
        (
            "湖南A科技有限公司和湖南B信息技术有限公司",
            ["湖南A科技有限公司", "湖南B信息技术有限公司"],
        ),
        (
            "湖南A科技有限公司与湖南B信息技术有限公司长沙分公司",
            ["湖南A科技有限公司", "湖南B信息技术有限公司长沙分公司"],
        ),
        ("2018年度湖南星辰智能装备有限公司审计报告", ["湖南星辰智能装备有限公司"]),
        ("湖南星辰智能装备有限公司全体股东：", ["湖南星辰智能装备有限公司"]),
        # names that begin with a joiner character stay whole
        ("同方股份有限公司", ["同方股份有限公司"]),
        ("和信会计师事务所", ["和信会计师事务所"]),
        # OCR gaps
        ("湖 南 星 辰 智 能 装 备 有 限 公 司", ["湖南星辰智能装备有限公司"]),
        ("湖南星辰智能装备有 限公司", ["湖南星辰智能装备有限公司"]),
        (
            "湖南星辰智能装备有限公司 湖南星辰智能装备有限公司",
            ["湖南星辰智能装备有限公司"],
        ),  # deduplicated
    ],
)
def test_find_orgs(text: str, expected: list[str]) -> None:
    assert find_orgs(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "有限公司",
        "本公司",
        "我公司",
        "本公司子公司",
        "分公司",
        "类型 有限责任公司（自然人投资或控股）",
        "类型：其他有限责任公司",
        "公司类型：一人有限责任公司",
        "股份有限公司",
        "开户银行",
        "资产总计 110,201,500.00",
        "2018年12月31日",
        "统一社会信用代码 91430100MA4L2R5K3W",
        "湖南星辰智能装备",  # no suffix: not recognised (never guessed)
    ],
)
def test_find_orgs_none(text: str) -> None:
    assert find_orgs(text) == []


def test_spans_carry_offsets() -> None:
    text = "甲方：湖南星辰智能装备有限公司，乙方：阿里云计算有限公司。"
    spans = find_org_spans(text)
    assert spans == [
        OrgMatch(3, 15, "湖南星辰智能装备有限公司"),
        OrgMatch(19, 28, "阿里云计算有限公司"),
    ]
    for span in spans:
        assert text[span.start : span.end] == span.name


def test_span_text_keeps_gaps_but_name_drops_them() -> None:
    text = "名称：湖南 星辰 有限公司"
    (span,) = find_org_spans(text)
    assert text[span.start : span.end] == "湖南 星辰 有限公司"
    assert span.name == "湖南星辰有限公司"


def test_names_compare_with_normalize_name() -> None:
    a = find_orgs("销售方：腾讯云计算(北京)有限责任公司")
    b = find_orgs("乙方：腾讯云计算（北京）有限责任公司")
    assert [normalize_name(x) for x in a] == [normalize_name(x) for x in b]


def test_pipeline_is_blank_chinese_with_rule_component() -> None:
    pipeline = nlp()
    assert pipeline.lang == "zh"
    assert pipeline.pipe_names == [COMPONENT_NAME]
    assert getattr(pipeline.tokenizer, "segmenter", None) == "char"
    assert pipeline.meta.get("name") in (None, "pipeline")  # no trained package
    assert nlp() is pipeline  # cached


def test_doc_entities_are_org_spans() -> None:
    doc = nlp()("甲方：湖南星辰智能装备有限公司")
    assert [(ent.text, ent.label_) for ent in doc.ents] == [("湖南星辰智能装备有限公司", "ORG")]


def test_component_keeps_existing_entities_and_overlaps_resolve() -> None:
    from spacy.tokens import Span

    pipeline = nlp()
    doc = pipeline.make_doc("湖南星辰智能装备有限公司在长沙")
    doc.ents = [Span(doc, 13, 15, label="GPE")]
    doc = pipeline.get_pipe(COMPONENT_NAME)(doc)
    assert [(ent.text, ent.label_) for ent in doc.ents] == [
        ("湖南星辰智能装备有限公司", "ORG"),
        ("长沙", "GPE"),
    ]


def test_no_trained_chinese_model_is_loaded() -> None:
    nlp()
    assert "zh_core_web_sm" not in sys.modules
    assert "pkuseg" not in sys.modules
    assert "spacy_pkuseg" not in sys.modules


def test_many_lines_in_a_row() -> None:
    """Every line answered; the milliseconds per line are benchmarks/cheap_paths.py's."""
    nlp()  # loading is paid once
    lines = [
        "甲方：湖南星辰智能装备有限公司  乙方：中国电信股份有限公司长沙分公司",
        "我们审计了湖南星辰智能装备有限公司财务报表，包括2018年12月31日的资产负债表、2018年度的利润表",
        "国家税务总局长沙市岳麓区税务局 税收完税证明 （2019）湘税证 12345678",
        "资产总计 110,201,500.00 98,765,432.10",
    ] * 50
    found = [find_orgs(line) for line in lines]
    assert found[:4] == found[4:8]  # the same line, the same answer, however often asked
    assert any("湖南星辰智能装备有限公司" in str(orgs) for orgs in found[:4])
