"""Issue 6: huge inputs stay within bounded memory, and the limits that refuse them are data
(limits.toml, or a DOSSIER_LIMITS override file) with a reason in Chinese.

Peak memory is measured per file in a fresh process (its VmHWM: the high-water mark of its
own memory), reading the file's pages exactly as the pipeline does."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.errors import UnreadableFile
from pipeline.formats import detect_format
from pipeline.intake import limits_data
from pipeline.models import InputFile
from pipeline.pages import page_settings, read_pages
from tests.hostile import builders as b
from tests.hostile.batches import BIG_SIDE, MANY_PAGES
from tests.hostile.runner import ROOT

READER = """
import sys, time
from pathlib import Path
from pipeline.errors import UnreadableFile
from pipeline.formats import detect_format
from pipeline.models import InputFile
from pipeline.pages import read_pages

path = Path(sys.argv[1])
f = InputFile(file=path.name, path=str(path), sha256="", size=0, format=detect_format(path))
try:
    print("pages", sum(1 for _ in read_pages(f, None)))
except UnreadableFile as exc:
    print("unreadable", exc)
# The high-water mark of this process's own memory since exec: rusage would also count the
# pytest process it was forked from.
status = Path("/proc/self/status").read_text()
print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
"""


def _peak(path: Path) -> tuple[str, float, float]:
    """(what the reader printed, its peak RSS in MB, seconds) of reading the file's pages."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), ORT_DISABLE_TELEMETRY="1")
    env.pop("DOSSIER_LIMITS", None)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", READER, str(path)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    said, peak_kb = done.stdout.strip().rsplit("\n", 1)
    return said, int(peak_kb) / 1024, time.monotonic() - started


def test_peak_memory_of_the_huge_inputs(tmp_path: Path) -> None:
    big = tmp_path / "巨图.png"
    big.write_bytes(b.big_png(BIG_SIDE, BIG_SIDE))
    said, big_mb, big_s = _peak(big)
    assert said.startswith("unreadable 图片像素过大（400,000,000 像素"), said
    assert big_mb < 400  # refused from its header, never decoded

    pdf = b.many_pages_pdf(tmp_path / "千页.pdf", MANY_PAGES)
    said, pdf_mb, pdf_s = _peak(pdf)
    assert said == f"pages {MANY_PAGES}"
    assert pdf_mb < 600  # one page at a time

    # The largest colour scan the limit lets through (144 Mpx ≤ 150 Mpx) is read: OCR at 4000 px.
    scan = tmp_path / "大扫描件.png"
    scan.write_bytes(b.big_png(12_000, 12_000, rgb=True))
    said, scan_mb, scan_s = _peak(scan)
    assert said == "pages 1"
    assert scan_mb < 2048
    print(
        f"\npeak RSS: 20000×20000 PNG {big_mb:.0f} MB ({big_s:.1f} s), "
        f"{MANY_PAGES}-page PDF {pdf_mb:.0f} MB ({pdf_s:.1f} s), "
        f"12000×12000 RGB PNG {scan_mb:.0f} MB ({scan_s:.1f} s)"
    )


def _input(path: Path) -> InputFile:
    return InputFile(file=path.name, path=str(path), sha256="", size=0, format=detect_format(path))


def _override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    limits = tmp_path / "limits.toml"
    limits.write_text(text, encoding="utf-8")
    monkeypatch.setenv("DOSSIER_LIMITS", str(limits))


def test_page_and_pixel_limits_come_from_the_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = b.many_pages_pdf(tmp_path / "六页.pdf", 6)
    image = tmp_path / "图.png"
    image.write_bytes(b.png_bytes(b.text_image(["营业执照"], size=(200, 80))))
    _override(tmp_path, monkeypatch, "[pages]\nmax_pages = 5\nmax_image_pixels = 10_000\n")
    assert page_settings().max_pages == 5
    with pytest.raises(UnreadableFile, match="PDF 共 6 页，超过上限 5 页"):
        list(read_pages(_input(pdf), None))
    with pytest.raises(UnreadableFile, match=r"图片像素过大（200×80，超过上限 10,000 像素）"):
        list(read_pages(_input(image), None))
    frames = [b.text_image(["营业执照"], size=(40, 20), font_size=10) for _ in range(6)]
    tiff = tmp_path / "六页.tif"
    frames[0].save(tiff, "TIFF", save_all=True, append_images=frames[1:])
    with pytest.raises(UnreadableFile, match="TIFF 共 6 页，超过上限 5 页"):
        list(read_pages(_input(tiff), None))
    monkeypatch.delenv("DOSSIER_LIMITS")
    assert page_settings().max_pages == 2000
    assert len(list(read_pages(_input(pdf), None))) == 6


def test_a_mistyped_override_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _override(tmp_path, monkeypatch, "[archive]\nmax_total_byte = 1\n")
    with pytest.raises(ValueError, match="max_total_byte"):
        limits_data()
    _override(tmp_path, monkeypatch, "[archives]\nmax_total_bytes = 1\n")
    with pytest.raises(ValueError, match=r"\[archives\]"):
        limits_data()
    monkeypatch.setenv("DOSSIER_LIMITS", str(tmp_path / "missing.toml"))
    with pytest.raises(ValueError, match="cannot read"):
        limits_data()
