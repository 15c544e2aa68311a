"""Uploads: a batch sent in pieces that survive a dropped connection.

The browser first announces the files (their paths inside the picked folder and sizes);
each file then arrives in chunks, each chunk saying at which offset it starts. The server
keeps what it received in <out>/uploads/<key>/.parts/<n> and answers every question "how
much do you have?" from the file on disk, so a client that lost its connection (or its
page) asks and goes on from there. When all files are complete they are moved into place,
the batch is checked with the pipeline's own intake (pipeline.intake.scan_batch) and either
queued for the worker or moved into the nightly inbox.

Every upload has its own folder (a new key each time): nothing uploaded is ever
overwritten, and a batch that fails the intake stays on disk for whoever looks into it.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import threading
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pipeline.errors import BatchUnreadable
from pipeline.intake import ARCHIVES, scan_batch
from pipeline.models import Batch as ScannedBatch
from webdesk.db import Batch, BatchApp, StageEvent, Upload, UploadFile, now
from webdesk.desk import TZ, Desk, DeskProblem, NotVisible
from webdesk.security import BadPath, clean_name, clean_relative, fsync_dir
from webdesk.vocab import body_limit, cities

PARTS = ".parts"
_WRITE_BUFFER = 1024 * 1024
# Chunks being written, by (upload, file): a second request for the same file while one
# is still streaming is refused, so that two writers never interleave in one file.
_busy: set[tuple[str, int]] = set()
# Uploads being finished (in worker threads): a second "finish" of the same upload while
# the first one still moves its files would find them gone.
_finishing: set[str] = set()
_finishing_guard = threading.Lock()


class OffsetMismatch(Exception):
    def __init__(self, received: int) -> None:
        super().__init__(received)
        self.received = received


class TooLarge(Exception):
    pass


class Busy(Exception):
    pass


def new_key() -> str:
    """A batch's folder name: sortable by time, unguessable, ASCII (safe in every tool)."""
    return f"{datetime.now(TZ):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def _owned(desk: Desk, user_id: int, upload_id: str) -> tuple[Upload, list[UploadFile]]:
    with desk.db.session() as s:
        upload = s.get(Upload, upload_id)
        if upload is None or upload.user_id != user_id:
            raise NotVisible(upload_id)
        files = list(
            s.scalars(
                select(UploadFile).where(UploadFile.upload_id == upload_id).order_by(UploadFile.idx)
            )
        )
    return upload, files


def _folder(desk: Desk, upload: Upload) -> Path:
    return desk.settings.uploads / upload.key


def _part(desk: Desk, upload: Upload, idx: int) -> Path:
    return _folder(desk, upload) / PARTS / str(idx)


def _received(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def create(
    desk: Desk,
    user_id: int,
    user_city: str | None,
    is_province: bool,
    name: str,
    kind: str,
    mode: str,
    city: str | None,
    files: list[dict[str, Any]],
) -> Upload:
    """Announce an upload: its files are checked (paths, sizes, the limit) before any byte."""
    settings = desk.settings
    if kind not in ("zip", "folder"):
        raise DeskProblem("请上传一个 .zip 压缩包或一个文件夹")
    if mode not in ("now", "tonight"):
        raise DeskProblem("请选择“立即处理”或“今晚处理”")
    target_city = city if is_province else user_city
    if target_city not in cities():
        raise DeskProblem("请选择批次所属的市州")
    if not files:
        raise DeskProblem("没有要上传的文件")
    if len(files) > settings.max_files:
        raise DeskProblem(f"文件太多：一个批次最多 {settings.max_files} 个文件")
    checked: list[tuple[str, int]] = []
    seen: set[str] = set()
    total = 0
    for f in files:
        try:
            path = clean_relative(str(f.get("path", "")))
        except BadPath as exc:
            raise DeskProblem(str(exc)) from exc
        size = f.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise DeskProblem(f"文件大小不正确：{path}")
        if path.casefold() in seen:
            raise DeskProblem(f"文件重复：{path}")
        seen.add(path.casefold())
        checked.append((path, size))
        total += size
    # A file and a folder of the same name ("app/x.pdf" and "app/x.pdf/y.pdf") cannot both be
    # placed: refused before any byte is sent, not when the upload is finished.
    for path, _ in checked:
        parts = path.casefold().split("/")
        for n in range(1, len(parts)):
            prefix = "/".join(parts[:n])
            if prefix in seen:
                raise DeskProblem(f"文件与文件夹同名：{path.split('/')[n - 1]}（{path}）")
    if kind == "zip" and (len(checked) != 1 or not checked[0][0].lower().endswith(".zip")):
        raise DeskProblem("压缩包方式只能上传一个 .zip 文件")
    if total > settings.max_upload_bytes:
        raise DeskProblem(
            f"批次共 {total / 1024**2:,.0f} MB，超过上限 {settings.max_upload_bytes / 1024**2:,.0f} MB"
        )
    fallback = Path(checked[0][0]).stem if kind == "zip" else "批次"
    upload = Upload(
        id=secrets.token_hex(16),
        key=new_key(),
        user_id=user_id,
        city=target_city,
        name=clean_name(name, fallback) if name.strip() else clean_name(fallback, "批次"),
        kind=kind,
        mode=mode,
        total_bytes=total,
        created_at=now(),
    )
    folder = settings.uploads / upload.key
    (folder / PARTS).mkdir(parents=True, exist_ok=False)
    try:
        with desk.db.session(write=True) as s:
            s.add(upload)
            s.flush()
            s.add_all(
                UploadFile(upload_id=upload.id, idx=i, path=p, size=n)
                for i, (p, n) in enumerate(checked)
            )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # no folder without its upload row
        raise
    return upload


def status(desk: Desk, user_id: int, upload_id: str) -> dict[str, Any]:
    """What the server has of each file: the client resumes from `received`."""
    upload, files = _owned(desk, user_id, upload_id)
    return {
        "id": upload.id,
        "name": upload.name,
        "finished": upload.finished_at is not None,
        "batch_id": upload.batch_id,
        "total": upload.total_bytes,
        "files": [
            {
                "idx": f.idx,
                "path": f.path,
                "size": f.size,
                "received": _received(_part(desk, upload, f.idx)),
            }
            for f in files
        ],
    }


async def receive(
    desk: Desk, user_id: int, upload_id: str, idx: int, offset: int, body: AsyncIterator[bytes]
) -> int:
    """Append one chunk at `offset` (which must be what the server has); returns the new
    size. Bytes that arrived before a dropped connection are kept: they are right."""
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import ClientDisconnect

    max_chunk = body_limit("upload_chunk")
    upload, files = await run_in_threadpool(_owned, desk, user_id, upload_id)
    if upload.finished_at is not None:
        raise DeskProblem("该上传已完成")
    entry = next((f for f in files if f.idx == idx), None)
    if entry is None:
        raise NotVisible(idx)
    part = _part(desk, upload, idx)
    ident = (upload_id, idx)
    if ident in _busy:
        raise Busy()
    _busy.add(ident)
    try:
        have = _received(part)
        if offset != have:
            raise OffsetMismatch(have)
        fh = await run_in_threadpool(open, part, "ab")
        written = 0
        buffer = bytearray()
        try:
            try:
                async for data in body:
                    written += len(data)
                    if have + written > entry.size or written > max_chunk:
                        raise TooLarge()
                    buffer += data
                    if len(buffer) >= _WRITE_BUFFER:
                        await run_in_threadpool(fh.write, bytes(buffer))
                        buffer.clear()
            except ClientDisconnect:
                pass  # keep what came: the client asks for the offset and goes on
            if buffer:
                await run_in_threadpool(fh.write, bytes(buffer))
            await run_in_threadpool(fh.flush)
            await run_in_threadpool(os.fsync, fh.fileno())
        except TooLarge:
            fh.close()
            os.truncate(part, have)  # what was there before this request stays valid
            raise
        finally:
            if not fh.closed:
                fh.close()
        return _received(part)
    finally:
        _busy.discard(ident)


def _place(desk: Desk, upload: Upload, files: list[UploadFile]) -> Path:
    """Move the finished parts to their names; the batch as the pipeline will read it."""
    folder = _folder(desk, upload)
    if upload.kind == "zip":
        source = folder / (upload.name + ".zip")
        os.rename(_part(desk, upload, files[0].idx), source)
    else:
        source = folder / upload.name
        for f in files:
            target = source / f.path
            # `path` was checked part by part when announced; check the result again.
            if not target.resolve().is_relative_to(source.resolve()):
                raise DeskProblem(f"不允许的路径：{f.path}")
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists():
                    raise DeskProblem(f"文件重复：{f.path}")
                os.rename(_part(desk, upload, f.idx), target)
            except (FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
                raise DeskProblem(f"文件与文件夹同名，无法放置：{f.path}") from exc
    fsync_dir(folder)
    shutil.rmtree(folder / PARTS, ignore_errors=True)
    return source


def _intake_summary(scanned: ScannedBatch) -> dict[str, Any]:
    statuses: Counter[str] = Counter(f.status for a in scanned.applications for f in a.files)
    return {
        "applications": len(scanned.applications),
        "files": sum(statuses.values()),
        "problems": {k: v for k, v in statuses.items() if k != "processed"},
        "empty": [a.name for a in scanned.applications if a.problem],
    }


def move_to_inbox(source: Path, inbox: Path, key: str) -> Path:
    """Put a batch where `dossier serve` finds it, whole: a rename on the same file system;
    across file systems a copy under a `.partial` name (which the nightly run leaves alone)
    renamed when complete."""
    inbox.mkdir(parents=True, exist_ok=True)
    target = inbox / (key + (".zip" if source.is_file() else ""))
    if target.exists():
        raise DeskProblem(f"收件箱中已有 {target.name}")
    try:
        os.rename(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        partial = inbox / (target.name + ".partial")
        if source.is_file():
            shutil.copy2(source, partial)
        else:
            shutil.copytree(source, partial)
        os.rename(partial, target)
        if source.is_file():
            source.unlink()
        else:
            shutil.rmtree(source)
    return target


def finish(desk: Desk, user_id: int, user_name: str, upload_id: str) -> Batch:
    """All files are in: place them, run the intake, make the batch (and queue it)."""
    with _finishing_guard:
        if upload_id in _finishing:
            raise DeskProblem("正在检查该批次，请稍候")
        _finishing.add(upload_id)
    try:
        return _finish(desk, user_id, user_name, upload_id)
    finally:
        with _finishing_guard:
            _finishing.discard(upload_id)


def _finish(desk: Desk, user_id: int, user_name: str, upload_id: str) -> Batch:
    upload, files = _owned(desk, user_id, upload_id)
    if upload.finished_at is not None and upload.batch_id is not None:
        with desk.db.session() as s:
            done = s.get(Batch, upload.batch_id)
        if done is not None:
            return done
    missing = [f.path for f in files if _received(_part(desk, upload, f.idx)) != f.size]
    if missing:
        raise DeskProblem(f"还有 {len(missing)} 个文件未传完，例如 {missing[0]}")
    source = _place(desk, upload, files)
    folder = _folder(desk, upload)
    out_dir = desk.settings.out / upload.key
    tonight = upload.mode == "tonight"
    # Tonight's batch is read again by the nightly run: scan it in a scratch folder, so that
    # its report folder does not exist yet (the nightly run claims it by creating it).
    work = folder / ".scan" if tonight else out_dir / ".work"
    state, message, intake = ("tonight" if tonight else "queued"), None, None
    scanned: ScannedBatch | None = None
    try:
        scanned = scan_batch(source, work)
        intake = _intake_summary(scanned)
        if not scanned.applications:
            state, message = "failed", "批次中没有任何申报材料"
    except BatchUnreadable as exc:
        state, message = "failed", f"无法读取批次：{exc}"
    finally:
        if tonight:
            shutil.rmtree(work, ignore_errors=True)
    if state == "failed":
        # No run will read what the intake unpacked: it does not stay in the report folder.
        shutil.rmtree(work / ARCHIVES, ignore_errors=True)
    if state == "tonight":
        try:
            source = move_to_inbox(source, desk.settings.inbox, upload.key)
            (folder / "已移入收件箱.txt").write_text(f"{source}\n", encoding="utf-8")
        except (OSError, DeskProblem) as exc:
            state, message = "failed", f"无法移入夜间收件箱 {desk.settings.inbox}：{exc}"
    at = now()
    batch = Batch(
        key=upload.key,
        name=upload.name,
        city=upload.city,
        uploaded_by=user_id,
        uploader_name=user_name,
        uploaded_at=at,
        mode=upload.mode,
        source=str(source),
        out_dir=str(out_dir),
        state=state,
        message=message,
        pages_done=0,
        pages_total=0,
        intake=intake,
    )
    with desk.db.session(write=True) as s:
        s.add(batch)
        s.flush()
        for app in scanned.applications if scanned is not None and state != "failed" else []:
            s.add(
                BatchApp(
                    batch_id=batch.id,
                    name=app.name,
                    state="queued",
                    files=len(app.files),
                    message=app.problem,
                )
            )
            s.add(
                StageEvent(
                    batch_id=batch.id,
                    application=app.name,
                    stage="city_check",
                    note="材料上传",
                    user_id=user_id,
                    user_name=user_name,
                    at=at,
                )
            )
        row = s.get(Upload, upload.id)
        assert row is not None
        row.finished_at = at
        row.batch_id = batch.id
    return batch
