"""Evidence pictures: the scanned region a finding or a field rests on, and its whole page.

A bbox is in its page's own units (pipeline/models.py: px of the upright raster for OCR pages,
pt for PDF text layers, paragraphs for Word and XML). To cut it out of the paper we render the
page exactly as pipeline/pages.py did before reading it (same rasteriser, dpi, size limit and
rotation), so OCR pixel boxes land on the same pixels; text-layer boxes are scaled pt → px.

Files go under `<application dir>/evidence/` (crops) and `<application dir>/pages/` (whole
pages, downscaled, with the cited regions outlined). Names are derived from what the picture
shows (file sha256, page, bbox, how it was drawn), so a re-run finds its own pictures again;
an existing file with other bytes under that name is never overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from pipeline.errors import UnreadableFile
from pipeline.models import BBox, Evidence, InputFile, Line, Page
from pipeline.ocr import turn
from pipeline.pages import render_page

EVIDENCE_DIR = "evidence"
PAGES_DIR = "pages"
RASTER_FORMATS = ("pdf", "jpeg", "png", "tiff", "bmp", "gif", "webp")
# Part of every picture's name: bump it when the drawing below changes what a picture shows.
DRAWING_REVISION = "1"


@dataclass(frozen=True)
class CropSettings:
    dpi: int = 200  # what pages.py rasterises PDF pages at (read_pages' default)
    margin_ratio: float = 0.02  # context around a box: share of the page's long side ...
    margin_lines: float = 1.0  # ... or this many text-line heights, whichever is more
    max_crop_width: int = 900
    max_page_width: int = 1100
    crop_quality: int = 80
    page_quality: int = 70
    outline: tuple[int, int, int] = (220, 30, 30)
    cached_pages: int = 3  # rendered pages kept in memory while a report is drawn


@dataclass(frozen=True)
class Picture:
    """A picture written for a report: path relative to the application folder, '/'-separated."""

    path: str
    width: int
    height: int


class NoPicture(Exception):
    """Why a piece of evidence has no picture (in Chinese, shown to the reviewer)."""


# ---- rendering a page as pages.py saw it -------------------------------------------------


def page_image(f: InputFile, page: Page | None, number: int, dpi: int = 200) -> np.ndarray:
    """The page as an upright RGB array: the raster pages.py OCRed (same dpi, size limit and
    rotation) for scans; the text-layer page rasterised at `dpi`. Without `page` (geometry
    unknown) the raster is left as it lies in the file. Raises NoPicture."""
    if f.format not in RASTER_FORMATS:
        raise NoPicture(_NO_RASTER.get(f.format, "该格式没有页面图像"))
    if not Path(f.path).is_file():
        raise NoPicture("原文件已不在处理目录中，无法生成图像")
    rotation = page.rotation if page is not None else 0
    page_dpi = page.dpi if page is not None and page.unit == "px" and page.dpi else dpi
    try:
        # pages.py's own rendering, so a crop is cut from the very raster the OCR saw.
        raster = render_page(f, number, page_dpi)
    except UnreadableFile as exc:
        raise NoPicture(str(exc)) from exc
    return turn(raster.image, rotation)


_NO_RASTER = {
    "docx": "Word 文档，没有页面图像",
    "xml": "XML 电子发票，没有页面图像",
    "ofd": "OFD 电子发票，没有页面图像",
}


def page_scale(page: Page, image: np.ndarray) -> float:
    """Raster pixels per page unit. The raster must have the page's shape: a file changed since
    it was read, or a page turned another way, would put every box on the wrong spot."""
    if page.unit not in ("px", "pt") or page.width <= 0 or page.height <= 0:
        raise NoPicture("该页的坐标不是图像坐标，无法截取")
    h, w = image.shape[:2]
    sx, sy = w / page.width, h / page.height
    if abs(sx - sy) > 0.02 * max(sx, sy):
        raise NoPicture("页面图像与识别时的页面尺寸不一致，无法截取")
    return (sx + sy) / 2


# ---- writing pictures --------------------------------------------------------------------


def _name_key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:12]


def store_new(folder: Path, stem: str, suffix: str, data: bytes) -> Path:
    """Write `data` as folder/stem+suffix unless that name already holds other bytes, then
    as stem-2, stem-3 …. Creation is atomic and exclusive (a hard link of a finished
    temporary file), so neither a half-written picture nor an overwrite can happen."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{stem}.", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); a report folder is served and copied to
        # other reviewers, so pictures get the ordinary permissions the umask allows.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        for n in range(1, 100):
            target = folder / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
            try:
                _create_exclusive(tmp, target, data)
                return target
            except FileExistsError:
                if target.read_bytes() == data:
                    return target
        raise OSError(f"too many different pictures named {stem}")
    finally:
        Path(tmp).unlink(missing_ok=True)


def _create_exclusive(tmp: str, target: Path, data: bytes) -> None:
    """target gets tmp's bytes, or FileExistsError. A hard link is atomic; where the file
    system has none (some network shares), an exclusive create is the next best thing."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        with open(target, "xb") as fh:
            fh.write(data)


# How a whole JPEG and a whole PNG end: a cached picture cut short is drawn again.
_TRAILERS = {".jpg": b"\xff\xd9", ".png": b"IEND\xaeB`\x82"}


def _read_cached(path: Path) -> tuple[bytes | None, tuple[int, int]]:
    """A cached picture and its size (from its header); (None, …) when missing or cut short."""
    try:
        data = path.read_bytes()
        if not data.endswith(_TRAILERS[path.suffix]):
            return None, (0, 0)
        with Image.open(io.BytesIO(data)) as im:
            return data, im.size
    except (OSError, SyntaxError, ValueError):
        return None, (0, 0)


def _keep(path: Path, data: bytes) -> None:
    """Into the picture cache under a temporary name, then renamed: readers never see half a
    file. No fsync: a picture lost to a crash is drawn again; a full disk costs speed only."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)


def _encode(image: Image.Image, kind: str, quality: int, optimize: bool = True) -> bytes:
    buf = io.BytesIO()
    if kind == "png":
        image.save(buf, "PNG", optimize=optimize)
    else:
        image.save(buf, "JPEG", quality=quality, optimize=optimize)
    return buf.getvalue()


def _fit_width(image: Image.Image, max_width: int, fast: bool = False) -> Image.Image:
    if image.width <= max_width:
        return image
    height = max(1, round(image.height * max_width / image.width))
    # Whole pages shrink by ~1.5×, where bilinear (antialiased in Pillow) reads as well as
    # Lanczos at a third of the time; crops are small and keep the sharper filter.
    method = Image.Resampling.BILINEAR if fast else Image.Resampling.LANCZOS
    return image.resize((max_width, height), method)


def _relative(path: Path, app_dir: Path) -> str:
    return path.relative_to(app_dir).as_posix()


def _pixels(bbox: BBox, scale: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (v * scale for v in bbox)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def crop_box(
    image: np.ndarray,
    bbox: BBox,
    scale: float,
    settings: CropSettings,
    text_height: float | None = None,
) -> tuple[int, int, int, int]:
    """The bbox in raster pixels with a margin of context, clipped to the page. The margin is
    a share of the page or of one text line (`text_height`, page units; the box's own
    height by default), whichever is more: a box of several lines gets one line around it."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = _pixels(bbox, scale)
    line = min(y1 - y0, text_height * scale) if text_height else y1 - y0
    margin = max(settings.margin_ratio * max(w, h), settings.margin_lines * line)
    box = (
        max(0, int(x0 - margin)),
        max(0, int(y0 - margin)),
        min(w, int(np.ceil(x1 + margin))),
        min(h, int(np.ceil(y1 + margin))),
    )
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:
        raise NoPicture("证据位置在页面之外，无法截取")
    return box


def text_slope(lines: Iterable[Line]) -> float:
    """How much a text line climbs per unit of x on this page (a skewed scan): the median slope
    of the top edges of the longer OCR quads; 0 without quads (text layers are straight)."""
    slopes = []
    for line in lines:
        if not line.quad or len(line.quad) < 2:
            continue
        (ax, ay), (bx, by) = line.quad[0], line.quad[1]
        x0, y0, x1, y1 = line.bbox
        if bx - ax > 3 * max(y1 - y0, 1e-6):
            slopes.append((by - ay) / (bx - ax))
    return float(np.median(slopes)) if slopes else 0.0


def line_height(lines: Iterable[Line]) -> float | None:
    """The median height of the page's text lines (page units), None without lines."""
    heights = [line.bbox[3] - line.bbox[1] for line in lines]
    return float(np.median(heights)) if heights else None


def row_extent(bbox: BBox, lines: Sequence[Line]) -> BBox:
    """The bbox joined with the text beside it on the same row (page units). OCR often reads a
    table cell alone ("744,764,181.56"): the row's label ("资产总计") and its other columns
    are what tells a reviewer which figure it is. Rows of a skewed scan slope: centres are
    compared after taking the page's slope out."""
    x0, y0, x1, y1 = bbox
    height = max(y1 - y0, 1e-6)
    typical = line_height(lines)
    if typical and height > 1.5 * typical:
        return bbox  # already several lines (a label and its value joined): keep the choice
    slope = text_slope(lines)
    centre = (y0 + y1) / 2 - slope * (x0 + x1) / 2
    for line in lines:
        lx0, ly0, lx1, ly1 = line.bbox
        if ly1 - ly0 > 1.8 * height:
            continue  # vertical text or a block of several rows: would stretch the crop
        line_centre = (ly0 + ly1) / 2 - slope * (lx0 + lx1) / 2
        if abs(line_centre - centre) < 0.5 * min(height, max(ly1 - ly0, 1e-6)):
            x0, y0, x1, y1 = min(x0, lx0), min(y0, ly0), max(x1, lx1), max(y1, ly1)
    return (x0, y0, x1, y1)


# ---- the renderer one report uses --------------------------------------------------------


class EvidencePictures:
    """Crops and page pictures for one application's report. Renders each page once (a few
    kept in memory) and remembers the pictures already made."""

    def __init__(
        self,
        app_dir: Path,
        files: Iterable[InputFile],
        pages: Iterable[Page] = (),
        settings: CropSettings | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.app_dir = app_dir
        # Pictures already drawn by earlier runs, by name (names say what they show): a rerun
        # into another folder copies them instead of rendering every cited page again.
        self.cache_dir = cache_dir
        self.files: Mapping[str, InputFile] = {f.file: f for f in files}
        self.pages: Mapping[tuple[str, int], Page] = {(p.file, p.number): p for p in pages}
        self.settings = settings or CropSettings()
        self._rasters: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
        self._crops: dict[tuple[str, int, BBox], Picture] = {}

    def _input(self, file: str) -> InputFile:
        f = self.files.get(file)
        if f is None:
            raise NoPicture("找不到该文件的原件")
        if f.status != "processed":
            raise NoPicture("该文件未能读取，没有页面图像")
        return f

    def raster(self, file: str, number: int) -> np.ndarray:
        key = (file, number)
        if key in self._rasters:
            self._rasters.move_to_end(key)
            return self._rasters[key]
        f = self._input(file)
        image = page_image(f, self.pages.get(key), number, self.settings.dpi)
        self._rasters[key] = image
        while len(self._rasters) > self.settings.cached_pages:
            self._rasters.popitem(last=False)
        return image

    def crop(self, evidence: Evidence) -> Picture:
        """The evidence's region, cut from its page with some context. Raises NoPicture."""
        number, bbox = evidence.page, evidence.bbox
        if number is None or bbox is None:
            raise NoPicture("证据没有页面位置")
        key = (evidence.file, number, bbox)
        if key in self._crops:
            return self._crops[key]
        f = self._input(evidence.file)
        if f.format not in RASTER_FORMATS:
            raise NoPicture(_NO_RASTER.get(f.format, "该格式没有页面图像"))
        page = self.pages.get((evidence.file, number))
        if page is None:
            raise NoPicture("缺少该页的识别信息，无法定位证据")
        if page.source not in ("ocr", "text-layer"):
            raise NoPicture("该页不是扫描或 PDF 页面，无法截取")
        region = row_extent(bbox, page.lines)
        # Text-layer renders are clean black on white: PNG keeps them sharp and small.
        kind = "png" if page.source == "text-layer" else "jpg"
        stem = f"{f.sha256[:16]}-p{number}-" + _name_key(
            bbox,
            region,
            page.unit,
            page.rotation,
            page.dpi,
            self.settings,
            DRAWING_REVISION,
        )

        def draw() -> tuple[Image.Image, str]:
            image = self.raster(evidence.file, number)
            scale = page_scale(page, image)
            box = crop_box(image, region, scale, self.settings, line_height(page.lines))
            picture = Image.fromarray(image).crop(box)
            # The cited text outlined: in a widened row it says which figure was read.
            self._outline(picture, bbox, scale, origin=box[:2])
            return _fit_width(picture, self.settings.max_crop_width), stem

        result = self._store(EVIDENCE_DIR, stem, kind, self.settings.crop_quality, draw)
        self._crops[key] = result
        return result

    def page_picture(self, file: str, number: int, boxes: Iterable[BBox] = ()) -> Picture:
        """The whole page, downscaled, with `boxes` outlined. Raises NoPicture."""
        f = self._input(file)
        page = self.pages.get((file, number))
        outlined = sorted(set(boxes)) if page is not None else []

        def stem_of(outlined: list[BBox]) -> str:
            return f"{f.sha256[:16]}-p{number}-" + _name_key(
                outlined,
                page.rotation if page else None,
                page.dpi if page else None,
                self.settings,
                DRAWING_REVISION,
            )

        def draw() -> tuple[Image.Image, str]:
            image = self.raster(file, number)
            picture = Image.fromarray(image)
            drawn, scale = outlined, 1.0
            if page is not None:
                try:
                    scale = page_scale(page, image)
                except NoPicture:
                    drawn = []  # the page is still worth showing, only without the outlines
            if drawn:
                picture = picture.copy()  # the raster is cached for crops: draw on a copy
                for bbox in drawn:
                    self._outline(picture, bbox, scale, origin=(0, 0))
            picture = _fit_width(picture, self.settings.max_page_width, fast=True)
            return picture, stem_of(drawn)

        return self._store(
            PAGES_DIR, stem_of(outlined), "jpg", self.settings.page_quality, draw, optimize=False
        )

    def _store(
        self,
        folder: str,
        stem: str,
        kind: str,
        quality: int,
        draw: Callable[[], tuple[Image.Image, str]],
        optimize: bool = True,
    ) -> Picture:
        """The picture `stem` in the application folder: copied from the picture cache when an
        earlier run drew it, else drawn, encoded and kept there too. `draw` gives the picture
        and its name, which differs from `stem` where less was drawn than asked (outlines
        dropped)."""
        suffix = f".{kind}"
        cached = self.cache_dir / stem[:2] / f"{stem}{suffix}" if self.cache_dir else None
        data, size = _read_cached(cached) if cached is not None else (None, (0, 0))
        if data is None:
            picture, stem = draw()
            size = picture.size
            data = _encode(picture, kind, quality, optimize)
            if self.cache_dir is not None:
                _keep(self.cache_dir / stem[:2] / f"{stem}{suffix}", data)
        path = store_new(self.app_dir / folder, stem, suffix, data)
        return Picture(_relative(path, self.app_dir), size[0], size[1])

    def _outline(
        self, picture: Image.Image, bbox: BBox, scale: float, origin: tuple[int, int]
    ) -> None:
        """A red frame just outside the cited text, so that no stroke of it is covered."""
        x0, y0, x1, y1 = _pixels(bbox, scale)
        width = max(2, round(max(picture.size) / 600))
        pad = width + 2
        frame = (
            x0 - origin[0] - pad,
            y0 - origin[1] - pad,
            x1 - origin[0] + pad,
            y1 - origin[1] + pad,
        )
        ImageDraw.Draw(picture).rectangle(frame, outline=self.settings.outline, width=width)
