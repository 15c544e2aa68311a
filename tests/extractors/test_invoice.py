"""The invoice extractor on real inputs: the sample batch's invoices, and invoices made here —
a 数电票 text PDF (buyer and seller side by side), a classic e-invoice with a discount line
(text PDF and JPEG scan), OFD files with and without the issuer's XML, and a 数电票 XML —
all read through the real page reader and OCR engine. Hand-built pages cover corner cases."""

from __future__ import annotations

import json
import random
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from extractors import invoice
from extractors.base import Extraction
from extractors.common.amounts import to_chinese_upper
from extractors.common.credit_code import check_digit
from pipeline.intake import scan_batch
from pipeline.models import InputFile, Invoice, InvoiceItem, Line, Page
from pipeline.pages import ocr_page, read_pages
from tests.extractors.files import input_file

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
ZENHEI = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))


def code18(first17: str) -> str:
    return first17 + check_digit(first17)


@dataclass
class Item:
    name: str
    amount: Decimal
    rate: int
    tax: Decimal
    unit: str = "项"
    quantity: str = "1"


@dataclass
class Facts:
    """What an invoice says, and so what the extractor must read back."""

    number: str
    code: str | None
    date: str  # ISO
    buyer: tuple[str, str]
    seller: tuple[str, str]
    items: list[Item] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return sum((i.amount for i in self.items), Decimal(0))

    @property
    def tax(self) -> Decimal:
        return sum((i.tax for i in self.items), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.amount + self.tax

    @property
    def words(self) -> str:
        return to_chinese_upper(self.total).replace("元", "圆")

    @property
    def cn_date(self) -> str:
        y, m, d = self.date.split("-")
        return f"{y}年{m}月{d}日"

    def expected(self) -> Invoice:
        return Invoice(
            invoice_code=self.code,
            invoice_number=self.number,
            issue_date=self.date,
            buyer_name=self.buyer[0],
            buyer_credit_code=self.buyer[1],
            seller_name=self.seller[0],
            seller_credit_code=self.seller[1],
            amount=self.amount,
            tax_amount=self.tax,
            total=self.total,
            total_in_words=self.words,
            items=[
                InvoiceItem(name=i.name, amount=i.amount, tax_rate=f"{i.rate}%", tax=i.tax)
                for i in self.items
            ],
        )


BUYER = ("湖南星辰智能装备有限公司", code18("91430100MA4L0ABC1"))
SELLER = ("长沙云智信息技术有限公司", code18("91430104MA4PQ7K2X"))
SERVICE = "*信息技术服务*工业互联网平台服务"
DIGITAL = Facts(
    number="24432000000012345678",
    code=None,
    date="2024-01-15",
    buyer=BUYER,
    seller=SELLER,
    items=[
        Item(SERVICE, Decimal("100000.00"), 6, Decimal("6000.00")),
        Item(SERVICE, Decimal("-5000.00"), 6, Decimal("-300.00"), unit="", quantity=""),
    ],
)
DISCOUNTED = Facts(
    number="01234567",
    code="043001800111",
    date="2018-06-15",
    buyer=BUYER,
    seller=SELLER,
    items=[
        Item("*软件*设备接入管理软件V2.0", Decimal("88495.58"), 13, Decimal("11504.42"), unit="套"),
        Item("*信息技术服务*平台运维服务", Decimal("20000.00"), 6, Decimal("1200.00")),
        Item(
            "*软件*设备接入管理软件V2.0",
            Decimal("-8849.56"),
            13,
            Decimal("-1150.44"),
            unit="",
            quantity="",
        ),
    ],
)


def assert_invoice(result: Extraction, facts: Facts) -> None:
    assert isinstance(result.record, Invoice)
    got = result.record.model_dump()
    want = facts.expected().model_dump()
    diff = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
    assert not diff, diff


# ---- drawing: text PDFs ----------------------------------------------------------------------


class PdfSheet:
    def __init__(self, path: Path, width: float, height: float) -> None:
        self.canvas = Canvas(str(path), pagesize=(width * mm, height * mm), invariant=1)
        self.height = height

    def text(self, x: float, y: float, text: str, size: float = 9, align: str = "l") -> None:
        self.canvas.setFont("STSong-Light", size)
        pos = (x * mm, (self.height - y) * mm)
        {"r": self.canvas.drawRightString, "c": self.canvas.drawCentredString}.get(
            align, self.canvas.drawString
        )(*pos, text)

    def vtext(self, x: float, top: float, bottom: float, text: str, size: float) -> None:
        step = (bottom - top) / len(text)
        for i, ch in enumerate(text):
            self.text(x, top + step * (i + 0.7), ch, size, "c")

    def save(self) -> None:
        self.canvas.save()


def draw_digital(sheet: Any, facts: Facts) -> None:
    """数电票: title, number and date top right, buyer and seller side by side."""
    sheet.text(105, 16, "电子发票（增值税专用发票）", 16, "c")
    sheet.text(150, 14, "发票号码：", 9)
    sheet.text(167, 14, facts.number, 9)
    sheet.text(150, 21, "开票日期：", 9)
    sheet.text(167, 21, facts.cn_date, 9)
    for x0, label, party in ((6, "购买方信息", facts.buyer), (105, "销售方信息", facts.seller)):
        sheet.vtext(x0 + 3, 29, 49, label, 7.5)
        sheet.text(x0 + 8, 36, "名称：", 8.5)
        sheet.text(x0 + 17, 36, party[0], 8.5)
        sheet.text(x0 + 8, 44, "统一社会信用代码/纳税人识别号：", 8)
        sheet.text(x0 + 54, 44, party[1], 8)
    _items(
        sheet,
        facts,
        [6, 64, 86, 98, 114, 140, 166, 180, 204],
        ("项目名称", "规格型号", "单位", "数量", "单价", "金额", "税率/征收率", "税额"),
        55,
    )
    sheet.text(8, 104, "价税合计（大写）", 8.5)
    sheet.text(51, 104, facts.words, 9)
    sheet.text(140, 104, "（小写）", 8.5)
    sheet.text(154, 104, f"¥{facts.total}", 9)
    sheet.vtext(9, 108, 123, "备注", 8)
    sheet.text(8, 131, "开票人：", 9)
    sheet.text(22, 131, "王敏", 9)


def _items(sheet: Any, facts: Facts, cols: list[float], heads: tuple[str, ...], top: float) -> None:
    for x0, x1, head in zip(cols, cols[1:], heads, strict=False):
        sheet.text((x0 + x1) / 2, top, head, 8, "c")
    for i, item in enumerate(facts.items):
        y = top + 6 + i * 5
        sheet.text(cols[0] + 1.5, y, item.name, 7.8)
        sheet.text((cols[2] + cols[3]) / 2, y, item.unit, 8, "c")
        sheet.text(cols[4] - 2, y, item.quantity, 8, "r")
        if item.quantity:
            sheet.text(cols[5] - 2, y, f"{item.amount}", 8, "r")
        sheet.text(cols[6] - 2, y, f"{item.amount}", 8, "r")
        sheet.text((cols[6] + cols[7]) / 2, y, f"{item.rate}%", 8, "c")
        sheet.text(cols[8] - 2, y, f"{item.tax}", 8, "r")
    sheet.text(20, top + 40, "合　　计", 8.5, "c")
    sheet.text(cols[6] - 2, top + 40, f"¥{facts.amount}", 8.5, "r")
    sheet.text(cols[8] - 2, top + 40, f"¥{facts.tax}", 8.5, "r")


def draw_classic(sheet: Any, facts: Facts) -> None:
    """增值税电子普通发票: labelled code/number/date top right, buyer above, seller below."""
    sheet.text(120, 17, "湖南增值税电子普通发票", 17, "c")
    sheet.text(10, 31, "机器编号：", 8.5)
    sheet.text(26, 31, "661616316987", 8.5)
    for i, (label, value) in enumerate(
        (
            ("发票代码：", facts.code or ""),
            ("发票号码：", facts.number),
            ("开票日期：", facts.cn_date),
            ("校 验 码：", "12345 67890 12345 67890"),
        )
    ):
        sheet.text(160, 10 + i * 6.5, label, 9)
        sheet.text(177, 10 + i * 6.5, value, 9)
    sheet.vtext(11, 35, 55, "购买方", 9)
    sheet.vtext(143, 35, 55, "密码区", 9)
    labels = ("名　　　　称：", "纳税人识别号：", "地 址、电 话：", "开户行及账号：")
    rng = random.Random(4)
    for i, (label, value) in enumerate(
        zip(
            labels,
            (
                *facts.buyer,
                "长沙市岳麓区麓谷大道668号 0731-88886666",
                "中国银行长沙麓谷支行 6013 8200 0012 3456",
            ),
            strict=True,
        )
    ):
        sheet.text(16, 39.5 + i * 5, label, 8.5)
        sheet.text(40, 39.5 + i * 5, value, 8.5)
        sheet.text(
            148, 40 + i * 4.6, "".join(rng.choice("0123456789+-*/<>") for _ in range(28)), 8.5
        )
    _items(
        sheet,
        facts,
        [8, 66, 88, 100, 116, 145, 178, 190, 232],
        ("货物或应税劳务、服务名称", "规格型号", "单位", "数量", "单价", "金额", "税率", "税额"),
        60.5,
    )
    sheet.text(10, 110, "价税合计（大写）", 8.5)
    sheet.text(55, 110, "ⓧ" + facts.words, 9)
    sheet.text(168, 110, "（小写）", 8.5)
    sheet.text(182, 110, f"¥{facts.total}", 9)
    sheet.vtext(11, 113, 129, "销售方", 9)
    for i, (label, value) in enumerate(
        zip(
            labels,
            (
                *facts.seller,
                "长沙市高新区文轩路27号 0731-85556666",
                "招商银行长沙分行 7319 0123 4567 890",
            ),
            strict=True,
        )
    ):
        sheet.text(16, 116 + i * 4.3, label, 8)
        sheet.text(40, 116 + i * 4.3, value, 8)
    sheet.text(10, 136, "收款人：", 9)
    sheet.text(60, 136, "复核：", 9)
    sheet.text(110, 136, "开票人：", 9)
    sheet.text(170, 136, "销售方：（章）", 9)


def invoice_pdf(path: Path, facts: Facts, draw: Any, size: tuple[float, float]) -> Path:
    sheet = PdfSheet(path, *size)
    draw(sheet, facts)
    sheet.save()
    return path


# ---- drawing: a scan -------------------------------------------------------------------------


class ScanSheet:
    """The same drawing calls on a 200 dpi Pillow image (mm → px)."""

    def __init__(self, width: float, height: float) -> None:
        self.px = 200 / 25.4
        self.image = Image.new(
            "RGB", (round(width * self.px), round(height * self.px)), (252, 250, 245)
        )
        self.draw = ImageDraw.Draw(self.image)

    def text(self, x: float, y: float, text: str, size: float = 9, align: str = "l") -> None:
        font = ImageFont.truetype(ZENHEI, round(size * 25.4 / 72 * self.px))
        anchor = {"r": "rs", "c": "ms"}.get(align, "ls")
        self.draw.text(
            (x * self.px, y * self.px), text, font=font, fill=(30, 30, 30), anchor=anchor
        )

    def vtext(self, x: float, top: float, bottom: float, text: str, size: float) -> None:
        step = (bottom - top) / len(text)
        for i, ch in enumerate(text):
            self.text(x, top + step * (i + 0.7), ch, size, "c")


def invoice_jpeg(path: Path, facts: Facts) -> Path:
    sheet = ScanSheet(240, 140)
    draw_classic(sheet, facts)
    sheet.image.save(path, "JPEG", quality=88, dpi=(200, 200))
    return path


# ---- drawing: OFD and XML ----------------------------------------------------------------------

OFD_NS = "http://www.ofdspec.org/2016"


def _advances(text: str, size: float) -> str:
    return " ".join(f"{size * (0.5 if ch.isascii() else 1.0):.3f}" for ch in text[1:])


class OfdSheet:
    """Text objects in mm, collected for an OFD page (Boundary "x y w h", baseline inside)."""

    def __init__(self) -> None:
        self.objects: list[str] = []
        self.ids: dict[str, int] = {}

    def text(self, x: float, y: float, text: str, size: float = 9, align: str = "l") -> None:
        s = size * 25.4 / 72
        width = sum(s * (0.5 if ch.isascii() else 1.0) for ch in text)
        x0 = {"r": x - width, "c": x - width / 2}.get(align, x)
        oid = 100 + len(self.objects)
        self.ids.setdefault(text, oid)
        self.objects.append(
            f'<ofd:TextObject ID="{oid}" Boundary="{x0:.2f} {y - s:.2f} {width + 1:.2f} {s * 1.3:.2f}" Font="3" Size="{s:.3f}">'
            f'<ofd:TextCode X="0" Y="{s:.3f}" DeltaX="{_advances(text, s)}">{escape(text)}</ofd:TextCode></ofd:TextObject>'
        )

    def vtext(self, x: float, top: float, bottom: float, text: str, size: float) -> None:
        step = (bottom - top) / len(text)
        for i, ch in enumerate(text):
            self.text(x, top + step * (i + 0.7), ch, size, "c")


def ofd_file(path: Path, facts: Facts, *, original: bool, custom_tags: bool) -> Path:
    sheet = OfdSheet()
    draw_classic(sheet, facts)
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content>'
        f'<ofd:Layer ID="2">{"".join(sheet.objects)}</ofd:Layer></ofd:Content></ofd:Page>'
    )
    members = {
        "OFD.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.1" DocType="OFD">'
            "<ofd:DocBody><ofd:DocInfo><ofd:DocID>a1b2c3</ofd:DocID><ofd:CustomDatas>"
            f'<ofd:CustomData Name="发票号码">{facts.number}</ofd:CustomData>'
            f'<ofd:CustomData Name="合计金额">{facts.amount}</ofd:CustomData>'
            "</ofd:CustomDatas></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
        ),
        "Doc_0/Document.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{OFD_NS}"><ofd:CommonData>'
            "<ofd:MaxUnitID>999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 240 140</ofd:PhysicalBox></ofd:PageArea>"
            '</ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>'
            "<ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments><ofd:CustomTags>Tags/CustomTags.xml</ofd:CustomTags>"
            "</ofd:Document>"
        ),
        "Doc_0/Pages/Page_0/Content.xml": content,
    }
    if original:
        goods = "".join(
            f"<fp:GoodsInfo><fp:Item>{i.name}</fp:Item><fp:Amount>{i.amount}</fp:Amount>"
            f"<fp:TaxScheme>{i.rate}%</fp:TaxScheme><fp:TaxAmount>{i.tax}</fp:TaxAmount></fp:GoodsInfo>"
            for i in facts.items
        )
        members["Doc_0/Attachs/original_invoice.xml"] = (
            '<?xml version="1.0" encoding="UTF-8"?><fp:eInvoice xmlns:fp="http://www.edrm.org.cn/schema/e-invoice/2019">'
            f"<fp:InvoiceCode>{facts.code}</fp:InvoiceCode><fp:InvoiceNo>{facts.number}</fp:InvoiceNo>"
            f"<fp:IssueDate>{facts.cn_date}</fp:IssueDate>"
            f"<fp:Buyer><fp:BuyerName>{facts.buyer[0]}</fp:BuyerName><fp:BuyerTaxID>{facts.buyer[1]}</fp:BuyerTaxID></fp:Buyer>"
            f"<fp:Seller><fp:SellerName>{facts.seller[0]}</fp:SellerName><fp:SellerTaxID>{facts.seller[1]}</fp:SellerTaxID></fp:Seller>"
            f"<fp:TaxInclusiveTotalAmount>{facts.total}</fp:TaxInclusiveTotalAmount>"
            f"<fp:TaxExclusiveTotalAmount>{facts.amount}</fp:TaxExclusiveTotalAmount>"
            f"<fp:TaxTotalAmount>{facts.tax}</fp:TaxTotalAmount><fp:GoodsInfos>{goods}</fp:GoodsInfos></fp:eInvoice>"
        )
        members["Doc_0/Attachs/Attachments.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Attachments xmlns:ofd="{OFD_NS}"><ofd:Attachment ID="900" '
            'Name="original_invoice" Format="xml"><ofd:FileLoc>original_invoice.xml</ofd:FileLoc></ofd:Attachment></ofd:Attachments>'
        )
    if custom_tags:

        def ref(text: str) -> str:
            return f'<ofd:ObjectRef PageRef="1">{sheet.ids[text]}</ofd:ObjectRef>'

        members["Doc_0/Tags/CustomTags.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:CustomTags xmlns:ofd="{OFD_NS}"><ofd:CustomTag TypeID="0">'
            "<ofd:FileLoc>CustomTag.xml</ofd:FileLoc></ofd:CustomTag></ofd:CustomTags>"
        )
        members["Doc_0/Tags/CustomTag.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:eInvoice xmlns:ofd="{OFD_NS}">'
            f"<ofd:InvoiceCode>{ref(facts.code or '')}</ofd:InvoiceCode><ofd:InvoiceNo>{ref(facts.number)}</ofd:InvoiceNo>"
            f"<ofd:IssueDate>{ref(facts.cn_date)}</ofd:IssueDate>"
            f"<ofd:Buyer><ofd:BuyerName>{ref(facts.buyer[0])}</ofd:BuyerName><ofd:BuyerTaxID>{ref(facts.buyer[1])}</ofd:BuyerTaxID></ofd:Buyer>"
            f"<ofd:Seller><ofd:SellerName>{ref(facts.seller[0])}</ofd:SellerName><ofd:SellerTaxID>{ref(facts.seller[1])}</ofd:SellerTaxID></ofd:Seller>"
            f"<ofd:TaxExclusiveTotalAmount>{ref('¥' + str(facts.amount))}</ofd:TaxExclusiveTotalAmount>"
            "</ofd:eInvoice>"
        )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


def digital_xml(path: Path, facts: Facts) -> Path:
    items = "".join(
        f"<IssuItemInformation><ItemName>{i.name}</ItemName><SpecMod/><MeaUnits>{i.unit}</MeaUnits>"
        f"<Quantity>{i.quantity}</Quantity><Amount>{i.amount}</Amount>"
        f"<TaxRate>{Decimal(i.rate) / 100}</TaxRate><ComTaxAm>{i.tax}</ComTaxAm></IssuItemInformation>"
        for i in facts.items
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<EInvoice>'
        f"<Header><EIid>{facts.number}</EIid><EInvoiceTag>SWEI4300</EInvoiceTag><Version>0.1</Version></Header>"
        "<EInvoiceData>"
        f"<SellerInformation><SellerIdNum>{facts.seller[1]}</SellerIdNum><SellerName>{facts.seller[0]}</SellerName></SellerInformation>"
        f"<BuyerInformation><BuyerIdNum>{facts.buyer[1]}</BuyerIdNum><BuyerName>{facts.buyer[0]}</BuyerName></BuyerInformation>"
        f"<BasicInformation><TotalAmWithoutTax>{facts.amount}</TotalAmWithoutTax><TotalTaxAm>{facts.tax}</TotalTaxAm>"
        f"<TotalTax-includedAmount>{facts.total}</TotalTax-includedAmount>"
        f"<TotalTax-includedAmountInChinese>{facts.words}</TotalTax-includedAmountInChinese>"
        f"<RequestTime>{facts.date} 10:22:31</RequestTime></BasicInformation>"
        f"{items}</EInvoiceData>"
        f"<TaxSupervisionInfo><InvoiceNumber>{facts.number}</InvoiceNumber><IssueTime>{facts.date} 10:22:35</IssueTime></TaxSupervisionInfo>"
        "</EInvoice>",
        encoding="utf-8",
    )
    return path


# ---- reading ---------------------------------------------------------------------------------


def read(path: Path, engine: Any) -> tuple[InputFile, list[Page]]:
    f = input_file(path)
    return f, list(read_pages(f, engine))


# ---- the sample batch ----------------------------------------------------------------------------

SAMPLE_OCR_PAGES = 10  # sample scans OCRed by this module
MONEY = {"amount", "tax_amount", "total", "items"}


def _truth_documents() -> list[dict[str, Any]]:
    path = SAMPLES / "truth.json"
    if not path.exists():
        return []
    truth = json.loads(path.read_text(encoding="utf-8"))
    docs = [
        {"application": name.removesuffix(".zip"), **doc}
        for name, app in truth["applications"].items()
        for doc in app["documents"]
        if doc["type"] == "invoice"
    ]
    chosen, ocr_pages = [], 0
    for doc in docs:
        if doc.get("scanned"):
            if ocr_pages + len(doc["pages"]) > SAMPLE_OCR_PAGES:
                continue
            ocr_pages += len(doc["pages"])
        chosen.append(doc)
    return chosen


SAMPLE_DOCS = _truth_documents()


@pytest.fixture(scope="module")
def sample_pages(
    tmp_path_factory: pytest.TempPathFactory, engine: Any
) -> dict[tuple[str, str], tuple[InputFile, list[Page]]]:
    """Each sample file that holds an invoice, through the real intake (zipped applications
    opened) and read once; of a dossier scanned into one PDF only the invoice pages are OCRed."""
    batch = scan_batch(SAMPLES / "batch", tmp_path_factory.mktemp("work"))
    files = {(app.name, f.file): f for app in batch.applications for f in app.files}
    wanted: dict[tuple[str, str], set[int]] = {}
    for doc in SAMPLE_DOCS:
        wanted.setdefault((doc["application"], doc["file"]), set()).update(doc["pages"])
    return {
        key: (files[key], _read_some(files[key], numbers, engine))
        for key, numbers in wanted.items()
    }


def _read_some(f: InputFile, numbers: set[int], engine: Any) -> list[Page]:
    """The real page reader; for the invoice pages of a combined scan, its OCR step alone."""
    if f.format == "pdf" and max(numbers) > len(numbers):
        import numpy as np
        import pypdfium2 as pdfium

        pages: list[Page] = []
        doc = pdfium.PdfDocument(f.path)
        try:
            for n in sorted(numbers):
                bitmap = doc[n - 1].render(scale=200 / 72)
                image = np.asarray(bitmap.to_pil().convert("RGB"))
                pages.append(ocr_page(f.file, n, image, engine, 200))
        finally:
            doc.close()
        return pages
    return [p for p in read_pages(f, engine) if p.number in numbers]


@pytest.mark.skipif(not SAMPLE_DOCS, reason="samples/truth.json has no invoices")
def test_sample_batch_invoices(
    sample_pages: dict[tuple[str, str], tuple[InputFile, list[Page]]],
) -> None:
    wrong: list[str] = []
    for doc in SAMPLE_DOCS:
        f, pages = sample_pages[(doc["application"], doc["file"])]
        mine = [p for p in pages if p.number in doc["pages"]]
        result = invoice.extract(f.file, mine)
        rec = result.record.model_dump(mode="json")
        for name, expected in doc["fields"].items():
            got = rec.get(name)
            if got == expected:
                continue
            # On a scan OCR may garble a code or a name beyond repair: then it must be left
            # unread (null, with a reason), never guessed. Money must always be exact.
            if doc.get("scanned") and got is None and name not in MONEY and name in result.unread:
                continue
            wrong.append(f"{doc['file']} {name}: {got!r} != {expected!r}")
    assert any(d.get("scanned") for d in SAMPLE_DOCS)
    assert not wrong, "\n".join(wrong)


# ---- invoices made here ------------------------------------------------------------------------


def test_digital_invoice_text_pdf_side_by_side(tmp_path: Path) -> None:
    f, pages = read(invoice_pdf(tmp_path / "数电票.pdf", DIGITAL, draw_digital, (210, 140)), None)
    assert pages[0].source == "text-layer"
    result = invoice.extract(f.file, pages)
    assert_invoice(result, DIGITAL)
    assert "invoice_code" not in result.unread  # a 数电票 has none: null is the value
    assert result.unread == {"qr": "未在发票页面上识别到二维码"}  # drawn without one
    buyer, seller = result.evidence["buyer_name"], result.evidence["seller_name"]
    assert buyer.bbox is not None and seller.bbox is not None
    assert buyer.bbox[2] < seller.bbox[0]  # side by side: the buyer's block is the left one


def test_classic_invoice_with_discount_line(tmp_path: Path) -> None:
    f, pages = read(invoice_pdf(tmp_path / "dzfp.pdf", DISCOUNTED, draw_classic, (240, 140)), None)
    result = invoice.extract(f.file, pages)
    assert_invoice(result, DISCOUNTED)
    assert result.unread == {"qr": "未在发票页面上识别到二维码"}  # drawn without one
    assert result.evidence["invoice_code"].text.endswith("043001800111")


def test_scanned_invoice_with_discount_line(tmp_path: Path, engine: Any) -> None:
    f, pages = read(invoice_jpeg(tmp_path / "专票扫描.jpg", DISCOUNTED), engine)
    assert pages[0].source == "ocr"
    result = invoice.extract(f.file, pages)
    assert_invoice(result, DISCOUNTED)
    assert 0.5 < result.confidence < 1


def test_ofd_with_original_invoice_xml(tmp_path: Path) -> None:
    f, pages = read(
        ofd_file(tmp_path / "fp.ofd", DISCOUNTED, original=True, custom_tags=False), None
    )
    assert f.format == "ofd" and pages[0].source == "xml"
    result = invoice.extract(f.file, pages)
    assert_invoice(result, DISCOUNTED)
    assert "original_invoice.xml" in result.evidence["buyer_name"].text
    assert "original_invoice.xml" in result.evidence["items"].text
    assert result.confidence == 1.0


def test_ofd_without_original_invoice_xml(tmp_path: Path) -> None:
    f, pages = read(
        ofd_file(tmp_path / "fp.ofd", DISCOUNTED, original=False, custom_tags=True), None
    )
    result = invoice.extract(f.file, pages)
    assert_invoice(result, DISCOUNTED)
    # CustomTag.xml points at the page's text objects: the evidence has their page and box
    ev = result.evidence["seller_name"]
    assert "CustomTag.xml" in ev.text and ev.page == 1 and ev.bbox is not None
    # nothing in the zip but the page: the printed layout alone
    f2, pages2 = read(
        ofd_file(tmp_path / "plain.ofd", DISCOUNTED, original=False, custom_tags=False), None
    )
    result2 = invoice.extract(f2.file, pages2)
    assert_invoice(result2, DISCOUNTED)
    assert "OFD.xml" in result2.evidence["invoice_number"].text  # its CustomData came first


def test_digital_invoice_xml(tmp_path: Path) -> None:
    f, pages = read(digital_xml(tmp_path / "dzfp_24432000000012345678.xml", DIGITAL), None)
    assert f.format == "xml"
    result = invoice.extract(f.file, pages)
    assert_invoice(result, DIGITAL)
    assert result.unread == {}
    assert "<BuyerName>" in result.evidence["buyer_name"].text


# ---- corner cases on hand-built pages ------------------------------------------------------------


def ocr_lines(cells: Sequence[tuple[str, float, float]]) -> list[Line]:
    return [
        Line(
            text=t,
            bbox=(x, y, x + 28 * len(t) * (0.55 if t.isascii() else 1), y + 28),
            confidence=0.93,
        )
        for t, x, y in cells
    ]


def hand_page(lines: list[Line]) -> Page:
    return Page(
        file="p.jpg", number=1, source="ocr", width=1890, height=1100, unit="px", lines=lines
    )


HAND_FILE = "p.jpg"
BUYER_BLOCK = [
    ("购", 60, 300),
    ("名称：湖南星辰智能装备有限公司", 120, 300),
    ("纳税人识别号：" + BUYER[1], 120, 350),
]
SELLER_BLOCK = [
    ("销", 60, 900),
    ("名称：长沙云智信息技术有限公司", 120, 900),
    ("纳税人识别号：" + SELLER[1], 120, 950),
]
TABLE = [
    ("货物或应税劳务、服务名称", 100, 450),
    ("金额", 1200, 450),
    ("税率", 1450, 450),
    ("税额", 1700, 450),
    ("*信息技术服务*平台运维服务", 70, 510),
    ("20000.00", 1180, 510),
    ("6%", 1440, 510),
    ("1200.00", 1680, 510),
    ("合计", 200, 800),
    ("¥20000.00", 1150, 800),
    ("¥1200.00", 1660, 800),
]


def test_parties_by_position_not_by_order() -> None:
    # the seller's lines come first, as OCR may return them; the marks are missing
    lines = ocr_lines([c for c in SELLER_BLOCK + TABLE + BUYER_BLOCK if len(c[0]) > 1])
    rec = invoice.extract(HAND_FILE, [hand_page(lines)]).record
    assert isinstance(rec, Invoice)
    assert (rec.buyer_name, rec.seller_name) == (BUYER[0], SELLER[0])
    assert (rec.buyer_credit_code, rec.seller_credit_code) == (BUYER[1], SELLER[1])


def test_parties_by_their_marks() -> None:
    # an unusual form with the seller's block on top: the 销/购 marks decide, not the position
    swapped = [(t, x, y + 600 if y < 400 else y - 600) for t, x, y in BUYER_BLOCK + SELLER_BLOCK]
    rec = invoice.extract(HAND_FILE, [hand_page(ocr_lines(swapped + TABLE))]).record
    assert isinstance(rec, Invoice)
    assert (rec.buyer_name, rec.seller_name) == (BUYER[0], SELLER[0])


def test_one_unplaceable_party_is_not_guessed() -> None:
    lines = ocr_lines([("名称：湖南星辰智能装备有限公司", 120, 300)])
    result = invoice.extract(HAND_FILE, [hand_page(lines)])
    assert isinstance(result.record, Invoice)
    assert result.record.buyer_name is None and result.record.seller_name is None
    assert {"buyer_name", "seller_name", "invoice_code"} <= result.unread.keys()


def test_wrong_digit_count_is_not_read() -> None:
    lines = ocr_lines([("发票号码：1234567", 1200, 60), ("发票代码：04300180011", 1200, 20)])
    result = invoice.extract(HAND_FILE, [hand_page(lines)])
    assert "invoice_number" in result.unread and "invoice_code" in result.unread


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("6%", "6%"),
        ("0.13", "13%"),
        ("0.06", "6%"),
        ("免税", "免税"),
        ("13％", "13%"),
        ("***", "***"),
    ],
)
def test_tax_rates(text: str, rate: str) -> None:
    assert invoice.tax_rate(text) == rate
