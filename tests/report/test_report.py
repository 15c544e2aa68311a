"""report.json / report.html / summary.html / .csv / .xlsx as written to disk."""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jsonschema
import openpyxl
import pytest
from PIL import Image

from pipeline.models import Evidence, FileEntry, Finding, Report
from pipeline.report import SummaryRow, write_report, write_summary
from pipeline.schema import report_schema
from tests.report.conftest import APP, AUDIT, CHECKED, LICENCE, Built, build


class Page(HTMLParser):
    """The parts of a written page the tests look at: links, images, visible text."""

    # Elements that a browser shows apart from their neighbours.
    BREAKS = frozenset(
        [
            "td",
            "th",
            "tr",
            "li",
            "p",
            "div",
            "br",
            "h1",
            "h2",
            "h3",
            "figcaption",
            "blockquote",
            "caption",
        ]
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.ids: set[str] = set()
        self._text: list[str] = []
        self._skip = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag == "img":
            self.images.append(a)
        if tag in ("style", "script"):
            self._skip += 1
        if tag in self.BREAKS:
            self._text.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1
        if tag in self.BREAKS:
            self._text.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._text.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self._text))


def section(html: str, anchor: str) -> str:
    """The visible text of one <section id=…> of the report."""
    start = html.index(f'id="{anchor}"')
    end = html.find("<section", start)
    return Page(html[start : end if end > 0 else None]).text


# ---- the findings ------------------------------------------------------------------------


def test_verdict_comes_first_with_counts(built: Built) -> None:
    text = Page(built.html).text
    verdict = text.index("核查结论：有错误")
    # After the navigation bar: the verdict, then the four sections in order.
    assert text.index("核查报告") < verdict
    positions = [
        text.index(h, verdict)
        for h in ("一、核查发现", "二、申报书", "三、材料识别", "四、文件清单")
    ]
    assert positions == sorted(positions)
    head = text[verdict : positions[0]]
    assert "错误2" in head.replace(" ", "") and "警告1" in head.replace(" ", "")
    assert "提示1" in head.replace(" ", "") and "问题文件3" in head.replace(" ", "")
    # Passes: the checks that ran and found nothing (credit_code and total_assets failed).
    assert "通过4" in head.replace(" ", "")
    assert "已通过：企业名称、注册地（湖南省内）、成立时间、要素条件" in head
    # Worst first, each headline a link to its finding.
    assert head.index("申报2018年总资产") < head.index("项目总体描述 1184 字")


def test_each_finding_shows_declared_found_difference_and_source(built: Built) -> None:
    text = section(built.html, "findings")
    for f in built.report.findings:
        assert f.message in text
    # Numbers: both sides with their unit, the difference absolute and relative to 材料值.
    assert "27,000.00 万元" in text and "25,410.25 万元" in text
    assert "+1,589.75 万元" in text and "相对材料值 +6.3%" in text
    assert "1,184 字" in text and "1,000 字" in text and "+184 字" in text
    # Text: both sides, the differing characters marked, no arithmetic.
    assert "26<mark>09</mark>R" in built.html and "26<mark>90</mark>R" in built.html
    assert "不一致" in text
    # Sources: file and page.
    assert f"{AUDIT} 第 3 页" in text and f"{LICENCE} 第 1 页" in text
    # The info finding has no evidence: it says so rather than inventing any.
    assert "从业人员（2018 年）" in text
    assert text.index("总资产（2018 年）") < text.index("项目总体描述字数") < text.index("从业人员")


def test_evidence_is_a_crop_with_page_link_or_the_text_line(built: Built) -> None:
    page = Page(built.html)
    crops = [i for i in page.images if str(i["src"]).startswith("evidence/")]
    assert len(crops) == 2, "one crop for the licence scan, one for the text-layer PDF"
    for img in crops:
        path = built.app_dir / unquote(str(img["src"]))
        with Image.open(path) as im:
            im.verify()
        with Image.open(path) as im:
            assert im.size == (int(str(img["width"])), int(str(img["height"])))
            assert im.width <= 900
        assert img["alt"], "the OCR text is the image's alternative text"
    # Each cited page has a full-page picture, linked as 查看原页.
    assert any(link.startswith("pages/") for link in page.links)
    assert "查看原页" in page.text
    # Word evidence has no image: its text line is shown instead.
    assert "组织机构代码/统一社会信用代码：91430104759802609R" in page.text
    assert "Word 原文" in page.text


def test_links_and_images_stay_inside_the_output_folder(built: Built) -> None:
    write_summary("批次", [built.row], built.out)
    for name in ("summary.html", f"{APP}/report.html"):
        html_path = built.out / name
        page = Page(html_path.read_text("utf-8"))
        targets = page.links + [str(i["src"]) for i in page.images]
        assert targets
        for target in targets:
            if target.startswith("#"):
                assert target[1:] in page.ids, f"anchor {target} has no target"
                continue
            parts = urlsplit(target)
            assert not parts.scheme and not parts.netloc, f"{target} leaves the folder"
            assert not target.startswith("/"), f"{target} is absolute"
            resolved = (html_path.parent / unquote(parts.path)).resolve()
            assert resolved.is_relative_to(built.out.resolve()), f"{target} escapes the output"
            assert resolved.is_file(), f"{target} does not exist"


def test_nothing_external_is_loaded(built: Built) -> None:
    html = built.html
    assert "<script" not in html and "<link" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "@import" not in html and "url(" not in html


# ---- the records, the form and the files ---------------------------------------------------


def test_records_are_tables_with_chinese_labels_units_and_reasons(built: Built) -> None:
    text = section(built.html, "records")
    for label in ("营业执照", "审计报告", "发票", "合同", "资产总计", "负债合计", "会计师事务所"):
        assert label in text
    assert "total_assets" not in text and "credit_code" not in text
    # Money: separators, 元 explicit, and the 万元 figure to compare with the form.
    assert "254,102,463.87 元" in text and "≈ 25,410.25 万元" in text
    assert "2017 年度（上年数）" in text and "201,235,352.82 元" in text
    # Unread fields say why.
    assert "未能读取：印章遮挡，金额无法辨认" in text
    assert "未能读取：所有者权益合计一行被截断" in text
    assert "价税合计未能读取：价税合计被印章覆盖" in text
    assert "未能读取：该类型文档的字段提取尚未实现" in text
    # Invoices: one row each, the rest of what was read under the row.
    assert "38836433" in text and "840,000.00 元" in text and "发票代码：044001867011" in text
    # Where each value was read: a link to the page picture.
    assert "第 3 页" in text


def test_form_section_shows_the_declared_figures(built: Built) -> None:
    text = section(built.html, "declared")
    assert "91430104759802609R" in text and "27,000.00" in text and "工程机械" in text
    assert "公有云基础资源费用" in text and "八项合计 411.00" in text
    assert "1184 字" in text


def test_problem_files_come_first(built: Built) -> None:
    text = section(built.html, "files")
    order = [text.index(name) for name in ("附件5.doc", "扫描件/损坏.pdf", "营业执照 (1).jpg")]
    assert order == sorted(order)
    assert max(order) < text.index(AUDIT)
    assert "不支持的格式" in text and "无法读取" in text and "重复文件" in text
    assert "营业执照（第 1 页）" in text


def test_writing_again_gives_the_same_report_and_pictures(tmp_path: Path) -> None:
    first = build(tmp_path)
    pictures = sorted(p.name for p in first.app_dir.rglob("*.*") if p.suffix != ".html")
    html = first.html
    again = build(tmp_path)
    assert again.html == html
    assert sorted(p.name for p in again.app_dir.rglob("*.*") if p.suffix != ".html") == pictures
    assert not list(tmp_path.rglob("*.tmp")), "no temporary file is left behind"


def test_without_files_evidence_is_text_only(tmp_path: Path, built: Built) -> None:
    write_report(built.report, tmp_path)
    html = (tmp_path / APP / "report.html").read_text("utf-8")
    assert "<img" not in html
    evidence = built.report.findings[1].evidence[1].text
    assert evidence.startswith("资产总计") and evidence in Page(html).text
    assert not (tmp_path / APP / "evidence").exists()


# ---- the batch summary -------------------------------------------------------------------


def simple_report(name: str, severity: str | None) -> Report:
    findings = []
    if severity:
        findings.append(
            Finding(
                code="FIN_MISMATCH",
                field="total_assets",
                year="2018",
                severity=severity,  # type: ignore[arg-type]
                declared=Decimal("12345.67"),
                found=Decimal("11020.15"),
                message="申报总资产 12345.67 万元，审计报告资产总计 11020.15 万元，相差 12.0%",
                evidence=[
                    Evidence(
                        file="审计报告2018.pdf",
                        page=4,
                        bbox=(1, 2, 3, 4),
                        text="资产总计 110,201,500.00",
                    )
                ],
            )
        )
    return Report(
        application=name,
        files=[
            FileEntry(
                file="附件5.doc",
                sha256="a" * 64,
                status="unsupported",
                reason="旧版 Word (.doc) 文件，请转换为 .docx 或 PDF",
            )
        ],
        findings=findings,
    )


def test_report_files_and_summary(tmp_path: Path) -> None:
    rows = [
        write_report(simple_report("002_一致企业", None), tmp_path),
        write_report(simple_report("001_湖南星辰智能装备有限公司", "error"), tmp_path),
    ]
    write_summary("批次", rows, tmp_path)

    data = json.loads(
        (tmp_path / "001_湖南星辰智能装备有限公司" / "report.json").read_text("utf-8")
    )
    jsonschema.validate(data, report_schema())
    assert data["findings"][0]["declared"] == 12345.67

    html = (tmp_path / "001_湖南星辰智能装备有限公司" / "report.html").read_text("utf-8")
    assert "有错误" in html and "资产总计 110,201,500.00" in html and "12,345.67" in html

    raw = (tmp_path / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM"
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert table[0][:3] == ["申报单位", "结论", "错误"]
    # Worst first.
    assert [r[0] for r in table[1:]] == ["001_湖南星辰智能装备有限公司", "002_一致企业"]
    assert table[1][table[0].index("主要问题")].startswith("申报总资产 12345.67 万元")
    summary = (tmp_path / "summary.html").read_text("utf-8")
    assert "001_%E6%B9%96" in summary  # link to the report, URL-quoted
    assert not list(tmp_path.rglob("*.tmp")), "no temporary file is left behind"


def summary_rows(tmp_path: Path) -> list[SummaryRow]:
    return [
        write_report(simple_report("003_只有警告", "warning"), tmp_path),
        write_report(simple_report("002_一致企业", None), tmp_path),
        write_report(simple_report("001_有错误", "error"), tmp_path),
    ]


def test_summary_html_sorts_by_severity_and_filters_without_script(tmp_path: Path) -> None:
    write_summary("批次", summary_rows(tmp_path), tmp_path)
    html = (tmp_path / "summary.html").read_text("utf-8")
    page = Page(html)
    assert "<script" not in html
    # One section per verdict, worst first; the filter is a set of anchors to them.
    assert {"v-error", "v-warning", "v-ok"} <= page.ids and "v-failed" not in page.ids
    assert html.index('id="v-error"') < html.index('id="v-warning"') < html.index('id="v-ok"')
    assert {"#all", "#v-error", "#v-warning", "#v-ok"} <= set(page.links)
    text = page.text
    assert text.index("001_有错误") < text.index("003_只有警告") < text.index("002_一致企业")
    assert "有错误（1）" in text and "需关注（1）" in text and "未发现问题（1）" in text
    assert "申报总资产 12345.67 万元" in text, "the main problems are listed per application"


def test_summary_xlsx_opens_with_rows_headers_and_colours(tmp_path: Path) -> None:
    write_summary("批次", summary_rows(tmp_path), tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "summary.xlsx")
    assert wb.sheetnames == ["汇总", "核查发现"]
    ws = wb["汇总"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("申报单位", "结论", "错误", "警告")
    assert [r[0] for r in rows[1:]] == ["001_有错误", "003_只有警告", "002_一致企业"]
    assert [r[1] for r in rows[1:]] == ["有错误", "需关注", "未发现问题"]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width >= 30
    assert ws["B2"].fill.fgColor.rgb.endswith("F8D7DA")  # error: red
    assert ws["B3"].fill.fgColor.rgb.endswith("FFECB3")  # warning: amber
    link = ws["J2"].hyperlink
    assert link is not None and link.target == "001_有错误/report.html"
    findings = list(wb["核查发现"].iter_rows(values_only=True))
    assert findings[0][:3] == ("申报单位", "级别", "项目")
    assert findings[1][:2] == ("001_有错误", "错误") and findings[1][4:7] == (
        12345.67,
        11020.15,
        pytest.approx(1325.52),
    )
    assert len(findings) == 3


def test_summary_xlsx_is_byte_identical_run_to_run(tmp_path: Path) -> None:
    rows = summary_rows(tmp_path)
    write_summary("批次", rows, tmp_path / "a")
    write_summary("批次", rows, tmp_path / "b")
    assert (tmp_path / "a" / "summary.xlsx").read_bytes() == (
        tmp_path / "b" / "summary.xlsx"
    ).read_bytes()


def test_checked_is_optional_and_claims_no_pass(tmp_path: Path, built: Built) -> None:
    row = write_report(built.report, tmp_path)
    assert row.passes is None
    assert "通过" not in section((tmp_path / APP / "report.html").read_text("utf-8"), "verdict")
    assert built.row.passes == len(CHECKED) - 2


def test_an_application_that_could_not_be_read_is_failed_not_clean(tmp_path: Path) -> None:
    reason = "压缩包已损坏，无法解压"
    row = write_report(Report(application="009_坏压缩包"), tmp_path, problem=reason)
    assert row.verdict == "failed" and row.problem == reason
    html = (tmp_path / "009_坏压缩包" / "report.html").read_text("utf-8")
    verdict = section(html, "verdict")
    assert "核查结论：无法处理" in verdict and reason in verdict
    assert "未发现问题" not in verdict
    write_summary("批次", [*summary_rows(tmp_path), row], tmp_path)
    summary = Page((tmp_path / "summary.html").read_text("utf-8"))
    assert "v-failed" in summary.ids and reason in summary.text
    # After the applications with errors, before those with warnings.
    text = summary.text
    assert text.index("001_有错误") < text.index("009_坏压缩包") < text.index("003_只有警告")
    names = [r[0] for r in openpyxl.load_workbook(tmp_path / "summary.xlsx")["汇总"].values]
    assert names[1:] == ["001_有错误", "009_坏压缩包", "003_只有警告", "002_一致企业"]
