"""The OpenVINO engine on real pages (the real runtime, the wheel's models), the page cache
keeping each engine's pages apart, and the rule that picks the default engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.cache import PageCache
from pipeline.cli import final_line
from pipeline.engine_choice import Rule, choose_engine, cpu_flags, load_rules
from pipeline.formats import detect_format
from pipeline.models import InputFile, Page
from pipeline.ocr import OcrEngine, get_engine
from pipeline.pages import engine_label, read_pages
from tests.stages.builders import LICENCE, text_image
from tests.stages.test_pages_ocr import assert_detection_waits_for_its_turn

ROOT = Path(__file__).resolve().parents[2]
SCAN = ROOT / "samples" / "batch" / "002_湘潭德源新材料科技有限公司" / "scan0001.pdf"


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    return get_engine("openvino")


def _input(path: Path) -> InputFile:
    return InputFile(file=path.name, path=str(path), sha256="", size=0, format=detect_format(path))


def _flat(page: Page) -> str:
    return "".join(page.text.split())


def test_reads_a_sample_scan(engine: OcrEngine) -> None:
    """Page 1 of a sample application's scanned PDF (a business licence), rendered at 200
    dpi as the pipeline renders it."""
    pages = read_pages(_input(SCAN), engine, dpi=200)
    try:
        page = next(pages)
    finally:
        pages.close()  # type: ignore[attr-defined]
    assert page.source == "ocr" and page.engine == engine_label(engine)
    assert page.engine.startswith("openvino 3.10.0 (openvino 2026.4.1 ")
    text = _flat(page)
    for expected in ("营业执照", "湘潭德源新材料科技有限公司", "91430304MA4MB02T4X"):
        assert expected in text, f"not read: {expected} in {text}"
    assert all(0.5 <= line.confidence <= 1 for line in page.lines)


def test_runs_on_openvino_with_one_thread(engine: OcrEngine) -> None:
    """Every model of the pipeline is compiled by OpenVINO, with one inference thread."""
    from rapidocr.inference_engine.openvino import OpenVINOInferSession

    image = np.asarray(text_image(LICENCE).convert("RGB"))
    assert any("营业执照" in line.text for line in engine.recognize(image))
    full = engine._full  # type: ignore[attr-defined]
    for model in (full.text_det, full.text_cls, full.text_rec):
        session = model.session
        assert isinstance(session, OpenVINOInferSession)
        compiled = session.session.get_compiled_model()
        assert int(compiled.get_property("INFERENCE_NUM_THREADS")) == 1
        assert int(compiled.get_property("NUM_STREAMS")) == 1
    # The plugin's per-shape cache is off (limits.toml [openvino]); the compiled model cannot
    # be asked for it, so ask what rapidocr's session hands the plugin.
    from rapidocr.inference_engine.openvino import main as rapid_openvino

    sent = rapid_openvino.CPUConfig(full.cfg.EngineConfig.openvino).get_config()
    assert sent["CPU_RUNTIME_CACHE_CAPACITY"] == "0" and sent["INFERENCE_NUM_THREADS"] == "1"


def test_detection_waits_for_its_turn(engine: OcrEngine) -> None:
    """The OCR workers' detection turn holds for OpenVINO as for onnxruntime."""
    assert_detection_waits_for_its_turn(engine)


def test_cache_keeps_engines_apart(tmp_path: Path, engine: OcrEngine) -> None:
    onnx = get_engine("rapidocr")
    assert engine_label(engine) != engine_label(onnx)
    assert "openvino 2026.4.1" in engine.version and "openvino" not in onnx.version
    cache = PageCache(tmp_path)
    page = Page(
        file="a.jpg",
        number=1,
        width=10,
        height=10,
        unit="px",
        source="ocr",
        engine=engine_label(engine),
    )
    cache.put("ab" * 32, engine_label(engine), [page])
    assert cache.get("ab" * 32, engine_label(engine)) == [page]
    assert cache.get("ab" * 32, engine_label(onnx)) is None
    cache.put_page("cd" * 32, engine_label(engine), page)
    assert cache.get_page("cd" * 32, engine_label(onnx), 1) is None


# ---- the default engine ------------------------------------------------------------------

ZEN4 = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni avx512bw
"""
ICELAKE = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni avx512bw\n"
SAPPHIRE = "flags\t\t: fpu avx2 avx512f amx_bf16 amx_tile\n"
ARM = "processor\t: 0\nFeatures\t: fp asimd evtstrm aes\n"


def test_cpu_flags_of_cpuinfo() -> None:
    assert {"avx512_bf16", "avx512f"} <= cpu_flags(ZEN4)
    assert "AuthenticAMD" not in cpu_flags(ZEN4)
    assert "asimd" in cpu_flags(ARM)
    assert cpu_flags("") == frozenset()


# Rules of the form engines.toml takes: OpenVINO where the CPU computes in bfloat16.
BF16_RULES = [
    Rule(engine="openvino", cpu_flags=["avx512_bf16"]),
    Rule(engine="openvino", cpu_flags=["amx_bf16"]),
    Rule(engine="rapidocr", cpu_flags=[]),
]


@pytest.mark.parametrize(
    ("cpuinfo", "expected"),
    [
        (ZEN4, "openvino"),
        (SAPPHIRE, "openvino"),
        (ICELAKE, "rapidocr"),
        (ARM, "rapidocr"),
        ("", "rapidocr"),
    ],
)
def test_default_engine_by_cpu(cpuinfo: str, expected: str) -> None:
    assert choose_engine(cpu_flags(cpuinfo), BF16_RULES, lambda _: True) == expected


@pytest.mark.parametrize("cpuinfo", [ZEN4, SAPPHIRE, ICELAKE, ARM, ""])
def test_shipped_rules_choose_onnxruntime(cpuinfo: str) -> None:
    """pipeline/engines.toml as shipped: OpenVINO in bf16 reads fewer fields right (README)."""
    assert choose_engine(cpu_flags(cpuinfo), load_rules(), lambda _: True) == "rapidocr"


def test_default_engine_must_be_installed() -> None:
    assert choose_engine(cpu_flags(ZEN4), BF16_RULES, lambda e: e != "openvino") == "rapidocr"
    # No rule matching falls back to onnxruntime.
    only = [Rule(engine="openvino", cpu_flags=["avx512_bf16"])]
    assert choose_engine(cpu_flags(ARM), only, lambda _: True) == "rapidocr"


def test_final_line_names_the_engine() -> None:
    line = final_line([], 1.0, "rapidocr（按本机 CPU 自动选择）")
    assert line.endswith("用时 1.0 秒，OCR 引擎 rapidocr（按本机 CPU 自动选择）")
