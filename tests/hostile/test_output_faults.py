"""Issue 6: the output cannot be written. An output folder that is not writable, and a disk
that fills up while archives are extracted or reports are written, must end `dossier process`
with exit 2 and a one-line reason, leaving no half-written file that could pass for a report.

The faults are real where the machine allows: as root, a read-only tmpfs and a 1 MB tmpfs
filled to the last byte. Where `mount` is refused (no root, no CAP_SYS_ADMIN) the tests fall
back to MOCKS, because the fault cannot be produced otherwise: the unwritable folder becomes
a path below a regular file, and "disk full" is OSError(ENOSPC) raised from the writer
(pipeline.report.write_atomic, pipeline.intake._copy_member) inside the command's process.
"""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.hostile import builders as b
from tests.hostile.runner import Dirs, Run, run_process

DISK_FULL_WORDS = ("No space left on device", "磁盘空间")
MOCK_REPORT_FULL = """
import errno
import pipeline.report

def _full(path, data):
    raise OSError(errno.ENOSPC, "No space left on device", str(path))

pipeline.report.write_atomic = _full
"""
MOCK_EXTRACT_FULL = """
import errno
import pipeline.intake

def _full(zf, info, target):
    raise OSError(errno.ENOSPC, "No space left on device", str(target))

pipeline.intake._copy_member = _full
"""


@contextmanager
def tmpfs(path: Path, size: str, readonly: bool = False) -> Iterator[bool]:
    """A tmpfs mounted on path (True), or False when this machine does not allow mounting."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size},mode=0755" + (",ro" if readonly else "")
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        yield False
        return
    if done.returncode != 0:
        yield False
        return
    try:
        yield True
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)


def fill(folder: Path) -> None:
    """Write zeros into folder until the file system has no byte left."""
    with open(folder / "filler.bin", "wb", buffering=0) as fh:
        block = bytes(4096)
        try:
            while True:
                fh.write(block)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc


def _batch(root: Path, with_zip: bool) -> Path:
    app = root / "batch" / "001_湖南甲公司"
    app.mkdir(parents=True)
    b.invoice_pdf(app / "发票.pdf")
    (app / "说明.txt").write_text("见附件", encoding="utf-8")
    if with_zip:
        members = [
            (
                f"附件{i}.pdf",
                b.text_pdf(root / f"m{i}.pdf", [b.INVOICE, [f"第 {i} 份"]]).read_bytes(),
            )
            for i in range(3)
        ]
        (app / "资料.zip").write_bytes(
            b.zip_of([*members, ("大附件.bin", bytes(range(256)) * 4096)])
        )
    return root / "batch"


def _assert_clean_failure(run: Run, out: Path, words: tuple[str, ...]) -> None:
    assert run.returncode == 2, (run.returncode, run.stderr[-3000:])
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("错误："), last
    assert any(w in last for w in words), last
    written = [p for p in out.rglob("*") if p.is_file() and p.name != "filler.bin"]
    # No report, summary or temporary file: nothing that could be taken for a result.
    assert not written, written


def test_output_folder_not_writable(tmp_path: Path) -> None:
    batch = _batch(tmp_path, with_zip=False)
    dirs = Dirs.under(tmp_path / "run")
    with tmpfs(dirs.out, "1m", readonly=True) as mounted:
        if not mounted:  # MOCK: no mount allowed; a path below a regular file cannot be made
            blocker = tmp_path / "run" / "blocker"
            blocker.write_text("x")
            dirs.out = blocker / "out"
        run = run_process(batch, dirs)
        _assert_clean_failure(
            run, dirs.out if mounted else tmp_path / "run" / "blocker", ("不可写",)
        )


def test_disk_full_while_extracting_archives(tmp_path: Path) -> None:
    """The work folder (out/.work) fills up while a zip is extracted: before the fix in
    pipeline/intake.py the archive was reported as "damaged" and the run ended with exit 0."""
    batch = _batch(tmp_path, with_zip=True)
    dirs = Dirs.under(tmp_path / "run")
    with tmpfs(dirs.out, "1m") as mounted:
        if mounted:
            fill(dirs.out)
        run = run_process(batch, dirs, prelude=None if mounted else MOCK_EXTRACT_FULL)
        _assert_clean_failure(run, dirs.out, DISK_FULL_WORDS)


def test_disk_full_while_writing_reports(tmp_path: Path) -> None:
    batch = _batch(tmp_path, with_zip=False)
    dirs = Dirs.under(tmp_path / "run")
    with tmpfs(dirs.out, "1m") as mounted:
        if mounted:
            fill(dirs.out)
        run = run_process(batch, dirs, prelude=None if mounted else MOCK_REPORT_FULL)
        _assert_clean_failure(run, dirs.out, DISK_FULL_WORDS)


def test_full_page_cache_does_not_fail_the_files(tmp_path: Path) -> None:
    """The page cache is only a shortcut: a full cache disk must not turn readable files into
    "unreadable" ones."""
    batch = _batch(tmp_path, with_zip=False)
    dirs = Dirs.under(tmp_path / "run")
    with tmpfs(dirs.cache, "1m") as mounted:
        if not mounted:
            pytest.skip("needs a real full file system (mount tmpfs)")
        fill(dirs.cache)
        run = run_process(batch, dirs)
    assert run.returncode == 0, run.stderr[-3000:]
    report = (dirs.out / "001_湖南甲公司" / "report.json").read_text(encoding="utf-8")
    assert '"status": "unreadable"' not in report, report[:3000]
