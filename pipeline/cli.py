"""The `dossier` command line (contract §3)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _quiet_prefect() -> None:
    """Telemetry off and a quiet console, before Prefect is first imported."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_LOG_PRINTS", "false")


class ProgressPrinter(logging.Handler):
    """Draws the batch flow's progress events as plain lines (stderr)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.total = 0
        self.done = 0
        self.started = time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "event", None)
        if event == "batch":
            batch = record.__dict__["batch"]
            self.total = len(batch.applications)
            files = sum(len(a.files) for a in batch.applications)
            _err(f"批次 {batch.name}：{self.total} 个申报，{files} 个文件")
        elif event == "application_start":
            app = record.__dict__["application"]
            _err(f"[{self.done + 1}/{self.total}] 正在处理 {app.name}（{len(app.files)} 个文件）…")
        elif event == "application_done":
            self.done += 1
            row = record.__dict__["row"]
            elapsed = time.monotonic() - self.started
            eta = elapsed / self.done * (self.total - self.done)
            _err(
                f"[{self.done}/{self.total}] {row.application}：{row.pages} 页，"
                f"错误 {row.errors}，警告 {row.warnings}（已用 {elapsed:.0f} 秒，预计剩余 {eta:.0f} 秒）"
            )


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def final_line(rows: list[Any], seconds: float) -> str:
    stats: Counter[str] = Counter()
    for r in rows:
        stats.update(r.stats)
    return (
        f"完成：{len(rows)} 个申报，{stats['files']} 个文件，{stats['pages']} 页"
        f"（OCR {stats['pages_ocr']}，文字层 {stats['pages_text-layer']}，"
        f"Word {stats['pages_docx']}，XML {stats['pages_xml']}，其中缓存 {stats['pages_cached']}），"
        f"错误 {sum(r.errors for r in rows)} 项，警告 {sum(r.warnings for r in rows)} 项，"
        f"用时 {seconds:.1f} 秒"
    )


def cmd_process(args: argparse.Namespace) -> int:
    batch = Path(args.batch)
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
    from flows.batch import batch_flow
    from pipeline.cache import default_cache_dir
    from pipeline.errors import BatchUnreadable

    cache_dir = None if args.no_cache else str(Path(args.cache or default_cache_dir()))
    printer = ProgressPrinter()
    progress = logging.getLogger("dossier.progress")
    progress.setLevel(logging.INFO)
    progress.propagate = False
    progress.addHandler(printer)
    started = time.monotonic()
    try:
        rows = batch_flow(batch, out, args.ocr, cache_dir, args.workers)
    except BatchUnreadable as exc:
        _err(f"错误：无法读取批次 {batch}：{exc}")
        return EXIT_BAD_INPUT
    except OSError as exc:
        _err(f"错误：写入 {out} 失败：{exc}")
        return EXIT_BAD_INPUT
    finally:
        progress.removeHandler(printer)
    print(f"汇总：{(out / 'summary.html').resolve()}")
    print(final_line(rows, time.monotonic() - started))
    return EXIT_OK


def _not_built(name: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        _err(f"`dossier {name}` 尚未实现（见项目 issue 列表）")
        return EXIT_BAD_INPUT

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dossier", description="湖南省“上云上平台”标杆企业申报材料自动核查"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("process", help="处理一个批次（文件夹或 .zip）")
    p.add_argument("batch", help="批次文件夹或 .zip")
    p.add_argument("--out", help="输出目录（默认 ./dossier-out/<批次名>）")
    p.add_argument("--ocr", default="rapidocr", choices=["rapidocr", "paddleocr"], help="OCR 引擎")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="并行读取文件的线程数")
    p.add_argument("--cache", help="页面缓存目录（默认 ~/.cache/dossier，或 DOSSIER_CACHE）")
    p.add_argument("--no-cache", action="store_true", help="不使用页面缓存")
    p.set_defaults(run=cmd_process)

    for name, help_text in [
        ("serve", "按计划处理收件箱（夜间运行）"),
        ("web", "启动网页工作台"),
        ("user", "管理网页工作台账户"),
    ]:
        s = sub.add_parser(name, help=help_text)
        s.add_argument("rest", nargs=argparse.REMAINDER)
        s.set_defaults(run=_not_built(name))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
