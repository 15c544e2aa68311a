"""Reading one file's pages with the OCR spread over worker processes, page by page.

`pipeline.pages.read_pages` OCRs a scanned page in place. Here its reader without OCR,
`pages_and_rasters`, still decides text layer versus OCR, rasterises, and streams one page
at a time, while the rasters go to an `OcrPool` (one onnxruntime thread per worker process)
and come back as pages in file order, read by `ocr_page` as read_pages reads them.
Text-layer, Word, OFD and XML pages never reach the pool.

Each OCR page is cached as soon as it is read (pipeline.cache, per page), so a run killed half
way through a large scan loses at most the pages in flight; the whole file is cached once
read to the end.

PDFium is not thread-safe: no two threads of a process may call it at the same time, even on
different documents (pypdfium2's documentation), and pages, extraction (audit reports) and
report crops all use it. Every step of the page generator, every extraction and every report
of this process's batch therefore runs under `pdfium_lock()`, so the reader threads never
crash each other; they still overlap with each other's OCR, which is where the time goes. The
lock is per process, so tasks sharing a Dask worker process are covered too.

Pools are registered under a string id that the flow passes to its tasks. A task that runs
in another process (a Dask worker) does not find the id there and OCRs in its own process.
The lock and the registry are not module globals: Prefect ships flows and tasks by value
(their globals included) to `serve`'s runs and to Dask, and a lock cannot be pickled. They
live in a per-process namespace in sys.modules, reached through `_runtime()`.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import types
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np

from pipeline.cache import PageCache
from pipeline.errors import UnreadableFile
from pipeline.models import InputFile, Model, Page
from pipeline.ocr import get_engine, share_detection_turn, trim_heap
from pipeline.pages import Raster, ocr_page, pages_and_rasters
from pipeline.process import FileResult, documents_of, engine_id

log = logging.getLogger(__name__)
# Progress events for whoever listens (the command line draws them).
progress = logging.getLogger("dossier.progress")

T = TypeVar("T")
PoolKind = Literal["process", "thread"]
RUNTIME = "_dossier_runtime"


def _runtime() -> types.ModuleType:
    """This process's lock and pool registry, made on first use (see the module's doc)."""
    state = sys.modules.get(RUNTIME)
    if state is None:
        made = types.ModuleType(RUNTIME)
        # Reentrant: a report written under it may count a PDF's pages under it too.
        made.pdfium = threading.RLock()  # type: ignore[attr-defined]
        made.pools = {}  # type: ignore[attr-defined]
        state = sys.modules.setdefault(RUNTIME, made)  # two threads racing keep one
    return state


def pdfium_lock() -> threading.RLock:
    """Held around every use of PDFium in this process."""
    lock: threading.RLock = _runtime().pdfium
    return lock


POOL_KINDS: tuple[PoolKind, ...] = ("process", "thread")


# ---- the worker side ---------------------------------------------------------------------


def _init_worker(engine_name: str, detection_turn: AbstractContextManager[object]) -> None:
    """Runs once in each OCR worker process: one thread everywhere, the engine made (its
    models load with the first page), the pool's detection turn shared."""
    # Ctrl-C goes to the whole process group: the parent shuts the pool down, the workers
    # must not each print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A parent killed outright (SIGKILL, OOM killer) never tells its pool to stop, and the
    # workers would wait on their queue for ever: they leave when the parent is gone.
    parent = os.getppid()
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    os.environ["OMP_NUM_THREADS"] = "1"
    import cv2

    # One process per core: OpenCV's own threads would only fight the other workers.
    cv2.setNumThreads(1)
    share_detection_turn(detection_turn)
    get_engine(engine_name)


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


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _ocr(engine_name: str, job: OcrJob) -> Page:
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


# ---- the pool ----------------------------------------------------------------------------


class OcrPool:
    """OCR workers shared by every file of a batch.

    At most `2 × workers` rasters wait or run at once (about 12 MB each at 200 dpi): the
    readers block in `submit` beyond that, so memory stays flat however large the batch.
    """

    def __init__(self, kind: PoolKind, workers: int, engine_name: str) -> None:
        self.kind = kind
        self.workers = max(1, workers)
        self.engine_name = engine_name
        self._slots = threading.BoundedSemaphore(2 * self.workers)
        self._lock = threading.Lock()
        self._executor = self._make_executor()
        self._engine_id: str | None = None

    def _make_executor(self) -> Executor:
        if self.kind == "thread":
            share_detection_turn(threading.Lock())
            return ThreadPoolExecutor(self.workers, thread_name_prefix="ocr")
        # spawn, not fork: the parent runs Prefect's threads and event loop, which a forked
        # child would inherit in whatever state they were.
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(self.engine_name, context.Lock()),
        )

    def engine_id(self) -> str:
        """The engine's name and version (the page cache's key), from an engine made here:
        that costs about a second and no model load, where asking a worker would start the
        pool even when every page is cached."""
        if self._engine_id is None:
            self._engine_id = engine_id(get_engine(self.engine_name))
        return self._engine_id

    def submit(self, job: OcrJob) -> Future[Page]:
        self._slots.acquire()
        try:
            future = self._run(_ocr, self.engine_name, job)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        return future

    def _run(self, fn: Callable[..., T], *args: object) -> Future[T]:
        with self._lock:
            executor = self._executor
        try:
            return executor.submit(fn, *args)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): start a fresh pool for what follows; the
            # pages lost with the old one fail their files, which Prefect retries.
            with self._lock:
                if self._executor is executor:
                    log.warning("OCR worker pool broke; starting a new one")
                    self._executor = self._make_executor()
                executor = self._executor
            return executor.submit(fn, *args)

    def shutdown(self) -> None:
        with self._lock:
            self._executor.shutdown(wait=True, cancel_futures=True)


def _pools() -> dict[str, OcrPool]:
    pools: dict[str, OcrPool] = _runtime().pools
    return pools


@contextmanager
def ocr_pool(kind: PoolKind | None, workers: int, engine_name: str) -> Iterator[str | None]:
    """A pool for the duration of a batch, by id; None (OCR in the reading thread) when
    kind is None, as on a Dask worker that is itself one process of many."""
    if kind is None:
        yield None
        return
    pool_id = uuid.uuid4().hex
    _pools()[pool_id] = OcrPool(kind, workers, engine_name)
    try:
        yield pool_id
    finally:
        _pools().pop(pool_id).shutdown()


def find_pool(pool_id: str | None) -> OcrPool | None:
    return _pools().get(pool_id) if pool_id else None


class InlineOcr:
    """The pool's interface, reading in the calling thread: for a task that is already one
    process of many (a Dask worker)."""

    def __init__(self, engine_name: str) -> None:
        self.engine_name = engine_name

    def engine_id(self) -> str:
        return engine_id(get_engine(self.engine_name))

    def submit(self, job: OcrJob) -> Future[Page]:
        future: Future[Page] = Future()
        try:
            future.set_result(_ocr(self.engine_name, job))
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
    f: InputFile, engine_name: str, cache: PageCache | None, pool: OcrPool | None
) -> tuple[list[Page], int]:
    """Every page of the file in order, and how many of them came from the cache."""
    reader: OcrPool | InlineOcr = pool if pool is not None else InlineOcr(engine_name)
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
        for item in _pages_locked(f):
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


def _pages_locked(f: InputFile) -> Iterator[Page | Raster]:
    """pages_and_rasters, each step under the PDFium lock (no OCR: no step waits long)."""
    pages = pages_and_rasters(f)
    try:
        while True:
            with pdfium_lock():
                try:
                    item = next(pages)
                except StopIteration:
                    return
            yield item
            del item  # a raster goes with its OCR job: not kept while the next one is made
    finally:
        close = getattr(pages, "close", None)  # a generator: closes the PDF here and now,
        if close is not None:  # not in whichever thread happens to collect it
            with pdfium_lock():
                close()


def _on_read(f: InputFile) -> Callable[[Future[Page]], None]:
    def done(future: Future[Page]) -> None:
        if not future.cancelled() and future.exception() is None:
            _emit_page(f, future.result(), False)

    return done


class FileRead(Model):
    """What a file task gives back: the file's result and its pages without their lines."""

    result: FileResult
    pages: list[Page] = []


def read_file(
    f: InputFile, engine_name: str, cache: PageCache | None, pool: OcrPool | None
) -> tuple[FileResult, list[Page]]:
    """Pages, documents and fields of one input file, as pipeline.process.read_file, with the
    OCR in the pool; also the pages without their lines (what the report needs to place
    evidence). A bad file is reported, never raised."""
    if f.status != "processed":
        return FileResult(file=f.file, status=f.status, reason=f.reason), []
    if f.format == "zip":
        # Its members are listed and read as files of their own (a.zip/b.pdf).
        return FileResult(file=f.file, reason="压缩包：其中的文件已逐一列出"), []
    try:
        pages, cached = load_pages(f, engine_name, cache, pool)
    except UnreadableFile as exc:
        return FileResult(file=f.file, status="unreadable", reason=str(exc)), []
    if not pages:
        return FileResult(file=f.file, status="unreadable", reason="文件中没有可读取的页面"), []
    sources: Counter[str] = Counter(p.source for p in pages)
    if cached:
        sources["cached"] = cached
    with pdfium_lock():  # the audit-report extractor reads PDF text runs with pdfium
        documents = documents_of(f, pages)
    result = FileResult(
        file=f.file, pages=len(pages), page_sources=dict(sources), documents=documents
    )
    return result, [p.model_copy(update={"lines": [], "words": [], "payload": None}) for p in pages]


def count_pages(f: InputFile) -> int:
    """Pages the file will give, for the progress bar's total: cheap, never raises."""
    if f.status != "processed" or f.format == "zip":
        return 0
    try:
        if f.format == "pdf":
            import pypdfium2 as pdfium

            with pdfium_lock():
                doc = pdfium.PdfDocument(str(f.path))
                try:
                    return len(doc)
                finally:
                    doc.close()
        if f.format == "tiff":
            from PIL import Image

            with Image.open(Path(f.path)) as im:
                return int(getattr(im, "n_frames", 1))
    except Exception:  # the reader proper will say what is wrong with it
        return 1
    return 1
