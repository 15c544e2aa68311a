"""The OCR pool of a batch: rasters OCRed in worker processes (or threads), shared by all
the files being read.

The reading stage itself is pipeline/reading.py; this adds what only a batch run needs: a
pool of OCR workers (one onnxruntime thread per worker process), at most two rasters per
worker in flight so memory stays flat, and a fresh pool when a worker dies.

Pools are registered under a string id that the flow passes to its tasks. A task that runs
in another process (a Dask worker) does not find the id there and OCRs in its own process.
The registry is not a module global: Prefect ships flows and tasks by value (their globals
included) to `serve`'s runs and to Dask, and a lock cannot be pickled. It lives in a
per-process namespace in sys.modules, reached through `_runtime()`.
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
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, contextmanager
from typing import Literal, TypeVar

from pipeline.models import Page
from pipeline.ocr import get_engine, share_detection_turn
from pipeline.reading import OcrJob, engine_id, ocr_job

log = logging.getLogger(__name__)

T = TypeVar("T")
PoolKind = Literal["process", "thread"]
RUNTIME = "_dossier_runtime"


def _runtime() -> types.ModuleType:
    """This process's pool registry, made on first use (see the module's doc)."""
    state = sys.modules.get(RUNTIME)
    if state is None:
        made = types.ModuleType(RUNTIME)
        made.pools = {}  # type: ignore[attr-defined]
        state = sys.modules.setdefault(RUNTIME, made)  # two threads racing keep one
    return state


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


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


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
            future = self._run(ocr_job, self.engine_name, job)
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
