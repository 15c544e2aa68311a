from __future__ import annotations

import pytest

from pipeline.ocr import OcrEngine, get_engine


@pytest.fixture(scope="session")
def engine() -> OcrEngine:
    return get_engine("rapidocr")
