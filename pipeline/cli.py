"""The `dossier` command line (contract §3)."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_BAD_INPUT = 2

DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Asia/Shanghai"


def _quiet_prefect() -> None:
    """Telemetry off and a quiet console, before Prefect is first imported."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_LOG_PRINTS", "false")
    # onnxruntime otherwise writes a device id under $HOME and may try to upload telemetry.
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    # The temporary server needs 6 s on an idle machine but far more on a busy one; Prefect's
    # 20 s default then fails the whole run before it starts.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


# ---- progress ----------------------------------------------------------------------------


class _Progress(logging.Handler):
    """Listens to the batch flow's progress events ("dossier.progress" logger).

    Pages are counted from the page events of the readers in this process, and from each
    file's result for files read elsewhere (a Dask worker sends no page events)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.apps_total = 0
        self.apps_done = 0
        self.pages_total = 0
        self.pages_done = 0
        self.per_file: Counter[str] = Counter()
        self.started = time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "event", None)
        data = record.__dict__
        try:
            if event == "batch":
                batch = data["batch"]
                self.apps_total = len(batch.applications)
                self.pages_total = int(data.get("pages_total", 0))
                files = sum(len(a.files) for a in batch.applications)
                self.on_batch(batch.name, files)
            elif event == "page":
                self.per_file[data["path"]] += 1
                self.pages_done += 1
                self.on_page()
            elif event == "file_done":
                missing = int(data["pages"]) - self.per_file[data["path"]]
                if missing > 0:
                    self.per_file[data["path"]] += missing
                    self.pages_done += missing
                    self.on_page()
            elif event == "application_start":
                self.on_app_start(data["application"])
            elif event == "application_done":
                self.apps_done += 1
                self.on_app_done(data["row"])
        except Exception:  # progress must never break a run
            self.handleError(record)

    def eta(self) -> float | None:
        elapsed = time.monotonic() - self.started
        if self.pages_total and self.pages_done:
            return elapsed / self.pages_done * max(0, self.pages_total - self.pages_done)
        if self.apps_done:
            return elapsed / self.apps_done * (self.apps_total - self.apps_done)
        return None

    def on_batch(self, name: str, files: int) -> None: ...
    def on_page(self) -> None: ...
    def on_app_start(self, app: Any) -> None: ...
    def on_app_done(self, row: Any) -> None: ...
    def close_display(self) -> None: ...


class ProgressPrinter(_Progress):
    """Plain lines on stderr (not a terminal: logs, cron mail, CI)."""

    def on_batch(self, name: str, files: int) -> None:
        _err(f"批次 {name}：{self.apps_total} 个申报，{files} 个文件，约 {self.pages_total} 页")

    def on_app_start(self, app: Any) -> None:
        _err(
            f"[{self.apps_done + 1}/{self.apps_total}] 正在处理 {app.name}（{len(app.files)} 个文件）…"
        )

    def on_app_done(self, row: Any) -> None:
        elapsed = time.monotonic() - self.started
        eta = self.eta() or 0.0
        _err(
            f"[{self.apps_done}/{self.apps_total}] {row.application}：{row.pages} 页，"
            f"错误 {row.errors}，警告 {row.warnings}（已用 {elapsed:.0f} 秒，预计剩余 {eta:.0f} 秒）"
        )


class ProgressBar(_Progress):
    """Two bars on a terminal: applications, and pages with their rate and time left."""

    def __init__(self) -> None:
        super().__init__()
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console = Console(stderr=True)
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("剩余"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self.apps = self.bar.add_task("申报", total=None, rate="")
        self.pages = self.bar.add_task("页面", total=None, rate="")
        self.bar.start()

    def on_batch(self, name: str, files: int) -> None:
        self.console.print(f"批次 {name}：{self.apps_total} 个申报，{files} 个文件")
        self.bar.update(self.apps, total=self.apps_total)
        self.bar.update(self.pages, total=max(self.pages_total, 1))

    def on_page(self) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        total = max(self.pages_total, self.pages_done)
        rate = f"{self.pages_done / elapsed:.1f} 页/秒"
        self.bar.update(self.pages, completed=self.pages_done, total=total, rate=rate)

    def on_app_start(self, app: Any) -> None:
        self.bar.update(self.apps, description=f"申报 {app.name}")

    def on_app_done(self, row: Any) -> None:
        self.console.print(
            f"[{self.apps_done}/{self.apps_total}] {row.application}：{row.pages} 页，"
            f"错误 {row.errors}，警告 {row.warnings}",
            highlight=False,
        )
        elapsed = max(time.monotonic() - self.started, 1e-6)
        self.bar.update(
            self.apps,
            completed=self.apps_done,
            description="申报",
            rate=f"{elapsed / self.apps_done:.0f} 秒/个",
        )

    def close_display(self) -> None:
        self.bar.stop()


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def final_line(rows: list[Any], seconds: float, engine: str | None = None) -> str:
    stats: Counter[str] = Counter()
    for r in rows:
        stats.update(r.stats)
    return (
        f"完成：{len(rows)} 个申报，{stats['files']} 个文件，{stats['pages']} 页"
        f"（OCR {stats['pages_ocr']}，文字层 {stats['pages_text-layer']}，"
        f"Word {stats['pages_docx']}，XML {stats['pages_xml']}，其中缓存 {stats['pages_cached']}），"
        f"错误 {sum(r.errors for r in rows)} 项，警告 {sum(r.warnings for r in rows)} 项，"
        f"用时 {seconds:.1f} 秒" + (f"，OCR 引擎 {engine}" if engine else "")
    )


# ---- commands ----------------------------------------------------------------------------


def _check_workers(args: argparse.Namespace) -> str | None:
    if args.workers is not None and args.workers < 1:
        return "--workers 至少为 1"
    return None


def _engine(args: argparse.Namespace) -> tuple[str, str]:
    """The OCR engine asked for, or this machine's (pipeline/engines.toml), and a note saying
    which of the two it is, for the final line."""
    if args.ocr:
        return args.ocr, ""
    from pipeline.engine_choice import default_engine

    return default_engine(), "（按本机 CPU 自动选择）"


def _cache_dir(args: argparse.Namespace) -> str | None:
    from pipeline.cache import default_cache_dir

    return None if args.no_cache else str(Path(args.cache or default_cache_dir()))


def _one_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _disk_full_hint(folder: Path) -> str:
    """SQLite says only "unable to open database file" when the disk is full: say why."""
    try:
        full = shutil.disk_usage(folder).free < 1 << 20
    except OSError:
        return ""
    return "（磁盘空间不足：No space left on device）" if full else ""


def cmd_process(args: argparse.Namespace) -> int:
    batch = Path(args.batch)
    if problem := _check_workers(args):
        _err(f"错误：{problem}")
        return EXIT_BAD_INPUT
    if not batch.exists():
        _err(f"错误：找不到批次 {batch}")
        return EXIT_BAD_INPUT
    if not (batch.is_dir() or batch.suffix.lower() == ".zip"):
        _err(f"错误：{batch} 既不是文件夹也不是 .zip 压缩包")
        return EXIT_BAD_INPUT
    batch_name = batch.stem if batch.is_file() else batch.resolve().name
    out = Path(args.out) if args.out else Path("dossier-out") / batch_name
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        _err(f"错误：输出目录 {out} 不可写：{exc.strerror or exc}")
        return EXIT_BAD_INPUT

    _quiet_prefect()
    engine, chosen = _engine(args)
    from flows.batch import batch_flow, default_workers
    from pipeline.errors import BatchUnreadable
    from pipeline.store import StoreError, default_url, open_store, recording

    db_url = args.db or default_url(out)
    own_db = None if args.db or (out / "dossier.db").exists() else out / "dossier.db"
    try:
        open_store(db_url).close()  # fail fast on a bad URL or an unreachable server
    except StoreError as exc:
        if own_db is not None:  # an empty file left by the failed open is not a result
            for leftover in (own_db, own_db.with_name("dossier.db-journal")):
                leftover.unlink(missing_ok=True)
        _err(f"错误：无法打开数据库：{_one_line(exc)}{_disk_full_hint(out)}")
        return EXIT_BAD_INPUT
    cache_dir = _cache_dir(args)
    printer: _Progress = ProgressBar() if sys.stderr.isatty() else ProgressPrinter()
    progress = logging.getLogger("dossier.progress")
    progress.setLevel(logging.INFO)
    progress.propagate = False
    progress.addHandler(printer)
    started = time.monotonic()
    options = {"ocr": engine, "workers": args.workers, "dask": args.dask}
    try:
        with recording(db_url, batch_name, str(batch.resolve()), options, out) as recorder:
            rows = batch_flow(
                batch,
                out,
                engine,
                cache_dir,
                args.workers or default_workers(),
                args.dask,
                args.ocr_pool,
                keep_archives=args.keep_archives,
                db_url=db_url,
                db_batch=batch_name,
            )
    except BatchUnreadable as exc:
        _err(f"错误：无法读取批次 {batch}：{exc}")
        return EXIT_BAD_INPUT
    except OSError as exc:
        _err(f"错误：写入 {out} 失败：{exc}")
        return EXIT_BAD_INPUT
    finally:
        progress.removeHandler(printer)
        printer.close_display()
    for failure in recorder.failures:
        _err(f"警告：{failure}")
    print(f"汇总：{(out / 'summary.html').resolve()}")
    print(final_line(rows, time.monotonic() - started, engine + chosen))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    if problem := _check_workers(args):
        _err(f"错误：{problem}")
        return EXIT_BAD_INPUT
    inbox, out = Path(args.inbox), Path(args.out)
    if not inbox.is_dir():
        _err(f"错误：收件箱 {inbox} 不存在或不是文件夹")
        return EXIT_BAD_INPUT
    try:
        out.mkdir(parents=True, exist_ok=True)
        (inbox / "processed").mkdir(exist_ok=True)
    except OSError as exc:
        _err(f"错误：无法创建 {out} 或 {inbox / 'processed'}：{exc.strerror or exc}")
        return EXIT_BAD_INPUT
    _quiet_prefect()
    # The served runs log what they process at INFO: show it, unlike `process`'s quiet console.
    os.environ["PREFECT_LOGGING_LEVEL"] = os.environ.get("DOSSIER_SERVE_LOG_LEVEL", "INFO")
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    from flows.nightly import serve

    try:
        CronSchedule(cron=args.cron, timezone=args.timezone)
    except ValidationError:
        _err(f"错误：无效的运行计划：cron “{args.cron}”，时区 {args.timezone}")
        return EXIT_BAD_INPUT
    if not os.environ.get("PREFECT_API_URL"):
        _err(
            "提示：未设置 PREFECT_API_URL，使用临时的本地 Prefect 服务器（运行记录随进程结束而消失）；"
            "要在 Prefect 界面中查看运行，请先 `prefect server start` 并设置 PREFECT_API_URL"
        )
    _err(
        f"按计划“{args.cron}”（{args.timezone}）处理收件箱 {inbox.resolve()}，"
        f"报告写入 {out.resolve()}；按 Ctrl-C 停止"
    )
    serve(
        inbox,
        out,
        cron=args.cron,
        timezone=args.timezone,
        engine_name=_engine(args)[0],
        cache_dir=_cache_dir(args),
        workers=args.workers,
        dask_address=args.dask,
        settle_seconds=args.settle,
        name=args.name,
        db_url=args.db,
    )
    return EXIT_OK


def _reading_options(p: argparse.ArgumentParser) -> None:
    from pipeline.ocr import ENGINES

    p.add_argument(
        "--ocr",
        default=None,
        choices=ENGINES,
        help="OCR 引擎：rapidocr（onnxruntime）、openvino、paddleocr；默认按本机 CPU 选择（见 pipeline/engines.toml）",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="OCR 工作进程数（默认每个 CPU 核一个）",
    )
    p.add_argument("--cache", help="页面缓存目录（默认 ~/.cache/dossier，或 DOSSIER_CACHE）")
    p.add_argument("--no-cache", action="store_true", help="不使用页面缓存")
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="在已有的 Dask 集群上读取文件（调度器地址，如 tcp://10.0.0.5:8786）",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dossier", description="湖南省“上云上平台”标杆企业申报材料自动核查"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("process", help="处理一个批次（文件夹或 .zip）")
    p.add_argument("batch", help="批次文件夹或 .zip")
    p.add_argument("--out", help="输出目录（默认 ./dossier-out/<批次名>）")
    p.add_argument(
        "--db",
        help="数据库 URL（默认 sqlite:///<输出目录>/dossier.db；"
        "PostgreSQL：postgresql+psycopg://用户:密码@主机:端口/库名）",
    )
    _reading_options(p)
    p.add_argument(
        "--keep-archives",
        action="store_true",
        help="保留解压出的压缩包内容（<输出目录>/.work/archives，默认处理完即删除）",
    )
    # Kept for measurements (benchmarks/throughput.py): processes are the faster default.
    p.add_argument(
        "--ocr-pool", choices=["process", "thread"], default="process", help=argparse.SUPPRESS
    )
    p.set_defaults(run=cmd_process)

    s = sub.add_parser("serve", help="按计划处理收件箱（夜间运行）")
    s.add_argument("--inbox", required=True, help="收件箱文件夹：每个批次一个文件夹或 .zip")
    s.add_argument("--out", required=True, help="报告根目录：每个批次写入 <out>/<批次名>/")
    s.add_argument(
        "--cron", default=DEFAULT_CRON, help=f"运行计划（cron 表达式，默认 “{DEFAULT_CRON}”）"
    )
    s.add_argument(
        "--timezone", default=DEFAULT_TIMEZONE, help=f"计划所用时区（默认 {DEFAULT_TIMEZONE}）"
    )
    s.add_argument(
        "--settle",
        type=float,
        default=5.0,
        help="判断上传完成的间隔秒数：两次查看之间大小或修改时间不变（默认 5）",
    )
    s.add_argument("--name", default="nightly", help="Prefect 部署名（默认 nightly）")
    s.add_argument("--db", help="数据库 URL（默认 sqlite:///<报告根目录>/dossier.db）")
    _reading_options(s)
    s.set_defaults(run=cmd_serve)

    from webdesk.cli import add_commands as add_web_commands

    add_web_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
