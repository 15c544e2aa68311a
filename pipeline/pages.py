"""Pages: every input file as a stream of Pages of words and lines with coordinates.

PDF pages use their text layer when it is usable, else they are rasterised and OCRed;
images are OCRed after EXIF orientation and a rotation guess; Word, OFD and XML are read
natively (OFD: pipeline/ofd.py, Word's table grid: pipeline/docx_reader.py). Each file is
opened once, and what a structured format holds beyond its text goes into the page's
`payload` while the file is open: nothing later opens it again to read it. PDFium is called
under pipeline/pdfium_lock.py's lock, here where it is called. Knows nothing of document
types. A file that cannot be read raises UnreadableFile.

`read_pages` gives the pages read; `pages_and_rasters` the same without OCR, each page to be
OCRed as its Raster (pipeline/reading.py hands them to an OCR pool); `render_page` one page's
raster again (report crops). All three rasterise alike, so OCR boxes land on the same pixels.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import mmap
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from pipeline import ofd
from pipeline.docx_reader import docx_payload
from pipeline.errors import UnreadableFile
from pipeline.intake import limits_data
from pipeline.models import (
    BBox,
    Code,
    InputFile,
    Line,
    OfdPayload,
    Page,
    PageSource,
    Payload,
    Word,
    XmlPayload,
)
from pipeline.ocr import OcrEngine, OcrUnavailable, detect_rotation, get_engine, turn
from pipeline.pdfium_lock import pdfium_lock
from pipeline.qr import decode_codes
from pipeline.text_runs import text_runs

EngineGetter = Callable[[], OcrEngine]


@dataclass(frozen=True)
class PageSettings:
    max_image_pixels: int = 150_000_000
    max_pages: int = 2000
    max_pdf_stream_bytes: int = 268_435_456
    max_package_bytes: int = 268_435_456
    max_raster_pixels: int = 40_000_000
    max_ocr_side: int = 4000
    min_chars: int = 8
    max_bad_ratio: float = 0.15
    image_cover_ratio: float = 0.5
    image_page_min_chars: int = 40
    line_y_tolerance: float = 0.5
    max_page_content_bytes: int = 2_097_152
    max_file_content_bytes: int = 67_108_864
    max_structured_xml_bytes: int = 4_000_000


def page_settings() -> PageSettings:
    """[pages] and [text_layer] of limits.toml (with the $DOSSIER_LIMITS override)."""
    data = limits_data()
    return PageSettings(**data["pages"], **data["text_layer"])


@dataclass(frozen=True)
class Raster:
    """A page that has to be OCRed: its RGB pixels as they lie in the file (not yet turned
    upright), and the dpi they stand for (None when the file does not say)."""

    file: str
    number: int
    image: np.ndarray
    dpi: int | None


IMAGE_FORMATS = ("jpeg", "png", "tiff", "bmp", "gif", "webp")


def read_pages(f: InputFile, engine: OcrEngine | None, dpi: int = 200) -> Iterator[Page]:
    """The file's pages, one at a time. OCR uses `engine`, or the default one (made only
    when a page needs it) when None. Archives have no pages of their own (their members
    are files). Raises UnreadableFile with the reason in Chinese."""
    getter = _engine_getter(engine)
    for item in pages_and_rasters(f, dpi):
        if isinstance(item, Raster):
            item = _ocr_raster(f, item, getter)  # rebound: the raster is not kept meanwhile
        yield item


def pages_and_rasters(f: InputFile, dpi: int = 200) -> Generator[Page | Raster, None, None]:
    """The file's pages, one at a time, without OCR: a Page where the file holds its text
    (text layer, Word, OFD, XML), a Raster where the page must be OCRed (`ocr_page` reads
    it). What `read_pages` reads, for a caller that OCRs elsewhere. Raises UnreadableFile."""
    path = Path(f.path)
    if f.format == "zip":
        return
    try:
        if f.format == "pdf":
            yield from _pdf_pages(f, path, dpi)
        elif f.format in IMAGE_FORMATS:
            yield from _image_pages(f, path)
        elif f.format == "docx":
            yield _docx_page(f, path)
        elif f.format == "ofd":
            yield from _ofd_pages(f, path)
        elif f.format == "xml":
            yield _xml_page(f, path)
        else:
            raise UnreadableFile("不支持的文件格式，无法读取页面")
    except (UnreadableFile, OcrUnavailable):
        raise
    except Exception as exc:
        raise _unreadable(exc) from exc


def _unreadable(exc: Exception) -> UnreadableFile:
    if isinstance(exc, MemoryError):
        return UnreadableFile("文件过大，读取时内存不足")
    if isinstance(exc, RecursionError):  # deeply nested XML, page trees or PDF objects
        return UnreadableFile("文件结构嵌套过深，无法读取（可能已损坏）")
    # A damaged file may fail anywhere inside a parser: it is this file's problem, and the
    # rest of the batch goes on. The reason names the parser's own words last.
    return UnreadableFile(f"文件已损坏，无法读取（{type(exc).__name__}: {exc}）")


def _ocr_raster(f: InputFile, raster: Raster, engine: EngineGetter) -> Page:
    """ocr_page, its failures told as those of reading the page."""
    try:
        return ocr_page(raster.file, raster.number, raster.image, engine(), raster.dpi)
    except (UnreadableFile, OcrUnavailable):
        raise
    except Exception as exc:
        if f.format == "pdf":
            message = f"PDF 第 {raster.number} 页无法读取（可能已损坏）：{exc}"
            raise UnreadableFile(message) from exc
        raise _unreadable(exc) from exc


def render_page(f: InputFile, number: int, dpi: int = 200) -> Raster:
    """Page `number` of a PDF or image file rendered as `pages_and_rasters` renders it for
    OCR (same rasteriser, size limits and EXIF turn), as it lies in the file. A PDF page is
    rendered at `dpi` whether it has a text layer or not. Raises UnreadableFile."""
    path = Path(f.path)
    if f.format == "pdf":
        return _render_pdf_page(f, path, number, dpi)
    if f.format in IMAGE_FORMATS:
        settings = page_settings()
        with _open_image(path, settings) as im:
            several = getattr(im, "n_frames", 1) > 1
            return _frame_raster(f, im, number - 1, several, settings)
    raise UnreadableFile("该格式没有页面图像")


def _engine_getter(engine: OcrEngine | None) -> EngineGetter:
    made: list[OcrEngine] = [engine] if engine is not None else []

    def get() -> OcrEngine:
        if not made:
            made.append(get_engine("rapidocr"))
        return made[0]

    return get


def engine_label(engine: OcrEngine) -> str:
    return f"{engine.name} {engine.version}"


# ---- OCR of one raster -------------------------------------------------------------------


def ocr_page(file: str, number: int, image: np.ndarray, engine: OcrEngine, dpi: int | None) -> Page:
    """OCR one page image (RGB), turned upright first when it lies sideways or upside down."""
    rotation = detect_rotation(image, engine)
    upright = turn(image, rotation)
    lines = engine.recognize(upright)
    h, w = upright.shape[:2]
    return Page(
        file=file,
        number=number,
        source="ocr",
        width=float(w),
        height=float(h),
        unit="px",
        dpi=dpi,
        rotation=rotation,
        lines=lines,
        # Each OCR box is one piece of text as the engine saw it: the words are the boxes.
        words=[Word(text=ln.text, bbox=ln.bbox, confidence=ln.confidence) for ln in lines],
        engine=engine_label(engine),
        codes=decode_codes(upright),
    )


# ---- PDF ---------------------------------------------------------------------------------


def _pdf_pages(f: InputFile, path: Path, dpi: int) -> Iterator[Page | Raster]:
    """The PDF opened once: its bytes mapped into memory, and the checks, pdfium and
    pdfplumber all reading that one mapping."""
    data = _map_pdf(path)
    try:
        _check_pdf_end(data)
        _check_pdf_streams(data, page_settings().max_pdf_stream_bytes)
        yield from _pdf_pages_of(f, data, dpi)
    finally:
        # BufferError: a page's buffer still held by a traceback; the GC closes it later.
        with contextlib.suppress(BufferError):
            data.close()


def _pdf_pages_of(f: InputFile, data: mmap.mmap, dpi: int) -> Iterator[Page | Raster]:
    import pdfplumber

    buffer = (ctypes.c_char * len(data)).from_buffer(data)
    with pdfium_lock():
        doc = _open_pdf(buffer)
    plumber: Any = None
    try:
        settings = page_settings()
        with pdfium_lock():
            count = len(doc)
        if count > settings.max_pages:
            raise UnreadableFile(
                f"PDF 共 {count} 页，超过上限 {settings.max_pages} 页，未读取；请拆分后提交"
            )
        if count == 0:
            raise UnreadableFile("PDF 文件中没有页面")
        plumber_pages: Any = None
        try:
            plumber = pdfplumber.open(cast(io.BytesIO, _MappedFile(data)))  # any binary stream
            plumber_pages = plumber.pages
        except Exception:  # pdfminer fails on some files pdfium reads: pdfium's text or OCR
            plumber_pages = None
        if plumber_pages is not None and len(plumber_pages) != count:
            # A damaged page tree that the two libraries rebuild differently: pdfminer's
            # page i may not be pdfium's page i, and text must never land on the wrong page.
            plumber_pages = None
        budget = settings.max_file_content_bytes
        for index in range(count):
            pl_page = None
            if plumber_pages is not None and index < len(plumber_pages):
                pl_page = plumber_pages[index]
            interpreted = pl_page
            if pl_page is not None:
                size = _content_bytes(pl_page)
                if size > min(settings.max_page_content_bytes, budget):
                    interpreted = None  # pdfium's C++ reads it in milliseconds instead
                else:
                    budget -= size
            try:
                page = _pdf_page(f, index, doc, interpreted, dpi, settings)
            except (UnreadableFile, OcrUnavailable):
                raise
            except Exception as exc:
                raise UnreadableFile(f"PDF 第 {index + 1} 页无法读取（可能已损坏）：{exc}") from exc
            finally:
                if pl_page is not None:
                    pl_page.close()  # drops pdfplumber's per-page caches: memory stays flat
            yield page
            del page  # a raster lives with whoever OCRs it, not here while the next is made
    finally:
        if plumber is not None:
            _close_plumber(plumber, plumber_pages is not None)
        with pdfium_lock():
            doc.close()
        del doc, buffer  # the mapping can be closed once nothing points into it


class _MappedFile(io.RawIOBase):
    """A read-only file over a memory mapping, with its own position: pdfplumber reads the
    PDF through it while pdfium reads the same bytes in place."""

    def __init__(self, data: mmap.mmap) -> None:
        self._data = data
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._data)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        chunk = self._data[self._pos : self._pos + len(buffer)]
        buffer[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size is None or size < 0 else self._pos + size
        chunk = self._data[self._pos : end]
        self._pos += len(chunk)
        return chunk


def _open_pdf(source: ctypes.Array[ctypes.c_char]) -> Any:
    """The PDF in `source` (its bytes in memory). Call with the PDFium lock held."""
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(source)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        raise UnreadableFile(_PDFIUM_ERRORS.get(code, f"PDF 文件已损坏：{exc}")) from exc


def _render_pdf_page(f: InputFile, path: Path, number: int, dpi: int) -> Raster:
    try:
        data = _map_pdf(path)
    except OSError as exc:
        raise UnreadableFile(_PDFIUM_ERRORS[2]) from exc
    try:
        buffer = (ctypes.c_char * len(data)).from_buffer(data)
        with pdfium_lock():
            doc = _open_pdf(buffer)
            try:
                if not 1 <= number <= len(doc):
                    raise UnreadableFile(f"PDF 没有第 {number} 页")
                pdf_page = doc[number - 1]
                try:
                    width, height = pdf_page.get_size()
                    image, used_dpi = _rasterise(pdf_page, width, height, dpi, page_settings())
                    return Raster(f.file, number, image, used_dpi)
                finally:
                    pdf_page.close()
            finally:
                doc.close()
                del doc, buffer
    finally:
        with contextlib.suppress(BufferError):  # see _pdf_pages
            data.close()


def _map_pdf(path: Path) -> mmap.mmap:
    """The PDF's bytes mapped into memory, from one open of the file. A private
    (copy-on-write) mapping: writable as ctypes wants, never written. Raises UnreadableFile
    for an empty file."""
    with open(path, "rb") as fh:
        try:
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)
        except ValueError:  # empty file
            raise UnreadableFile(_PDF_CUT) from None


def _close_plumber(plumber: Any, pages_read: bool) -> None:
    """pdfplumber's close() walks the pages again, and raises again on a file whose page
    tree it could not read: then only its file handle is closed."""
    try:
        if pages_read:
            plumber.close()
            return
    except Exception:
        pass
    stream = getattr(plumber, "stream", None)
    if stream is not None and not getattr(plumber, "stream_is_external", False):
        stream.close()


# pdfium's document-loading error codes (FPDF_ERR_*), as a reviewer reads them.
_PDFIUM_ERRORS: dict[int | None, str] = {
    2: "PDF 文件无法打开（文件不存在或无法读取）",
    3: "PDF 文件已损坏：文件结构无法解析（交叉引用表或文件头损坏，无法修复）",
    4: "PDF 文件已加密，无法读取；请提交未加密的版本",
    5: "PDF 文件使用了不支持的加密方式，无法读取；请提交未加密的版本",
    6: "PDF 文件已损坏：页面无法读取",
}


_PDF_CUT = "PDF 文件已损坏：文件不完整（缺少结尾标记，可能上传或复制中断）"


def _check_pdf_end(data: mmap.mmap) -> None:
    """A PDF cut short (interrupted upload or copy) lacks its %%EOF marker at the end."""
    if b"%%EOF" not in data[max(0, len(data) - 8192) :]:
        raise UnreadableFile(_PDF_CUT)


_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_INFLATE_IN = 1 << 16
_INFLATE_OUT = 1 << 20


def _check_pdf_streams(data: mmap.mmap, limit: int) -> None:
    """Refuse a PDF with a Flate stream that inflates past `limit` bytes, before any parser
    does: pdfium and pdfminer both inflate a whole content stream in memory (a 1 MB file
    holding a 1 GB stream of spaces took 2 GB of each). Every stream is inflated here once,
    a chunk at a time, counting and keeping nothing; data that is not zlib is skipped."""
    pos = 0
    while match := _STREAM.search(data, pos):
        start = match.end()
        inflated, used = _inflated_size(data, start, limit)
        if inflated > limit:
            raise UnreadableFile(
                f"PDF 内有数据流解压后超过 {limit // (1 << 20)} MB，疑似压缩炸弹，未读取"
            )
        pos = max(start + used, match.start() + 1)


def _inflated_size(data: mmap.mmap, start: int, limit: int) -> tuple[int, int]:
    """(bytes the zlib stream at `start` inflates to, up to just past `limit`; input bytes
    consumed). (0, 0) when the bytes there are not zlib data."""
    inflater = zlib.decompressobj()
    total = consumed = 0
    try:
        while not inflater.eof and start + consumed < len(data) and total <= limit:
            chunk = data[start + consumed : start + consumed + _INFLATE_IN]
            consumed += len(chunk)
            total += len(inflater.decompress(chunk, _INFLATE_OUT))
            # Past the end of the stream zlib keeps a stale unconsumed_tail: stop at eof.
            while inflater.unconsumed_tail and not inflater.eof and total <= limit:
                total += len(inflater.decompress(inflater.unconsumed_tail, _INFLATE_OUT))
    except zlib.error:
        return (total, consumed) if total else (0, 0)
    return total, consumed - len(inflater.unused_data) if inflater.eof else consumed


def _pdf_page(
    f: InputFile,
    index: int,
    doc: Any,
    pl_page: Any,
    dpi: int,
    settings: PageSettings,
) -> Page | Raster:
    with pdfium_lock():
        pdf_page = doc[index]
    try:
        with pdfium_lock():
            width, height = pdf_page.get_size()
            pdfium_height = pdf_page.get_height()
            # The words: pdfium's text runs (one per string the producer drew), ~30 ms a page
            # even with seals and QR codes drawn as paths, where pdfminer takes ten times that.
            runs = pdfium_text_runs(pdf_page, pdfium_height)
        words = [Word(text=text, bbox=bbox) for text, bbox in runs]
        cover = 0.0
        if pl_page is not None:
            try:
                width, height = float(pl_page.width), float(pl_page.height)
                lines, cover = _plumber_lines(pl_page, settings), _image_cover(pl_page)
                if text_layer_usable(lines, cover, settings):
                    return _with_codes(_text_page(f, index, width, height, lines, words), pdf_page)
            except Exception:  # pdfminer chokes on a page pdfium can still read
                pass
        if height == pdfium_height:
            lines = group_lines(runs, settings.line_y_tolerance)
        else:
            with pdfium_lock():
                lines = _pdfium_lines(pdf_page, height, settings)
        if text_layer_usable(lines, cover, settings):
            return _with_codes(_text_page(f, index, width, height, lines, words), pdf_page)
        with pdfium_lock():
            image, used_dpi = _rasterise(pdf_page, width, height, dpi, settings)
        return Raster(f.file, index + 1, image, used_dpi)
    finally:
        with pdfium_lock():
            pdf_page.close()


def _content_bytes(pl_page: Any) -> int:
    """Decoded size of the page's content streams: what pdfminer would interpret in Python.

    pdfminer spends about 2 s per MB of dense content (3 MB of `q Q`, a 4 KB file: 5.5 s),
    so a page over max_page_content_bytes, or past the file's budget, is read by pdfium
    alone. Real pages hold 5–50 KB."""
    from pdfminer.pdftypes import resolve1

    try:
        contents = pl_page.page_obj.contents or []
        return sum(len(resolve1(stream).get_data()) for stream in contents)
    except Exception:  # unreadable content: pdfium decides what the page holds
        return 1 << 62


def _text_page(
    f: InputFile, index: int, width: float, height: float, lines: list[Line], words: list[Word]
) -> Page:
    return Page(
        file=f.file,
        number=index + 1,
        source="text-layer",
        width=width,
        height=height,
        unit="pt",
        lines=lines,
        words=words,
    )


# A text-layer page's QR code: an embedded picture about square and 1–8 cm wide (an
# e-invoice's code is one) is decoded as it is; a page of many vector paths (a code drawn
# module by module: 400+ squares, where a statement's table has about 200 rules) is
# rendered whole. Plain text pages cost nothing.
_CODE_DPI = 200
_MIN_CODE_PATHS = 300
_CODE_SIDE_PT = (28.0, 230.0)


def _with_codes(page: Page, pdf_page: Any) -> Page:
    """The text-layer page with the QR codes of its pictures or rendering (bbox in pt)."""
    import pypdfium2.raw as pdfium_c

    try:
        with pdfium_lock():
            images, paths = [], 0
            for obj in pdf_page.get_objects(max_depth=2):
                if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                    images.append(obj)
                elif obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
                    paths += 1
            pictures = [p for obj in images if (p := _code_picture(obj)) is not None]
            image = None
            if not pictures and paths >= _MIN_CODE_PATHS:
                image, dpi = _rasterise(
                    pdf_page, page.width, page.height, _CODE_DPI, page_settings()
                )
        # Decoding needs no pdfium: other readers' threads go on meanwhile.
        codes = [c for picture in pictures for c in _place_codes(picture, page.height)]
        if image is not None:
            codes = decode_codes(image, scale=72.0 / dpi)
    except Exception:  # a page pdfium cannot draw still has its text
        return page
    page.codes = codes
    return page


def _code_picture(obj: Any) -> tuple[np.ndarray, tuple[float, float, float, float]] | None:
    """The pixels and bounds (pt, y up) of an embedded picture shaped like a QR code."""
    left, bottom, right, top = obj.get_bounds()
    w, h = right - left, top - bottom
    lo, hi = _CODE_SIDE_PT
    if not (lo <= min(w, h) and max(w, h) <= hi and max(w, h) <= 1.25 * min(w, h)):
        return None
    # Freed with its Python object: closing a bitmap pdfium allocated is unsafe (pypdfium2).
    pixels = np.asarray(obj.get_bitmap(render=True).to_pil().convert("RGB"))
    return pixels, (left, bottom, right, top)


def _place_codes(
    picture: tuple[np.ndarray, tuple[float, float, float, float]], page_height: float
) -> list[Code]:
    """Codes of one picture, placed on the page (y down)."""
    pixels, (left, bottom, right, top) = picture
    w, h = right - left, top - bottom
    sx, sy = w / pixels.shape[1], h / pixels.shape[0]
    placed = []
    for c in decode_codes(pixels):
        x0, y0, x1, y1 = c.bbox
        box = (
            left + x0 * sx,
            page_height - top + y0 * sy,
            left + x1 * sx,
            page_height - top + y1 * sy,
        )
        placed.append(Code(text=c.text, bbox=tuple(round(v, 2) for v in box)))
    return placed


def _plumber_lines(pl_page: Any, settings: PageSettings) -> list[Line]:
    page = pl_page
    if _has_doubled_glyphs(pl_page.chars):
        # Fake-bold text drawn twice, a hair apart: keep one copy of each glyph. Only then,
        # as dedupe_chars costs more than reading the page.
        page = pl_page.dedupe_chars(tolerance=1)
    words = page.extract_words(
        x_tolerance=1.5, y_tolerance=3, keep_blank_chars=False, use_text_flow=False
    )
    boxes = [
        (str(w["text"]), (float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"])))
        for w in words
    ]
    return group_lines(boxes, settings.line_y_tolerance)


def _has_doubled_glyphs(chars: list[dict[str, Any]]) -> bool:
    seen = set()
    for c in chars:
        key = (c.get("text"), round(float(c["x0"])), round(float(c["top"])))
        if key in seen:
            return True
        seen.add(key)
    return False


def _pdfium_lines(pdf_page: Any, height: float, settings: PageSettings) -> list[Line]:
    """The text layer as pdfium reads it: a second opinion where pdfminer gets (cid:n)."""
    return group_lines(pdfium_text_runs(pdf_page, height), settings.line_y_tolerance)


def pdfium_text_runs(pdf_page: Any, height: float) -> list[tuple[str, BBox]]:
    """(text, bbox) of each string on a page as a reader sees it (pipeline/text_runs.py),
    white space folded; boxes y down from the top of a page `height` pt high."""
    textpage = pdf_page.get_textpage()
    try:
        return text_runs(textpage, height)
    finally:
        textpage.close()


def _image_cover(pl_page: Any) -> float:
    """Share of the page covered by pictures (a scan is one picture over the whole page)."""
    area = float(pl_page.width) * float(pl_page.height)
    if area <= 0:
        return 0.0
    covered = 0.0
    for im in pl_page.images:
        x0, x1 = max(0.0, float(im["x0"])), min(float(pl_page.width), float(im["x1"]))
        y0, y1 = max(0.0, float(im["top"])), min(float(pl_page.height), float(im["bottom"]))
        covered += max(0.0, x1 - x0) * max(0.0, y1 - y0)
    return min(1.0, covered / area)


def _rasterise(
    pdf_page: Any, width: float, height: float, dpi: int, settings: PageSettings
) -> tuple[np.ndarray, int]:
    # A poster-sized page would not fit in memory at full dpi: lower it to fit.
    pixels = (width * dpi / 72.0) * (height * dpi / 72.0)
    if pixels > settings.max_raster_pixels:
        dpi = max(36, int(dpi * (settings.max_raster_pixels / pixels) ** 0.5))
    bitmap = pdf_page.render(scale=dpi / 72.0, rev_byteorder=True)
    try:
        image = bitmap.to_pil().convert("RGB")
        return np.asarray(image), dpi
    finally:
        bitmap.close()


# ---- text-layer quality ------------------------------------------------------------------

_CID = re.compile(r"\(cid:\d+\)")


def text_quality(text: str) -> tuple[int, int]:
    """(real, bad) characters: real are letters and digits (CJK included); bad are glyphs
    without a Unicode mapping ((cid:n), private use, U+FFFD, control) and Latin-1 letters,
    which in a Chinese document mean GBK bytes read as Latin-1 (mojibake)."""
    bad = len(_CID.findall(text))
    text = _CID.sub("", text)
    real = 0
    for ch in text:
        code = ord(ch)
        if ch == "\ufffd" or 0xC0 <= code <= 0xFF or unicodedata.category(ch) in ("Co", "Cc"):
            if ch not in "\t\n\r":
                bad += 1
        elif ch.isalnum():
            real += 1
    return real, bad


def text_layer_usable(lines: list[Line], image_cover: float, settings: PageSettings) -> bool:
    real, bad = text_quality("".join(line.text for line in lines))
    needed = settings.min_chars
    if image_cover >= settings.image_cover_ratio:
        # A picture of the page with a watermark or page number as its only text: OCR it.
        needed = max(needed, settings.image_page_min_chars)
    if real < needed:
        return False
    return bad / (real + bad) <= settings.max_bad_ratio


# ---- lines from positioned words ---------------------------------------------------------


def group_lines(words: Iterable[tuple[str, BBox]], y_tolerance: float = 0.5) -> list[Line]:
    """Words (text, bbox with y down) into lines: a word joins the line whose vertical middle
    is within `y_tolerance` × the smaller height of its own; lines top to bottom, words left
    to right joined by one space."""
    rows: list[list[tuple[str, BBox]]] = []
    bands: list[tuple[float, float]] = []  # (middle, height) of each row so far
    for text, box in sorted(words, key=lambda w: (w[1][1], w[1][0])):
        mid, h = (box[1] + box[3]) / 2, max(box[3] - box[1], 0.1)
        for i in range(len(rows) - 1, max(-1, len(rows) - 4), -1):
            row_mid, row_h = bands[i]
            if abs(mid - row_mid) <= y_tolerance * min(h, row_h):
                rows[i].append((text, box))
                break
        else:
            rows.append([(text, box)])
            bands.append((mid, h))
    lines = []
    for row in rows:
        row.sort(key=lambda w: w[1][0])
        x0 = min(b[0] for _, b in row)
        y0 = min(b[1] for _, b in row)
        x1 = max(b[2] for _, b in row)
        y1 = max(b[3] for _, b in row)
        text = " ".join(t for t, _ in row)
        lines.append(Line(text=text, bbox=(round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2))))
    lines.sort(key=lambda line: (line.bbox[1], line.bbox[0]))
    return lines


# ---- images ------------------------------------------------------------------------------


def _image_pages(f: InputFile, path: Path) -> Iterator[Raster]:
    settings = page_settings()
    with _open_image(path, settings) as im:
        # Every page of a multi-page TIFF; an animated GIF/WebP is one picture.
        frames = getattr(im, "n_frames", 1) if f.format == "tiff" else 1
        if frames > settings.max_pages:
            raise UnreadableFile(
                f"TIFF 共 {frames} 页，超过上限 {settings.max_pages} 页，未读取；请拆分后提交"
            )
        for index in range(frames):
            raster = _frame_raster(f, im, index, frames > 1, settings)
            if index == frames - 1:
                # The decoded picture (up to max_image_pixels × 4 bytes) is not needed while
                # the page is OCRed: release it now, not after.
                im.close()
            yield raster
            del raster  # not kept while the next frame is decoded


def _open_image(path: Path, settings: PageSettings) -> Image.Image:
    """The picture, opened lazily; refused past max_image_pixels."""
    # Pillow's own bomb guard follows the configured limit (it raises past twice the value,
    # warns past it; the check below refuses everything past it with the real size).
    # Set for this open only: a global left behind would refuse later, legitimate images
    # (report crops) after a run with a lower DOSSIER_LIMITS.
    saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, settings.max_image_pixels
    try:
        im = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise UnreadableFile(_too_many_pixels(str(exc), settings.max_image_pixels)) from exc
    except UnidentifiedImageError as exc:
        raise UnreadableFile("图片无法解码：文件已损坏或不是有效的图片") from exc
    except (OSError, ValueError, EOFError, SyntaxError) as exc:
        raise UnreadableFile(_image_error(exc)) from exc
    finally:
        Image.MAX_IMAGE_PIXELS = saved
    w, h = im.size
    if w * h > settings.max_image_pixels:
        im.close()
        raise UnreadableFile(
            f"图片像素过大（{w}×{h}，超过上限 {settings.max_image_pixels:,} 像素），未读取；"
            "请缩小后重新提交"
        )
    return im


def _frame_raster(
    f: InputFile, im: Image.Image, index: int, several: bool, settings: PageSettings
) -> Raster:
    """Frame `index` of the picture turned as its EXIF says, RGB, within max_ocr_side."""
    try:
        im.seek(index)
        image, scale = _to_rgb_within(_upright(im), settings.max_ocr_side)
        pixels = np.asarray(image)
    except (OSError, ValueError, EOFError, SyntaxError) as exc:
        raise UnreadableFile(_image_error(exc, f"第 {index + 1} 页" if several else "")) from exc
    return Raster(f.file, index + 1, pixels, _image_dpi(im, scale))


def _too_many_pixels(message: str, limit: int) -> str:
    found = re.search(r"\((\d+) pixels\)", message)
    size = f"{int(found[1]):,} 像素，" if found else ""
    return f"图片像素过大（{size}超过上限 {limit:,} 像素），未读取；请缩小后重新提交"


def _image_error(exc: BaseException, where: str = "") -> str:
    """Pillow's decoding errors in a reviewer's words (its own message kept at the end)."""
    text = str(exc)
    prefix = f"图片{where}无法解码"
    if "truncated" in text.lower() or isinstance(exc, EOFError):
        return f"{prefix}：文件不完整（可能上传或复制中断）"
    return f"{prefix}：文件已损坏（{type(exc).__name__}: {text}）"


_ORIENTATION = 0x0112  # EXIF Orientation; 1 is upright


def _upright(im: Image.Image) -> Image.Image:
    """The frame turned as its EXIF orientation says; the frame itself (no copy) when upright."""
    im.load()
    if im.getexif().get(_ORIENTATION, 1) in (2, 3, 4, 5, 6, 7, 8):
        return ImageOps.exif_transpose(im)
    return im


def _to_rgb_within(im: Image.Image, max_side: int) -> tuple[Image.Image, float]:
    """The picture as RGB no larger than max_side, and the scale applied.

    Greyscale and bilevel scans are scaled down before they become RGB (the same pixels,
    a third of the memory and time: a 12000×12000 bilevel scan needs 0.4 GB less)."""
    im = _stretch_to_8bit(im)
    if im.mode in ("1", "L"):
        small, scale = _limit_side(im.convert("L"), max_side)
        return small.convert("RGB"), scale
    return _limit_side(_to_rgb(im), max_side)


_STRETCH_ROWS = 512


def _stretch_to_8bit(im: Image.Image) -> Image.Image:
    """16-bit and float scans stretched to 8 bits (convert("L") would clip them white).

    Computed a band of rows at a time: a float64 copy of a whole large scan would need
    8 bytes per pixel."""
    if im.mode not in ("I;16", "I;16B", "I;16L", "I", "F"):
        return im
    arr = np.asarray(im)
    lo, hi = float(arr.min()), float(arr.max())
    out = np.zeros(arr.shape[:2], dtype=np.uint8)
    if hi > lo:
        factor = 255.0 / (hi - lo)
        for top in range(0, arr.shape[0], _STRETCH_ROWS):
            band = arr[top : top + _STRETCH_ROWS].astype(np.float64)
            out[top : top + _STRETCH_ROWS] = ((band - lo) * factor).astype(np.uint8)
    return Image.fromarray(out, "L")


def _to_rgb(im: Image.Image) -> Image.Image:
    im = _stretch_to_8bit(im)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        # Transparent areas become paper white, not black.
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return im if im.mode == "RGB" else im.convert("RGB")


def _limit_side(image: Image.Image, max_side: int) -> tuple[Image.Image, float]:
    w, h = image.size
    if max(w, h) <= max_side:
        return image, 1.0
    scale = max_side / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return image.resize(size, Image.Resampling.LANCZOS), scale


def _image_dpi(im: Image.Image, scale: float) -> int | None:
    dpi = im.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        return None
    # Cameras write 72 (or nothing): only a scanner's figure means anything.
    return round(value * scale) if value >= 100 else None


# ---- Word --------------------------------------------------------------------------------


def _check_package(path: Path | BinaryIO, what: str) -> None:
    """A .docx or .ofd is a zip that its reader inflates part by part into memory: refuse one
    that would inflate past max_package_bytes, or whose parts are compressed beyond the
    archive ratio limit (a bomb). zipfile never reads past a part's declared size, so the
    declared sizes bound what python-docx and the OFD reader can be made to hold."""
    settings = page_settings()
    archive = limits_data()["archive"]
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
        raise UnreadableFile(f"{what} 文件已损坏（ZIP 结构无法读取）：{exc}") from exc
    total = sum(i.file_size for i in infos)
    if total > settings.max_package_bytes:
        raise UnreadableFile(
            f"{what} 文件解压后共 {total // (1 << 20)} MB，超过上限 "
            f"{settings.max_package_bytes // (1 << 20)} MB，疑似压缩炸弹，未读取"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > archive["ratio_min_bytes"] and ratio > archive["max_ratio"]:
            raise UnreadableFile(
                f"{what} 文件内 {info.filename} 的压缩比 {ratio:.0f}:1 超过上限 "
                f"{archive['max_ratio']}:1，疑似压缩炸弹，未读取"
            )


def _docx_page(f: InputFile, path: Path) -> Page:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    with open(path, "rb") as fh:  # opened once: the check and python-docx read this handle
        _check_package(fh, "Word")
        fh.seek(0)
        try:
            document = docx.Document(fh)
            texts = list(_docx_texts(document))
            payload = docx_payload(document)
        except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, OSError) as exc:
            raise UnreadableFile(f"Word 文件已损坏：{exc}") from exc
        except Exception as exc:  # lxml syntax errors and the like inside the package
            raise UnreadableFile(f"Word 文件无法读取：{exc}") from exc
    return _paragraph_page(f, "docx", texts, payload)


def _paragraph_page(
    f: InputFile, source: PageSource, texts: list[str], payload: Payload | None = None
) -> Page:
    """One page of paragraphs, a line each: its unit is the paragraph, not a position."""
    lines = [Line(text=t, bbox=(0.0, float(i), 1.0, float(i + 1))) for i, t in enumerate(texts)]
    return Page(
        file=f.file,
        number=1,
        source=source,
        width=1.0,
        height=float(max(1, len(lines))),
        unit="para",
        lines=lines,
        payload=payload,
    )


def _docx_texts(document: Any) -> Iterator[str]:
    """Body paragraphs and table rows in document order (content controls opened)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    def walk(parent_element: Any, parent: Any) -> Iterator[str]:
        for child in parent_element.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                text = Paragraph(child, parent).text.strip()
                if text:
                    yield text
            elif tag == "tbl":
                yield from _table_rows(Table(child, parent))
            elif tag == "sdt":
                content = child.find(f"{child.tag.rsplit('}', 1)[0]}}}sdtContent")
                if content is not None:
                    yield from walk(content, parent)

    yield from walk(document.element.body, document._body)


def _table_rows(table: Any) -> Iterator[str]:
    for row in table.rows:
        seen: list[Any] = []
        cells = []
        for cell in row.cells:
            # A merged cell comes back once per grid column it spans: keep it once.
            if any(tc is cell._tc for tc in seen):
                continue
            seen.append(cell._tc)
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            yield " | ".join(cells)


# ---- OFD ---------------------------------------------------------------------------------


def _ofd_pages(f: InputFile, path: Path) -> Iterator[Page]:
    """Text objects of each page (and its template) straight from the OFD's XML."""
    with open(path, "rb") as fh:  # opened once: the check and the reader use this handle
        _check_package(fh, "OFD")
        fh.seek(0)
        yield from _ofd_package_pages(f, fh)


def _ofd_package_pages(f: InputFile, fh: BinaryIO) -> Iterator[Page]:
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile(f"OFD 文件已损坏：{exc}") from exc
    with zf:
        try:
            pages = list(ofd.page_list(zf))
        except (KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
            raise UnreadableFile(f"OFD 文件结构无法读取：{exc}") from exc
        if not pages:
            raise UnreadableFile("OFD 文件中没有页面")
        codes = _ofd_codes(zf, pages[0][1])
        for number, (content_paths, box) in enumerate(pages, start=1):
            try:
                words = ofd.page_words(zf, content_paths)
            except (KeyError, ValueError) as exc:
                raise UnreadableFile(f"OFD 第 {number} 页无法读取：{exc}") from exc
            payload: OfdPayload | None = None
            if number == 1:
                # What the package holds beyond its pages (an invoice's fields) rides on page 1.
                payload = ofd.package_payload(zf, page_settings().max_structured_xml_bytes)
            yield Page(
                file=f.file,
                number=number,
                source="xml",
                width=round(box[2] * ofd.MM_TO_PT, 2),
                height=round(box[3] * ofd.MM_TO_PT, 2),
                unit="pt",
                lines=group_lines(
                    [(w.text, w.bbox) for w in words], page_settings().line_y_tolerance
                ),
                words=words,
                payload=payload,
                codes=codes if number == 1 else [],
            )


_OFD_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff")
_OFD_MAX_IMAGE_BYTES = 4_194_304


def _ofd_codes(zf: zipfile.ZipFile, box: Any) -> list[Code]:
    """QR codes of the OFD's pictures (an e-invoice keeps its code as an image resource),
    placed on the first page: where on it is not read, so the box is the whole page."""
    import io

    whole: BBox = (0.0, 0.0, round(box[2] * ofd.MM_TO_PT, 2), round(box[3] * ofd.MM_TO_PT, 2))
    found: dict[str, Code] = {}
    for info in zf.infolist():
        if not info.filename.lower().endswith(_OFD_IMAGE_SUFFIXES):
            continue
        if info.file_size > _OFD_MAX_IMAGE_BYTES:
            continue
        try:
            with Image.open(io.BytesIO(zf.read(info))) as im:
                pixels = np.asarray(_to_rgb(im))
        except Exception:  # a damaged picture: no code from it
            continue
        for c in decode_codes(pixels):
            found.setdefault(c.text, Code(text=c.text, bbox=whole))
    return list(found.values())


# ---- XML (数电票) -------------------------------------------------------------------------


def _xml_page(f: InputFile, path: Path) -> Page:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        data = path.read_bytes()
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError, OSError) as exc:
        raise UnreadableFile(f"XML 文件无法解析：{exc}") from exc
    texts = []
    for el in root.iter():
        if not isinstance(el.tag, str) or len(el):
            continue
        value = " ".join((el.text or "").split())
        if value:
            texts.append(f"{ofd.local_name(el.tag)}: {value}")
    # The tree itself for the extractors; none for a file too large to be an invoice's.
    small = len(data) <= page_settings().max_structured_xml_bytes
    payload = XmlPayload(root=ofd.xml_tree(root) if small else None)
    return _paragraph_page(f, "xml", texts, payload)
