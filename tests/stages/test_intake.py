"""Intake on folder and zip batches: statuses, names, safety limits, re-runs."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from pipeline.errors import BatchUnreadable
from pipeline.intake import ArchiveLimits, load_limits, member_name, scan_batch, unsafe_member
from pipeline.models import Batch, InputFile
from tests.stages.builders import ole2_file, png_bytes, text_image, zip_bytes

PNG = png_bytes(text_image(["营业执照"], size=(200, 80)))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
XLSX = zip_bytes({"xl/workbook.xml": b"<w/>"})


def _files(batch: Batch, app: str) -> dict[str, InputFile]:
    found = next(a for a in batch.applications if a.name == app)
    return {f.file: f for f in found.files}


def _snapshot(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif p.is_file():
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
            else:
                out[rel] = "dir"
    return out


@pytest.fixture
def folder_batch(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(PDF)
    batch = tmp_path / "第一批"
    app = batch / "001_甲公司"
    (app / "附件").mkdir(parents=True)
    (app / "营业执照.jpg").write_bytes(PNG)  # a PNG named .jpg: content decides
    (app / "附件" / "营业执照副本.jpg").write_bytes(PNG)
    (app / "空白.pdf").write_bytes(b"")
    (app / "附件5.doc").write_bytes(ole2_file("WordDocument"))
    (app / "报表.xlsx").write_bytes(XLSX)
    (app / "资料.zip").write_bytes(
        zip_bytes({"发票/发票1.pdf": PDF + b"1", "营业执照.jpg": PNG, "__MACOSX/._x": b"\0\5\26\7"})
    )
    os.symlink(outside / "secret.pdf", app / "外部文件.pdf")
    os.symlink(outside, app / "外部目录")
    os.symlink(app / "营业执照.jpg", app / "内部链接.jpg")
    (batch / "002_乙公司.zip").write_bytes(
        zip_bytes({"002_乙公司/审计报告.pdf": PDF + b"2", "002_乙公司/说明.txt": "见附件".encode()})
    )
    (batch / "003_空").mkdir()
    (batch / "汇总表.pdf").write_bytes(PDF + b"3")
    (batch / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    return batch


def test_folder_batch(folder_batch: Path, tmp_path: Path) -> None:
    before = _snapshot(folder_batch)
    work = tmp_path / "work"
    batch = scan_batch(folder_batch, work)

    assert batch.name == "第一批"
    assert [a.name for a in batch.applications] == [
        "001_甲公司",
        "002_乙公司",
        "003_空",
        "（未归属文件）",
    ]
    files = _files(batch, "001_甲公司")
    assert list(files) == sorted(files)
    status = {name: (f.status, f.format) for name, f in files.items()}
    # The first copy in path order is the original: here the link inside the batch.
    assert status == {
        "内部链接.jpg": ("processed", "png"),
        "报表.xlsx": ("unsupported", "unknown"),
        "外部文件.pdf": ("rejected", "unknown"),
        "外部目录": ("rejected", "unknown"),
        "空白.pdf": ("unreadable", "unknown"),
        "营业执照.jpg": ("duplicate", "png"),
        "资料.zip": ("processed", "zip"),
        "资料.zip/__MACOSX/._x": ("unsupported", "unknown"),  # listed, never read
        "资料.zip/发票/发票1.pdf": ("processed", "pdf"),
        "资料.zip/营业执照.jpg": ("duplicate", "png"),
        "附件/营业执照副本.jpg": ("duplicate", "png"),
        "附件5.doc": ("unsupported", "unknown"),
    }
    assert files["附件/营业执照副本.jpg"].reason == "与 内部链接.jpg 内容相同"
    assert files["空白.pdf"].reason == "文件为空（0 字节）"
    assert files["附件5.doc"].reason == "旧版 Word (.doc/.wps) 文件，请转换为 .docx 或 PDF"
    assert "请导出为 PDF" in (files["报表.xlsx"].reason or "")
    assert "之外" in (files["外部文件.pdf"].reason or "")
    assert files["外部文件.pdf"].path == "" and files["外部目录"].sha256 == ""
    assert files["营业执照.jpg"].sha256 == hashlib.sha256(PNG).hexdigest()
    assert files["营业执照.jpg"].size == len(PNG)
    # Archive members live in the work folder, never next to the input.
    member = Path(files["资料.zip/发票/发票1.pdf"].path)
    assert member.is_relative_to(work) and member.read_bytes() == PDF + b"1"

    app2 = _files(batch, "002_乙公司")  # the zip's own top folder is the application itself
    assert {k: v.status for k, v in app2.items()} == {
        "审计报告.pdf": "processed",
        "说明.txt": "unsupported",
    }
    empty = next(a for a in batch.applications if a.name == "003_空")
    assert empty.files == [] and empty.problem
    loose = _files(batch, "（未归属文件）")
    assert list(loose) == [".DS_Store", "汇总表.pdf"]
    assert loose["汇总表.pdf"].status == "processed"
    assert loose[".DS_Store"].status == "unsupported"  # accounted for, never read

    assert _snapshot(folder_batch) == before


def test_rerun_reuses_the_work_folder(folder_batch: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    first = scan_batch(folder_batch, work)
    extracted = sorted(p for p in (work / "archives").rglob("*"))
    second = scan_batch(folder_batch, work)
    assert second == first
    assert sorted(p for p in (work / "archives").rglob("*")) == extracted
    assert not [p for p in (work / "archives").iterdir() if p.name.startswith(".tmp")]
    # A damaged extraction (manifest gone) is redone, not trusted.
    for manifest in (work / "archives").glob("*/manifest.json"):
        manifest.write_text("{broken", encoding="utf-8")
    assert scan_batch(folder_batch, work) == first


def test_zip_batch_with_gbk_names_and_escaping_members(tmp_path: Path) -> None:
    members = {
        "第一批/001_甲公司/营业执照.jpg": PNG,
        "第一批/001_甲公司/附件/纳税证明.pdf": PDF + b"t",
        "第一批/002_乙公司.zip": zip_bytes({"审计报告.pdf": PDF + b"a"}, gbk_names=True),
        "第一批/001_甲公司/../../../逃逸.txt": b"x",
        "/etc/passwd": b"root",
        "C:\\Windows\\win.ini": b"[x]",
    }
    source = tmp_path / "第一批.zip"
    source.write_bytes(zip_bytes(members, gbk_names=True))
    raw_names = zipfile.ZipFile(source).infolist()
    assert not any(i.flag_bits & 0x800 for i in raw_names)  # really written as GBK bytes
    before = source.read_bytes()

    batch = scan_batch(source, tmp_path / "work")
    assert batch.name == "第一批"
    assert [a.name for a in batch.applications] == ["001_甲公司", "002_乙公司", "（未归属文件）"]
    assert {k: v.status for k, v in _files(batch, "001_甲公司").items()} == {
        "营业执照.jpg": "processed",
        "附件/纳税证明.pdf": "processed",
    }
    assert list(_files(batch, "002_乙公司")) == ["审计报告.pdf"]
    rejected = _files(batch, "（未归属文件）")
    assert {f.status for f in rejected.values()} == {"rejected"}
    assert sorted(rejected) == sorted(
        ["/etc/passwd", "C:\\Windows\\win.ini", "第一批/001_甲公司/../../../逃逸.txt"]
    )
    assert all("路径越界" in (f.reason or "") for f in rejected.values())
    assert not list(tmp_path.rglob("逃逸.txt")) and not list(tmp_path.rglob("passwd"))
    assert source.read_bytes() == before


def test_member_names() -> None:
    gbk = zipfile.ZipInfo("营业执照.pdf".encode("gbk").decode("cp437"))
    assert member_name(gbk) == "营业执照.pdf"
    utf8_unflagged = zipfile.ZipInfo("审计报告.pdf".encode().decode("cp437"))
    assert member_name(utf8_unflagged) == "审计报告.pdf"
    flagged = zipfile.ZipInfo("合同.pdf")
    flagged.flag_bits |= 0x800
    assert member_name(flagged) == "合同.pdf"


@pytest.mark.parametrize(
    ("name", "unsafe"),
    [
        ("a/b.pdf", False),
        ("a/..b.pdf", False),
        ("../b.pdf", True),
        ("a/../../b.pdf", True),
        ("a\\..\\..\\b.pdf", True),
        ("/etc/passwd", True),
        ("C:/x.pdf", True),
        ("c:x.pdf", True),
        ("", True),
    ],
)
def test_unsafe_member(name: str, unsafe: bool) -> None:
    assert unsafe_member(name) is unsafe


def _limits(**changes: int) -> ArchiveLimits:
    values = load_limits("archive").__dict__ | changes
    return ArchiveLimits(**values)


@pytest.mark.parametrize(
    ("limits", "words"),
    [
        ({"max_total_bytes": 1_000_000}, "超过上限"),
        ({"max_ratio": 50, "ratio_min_bytes": 1_000_000}, "压缩比"),
        ({"max_members": 2}, "个条目"),
    ],
)
def test_bomb_rejected_without_extracting(
    tmp_path: Path, limits: dict[str, int], words: str
) -> None:
    app = tmp_path / "batch" / "001"
    app.mkdir(parents=True)
    bomb = zip_bytes({"zeros.bin": bytes(5_000_000), "a.pdf": PDF, "b.pdf": PDF + b"b"})
    assert len(bomb) < 50_000
    (app / "资料.zip").write_bytes(bomb)
    work = tmp_path / "work"
    batch = scan_batch(tmp_path / "batch", work, limits=_limits(**limits))
    files = _files(batch, "001")
    assert list(files) == ["资料.zip"]
    assert files["资料.zip"].status == "rejected"
    assert "未解压" in (files["资料.zip"].reason or "") and words in (
        files["资料.zip"].reason or ""
    )
    assert not (work / "archives").exists() or not any((work / "archives").iterdir())


def test_nested_archives_to_a_bounded_depth(tmp_path: Path) -> None:
    inner = zip_bytes({"c.zip": zip_bytes({"d.pdf": PDF})})
    app = tmp_path / "batch" / "001"
    app.mkdir(parents=True)
    (app / "a.zip").write_bytes(zip_bytes({"b.zip": inner}))

    deep = _files(scan_batch(tmp_path / "batch", tmp_path / "w1"), "001")
    assert {k: v.status for k, v in deep.items()} == {
        "a.zip": "processed",
        "a.zip/b.zip": "processed",
        "a.zip/b.zip/c.zip": "processed",
        "a.zip/b.zip/c.zip/d.pdf": "processed",
    }
    shallow = _files(
        scan_batch(tmp_path / "batch", tmp_path / "w2", limits=_limits(max_depth=2)), "001"
    )
    assert list(shallow) == ["a.zip", "a.zip/b.zip", "a.zip/b.zip/c.zip"]
    assert shallow["a.zip/b.zip/c.zip"].status == "rejected"
    assert "嵌套超过 2 层" in (shallow["a.zip/b.zip/c.zip"].reason or "")


def test_damaged_and_encrypted_members(tmp_path: Path) -> None:
    app = tmp_path / "batch" / "001"
    app.mkdir(parents=True)
    data = bytearray(zip_bytes({"a.pdf": PDF * 50, "b.pdf": PDF + b"ok"}))
    start = data.index(b"a.pdf") + 5 + 10  # inside a.pdf's compressed bytes
    data[start : start + 8] = b"\xff" * 8
    (app / "坏.zip").write_bytes(bytes(data))
    (app / "假.zip").write_bytes(b"PK\x03\x04 not really a zip")
    files = _files(scan_batch(tmp_path / "batch", tmp_path / "work"), "001")
    assert files["坏.zip"].status == "processed"
    assert files["坏.zip/a.pdf"].status == "unreadable"
    assert files["坏.zip/b.pdf"].status == "processed"
    assert files["假.zip"].status == "unreadable"


def test_batch_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(BatchUnreadable):
        scan_batch(tmp_path / "nothing-here", tmp_path / "work")
    (tmp_path / "batch.zip").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(BatchUnreadable):
        scan_batch(tmp_path / "batch.zip", tmp_path / "work")
    (tmp_path / "notes.pdf").write_bytes(PDF)
    with pytest.raises(BatchUnreadable):
        scan_batch(tmp_path / "notes.pdf", tmp_path / "work")


def test_pages_are_counted_at_intake_from_the_same_open(tmp_path: Path) -> None:
    """Each file's page count comes with it (InputFile.pages), for the progress totals: the
    batch flow and the web worker sum these instead of opening every PDF again."""
    from io import BytesIO

    from PIL import Image

    from pipeline.intake import pages_expected
    from tests.flows.batches import scanned_pdf

    app = tmp_path / "batch" / "001_某公司"
    app.mkdir(parents=True)
    (app / "扫描.pdf").write_bytes(scanned_pdf(3, dpi=40))
    (app / "扫描副本.pdf").write_bytes((app / "扫描.pdf").read_bytes())  # a duplicate
    frames = [Image.new("L", (60, 80), 255) for _ in range(2)]
    tiff = BytesIO()
    frames[0].save(tiff, "TIFF", save_all=True, append_images=frames[1:])
    (app / "两页.tif").write_bytes(tiff.getvalue())
    (app / "执照.png").write_bytes(PNG)
    (app / "坏.pdf").write_bytes(b"%PDF-1.4 not really\n%%EOF\n")
    (app / "说明.exe").write_bytes(b"MZ" + b"\0" * 64)
    files = _files(scan_batch(tmp_path / "batch", tmp_path / "work"), "001_某公司")
    assert {name: f.pages for name, f in files.items()} == {
        "扫描.pdf": 3,
        "扫描副本.pdf": 3,
        "两页.tif": 2,
        "执照.png": 1,
        "坏.pdf": 1,  # the reader proper says what is wrong with it
        "说明.exe": None,
    }
    assert files["扫描副本.pdf"].status == "duplicate"
    assert pages_expected(list(files.values())) == 3 + 2 + 1 + 1
