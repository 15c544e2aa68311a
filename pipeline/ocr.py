"""OCR engines behind one small protocol, and the page-rotation guess built on it.

Images are RGB uint8 arrays (H×W×3); coordinates are pixels of the image given, y down.
Rotation is "degrees clockwise the image must be turned so that its text stands upright".
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cache
from importlib import util as importlib_util
from typing import Any

import cv2
import numpy as np

from pipeline.intake import limits_data
from pipeline.models import Line
from pipeline.ocr_base import (
    PIPELINE_REVISION,
    OcrEngine,
    OcrUnavailable,
    Quad,
    bbox_of,
    package_version,
    rapidocr_models,
    red_as_grey,
)

# ---- memory -------------------------------------------------------------------------------

# Text detection on a 200-dpi A4 page needs ≈ 250 MB of live tensors, but glibc's heap makes a
# footprint of ≈ 600 MB of it; recognition in batches of 6 lines another ≈ 500 MB. Measured per
# worker: 850 MB peak at detection, 900 at recognition (scan of 30 pages, 2 workers: 2.05 GB
# for the process tree). So: OCR workers of one machine take turns at detection (a lock the
# pool hands each), detection's big tensors are mapped and unmapped on their own rather than
# kept in the heap, and lines are recognised in small batches ([ocr] in limits.toml).
_detection_turn: AbstractContextManager[object] = contextlib.nullcontext()
_M_MMAP_THRESHOLD = -3  # <malloc.h>


@dataclass(frozen=True)
class MemorySettings:
    rec_batch: int = 6
    detection_mmap_threshold: int = 0
    heap_mmap_threshold: int = 33_554_432


def memory_settings() -> MemorySettings:
    return MemorySettings(**limits_data()["ocr"])


def share_detection_turn(turn: AbstractContextManager[object]) -> None:
    """Full-page detections in this process hold `turn` (a lock shared by the OCR workers)."""
    global _detection_turn
    _detection_turn = turn


@cache
def _libc() -> Any:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return None


def trim_heap() -> None:
    """Hand memory freed by the last step back to the system. glibc keeps the big temporary
    arrays of OCR and rasterising in its heap otherwise: measured on scanned A4 pages, an OCR
    worker grows to 760 MB after a few pages without this, and stays at 230 MB with it."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


@contextlib.contextmanager
def _big_tensors_mapped() -> Iterator[None]:
    """Allocations over the threshold get their own mapping for the block's duration: each is
    returned whole when freed. Only around detection: applied to recognition's many
    mid-sized arrays too, the page faults cost 20 % of the OCR time."""
    libc, s = _libc(), memory_settings()
    if libc is None or s.detection_mmap_threshold <= 0:
        yield
        return
    libc.mallopt(_M_MMAP_THRESHOLD, s.detection_mmap_threshold)
    try:
        yield
    finally:
        libc.mallopt(_M_MMAP_THRESHOLD, s.heap_mmap_threshold)
        trim_heap()


def _taking_turns(rapidocr_class: Any) -> Any:
    """rapidocr's pipeline with its detection step inside the detection turn."""

    class TakingTurns(rapidocr_class):
        def detect_and_crop(self, img: Any, op_record: Any) -> Any:
            with _detection_turn, _big_tensors_mapped():
                return super().detect_and_crop(img, op_record)

    return TakingTurns


# ---- rapidocr ----------------------------------------------------------------------------

_RAPID_PARAMS: dict[str, Any] = {
    "Global.log_level": "warning",
    # One thread per process: batches run one process per core (faster than shared threads).
    "EngineConfig.onnxruntime.intra_op_num_threads": 1,
    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    # The same for OpenVINO: one inference thread, one stream (rapidocr passes these to the
    # CPU plugin as INFERENCE_NUM_THREADS and NUM_STREAMS).
    "EngineConfig.openvino.inference_num_threads": 1,
    "EngineConfig.openvino.num_streams": 1,
}


class RapidOcrEngine:
    """rapidocr 3.x with the bundled PP-OCRv6 small models, offline, on one of rapidocr's
    inference backends: onnxruntime (`rapidocr`) or OpenVINO (`openvino`). Both are given
    the model files by path, so neither ever downloads one; the recognition model carries
    its character list in its ONNX metadata, which both backends read (OpenVINO as the
    model's rt_info), so no dictionary file is fetched either."""

    name = "rapidocr"
    backend = "onnxruntime"

    def __init__(self) -> None:
        import rapidocr

        paths = rapidocr_models()
        # Padding within a batch changes what a line reads as: the batch size is part of the
        # version (the page cache's key).
        batch = memory_settings().rec_batch
        params = {**_RAPID_PARAMS, "Rec.rec_batch_num": batch}
        params.update({f"{task}.model_path": str(p) for task, p in paths.items()})
        backend = rapidocr.EngineType(self.backend)
        params.update({f"{task}.engine_type": backend for task in paths})
        models = " ".join(p.name for p in paths.values())
        self.version = (
            f"{package_version('rapidocr')} ({self._backend_version()}{models}; rec×{batch}; "
            f"{PIPELINE_REVISION})"
        )
        # Three instances with fixed switches: rapidocr keeps per-call switches as state, so
        # one instance shared by threads must never be called with different ones.
        self._full = _taking_turns(rapidocr.RapidOCR)(params=params)
        self._det = rapidocr.RapidOCR(
            params={**params, "Global.use_cls": False, "Global.use_rec": False}
        )
        self._rec = rapidocr.RapidOCR(
            params={**params, "Global.use_det": False, "Global.use_cls": False}
        )

    def _backend_version(self) -> str:
        """What the version names besides rapidocr and the models. Nothing for onnxruntime:
        pages cached before OpenVINO came keep their key."""
        return ""

    def recognize(self, image: np.ndarray) -> list[Line]:
        result = self._full(red_as_grey(image))
        boxes = getattr(result, "boxes", None)
        texts = getattr(result, "txts", None)
        scores = getattr(result, "scores", None)
        if boxes is None or texts is None or scores is None:
            return []
        lines = []
        for box, text, score in zip(boxes, texts, scores, strict=False):
            quad = [(round(float(x), 1), round(float(y), 1)) for x, y in box]
            if text.strip():
                lines.append(
                    Line(text=text, bbox=bbox_of(quad), confidence=float(score), quad=quad)
                )
        return lines

    def _share_models(self) -> None:
        """The detect-only and recognise-only instances run the full pipeline's models, not
        copies of their own (≈ 50 MB a worker). On first use: an engine made only for its
        version (the cache key) loads no model."""
        if self._det.text_det is None:
            self._det.text_det = self._full._load_det_model()
        if self._rec.text_rec is None:
            self._rec.text_rec = self._full._load_rec_model()

    def detect(self, image: np.ndarray) -> list[Quad]:
        self._share_models()
        result = self._det(red_as_grey(image))
        boxes = getattr(result, "boxes", None)
        if boxes is None:
            return []
        return [[(float(x), float(y)) for x, y in box] for box in boxes]

    def read_lines(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        self._share_models()
        out = []
        for crop in crops:
            result = self._rec(red_as_grey(crop))
            texts = getattr(result, "txts", None) or ("",)
            scores = getattr(result, "scores", None) or (0.0,)
            out.append((str(texts[0]), float(scores[0])))
        return out


class OpenVinoEngine(RapidOcrEngine):
    """The same models and pipeline on OpenVINO's CPU runtime. Faster than onnxruntime where
    the CPU has bfloat16 instructions (the plugin then computes in bf16), but in bf16 it
    reads a few lines differently: not the default (pipeline/engines.toml, README "OCR")."""

    name = "openvino"
    backend = "openvino"

    def __init__(self) -> None:
        if importlib_util.find_spec("openvino") is None:
            raise OcrUnavailable("openvino 未安装 / openvino is not installed")
        _openvino_cpu_properties()
        super().__init__()

    def _backend_version(self) -> str:
        # The CPU plugin computes in bf16 where the CPU can and in f32 elsewhere, and the two
        # read a few lines differently: machines sharing a page cache (Dask) must not mix them.
        from openvino import Core

        precision = Core().get_property("CPU", "INFERENCE_PRECISION_HINT").get_type_name()
        return f"openvino {package_version('openvino')} {precision}; "


def _openvino_cpu_properties() -> None:
    """Our CPU plugin properties ([openvino] in limits.toml) added to those rapidocr builds
    from its EngineConfig, which knows only its own few keys. rapidocr's openvino session
    looks its CPUConfig class up in its module when it compiles a model, so the subclass
    set there applies to every OpenVINO model of this process (all of them ours)."""
    from rapidocr.inference_engine.openvino import main as rapid_openvino

    base = rapid_openvino.CPUConfig
    if getattr(base, "dossier_properties", None) is not None:
        return
    extra = {key.upper(): str(value) for key, value in limits_data()["openvino"].items()}

    class CPUConfig(base):  # type: ignore[misc, valid-type]
        dossier_properties = extra

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), **extra}

    rapid_openvino.CPUConfig = CPUConfig  # type: ignore[misc]


# ---- the factory -------------------------------------------------------------------------


def _paddle_engine() -> OcrEngine:
    if importlib_util.find_spec("paddleocr") is None:
        raise OcrUnavailable(
            "paddleocr 未安装，请安装 dossier[paddle]（见 README：make paddle）或改用 rapidocr / "
            "paddleocr is not installed: install dossier[paddle] or use rapidocr"
        )
    from pipeline.ocr_paddle import PaddleOcrEngine

    return PaddleOcrEngine()


# Every engine `--ocr` can name: what makes one in this process.
ENGINE_FACTORIES: dict[str, Callable[[], OcrEngine]] = {
    "rapidocr": RapidOcrEngine,
    "openvino": OpenVinoEngine,
    "paddleocr": _paddle_engine,
}
ENGINES = tuple(ENGINE_FACTORIES)
# No lock on purpose: nothing unpicklable at module level (Dask workers), and two threads
# racing here only build a spare engine, which is cheap (models load on first use).
_engines: dict[str, OcrEngine] = {}


def get_engine(name: str = "rapidocr") -> OcrEngine:
    """One engine per name per process, made on first use."""
    factory = ENGINE_FACTORIES.get(name)
    if factory is None:
        raise ValueError(f"未知的 OCR 引擎：{name}（可选：{'、'.join(ENGINES)}）")
    engine = _engines.get(name)
    if engine is None:
        engine = _engines.setdefault(name, factory())
    return engine


# ---- rotation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RotationSettings:
    detect_long_side: int = 1024
    sample_lines: int = 4
    min_aspect: float = 2.0


def rotation_settings() -> RotationSettings:
    return RotationSettings(**limits_data()["rotation"])


def turn(image: np.ndarray, degrees: int) -> np.ndarray:
    """The image turned clockwise by 0, 90, 180 or 270 degrees."""
    k = (degrees // 90) % 4
    # np.rot90 turns counter-clockwise; copy so OCR gets a contiguous array.
    return np.ascontiguousarray(np.rot90(image, k=-k)) if k else image


def detect_rotation(
    image: np.ndarray, engine: OcrEngine, settings: RotationSettings | None = None
) -> int:
    """Clockwise degrees (0, 90, 180, 270) that turn the page upright.

    Text-line boxes found on a thumbnail say whether lines run across (0/180) or down
    (90/270) the image; the longest few lines, read both ways up, say which of the two.
    """
    s = settings or rotation_settings()
    h, w = image.shape[:2]
    scale = min(1.0, s.detect_long_side / max(h, w))
    small = image
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    across: list[tuple[float, Quad]] = []
    down: list[tuple[float, Quad]] = []
    for quad in engine.detect(small):
        a, b, _, d = (np.asarray(p, dtype=float) for p in quad)
        length, height = float(np.linalg.norm(b - a)), float(np.linalg.norm(d - a))
        if length >= s.min_aspect * height:
            across.append((length, quad))
        elif height >= s.min_aspect * length:
            down.append((height, quad))
    sideways = sum(x for x, _ in down) > sum(x for x, _ in across)
    boxes = sorted(down if sideways else across, key=lambda t: -t[0])[: s.sample_lines]
    if not boxes:
        return 0
    crops = [_crop(image, quad, 1.0 / scale, sideways) for _, quad in boxes]
    first, second = (90, 270) if sideways else (0, 180)
    score_first = _read_score(engine, [turn(c, first) for c in crops])
    score_second = _read_score(engine, [turn(c, second) for c in crops])
    if sideways:
        # Lines running down the page: one of the two turns is right, even if barely.
        return first if score_first >= score_second else second
    # Upside down only on clear evidence: a page of poor text stays as it is.
    return 180 if score_second > score_first + 0.1 else 0


# A dozen characters decide the orientation; longer crops only cost recognition time.
_MAX_CROP_ASPECT = 8.0


def _crop(image: np.ndarray, quad: Quad, factor: float, sideways: bool) -> np.ndarray:
    pts = np.asarray(quad, dtype=float) * factor
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    if sideways:
        y1 = min(y1, y0 + _MAX_CROP_ASPECT * (x1 - x0))
    else:
        x1 = min(x1, x0 + _MAX_CROP_ASPECT * (y1 - y0))
    margin = 0.1 * min(x1 - x0, y1 - y0)
    h, w = image.shape[:2]
    xa, ya = max(0, int(x0 - margin)), max(0, int(y0 - margin))
    xb, yb = min(w, int(x1 + margin) + 1), min(h, int(y1 + margin) + 1)
    return image[ya:yb, xa:xb]


def _read_score(engine: OcrEngine, crops: list[np.ndarray]) -> float:
    """Mean recognition confidence; lines read as nothing count as zero."""
    results = engine.read_lines([c for c in crops if c.size])
    if not results:
        return 0.0
    return sum(conf if text.strip() else 0.0 for text, conf in results) / len(results)
