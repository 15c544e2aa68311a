"""The reading stage: one input file → its pages (cached) → documents with their fields.

The one path every caller takes: the batch flow (flows/batch.py, with its pool of OCR
processes from flows/reading.py), the accuracy benchmark and the tests. No Prefect here.

`pipeline.pages.pages_and_rasters` decides text layer versus OCR, rasterises and streams one
page at a time; the rasters go to an OCR submitter (a pool of worker processes, or
`InlineOcr` in the calling thread) and come back as pages in file order, read by
`ocr_page`. Text-layer, Word, OFD and XML pages never reach the OCR.

Each OCR page is cached as soon as it is read (pipeline.cache, per page), so a run killed half
way through a large scan loses at most the pages in flight; the whole file is cached once
read to the end. The readers take the PDFium lock themselves (pipeline/pdfium_lock.py), and
extraction works from the pages alone, so nothing here holds it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from pydantic import Field

from pipeline.cache import PageCache
from pipeline.errors import UnreadableFile
from pipeline.models import Document, FileStatus, InputFile, Model, Page
from pipeline.ocr import OcrEngine, get_engine, trim_heap
from pipeline.pages import Raster, ocr_page, pages_and_rasters

log = logging.getLogger(__name__)
# Progress events for whoever listens (the command line draws them).
progress = logging.getLogger("dossier.progress")


class FileResult(Model):
    file: str
    status: FileStatus = "processed"
    reason: str | None = None
    pages: int = 0
    page_sources: dict[str, int] = Field(default={}, description="pages by source, plus 'cached'")
    documents: list[Document] = []


class FileRead(Model):
    """What reading a file gives back: the file's result and its pages without their text
    (what the report needs to place evidence)."""

    result: FileResult
    pages: list[Page] = []


def engine_id(engine: OcrEngine) -> str:
    return f"{engine.name} {engine.version}"


@dataclass(frozen=True)
class OcrJob:
    """One raster to read, and where its page is to be cached (picklable: crosses processes)."""

    file: str
    number: int
    image: np.ndarray
    dpi: int | None
    sha256: str
    engine_key: str
    cache_dir: str | None


class OcrSubmitter(Protocol):
    """Where rasters are OCRed: a pool of processes (flows/reading.py) or `InlineOcr`."""

    def engine_id(self) -> str: ...

    def submit(self, job: OcrJob) -> Future[Page]: ...


def ocr_job(engine_name: str, job: OcrJob) -> Page:
    """OCR one job's raster (in whichever process runs it) and cache its page."""
    try:
        page = ocr_page(job.file, job.number, job.image, get_engine(engine_name), job.dpi)
    finally:
        trim_heap()
    if job.cache_dir is not None:
        # Cached here, before the page is handed back: once a page counts as read it is on
        # disk, whenever the process gets killed after that.
        try:
            PageCache(Path(job.cache_dir)).put_page(job.sha256, job.engine_key, page)
        except OSError as exc:  # a full disk costs the restart, not the run
            log.warning("page cache write failed for %s p.%d: %s", job.file, job.number, exc)
    return page


class InlineOcr:
    """The pool's interface, reading in the calling thread: for a task that is already one
    process of many (a Dask worker), the benchmarks and the tests."""

    def __init__(self, engine_name: str) -> None:
        self.engine_name = engine_name

    def engine_id(self) -> str:
        return engine_id(get_engine(self.engine_name))

    def submit(self, job: OcrJob) -> Future[Page]:
        future: Future[Page] = Future()
        try:
            future.set_result(ocr_job(self.engine_name, job))
        except Exception as exc:
            future.set_exception(exc)
        return future


# ---- reading one file --------------------------------------------------------------------


def _emit_page(f: InputFile, page: Page, cached: bool) -> None:
    progress.info(
        "page",
        extra={"event": "page", "path": f.path, "source": page.source, "cached": cached},
    )


def load_pages(
    f: InputFile, engine_name: str, cache: PageCache | None, pool: OcrSubmitter | None
) -> tuple[list[Page], int]:
    """Every page of the file in order, and how many of them came from the cache."""
    reader: OcrSubmitter = pool if pool is not None else InlineOcr(engine_name)
    key = reader.engine_id()
    if cache is not None:
        cached_pages = cache.get(f.sha256, key)
        if cached_pages is not None:
            for page in cached_pages:
                _emit_page(f, page, True)
            return cached_pages, len(cached_pages)
    slots: list[Page | Future[Page]] = []
    from_cache = 0
    try:
        for item in _pages(f):
            if not isinstance(item, Raster):
                _emit_page(f, item, False)
                slots.append(item)
                continue
            done = cache.get_page(f.sha256, key, item.number) if cache is not None else None
            if done is not None:
                from_cache += 1
                _emit_page(f, done, True)
                slots.append(done)
                continue
            job = OcrJob(
                file=item.file,
                number=item.number,
                image=item.image,
                dpi=item.dpi,
                sha256=f.sha256,
                engine_key=key,
                cache_dir=str(cache.base) if cache is not None else None,
            )
            future = reader.submit(job)
            del item, job  # the pool holds it until read: one raster per slot, not per page
            future.add_done_callback(_on_read(f))
            slots.append(future)
    except BaseException:
        for slot in slots:
            if isinstance(slot, Future):
                slot.cancel()
        raise
    pages = [slot.result() if isinstance(slot, Future) else slot for slot in slots]
    trim_heap()  # the file's rasters are gone: give their memory back
    if cache is not None:
        try:
            cache.put(f.sha256, key, pages)
        except OSError as exc:
            # The cache is a shortcut: a full cache disk costs a re-read next time, not the file.
            log.warning("page cache write failed for %s: %s", f.file, exc)
    return pages, from_cache


def _pages(f: InputFile) -> Iterator[Page | Raster]:
    """pages_and_rasters, closed here and now when the caller stops early (its PDF with it),
    not in whichever thread happens to collect the generator."""
    pages = pages_and_rasters(f)
    try:
        for item in pages:
            yield item
            del item  # a raster goes with its OCR job: not kept while the next one is made
    finally:
        pages.close()


def _on_read(f: InputFile) -> Callable[[Future[Page]], None]:
    def done(future: Future[Page]) -> None:
        if not future.cancelled() and future.exception() is None:
            _emit_page(f, future.result(), False)

    return done


def read_file(
    f: InputFile, engine_name: str, cache: PageCache | None, pool: OcrSubmitter | None = None
) -> FileRead:
    """Pages, documents and fields of one input file, with the OCR in `pool` (in this thread
    when None); also the pages without their text (what the report needs to place
    evidence). A bad file is reported, never raised."""
    if f.status != "processed":
        return FileRead(result=FileResult(file=f.file, status=f.status, reason=f.reason))
    if f.format == "zip":
        # Its members are listed and read as files of their own (a.zip/b.pdf).
        return FileRead(result=FileResult(file=f.file, reason="压缩包：其中的文件已逐一列出"))
    try:
        pages, cached = load_pages(f, engine_name, cache, pool)
    except UnreadableFile as exc:
        return FileRead(result=FileResult(file=f.file, status="unreadable", reason=str(exc)))
    if not pages:
        reason = "文件中没有可读取的页面"
        return FileRead(result=FileResult(file=f.file, status="unreadable", reason=reason))
    # Imported here: the OCR worker processes import this module for `ocr_job` and need no
    # classifier or extractors.
    from pipeline.documents import documents_of

    sources: Counter[str] = Counter(p.source for p in pages)
    if cached:
        sources["cached"] = cached
    result = FileResult(
        file=f.file,
        pages=len(pages),
        page_sources=dict(sources),
        documents=documents_of(f.file, pages),
    )
    bare = [p.model_copy(update={"lines": [], "words": [], "payload": None}) for p in pages]
    return FileRead(result=result, pages=bare)
