"""Input files for the extractor tests, described as intake would describe them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.formats import detect_format
from pipeline.models import InputFile


def input_file(path: Path, name: str | None = None) -> InputFile:
    data = path.read_bytes()
    return InputFile(
        file=name or path.name,
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        format=detect_format(path),
    )
