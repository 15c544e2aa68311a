"""Issue 6: a batch delivered as one zip (GBK names, an application zip holding a zip, members
that try to leave) and a batch with no applications, each run through `dossier process`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.hostile.batches import Built, zip_batch
from tests.hostile.checks import account_mismatches
from tests.hostile.runner import Dirs, Run, reports, run_process, snapshot


@pytest.fixture(scope="module")
def zipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Built, Dirs, Run, Path, bool]:
    root = tmp_path_factory.mktemp("zipbatch")
    built = zip_batch(root)
    dirs = Dirs.under(root / "run")
    before = snapshot(root, skip=(root / "run",))
    run = run_process(built.batch, dirs)
    untouched = snapshot(root, skip=(root / "run",)) == before
    return built, dirs, run, root, untouched


def test_zip_batch_every_member_accounted_for(
    zipped: tuple[Built, Dirs, Run, Path, bool],
) -> None:
    built, dirs, run, _root, _untouched = zipped
    assert run.returncode == 0, run.stderr[-3000:]
    found = reports(dirs.out)
    problems = account_mismatches(built, found)
    assert not problems, "\n".join(problems)
    # GBK names without the UTF-8 flag come out as the applicant wrote them.
    assert (dirs.out / "102_湖南乙公司" / "report.json").is_file()
    for app, file, doc_type in built.documents:
        docs = [d for d in found[app]["documents"] if d["file"] == file]
        assert doc_type in {d["type"] for d in docs}, (app, file, docs)


def test_zip_batch_writes_nothing_outside(zipped: tuple[Built, Dirs, Run, Path, bool]) -> None:
    _built, dirs, _run, root, untouched = zipped
    assert untouched  # the batch zip and everything beside it
    assert not list(root.rglob("逃逸.txt"))
    assert not any(dirs.cwd.iterdir())


def test_batch_with_no_applications(tmp_path: Path) -> None:
    batch = tmp_path / "空批次"
    batch.mkdir()
    dirs = Dirs.under(tmp_path / "run")
    run = run_process(batch, dirs)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().splitlines()[-1].startswith("完成：0 个申报，0 个文件")
    assert "0 个申报" in run.stderr  # the progress line names the empty batch
    rows = list(csv.reader((dirs.out / "summary.csv").read_text("utf-8-sig").splitlines()))
    assert len(rows) == 1  # the header only
    assert "申报 0 个" in (dirs.out / "summary.html").read_text(encoding="utf-8")
    assert not any(batch.iterdir())


def test_application_named_like_an_output_file(tmp_path: Path) -> None:
    app = tmp_path / "批次" / "summary.html"
    app.mkdir(parents=True)
    (app / "说明.txt").write_text("说明", encoding="utf-8")
    (tmp_path / "批次" / "001_正常").mkdir()
    dirs = Dirs.under(tmp_path / "run")
    run = run_process(tmp_path / "批次", dirs)
    assert run.returncode == 0, run.stderr[-2000:]
    assert (dirs.out / "summary.html").is_file()
    # The application keeps its files, under a name that cannot take the summary's place.
    report = json.loads((dirs.out / "summary.html（申报）" / "report.json").read_text("utf-8"))
    assert [f["file"] for f in report["files"]] == ["说明.txt"]
