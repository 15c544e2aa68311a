"""What every OCR engine shares: the protocol, the model files of the rapidocr wheel and small
image helpers. The engines (pipeline/ocr.py, pipeline/ocr_paddle.py) import it; it imports
neither, so no engine module imports another."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Protocol

import numpy as np

from pipeline.models import Line

Quad = list[tuple[float, float]]

# Bumped whenever preprocessing or rotation handling changes what a page reads as: it is
# part of `version`, so pages cached under the old behaviour are read again.
PIPELINE_REVISION = "red-channel+rot/1"


class OcrUnavailable(RuntimeError):
    """The OCR engine asked for cannot run here (not installed, models missing)."""


class OcrEngine(Protocol):
    name: str
    version: str

    def recognize(self, image: np.ndarray) -> list[Line]:
        """Every text line of the page: text, pixel bbox, 4-point quad, confidence."""
        ...

    def detect(self, image: np.ndarray) -> list[Quad]:
        """Text-line boxes only (no recognition): cheap, for layout guesses."""
        ...

    def read_lines(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """Recognition only, one (text, confidence) per line image, read as given."""
        ...


# The models inside the rapidocr wheel, named explicitly: a missing file then fails loudly
# instead of starting a download, and `version` names exactly what read the page.
_RAPID_MODELS = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}


def rapidocr_models() -> dict[str, Path]:
    """The model files inside the installed rapidocr wheel, by task (Det, Rec, Cls)."""
    try:
        import rapidocr
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise OcrUnavailable("rapidocr 未安装 / rapidocr is not installed") from exc
    model_dir = Path(rapidocr.__file__).parent / "models"
    paths = {task: model_dir / file for task, file in _RAPID_MODELS.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise OcrUnavailable(f"rapidocr 模型文件缺失 / model files missing: {missing}")
    return paths


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def red_as_grey(image: np.ndarray) -> np.ndarray:
    """The red channel as a 3-channel grey image: red seals turn white, black text stays."""
    red = np.ascontiguousarray(image[..., 0]) if image.ndim == 3 else image
    return np.repeat(red[..., None], 3, axis=2)


def bbox_of(quad: Quad) -> tuple[float, float, float, float]:
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    return (min(xs), min(ys), max(xs), max(ys))
