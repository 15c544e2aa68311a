"""The variants batch (samples/variants.py): layouts, wordings and fonts the extractors were
not built on, read through the production reading path and scored against its truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import accuracy

ROOT = Path(__file__).resolve().parents[1]

# What the variants must keep reading; raise a floor when a class of layout is mastered.
FLOORS = {"application_form": 1.0, "audit_report": 1.0, "tax_certificate": 1.0}


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("variants")
    subprocess.run(
        [sys.executable, str(ROOT / "samples" / "variants.py"), str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    reports = out / "reports"
    accuracy.process(out / "batch", reports, "rapidocr")
    return reports, truth


def test_variants_batch_is_the_same_for_one_seed(tmp_path: Path) -> None:
    for name in ("a", "b"):
        subprocess.run(
            [sys.executable, str(ROOT / "samples" / "variants.py"), str(tmp_path / name)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    files = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    assert files
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_every_variant_document_is_found_whole(variants: tuple[Path, dict[str, object]]) -> None:
    reports, truth = variants
    result = accuracy.score(truth, reports)
    assert result["misclassified"] == []
    right, total = result["documents"]
    assert right == total > 0


@pytest.mark.parametrize("doc_type", sorted(FLOORS))
def test_variant_fields_are_read(variants: tuple[Path, dict[str, object]], doc_type: str) -> None:
    reports, truth = variants
    result = accuracy.score(truth, reports)
    right, total = result["by_type"][doc_type]
    wrong = result["wrong"][:20]
    assert total > 0
    assert right / total >= FLOORS[doc_type], "\n".join(wrong)
