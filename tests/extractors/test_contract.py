"""The contract extractor: the sample batch's contracts and a contract drawn here, read through
the real page reader (and OCR for scans); hand-built pages for the parsing corner cases."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from extractors import contract
from pipeline.models import Line, Page
from tests.extractors import render
from tests.extractors.conftest import (
    ReadFile,
    SampleDoc,
    assert_extracts,
    has_text_layer,
    page_of,
    sample_docs,
)

# Contracts with a text layer cost no OCR: all of them. Scanned ones (2–3 s a page) while
# they fit a page budget: first those inside a combined scan (a file holding several
# documents, already read up to the pages before them for the licence and certificate tests),
# then standalone scans.
SCANNED_PAGE_BUDGET = 6


def _selected() -> list[SampleDoc]:
    docs = sample_docs("contract")
    chosen = [d for d in docs if has_text_layer(d.path)]
    read_before: dict[Path, int] = {}
    for kind in ("business_licence", "tax_certificate"):
        for d in sample_docs(kind):
            read_before[d.path] = max(read_before.get(d.path, 0), *d.pages)
    scanned = sorted(
        (d for d in docs if d not in chosen), key=lambda d: (d.path not in read_before, d.id)
    )
    used = 0
    for d in scanned:
        cost = max(d.pages) - read_before.get(d.path, 0)
        if used + cost <= SCANNED_PAGE_BUDGET:
            chosen.append(d)
            used += cost
    return chosen


SAMPLES = _selected()
HAND = "hand.pdf"


@pytest.mark.parametrize("doc", SAMPLES, ids=[d.id for d in SAMPLES])
def test_sample_contracts(doc: SampleDoc, read_file: ReadFile) -> None:
    f, pages = read_file(doc.path, doc.pages)
    assert_extracts(contract.extract, f, pages, doc.fields)


def test_amount_only_in_words_signed_on_the_last_page(tmp_path: Path, read_file: ReadFile) -> None:
    doc = render.contract_words_only(tmp_path / "contract.pdf")
    f, pages = read_file(doc.path, None)
    assert [p.source for p in pages] == ["text-layer"] * 3
    result = assert_extracts(contract.extract, f, pages, doc.fields)
    assert result.evidence["sign_date"].page == 3
    assert result.unread == {}


# ---- hand-built pages -------------------------------------------------------------------


def test_signature_lines_are_not_the_parties() -> None:
    page1 = page_of(
        (600, "云服务采购合同"),
        (100, "编号：HT（2018）第012号"),
        (100, "需方：湖南星辰智能装备有限公司"),
        (100, "供方（乙方）名称：阿里云计算有限公司"),
        (100, "甲方应于合同签订后十日内支付合同总价的30%。"),
        (100, "合同总价：¥1,200,000.00（人民币壹佰贰拾万元整）"),
    )
    page2 = page_of(
        [(100, "甲方（盖章）：长沙某某代理有限公司"), (1200, "乙方（盖章）：")],
        [(100, "日期：2018年6月1日"), (1200, "日期：2018年6月3日")],
    ).model_copy(update={"number": 2})
    result = contract.extract(HAND, [page1, page2])
    fields = result.record.model_dump()
    assert fields == {
        "contract_number": "HT（2018）第012号",
        "party_a": "湖南星辰智能装备有限公司",
        "party_b": "阿里云计算有限公司",
        # No 签订日期: the later of the two signature dates.
        "sign_date": "2018-06-03",
        "amount": Decimal("1200000.00"),
        "amount_in_words": "壹佰贰拾万元整",
        "subject": "云服务采购合同",
    }
    assert result.evidence["sign_date"].page == 2
    assert result.evidence["party_a"].page == 1


def test_signature_line_names_a_party_named_nowhere_else() -> None:
    page = page_of(
        (600, "技术服务协议"),
        (100, "本协议总金额为120万元。"),
        [
            (100, "甲方（盖章）：湖南星辰智能装备有限公司"),
            (1200, "乙方（签章）：树根互联技术有限公司"),
        ],
        (100, "签订日期：2018年7月2日"),
    )
    fields = contract.extract(HAND, [page]).record.model_dump()
    assert fields["party_a"] == "湖南星辰智能装备有限公司"
    assert fields["party_b"] == "树根互联技术有限公司"
    assert fields["amount"] == Decimal("1200000")
    assert fields["amount_in_words"] is None
    assert fields["sign_date"] == "2018-07-02"


def test_label_inside_a_clause_is_not_a_field() -> None:
    page = page_of(
        (600, "软件开发合同"),
        (100, "甲方委托乙方开发的软件，乙方应于2018年9月1日前交付。"),
        (100, "项目名称：智能制造云平台软件开发"),
    )
    result = contract.extract(HAND, [page])
    fields = result.record.model_dump()
    assert fields["party_a"] is None and fields["party_b"] is None
    assert fields["subject"] == "智能制造云平台软件开发"
    # The delivery date of a clause is not the signing date.
    assert fields["sign_date"] is None
    assert {"party_a", "party_b", "contract_number", "amount"} <= set(result.unread)


def test_subject_from_what_the_contract_provides_over_a_page_break() -> None:
    p1 = Page(
        file="c.pdf",
        number=1,
        source="text-layer",
        width=595,
        height=842,
        unit="pt",
        lines=[
            Line(text="技术服务合同", bbox=(230, 60, 370, 80)),
            Line(text="甲方：湖南星辰智能装备有限公司", bbox=(70, 120, 300, 131)),
            Line(text="乙方：树根互联技术有限公司", bbox=(70, 140, 280, 151)),
            Line(
                text="甲方为推进“上云上平台”工作，委托乙方提供根云工业互联网平台",
                bbox=(70, 800, 520, 811),
            ),
        ],
    )
    p2 = Page(
        file="c.pdf",
        number=2,
        source="text-layer",
        width=595,
        height=842,
        unit="pt",
        lines=[Line(text="设备接入及应用服务。", bbox=(70, 60, 160, 71))],
    )
    result = contract.extract(HAND, [p1, p2])
    assert result.record.model_dump()["subject"] == "根云工业互联网平台设备接入及应用服务"
    assert result.evidence["subject"].page == 1
