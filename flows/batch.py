"""The batch flow: intake, one task per file, then one report task per application.

Prefect only wires the stages together; every stage is a plain function in pipeline/.

Every file of every application is submitted at once, so the OCR workers never wait for an
application to be written before the next one's scans start. Once every file is read, the
checks across applications run (the same invoice or contract in two applications of the batch
or of an earlier run in the database: pipeline/checks/reuse.py), then the reports are written
in batch order, and invoices.csv beside summary.csv. The page OCR runs in a pool of worker
processes (flows/reading.py) shared by all files; with `dask_address` the file tasks run on a
Dask cluster instead, each OCRing in its own worker process.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.reading import POOL_KINDS, find_pool, ocr_pool
from pipeline.assemble import assemble_report, submission
from pipeline.cache import PageCache, picture_cache_dir
from pipeline.checks.reuse import reuse_findings
from pipeline.intake import ARCHIVES, pages_expected, scan_batch
from pipeline.invoice_list import write_invoice_list
from pipeline.models import Application, Batch, Finding, InputFile, Submission
from pipeline.reading import FileRead, FileResult, read_file
from pipeline.report import SummaryRow, write_report, write_summary

log = logging.getLogger(__name__)
# Progress events for whoever listens (the command line draws them); the flow does not care.
progress = logging.getLogger("dossier.progress")


def default_workers() -> int:
    """One OCR worker process per core."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# Retries are for what passes (a worker process killed, a network share hiccup); pages read
# before the failure are in the page cache, so a retry redoes only the rest. No Prefect
# result cache: see README "Caching and restart" for why the page cache is the one kept.
@task(
    name="read-file",
    retries=2,
    retry_delay_seconds=[2, 10],
    task_run_name="read {f.file}",
    cache_policy=NO_CACHE,
)
def read_file_task(
    f: InputFile, engine_name: str, cache_dir: str | None, pool_id: str | None
) -> FileRead:
    # Caches and engines are opened inside the task: nothing unpicklable crosses a task
    # boundary (Dask ships the arguments to another process).
    cache = PageCache(Path(cache_dir)) if cache_dir else None
    return read_file(f, engine_name, cache, find_pool(pool_id))


@task(name="report", task_run_name="report {app.name}", cache_policy=NO_CACHE, retries=1)
def report_task(
    app: Application,
    reads: list[FileRead],
    out_dir: Path,
    cache_dir: str | None = None,
    cross: list[Finding] | None = None,
) -> SummaryRow:
    """Checks and report of one application, from every file's result (none left out), with
    the findings of the checks across applications (`cross`)."""
    report = assemble_report(app, [r.result for r in reads], cross or [])
    row = write_report(
        report,
        out_dir,
        files=app.files,
        pages=[p for r in reads for p in r.pages],
        picture_cache=picture_cache_dir(cache_dir),
    )
    if app.problem:
        row.problem = app.problem
    return row


def _failed_result(f: InputFile, exc: BaseException) -> FileRead:
    return FileRead(
        result=FileResult(
            file=f.file, status="unreadable", reason=f"处理出错：{type(exc).__name__}: {exc}"
        ),
        pages=[],
    )


def _collect(f: InputFile, future: PrefectFuture[Any]) -> FileRead:
    try:
        read: FileRead = future.result()
    except Exception as exc:  # a file that fails for good is reported, never dropped
        log.error("file %s failed: %s", f.file, exc)
        read = _failed_result(f, exc)
    progress.info(
        f.file,
        extra={"event": "file_done", "path": f.path, "pages": read.result.pages},
    )
    return read


def make_task_runner(workers: int, dask_address: str | None) -> TaskRunner[Any]:
    if dask_address:
        from prefect_dask import DaskTaskRunner

        runner: TaskRunner[Any] = DaskTaskRunner(address=dask_address)
        return runner
    # File tasks mostly wait for the OCR pool; a few more threads than workers keep the pool
    # fed while text-layer files are parsed here. The pool bounds the rasters held.
    return ThreadPoolTaskRunner(max_workers=workers + 2)


@flow(name="batch", flow_run_name="{batch_path.name}")
def batch_flow(
    batch_path: Path,
    out_dir: Path,
    engine_name: str = "rapidocr",
    cache_dir: str | None = None,
    workers: int = 2,
    dask_address: str | None = None,
    pool_kind: str = "process",
    keep_archives: bool = False,
    db_url: str | None = None,
    db_batch: str | None = None,
) -> list[SummaryRow]:
    """`db_url`: the database of earlier runs that invoices and contracts are compared with
    (the run being recorded there as `db_batch`, the batch's name by default)."""
    # A plain str: Prefect validates flow parameters against names it resolves itself, and a
    # Literal alias imported from another module is not among them when a deployment runs.
    if pool_kind not in POOL_KINDS:
        raise ValueError(f"未知的 OCR 并行方式：{pool_kind}（可选：{'、'.join(POOL_KINDS)}）")
    out_dir.mkdir(parents=True, exist_ok=True)
    batch: Batch = scan_batch(batch_path, out_dir / ".work")
    # Counted once, at intake; every file's count rides in the batch (InputFile.pages).
    pages_total = sum(pages_expected(a.files) for a in batch.applications)
    progress.info("batch", extra={"event": "batch", "batch": batch, "pages_total": pages_total})
    # On Dask each worker process OCRs its own files: no pool of processes inside it.
    kind = None if dask_address else next(k for k in POOL_KINDS if k == pool_kind)
    with (
        ocr_pool(kind, workers, engine_name) as pool_id,
        make_task_runner(workers, dask_address) as runner,
    ):
        params = {"engine_name": engine_name, "cache_dir": cache_dir, "pool_id": pool_id}
        # Every file of every application now: the pool stays busy while reports are written.
        submitted = [
            (app, [(f, runner.submit(read_file_task, {"f": f, **params})) for f in app.files])
            for app in batch.applications
        ]
        # Reports wait for every application's files: the checks across applications
        # (the same invoice or contract in two of them) need all their documents.
        read_apps = [(app, [_collect(f, fu) for f, fu in futures]) for app, futures in submitted]
        submissions = [submission(app, [r.result for r in reads]) for app, reads in read_apps]
        cross = cross_findings(submissions, db_url, db_batch or batch.name)
        rows = []
        for app, reads in read_apps:
            progress.info(app.name, extra={"event": "application_start", "application": app})
            try:
                row = report_task(app, reads, out_dir, cache_dir, cross.get(app.name, []))
            except Exception as exc:  # one application's report must not sink the batch
                log.error("report of %s failed: %s", app.name, exc)
                row = SummaryRow(
                    application=app.name,
                    verdict="failed",
                    files=len(app.files),
                    problem=f"报告生成出错：{type(exc).__name__}: {exc}",
                )
            rows.append(row)
            progress.info(app.name, extra={"event": "application_done", "row": row})
    write_summary(batch.name, rows, out_dir)
    write_invoice_list(submissions, out_dir)
    if not keep_archives:
        # Extracted archives are needed only while their files are read (a run that stops
        # early keeps them for the next one): up to the budget's gigabytes otherwise stay.
        shutil.rmtree(out_dir / ".work" / ARCHIVES, ignore_errors=True)
    return rows


def cross_findings(
    submissions: list[Submission], db_url: str | None, batch_name: str
) -> dict[str, list[Finding]]:
    """The checks across applications: this batch's, and against every earlier run in the
    database. A database that cannot be read costs the comparison with earlier runs only."""
    earlier: list[Submission] = []
    if db_url:
        from pipeline.store import StoreError, open_store

        try:
            with open_store(db_url) as store:
                names = [s.application for s in submissions]
                earlier = store.submissions(rerun_of=batch_name, applications=names)
        except StoreError as exc:
            log.error("earlier runs not compared: %s", exc)
    try:
        return reuse_findings(submissions, earlier)
    except Exception as exc:  # a bug here must not cost the batch its reports
        log.exception("checks across applications failed: %s", exc)
        return {}
