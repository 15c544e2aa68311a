"""`dossier process --dask ADDRESS`: the file tasks run on a Dask cluster's worker processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.flows.batches import APP, small_batch

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    # Worker processes, one thread each: what a real cluster of OCR machines looks like.
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port: never clash with a running dashboard
        host="127.0.0.1",
    ) as c:
        yield str(c.scheduler_address)


def test_batch_runs_on_dask_workers(cluster: str, tmp_path: Path) -> None:
    batch = small_batch(tmp_path / "批次", text_pdf=True)
    out = tmp_path / "out"
    env = dict(os.environ, DOSSIER_CACHE=str(tmp_path / "cache"))
    r = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "process", str(batch), "--out", str(out)]
        + ["--dask", cluster],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert (
        r.stdout.strip()
        .splitlines()[-1]
        .startswith("完成：1 个申报，3 个文件，3 页（OCR 1，文字层 1，Word 1")
    )
    report = json.loads((out / APP / "report.json").read_text(encoding="utf-8"))
    assert sorted(f["file"] for f in report["files"]) == [
        "申报书.docx",
        "电子发票.pdf",
        "荣誉证书.jpg",
    ]
    assert all(f["status"] == "processed" for f in report["files"])
    assert list((tmp_path / "cache" / "pages").rglob("*.json"))
    # The file tasks ran in the cluster's worker processes, not in the command's own.
    with distributed.Client(cluster) as client:
        ran_there = client.run(_reader_loaded)
    assert any(ran_there.values()), ran_there


def _reader_loaded() -> bool:
    return "flows.reading" in sys.modules
