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

from pipeline.models import FileFormat

HEAD_BYTES = 8192
# Acrobat accepts a PDF header anywhere in the first 1024 bytes (junk before it occurs).
PDF_HEADER_WINDOW = 1024

# Formats the pages stage reads; a zip is an archive that intake opens.
READABLE: frozenset[str] = frozenset(
    {"pdf", "docx", "ofd", "xml", "jpeg", "png", "tiff", "bmp", "gif", "webp"}
)
# Kinds that are a damaged file of a known format, not a format we refuse.
DAMAGED_KINDS: frozenset[str] = frozenset({"zip_broken"})

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
        head = fh.read(HEAD_BYTES)
        if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            return Sniffed("unknown", _ole2_kind(fh))
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return _zip_kind(path)
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


def _zip_kind(path: Path) -> Sniffed:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            mimetype = _read_small(zf, "mimetype") if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
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
    return Sniffed("zip", "zip")


def _read_small(zf: zipfile.ZipFile, name: str) -> bytes:
    with zf.open(name) as fh:
        return fh.read(200)


# ---- OLE2 compound files (old .doc/.xls/.ppt, WPS, encrypted OOXML) ------------------------

_OLE_STREAM_KINDS = (
    ("EncryptedPackage", "encrypted_office"),
    ("WordDocument", "doc"),
    ("Workbook", "xls"),
    ("Book", "xls"),
    ("PowerPoint Document", "ppt"),
)
_MAX_OLE_SECTORS = 1 << 16  # bounds every chain walk: a damaged FAT must not loop


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
    """Names in the compound file's directory (a minimal reader of [MS-CFB])."""
    fh.seek(0)
    header = fh.read(512)
    sector_size = 1 << struct.unpack_from("<H", header, 0x1E)[0]
    if sector_size not in (512, 4096):
        raise ValueError("bad sector size")
    n_fat = struct.unpack_from("<I", header, 0x2C)[0]
    first_dir = struct.unpack_from("<i", header, 0x30)[0]
    difat_next = struct.unpack_from("<i", header, 0x44)[0]
    fat_sectors = [s for s in struct.unpack_from("<109i", header, 0x4C) if s >= 0]

    def read_sector(sid: int) -> bytes:
        fh.seek((sid + 1) * sector_size)
        data = fh.read(sector_size)
        if len(data) < sector_size:
            raise ValueError("truncated")
        return data

    per_sector = sector_size // 4
    hops = 0
    while difat_next >= 0 and len(fat_sectors) < n_fat and hops < _MAX_OLE_SECTORS:
        entries = struct.unpack(f"<{per_sector}i", read_sector(difat_next))
        fat_sectors.extend(s for s in entries[:-1] if s >= 0)
        difat_next = entries[-1]
        hops += 1
    fat: list[int] = []
    for sid in fat_sectors[:n_fat]:
        fat.extend(struct.unpack(f"<{per_sector}i", read_sector(sid)))

    names: set[str] = set()
    sid, seen = first_dir, 0
    while 0 <= sid < len(fat) and seen < _MAX_OLE_SECTORS:
        block = read_sector(sid)
        for off in range(0, sector_size, 128):
            name_len = struct.unpack_from("<H", block, off + 64)[0]
            if 2 <= name_len <= 64:
                names.add(block[off : off + name_len - 2].decode("utf-16-le", errors="ignore"))
        sid = fat[sid]
        seen += 1
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
