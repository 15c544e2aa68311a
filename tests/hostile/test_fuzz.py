"""Issue 6, fuzzing: small real files (PDF, JPEG, PNG, TIFF, docx, zip, OFD, XML, OLE2) with
bytes flipped, cut off, overwritten and junk inserted, fed to detect_format, scan_batch and
read_pages. Nothing but UnreadableFile may come out of them, and scan_batch accounts for every
file: the mutated file itself and, when it opens as a zip, every member of it.

OCR is a stub engine (it finds no text): the fuzz is about parsers, not about reading text,
and the real engine would cost seconds per decoded image. The whole module runs in well
under a minute (max_examples per seed); a hang shows as a missed deadline.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import timedelta
from functools import cache
from pathlib import Path

import docx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import UnreadableFile
from pipeline.formats import detect_format
from pipeline.intake import ArchiveLimits, scan_batch
from pipeline.models import InputFile, Line
from pipeline.pages import read_pages
from tests.hostile import builders as b
from tests.stages.builders import ofd_bytes

STATUSES = {"processed", "duplicate", "unsupported", "unreadable", "rejected"}
FORMATS = {"pdf", "docx", "ofd", "xml", "jpeg", "png", "tiff", "zip", "bmp", "gif", "webp"}
LIMITS = ArchiveLimits(
    max_total_bytes=20_000_000, max_members=200, max_ratio=200, ratio_min_bytes=1_000_000
)
EXAMPLES_PER_SEED = 120


class StubOcr:
    """The OcrEngine protocol, finding nothing: pages that need OCR come back empty."""

    name = "stub"
    version = "0"

    def recognize(self, image: np.ndarray) -> list[Line]:
        assert image.ndim == 3 and image.shape[2] == 3
        return []

    def detect(self, image: np.ndarray) -> list[list[tuple[float, float]]]:
        return []

    def read_lines(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        return [("", 0.0) for _ in crops]


def _docx() -> bytes:
    buf = io.BytesIO()
    d = docx.Document()
    d.add_paragraph("“上云上平台”标杆企业申报书")
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "企业名称"
    table.cell(0, 1).text = "湖南星辰智能装备有限公司"
    d.save(buf)
    return buf.getvalue()


@cache
def seeds() -> dict[str, tuple[str, bytes]]:
    """name → (file name, bytes): small valid files of every format the intake meets."""
    with tempfile.TemporaryDirectory() as tmp:
        pdf = b.text_pdf(Path(tmp) / "a.pdf", [b.INVOICE[:3], ["第二页 资产总计 1,000.00"]])
        pdf_bytes = pdf.read_bytes()
    small = (64, 40)
    tiff = io.BytesIO()
    frames = [b.text_image(["营业执照"], size=(96, 40), font_size=16) for _ in range(2)]
    frames[0].save(tiff, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    return {
        "pdf": ("发票.pdf", pdf_bytes),
        "pdf_flate": ("压缩流.pdf", b.pdf_stream_bomb(1 << 20)),  # a Flate stream to mutate
        "jpeg": ("照片.jpg", b.image_bytes("JPEG", small, quality=80, exif=_exif())),
        "png": ("扫描.png", b.image_bytes("PNG", small)),
        "tiff": ("多页.tif", tiff.getvalue()),
        "docx": ("申报书.docx", _docx()),
        "zip": (
            "资料.zip",
            b.zip_bytes(
                {
                    "发票.pdf": pdf_bytes,
                    "图/执照.png": b.image_bytes("PNG", small),
                    "内层.zip": b.zip_of([("说明.txt", "见附件".encode())]),
                },
                gbk_names=True,
            ),
        ),
        "ofd": ("发票.ofd", ofd_bytes()),
        "xml": ("数电票.xml", b'<?xml version="1.0"?><E><N>1</N><B>\xe6\xb9\x96</B></E>'),
        "ole2": ("附件.doc", b.ole2_file("WordDocument")),
    }


def _exif() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: exercises the EXIF path
    return exif.tobytes()


# One mutation: (kind, where as a fraction of the length, payload).
_MUTATION = st.tuples(
    st.sampled_from(["flip", "cut", "insert", "overwrite", "zero"]),
    st.floats(min_value=0.0, max_value=1.0),
    st.binary(min_size=1, max_size=64),
)


def mutate(data: bytes, mutations: list[tuple[str, float, bytes]]) -> bytes:
    out = bytearray(data)
    for kind, where, payload in mutations:
        pos = min(int(where * len(out)), max(len(out) - 1, 0))
        if kind == "flip" and out:
            out[pos] ^= payload[0] or 0x01
        elif kind == "cut":
            del out[pos:]
        elif kind == "insert":
            out[pos:pos] = payload
        elif kind == "overwrite":
            out[pos : pos + len(payload)] = payload
        elif kind == "zero":
            out[pos : pos + len(payload) * 8] = bytes(len(out[pos : pos + len(payload) * 8]))
    return bytes(out)


def _direct_members(files: list[InputFile], prefix: str) -> list[InputFile]:
    """Entries that are members of the archive `prefix` itself, not of an archive inside it."""
    inner = [f.file + "/" for f in files if f.file.startswith(prefix) and f.format == "zip"]
    return [
        f
        for f in files
        if f.file.startswith(prefix) and not any(f.file.startswith(z) for z in inner)
    ]


def _zip_entries(path: Path) -> int | None:
    """Files (not folders) in the archive as zipfile lists them, or None when it won't open."""
    try:
        with zipfile.ZipFile(path) as zf:
            return sum(1 for i in zf.infolist() if not i.filename.endswith(("/", "\\")))
    except Exception:
        return None


def check_one(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        app = root / "batch" / "001"
        app.mkdir(parents=True)
        path = app / name
        path.write_bytes(data)

        assert detect_format(path) in FORMATS | {"unknown"}

        batch = scan_batch(root / "batch", root / "work", limits=LIMITS, batch_limits=LIMITS)
        (found,) = batch.applications
        files = found.files
        assert all(f.status in STATUSES for f in files)
        assert all(f.status == "processed" or f.reason for f in files)
        top = [f for f in files if f.file == name]
        assert len(top) == 1, [f.file for f in files]
        zip_file = top[0]
        members = _direct_members(files, name + "/")
        if zip_file.format == "zip" and zip_file.status == "processed":
            # Every member is accounted for, none twice.
            assert len(members) == _zip_entries(path), [f.file for f in members]
        else:
            assert not members
        # Nothing is written beside the input: extraction goes to the work folder only.
        assert sorted(p.name for p in app.iterdir()) == [name]

        for f in [zip_file, *members][:4]:
            if f.status != "processed" or f.format == "zip":
                continue
            try:
                for page in read_pages(f, StubOcr()):
                    assert page.number >= 1
            except UnreadableFile as exc:
                assert str(exc)


@pytest.mark.parametrize("seed", sorted(seeds()))
@settings(
    max_examples=EXAMPLES_PER_SEED,
    deadline=timedelta(seconds=10),
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutations=st.lists(_MUTATION, min_size=1, max_size=4))
def test_mutated_files(seed: str, mutations: list[tuple[str, float, bytes]]) -> None:
    name, data = seeds()[seed]
    check_one(name, mutate(data, mutations))


@pytest.mark.parametrize("seed", sorted(seeds()))
def test_unmutated_seeds_are_read(seed: str) -> None:
    """The seeds themselves are good files: the fuzz starts from what really occurs."""
    name, data = seeds()[seed]
    check_one(name, data)
