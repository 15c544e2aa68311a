"""Runs the real `dossier process` in a subprocess and watches what it touches."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    # wait4's ru_maxrss: the largest of the command's process and the children it waited
    # for (OCR workers), not of earlier children of pytest. It starts from pytest's own RSS
    # at fork time, so it is an upper bound.
    peak_rss_mb: float


@dataclass
class Dirs:
    """Everything the command may write to; all of it under one temporary root."""

    out: Path
    cache: Path
    prefect: Path
    home: Path
    tmp: Path
    cwd: Path

    @classmethod
    def under(cls, root: Path) -> Dirs:
        dirs = cls(*(root / n for n in ("out", "cache", "prefect", "home", "tmp", "cwd")))
        for p in (dirs.cache, dirs.prefect, dirs.home, dirs.tmp, dirs.cwd):
            p.mkdir(parents=True, exist_ok=True)
        return dirs


def run_process(
    batch: Path,
    dirs: Dirs,
    extra_env: dict[str, str] | None = None,
    timeout: float = 900,
    prelude: str | None = None,
    extra_args: list[str] | None = None,
) -> Run:
    """`dossier process BATCH --out OUT` with its cache, Prefect home, HOME, TMPDIR and working
    directory inside `dirs`, so that anything written elsewhere is a finding.

    `prelude` is Python run in the command's process before pipeline.cli.main (a mock)."""
    env = dict(os.environ)
    env.update(
        DOSSIER_CACHE=str(dirs.cache),
        PREFECT_HOME=str(dirs.prefect),
        HOME=str(dirs.home),
        TMPDIR=str(dirs.tmp),
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PYTHONPATH=str(ROOT),
        # Prefect's temporary server gives up after 20 s; a loaded CI machine needs longer.
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180",
    )
    env.pop("DOSSIER_LIMITS", None)
    env.update(extra_env or {})
    args = ["process", str(batch), "--out", str(dirs.out), *(extra_args or [])]
    cmd = [sys.executable, "-m", "pipeline.cli", *args]
    if prelude is not None:
        main = "import sys\nfrom pipeline.cli import main\nsys.exit(main(sys.argv[1:]))\n"
        cmd = [sys.executable, "-c", prelude + "\n" + main, *args]
    out_log, err_log = dirs.tmp.parent / "stdout.log", dirs.tmp.parent / "stderr.log"
    started = time.monotonic()
    with open(out_log, "wb") as out_fh, open(err_log, "wb") as err_fh:
        proc = subprocess.Popen(cmd, stdout=out_fh, stderr=err_fh, env=env, cwd=dirs.cwd)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
    return Run(
        returncode=proc.returncode,
        stdout=out_log.read_text("utf-8", errors="replace"),
        stderr=err_log.read_text("utf-8", errors="replace"),
        seconds=time.monotonic() - started,
        peak_rss_mb=usage.ru_maxrss / 1024,  # KB on Linux
    )


def snapshot(root: Path, skip: tuple[Path, ...] = ()) -> dict[str, str]:
    """Every entry under root (links not followed) with its content hash, link target or
    type and permission bits; `skip` folders are left out."""
    out: dict[str, str] = {}
    skipped = {os.fspath(p) for p in skip}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) not in skipped]
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            mode = oct(stat.S_IMODE(st.st_mode))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = f"link:{os.readlink(p)}"
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as fh:
                    out[rel] = f"file:{mode}:{hashlib.sha256(fh.read()).hexdigest()}"
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = f"dir:{mode}"
            else:
                out[rel] = f"special:{stat.S_IFMT(st.st_mode)}:{mode}"
    return out


def folder_size(root: Path) -> int:
    return sum(os.lstat(os.path.join(d, f)).st_size for d, _, files in os.walk(root) for f in files)


def reports(out: Path) -> dict[str, dict[str, Any]]:
    """Every report.json under out, by application (its folder name)."""
    return {
        p.parent.name: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(out.glob("*/report.json"))
    }


def files_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["file"]: f for f in report["files"]}
