"""Exit codes and messages of `dossier process` for what it cannot start on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_missing_batch_exits_2_with_reason(tmp_path: Path) -> None:
    r = run("process", str(tmp_path / "nope"))
    assert r.returncode == 2
    assert "找不到批次" in r.stderr


def test_not_a_folder_or_zip_exits_2(tmp_path: Path) -> None:
    f = tmp_path / "batch.txt"
    f.write_text("x")
    r = run("process", str(f))
    assert r.returncode == 2 and "既不是文件夹也不是 .zip" in r.stderr


def test_unwritable_output_exits_2(tmp_path: Path) -> None:
    (tmp_path / "batch").mkdir()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = run("process", str(tmp_path / "batch"), "--out", str(blocker / "out"))
    assert r.returncode == 2 and "不可写" in r.stderr


def test_wrong_arguments_exit_2() -> None:
    assert run("process").returncode == 2
    assert run("frobnicate").returncode == 2


def test_workers_below_one_exit_2(tmp_path: Path) -> None:
    (tmp_path / "batch").mkdir()
    r = run("process", str(tmp_path / "batch"), "--workers", "0")
    assert r.returncode == 2 and "--workers" in r.stderr


def test_serve_without_an_inbox_exits_2(tmp_path: Path) -> None:
    r = run("serve", "--inbox", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert r.returncode == 2 and "收件箱" in r.stderr
    assert run("serve", "--out", str(tmp_path)).returncode == 2  # --inbox is required


def test_serve_with_a_bad_schedule_exits_2(tmp_path: Path) -> None:
    r = run("serve", "--inbox", str(tmp_path), "--out", str(tmp_path / "o"), "--cron", "0 2 * *")
    assert r.returncode == 2 and "无效的运行计划" in r.stderr
    r = run("serve", "--inbox", str(tmp_path), "--out", str(tmp_path / "o"), "--timezone", "火星")
    assert r.returncode == 2
