"""`dossier process` on part of the sample batch: real OCR, real Prefect flow, real files.

Checks the reports against samples/truth.json for what is implemented: every input file is
accounted for, every document is found with its type and pages, the form's declarations are
read exactly, and report.json validates against the committed schema.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pipeline.models import Report

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "batch"
TRUTH = json.loads((ROOT / "samples" / "truth.json").read_text(encoding="utf-8"))
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
# A text-layer application and the one whose attachments are one combined scan.
SUBSET = sorted(TRUTH["applications"])[:2]


@pytest.fixture(scope="module")
def processed(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    batch = tmp_path_factory.mktemp("batch") / "样例批次"
    batch.mkdir()
    for name in SUBSET:
        src = SAMPLES / name
        if src.is_dir():
            shutil.copytree(src, batch / name)
        else:
            shutil.copy2(src, batch / name)
    out = tmp_path_factory.mktemp("out")
    env = dict(os.environ, DOSSIER_CACHE=str(tmp_path_factory.mktemp("cache")))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "process",
            str(batch),
            "--out",
            str(out),
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        env=env,
    )
    return out, result


def _report(out: Path, name: str) -> dict[str, Any]:
    app = Path(name).stem if name.endswith(".zip") else name
    return json.loads((out / app / "report.json").read_text(encoding="utf-8"))


def test_exit_code_and_final_line(processed: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, result = processed
    assert result.returncode == 0, result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("完成：2 个申报"), last
    assert (out / "summary.html").exists()
    rows = list(csv.reader((out / "summary.csv").read_text("utf-8-sig").splitlines()))
    assert len(rows) == 1 + len(SUBSET)


@pytest.mark.parametrize("name", SUBSET)
def test_report_validates_and_accounts_for_every_file(
    processed: tuple[Path, Any], name: str
) -> None:
    out, _ = processed
    report = _report(out, name)
    jsonschema.validate(report, SCHEMA)
    truth_files = {d["file"] for d in TRUTH["applications"][name]["documents"]}
    assert {f["file"] for f in report["files"]} == truth_files
    assert all(f["status"] == "processed" for f in report["files"])


@pytest.mark.parametrize("name", SUBSET)
def test_documents_found_with_type_and_pages(processed: tuple[Path, Any], name: str) -> None:
    out, _ = processed
    found = sorted((d["file"], d["type"], d["pages"]) for d in _report(out, name)["documents"])
    expected = sorted(
        (d["file"], d["type"], d["pages"]) for d in TRUTH["applications"][name]["documents"]
    )
    assert found == expected


def _numbers(value: Any) -> Any:
    """JSON numbers as Decimal (via their text) so 12345.67 compares exactly."""
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, float):
        return Decimal(str(value))
    return value


@pytest.mark.parametrize("name", SUBSET)
def test_declared_block_matches_truth(processed: tuple[Path, Any], name: str) -> None:
    out, _ = processed
    declared = _numbers(_report(out, name)["declared"])
    truth = _numbers(TRUTH["applications"][name]["declared"])
    for key, value in truth.items():
        assert declared[key] == value, key


def test_reports_are_stored_in_the_database(processed: tuple[Path, Any]) -> None:
    from pipeline.store import default_url, open_store

    out, _ = processed
    with open_store(default_url(out)) as store:
        [run] = store.list_runs()
        assert run.finished_at is not None
        stored = {row.application for row in store.latest_reports()}
        assert stored == {Path(n).stem if n.endswith(".zip") else n for n in SUBSET}
        name = SUBSET[0]
        assert store.load_report(run.id, name) == Report.model_validate(_report(out, name))
