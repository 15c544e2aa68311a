"""The second OCR engine: the `paddleocr` package on onnxruntime, without paddlepaddle.

paddleocr ships no models and would download them, so it is given model folders: by default
built from the PP-OCRv6 small ONNX files inside the rapidocr wheel (the same networks as
the default engine, read by PaddleX's own pre- and post-processing), or folders the user
prepared (`DOSSIER_PADDLE_MODELS=DIR` holding `det/` and `rec/`, e.g. server models).
A model folder is `inference.onnx` plus the `inference.yml` PaddleX reads its settings from.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.intake import limits_data
from pipeline.models import Line
from pipeline.ocr_base import (
    PIPELINE_REVISION,
    OcrUnavailable,
    Quad,
    bbox_of,
    package_version,
    rapidocr_models,
    red_as_grey,
)

MODELS_ENV = "DOSSIER_PADDLE_MODELS"
# PaddleX keeps locks and call caches under ~/.paddlex unless told otherwise; nothing of
# ours may write under the home folder, so they go beside the model folders.
_PADDLEX_HOME_ENV = "PADDLE_PDX_CACHE_HOME"
_ROLES = ("det", "rec")


def _settings() -> dict[str, Any]:
    return dict(limits_data()["paddleocr"])


def default_models_root() -> Path:
    """Where the folders built from the rapidocr wheel live: inside this environment."""
    return Path(sys.prefix) / "share" / "dossier" / "paddleocr"


def models_root() -> Path:
    configured = os.environ.get(MODELS_ENV)
    return Path(configured) if configured else default_models_root()


def _det_config(s: dict[str, Any]) -> dict[str, Any]:
    # The settings rapidocr uses for the same network (its config.yaml), so the two engines
    # differ only in the code around the model.
    return {
        "Global": {"model_name": s["det_model_name"]},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"DetLabelEncode": None},
                {
                    "DetResizeForTest": {
                        "limit_side_len": s["det_limit_side_len"],
                        "limit_type": s["det_limit_type"],
                    }
                },
                {
                    "NormalizeImage": {
                        "mean": [0.5, 0.5, 0.5],
                        "std": [0.5, 0.5, 0.5],
                        "scale": "1./255.",
                        "order": "hwc",
                    }
                },
                {"ToCHWImage": None},
                {"KeepKeys": {"keep_keys": ["image", "shape", "polys", "ignore_tags"]}},
            ]
        },
        "PostProcess": {
            "name": "DBPostProcess",
            "thresh": s["det_thresh"],
            "box_thresh": s["det_box_thresh"],
            "max_candidates": 1000,
            "unclip_ratio": s["det_unclip_ratio"],
        },
    }


def _rec_config(s: dict[str, Any], characters: list[str]) -> dict[str, Any]:
    return {
        "Global": {"model_name": s["rec_model_name"]},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"RecResizeImg": {"image_shape": [3, 48, 320]}},
                {"KeepKeys": {"keep_keys": ["image", "length"]}},
            ]
        },
        "PostProcess": {"name": "CTCLabelDecode", "character_dict": characters},
    }


def _onnx_characters(model: Path) -> list[str]:
    """The recognition alphabet, which PP-OCR ONNX exports carry as metadata `character`."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    text = session.get_modelmeta().custom_metadata_map.get("character")
    if not text:
        raise OcrUnavailable(f"识别模型缺少字符表（ONNX 元数据 character）：{model}")
    return text.split("\n")


def prepare_models(root: Path) -> dict[str, Path]:
    """`root/det` and `root/rec` built from the rapidocr wheel, unless already there.

    Each folder is written beside its final place and renamed into it, so a process killed
    half way, or two processes preparing at once, never leave a half-written folder.
    """
    import yaml

    s = _settings()
    folders = {role: root / role for role in _ROLES}
    if all((f / "inference.yml").is_file() for f in folders.values()):
        return folders
    root.mkdir(parents=True, exist_ok=True)
    wheel = rapidocr_models()
    sources = {"det": wheel["Det"], "rec": wheel["Rec"]}
    configs = {
        "det": _det_config(s),
        "rec": _rec_config(s, _onnx_characters(sources["rec"])),
    }
    for role, folder in folders.items():
        if (folder / "inference.yml").is_file():
            continue
        work = Path(tempfile.mkdtemp(prefix=f".{role}-", dir=root))
        try:
            shutil.copyfile(sources[role], work / "inference.onnx")
            # The yml last: its presence is what says the folder is complete.
            text = yaml.safe_dump(configs[role], allow_unicode=True, sort_keys=False)
            (work / "inference.yml").write_text(text, encoding="utf-8")
            try:
                work.rename(folder)
            except OSError:
                if not (folder / "inference.yml").is_file():
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return folders


def _model_folders() -> dict[str, Path]:
    root = models_root()
    if os.environ.get(MODELS_ENV):
        folders = {role: root / role for role in _ROLES}
        missing = [
            str(f / name)
            for f in folders.values()
            for name in ("inference.onnx", "inference.yml")
            if not (f / name).is_file()
        ]
        if missing:
            raise OcrUnavailable(f"{MODELS_ENV} 指定的模型文件夹不完整，缺少：{'、'.join(missing)}")
        return folders
    try:
        return prepare_models(root)
    except OSError as exc:
        raise OcrUnavailable(
            f"无法在 {root} 准备 paddleocr 模型（{exc.strerror or exc}）；"
            f"可用 {MODELS_ENV}=目录 指定已准备好的 det/ 与 rec/ 模型文件夹"
        ) from exc


def _model_name(folder: Path) -> str:
    import yaml

    config = yaml.safe_load((folder / "inference.yml").read_text(encoding="utf-8"))
    name = (config or {}).get("Global", {}).get("model_name")
    if not name:
        raise OcrUnavailable(f"{folder / 'inference.yml'} 缺少 Global.model_name")
    return str(name)


def _fingerprint(folder: Path) -> str:
    """Short hash of the model and its settings: a changed folder reads pages again."""
    digest = hashlib.sha256()
    for name in ("inference.onnx", "inference.yml"):
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:10]


class PaddleOcrEngine:
    """paddleocr 3.x pipelines on onnxruntime, one onnxruntime thread, nothing downloaded."""

    name = "paddleocr"

    def __init__(self) -> None:
        folders = _model_folders()
        os.environ.setdefault(_PADDLEX_HOME_ENV, str(models_root() / "paddlex-home"))
        # PaddleX otherwise probes model hosting sites when it starts.
        os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
        try:
            import paddleocr
        except ImportError as exc:
            raise OcrUnavailable(
                "paddleocr 未安装，请安装 dossier[paddle]（见 README）或改用 rapidocr"
            ) from exc
        # PaddleX logs every model it creates at INFO on stderr, over our progress bar.
        logging.getLogger("paddlex").setLevel(logging.WARNING)
        names = {role: _model_name(folder) for role, folder in folders.items()}
        common: dict[str, Any] = {
            "engine": "onnxruntime",
            "engine_config": {"intra_op_num_threads": 1, "inter_op_num_threads": 1},
            "device": "cpu",
        }
        det = {"model_name": names["det"], "model_dir": str(folders["det"])}
        rec = {"model_name": names["rec"], "model_dir": str(folders["rec"])}
        self._full = paddleocr.PaddleOCR(
            text_detection_model_name=det["model_name"],
            text_detection_model_dir=det["model_dir"],
            text_recognition_model_name=rec["model_name"],
            text_recognition_model_dir=rec["model_dir"],
            # Each of these would load (and first download) another model.
            use_doc_orientation_classify=False,
            use_doc_unwarping=False,
            use_textline_orientation=False,
            **common,
        )
        self._det = paddleocr.TextDetection(**det, **common)
        self._rec = paddleocr.TextRecognition(**rec, **common)
        models = " ".join(f"{names[r]}@{_fingerprint(folders[r])}" for r in _ROLES)
        self.version = f"{package_version('paddleocr')} ({models}; {PIPELINE_REVISION})"

    def recognize(self, image: np.ndarray) -> list[Line]:
        # PaddleX takes arrays as OpenCV's BGR.
        results = self._full.predict(_bgr(red_as_grey(image)))
        if not results:
            return []
        result = results[0]
        lines = []
        for poly, text, score in zip(
            result["rec_polys"], result["rec_texts"], result["rec_scores"], strict=False
        ):
            quad = [(round(float(x), 1), round(float(y), 1)) for x, y in poly]
            if str(text).strip():
                lines.append(
                    Line(text=str(text), bbox=bbox_of(quad), confidence=float(score), quad=quad)
                )
        return lines

    def detect(self, image: np.ndarray) -> list[Quad]:
        results = self._det.predict(_bgr(red_as_grey(image)))
        if not results:
            return []
        return [[(float(x), float(y)) for x, y in poly] for poly in results[0]["dt_polys"]]

    def read_lines(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        if not crops:
            return []
        results = self._rec.predict([_bgr(red_as_grey(c)) for c in crops])
        return [(str(r["rec_text"]), float(r["rec_score"])) for r in results]


def _bgr(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(image[..., ::-1])
