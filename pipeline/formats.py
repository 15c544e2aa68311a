"""File formats recognised by content (magic bytes), never by file name.

`sniff` gives the `FileFormat` of the data contract plus a finer `kind` ("doc", "xlsx",
"video", …) that says what an unsupported file is, so the reviewer can be told what to
submit instead. The reasons are data: formats.toml.
"""

from __future__ import annotations

import re
import struct
import tomllib
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import BinaryIO

from pipeline.models import FileFormat, FileStatus

HEAD_BYTES = 8192
# Acrobat accepts a PDF header anywhere in the first 1024 bytes (junk before it occurs).
PDF_HEADER_WINDOW = 1024

# Formats the pages stage reads; a zip is an archive that intake opens.
READABLE: frozenset[str] = frozenset(
    {"pdf", "docx", "ofd", "xml", "jpeg", "png", "tiff", "bmp", "gif", "webp"}
)
# Kinds that are a file of a known format we cannot open (damaged, or encrypted), not a
# format we refuse: `unreadable`, where a refused format is `unsupported`.
DAMAGED_KINDS: frozenset[str] = frozenset({"zip_broken", "ooxml_broken", "encrypted_office"})
# Content that says nothing: the name's extension then tells what the file should have been.
_UNRECOGNISED_KINDS: frozenset[str] = frozenset({"unknown", "text"})

_FORMATS_TOML = Path(__file__).with_name("formats.toml")


@dataclass(frozen=True)
class Sniffed:
    format: FileFormat
    kind: str  # format name for readable files, else what the file is ("doc", "video", …)

    @property
    def readable(self) -> bool:
        return self.format in READABLE or self.format == "zip"


def detect_format(path: Path) -> FileFormat:
    """The file's format from its first bytes (and zip directory / OLE2 streams)."""
    return sniff(path).format


def sniff(path: Path) -> Sniffed:
    with open(path, "rb") as fh:
        return sniff_open(fh)


def sniff_open(fh: BinaryIO) -> Sniffed:
    """`sniff` on a file already open (read from its start; the position is left anywhere)."""
    fh.seek(0)
    head = fh.read(HEAD_BYTES)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Sniffed("unknown", _ole2_kind(fh))
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return _zip_kind(fh)
    return sniff_bytes(head)


def sniff_bytes(head: bytes) -> Sniffed:
    """Everything that the first few KB decide (no zip or OLE2 directory needed)."""
    for magic, result in _MAGIC:
        if head.startswith(magic):
            return result
    if head[4:8] == b"ftyp":
        return _ftyp_kind(head[8:12])
    if head[:4] == b"RIFF":
        return {
            b"WEBP": Sniffed("webp", "webp"),
            b"AVI ": Sniffed("unknown", "video"),
            b"WAVE": Sniffed("unknown", "audio"),
        }.get(head[8:12], Sniffed("unknown", "unknown"))
    if head[:2] == b"BM" and len(head) >= 18 and _bmp_header_ok(head):
        return Sniffed("bmp", "bmp")
    if head[257:262] == b"ustar":
        return Sniffed("unknown", "gzip")
    if b"%PDF-" in head[:PDF_HEADER_WINDOW]:
        return Sniffed("pdf", "pdf")
    if head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):  # MP3 frame without ID3 tag
        return Sniffed("unknown", "audio")
    return _markup_or_text(head)


# Fixed-offset signatures, checked in order.
_MAGIC: tuple[tuple[bytes, Sniffed], ...] = (
    (b"%PDF", Sniffed("pdf", "pdf")),
    (b"\xff\xd8\xff", Sniffed("jpeg", "jpeg")),
    (b"\x89PNG\r\n\x1a\n", Sniffed("png", "png")),
    (b"II*\x00", Sniffed("tiff", "tiff")),
    (b"MM\x00*", Sniffed("tiff", "tiff")),
    (b"II+\x00", Sniffed("tiff", "tiff")),  # BigTIFF
    (b"MM\x00+", Sniffed("tiff", "tiff")),
    (b"GIF87a", Sniffed("gif", "gif")),
    (b"GIF89a", Sniffed("gif", "gif")),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", Sniffed("unknown", "jp2")),
    (b"\xff\x4f\xff\x51", Sniffed("unknown", "jp2")),
    (b"8BPS", Sniffed("unknown", "psd")),
    (b"Rar!\x1a\x07", Sniffed("unknown", "rar")),
    (b"7z\xbc\xaf\x27\x1c", Sniffed("unknown", "7z")),
    (b"\x1f\x8b", Sniffed("unknown", "gzip")),
    (b"BZh", Sniffed("unknown", "bzip2")),
    (b"\xfd7zXZ\x00", Sniffed("unknown", "bzip2")),
    (b"{\\rtf", Sniffed("unknown", "rtf")),
    (b"\x1aE\xdf\xa3", Sniffed("unknown", "video")),  # Matroska / WebM
    (b"FLV\x01", Sniffed("unknown", "video")),
    (b"\x00\x00\x01\xba", Sniffed("unknown", "video")),  # MPEG program stream
    (b"0&\xb2u\x8ef\xcf\x11", Sniffed("unknown", "video")),  # ASF / WMV
    (b"ID3", Sniffed("unknown", "audio")),
    (b"OggS", Sniffed("unknown", "audio")),
    (b"fLaC", Sniffed("unknown", "audio")),
    (b"MZ", Sniffed("unknown", "executable")),
    (b"\x7fELF", Sniffed("unknown", "executable")),
    (b"\x00\x05\x16\x07", Sniffed("unknown", "appledouble")),
)


def _ftyp_kind(brand: bytes) -> Sniffed:
    if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif"):
        return Sniffed("unknown", "heic")
    if brand in (b"M4A ", b"M4B "):
        return Sniffed("unknown", "audio")
    return Sniffed("unknown", "video")


def _bmp_header_ok(head: bytes) -> bool:
    # "BM" alone also starts plain text; the DIB header size makes it a bitmap.
    (dib_size,) = struct.unpack_from("<I", head, 14)
    return dib_size in (12, 16, 40, 52, 56, 64, 108, 124)


_TAG = re.compile(r"<([^\W\d][\w:.\-]*)")  # XML names may be Chinese


def _markup_or_text(head: bytes) -> Sniffed:
    text = _decode_head(head)
    if text is None:
        return Sniffed("unknown", "unknown")
    body = text.lstrip("\ufeff \t\r\n")
    if body.startswith("<"):
        root = _root_tag(body)
        if root is not None:
            local = root.split(":")[-1].lower()
            if local == "html":
                return Sniffed("unknown", "html")
            if local == "svg":
                return Sniffed("unknown", "svg")
            return Sniffed("xml", "xml")
        if body[:9].lower() == "<!doctype" and "html" in body[:40].lower():
            return Sniffed("unknown", "html")
    return Sniffed("unknown", "text")


def _decode_head(head: bytes) -> str | None:
    """The head as text when it looks like text, else None (binary)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    if head.startswith(b"<\x00") or head.startswith(b"\x00<"):
        return head.decode("utf-16-le" if head[0] else "utf-16-be", errors="ignore")
    if b"\x00" in head:
        return None
    for encoding in ("utf-8", "gb18030"):
        # The head may end inside a multi-byte character: drop up to 3 bytes.
        for cut in range(4):
            try:
                return head[: len(head) - cut].decode(encoding)
            except UnicodeDecodeError:
                continue
    return None


def _root_tag(body: str) -> str | None:
    """The first element name, past the XML declaration, comments, PIs and DOCTYPE."""
    rest = body
    for _ in range(50):
        rest = rest.lstrip()
        if rest.startswith("<?"):
            end = rest.find("?>")
        elif rest.startswith("<!--"):
            end = rest.find("-->")
        elif rest.startswith("<!"):
            if rest[:9].upper() == "<!DOCTYPE" and "html" in rest[:40].lower():
                return "html"
            end = rest.find(">")
        else:
            match = _TAG.match(rest)
            return match.group(1) if match else None
        if end < 0:
            return None
        rest = rest[end + 2 :]
    return None


def _zip_kind(fh: BinaryIO) -> Sniffed:
    try:
        with zipfile.ZipFile(fh) as zf:
            names = zf.namelist()
            mimetype = _read_small(zf, "mimetype") if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
        return Sniffed("zip", "zip_broken")
    lower = {n.lower().lstrip("/") for n in names}
    if "word/document.xml" in lower:
        return Sniffed("docx", "docx")
    if "ofd.xml" in lower:
        return Sniffed("ofd", "ofd")
    if "xl/workbook.xml" in lower:
        return Sniffed("unknown", "xlsx")
    if "ppt/presentation.xml" in lower:
        return Sniffed("unknown", "pptx")
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return Sniffed("unknown", "odf")
    if "[content_types].xml" in lower:
        # An Office package without its main part: a damaged .docx/.xlsx, not an archive.
        return Sniffed("unknown", "ooxml_broken")
    return Sniffed("zip", "zip")


def _read_small(zf: zipfile.ZipFile, name: str) -> bytes:
    """The start of a member, or b"" when it cannot be read: it is only a hint."""
    try:
        with zf.open(name) as fh:
            return fh.read(200)
    except Exception:  # encrypted, unknown method, damaged data: every decompressor differs
        return b""


# ---- OLE2 compound files (old .doc/.xls/.ppt, WPS, encrypted OOXML) ------------------------

_OLE_STREAM_KINDS = (
    ("EncryptedPackage", "encrypted_office"),
    ("WordDocument", "doc"),
    ("Workbook", "xls"),
    ("Book", "xls"),
    ("PowerPoint Document", "ppt"),
)
# Bounds every chain walk: a damaged (or hostile) FAT must neither loop nor make us read and
# keep more than the file holds. A real directory is a few sectors long.
_MAX_OLE_DIR_SECTORS = 4096


def _ole2_kind(fh: BinaryIO) -> str:
    try:
        names = _ole2_stream_names(fh)
    except (struct.error, OSError, ValueError):
        return "ole2"
    for stream, kind in _OLE_STREAM_KINDS:
        if stream in names:
            return kind
    return "ole2"


def _ole2_stream_names(fh: BinaryIO) -> set[str]:
    """Names in the compound file's directory (a minimal reader of [MS-CFB]).

    Only the directory's own chain is followed, its FAT entries read one at a time: a header
    claiming millions of FAT sectors (or a DIFAT chain that loops) costs nothing, where
    reading the whole FAT first took a 1.5 KB file to 8 GB of memory."""
    fh.seek(0, 2)
    file_size = fh.tell()
    fh.seek(0)
    header = fh.read(512)
    sector_size = 1 << struct.unpack_from("<H", header, 0x1E)[0]
    if sector_size not in (512, 4096):
        raise ValueError("bad sector size")
    sectors = max(0, file_size // sector_size - 1)  # sectors after the header
    n_fat = min(struct.unpack_from("<I", header, 0x2C)[0], sectors)
    first_dir = struct.unpack_from("<i", header, 0x30)[0]
    difat_next = struct.unpack_from("<i", header, 0x44)[0]
    fat_sectors = [s for s in struct.unpack_from("<109i", header, 0x4C) if s >= 0]

    def read_sector(sid: int) -> bytes:
        if not 0 <= sid < sectors:
            raise ValueError("sector outside the file")
        fh.seek((sid + 1) * sector_size)
        data = fh.read(sector_size)
        if len(data) < sector_size:
            raise ValueError("truncated")
        return data

    per_sector = sector_size // 4
    difat_seen: set[int] = set()
    while difat_next >= 0 and len(fat_sectors) < n_fat and difat_next not in difat_seen:
        difat_seen.add(difat_next)
        entries = struct.unpack(f"<{per_sector}i", read_sector(difat_next))
        fat_sectors.extend(s for s in entries[:-1] if s >= 0)
        difat_next = entries[-1]
    del fat_sectors[n_fat:]

    def next_sector(sid: int) -> int:
        index, slot = divmod(sid, per_sector)
        fh.seek((fat_sectors[index] + 1) * sector_size + slot * 4)
        raw = fh.read(4)
        if len(raw) < 4:
            raise ValueError("truncated FAT")
        value: int = struct.unpack("<i", raw)[0]
        return value

    names: set[str] = set()
    sid, seen = first_dir, set[int]()
    while 0 <= sid < len(fat_sectors) * per_sector and sid not in seen:
        if len(seen) >= _MAX_OLE_DIR_SECTORS:
            break
        seen.add(sid)
        block = read_sector(sid)
        for off in range(0, sector_size, 128):
            name_len = struct.unpack_from("<H", block, off + 64)[0]
            if 2 <= name_len <= 64:
                names.add(block[off : off + name_len - 2].decode("utf-16-le", errors="ignore"))
        sid = next_sector(sid)
    return names


# ---- reasons -----------------------------------------------------------------------------


@cache
def _reasons() -> dict[str, str]:
    with open(_FORMATS_TOML, "rb") as fh:
        data = tomllib.load(fh)
    return {str(k): str(v) for k, v in data["unsupported"].items()}


def unsupported_reason(kind: str) -> str:
    """Why a file of this kind is not read, in Chinese, with what to submit instead."""
    reasons = _reasons()
    return reasons.get(kind, reasons["unknown"])


@cache
def _damaged_by_extension() -> dict[str, str]:
    with open(_FORMATS_TOML, "rb") as fh:
        data = tomllib.load(fh)
    return {str(k).lower(): str(v) for k, v in data["damaged"].items()}


def file_problem(found: Sniffed, name: str) -> tuple[FileStatus, str] | None:
    """The status and reason of a file that will not be read, or None when it will be.

    Content decides the format; the name only explains a file whose content is not
    recognised: "报告.pdf" holding random bytes is a damaged PDF (`unreadable`), not an
    unknown format, and a broken zip named .docx is a damaged Word file."""
    ext = name.rsplit("/", 1)[-1].rpartition(".")[2].lower() if "." in name else ""
    claimed = _damaged_by_extension().get(ext)
    if found.kind in DAMAGED_KINDS:
        if found.kind in ("zip_broken", "ooxml_broken") and claimed is not None:
            return "unreadable", claimed
        return "unreadable", unsupported_reason(found.kind)
    if found.readable:
        return None
    if found.kind in _UNRECOGNISED_KINDS and claimed is not None:
        return "unreadable", claimed
    return "unsupported", unsupported_reason(found.kind)
