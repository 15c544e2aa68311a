"""Intake: a batch (folder or .zip) → applications → every file, hashed and recognised.

Nothing here interprets a document. Every file found is accounted for (contract §2):
processed, duplicate, unsupported, unreadable or rejected. Archives are opened safely: member
paths that escape, links, bombs and too deep nesting are refused without extracting; what is
extracted goes into `work_dir/archives/<sha256>/`, written whole or not at all, and reused by
the next run. The input is never modified.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import stat
import struct
import tomllib
import unicodedata
import uuid
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from pipeline.errors import BatchUnreadable
from pipeline.formats import file_problem, sniff, sniff_open
from pipeline.models import Application, Batch, FileStatus, InputFile

LIMITS_TOML = Path(__file__).with_name("limits.toml")
EMPTY_REASON = "文件为空（0 字节）"
_CHUNK = 1 << 20
_MANIFEST = "manifest.json"
_MANIFEST_VERSION = 1
ARCHIVES = "archives"  # <work>/archives/<sha256>/: what each archive was extracted to


@dataclass(frozen=True)
class ArchiveLimits:
    max_total_bytes: int
    max_members: int
    max_ratio: float
    ratio_min_bytes: int
    max_depth: int = 3
    max_batch_bytes: int | None = None  # all applications of a batch (None: no such budget)


@dataclass(frozen=True)
class _Settings:
    ignore_dirs: frozenset[str]
    ignore_files: frozenset[str]
    unassigned: str
    reserved_names: frozenset[str]


LIMITS_ENV = "DOSSIER_LIMITS"


def limits_data() -> dict[str, Any]:
    """limits.toml, with the tables of the file named by $DOSSIER_LIMITS merged over it.

    The override names only what it changes, key by key (e.g. `[archive] max_total_bytes =
    8_000_000` for a test, or a smaller `[pages] max_image_pixels` on a small machine). A
    key that limits.toml does not have is an error, so a typo cannot go unnoticed."""
    return _limits_data(os.environ.get(LIMITS_ENV) or None)


@cache
def _limits_data(override: str | None) -> dict[str, Any]:
    with open(LIMITS_TOML, "rb") as fh:
        data = tomllib.load(fh)
    if override is None:
        return data
    try:
        with open(override, "rb") as fh:
            extra = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{LIMITS_ENV}={override}: cannot read the limits file: {exc}") from exc
    for section, values in extra.items():
        known = data.get(section)
        if not isinstance(known, dict) or not isinstance(values, dict):
            raise ValueError(f"{LIMITS_ENV}={override}: unknown table [{section}]")
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"{LIMITS_ENV}={override}: unknown keys in [{section}]: {unknown}")
        data[section] = {**known, **values}
    return data


def load_limits(section: str = "archive") -> ArchiveLimits:
    """Archive limits from limits.toml: `archive` (inside applications) or `batch`."""
    return ArchiveLimits(**limits_data()[section])


def _settings() -> _Settings:
    data = limits_data()["intake"]
    return _Settings(
        frozenset(data["ignore_dirs"]),
        frozenset(data["ignore_files"]),
        data["unassigned"],
        frozenset(n.lower() for n in data["reserved_names"]),
    )


# ---- the batch ---------------------------------------------------------------------------


def scan_batch(
    batch: Path,
    work_dir: Path,
    limits: ArchiveLimits | None = None,
    batch_limits: ArchiveLimits | None = None,
) -> Batch:
    """Every application of the batch with every file in it. Raises BatchUnreadable."""
    limits = limits or load_limits("archive")
    batch_limits = batch_limits or load_limits("batch")
    src = Path(batch).absolute()
    work = Path(work_dir).absolute()
    if src.is_dir():
        nodes, dirs = _walk_tree(src, exclude=work)
    elif src.is_file():
        nodes, dirs = _batch_zip_nodes(src, work, batch_limits)
    else:
        raise BatchUnreadable(f"批次不存在或无法读取：{batch}")

    settings = _settings()
    groups: dict[str, list[_Node]] = {d: [] for d in sorted(dirs)}
    loose: list[_Node] = []
    app_zips: list[_Node] = []
    for node in nodes:
        head, sep, rest = node.file.partition("/")
        if node.unsafe or not sep or head in settings.ignore_dirs:
            (app_zips if _is_zip(node) else loose).append(node)
        else:
            groups.setdefault(head, []).append(node.relocated(rest))

    apps: dict[str, Application] = {}
    shared = _Budget(limits.max_batch_bytes) if limits.max_batch_bytes is not None else None
    for head, members in groups.items():
        budget = _Budget(limits.max_total_bytes, batch=shared)
        files = _scan_nodes(members, work, limits, budget, depth=0)
        name = _unique(app_name(head), app_name(head), apps)
        apps[name] = Application(name=name, files=files, problem=_empty_problem(files))
    for node in app_zips:
        name = _unique(app_name(Path(node.file).stem or node.file), app_name(node.file), apps)
        apps[name] = _zip_application(name, node, work, limits, shared)
    if loose:
        budget = _Budget(limits.max_total_bytes, batch=shared)
        files = _scan_nodes(loose, work, limits, budget, depth=0)
        name = _unique(settings.unassigned, settings.unassigned, apps)
        apps[name] = Application(name=name, files=files)
    stem = fs_name(src.name if src.is_dir() else src.stem)
    return Batch(name=stem, source=str(src), applications=[apps[k] for k in sorted(apps)])


APP_NAME_MAX_BYTES = 200  # the output folder is named after the application: ≤ 255 bytes


def app_name(name: str) -> str:
    """An application's name as it can name its output folder: control characters (a line
    break in a folder name) become spaces, and a name too long for a file system (only an
    archive can carry one) is shortened with "…". Any other name is kept as it is."""
    clean = "".join(" " if unicodedata.category(c) == "Cc" else c for c in name)
    if clean.strip() in ("", ".", ".."):
        clean = "（无名申报）"
    if clean.strip().lower() in _settings().reserved_names:
        # Its report folder would take the place of the batch's summary or database.
        clean = f"{clean}（申报）"
    raw = clean.encode("utf-8")
    if len(raw) <= APP_NAME_MAX_BYTES:
        return clean
    # Cut on a character boundary: a partial character at the cut is dropped.
    return raw[: APP_NAME_MAX_BYTES - 3].decode("utf-8", errors="ignore").rstrip() + "…"


def _empty_problem(files: list[InputFile]) -> str | None:
    return None if files else "申报材料为空（没有任何文件）"


def _unique(name: str, fallback: str, taken: dict[str, Application]) -> str:
    # A folder "001" and a "001.zip" side by side: the zip keeps its full name.
    if name not in taken:
        return name
    if fallback not in taken:
        return fallback
    n = 2
    while f"{fallback} ({n})" in taken:
        n += 1
    return f"{fallback} ({n})"


def _is_zip(node: _Node) -> bool:
    """An application delivered as a zip: an archive, or a damaged one named .zip (a broken
    upload is then that application's problem, not a loose file of the batch)."""
    if node.path is None or node.status is not None:
        return False
    try:
        found = sniff(node.path)
    except OSError:
        return False
    if found.format != "zip":
        return False
    return found.kind == "zip" or node.file.lower().endswith(".zip")


def _zip_application(
    name: str, node: _Node, work: Path, limits: ArchiveLimits, shared: _Budget | None
) -> Application:
    """An application delivered as one .zip at the batch's top level."""
    assert node.path is not None
    budget = _Budget(limits.max_total_bytes, batch=shared)
    try:
        sha = _sha256(node.path)
        size = node.path.stat().st_size
    except OSError as exc:
        _raise_if_fatal(exc)
        reason = f"压缩文件无法读取：{exc.strerror or exc}"
        return _unopened_application(name, node, "", 0, _Problem("unreadable", reason))
    opened = _open_zip(node.path, sha, work, limits, budget)
    if isinstance(opened, _Problem):
        return _unopened_application(name, node, sha, size, opened)
    members, _dirs = opened
    members = _strip_single_folder(members)
    files = _scan_nodes(members, work, limits, budget, depth=0)
    return Application(name=name, files=files, problem=_empty_problem(files))


def _unopened_application(
    name: str, node: _Node, sha: str, size: int, problem: _Problem
) -> Application:
    """An application zip that is refused or broken: the zip itself is its one file."""
    zip_file = InputFile(
        file=node.file,
        path=str(node.path) if node.path is not None else "",
        sha256=sha,
        size=size,
        format="zip",
        status=problem.status,
        reason=problem.reason,
    )
    return Application(name=name, files=[zip_file], problem=f"{node.file}：{problem.reason}")


def _batch_zip_nodes(src: Path, work: Path, limits: ArchiveLimits) -> tuple[list[_Node], set[str]]:
    found = sniff(src)
    if found.format != "zip":
        raise BatchUnreadable(f"批次既不是文件夹也不是 ZIP 压缩包：{src.name}")
    if found.kind != "zip":
        raise BatchUnreadable(f"批次压缩包已损坏，无法打开：{src.name}")
    opened = _open_zip(src, _sha256(src), work, limits, _Budget(limits.max_total_bytes))
    if isinstance(opened, _Problem):
        raise BatchUnreadable(f"批次压缩包 {src.name}：{opened.reason}")
    nodes, dirs = opened
    top = {n.file.split("/", 1)[0] for n in nodes if not n.unsafe} | {
        d.split("/", 1)[0] for d in dirs
    }
    # "第一批.zip" made from a folder "第一批/": the folder is the batch, not an application.
    if top == {src.stem} and all(n.unsafe or "/" in n.file for n in nodes):
        prefix = src.stem + "/"
        nodes = [n if n.unsafe else n.relocated(n.file[len(prefix) :]) for n in nodes]
        dirs = {d[len(prefix) :] for d in dirs if d.startswith(prefix)}
    top_dirs = {d.split("/", 1)[0] for d in dirs if d} | {
        n.file.split("/", 1)[0] for n in nodes if not n.unsafe and "/" in n.file
    }
    return nodes, top_dirs - _settings().ignore_dirs


# ---- nodes: files found, before hashing --------------------------------------------------


@dataclass
class _Node:
    file: str  # path inside the application (or batch), '/'-separated
    path: Path | None  # where the bytes are; None when refused before reading
    status: FileStatus | None = None  # decided without reading: rejected, unreadable
    reason: str | None = None
    size: int = 0
    unsafe: bool = False  # an archive member whose path escapes: never placed by its path

    def relocated(self, file: str) -> _Node:
        return _Node(file, self.path, self.status, self.reason, self.size, self.unsafe)


@dataclass
class _Budget:
    """Uncompressed bytes an application's archives may still take (identical ones count
    once); `batch` is what the whole batch's archives may still take, shared by all its
    applications' budgets."""

    remaining: int
    seen: set[str] = field(default_factory=set)
    batch: _Budget | None = None

    def refusal(self, sha: str, total: int, limits: ArchiveLimits) -> str | None:
        if sha not in self.seen and total > self.remaining:
            return f"本申报的压缩包解压后合计超过上限 {_human(limits.max_total_bytes)}，未解压"
        shared = self.batch
        if shared is not None and sha not in shared.seen and total > shared.remaining:
            limit = _human(limits.max_batch_bytes or 0)
            return f"本批次的压缩包解压后合计超过上限 {limit}，未解压"
        return None

    def take(self, sha: str, total: int) -> None:
        for budget in (self, self.batch):
            if budget is not None and sha not in budget.seen:
                budget.seen.add(sha)
                budget.remaining -= total


@dataclass(frozen=True)
class _Problem:
    status: FileStatus
    reason: str


def _system_files(nodes: list[_Node]) -> list[_Node]:
    """What archivers and file browsers add (__MACOSX, .DS_Store): listed, never read."""
    settings = _settings()
    out = []
    for node in nodes:
        parts = node.file.split("/")
        if parts[-1] in settings.ignore_files or any(p in settings.ignore_dirs for p in parts[:-1]):
            node = _Node(node.file, None, "unsupported", SYSTEM_FILE_REASON, node.size, node.unsafe)
        out.append(node)
    return out


SYSTEM_FILE_REASON = "操作系统或压缩软件生成的附属文件，不属于申报材料，未读取"


def _walk_tree(root: Path, exclude: Path) -> tuple[list[_Node], set[str]]:
    """Files under a folder; links that leave the folder are refused, never followed."""
    settings = _settings()
    boundary = os.path.realpath(root)
    skip = os.path.realpath(exclude)
    nodes: list[_Node] = []
    top_dirs: set[str] = set()

    def walk(folder: str, rel: str, ancestors: frozenset[str]) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            if not rel:
                raise BatchUnreadable(f"批次文件夹无法读取：{exc.strerror}") from exc
            nodes.append(_Node(rel, None, "unreadable", f"文件夹无法读取：{exc.strerror}"))
            return
        for entry in entries:
            name = fs_name(entry.name)
            logical = f"{rel}/{name}" if rel else name
            if entry.is_symlink():
                _visit_link(entry, logical, ancestors)
            elif entry.is_dir(follow_symlinks=False):
                real = os.path.realpath(entry.path)
                if _inside(real, skip):
                    continue
                if not rel and entry.name not in settings.ignore_dirs:
                    top_dirs.add(name)
                walk(entry.path, logical, ancestors | {real})
            elif entry.is_file(follow_symlinks=False):
                nodes.append(_Node(logical, Path(entry.path)))
            else:
                nodes.append(_Node(logical, None, "rejected", "特殊文件（设备、管道等），未读取"))

    def _visit_link(entry: os.DirEntry[str], logical: str, ancestors: frozenset[str]) -> None:
        target = os.path.realpath(entry.path)
        if not _inside(target, boundary):
            nodes.append(_Node(logical, None, "rejected", "符号链接指向批次文件夹之外，未读取"))
        elif not os.path.exists(target):
            nodes.append(_Node(logical, None, "unreadable", "符号链接指向的文件不存在"))
        elif os.path.isdir(target):
            if target in ancestors or _inside(target, skip):
                nodes.append(
                    _Node(logical, None, "rejected", "符号链接指向上级文件夹（循环），未读取")
                )
                return
            if "/" not in logical:
                top_dirs.add(logical)
            walk(entry.path, logical, ancestors | {target})
        elif os.path.isfile(target):
            nodes.append(_Node(logical, Path(entry.path)))
        else:
            nodes.append(_Node(logical, None, "rejected", "特殊文件（设备、管道等），未读取"))

    walk(str(root), "", frozenset({boundary}))
    return _system_files(nodes), top_dirs


def fs_name(name: str) -> str:
    """A name from the file system as the reviewer reads it.

    Python hands over bytes that are not UTF-8 as lone surrogates (U+DC80–U+DCFF), which no
    report can encode. Such names come from archives unpacked by a tool that kept Chinese
    Windows names in GBK/CP936: they are decoded as GB18030, or shown with U+FFFD where even
    that fails. The file itself is still opened by its real (byte) name."""
    if not any("\udc80" <= c <= "\udcff" for c in name):
        return name
    raw = os.fsencode(name)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace")


def _inside(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:
        return False


def _strip_single_folder(nodes: list[_Node]) -> list[_Node]:
    """An application zip holding only "002_xxx/…": that folder is the application itself."""
    safe = [n for n in nodes if not n.unsafe]
    heads = {n.file.split("/", 1)[0] for n in safe}
    if len(heads) != 1 or not all("/" in n.file for n in safe):
        return nodes
    cut = len(heads.pop()) + 1
    return [n if n.unsafe else n.relocated(n.file[cut:]) for n in nodes]


# ---- files: hash, format, status ---------------------------------------------------------


def _scan_nodes(
    nodes: list[_Node], work: Path, limits: ArchiveLimits, budget: _Budget, depth: int
) -> list[InputFile]:
    """InputFiles for the nodes and, recursively, for the members of archives among them."""
    files = _collect(nodes, work, limits, budget, depth)
    files = _unique_names(sorted(files, key=lambda f: f.file))
    return _mark_duplicates(files)


def _collect(
    nodes: list[_Node], work: Path, limits: ArchiveLimits, budget: _Budget, depth: int
) -> list[InputFile]:
    out: list[InputFile] = []
    for node in nodes:
        if node.status is not None or node.path is None:
            out.append(_refused(node))
            continue
        item = _describe(node)
        out.append(item)
        if item.status != "processed" or item.format != "zip":
            continue
        if depth + 1 > limits.max_depth:
            item.status = "rejected"
            item.reason = f"压缩包嵌套超过 {limits.max_depth} 层，未解压"
            continue
        opened = _open_zip(node.path, item.sha256, work, limits, budget)
        if isinstance(opened, _Problem):
            item.status, item.reason = opened.status, opened.reason
            continue
        members, _dirs = opened
        inner = [m.relocated(f"{node.file}/{m.file}") for m in members]
        out.extend(_collect(inner, work, limits, budget, depth + 1))
    return out


def _refused(node: _Node) -> InputFile:
    return InputFile(
        file=node.file,
        path=str(node.path) if node.path is not None else "",
        sha256="",
        size=node.size,
        format="unknown",
        status=node.status or "unreadable",
        reason=node.reason,
    )


def _describe(node: _Node) -> InputFile:
    assert node.path is not None
    base: dict[str, Any] = {"file": node.file, "path": str(node.path)}
    try:
        # Opened once: hashed, sniffed and its pages counted from one handle.
        with open(node.path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            digest = _sha256_of(fh)
            found = sniff_open(fh)
            pages = count_pages(fh, found.format) if found.readable else None
    except OSError as exc:
        _raise_if_fatal(exc)
        return InputFile(
            **base,
            sha256="",
            size=0,
            format="unknown",
            status="unreadable",
            reason=f"文件无法读取：{exc.strerror or exc}",
        )
    if size == 0:
        return InputFile(
            **base,
            sha256=digest,
            size=0,
            format="unknown",
            status="unreadable",
            reason=EMPTY_REASON,
        )
    status: FileStatus = "processed"
    reason: str | None = None
    problem = file_problem(found, node.file)
    if problem is not None:
        status, reason = problem
    return InputFile(
        **base,
        sha256=digest,
        size=size,
        format=found.format,
        status=status,
        reason=reason,
        pages=pages if status == "processed" else None,
    )


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return _sha256_of(fh)


def _sha256_of(fh: BinaryIO) -> str:
    h = hashlib.sha256()
    while chunk := fh.read(_CHUNK):
        h.update(chunk)
    return h.hexdigest()


def count_pages(fh: BinaryIO, fmt: str) -> int:
    """Pages the open file will give (progress totals): cheap, never raises. An archive has
    none of its own (its members are files); a file that will not open counts as one."""
    if fmt == "zip":
        return 0
    try:
        fh.seek(0)
        if fmt == "pdf":
            import pypdfium2 as pdfium

            from pipeline.pdfium_lock import pdfium_lock

            with pdfium_lock():
                doc = pdfium.PdfDocument(fh)
                try:
                    return len(doc)
                finally:
                    doc.close()
        if fmt == "tiff":
            from PIL import Image

            with Image.open(fh) as im:
                return int(getattr(im, "n_frames", 1))
    except Exception:  # the reader proper will say what is wrong with it
        return 1
    return 1


def pages_expected(files: list[InputFile]) -> int:
    """Pages the files to be read will give, as counted at intake."""
    return sum(f.pages or 0 for f in files if f.status == "processed")


def _unique_names(files: list[InputFile]) -> list[InputFile]:
    # A zip may hold two members of the same name; the report keys files by name.
    seen: dict[str, int] = {}
    for f in files:
        n = seen.get(f.file, 0) + 1
        seen[f.file] = n
        if n > 1:
            f.file = f"{f.file} ({n})"
    return files


def _mark_duplicates(files: list[InputFile]) -> list[InputFile]:
    first: dict[str, str] = {}
    for f in files:
        if not f.sha256 or f.size == 0 or f.status in ("rejected", "unreadable"):
            continue
        if f.sha256 in first:
            f.status, f.reason = "duplicate", f"与 {first[f.sha256]} 内容相同"
        else:
            first[f.sha256] = f.file
    return files


# ---- zip archives ------------------------------------------------------------------------


def _open_zip(
    path: Path, sha: str, work: Path, limits: ArchiveLimits, budget: _Budget
) -> tuple[list[_Node], set[str]] | _Problem:
    """The archive's members as nodes (extracted into work/archives/<sha>), or why not."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            problem = _bomb_check(infos, limits, budget, sha)
            if problem is not None:
                return problem
            budget.take(sha, sum(i.file_size for i in infos))
            dest = _extract(zf, infos, sha, work)
    except OSError as exc:
        _raise_if_fatal(exc)
        return _Problem("unreadable", f"压缩文件无法读取：{exc.strerror or exc}")
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, RuntimeError) as exc:
        detail = f"{type(exc).__name__}: {exc}"
        return _Problem("unreadable", f"压缩文件已损坏（ZIP 结构无法读取），无法打开（{detail}）")
    return _manifest_nodes(dest)


# Faults of the machine, not of a file: the disk or quota is full, the work folder is
# read-only, no file handles are left. They stop the batch (`dossier process` exits 2)
# instead of passing for a damaged archive in an otherwise "complete" report.
_FATAL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EMFILE, errno.ENFILE})


def _raise_if_fatal(exc: OSError) -> None:
    if exc.errno in _FATAL_ERRNOS:
        raise exc


def _bomb_check(
    infos: list[zipfile.ZipInfo], limits: ArchiveLimits, budget: _Budget, sha: str
) -> _Problem | None:
    if len(infos) > limits.max_members:
        return _Problem(
            "rejected",
            f"压缩包内有 {len(infos)} 个条目，超过上限 {limits.max_members}，疑似压缩炸弹，未解压",
        )
    total = sum(i.file_size for i in infos)
    if total > limits.max_total_bytes:
        return _Problem(
            "rejected",
            f"解压后共 {_human(total)}，超过上限 {_human(limits.max_total_bytes)}，疑似压缩炸弹，未解压",
        )
    if (refusal := budget.refusal(sha, total, limits)) is not None:
        return _Problem("rejected", refusal)
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_min_bytes and ratio > limits.max_ratio:
            return _Problem(
                "rejected",
                f"压缩比 {ratio:.0f}:1 超过上限 {limits.max_ratio:.0f}:1，疑似压缩炸弹，未解压",
            )
    # The whole archive too: many members each under ratio_min_bytes add up (40 × 10 MB of
    # zeros is 400 MB out of 400 KB).
    packed = sum(i.compress_size for i in infos)
    whole = total / max(packed, 1)
    if total > limits.ratio_min_bytes and whole > limits.max_ratio:
        return _Problem(
            "rejected",
            f"压缩包整体压缩比 {whole:.0f}:1 超过上限 {limits.max_ratio:.0f}:1"
            f"（解压后共 {_human(total)}），疑似压缩炸弹，未解压",
        )
    return None


def _human(n: int) -> str:
    size = float(n)
    for unit in ("字节", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "字节" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} 字节"


def _extract(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], sha: str, work: Path) -> Path:
    """Members into work/archives/<sha>/ with a manifest; a complete earlier run is reused."""
    root = work / ARCHIVES
    dest = root / sha
    if _read_manifest(dest) is not None:
        return dest
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{sha[:16]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        entries = [_extract_member(zf, i, info, tmp) for i, info in enumerate(infos)]
        manifest = {"version": _MANIFEST_VERSION, "entries": entries}
        (tmp / _MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        if dest.exists():
            # Left by an interrupted or older run without a valid manifest: replace it.
            shutil.rmtree(dest, ignore_errors=True)
        try:
            os.rename(tmp, dest)
        except OSError:
            if _read_manifest(dest) is None:  # not a concurrent run that finished first
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _read_manifest(dest: Path) -> list[dict[str, Any]] | None:
    try:
        data = json.loads((dest / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != _MANIFEST_VERSION:
        return None
    entries = data.get("entries")
    return entries if isinstance(entries, list) else None


def _extract_member(
    zf: zipfile.ZipFile, index: int, info: zipfile.ZipInfo, tmp: Path
) -> dict[str, Any]:
    name = member_name(info)
    entry: dict[str, Any] = {"name": name, "size": info.file_size, "dir": _is_dir(info, name)}
    if entry["dir"]:
        return entry
    if unsafe_member(name):
        entry.update(status="rejected", reason=f"压缩包内路径越界（{name}），未解压", unsafe=True)
    elif _is_link(info):
        entry.update(status="rejected", reason="压缩包内的符号链接，未解压")
    elif info.flag_bits & 0x1:
        entry.update(status="unreadable", reason="压缩包内文件已加密，无法解压")
    else:
        disk = f"{index:05d}_{_disk_name(name)}"
        try:
            _copy_member(zf, info, tmp / disk)
            entry["disk"] = disk
        except _MemberDamaged as damaged:
            (tmp / disk).unlink(missing_ok=True)
            entry.update(status="unreadable", reason=_member_error(damaged.cause))
    return entry


class _MemberDamaged(Exception):
    """A member's bytes could not be read out of the archive (not: could not be written)."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _member_error(exc: Exception) -> str:
    """Why a member could not be extracted, in the reviewer's words."""
    text = str(exc)
    if isinstance(exc, NotImplementedError):
        detail = "使用了不支持的压缩方式，请改用普通 ZIP 压缩"
    elif "CRC" in text:
        detail = "数据校验不符（文件损坏，或压缩包记录的大小与内容不符）"
    elif isinstance(exc, EOFError):
        detail = "数据不完整（压缩包可能上传或复制中断）"
    else:
        detail = "压缩数据损坏"
    return f"压缩包内文件损坏，无法解压：{detail}（{type(exc).__name__}: {text}）"


def _copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    """The member's bytes into target. Whatever reading fails with (a bad header, an unknown
    method, damaged deflate/bzip2/lzma data, a CRC) is _MemberDamaged; a failed write (a
    full disk) stays an OSError. zipfile stops at the declared size and checks the CRC: a
    lying header cannot overflow."""
    with open(target, "wb") as dst:
        try:
            src = zf.open(info)
        except Exception as exc:
            raise _MemberDamaged(exc) from exc
        with src:
            while True:
                try:
                    chunk = src.read(_CHUNK)
                except Exception as exc:
                    raise _MemberDamaged(exc) from exc
                if not chunk:
                    break
                dst.write(chunk)


def _manifest_nodes(dest: Path) -> tuple[list[_Node], set[str]]:
    entries = _read_manifest(dest)
    if entries is None:
        raise OSError(f"manifest missing in {dest}")
    settings = _settings()
    nodes: list[_Node] = []
    dirs: set[str] = set()
    for e in entries:
        name = _clean_name(str(e["name"]))
        parts = name.split("/")
        if e.get("dir"):
            if not e.get("unsafe") and name and parts[0] not in settings.ignore_dirs:
                dirs.add(name)
            continue
        disk = e.get("disk")
        nodes.append(
            _Node(
                file=str(e["name"]) if e.get("unsafe") else name,
                path=dest / disk if disk else None,
                status=None if disk else e.get("status", "unreadable"),
                reason=e.get("reason"),
                size=int(e.get("size", 0)),
                unsafe=bool(e.get("unsafe")),
            )
        )
    return _system_files(nodes), dirs


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name: UTF-8 when flagged, else Info-ZIP's Unicode path, else GBK.

    zipfile decodes names without the UTF-8 flag (bit 11) as cp437; Chinese Windows tools
    write them in GBK/CP936. cp437 maps every byte, so re-encoding gives the bytes back.
    """
    if info.flag_bits & 0x800:
        return info.filename
    unicode_path = _unicode_path_extra(info)
    if unicode_path is not None:
        return unicode_path
    try:
        raw = info.orig_filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _unicode_path_extra(info: zipfile.ZipInfo) -> str | None:
    extra, pos = info.extra, 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, pos)
        data = extra[pos + 4 : pos + 4 + size]
        pos += 4 + size
        if tag == 0x7075 and len(data) > 5 and data[0] == 1:
            (crc,) = struct.unpack_from("<I", data, 1)
            # Valid only while the plain name is the one it was written for.
            if crc == zlib.crc32(info.orig_filename.encode("cp437", errors="replace")):
                try:
                    return data[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
    return None


_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_member(name: str) -> bool:
    """A member path that would land outside the extraction folder."""
    norm = name.replace("\\", "/")
    if not norm.strip("/") or "\x00" in norm:
        return True
    if norm.startswith("/") or _DRIVE.match(norm):
        return True
    return any(part == ".." for part in norm.split("/"))


def _clean_name(name: str) -> str:
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts)


def _is_dir(info: zipfile.ZipInfo, name: str) -> bool:
    # Not info.is_dir(): it fails on an empty name (which unsafe_member refuses).
    return name.endswith(("/", "\\")) or info.filename.endswith("/")


def _is_link(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def _disk_name(name: str) -> str:
    """A short, safe file name for the member on disk (its logical name is kept apart)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '/\x00:*?"<>|')
    while len(base.encode("utf-8")) > 120:
        base = base[1:]
    return base or "member"


# ---- exported for tests and tools --------------------------------------------------------

__all__ = [
    "ArchiveLimits",
    "app_name",
    "fs_name",
    "limits_data",
    "load_limits",
    "member_name",
    "scan_batch",
    "unsafe_member",
]
