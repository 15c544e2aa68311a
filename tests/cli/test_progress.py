"""The progress display counts applications and pages from the flow's events."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from pipeline.cli import ProgressBar, ProgressPrinter, _Progress, final_line


def _event(handler: _Progress, event: str, **data: object) -> None:
    record = logging.LogRecord("dossier.progress", logging.INFO, __file__, 0, event, (), None)
    record.__dict__.update(event=event, **data)
    handler.handle(record)


def _feed(handler: _Progress) -> None:
    app = SimpleNamespace(name="001_某公司", files=[object(), object()])
    batch = SimpleNamespace(name="批次", applications=[app])
    _event(handler, "batch", batch=batch, pages_total=5)
    _event(handler, "application_start", application=app)
    for _ in range(3):  # pages read here
        _event(handler, "page", path="/b/scan.pdf", source="ocr", cached=False)
    _event(handler, "file_done", path="/b/scan.pdf", pages=3)
    _event(handler, "file_done", path="/b/remote.pdf", pages=2)  # read on a Dask worker
    row = SimpleNamespace(application="001_某公司", pages=5, errors=1, warnings=2)
    _event(handler, "application_done", row=row)


def test_pages_are_counted_once_whether_read_here_or_elsewhere(
    capsys: pytest.CaptureFixture[str],
) -> None:
    printer = ProgressPrinter()
    _feed(printer)
    assert (printer.apps_done, printer.pages_done, printer.pages_total) == (1, 5, 5)
    err = capsys.readouterr().err
    assert "批次 批次：1 个申报，2 个文件，约 5 页" in err
    assert "[1/1] 001_某公司：5 页，错误 1，警告 2" in err


def test_the_terminal_bar_follows_the_same_events() -> None:
    bar = ProgressBar()
    try:
        _feed(bar)
        pages = bar.bar.tasks[bar.pages]
        apps = bar.bar.tasks[bar.apps]
        assert (pages.completed, pages.total) == (5, 5)
        assert (apps.completed, apps.total) == (1, 1)
    finally:
        bar.close_display()


def test_final_line_counts_pages_by_source() -> None:
    row = SimpleNamespace(
        stats={
            "files": 3,
            "pages": 6,
            "pages_ocr": 4,
            "pages_text-layer": 1,
            "pages_docx": 1,
            "pages_cached": 2,
        },
        errors=1,
        warnings=0,
    )
    line = final_line([row], 12.34)
    assert line == (
        "完成：1 个申报，3 个文件，6 页（OCR 4，文字层 1，Word 1，XML 0，其中缓存 2），"
        "错误 1 项，警告 0 项，用时 12.3 秒"
    )
