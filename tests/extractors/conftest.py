"""Shared fixtures of the extractor tests: one OCR engine, each file read once per session,
and the sample batch's documents with their truth."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from extractors.base import Extraction
from extractors.common.normalize import normalize_name
from pipeline.models import InputFile, Line, Page
from pipeline.ocr import OcrEngine, get_engine
from pipeline.pages import read_pages
from tests.extractors.files import input_file

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "batch"
TRUTH = ROOT / "samples" / "truth.json"

ReadFile = Callable[[Path, list[int] | None], tuple[InputFile, list[Page]]]


@dataclass
class SampleDoc:
    application: str
    file: str
    path: Path
    pages: list[int]
    fields: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.application}/{self.file}:{','.join(map(str, self.pages))}"


def sample_docs(doc_type: str) -> list[SampleDoc]:
    """The sample batch's documents of one type (files inside zips are not taken)."""
    if not TRUTH.exists():
        return []
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    out = []
    for app, entry in sorted(truth["applications"].items()):
        for doc in entry["documents"]:
            if doc.get("type") != doc_type or "fields" not in doc:
                continue
            path = SAMPLES / app / doc["file"]
            if path.is_file():
                out.append(SampleDoc(app, doc["file"], path, doc["pages"], doc["fields"]))
    return out


@pytest.fixture(scope="session")
def engine() -> OcrEngine:
    return get_engine("rapidocr")


class _Pages:
    """A file's pages, read lazily: a combined scan is OCRed only as far as a test needs."""

    def __init__(self, f: InputFile, engine: OcrEngine) -> None:
        self.file = f
        self.stream = iter(read_pages(f, engine))
        self.pages: list[Page] = []
        self.done = False

    def upto(self, number: int | None) -> list[Page]:
        while not self.done and (number is None or len(self.pages) < number):
            page = next(self.stream, None)
            if page is None:
                self.done = True
            else:
                self.pages.append(page)
        return self.pages


_read_cache: dict[str, _Pages] = {}


@pytest.fixture(scope="session")
def read_file(engine: OcrEngine) -> ReadFile:
    """Pages of a file through the real page reader and OCR, each page read once a session.

    `pages` names the 1-based pages wanted (all when None).
    """

    def read(path: Path, pages: list[int] | None = None) -> tuple[InputFile, list[Page]]:
        key = str(path.resolve())
        if key not in _read_cache:
            _read_cache[key] = _Pages(input_file(path), engine)
        cached = _read_cache[key]
        got = cached.upto(max(pages) if pages else None)
        return cached.file, [p for p in got if pages is None or p.number in pages]

    return read


def page_of(*rows: list[tuple[float, str]] | tuple[float, str], height: float = 40.0) -> Page:
    """A hand-built OCR page: each argument is one row of (x, text) boxes, rows 60 px apart."""
    lines: list[Line] = []
    for i, row in enumerate(rows):
        boxes = [row] if isinstance(row, tuple) else row
        y = 100.0 + 60 * i
        for x, text in boxes:
            # Chinese characters are square, digits and Latin letters half as wide.
            width = sum(20.0 if ch.isascii() else 40.0 for ch in text if ch != " ")
            lines.append(Line(text=text, bbox=(x, y, x + width, y + height), confidence=0.97))
    return Page(
        file="hand.jpg", number=1, source="ocr", width=2400, height=3300, unit="px", lines=lines
    )


def same(field: str, found: Any, expected: Any) -> bool:
    """Equality as the contract means it: names and numbers after normalisation."""
    if isinstance(expected, float | int) and not isinstance(expected, bool):
        return found is not None and Decimal(str(found)) == Decimal(str(expected))
    if isinstance(expected, Decimal):
        return found is not None and Decimal(str(found)) == expected
    if isinstance(expected, str) and isinstance(found, str):
        return normalize_name(found) == normalize_name(expected)
    if isinstance(expected, list) and isinstance(found, list):
        return len(found) == len(expected) and all(
            isinstance(f, dict) and all(same(k, f.get(k), v) for k, v in e.items())
            for f, e in zip(found, expected, strict=True)
        )
    return bool(found == expected)


def mismatches(found: dict[str, Any], expected: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (found.get(k), v) for k, v in expected.items() if not same(k, found.get(k), v)}


def has_text_layer(path: Path) -> bool:
    """True for a PDF whose first page has text (read without OCR)."""
    if path.suffix.lower() != ".pdf":
        return False
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return bool((pdf.pages[0].extract_text() or "").strip())


def assert_extracts(
    extract: Callable[[str, list[Page]], Extraction],
    f: InputFile,
    pages: list[Page],
    expected: dict[str, Any],
) -> Extraction:
    """Every expected field exact (names normalised), with evidence on the document's pages."""
    result = extract(f.file, pages)
    found = result.record.model_dump(mode="json")
    assert mismatches(found, expected) == {}
    numbers = {p.number for p in pages}
    for name, value in found.items():
        if value is None:
            continue
        evidence = result.evidence.get(name)
        assert evidence is not None, name
        assert evidence.file == f.file and evidence.page in numbers and evidence.text, name
        assert evidence.bbox is not None, name
    assert all(found.get(name) is None for name in result.unread), result.unread
    assert 0.0 < result.confidence <= 1.0
    return result
