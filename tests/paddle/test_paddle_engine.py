"""`--ocr paddleocr`: paddleocr 3.7 on onnxruntime with model folders built from the rapidocr
wheel. Real models, real sample scans, a real `dossier process` run; nothing is downloaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rapidocr
import yaml
from PIL import Image

from pipeline.ocr import OcrUnavailable, detect_rotation, get_engine, turn
from pipeline.ocr_paddle import MODELS_ENV, PaddleOcrEngine, prepare_models
from tests.extractors.conftest import SAMPLES, TRUTH, mismatches

APP = "004_衡阳恒通电子科技股份有限公司"
RAPID_MODELS = Path(rapidocr.__file__).parent / "models"


def test_model_folders_are_built_from_the_rapidocr_wheel(tmp_path: Path) -> None:
    folders = prepare_models(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["det", "rec"]  # no temp folder left
    assert (folders["det"] / "inference.onnx").read_bytes() == (
        RAPID_MODELS / "PP-OCRv6_det_small.onnx"
    ).read_bytes()
    det = yaml.safe_load((folders["det"] / "inference.yml").read_text(encoding="utf-8"))
    rec = yaml.safe_load((folders["rec"] / "inference.yml").read_text(encoding="utf-8"))
    assert det["Global"]["model_name"] == "PP-OCRv6_small_det"
    assert rec["Global"]["model_name"] == "PP-OCRv6_small_rec"
    characters = rec["PostProcess"]["character_dict"]
    assert len(characters) > 6000 and "营" in characters and "元" in characters
    # Prepared once: a second call leaves the folders as they are.
    stamp = (folders["rec"] / "inference.yml").stat().st_mtime_ns
    prepare_models(tmp_path)
    assert (folders["rec"] / "inference.yml").stat().st_mtime_ns == stamp


def test_an_incomplete_configured_folder_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare_models(tmp_path)
    (tmp_path / "rec" / "inference.yml").unlink()
    monkeypatch.setenv(MODELS_ENV, str(tmp_path))
    with pytest.raises(OcrUnavailable, match=r"rec/inference\.yml"):
        PaddleOcrEngine()


@pytest.fixture(scope="module")
def licence() -> np.ndarray:
    return np.asarray(Image.open(SAMPLES / APP / "营业执照.jpg").convert("RGB"))


def test_reads_a_scanned_licence(licence: np.ndarray) -> None:
    engine = get_engine("paddleocr")
    assert engine.name == "paddleocr" and engine.version.startswith("3.7.0 (PP-OCRv6_small_det@")
    lines = engine.recognize(licence)
    texts = [line.text for line in lines]
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))["applications"][APP]
    fields = next(d for d in truth["documents"] if d["type"] == "business_licence")["fields"]
    assert "营业执照" in texts
    assert any(fields["credit_code"] in t for t in texts), texts
    h, w = licence.shape[:2]
    for line in lines:
        x0, y0, x1, y1 = line.bbox
        assert 0 <= x0 < x1 <= w + 2 and 0 <= y0 < y1 <= h + 2 and 0 < line.confidence <= 1


def test_detects_pages_turned_over_or_sideways(licence: np.ndarray) -> None:
    engine = get_engine("paddleocr")
    assert detect_rotation(licence, engine) == 0
    assert detect_rotation(turn(licence, 180), engine) == 180
    assert detect_rotation(turn(licence, 90), engine) == 270


def test_process_with_paddleocr_matches_the_truth(tmp_path: Path) -> None:
    """One application end to end: every scanned page read by paddleocr, every scanned
    document's fields as the truth has them, the seeded discrepancies found, and nothing
    written under the home folder."""
    home = tmp_path / "home"
    home.mkdir()
    batch = tmp_path / "batch"
    (batch / APP).parent.mkdir()
    subprocess.run(["cp", "-r", str(SAMPLES / APP), str(batch / APP)], check=True)
    out = tmp_path / "out"
    env = dict(os.environ, HOME=str(home), DOSSIER_CACHE=str(tmp_path / "cache"))
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "process", str(batch), "--out", str(out)]
        + ["--ocr", "paddleocr", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=1200,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((out / APP / "report.json").read_text(encoding="utf-8"))
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))["applications"][APP]

    # Which engine read each page is kept with the page in the cache.
    cached = [
        page
        for entry in (tmp_path / "cache").rglob("*.json")
        for page in json.loads(entry.read_text(encoding="utf-8"))
    ]
    engines = [p["engine"] for p in cached if p["source"] == "ocr"]
    scanned = [d for d in truth["documents"] if d.get("scanned")]
    unread = [f for f in report["files"] if f["status"] == "unreadable"]
    assert len(engines) == sum(len(d["pages"]) for d in scanned), (unread, result.stdout[-2000:])
    assert all(e.startswith("paddleocr") for e in engines), engines

    found = {(d["file"], tuple(d["pages"])): d for d in report["documents"]}
    for doc in scanned:
        if "fields" not in doc:
            continue
        got = found[(doc["file"], tuple(doc["pages"]))]
        assert got["type"] == doc["type"]
        assert mismatches(got["fields"], doc["fields"]) == {}, doc["file"]

    errors = {(f["field"], f.get("year")) for f in report["findings"] if f["severity"] == "error"}
    seeded = {(d["field"], d["year"]) for d in truth["discrepancies"]}
    # The seeded cost-sum gap also leaves the declared total above the invoices: one more
    # error that follows from it, whichever engine reads the pages.
    assert seeded <= errors <= seeded | {("project_total", None)}
    assert list(home.iterdir()) == []
