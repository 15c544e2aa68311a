"""Processes one uploaded batch: `python -m webdesk.worker BATCH_ID` (the database URL in
$DOSSIER_DB_URL, not on the command line where `ps` would show a password).

It runs the pipeline's batch flow (flows/batch.py) into the batch's report folder inside a
run of the store (`recording`, as `dossier process` does: each application's report saved as
soon as it is written), and listens to the flow's progress events to keep the desk's status
rows current (pages read per application). Run in its own process by webdesk/jobs.py: the
OCR's memory and any crash stay out of the web server.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from pipeline.models import Report
from pipeline.store import ReportRecorder, recording
from webdesk.db import Batch, BatchApp, DeskDB, now

DB_ENV = "DOSSIER_DB_URL"
# Progress rows are written at most this often: pages arrive many a second.
FLUSH_SECONDS = 1.0


def quiet_prefect() -> None:
    """As `dossier process` does (pipeline/cli.py): no telemetry, a quiet log, and time for
    the temporary Prefect server to start on a busy machine."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_LOG_PRINTS", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def apply_report(db: DeskDB, batch_id: int, report: Report) -> None:
    """An application's status row from its finished report."""
    counts = report.counts
    declared = report.declared
    with db.session(write=True) as s:
        s.execute(
            update(BatchApp)
            .where(BatchApp.batch_id == batch_id, BatchApp.name == report.application)
            .values(
                state="done",
                errors=counts["error"],
                warnings=counts["warning"],
                infos=counts["info"],
                files=len(report.files),
                company_name=declared.company_name if declared else None,
                credit_code=declared.credit_code if declared else None,
                declared_city=declared.city if declared else None,
                elements=list(declared.elements) if declared else [],
            )
        )


class StatusWriter(logging.Handler):
    """Turns the flow's progress events ("dossier.progress") into the desk's status rows.

    Added to the logger after `recorder`, so it hears `application_done` once the report's
    save has been tried: only an application whose report is in the store is marked done (the
    desk shows reports from there); any other is marked failed when the run ends."""

    def __init__(self, db: DeskDB, batch_id: int, recorder: ReportRecorder) -> None:
        super().__init__(logging.INFO)
        self.db, self.batch_id, self.recorder = db, batch_id, recorder
        # Not `self.lock`: logging.Handler uses that name for its own lock.
        self.guard = threading.Lock()
        self.app_of: dict[str, str] = {}  # file path on disk -> application
        self.per_file: Counter[str] = Counter()
        self.app_done: Counter[str] = Counter()
        self.app_total: dict[str, int] = {}
        self.pages_total = 0
        self.reading: set[str] = set()
        self.flushed = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        data: dict[str, Any] = record.__dict__
        try:
            with self.guard:
                event = data.get("event")
                if event == "batch":
                    self._on_batch(data["batch"], int(data.get("pages_total", 0)))
                elif event == "page":
                    self._count(data["path"], 1)
                elif event == "file_done":
                    self._count(data["path"], int(data["pages"]) - self.per_file[data["path"]])
                elif event == "application_start":
                    self.reading.add(data["application"].name)
                    self._flush(force=True)
                elif event == "application_done":
                    self._on_done(data["row"].application)
        except Exception:  # the status must never stop the run
            self.handleError(record)

    def _on_batch(self, batch: Any, pages_total: int) -> None:
        from pipeline.intake import pages_expected

        self.pages_total = pages_total
        for app in batch.applications:
            # Counted at intake and carried in the batch: no file is opened again here.
            self.app_total[app.name] = pages_expected(app.files)
            for f in app.files:
                self.app_of[f.path] = app.name
        with self.db.session(write=True) as s:
            known = set(s.scalars(select(BatchApp.name).where(BatchApp.batch_id == self.batch_id)))
            for app in batch.applications:
                if app.name not in known:  # the intake found it now, not at upload: show it
                    s.add(BatchApp(batch_id=self.batch_id, name=app.name, state="queued"))
            s.execute(
                update(Batch).where(Batch.id == self.batch_id).values(pages_total=pages_total)
            )
            for name, total in self.app_total.items():
                s.execute(
                    update(BatchApp)
                    .where(BatchApp.batch_id == self.batch_id, BatchApp.name == name)
                    .values(pages_total=total)
                )

    def _count(self, path: str, pages: int) -> None:
        if pages <= 0:
            return
        self.per_file[path] += pages
        app = self.app_of.get(path)
        if app is not None:
            self.app_done[app] += pages
            self.reading.add(app)
        self._flush()

    def _flush(self, force: bool = False) -> None:
        if not force and time.monotonic() - self.flushed < FLUSH_SECONDS:
            return
        self.flushed = time.monotonic()
        with self.db.session(write=True) as s:
            s.execute(
                update(Batch)
                .where(Batch.id == self.batch_id)
                .values(pages_done=sum(self.app_done.values()))
            )
            for app in self.reading:
                s.execute(
                    update(BatchApp)
                    .where(
                        BatchApp.batch_id == self.batch_id,
                        BatchApp.name == app,
                        BatchApp.state.in_(("queued", "reading")),
                    )
                    .values(state="reading", pages_done=self.app_done[app])
                )

    def _on_done(self, application: str) -> None:
        self._flush(force=True)
        self.reading.discard(application)
        if application not in self.recorder.saved:
            return
        path = self.recorder.out_dir / application / "report.json"
        report = Report.model_validate_json(path.read_text(encoding="utf-8"))
        apply_report(self.db, self.batch_id, report)
        with self.db.session(write=True) as s:
            s.execute(
                update(BatchApp)
                .where(BatchApp.batch_id == self.batch_id, BatchApp.name == application)
                .values(pages_done=self.app_done[application])
            )


def _fail(db: DeskDB, batch_id: int, message: str) -> None:
    with db.session(write=True) as s:
        s.execute(
            update(Batch)
            .where(Batch.id == batch_id)
            .values(state="failed", message=message, finished_at=now(), worker_pid=None)
        )
        s.execute(
            update(BatchApp)
            .where(BatchApp.batch_id == batch_id, BatchApp.state.in_(("queued", "reading")))
            .values(state="failed", message=message)
        )


def run(batch_id: int, url: str) -> int:
    quiet_prefect()
    from flows.batch import batch_flow, default_workers
    from pipeline.cache import default_cache_dir
    from pipeline.engine_choice import default_engine
    from pipeline.errors import BatchUnreadable
    from webdesk.desk import Desk
    from webdesk.settings import Settings

    db = DeskDB(url)
    with db.session() as s:
        batch = s.get(Batch, batch_id)
    if batch is None:
        print(f"no batch {batch_id}", file=sys.stderr)
        return 2
    out_dir = Path(batch.out_dir)
    options = {"via": "web", "batch_id": batch_id, "city": batch.city}
    progress = logging.getLogger("dossier.progress")
    progress.propagate = False
    cache = os.environ.get("DOSSIER_WEB_CACHE") or str(default_cache_dir())
    with recording(url, batch.key, batch.source, options, out_dir) as recorder:
        with db.session(write=True) as s:
            s.execute(update(Batch).where(Batch.id == batch_id).values(run_id=recorder.run_id))
        writer = StatusWriter(db, batch_id, recorder)
        progress.addHandler(writer)
        try:
            batch_flow(
                Path(batch.source),
                out_dir,
                default_engine(),
                cache,
                default_workers(),
                db_url=url,
                db_batch=batch.key,
            )
        except BatchUnreadable as exc:
            _fail(db, batch_id, f"无法读取批次：{exc}")
            return 1
        except Exception as exc:
            traceback.print_exc()
            _fail(db, batch_id, f"处理出错：{type(exc).__name__}: {exc}")
            return 1
        finally:
            progress.removeHandler(writer)
    for failure in recorder.failures:  # into worker.log; the application is marked failed
        print(f"警告：{failure}", file=sys.stderr)
    with db.session(write=True) as s:
        s.execute(
            update(BatchApp)
            .where(BatchApp.batch_id == batch_id, BatchApp.state.in_(("queued", "reading")))
            .values(state="failed", message="未生成报告")
        )
        s.execute(
            update(Batch)
            .where(Batch.id == batch_id)
            .values(state="done", finished_at=now(), worker_pid=None, pages_done=writer.pages_total)
        )
    desk = Desk(Settings.make(out=out_dir.parent, db_url=url))
    try:
        desk.check_revoked(batch_id)
    finally:
        desk.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    url = os.environ.get(DB_ENV)
    if len(args) != 1 or not args[0].isdigit() or not url:
        print(f"usage: {DB_ENV}=URL python -m webdesk.worker BATCH_ID", file=sys.stderr)
        return 2
    return run(int(args[0]), url)


if __name__ == "__main__":
    sys.exit(main())
