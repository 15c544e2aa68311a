"""Page reading (pipeline/reading.py, with flows/reading.py's pool): OCR pages cached one by one,
text pages never OCR'd."""

from __future__ import annotations

import hashlib
from concurrent.futures import Future
from pathlib import Path

import pytest

from flows.reading import OcrPool
from pipeline.cache import PageCache
from pipeline.models import InputFile, Line, Page
from pipeline.reading import InlineOcr, OcrJob, load_pages, read_file
from tests.flows.batches import SAMPLE_APP, scanned_pdf


def _input(path: Path, fmt: str) -> InputFile:
    data = path.read_bytes()
    return InputFile(
        file=path.name,
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        format=fmt,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def engine_key() -> str:
    return InlineOcr("rapidocr").engine_id()


def test_a_file_interrupted_half_way_reads_only_its_missing_pages(
    tmp_path: Path, engine_key: str
) -> None:
    scan = tmp_path / "整本扫描.pdf"
    scan.write_bytes(scanned_pdf(2, dpi=100))
    f = _input(scan, "pdf")
    cache = PageCache(tmp_path / "cache")
    # Page 1 was read before the process died; its entry stands in for it (a marker text,
    # so that reading it again would show).
    earlier = Page(
        file=f.file,
        number=1,
        source="ocr",
        width=1.0,
        height=1.0,
        unit="px",
        lines=[Line(text="先前读出的第一页", bbox=(0.0, 0.0, 1.0, 1.0))],
    )
    cache.put_page(f.sha256, engine_key, earlier)

    pages, from_cache = load_pages(f, "rapidocr", cache, None)
    assert [p.number for p in pages] == [1, 2]
    assert pages[0] == earlier and from_cache == 1
    assert pages[1].source == "ocr" and pages[1].lines  # read now, for real
    # The whole file is cached; its single-page entries are gone.
    assert cache.get(f.sha256, engine_key) == pages
    assert cache.pages_kept(f.sha256, engine_key) == 0
    again, from_cache = load_pages(f, "rapidocr", cache, None)
    assert again == pages and from_cache == 2


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_text_pages_never_reach_the_ocr_pool(tmp_path: Path, kind: str) -> None:
    invoice = SAMPLE_APP / "附件" / "发票" / "dzfp_033001879811_69054726.pdf"
    pool = OcrPool(kind, 1, "rapidocr")  # type: ignore[arg-type]
    submitted: list[int] = []
    real_submit = pool.submit

    def counting_submit(job: OcrJob) -> Future[Page]:
        submitted.append(1)
        return real_submit(job)

    pool.submit = counting_submit  # type: ignore[method-assign]
    try:
        read = read_file(_input(invoice, "pdf"), "rapidocr", None, pool)
    finally:
        pool.shutdown()
    assert read.result.status == "processed" and read.result.page_sources == {"text-layer": 1}
    assert submitted == []
    # What the report gets: pages without their text.
    assert [(p.lines, p.words, p.payload) for p in read.pages] == [([], [], None)]
