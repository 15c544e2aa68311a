"""The batch flow: intake, then one subflow per application with one task per file.

Prefect only wires the stages together; every stage is a plain function in pipeline/.
"""

from __future__ import annotations

import logging
from pathlib import Path

from prefect import flow, task
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline.cache import PageCache
from pipeline.intake import scan_batch
from pipeline.models import Application, Batch, InputFile
from pipeline.ocr import get_engine
from pipeline.process import FileResult, assemble_report, read_file
from pipeline.report import SummaryRow, write_report, write_summary

log = logging.getLogger(__name__)
# Progress events for whoever listens (the command line draws them); the flow does not care.
progress = logging.getLogger("dossier.progress")


@task(name="read-file", retries=1, retry_delay_seconds=1, task_run_name="read {f.file}")
def read_file_task(f: InputFile, engine_name: str, cache_dir: str | None) -> FileResult:
    # Engines and caches are opened inside the task: nothing unpicklable crosses a task boundary.
    cache = PageCache(Path(cache_dir)) if cache_dir else None
    return read_file(f, get_engine(engine_name), cache)


def _failed_result(f: InputFile, exc: BaseException) -> FileResult:
    return FileResult(
        file=f.file, status="unreadable", reason=f"处理出错：{type(exc).__name__}: {exc}"
    )


@flow(name="application", flow_run_name="{app.name}")
def application_flow(
    app: Application,
    out_dir: Path,
    engine_name: str = "rapidocr",
    cache_dir: str | None = None,
) -> SummaryRow:
    futures = [(f, read_file_task.submit(f, engine_name, cache_dir)) for f in app.files]
    results = []
    for f, future in futures:
        try:
            results.append(future.result())
        except Exception as exc:  # a file that fails for good is reported, never dropped
            log.error("file %s failed: %s", f.file, exc)
            results.append(_failed_result(f, exc))
    report = assemble_report(app, results)
    row = write_report(report, out_dir)
    if app.problem:
        row.problem = app.problem
    return row


@flow(name="batch", flow_run_name="{batch_path.name}")
def batch_flow(
    batch_path: Path,
    out_dir: Path,
    engine_name: str = "rapidocr",
    cache_dir: str | None = None,
    workers: int = 2,
) -> list[SummaryRow]:
    out_dir.mkdir(parents=True, exist_ok=True)
    batch: Batch = scan_batch(batch_path, out_dir / ".work")
    progress.info("batch", extra={"event": "batch", "batch": batch})
    # Prefect's TaskRunner generic is invariant in its future type; the runner is right.
    per_app = application_flow.with_options(
        task_runner=ThreadPoolTaskRunner(max_workers=workers)  # type: ignore[arg-type]
    )
    rows = []
    for app in batch.applications:
        progress.info(app.name, extra={"event": "application_start", "application": app})
        row = per_app(app, out_dir, engine_name, cache_dir)
        rows.append(row)
        progress.info(app.name, extra={"event": "application_done", "row": row})
    write_summary(batch.name, rows, out_dir)
    return rows
