"""A batch killed half way (SIGKILL, as a power cut or the OOM killer would) completes on the
next run: nothing lost, nothing twice, and the pages already read are not read again."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from pipeline.cache import PageCache
from tests.flows.batches import APP, scanned_pdf, small_batch

SCAN_PAGES = 4
FINAL = re.compile(r"完成：1 个申报，(\d+) 个文件，(\d+) 页（OCR (\d+)，.*其中缓存 (\d+)）")


def _command(batch: Path, out: Path) -> list[str]:
    # One worker: pages are read one after the other, so the kill lands mid-file.
    return [sys.executable, "-m", "pipeline.cli", "process", str(batch), "--out", str(out)] + [
        "--workers",
        "1",
    ]


def test_killed_run_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    batch = small_batch(tmp_path / "批次")
    (batch / APP / "整本扫描.pdf").write_bytes(scanned_pdf(SCAN_PAGES))
    out, cache = tmp_path / "out", tmp_path / "cache"
    env = dict(os.environ, DOSSIER_CACHE=str(cache))

    proc = subprocess.Popen(
        _command(batch, out),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the OCR workers die with it
    )
    try:
        deadline = time.monotonic() + 300
        # The first page of the scan (or a whole file) in the cache: the run is part way.
        while not list((cache / "pages").glob("*/*.d/*.json")):
            assert proc.poll() is None, "the run ended before it could be interrupted"
            assert time.monotonic() < deadline, "no page was cached in time"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not (out / APP / "report.json").exists(), "killed too late: the report was written"
    kept = len(list((cache / "pages").glob("*/*.d/*.json")))
    assert 1 <= kept < SCAN_PAGES

    rerun = subprocess.run(
        _command(batch, out), env=env, capture_output=True, text=True, timeout=600
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    m = FINAL.search(rerun.stdout)
    assert m, rerun.stdout
    files, pages, ocr, cached = map(int, m.groups())
    assert (files, pages, ocr) == (3, SCAN_PAGES + 2, SCAN_PAGES + 1)
    # Pages read before the kill came from the cache: fewer pages were read this time.
    assert cached >= kept

    report = json.loads((out / APP / "report.json").read_text(encoding="utf-8"))
    names = [f["file"] for f in report["files"]]
    assert sorted(names) == ["整本扫描.pdf", "申报书.docx", "荣誉证书.jpg"]  # each exactly once
    assert all(f["status"] == "processed" for f in report["files"])
    scan = next(f for f in report["files"] if f["file"] == "整本扫描.pdf")
    assert scan["pages"] == SCAN_PAGES
    # One report folder and one summary row: the rerun wrote over the same output.
    assert [p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")] == [APP]
    rows = (out / "summary.csv").read_text(encoding="utf-8-sig").strip().splitlines()
    assert len(rows) == 2
    # The whole file is cached now and its single-page entries are gone.
    assert not list((cache / "pages").glob("*/*.d/*.json"))
    assert len(list(PageCache(cache).root.glob("*/*.json"))) == 3
