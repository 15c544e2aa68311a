"""Records passed between the stages, and the report of ../shared/contract.md.

Field names here are the contract's: others read them. Money is `Decimal` in memory and
becomes a JSON number only when a report is written out.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

# Decimal in memory; a plain JSON number on the way out (pydantic would write a string).
Money = Annotated[
    Decimal,
    PlainSerializer(lambda d: float(d), return_type=float, when_used="json"),
    WithJsonSchema({"type": "number"}),
]

FileStatus = Literal["processed", "duplicate", "unsupported", "unreadable", "rejected"]
DocType = Literal[
    "application_form",
    "business_licence",
    "audit_report",
    "tax_certificate",
    "invoice",
    "contract",
    "other",
]
Severity = Literal["error", "warning", "info"]
PageSource = Literal["text-layer", "ocr", "docx", "xml"]

# Formats recognised by content (magic bytes), see pipeline/intake.py.
FileFormat = Literal[
    "pdf", "docx", "ofd", "xml", "jpeg", "png", "tiff", "zip", "bmp", "gif", "webp", "unknown"
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- intake ---------------------------------------------------------------------------


class InputFile(Model):
    """One file found in an application, after format detection and hashing."""

    file: str = Field(
        description="path inside the application, '/'-separated; a.zip/b.pdf for archive members"
    )
    path: str = Field(
        description="where the bytes are on disk now (inside the batch or the work folder)"
    )
    sha256: str
    size: int
    format: FileFormat
    status: FileStatus = "processed"
    reason: str | None = None
    pages: int | None = Field(
        default=None, description="pages counted at intake (progress totals); None if not read"
    )


class Application(Model):
    name: str = Field(description="the application's folder or zip name")
    files: list[InputFile] = []
    problem: str | None = Field(
        default=None, description="why the application itself could not be read"
    )


class Batch(Model):
    name: str
    source: str
    applications: list[Application] = []


# ---- pages ----------------------------------------------------------------------------

BBox = tuple[float, float, float, float]  # x0, y0, x1, y1 in the page's own units, y down


class Line(Model):
    text: str
    bbox: BBox
    confidence: float = 1.0
    quad: list[tuple[float, float]] | None = Field(
        default=None, description="4-point box from OCR, clockwise from top-left"
    )


class Word(Model):
    """One piece of text as the format draws it: a PDF text run, an OFD text code, an OCR box."""

    text: str
    bbox: BBox
    confidence: float = 1.0
    size: float | None = Field(
        default=None, description="font size in the page's unit, where the format gives it"
    )


# ---- structured payloads: what a structured format holds beyond its text ------------------

TICK = "☑"  # a ticked checkbox, however the .docx stored it
BOX = "□"  # an empty one


class DocxCell(Model):
    text: str = Field(description="the cell's text, checkboxes as ☑/□; '' below a vertical merge")
    col: int = Field(description="first grid column the cell covers")
    span: int = 1


class DocxRow(Model):
    table: int
    index: int
    cells: list[DocxCell]

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cells]

    def at_col(self, col: int) -> DocxCell | None:
        for c in self.cells:
            if c.col <= col < c.col + c.span:
                return c
        return None


class DocxPayload(Model):
    """A .docx's body: paragraphs outside tables and every table row with merged cells
    resolved (each cell once, with its grid column and span), nested tables after their row."""

    kind: Literal["docx"] = "docx"
    paragraphs: list[str] = []
    rows: list[DocxRow] = []


class XmlElement(Model):
    """An XML element: local tag name, its own text (not the tail), attributes, children.
    Comments and processing instructions are left out."""

    tag: str
    text: str = ""
    attrs: dict[str, str] = {}
    children: list[XmlElement] = []

    def iter(self) -> Iterator[XmlElement]:
        """This element and every element below it, in document order (as lxml's iter)."""
        yield self
        for child in self.children:
            yield from child.iter()

    def walk(
        self, parent: XmlElement | None = None
    ) -> Iterator[tuple[XmlElement, XmlElement | None]]:
        """(element, its parent) for this element and every one below, in document order."""
        yield self, parent
        for child in self.children:
            yield from child.walk(self)


class XmlPayload(Model):
    """A 数电票 .xml file's element tree; None when the file is too large to be an invoice."""

    kind: Literal["xml"] = "xml"
    root: XmlElement | None = None


class OfdTextObject(Model):
    id: str
    text: str
    page: int = Field(description="1-based, in the order of the package's Pages/Page_N parts")
    bbox: BBox = Field(description="the object's Boundary in pt, y down")


class OfdPayload(Model):
    """An OFD package's own XML parts (page contents excepted) as trees, and its text objects
    that carry an ID (what CustomTag.xml points at). Rides on the file's first page."""

    kind: Literal["ofd"] = "ofd"
    members: list[str] = Field(default=[], description="every member name, in package order")
    parts: dict[str, XmlElement] = Field(
        default={}, description="member name → tree, for the members that parse and fit"
    )
    text_objects: list[OfdTextObject] = []


Payload = Annotated[DocxPayload | XmlPayload | OfdPayload, Field(discriminator="kind")]


class Code(Model):
    """A QR code found on a page image (pipeline/qr.py): its text, where it lies."""

    text: str
    bbox: BBox


class Page(Model):
    file: str
    number: int = Field(description="1-based page number in the file")
    source: PageSource
    width: float
    height: float
    unit: Literal["pt", "px", "para"] = Field(
        description="pt for PDF text layers, px for rasters (at `dpi`), para for docx paragraphs"
    )
    dpi: int | None = None
    rotation: int = Field(default=0, description="degrees the page was turned before reading")
    lines: list[Line] = []
    words: list[Word] = Field(
        default=[],
        description="the text as the format draws it, each piece with its own box (PDF text runs,"
        " OFD text codes, OCR boxes); empty for paragraph pages (docx, xml)",
    )
    payload: Payload | None = Field(
        default=None, description="what a structured format holds beyond text (docx, OFD, XML)"
    )
    engine: str | None = Field(default=None, description="OCR engine and version, for OCR pages")
    codes: list[Code] = Field(default=[], description="QR codes decoded on the page image")

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


# ---- extraction ------------------------------------------------------------------------


class Evidence(Model):
    file: str
    page: int | None = None
    bbox: BBox | None = None
    text: str


class Document(Model):
    """A run of pages of one file that form one document, with what was read from it."""

    file: str
    pages: list[int]
    type: DocType
    confidence: float = Field(description="how sure the classification is, 0–1")
    extraction_confidence: float | None = Field(
        default=None, description="lowest confidence of the fields read (OCR score), 0–1"
    )
    fields: dict[str, Any] = {}
    evidence: dict[str, Evidence] = Field(
        default={}, description="where each field in `fields` was read (field name → evidence)"
    )
    unread: dict[str, str] = Field(
        default={}, description="fields that could not be read (field name → reason in Chinese)"
    )
    field_confidence: dict[str, float] = Field(
        default={},
        description=(
            "how sure each field's reading is after every cross-check, 0–1 (dotted names for "
            "nested values; 0 for an unread field); calibrated on documents the project was "
            "not built on"
        ),
    )


# ---- the application form's declarations (万元 as the form states them) -----------------


class YearFigures(Model):
    total_assets: Money | None = None  # 总资产（万元）
    debt_ratio: Money | None = None  # 资产负债率（%）
    revenue: Money | None = None  # 主营业务收入（万元）
    tax: Money | None = None  # 税金（万元）
    profit: Money | None = None  # 利润（万元）
    employees: int | None = None  # 从业人员（人）


class ProjectCosts(Model):
    development: Money | None = None
    devices: Money | None = None
    testing_consulting: Money | None = None
    staff: Money | None = None
    public_cloud: Money | None = None
    platform_services: Money | None = None
    network: Money | None = None
    implementation: Money | None = None


class Project(Model):
    name: str | None = None
    start: str | None = Field(default=None, description="YYYY-MM")
    end: str | None = Field(default=None, description="YYYY-MM")
    total_cost: Money | None = None
    costs: ProjectCosts = ProjectCosts()


class Declared(Model):
    company_name: str | None = None
    credit_code: str | None = None
    established: str | None = None
    industry: list[str] = []
    city: str | None = None
    county: str | None = None
    address: str | None = None
    years: dict[str, YearFigures] = {}
    project: Project = Project()
    elements: list[str] = []
    description_chars: int | None = None


# ---- typed records per document type (money in 元) -------------------------------------


class BusinessLicence(Model):
    company_name: str | None = None
    credit_code: str | None = None
    registration_number: str | None = None
    company_type: str | None = None
    legal_representative: str | None = None
    registered_capital: Money | None = None
    established: str | None = None
    address: str | None = None
    business_scope: str | None = None
    issue_date: str | None = None


class StatementFigures(Model):
    total_assets: Money | None = None
    total_liabilities: Money | None = None
    total_equity: Money | None = None
    revenue: Money | None = None
    total_profit: Money | None = None
    net_profit: Money | None = None
    taxes_and_surcharges: Money | None = None
    income_tax: Money | None = None


class AuditReport(StatementFigures):
    company_name: str | None = None
    year: str | None = None
    auditor: str | None = None
    opinion: str | None = None
    prior_year: StatementFigures | None = None


class TaxItem(Model):
    tax_type: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    paid_date: str | None = None
    amount: Money | None = None


class TaxCertificate(Model):
    taxpayer_name: str | None = None
    credit_code: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    total_amount: Money | None = None
    total_in_words: str | None = None
    items: list[TaxItem] = []
    certificate_number: str | None = None
    issue_date: str | None = None


class InvoiceItem(Model):
    name: str | None = None
    amount: Money | None = None
    tax_rate: str | None = None
    tax: Money | None = None


class InvoiceQr(Model):
    """What an invoice's own QR code says (the national payload, pipeline/qr.py)."""

    invoice_type: str | None = None
    invoice_code: str | None = None
    invoice_number: str | None = None
    issue_date: str | None = None
    amount: Money | None = None
    amount_kind: Literal["amount", "total"] = Field(
        default="amount", description="amount is the pre-tax 金额, or the 价税合计 (数电票)"
    )
    check_code: str | None = None


class Invoice(Model):
    invoice_code: str | None = None
    invoice_number: str | None = None
    issue_date: str | None = None
    buyer_name: str | None = None
    buyer_credit_code: str | None = None
    seller_name: str | None = None
    seller_credit_code: str | None = None
    amount: Money | None = None
    tax_amount: Money | None = None
    total: Money | None = None
    total_in_words: str | None = None
    items: list[InvoiceItem] = []
    qr: InvoiceQr | None = None


class Contract(Model):
    contract_number: str | None = None
    party_a: str | None = None
    party_b: str | None = None
    sign_date: str | None = None
    amount: Money | None = None
    amount_in_words: str | None = None
    subject: str | None = None


class Other(Model):
    title: str | None = None


RECORD_TYPES: dict[str, type[Model]] = {
    "application_form": Declared,
    "business_licence": BusinessLicence,
    "audit_report": AuditReport,
    "tax_certificate": TaxCertificate,
    "invoice": Invoice,
    "contract": Contract,
    "other": Other,
}


# ---- checks and report -----------------------------------------------------------------


# What a finding compares: money (万元 or 元, as its message says), counts, names, lists.
FindingValue = int | Money | str | list[str] | None


class Finding(Model):
    code: str
    field: str
    year: str | None = None
    severity: Severity
    declared: FindingValue = None
    found: FindingValue = None
    message: str
    evidence: list[Evidence] = []


class Submission(Model):
    """One application's documents as the checks across applications see them: of this
    batch (run_id None), or of an earlier run in the database."""

    application: str
    batch: str | None = None
    run_id: int | None = None
    declared: Declared | None = None
    documents: list[Document] = []


class FileEntry(Model):
    file: str
    sha256: str | None = None
    status: FileStatus
    reason: str | None = None
    format: FileFormat | None = None
    pages: int | None = Field(default=None, description="pages read from the file")


class Report(Model):
    application: str
    declared: Declared | None = None
    files: list[FileEntry] = []
    documents: list[Document] = []
    findings: list[Finding] = []
    stats: dict[str, int] = Field(
        default={}, description="pages by source (ocr, text-layer, docx, cached), files, documents"
    )

    @property
    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out
