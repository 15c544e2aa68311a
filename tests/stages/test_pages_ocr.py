"""Pages that need OCR, read by the real engine (no mocks): scans, photos, seals, rotation.

Each OCR of these half-A4 images takes about a second; the module runs eight of them.
"""

from __future__ import annotations

import contextlib
import io
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from pipeline.formats import detect_format
from pipeline.models import InputFile, Line, Page
from pipeline.ocr import (
    OcrEngine,
    OcrUnavailable,
    detect_rotation,
    get_engine,
    share_detection_turn,
    turn,
)
from pipeline.pages import read_pages
from tests.stages.builders import LICENCE, image_pdf, text_image

KEYS = ["营业执照", "湖南星辰智能装备有限公司", "法定代表人张三", "2012年03月15日", "91430100MA4L"]


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    return get_engine("rapidocr")


def _input(path: Path) -> InputFile:
    return InputFile(file=path.name, path=str(path), sha256="", size=0, format=detect_format(path))


def _save(im: Image.Image, path: Path, fmt: str, **kw: object) -> Path:
    im.save(path, fmt, **kw)
    return path


def _flat(page: Page) -> str:
    return "".join(page.text.split())


def _assert_reads_licence(page: Page, engine: OcrEngine) -> None:
    assert page.source == "ocr" and page.unit == "px"
    assert page.engine == f"{engine.name} {engine.version}"
    text = _flat(page)
    missing = [k for k in KEYS if k not in text]
    assert not missing, f"not read: {missing} in {text}"
    assert all(0.5 <= line.confidence <= 1 for line in page.lines)
    assert all(line.quad is not None and len(line.quad) == 4 for line in page.lines)


def test_scanned_pdf_page_goes_to_ocr(tmp_path: Path, engine: OcrEngine) -> None:
    scan = text_image()
    pdf = image_pdf(tmp_path / "scan0001.pdf", scan, dpi=200)
    (page,) = read_pages(_input(pdf), engine, dpi=200)
    _assert_reads_licence(page, engine)
    assert page.dpi == 200 and page.rotation == 0
    assert (page.width, page.height) == (scan.width, scan.height)
    # Boxes are pixels of the 200-dpi raster: the title sits where it was drawn.
    title = next(line for line in page.lines if "营业执照" in line.text)
    assert abs(title.bbox[0] - 90) < 15 and abs(title.bbox[1] - 80) < 20


def test_red_seal_over_text(tmp_path: Path, engine: OcrEngine) -> None:
    # The seal sits on the credit-code line; read in colour that line comes out garbled.
    im = text_image(seal_at=(330, 250))
    (page,) = read_pages(_input(_save(im, tmp_path / "licence.jpg", "PNG")), engine)
    _assert_reads_licence(page, engine)
    assert "统一社会信用代码" in _flat(page)


def test_upside_down_photo_is_turned(tmp_path: Path, engine: OcrEngine) -> None:
    im = text_image().rotate(180)
    (page,) = read_pages(_input(_save(im, tmp_path / "a.png", "WEBP", lossless=True)), engine)
    assert page.rotation == 180
    _assert_reads_licence(page, engine)
    tops = [line.bbox[1] for line in page.lines]
    assert tops == sorted(tops) and "营业执照" in page.lines[0].text


def test_sideways_scan_is_turned(tmp_path: Path, engine: OcrEngine) -> None:
    upright = text_image()
    im = upright.rotate(90, expand=True)  # PIL turns counter-clockwise: 90° clockwise undoes it
    (page,) = read_pages(_input(_save(im, tmp_path / "b.bmp", "BMP")), engine)
    assert page.rotation == 90
    assert (page.width, page.height) == (upright.width, upright.height)
    _assert_reads_licence(page, engine)


def test_skewed_blurred_jpeg(tmp_path: Path, engine: OcrEngine) -> None:
    im = text_image().rotate(4, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC)
    im = im.filter(ImageFilter.GaussianBlur(0.8))
    (page,) = read_pages(_input(_save(im, tmp_path / "c.jpg", "JPEG", quality=60)), engine)
    assert page.rotation == 0
    _assert_reads_licence(page, engine)


def test_exif_orientation_applied(tmp_path: Path, engine: OcrEngine) -> None:
    upright = text_image()
    stored = upright.rotate(90, expand=True)  # how a phone stores a photo taken sideways
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90° clockwise
    path = _save(stored, tmp_path / "IMG_2231.JPG", "JPEG", quality=92, exif=exif.tobytes())
    (page,) = read_pages(_input(path), engine)
    assert (page.width, page.height) == (upright.width, upright.height)
    assert page.rotation == 0  # EXIF did it; nothing left for the rotation guess
    _assert_reads_licence(page, engine)


def test_multipage_tiff_gives_every_page(tmp_path: Path, engine: OcrEngine) -> None:
    frames = [
        text_image(["第一页", "湖南星辰智能装备有限公司"], size=(900, 260)),
        text_image(["第二页", "税收完税证明"], size=(900, 260)).convert("L"),
    ]
    path = tmp_path / "scan.tif"
    frames[0].save(path, "TIFF", save_all=True, append_images=frames[1:], dpi=(300, 300))
    pages = list(read_pages(_input(path), engine))
    assert [p.number for p in pages] == [1, 2]
    assert "湖南星辰智能装备有限公司" in _flat(pages[0]) and "第一页" in _flat(pages[0])
    assert "税收完税证明" in _flat(pages[1])
    assert pages[0].dpi == 300


def test_detect_rotation_in_every_quarter(engine: OcrEngine) -> None:
    image = np.asarray(text_image(LICENCE))
    for clockwise in (0, 90, 180, 270):
        turned = turn(image, clockwise)
        assert detect_rotation(turned, engine) == (360 - clockwise) % 360


def test_blank_page_has_no_rotation(engine: OcrEngine) -> None:
    blank = np.full((600, 400, 3), 255, dtype=np.uint8)
    assert detect_rotation(blank, engine) == 0
    assert engine.recognize(blank) == []


def test_engine_factory() -> None:
    engine = get_engine("rapidocr")
    assert get_engine() is engine  # one per process
    assert engine.name == "rapidocr"
    assert "3.10.0" in engine.version and "PP-OCRv6_rec_small.onnx" in engine.version
    with pytest.raises(OcrUnavailable, match="paddleocr"):
        get_engine("paddleocr")
    with pytest.raises(ValueError, match="未知的 OCR 引擎"):
        get_engine("tesseract")


def test_unreadable_image(tmp_path: Path, engine: OcrEngine) -> None:
    from pipeline.errors import UnreadableFile

    good = io.BytesIO()
    text_image(size=(400, 300)).save(good, "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(good.getvalue()[:300])
    with pytest.raises(UnreadableFile, match="图片无法解码"):
        list(read_pages(_input(path), engine))


def test_detection_waits_for_its_turn(engine: OcrEngine) -> None:
    """Full-page detection holds the lock the OCR workers share: while another holder has
    it, a page's OCR cannot get past detection; released, it finishes."""
    assert_detection_waits_for_its_turn(engine)


def assert_detection_waits_for_its_turn(engine: OcrEngine) -> None:
    """While another holder has the detection lock, a page's OCR waits; released, it finishes
    (shared by every engine's tests)."""
    image = np.asarray(text_image(LICENCE).convert("RGB"))
    turn_lock = threading.Lock()
    share_detection_turn(turn_lock)
    try:
        done = threading.Event()
        result: list[list[Line]] = []

        def read() -> None:
            result.append(list(engine.recognize(image)))
            done.set()

        with turn_lock:
            worker = threading.Thread(target=read)
            worker.start()
            assert not done.wait(3.0)  # held up at detection
        assert done.wait(60.0)
        worker.join()
        assert any("营业执照" in line.text for line in result[0])
    finally:
        share_detection_turn(contextlib.nullcontext())


def test_one_copy_of_each_model(engine: OcrEngine) -> None:
    """The rotation guess's detect-only and read-only passes use the full pipeline's loaded
    models: a rapidocr upgrade that renames what is shared fails here, not in memory."""
    image = np.asarray(text_image(LICENCE).convert("RGB"))
    detect_rotation(image, engine)
    full, det, rec = engine._full, engine._det, engine._rec  # type: ignore[attr-defined]
    assert det.text_det is full.text_det is not None
    assert rec.text_rec is full.text_rec is not None
