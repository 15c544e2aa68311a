"""One extractor per document type; `extract` picks it by the document's type."""

from __future__ import annotations

from collections.abc import Callable

from extractors.base import Extraction
from pipeline.models import RECORD_TYPES, Other, Page

# (the file's name inside its application, its pages): nothing else, so no extractor can
# open a file; what a format holds beyond text comes in the pages' words and payload.
Extractor = Callable[[str, list[Page]], Extraction]


def _other(file: str, pages: list[Page]) -> Extraction:
    title = next((ln.text.strip() for p in pages for ln in p.lines if ln.text.strip()), None)
    return Extraction(record=Other(title=title), confidence=1.0 if title else 0.0)


def registry() -> dict[str, Extractor]:
    # Imported here so that a broken extractor fails its own documents, not the import of all.
    from extractors import (
        application_form,
        audit_report,
        business_licence,
        contract,
        invoice,
        tax_certificate,
    )

    return {
        "application_form": application_form.extract,
        "business_licence": business_licence.extract,
        "tax_certificate": tax_certificate.extract,
        "audit_report": audit_report.extract,
        "invoice": invoice.extract,
        "contract": contract.extract,
        "other": _other,
    }


def extract(doc_type: str, file: str, pages: list[Page]) -> Extraction:
    extractor = registry().get(doc_type)
    if extractor is None:
        # Said plainly in the report rather than guessed at.
        return Extraction(
            record=RECORD_TYPES[doc_type](),
            unread={"*": "该类型文档的字段提取尚未实现"},
            confidence=0.0,
        )
    return extractor(file, pages)
