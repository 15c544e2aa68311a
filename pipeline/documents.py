"""A file's pages → its documents: classified page runs, each with the fields its extractor
read from those pages alone."""

from __future__ import annotations

import logging

import extractors
from extractors.base import Extraction
from extractors.confidence import field_confidence, rules
from pipeline.classify import group_pages
from pipeline.models import Document, Page

log = logging.getLogger(__name__)


def documents_of(file: str, pages: list[Page]) -> list[Document]:
    by_number = {p.number: p for p in pages}
    documents = []
    for run in group_pages(pages):
        doc = Document(file=file, pages=run.pages, type=run.type, confidence=run.confidence)
        try:
            result = extractors.extract(run.type, file, [by_number[n] for n in run.pages])
        except Exception as exc:  # one broken document must not sink the file
            log.exception("extraction failed for %s pages %s", file, run.pages)
            doc.unread = {"*": f"字段提取出错：{type(exc).__name__}: {exc}"}
        else:
            doc.extraction_confidence = round(result.confidence, 3)
            doc.fields = result.record.model_dump(mode="json", exclude_none=False)
            doc.evidence = result.evidence
            doc.unread = result.unread
            doc.field_confidence = field_confidence(
                run.type, doc.fields, _priors(result, by_number), result.unread
            )
        documents.append(doc)
    return documents


def _priors(result: Extraction, pages: dict[int, Page]) -> dict[str, float]:
    """Each field's confidence from how it was read: a file's own text, or OCR and its score."""
    prior = rules()["prior"]
    out: dict[str, float] = {}
    for name, score in result.read_confidence.items():
        ev = result.evidence.get(name)
        page = pages.get(ev.page) if ev is not None and ev.page is not None else None
        if page is not None and page.source == "ocr":
            out[name] = score * float(prior["ocr_scale"])
        else:
            out[name] = min(score, 1.0) * float(prior["text"])
    for name in result.blank:
        out[name] = float(prior["blank"])
    return out
