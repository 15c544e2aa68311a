"""The stages for one file and one application, as plain functions (no Prefect here).

read_file:        InputFile → pages (cached) → documents with extracted fields
assemble_report:  Application + every file's result → Report
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable

from pydantic import Field

import extractors
from pipeline.cache import PageCache
from pipeline.checks import SEVERITY_ORDER, run_checks
from pipeline.classify import group_pages
from pipeline.errors import UnreadableFile
from pipeline.models import (
    Application,
    Declared,
    Document,
    FileEntry,
    FileStatus,
    Finding,
    InputFile,
    Model,
    Page,
    Report,
    Submission,
)
from pipeline.ocr import OcrEngine
from pipeline.pages import PAGES_REVISION, read_pages

log = logging.getLogger(__name__)


class FileResult(Model):
    file: str
    status: FileStatus = "processed"
    reason: str | None = None
    pages: int = 0
    page_sources: dict[str, int] = Field(default={}, description="pages by source, plus 'cached'")
    documents: list[Document] = []


def engine_id(engine: OcrEngine) -> str:
    """The page cache's key: the OCR engine and what else the reading stage puts on pages."""
    return f"{engine.name} {engine.version} {PAGES_REVISION}"


def load_pages(f: InputFile, engine: OcrEngine, cache: PageCache | None) -> tuple[list[Page], bool]:
    """Every page of the file, from the cache when it was read before. Returns (pages, cached)."""
    key = engine_id(engine)
    if cache is not None:
        pages = cache.get(f.sha256, key)
        if pages is not None:
            return pages, True
    pages = list(read_pages(f, engine))
    if cache is not None:
        cache.put(f.sha256, key, pages)
    return pages, False


def documents_of(f: InputFile, pages: list[Page]) -> list[Document]:
    by_number = {p.number: p for p in pages}
    documents = []
    for run in group_pages(pages):
        doc = Document(file=f.file, pages=run.pages, type=run.type, confidence=run.confidence)
        try:
            result = extractors.extract(run.type, f, [by_number[n] for n in run.pages])
        except Exception as exc:  # one broken document must not sink the file
            log.exception("extraction failed for %s pages %s", f.file, run.pages)
            doc.unread = {"*": f"字段提取出错：{type(exc).__name__}: {exc}"}
        else:
            doc.extraction_confidence = round(result.confidence, 3)
            doc.fields = result.record.model_dump(mode="json", exclude_none=False)
            doc.evidence = result.evidence
            doc.unread = result.unread
        documents.append(doc)
    return documents


def read_file(f: InputFile, engine: OcrEngine, cache: PageCache | None) -> FileResult:
    """Pages, documents and fields of one input file; a bad file is reported, never raised."""
    if f.status != "processed":
        return FileResult(file=f.file, status=f.status, reason=f.reason)
    if f.format == "zip":
        # Its members are listed and read as files of their own (a.zip/b.pdf).
        return FileResult(file=f.file, reason="压缩包：其中的文件已逐一列出")
    try:
        pages, cached = load_pages(f, engine, cache)
    except UnreadableFile as exc:
        return FileResult(file=f.file, status="unreadable", reason=str(exc))
    sources: Counter[str] = Counter(p.source for p in pages)
    if cached:
        sources["cached"] = len(pages)
    if not pages:
        return FileResult(file=f.file, status="unreadable", reason="文件中没有可读取的页面")
    return FileResult(
        file=f.file,
        pages=len(pages),
        page_sources=dict(sources),
        documents=documents_of(f, pages),
    )


def _declared(documents: list[Document]) -> Declared | None:
    return next(
        (
            Declared.model_validate(d.fields)
            for d in documents
            if d.type == "application_form" and d.fields
        ),
        None,
    )


def submission(app: Application, results: list[FileResult]) -> Submission:
    """The application's documents as the checks across applications compare them."""
    documents = [d for r in results for d in r.documents]
    return Submission(application=app.name, declared=_declared(documents), documents=documents)


def assemble_report(
    app: Application, results: list[FileResult], cross: Iterable[Finding] = ()
) -> Report:
    """The application's report; `cross`: findings of the checks across applications."""
    by_file = {r.file: r for r in results}
    entries: list[FileEntry] = []
    documents: list[Document] = []
    stats: Counter[str] = Counter()
    for f in app.files:
        r = by_file.get(f.file)
        status = r.status if r else f.status
        reason = r.reason if r else f.reason
        if r is None and f.status == "processed":
            # Accounted for even when its task never came back.
            status, reason = "unreadable", "文件未能处理（处理任务未返回结果）"
        entries.append(
            FileEntry(
                file=f.file,
                sha256=f.sha256,
                status=status,
                reason=reason,
                format=f.format,
                pages=r.pages if r and r.pages else None,
            )
        )
        stats[f"files_{status}"] += 1
        if r:
            documents.extend(r.documents)
            stats.update({f"pages_{k}": v for k, v in r.page_sources.items()})
            stats["pages"] += r.pages
    stats["files"] = len(app.files)
    stats["documents"] = len(documents)
    declared = _declared(documents)
    report = Report(
        application=app.name,
        declared=declared,
        files=entries,
        documents=documents,
        stats=dict(stats),
    )
    report.findings = sorted(
        run_checks(report) + list(cross), key=lambda f: SEVERITY_ORDER[f.severity]
    )
    return report
