"""Builds real .docx application forms for tests, with every kind of checkbox Word writes."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.text.paragraph import Paragraph

W14 = 'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"'


def add_box(par: Paragraph, ticked: bool, style: str) -> None:
    """A checkbox in one of Word's four encodings: char | sym | formfield | sdt."""
    if style == "char":
        par.add_run("☑" if ticked else "□")
    elif style == "sym":
        run = par.add_run()
        sym = OxmlElement("w:sym")
        sym.set(qn("w:font"), "Wingdings")
        sym.set(qn("w:char"), "F0FE" if ticked else "F0A8")
        run._r.append(sym)
    elif style == "formfield":
        val = "1" if ticked else "0"
        par._p.append(
            parse_xml(
                f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"><w:ffData>'
                f'<w:name w:val="Check1"/><w:enabled/><w:calcOnExit w:val="0"/>'
                f'<w:checkBox><w:sizeAuto/><w:default w:val="{val}"/></w:checkBox>'
                f"</w:ffData></w:fldChar></w:r>"
            )
        )
        par._p.append(
            parse_xml(f"<w:r {nsdecls('w')}><w:instrText> FORMCHECKBOX </w:instrText></w:r>")
        )
        par._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))
    elif style == "sdt":
        glyph = "☒" if ticked else "☐"
        par._p.append(
            parse_xml(
                f"<w:sdt {nsdecls('w')} {W14}><w:sdtPr><w14:checkbox>"
                f'<w14:checked w14:val="{1 if ticked else 0}"/>'
                f'<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
                f'<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/>'
                f"</w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:t>{glyph}</w:t></w:r>"
                f"</w:sdtContent></w:sdt>"
            )
        )
    else:
        raise ValueError(style)


def build_form(
    path: Path,
    box_style: str = "char",
    year_labels: tuple[str, str] = ("2017年度", "2018年度"),
    elements: tuple[str, ...] = ("1.2", "3.1"),
    description: str = "本项目依托工业互联网平台，实现设备上云。",
    total_cost: str = "560.00",
    credit_code: str = "91430100MA4L0ABC1X",
    network_cost: str = "20.00",
) -> Path:
    doc = Document()
    doc.add_paragraph("湖南省“上云上平台”标杆企业申报书")
    doc.add_paragraph("企业名称（盖章）：湖南星辰智能装备有限公司")

    t = doc.add_table(rows=6, cols=4)
    t.cell(0, 0).merge(t.cell(0, 3)).text = "一、企业基本情况"
    t.cell(1, 0).text = "企业名称"
    t.cell(1, 1).merge(t.cell(1, 3)).text = "湖南星辰智能装备有限公司"
    t.cell(2, 0).text = "统一社会信用代码"
    t.cell(2, 1).text = credit_code
    t.cell(2, 2).text = "成立时间"
    t.cell(2, 3).text = "2012年3月"
    t.cell(3, 0).text = "所在地"
    t.cell(3, 1).text = "长沙市岳麓区"
    t.cell(3, 2).text = "详细地址"
    t.cell(3, 3).text = "长沙市岳麓区麓谷大道 100 号"
    t.cell(4, 0).merge(t.cell(5, 0)).text = "所属行业"
    par = t.cell(4, 1).merge(t.cell(5, 3)).paragraphs[0]
    for label, ticked in (("工程机械", True), ("轨道交通", False), ("电子信息", True)):
        add_box(par, ticked, box_style)
        par.add_run(f"{label}  ")

    years = doc.add_table(rows=7, cols=3)
    years.cell(0, 0).text = "指标"
    years.cell(0, 1).text = year_labels[0]
    years.cell(0, 2).text = year_labels[1]
    data = [
        ("总资产（万元）", "11020.15", "12345.67"),
        ("资产负债率（%）", "45.20", "44.10"),
        ("主营业务收入（万元）", "8,001.00", "8901.23"),
        ("税金（万元）", "400.00", "456.78"),
        ("利润（万元）", "700.50", "789.01"),
        ("从业人员（人）", "300", "320"),
    ]
    for i, row in enumerate(data, start=1):
        for j, text in enumerate(row):
            years.cell(i, j).text = text

    p = doc.add_table(rows=13, cols=2)
    p.cell(0, 0).text = "项目名称"
    p.cell(0, 1).text = "星辰装备工业互联网平台建设项目"
    p.cell(1, 0).text = "项目起止时间"
    p.cell(1, 1).text = "2017年6月—2018年12月"
    p.cell(2, 0).text = "近两年内“上云上平台”项目总费用（万元）"
    p.cell(2, 1).text = total_cost
    costs = [
        ("其中：智能产品、平台和系统开发费", "200.00"),
        ("智能设备（终端）购置费", "120.00"),
        ("测试验证和项目咨询费", "30.00"),
        ("项目实施人员工资", "80.00"),
        ("公有云基础资源费用", "50.00"),
        ("工业互联网平台应用服务费用", "40.00"),
        ("网络通信费用", network_cost),
        ("实施、设备接入、数字化/网络改造、必要的非云化软件费用", "20.00"),
    ]
    for i, (label, value) in enumerate(costs, start=3):
        p.cell(i, 0).text = label
        p.cell(i, 1).text = value
    p.cell(11, 0).text = "项目类型（要素条件）"
    par = p.cell(11, 1).paragraphs[0]
    for item in ("1.1", "1.2", "2.1", "3.1", "4.2"):
        add_box(par, item in elements, box_style)
        par.add_run(f"{item} 要素条件说明 ")
    p.cell(12, 0).text = "项目总体描述"
    p.cell(12, 1).text = description

    doc.save(path)
    return path
