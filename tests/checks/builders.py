"""A small consistent dossier built by hand, for tests to spoil one field at a time.

`Dossier()` holds each document's fields as plain dicts (money as strings, 元 in documents,
万元 on the form), exactly what an extractor writes; `report()` turns them into a Report
whose every read field has an Evidence, like the pipeline's.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from extractors.common.amounts import to_chinese_upper
from extractors.common.credit_code import check_digit
from pipeline.checks import load_rules, run_checks
from pipeline.models import Declared, Document, Evidence, FileEntry, Finding, Report

CODE = "91430104MA4L0AB2C" + check_digit("91430104MA4L0AB2C")
OTHER_CODE = "91440300MA5F0AB2C" + check_digit("91440300MA5F0AB2C")  # valid, Shenzhen
NAME = "湖南云测智能科技有限公司"


def words(amount: str) -> str:
    return to_chinese_upper(Decimal(amount))


def statement(
    assets: str, liabilities: str, revenue: str, profit: str, net: str, surcharges: str, tax: str
) -> dict[str, Any]:
    return {
        "total_assets": assets,
        "total_liabilities": liabilities,
        "total_equity": str(Decimal(assets) - Decimal(liabilities)),
        "revenue": revenue,
        "total_profit": profit,
        "net_profit": net,
        "taxes_and_surcharges": surcharges,
        "income_tax": tax,
    }


Y2016 = statement(
    "80000000.00",
    "40000000.00",
    "70000000.00",
    "9000000.00",
    "7650000.00",
    "600000.00",
    "1350000.00",
)
Y2017 = statement(
    "100000000.00",
    "45000000.00",
    "80000000.00",
    "12000000.00",
    "10200000.00",
    "800000.00",
    "1800000.00",
)
Y2018 = statement(
    "123456789.00",
    "61728394.50",
    "98765432.10",
    "15000000.00",
    "12750000.00",
    "1000000.00",
    "2250000.00",
)


def _form() -> dict[str, Any]:
    return {
        "company_name": NAME,
        "credit_code": CODE,
        "established": "2015-03-18",
        "industry": ["电子信息"],
        "city": "长沙市",
        "county": "岳麓区",
        "address": "长沙市岳麓区麓谷大道1号",
        "years": {
            # 万元 = audited 元 / 10000 rounded half-up; ratio = liabilities / assets × 100.
            "2017": {
                "total_assets": "10000.00",
                "debt_ratio": "45.00",
                "revenue": "8000.00",
                "tax": "480.00",  # no certificate for 2017: above 税金及附加 + 所得税 (260)
                "profit": "1200.00",
                "employees": 100,
            },
            "2018": {
                "total_assets": "12345.68",
                "debt_ratio": "50.00",
                "revenue": "9876.54",
                "tax": "543.21",  # the 2018 certificate's total
                "profit": "1500.00",
                "employees": 120,
            },
        },
        "project": {
            "name": "云测设备上云项目",
            "start": "2017-06",
            "end": "2018-12",
            "total_cost": "150.00",
            "costs": {
                "development": "80.00",
                "devices": None,
                "testing_consulting": None,
                "staff": "20.00",
                "public_cloud": "50.00",
                "platform_services": None,
                "network": None,
                "implementation": None,
            },
        },
        "elements": ["1.2"],
        "description_chars": 800,
    }


def _licence() -> dict[str, Any]:
    return {
        "company_name": NAME,
        "credit_code": CODE,
        "registration_number": None,
        "company_type": "有限责任公司",
        "legal_representative": "张三",
        "registered_capital": "10000000",
        "established": "2015-03-18",
        "address": "湖南省长沙市岳麓区麓谷大道1号",
        "business_scope": "软件开发",
        "issue_date": "2017-01-05",
    }


def _audit(year: str, current: dict[str, Any], prior: dict[str, Any]) -> dict[str, Any]:
    return {
        "company_name": NAME,
        "year": year,
        "auditor": "湖南某会计师事务所",
        "opinion": "标准无保留意见",
        **current,
        "prior_year": dict(prior),
    }


def _certificate() -> dict[str, Any]:
    return {
        "taxpayer_name": NAME,
        "credit_code": CODE,
        "period_start": "2018-01-01",
        "period_end": "2018-12-31",
        "total_amount": "5432100.00",
        "total_in_words": words("5432100.00"),
        "items": [
            {
                "tax_type": "增值税",
                "period_start": "2018-01-01",
                "period_end": "2018-12-31",
                "paid_date": None,
                "amount": "3182100.00",
            },
            {
                "tax_type": "企业所得税",
                "period_start": "2018-01-01",
                "period_end": "2018-12-31",
                "paid_date": None,
                "amount": "2250000.00",
            },
        ],
        "certificate_number": "(191)湘税证 00000001",
        "issue_date": "2019-03-01",
    }


def _invoice(code: str, number: str, date: str, amount: str, tax: str) -> dict[str, Any]:
    total = str(Decimal(amount) + Decimal(tax))
    return {
        "invoice_code": code,
        "invoice_number": number,
        "issue_date": date,
        "buyer_name": NAME,
        "buyer_credit_code": CODE,
        "seller_name": "长沙云服务有限公司",
        "seller_credit_code": "914301040577013424",
        "amount": amount,
        "tax_amount": tax,
        "total": total,
        "total_in_words": words(total),
        "items": [],
    }


def _contract(number: str, date: str, amount: str) -> dict[str, Any]:
    return {
        "contract_number": number,
        "party_a": NAME,
        "party_b": "长沙云服务有限公司",
        "sign_date": date,
        "amount": amount,
        "amount_in_words": words(amount),
        "subject": "云平台服务",
    }


def leaves(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [kv for k, v in value.items() for kv in leaves(v, f"{prefix}{k}.")]
    return [(prefix.rstrip("."), value)]


@dataclass
class Doc:
    file: str
    type: str
    fields: dict[str, Any]
    pages: list[int] = field(default_factory=lambda: [1])
    texts: dict[str, str] = field(default_factory=dict)  # evidence text overrides
    unread: dict[str, str] = field(default_factory=dict)

    def document(self) -> Document:
        evidence = {
            key: Evidence(
                file=self.file,
                page=self.pages[0],
                bbox=(10, 10, 100, 30),
                text=self.texts.get(key, f"{key}：{value}"),
            )
            for key, value in leaves(self.fields)
            if value is not None and key not in self.unread
        }
        return Document(
            file=self.file,
            pages=self.pages,
            type=self.type,  # type: ignore[arg-type]
            confidence=0.95,
            fields=self.fields,
            evidence=evidence,
            unread=self.unread,
        )


@dataclass
class Dossier:
    """The consistent application; change `form`, `licence`, … before calling `report()`."""

    docs: list[Doc] = field(default_factory=list)
    files: list[FileEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.docs:
            self.docs = [
                Doc("申报书.docx", "application_form", _form()),
                Doc("营业执照.jpg", "business_licence", _licence()),
                Doc("审计报告2017.pdf", "audit_report", _audit("2017", Y2017, Y2016), [1, 2, 3, 4]),
                Doc("审计报告2018.pdf", "audit_report", _audit("2018", Y2018, Y2017), [1, 2, 3, 4]),
                Doc("完税证明.jpg", "tax_certificate", _certificate()),
                Doc(
                    "发票/A.pdf",
                    "invoice",
                    _invoice("043001700111", "00000001", "2017-09-01", "471698.11", "28301.89"),
                ),
                Doc(
                    "发票/B.pdf",
                    "invoice",
                    _invoice("043001800111", "00000002", "2018-05-01", "754716.98", "45283.02"),
                ),
                Doc(
                    "合同/一期.pdf",
                    "contract",
                    _contract("HT-2017-01", "2017-08-01", "500000.00"),
                    [1, 2],
                ),
                Doc(
                    "合同/二期.pdf",
                    "contract",
                    _contract("HT-2018-01", "2018-04-01", "800000.00"),
                    [1, 2],
                ),
            ]

    # -- access by type ----------------------------------------------------------------

    def of(self, doc_type: str) -> list[Doc]:
        return [d for d in self.docs if d.type == doc_type]

    @property
    def form(self) -> dict[str, Any]:
        return self.of("application_form")[0].fields

    @property
    def licence(self) -> dict[str, Any]:
        return self.of("business_licence")[0].fields

    def audit(self, year: str) -> dict[str, Any]:
        return next(d.fields for d in self.of("audit_report") if d.fields["year"] == year)

    @property
    def certificate(self) -> dict[str, Any]:
        return self.of("tax_certificate")[0].fields

    @property
    def invoices(self) -> list[dict[str, Any]]:
        return [d.fields for d in self.of("invoice")]

    @property
    def contracts(self) -> list[dict[str, Any]]:
        return [d.fields for d in self.of("contract")]

    def year(self, year: str) -> dict[str, Any]:
        years: dict[str, dict[str, Any]] = self.form["years"]
        return years[year]

    def drop(self, doc_type: str, year: str | None = None) -> None:
        self.docs = [
            d
            for d in self.docs
            if not (d.type == doc_type and (year is None or d.fields.get("year") == year))
        ]

    def add(self, doc: Doc) -> None:
        self.docs.append(doc)

    def copy(self) -> Dossier:
        return copy.deepcopy(self)

    # -- results ------------------------------------------------------------------------

    def report(self) -> Report:
        documents = [d.document() for d in self.docs]
        form = next((d for d in documents if d.type == "application_form"), None)
        files = self.files or [
            FileEntry(file=f, status="processed") for f in sorted({d.file for d in self.docs})
        ]
        return Report(
            application="001_湖南云测智能科技有限公司",
            declared=Declared.model_validate(form.fields) if form else None,
            files=files,
            documents=documents,
        )

    def findings(
        self, field_name: str | None = None, rules: dict[str, Any] | None = None
    ) -> list[Finding]:
        found = run_checks(self.report(), rules or load_rules())
        return [f for f in found if field_name is None or f.field == field_name]

    def serious(self, field_name: str | None = None) -> list[Finding]:
        """Findings other than info (the consistent dossier has only info ones)."""
        return [f for f in self.findings(field_name) if f.severity != "info"]


def rules_with(**changes: dict[str, Any]) -> dict[str, Any]:
    """rules.toml with some sections' keys changed.

    rules_with(figures={"rel_tolerance": "0.01"})
    """
    rules = copy.deepcopy(load_rules())
    for section, values in changes.items():
        rules[section].update(values)
    return rules
