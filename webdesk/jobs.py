"""The background of the web server: one worker process at a time for "立即处理" batches
(OCR uses every core), and a look now and then for what the nightly run finished.

Batches wait in the database (state `queued`), so nothing is lost when the web server
stops: a batch whose worker is gone when the server starts again is queued again, and its
pages already read come from the page cache.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import select, update

from pipeline.models import Report
from webdesk.db import Batch, BatchApp, now
from webdesk.desk import Desk
from webdesk.worker import DB_ENV, apply_report

log = logging.getLogger(__name__)
# flows/inbox.py writes this into each nightly report folder: which inbox entry, done or not.
NIGHTLY_MARKER = ".dossier-batch.json"
NIGHTLY_EVERY = 30.0
STOP_GRACE = 10.0


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"webdesk.worker" in cmdline


def log_path(desk: Desk, batch: Batch) -> Path:
    return desk.settings.uploads / batch.key / "worker.log"


class Dispatcher:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.stopping = threading.Event()
        self.wakeup = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="desk-dispatcher", daemon=True)
        self.child: subprocess.Popen[bytes] | None = None
        self.child_batch: int | None = None
        self.adopted: dict[int, int] = {}  # batch id -> pid of a worker from an earlier server
        self.nightly_checked = 0.0

    def start(self) -> None:
        self._recover()
        self.thread.start()

    def wake(self) -> None:
        self.wakeup.set()

    def stop(self) -> None:
        """Stop the loop and the worker (with its OCR processes); its batch is queued again."""
        self.stopping.set()
        self.wakeup.set()
        self.thread.join(timeout=STOP_GRACE)
        child, batch_id = self.child, self.child_batch
        if child is not None and child.poll() is None:
            try:
                os.killpg(child.pid, signal.SIGTERM)
                child.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
            except ProcessLookupError:
                pass
            if batch_id is not None:
                self._requeue(batch_id, "网页工作台停止，已重新排队")

    # ---- the loop ----------------------------------------------------------------------

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                self.tick()
            except Exception:  # a bad moment (database busy) must not end the loop
                log.exception("dispatcher tick failed")
            self.wakeup.wait(self.desk.settings.poll_seconds)
            self.wakeup.clear()

    def tick(self) -> None:
        if self.child is not None and self.child.poll() is not None:
            self._finished(self.child.returncode)
        for batch_id, pid in list(self.adopted.items()):
            if not _alive(pid):
                del self.adopted[batch_id]
                self._check_dead(batch_id, None)
        if self.child is None and not self.adopted and not self.stopping.is_set():
            self._launch_next()
        if time.monotonic() - self.nightly_checked > NIGHTLY_EVERY:
            self.nightly_checked = time.monotonic()
            self.check_nightly()

    def _recover(self) -> None:
        with self.desk.db.session() as s:
            running = list(s.scalars(select(Batch).where(Batch.state == "running")))
        for batch in running:
            if _alive(batch.worker_pid):
                assert batch.worker_pid is not None
                self.adopted[batch.id] = batch.worker_pid
            else:
                self._requeue(batch.id, "上次处理被中断，已重新排队")

    def _requeue(self, batch_id: int, message: str) -> None:
        with self.desk.db.session(write=True) as s:
            s.execute(
                update(Batch)
                .where(Batch.id == batch_id, Batch.state == "running")
                .values(state="queued", message=message, worker_pid=None)
            )
            s.execute(
                update(BatchApp)
                .where(BatchApp.batch_id == batch_id, BatchApp.state == "reading")
                .values(state="queued")
            )

    def _launch_next(self) -> None:
        with self.desk.db.session(write=True) as s:
            batch = s.scalars(
                select(Batch).where(Batch.state == "queued").order_by(Batch.id).limit(1)
            ).first()
            if batch is None:
                return
            batch.state = "running"
            batch.started_at = now()
            batch.message = None
        logfile = log_path(self.desk, batch)
        logfile.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, **{DB_ENV: self.desk.settings.db_url})
        with open(logfile, "ab") as out:
            # Its own session (process group): stop() ends the worker with every OCR process
            # and the temporary Prefect server it started.
            self.child = subprocess.Popen(
                [sys.executable, "-m", "webdesk.worker", str(batch.id)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        self.child_batch = batch.id
        with self.desk.db.session(write=True) as s:
            s.execute(update(Batch).where(Batch.id == batch.id).values(worker_pid=self.child.pid))
        log.info("batch %s (%s): worker %s started", batch.id, batch.key, self.child.pid)

    def _finished(self, code: int) -> None:
        batch_id = self.child_batch
        self.child = None
        self.child_batch = None
        if batch_id is not None:
            self._check_dead(batch_id, code)

    def _check_dead(self, batch_id: int, code: int | None) -> None:
        """A worker ended: if it did not say how the batch went, it failed."""
        with self.desk.db.session() as s:
            batch = s.get(Batch, batch_id)
        if batch is None or batch.state != "running":
            return
        tail = ""
        try:
            lines = (
                log_path(self.desk, batch)
                .read_text(encoding="utf-8", errors="replace")
                .splitlines()
            )
            tail = lines[-1][:300] if lines else ""
        except OSError:
            pass
        how = f"退出码 {code}" if code is not None else "进程已不存在"
        message = f"处理进程意外结束（{how}）{('：' + tail) if tail else ''}"
        with self.desk.db.session(write=True) as s:
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

    # ---- the nightly run's results ------------------------------------------------------

    def check_nightly(self) -> int:
        """Import the reports of "今晚处理" batches that `dossier serve` has finished."""
        with self.desk.db.session() as s:
            waiting = list(s.scalars(select(Batch).where(Batch.state == "tonight")))
        imported = 0
        for batch in waiting:
            folder = self.desk.settings.nightly_out / batch.key
            try:
                marker = json.loads((folder / NIGHTLY_MARKER).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            state = marker.get("state") if isinstance(marker, dict) else None
            if state == "done":
                import_folder(self.desk, batch, folder, str(marker.get("moved_to") or batch.source))
                imported += 1
            elif state == "unreadable":
                try:
                    reason = (folder / "无法读取.txt").read_text(encoding="utf-8").strip()
                except OSError:
                    reason = "夜间处理无法读取该批次"
                with self.desk.db.session(write=True) as s:
                    s.execute(
                        update(Batch)
                        .where(Batch.id == batch.id)
                        .values(state="failed", message=reason, finished_at=now())
                    )
                    s.execute(
                        update(BatchApp)
                        .where(BatchApp.batch_id == batch.id)
                        .values(state="failed", message=reason)
                    )
        return imported


def import_folder(desk: Desk, batch: Batch, folder: Path, source: str) -> None:
    """Store the reports that a run outside the desk wrote into `folder`."""
    run_id = desk.store.start_run(
        batch.key, source, now(), {"via": "nightly", "batch_id": batch.id}
    )
    names = [a.name for a in desk.apps(batch.id)]
    errors = warnings = 0
    for name in names:
        path = folder / name / "report.json"
        try:
            report = Report.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            with desk.db.session(write=True) as s:
                s.execute(
                    update(BatchApp)
                    .where(BatchApp.batch_id == batch.id, BatchApp.name == name)
                    .values(state="failed", message=f"未找到报告：{type(exc).__name__}")
                )
            continue
        desk.store.save_report(run_id, report)
        apply_report(desk.db, batch.id, report)
        errors += report.counts["error"]
        warnings += report.counts["warning"]
    desk.store.finish_run(
        run_id, now(), {"applications": len(names), "errors": errors, "warnings": warnings}
    )
    with desk.db.session(write=True) as s:
        s.execute(
            update(Batch)
            .where(Batch.id == batch.id)
            .values(
                state="done", run_id=run_id, out_dir=str(folder), finished_at=now(), message=None
            )
        )
    desk.check_revoked(batch.id)
