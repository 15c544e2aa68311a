"""The nightly run: every batch that arrived in the inbox, processed, then shelved.

`dossier serve` serves `inbox_flow` as a Prefect deployment on a cron schedule (02:00
Asia/Shanghai by default). Each run takes the inbox's lock, picks the batches that are
completely copied in (flows/inbox.py), runs the batch flow on each into
<out>/<batch name>/, and only once its reports and summary are written moves the batch to
<inbox>/processed/<YYYY-MM-DD>/. A run killed half way leaves the batch in the inbox and its
report folder marked as running: the next run resumes it into the same folder, reading no
page twice (the page cache).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger

from flows.batch import batch_flow, default_workers
from flows.inbox import (
    PROCESSED,
    UNREADABLE,
    batch_name,
    claim_output,
    finish_output,
    inbox_lock,
    move_batch,
    ready_batches,
)
from pipeline.atomic import write_atomic
from pipeline.errors import BatchUnreadable
from pipeline.store import default_url, recording

DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEPLOYMENT_NAME = "nightly"


def _logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    try:
        return get_run_logger()
    except Exception:  # called outside a run (tests of the plain function)
        return logging.getLogger(__name__)


@flow(name="inbox", flow_run_name="inbox {inbox}")
def inbox_flow(
    inbox: str,
    out: str,
    engine_name: str = "rapidocr",
    cache_dir: str | None = None,
    workers: int | None = None,
    dask_address: str | None = None,
    settle_seconds: float = 5.0,
    timezone: str = DEFAULT_TIMEZONE,
    db_url: str | None = None,
) -> list[str]:
    """Process every ready batch of the inbox; returns where each one was shelved."""
    log = _logger()
    inbox_dir, out_root = Path(inbox), Path(out)
    out_root.mkdir(parents=True, exist_ok=True)
    with inbox_lock(inbox_dir) as mine:
        if not mine:
            log.info("另一次运行正在处理收件箱 %s，本次跳过", inbox_dir)
            return []
        ready, waiting = ready_batches(inbox_dir, settle_seconds)
        for path, why in waiting:
            log.info("批次 %s 尚未上传完成（%s），留待下次运行", path.name, why)
        if not ready:
            return []  # nothing new: a quiet run
        day = datetime.now(ZoneInfo(timezone)).date().isoformat()
        shelved: list[str] = []
        failed: list[str] = []
        for path in ready:
            out_dir = claim_output(out_root, path)
            options = {"ocr": engine_name, "workers": workers, "via": "serve"}
            try:
                # One database for every nightly batch: the web desk reads it (default under out).
                url = db_url or default_url(out_root)
                with recording(url, batch_name(path), str(path), options, out_dir):
                    batch_flow(
                        path,
                        out_dir,
                        engine_name,
                        cache_dir,
                        workers or default_workers(),
                        dask_address,
                        db_url=url,
                        db_batch=batch_name(path),
                    )
            except BatchUnreadable as exc:
                # Never opened, so never coming right by itself: shelved apart, with the reason
                # beside where its reports would have been.
                write_atomic(out_dir / "无法读取.txt", f"无法读取批次 {path.name}：{exc}\n")
                target = move_batch(path, inbox_dir, UNREADABLE, day)
                finish_output(out_dir, path, target, state="unreadable")
                log.error("批次 %s 无法读取（%s），已移至 %s", path.name, exc, target)
                continue
            except Exception as exc:  # left in the inbox: the next run tries again
                log.error("批次 %s 处理失败，留在收件箱待下次运行：%s", path.name, exc)
                failed.append(path.name)
                continue
            target = move_batch(path, inbox_dir, PROCESSED, day)
            finish_output(out_dir, path, target)
            log.info("批次 %s 已处理，报告在 %s，原件已移至 %s", batch_name(path), out_dir, target)
            shelved.append(str(target))
        if failed:
            # The run shows as failed in the Prefect UI; the batches done are shelved already.
            raise RuntimeError(f"{len(failed)} 个批次处理失败：{'、'.join(failed)}")
        return shelved


def serve(
    inbox: Path,
    out: Path,
    *,
    cron: str = DEFAULT_CRON,
    timezone: str = DEFAULT_TIMEZONE,
    engine_name: str = "rapidocr",
    cache_dir: str | None = None,
    workers: int | None = None,
    dask_address: str | None = None,
    settle_seconds: float = 5.0,
    name: str = DEPLOYMENT_NAME,
    db_url: str | None = None,
) -> None:
    """Serve the nightly deployment until stopped (blocks)."""
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    inbox_flow.serve(
        name=name,
        schedule=Cron(cron, timezone=timezone),
        parameters={
            "inbox": str(inbox.resolve()),
            "out": str(out.resolve()),
            "engine_name": engine_name,
            "cache_dir": cache_dir,
            "workers": workers,
            "dask_address": dask_address,
            "settle_seconds": settle_seconds,
            "timezone": timezone,
            "db_url": db_url,
        },
        # By module, not by file: runs load the installed package whatever the directory.
        entrypoint_type=EntrypointType.MODULE_PATH,
        # One run at a time: a run still going at the next 02:00 is not joined by another.
        limit=1,
        print_starting_message=False,
    )
