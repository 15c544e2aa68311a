"""Evidence crops: the right region of the right page, in the page's units, never overwritten."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.crops import (
    CropSettings,
    EvidencePictures,
    NoPicture,
    row_extent,
    store_new,
    text_slope,
)
from pipeline.models import Evidence, InputFile, Line, Page
from tests.report.conftest import (
    AUDIT,
    FORM,
    LICENCE,
    LICENCE_LINES,
    LICENCE_PAGE,
    find_line,
    input_file,
    sample_inputs,
)

SETTINGS = CropSettings()


def expected_size(
    box: tuple[float, ...], scale: float, page_px: tuple[int, int], lines: list[Line]
) -> tuple[int, int]:
    """What a crop of `box` (page units) should measure: box × scale, a margin of 2 % of the
    page's long side or of one text line (the box, or the page's median line if lower),
    clipped to the page, at most 900 px wide."""
    w, h = page_px
    x0, y0, x1, y1 = (v * scale for v in box)
    median_line = float(np.median([ln.bbox[3] - ln.bbox[1] for ln in lines])) * scale
    margin = max(0.02 * max(w, h), 1.0 * min(y1 - y0, median_line))
    left, top = max(0, int(x0 - margin)), max(0, int(y0 - margin))
    right, bottom = min(w, math.ceil(x1 + margin)), min(h, math.ceil(y1 + margin))
    cw, ch = right - left, bottom - top
    if cw > 900:
        return 900, round(ch * 900 / cw)
    return cw, ch


@pytest.fixture(scope="module")
def inputs() -> tuple[list[InputFile], list[Page]]:
    return sample_inputs()


def pictures(tmp_path: Path, inputs: tuple[list[InputFile], list[Page]]) -> EvidencePictures:
    files, pages = inputs
    return EvidencePictures(tmp_path, files, pages)


def test_scan_crop_has_the_expected_size(
    tmp_path: Path, inputs: tuple[list[InputFile], list[Page]]
) -> None:
    code = LICENCE_LINES[1]  # the credit code's value: alone on its row
    pic = pictures(tmp_path, inputs).crop(
        Evidence(file=LICENCE, page=1, bbox=code.bbox, text=code.text)
    )
    assert pic.path.startswith("evidence/") and pic.path.endswith(".jpg")
    with Image.open(tmp_path / pic.path) as im:
        assert im.format == "JPEG"
        assert (
            im.size
            == (pic.width, pic.height)
            == expected_size(code.bbox, 1.0, (1654, 2339), LICENCE_LINES)
        )
        # The stable name: the file's sha256, the page, a hash of the box.
        sha = hashlib.sha256(Path(inputs[0][1].path).read_bytes()).hexdigest()
        assert Path(pic.path).name.startswith(f"{sha[:16]}-p1-")
        # It shows ink (the code), not blank paper: dark pixels in the middle band.
        grey = np.asarray(im.convert("L"))
        assert (grey[grey.shape[0] // 3 : 2 * grey.shape[0] // 3] < 100).mean() > 0.02


def test_crop_takes_in_the_row_label_on_a_skewed_scan() -> None:
    # "湖南星辰智能装备有限公司" sits on the row of "名 … 称", 25 px higher (the scan is skewed).
    region = row_extent(LICENCE_LINES[4].bbox, LICENCE_PAGE.lines)
    assert region[0] == LICENCE_LINES[2].bbox[0], "the label 名 is taken in"
    assert region[3] == LICENCE_LINES[2].bbox[3]
    assert text_slope(LICENCE_PAGE.lines) < -0.01, "text climbs to the right on this scan"
    # The credit code's value is alone on its row: nothing is added.
    assert row_extent(LICENCE_LINES[1].bbox, LICENCE_PAGE.lines) == LICENCE_LINES[1].bbox


def test_text_layer_crop_converts_points_to_pixels(
    tmp_path: Path, inputs: tuple[list[InputFile], list[Page]]
) -> None:
    page = next(p for p in inputs[1] if p.file == AUDIT and p.number == 3)
    assert page.unit == "pt" and page.dpi is None
    line = find_line(page, "资产总计")
    pic = pictures(tmp_path, inputs).crop(
        Evidence(file=AUDIT, page=3, bbox=line.bbox, text=line.text)
    )
    assert pic.path.endswith(".png"), "a clean render stays sharp as PNG"
    # Rasterised at 200 dpi, the way pages.py would for OCR: 200/72 px per pt.
    raster = (round(page.width * 200 / 72), round(page.height * 200 / 72))
    scale = raster[0] / page.width
    assert abs(scale - 200 / 72) < 0.01
    with Image.open(tmp_path / pic.path) as im:
        want = expected_size(row_extent(line.bbox, page.lines), scale, raster, page.lines)
        assert abs(im.width - want[0]) <= 2 and abs(im.height - want[1]) <= 2


def upright_test_page() -> Image.Image:
    """A white A5-ish page with a red block at a known upright position."""
    im = Image.new("RGB", (800, 1100), "white")
    im.paste((220, 0, 0), (100, 200, 300, 260))
    return im


def red_block_in_middle(path: Path) -> bool:
    """The 200×60 red block, framed by its 60 px margin: the crop's whole middle is red."""
    with Image.open(path) as im:
        a = np.asarray(im.convert("RGB")).astype(int)
    h, w = a.shape[:2]
    middle = a[h // 2 - 20 : h // 2 + 20, w // 2 - 80 : w // 2 + 80]
    red = (middle[..., 0] > 150) & (middle[..., 1] < 90) & (middle[..., 2] < 90)
    return (w, h) == (320, 180) and bool(red.mean() > 0.95)


def test_crop_follows_the_rotation_pages_applied(tmp_path: Path) -> None:
    # The file lies on its side (the upright page turned 90° counter-clockwise): pages.py
    # turned it 90° clockwise before OCR, so boxes are in the upright page's pixels.
    path = tmp_path / "sideways.png"
    upright_test_page().rotate(90, expand=True).save(path)
    f = input_file(path, "sideways.png", "png")
    page = Page(
        file="sideways.png",
        number=1,
        source="ocr",
        width=800,
        height=1100,
        unit="px",
        rotation=90,
        lines=[Line(text="红块", bbox=(100, 200, 300, 260))],
    )
    pics = EvidencePictures(tmp_path / "out", [f], [page])
    pic = pics.crop(Evidence(file="sideways.png", page=1, bbox=(100, 200, 300, 260), text="红块"))
    assert red_block_in_middle(tmp_path / "out" / pic.path)
    full = pics.page_picture("sideways.png", 1, [(100, 200, 300, 260)])
    with Image.open(tmp_path / "out" / full.path) as im:
        assert im.size == (800, 1100), "the page picture is upright too"


def test_crop_follows_exif_orientation(tmp_path: Path) -> None:
    # A phone photo stored sideways (upright turned 90° clockwise) with EXIF orientation 6
    # ("turn 90° clockwise to display"): shown as the camera says, it is upside down.
    path = tmp_path / "photo.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    upright_test_page().rotate(-90, expand=True).save(path, exif=exif, quality=95)
    f = input_file(path, "photo.jpg", "jpeg")
    with Image.open(path) as im:
        assert im.size == (1100, 800)
    page = Page(
        file="photo.jpg",
        number=1,
        source="ocr",
        width=800,
        height=1100,
        unit="px",
        rotation=180,
        lines=[],
    )
    # Orientation 6 turns it clockwise → upside down; pages.py then turned it 180°.
    pic = EvidencePictures(tmp_path / "out", [f], [page]).crop(
        Evidence(file="photo.jpg", page=1, bbox=(100, 200, 300, 260), text="红块")
    )
    assert red_block_in_middle(tmp_path / "out" / pic.path)


def test_a_page_of_another_shape_is_refused(
    tmp_path: Path, inputs: tuple[list[InputFile], list[Page]]
) -> None:
    files, _ = inputs
    wrong = LICENCE_PAGE.model_copy(update={"width": 2339.0, "height": 1654.0})
    pics = EvidencePictures(tmp_path, files, [wrong])
    with pytest.raises(NoPicture, match="尺寸不一致"):
        pics.crop(Evidence(file=LICENCE, page=1, bbox=(10, 10, 50, 50), text="x"))


def test_word_and_unknown_pages_have_no_picture(
    tmp_path: Path, inputs: tuple[list[InputFile], list[Page]]
) -> None:
    pics = pictures(tmp_path, inputs)
    with pytest.raises(NoPicture, match="Word"):
        pics.crop(Evidence(file=FORM, page=1, bbox=(0, 0, 1, 1), text="企业名称"))
    with pytest.raises(NoPicture, match="原件"):
        pics.crop(Evidence(file="别的文件.pdf", page=1, bbox=(0, 0, 1, 1), text="?"))
    with pytest.raises(NoPicture, match="识别信息"):
        pics.crop(Evidence(file=AUDIT, page=9, bbox=(0, 0, 1, 1), text="?"))


def test_page_picture_is_downscaled_with_the_box_outlined(
    tmp_path: Path, inputs: tuple[list[InputFile], list[Page]]
) -> None:
    pic = pictures(tmp_path, inputs).page_picture(LICENCE, 1, [LICENCE_LINES[1].bbox])
    assert pic.path.startswith("pages/") and pic.width == SETTINGS.max_page_width
    with Image.open(tmp_path / pic.path) as im:
        a = np.asarray(im.convert("RGB")).astype(int)
    # The frame is drawn around the box, scaled by 1100/1654.
    s = pic.width / 1654
    x0, y0, x1, y1 = (round(v * s) for v in LICENCE_LINES[1].bbox)
    band = a[y0 - 8 : y1 + 8, x0 - 8 : x1 + 8]
    red = (band[..., 0] > 150) & (band[..., 1] < 110) & (band[..., 2] < 110)
    assert red.sum() > 2 * (x1 - x0), "a red frame surrounds the cited text"


def test_store_new_never_overwrites_another_picture(tmp_path: Path) -> None:
    first = store_new(tmp_path, "abc-p1-0001", ".jpg", b"one")
    assert first.name == "abc-p1-0001.jpg"
    assert store_new(tmp_path, "abc-p1-0001", ".jpg", b"one") == first, "same bytes: reused"
    other = store_new(tmp_path, "abc-p1-0001", ".jpg", b"two")
    assert other.name == "abc-p1-0001-2.jpg"
    assert first.read_bytes() == b"one" and other.read_bytes() == b"two"
    assert store_new(tmp_path, "abc-p1-0001", ".jpg", b"two") == other
    assert sorted(p.name for p in tmp_path.iterdir()) == ["abc-p1-0001-2.jpg", "abc-p1-0001.jpg"]
    assert (first.stat().st_mode & 0o044) == 0o044, "readable by others, like any report file"


def test_a_rerun_copies_pictures_from_the_picture_cache(
    tmp_path: Path, inputs: tuple[list[InputFile], list[Page]]
) -> None:
    """Pictures drawn once are kept in the cache by name; another run into another folder
    gets the same bytes without rendering (the original is gone by then); a cached picture
    cut short is drawn again."""
    files, pages = inputs
    cache = tmp_path / "cache"
    code = Evidence(file=LICENCE, page=1, bbox=LICENCE_LINES[1].bbox, text=LICENCE_LINES[1].text)
    first = EvidencePictures(tmp_path / "run1", files, pages, cache_dir=cache)
    crop1 = first.crop(code)
    page1 = first.page_picture(LICENCE, 1, [LICENCE_LINES[1].bbox])
    assert len(list(cache.rglob("*.jpg"))) == 2

    # The original copied away: only the cache can supply the pictures now.
    moved = [f.model_copy(update={"path": str(tmp_path / "gone" / f.file)}) for f in files]
    second = EvidencePictures(tmp_path / "run2", moved, pages, cache_dir=cache)
    crop2 = second.crop(code)
    page2 = second.page_picture(LICENCE, 1, [LICENCE_LINES[1].bbox])
    assert (crop2, page2) == (crop1, page1)
    for pic in (crop1, page1):
        assert (tmp_path / "run2" / pic.path).read_bytes() == (
            tmp_path / "run1" / pic.path
        ).read_bytes()
    with pytest.raises(NoPicture, match="原文件已不在"):
        EvidencePictures(tmp_path / "run3", moved, pages).crop(code)  # no cache: no picture

    cached = next(p for p in cache.rglob("*.jpg") if p.name == Path(crop1.path).name)
    cached.write_bytes(cached.read_bytes()[:-100])
    with pytest.raises(NoPicture, match="原文件已不在"):
        EvidencePictures(tmp_path / "run4", moved, pages, cache_dir=cache).crop(code)
    again = EvidencePictures(tmp_path / "run5", files, pages, cache_dir=cache).crop(code)
    assert (tmp_path / "run5" / again.path).read_bytes() == (
        tmp_path / "run1" / crop1.path
    ).read_bytes()
    assert cached.read_bytes() == (tmp_path / "run1" / crop1.path).read_bytes(), "cache mended"
