"""Issue 6: the defects the hostile cases and the fuzzing found, one test each (in-process,
fast). Each names what happened before the fix."""

from __future__ import annotations

import io
import os
import resource
import struct
import zipfile
from pathlib import Path

import pytest

from pipeline import pages as pages_module
from pipeline.errors import UnreadableFile
from pipeline.formats import sniff
from pipeline.intake import fs_name, scan_batch
from pipeline.models import Batch, InputFile
from pipeline.pages import read_pages
from tests.hostile import builders as b
from tests.hostile.test_fuzz import StubOcr, seeds


def _files(batch: Batch) -> dict[str, InputFile]:
    (app,) = batch.applications
    return {f.file: f for f in app.files}


def _one_app(tmp_path: Path, files: dict[str, bytes]) -> Path:
    app = tmp_path / "batch" / "001"
    app.mkdir(parents=True)
    for name, data in files.items():
        (app / name).write_bytes(data)
    return tmp_path / "batch"


def ole2_fat_bomb() -> bytes:
    """1.5 KB: a header claiming 4 billion FAT sectors and a DIFAT sector that lists the same
    FAT sector 127 times and points back to itself."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<H", header, 0x1E, 9)  # 512-byte sectors
    struct.pack_into("<I", header, 0x2C, 0xFFFFFFF0)  # FAT sectors
    struct.pack_into("<i", header, 0x30, 0)  # directory in sector 0
    struct.pack_into("<i", header, 0x44, 0)  # DIFAT continues in sector 0 ...
    struct.pack_into("<109i", header, 0x4C, *([0] * 109))
    difat = struct.pack("<128i", *([1] * 127 + [0]))  # ... which points to itself
    return bytes(header) + difat + bytes(512)


def test_ole2_fat_bomb_is_sniffed_in_bounded_time_and_memory(tmp_path: Path) -> None:
    """Before: sniff read the whole (claimed) FAT first: 50 s and 8 GB for this 1.5 KB file."""
    path = tmp_path / "附件.doc"
    path.write_bytes(ole2_fat_bomb())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert sniff(path).kind == "ole2"  # its time: benchmarks/cheap_paths.py
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KB


def test_zip_member_with_an_empty_name(tmp_path: Path) -> None:
    """Before: ZipInfo.is_dir() raised IndexError and the whole batch failed."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", b"a")
        zf.writestr(zipfile.ZipInfo(""), b"b")
    patched = buf.getvalue()
    files = _files(scan_batch(_one_app(tmp_path, {"资料.zip": patched}), tmp_path / "w"))
    assert files["资料.zip"].status == "processed"
    assert files["资料.zip/a.txt"].status == "unsupported"
    assert [f.status for k, f in files.items() if k not in ("资料.zip", "资料.zip/a.txt")] == [
        "rejected"
    ]


def test_zip_member_with_unknown_method_or_damaged_lzma(tmp_path: Path) -> None:
    """Before: an LZMA error escaped scan_batch (the batch failed); an unknown method gave an
    English reason."""
    pdf = seeds()["pdf"][1]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("好.pdf", pdf)
        zf.writestr(zipfile.ZipInfo("坏.pdf"), pdf, compress_type=zipfile.ZIP_LZMA)
    data = bytearray(buf.getvalue())
    start = data.index("坏.pdf".encode()) + len("坏.pdf".encode()) + 20
    data[start : start + 40] = bytes(range(40))  # inside the LZMA stream
    unknown = b.zip_of([("怪.pdf", pdf)])
    unknown = unknown.replace(b"\x08\x00", b"\x63\x00", 2)  # method 8 (deflate) → 99 (AES)
    batch = _one_app(tmp_path, {"lzma.zip": bytes(data), "aes.zip": unknown})
    files = _files(scan_batch(batch, tmp_path / "w"))
    assert files["lzma.zip/好.pdf"].status == "processed"
    assert files["lzma.zip/坏.pdf"].status == "unreadable"
    assert "压缩包内文件损坏" in (files["lzma.zip/坏.pdf"].reason or "")
    assert files["aes.zip/怪.pdf"].status == "unreadable"
    assert "不支持的压缩方式" in (files["aes.zip/怪.pdf"].reason or "")


def test_pdf_whose_page_tree_pdfminer_cannot_read(tmp_path: Path) -> None:
    """Before: pdfplumber's close() walked the broken page tree again after every page had
    been read, and the whole PDF came out unreadable."""
    data = seeds()["pdf"][1]
    bad = data.replace(
        b"/MediaBox [ 0 0 595.2756 841.8898 ]", b"/MediaBox [ 0 0 595.2756 /x000000 ]", 1
    )
    assert bad != data
    path = tmp_path / "发票.pdf"
    path.write_bytes(bad)
    f = InputFile(file=path.name, path=str(path), sha256="", size=0, format="pdf")
    pages = list(read_pages(f, StubOcr()))
    assert [p.source for p in pages] == ["text-layer", "text-layer"]
    assert pages[0].lines[0].text == b.INVOICE[0]


def test_file_names_in_gbk_bytes(tmp_path: Path) -> None:
    """Before: a name that is not UTF-8 reached the report as lone surrogates, which no JSON
    or HTML writer can encode."""
    app = tmp_path / "batch" / "001"
    app.mkdir(parents=True)
    with open(os.fsencode(app) + b"/" + "营业执照副本.pdf".encode("gbk"), "wb") as fh:
        fh.write(seeds()["pdf"][1])
    files = _files(scan_batch(tmp_path / "batch", tmp_path / "w"))
    (name,) = files
    assert name == "营业执照副本.pdf"
    pages = list(read_pages(files[name], StubOcr()))  # opened by its real (byte) name
    assert len(pages) == 2
    assert fs_name("plain.pdf") == "plain.pdf"
    assert fs_name(os.fsdecode(b"\xff\xfe\xfd.pdf")) == "\ufffd\ufffd\ufffd.pdf"


@pytest.mark.parametrize(
    ("name", "data", "status", "words"),
    [
        ("申报书.docx", bytes(range(1, 200)), "unreadable", "Word (.docx) 文件已损坏"),
        ("申报书.docx", b"PK\x03\x04" + bytes(64), "unreadable", "Word (.docx) 文件已损坏"),
        ("报告.pdf", "不是 PDF".encode(), "unreadable", "PDF 文件已损坏"),
        ("加密.docx", b.ole2_file("EncryptedPackage"), "unreadable", "已加密"),
        ("残缺.xlsx", b.zip_bytes({"[Content_Types].xml": b"<T/>"}), "unreadable", "缺少正文"),
        ("说明.txt", bytes(range(1, 200)), "unsupported", "无法识别的文件格式"),
        ("照片.pdf", b.image_bytes("PNG"), "processed", ""),  # content decides
    ],
)
def test_damaged_files_named_after_a_readable_format(
    tmp_path: Path, name: str, data: bytes, status: str, words: str
) -> None:
    """Before: random bytes named .docx were "unknown format, please submit PDF…" and an
    encrypted .docx was "unsupported": both are files we cannot open, i.e. unreadable."""
    files = _files(scan_batch(_one_app(tmp_path, {name: data}), tmp_path / "w"))
    assert files[name].status == status
    assert words in (files[name].reason or "")


def test_pdf_stream_bomb_is_refused_before_any_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: pdfium and pdfminer each inflated the whole content stream in memory: a 1 MB
    PDF holding a 1 GB stream took 2 GB. Now every stream is measured first, chunk by chunk."""
    limits = tmp_path / "limits.toml"
    limits.write_text("[pages]\nmax_pdf_stream_bytes = 8_000_000\n", encoding="utf-8")
    monkeypatch.setenv("DOSSIER_LIMITS", str(limits))
    for inflated, readable in ((4 << 20, True), (16 << 20, False)):
        path = tmp_path / f"{inflated}.pdf"
        path.write_bytes(b.pdf_stream_bomb(inflated))
        assert path.stat().st_size < inflated // 500
        f = InputFile(file=path.name, path=str(path), sha256="", size=0, format="pdf")
        if readable:
            (page,) = read_pages(f, StubOcr())
            assert page.lines[0].text == "Hello world bomb"
        else:
            with pytest.raises(UnreadableFile, match="疑似压缩炸弹"):
                list(read_pages(f, StubOcr()))


@pytest.mark.parametrize(("seed", "what"), [("docx", "Word"), ("ofd", "OFD")])
def test_zip_bomb_inside_a_docx_or_ofd(tmp_path: Path, seed: str, what: str) -> None:
    """Before: python-docx and the OFD reader inflated every part into memory, whatever its
    size: a .docx is a zip that intake's archive limits never saw."""
    name, data = seeds()[seed]
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        bomb = zipfile.ZipInfo("Doc_0/Res/padding.xml", (2018, 1, 1, 0, 0, 0))
        bomb.compress_type = zipfile.ZIP_DEFLATED
        dst.writestr(bomb, b" " * (24 << 20))
    path = tmp_path / name
    path.write_bytes(buf.getvalue())
    assert path.stat().st_size < 200_000
    f = InputFile(file=name, path=str(path), sha256="", size=0, format=seed)  # type: ignore[arg-type]
    with pytest.raises(UnreadableFile, match=f"{what} 文件内 .* 的压缩比 .*疑似压缩炸弹"):
        list(read_pages(f, StubOcr()))


def test_huge_content_stream_is_read_by_pdfium_not_pdfminer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: pdfminer interpreted every content stream in Python: 3 MB of `q Q` (a 4 KB
    file) took 5.5 s, and a 256 MB one would take minutes; now a page over
    max_page_content_bytes goes to pdfium's C++ text alone."""
    path = tmp_path / "大内容.pdf"
    path.write_bytes(b.pdf_stream_bomb(3 << 20, b"q Q "))
    assert path.stat().st_size < 10_000
    f = InputFile(file=path.name, path=str(path), sha256="", size=0, format="pdf")
    # A spy, not a mock: it counts the pages handed to pdfminer's interpreter and calls
    # the real thing (the speed itself is benchmarks/cheap_paths.py's).
    interpreted = []
    real = pages_module._plumber_lines

    def spy(pl_page: object, settings: object) -> object:
        interpreted.append(pl_page)
        return real(pl_page, settings)  # type: ignore[arg-type]

    monkeypatch.setattr(pages_module, "_plumber_lines", spy)
    (page,) = read_pages(f, StubOcr())
    assert interpreted == []
    assert page.source == "text-layer"
    assert [line.text for line in page.lines] == ["Hello world bomb"]
