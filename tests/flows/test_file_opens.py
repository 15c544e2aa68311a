"""How often a run opens each input file, counted with an audit hook on "open" events.

A cut of sample application 001 (the form, a scan, an invoice and an audit report, text-layer
PDFs) goes through the stages the batch flow runs (intake, pipeline/reading.py, checks,
report with evidence pictures), cold and then warm. Every open of an input file made through
Python is seen, with the code that made it; the readers map a PDF's bytes with Python's own
open before PDFium reads them, so PDFium's opens are seen too.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.assemble import assemble_report
from pipeline.cache import PageCache, picture_cache_dir
from pipeline.documents import documents_of
from pipeline.intake import scan_batch
from pipeline.pages import read_pages
from pipeline.reading import FileRead, FileResult, read_file
from pipeline.report import write_report
from tests.flows.batches import APP, SAMPLE_APP

ROOT = Path(__file__).resolve().parents[2]
# Opens made below these are the extractors' or the report's: they must make none, except
# the evidence pictures' page renders (pipeline/crops.py → pipeline/pages.render_page).
EXTRACTION = (ROOT / "extractors", ROOT / "pipeline" / "documents.py")
REPORT = tuple(
    ROOT / "pipeline" / name for name in ("assemble.py", "report.py", "checks", "crops.py")
)


class Opens:
    """Opens of `paths` while recording, each with the repository files on its stack."""

    def __init__(self) -> None:
        self.paths: set[str] = set()
        self.seen: list[tuple[str, list[Path]]] = []
        self.lock = threading.Lock()

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event != "open" or not self.paths or not isinstance(args[0], str | bytes | Path):
            return
        path = os.path.realpath(os.fsdecode(args[0]))
        if path not in self.paths:
            return
        stack = []
        frame = sys._getframe(1)
        while frame is not None:
            stack.append(Path(frame.f_code.co_filename))
            frame = frame.f_back  # type: ignore[assignment]
        with self.lock:
            self.seen.append((path, stack))

    @contextmanager
    def recording(self, paths: list[str]) -> Iterator[None]:
        self.seen = []
        self.paths = {os.path.realpath(p) for p in paths}
        try:
            yield
        finally:
            self.paths = set()

    def count(self) -> Counter[str]:
        return Counter(path for path, _ in self.seen)

    def under(self, places: tuple[Path, ...]) -> list[str]:
        """Opens with one of `places` (a file, or a folder's files) on their stack."""
        return [
            path
            for path, stack in self.seen
            if any(f == p or p in f.parents for f in stack for p in places)
        ]


_OPENS = Opens()
sys.addaudithook(_OPENS)  # a hook stays for the process: it records only inside `recording`


def _batch(dest: Path) -> Path:
    app = dest / APP
    (app / "附件").mkdir(parents=True)
    for name in ("申报书.docx", "荣誉证书.jpg"):
        shutil.copy2(SAMPLE_APP / name, app / name)
    shutil.copy2(SAMPLE_APP / "附件" / "发票" / "dzfp_033001879811_69054726.pdf", app / "附件")
    shutil.copy2(SAMPLE_APP / "附件" / "财务" / "2018年度审计报告.pdf", app / "附件")
    return dest


def _run(batch: Path, out: Path, cache_dir: Path) -> tuple[Counter[str], Opens, list[FileRead]]:
    """One application through intake, reading, checks and report, as flows/batch.py runs
    them (OCR in this thread); the opens of its input files while that happens."""
    files = [str(p) for p in batch.rglob("*") if p.is_file()]
    cache = PageCache(cache_dir)
    with _OPENS.recording(files):
        (app,) = scan_batch(batch, out / ".work").applications
        reads = [read_file(f, "rapidocr", cache) for f in app.files]
        report = assemble_report(app, [r.result for r in reads])
        write_report(
            report,
            out,
            files=app.files,
            pages=[p for r in reads for p in r.pages],
            picture_cache=picture_cache_dir(cache_dir),
        )
    assert len(app.files) == len(files) == 4
    assert all(r.result.status == "processed" for r in reads), [r.result for r in reads]
    return _OPENS.count(), _OPENS, reads


def test_cold_run_reads_each_file_once_after_intake_and_warm_run_never(tmp_path: Path) -> None:
    batch = _batch(tmp_path / "batch")
    cold, cold_opens, reads = _run(batch, tmp_path / "out-cold", tmp_path / "cache")
    inputs = {os.path.realpath(p) for p in batch.rglob("*") if p.is_file()}
    assert set(cold) == inputs  # every file was read, and seen being read
    # Intake (hash, sniff, page count: one open) and one read: at most two opens per file,
    # the report's evidence pictures apart (below).
    reading = Counter(cold) - Counter(cold_opens.under(REPORT))
    assert max(reading.values()) <= 2, reading
    assert cold_opens.under(EXTRACTION) == []
    # The one place report code still opens an input file: rendering a page for an evidence
    # picture on a cold run (pipeline/crops.py); nothing else in the report does.
    renders = cold_opens.under((ROOT / "pipeline" / "crops.py",))
    assert sorted(renders) == sorted(cold_opens.under(REPORT))
    pages = {r.result.file: r.result.pages for r in reads}
    assert pages["附件/2018年度审计报告.pdf"] > 1

    warm, warm_opens, _ = _run(batch, tmp_path / "out-warm", tmp_path / "cache")
    # Every page and picture comes from the cache: intake's open is the only one.
    assert warm == Counter(dict.fromkeys(inputs, 1)), warm
    assert warm_opens.under(REPORT) == [] and warm_opens.under(EXTRACTION) == []


def test_extraction_and_report_open_no_input_file(tmp_path: Path) -> None:
    """Classification, extraction, checks and the report (without evidence pictures) work
    from the pages read: none of them opens an input file, even when every page is there."""
    batch = _batch(tmp_path / "batch")
    (app,) = scan_batch(batch, tmp_path / "work").applications
    text_files = [f for f in app.files if f.format in ("pdf", "docx")]
    read = {f.file: list(read_pages(f, None)) for f in text_files}
    with _OPENS.recording([f.path for f in app.files]):
        documents = {name: documents_of(name, got) for name, got in read.items()}
        results = [
            FileResult(file=name, pages=len(got), documents=documents[name])
            for name, got in read.items()
        ]
        report = assemble_report(app, results)
        write_report(report, tmp_path / "out")
    assert _OPENS.seen == []
    # The extractors did read what these files hold (not a vacuous pass).
    found = {d.type for docs in documents.values() for d in docs}
    assert {"application_form", "invoice", "audit_report"} <= found
    assert report.declared is not None and report.declared.company_name
