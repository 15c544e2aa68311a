"""The inbox of the nightly run: which batches are ready, where their reports go, where they
are moved once done. Plain functions over paths (no Prefect here), tested on their own.

An inbox holds batches (a folder or a .zip each) dropped by the cities' uploads:

    inbox/
      2024-03-长沙市/              a batch, ready
      2024-03-株洲市.zip           a batch, ready
      2024-03-湘潭市.zip.partial   still being copied (name)
      2024-03-岳阳市/  + 2024-03-岳阳市.uploading     still being copied (sentinel beside it)
      processed/2024-03-27/…      batches done, never deleted, never overwritten
      unreadable/2024-03-27/…     batches that could not be opened at all (see the report folder)

A batch is left for the next run while it is being copied in:
- its name, or the name of any file inside it, ends in .partial, .part, .tmp, .crdownload,
  .download or .filepart (what browsers, rsync, WinSCP and most copy tools write to);
- a sentinel `<batch name>.uploading` stands beside it in the inbox (for uploaders that can
  neither rename at the end nor write under a temporary name: create it first, delete it last);
- its number of files, total size or latest mtime changed between two looks `settle` seconds
  apart;
- it is a .zip without its central directory (cut short) that changed in the last hour.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROCESSED = "processed"
UNREADABLE = "unreadable"
PARTIAL_SUFFIXES = (".partial", ".part", ".tmp", ".crdownload", ".download", ".filepart")
SENTINEL_SUFFIX = ".uploading"
LOCK_NAME = ".dossier-inbox.lock"
# Written into each batch's report folder: which inbox entry it belongs to and whether it
# was finished, so that a run interrupted half way writes into the same folder next time.
MARKER = ".dossier-batch.json"
TRUNCATED_ZIP_GRACE = 3600.0


@dataclass(frozen=True)
class Snapshot:
    files: int
    size: int
    mtime_ns: int


def snapshot(path: Path) -> Snapshot:
    """Count, total size and latest mtime of a batch (links are not followed)."""
    if not path.is_dir():
        st = path.stat()
        return Snapshot(1, st.st_size, st.st_mtime_ns)
    files = size = latest = 0
    for root, dirs, names in os.walk(path):
        for name in names + dirs:
            try:
                st = os.lstat(os.path.join(root, name))
            except FileNotFoundError:  # removed between listing and looking: it changed
                latest = time.time_ns()
                continue
            files += 1
            size += st.st_size
            latest = max(latest, st.st_mtime_ns)
    return Snapshot(files, size, latest)


def _is_partial(name: str) -> bool:
    return name.lower().endswith(PARTIAL_SUFFIXES)


def candidates(inbox: Path) -> list[Path]:
    """Inbox entries that are batches (folders and .zip files), in name order."""
    found = []
    for entry in sorted(inbox.iterdir()):
        name = entry.name
        if name.startswith((".", "~$")) or name in (PROCESSED, UNREADABLE):
            continue
        if _is_partial(name) or name.endswith(SENTINEL_SUFFIX):
            continue  # still uploading (listed by pending_uploads) or a sentinel
        if entry.is_dir() or (entry.is_file() and name.lower().endswith(".zip")):
            found.append(entry)
    return found


def not_ready_reason(path: Path, now: float | None = None) -> str | None:
    """Why a batch must be left for the next run (a Chinese phrase), or None."""
    if path.with_name(path.name + SENTINEL_SUFFIX).exists():
        return f"上传标记 {path.name}{SENTINEL_SUFFIX} 仍在"
    if path.is_dir():
        for _root, _dirs, names in os.walk(path):
            partial = next((n for n in names if _is_partial(n)), None)
            if partial:
                return f"其中的 {partial} 仍在复制"
        return None
    if not zipfile.is_zipfile(path):
        age = (now if now is not None else time.time()) - path.stat().st_mtime
        if age < TRUNCATED_ZIP_GRACE:
            return "压缩包不完整（可能仍在复制）"
    return None


def pending_uploads(inbox: Path) -> list[Path]:
    """Inbox entries with a partial name (shown in the log as still uploading)."""
    return [e for e in sorted(inbox.iterdir()) if _is_partial(e.name)]


def ready_batches(
    inbox: Path, settle: float, sleep: Callable[[float], None] = time.sleep
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(batches ready to process, [(batch left for later, why)])."""
    waiting: list[tuple[Path, str]] = [(p, "文件名表明仍在上传") for p in pending_uploads(inbox)]
    first: dict[Path, Snapshot] = {}
    for path in candidates(inbox):
        reason = not_ready_reason(path)
        if reason:
            waiting.append((path, reason))
        else:
            first[path] = snapshot(path)
    if not first:
        return [], waiting
    sleep(settle)
    ready = []
    for path, before in first.items():
        try:
            after = snapshot(path)
        except FileNotFoundError:
            continue  # taken away meanwhile: nothing to do
        reason = not_ready_reason(path)
        if after != before:
            waiting.append((path, f"{settle:g} 秒内仍有变化"))
        elif reason:
            waiting.append((path, reason))
        else:
            ready.append(path)
    return ready, waiting


def batch_name(path: Path) -> str:
    return path.stem if path.is_file() else path.name


def free_name(folder: Path, name: str) -> Path:
    """folder/name, or name-2, name-3 … (before the extension of a file) if taken."""
    candidate = folder / name
    if not candidate.exists():
        return candidate
    stem, suffix = (name[:-4], name[-4:]) if name.lower().endswith(".zip") else (name, "")
    n = 2
    while (candidate := folder / f"{stem}-{n}{suffix}").exists():
        n += 1
    return candidate


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_marker(folder: Path, data: dict[str, Any]) -> None:
    from pipeline.atomic import write_atomic

    write_atomic(folder / MARKER, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def claim_output(out_root: Path, source: Path) -> Path:
    """The report folder of a batch: out_root/<name>, the same one again for a batch whose
    earlier run was interrupted, else a free name-2, name-3 … (reports of an earlier batch
    of the same name are never overwritten)."""
    name = batch_name(source)
    n = 1
    while True:
        folder = out_root / (name if n == 1 else f"{name}-{n}")
        marker = _read_marker(folder)
        if marker and marker.get("state") == "running" and marker.get("source") == str(source):
            return folder
        if not folder.exists():
            folder.mkdir(parents=True)
            _write_marker(folder, {"source": str(source), "state": "running"})
            return folder
        n += 1


def finish_output(folder: Path, source: Path, moved_to: Path, state: str = "done") -> None:
    _write_marker(folder, {"source": str(source), "state": state, "moved_to": str(moved_to)})


def move_batch(path: Path, inbox: Path, shelf: str, day: str) -> Path:
    """Move a batch to inbox/<shelf>/<day>/ under a name not taken yet; returns where."""
    folder = inbox / shelf / day
    folder.mkdir(parents=True, exist_ok=True)
    target = free_name(folder, path.name)
    # A rename inside the inbox's file system: atomic, nothing copied, nothing deleted.
    try:
        os.rename(path, target)
    except OSError as exc:
        if exc.errno != 18:  # EXDEV: the shelf is another mount; copy, then remove
            raise
        shutil.move(str(path), str(target))
    return target


@contextmanager
def inbox_lock(inbox: Path) -> Iterator[bool]:
    """True while this process alone works on the inbox. The kernel drops the lock when the
    process dies, however it dies, so a killed run never blocks the next one."""
    fh = open(inbox / LOCK_NAME, "a+")  # noqa: SIM115 - held for the whole block
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    finally:
        fh.close()
