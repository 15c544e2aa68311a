"""Issue 15, case 6: archive amplification. The compression ratio is checked over the whole
archive (not only members past ratio_min_bytes), all applications of a batch share one
budget of extracted bytes, and the extracted archives leave `.work` once the run is over
(unless `--keep-archives`)."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

from pipeline.intake import ARCHIVES, load_limits, scan_batch
from tests.hostile.builders import zip_of
from tests.hostile.runner import Dirs, folder_size, run_process

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "batch" / "007_长沙云帆汽车零部件有限公司"
MB = 1_000_000


def test_many_small_members_of_zeros_are_a_bomb(tmp_path: Path) -> None:
    limits = load_limits("archive")
    # 40 members of 10 MB each: every one under ratio_min_bytes (10 MiB), 400 MB in all.
    member = bytes(10 * MB)
    assert len(member) < limits.ratio_min_bytes
    app = tmp_path / "batch" / "申报一"
    app.mkdir(parents=True)
    (app / "附件.zip").write_bytes(zip_of([(f"{i:02}.pdf", member) for i in range(40)]))
    work = tmp_path / "out" / ".work"
    batch = scan_batch(tmp_path / "batch", work)
    [entry] = [f for a in batch.applications for f in a.files if f.file == "附件.zip"]
    assert entry.status == "rejected", entry
    assert entry.reason and "整体压缩比" in entry.reason and "未解压" in entry.reason
    assert folder_size(work) < MB  # nothing of the 400 MB reached the disk


def test_a_batch_shares_one_budget_of_extracted_bytes(tmp_path: Path) -> None:
    # Per application 3 MB may be extracted, the batch 5 MB: two applications of 2 MB each
    # fit, the third does not (each alone would).
    limits = replace(load_limits("archive"), max_total_bytes=3 * MB, max_batch_bytes=5 * MB)
    for n in range(3):
        app = tmp_path / "batch" / f"申报{n}"
        app.mkdir(parents=True)
        (app / "材料.zip").write_bytes(zip_of([("发票.pdf", os.urandom(2 * MB))]))
    work = tmp_path / "out" / ".work"
    batch = scan_batch(tmp_path / "batch", work, limits)
    statuses = {a.name: {f.file: (f.status, f.reason) for f in a.files} for a in batch.applications}
    zips = [statuses[f"申报{n}"]["材料.zip"] for n in range(3)]
    assert [s for s, _ in zips[:2]] == ["processed", "processed"], zips
    status, reason = zips[2]
    assert status == "rejected" and reason and "本批次" in reason, zips
    assert folder_size(work) < 5 * MB


def _batch_with_a_zip(root: Path) -> Path:
    app = root / "batch" / SAMPLE.name
    app.mkdir(parents=True)
    shutil.copy2(SAMPLE / "长沙云帆申报书.docx", app)
    (app / "附件.zip").write_bytes(zip_of([("附件4.pdf", (SAMPLE / "附件4.pdf").read_bytes())]))
    return root / "batch"


def test_extracted_archives_are_removed_after_the_run(tmp_path: Path) -> None:
    batch = _batch_with_a_zip(tmp_path)
    dirs = Dirs.under(tmp_path / "run")
    run = run_process(batch, dirs)
    assert run.returncode == 0, run.stderr[-3000:]
    assert (dirs.out / "summary.csv").is_file()
    assert not (dirs.out / ".work" / ARCHIVES).exists()
    # The report still lists the archive's member, read before the clean-up.
    report = (dirs.out / SAMPLE.name / "report.json").read_text(encoding="utf-8")
    assert "附件4.pdf" in report

    kept = Dirs.under(tmp_path / "kept")
    run = run_process(batch, kept, extra_args=["--keep-archives"])
    assert run.returncode == 0, run.stderr[-3000:]
    kept_files = list((kept.out / ".work" / ARCHIVES).rglob("*附件4.pdf"))
    assert kept_files and kept_files[0].stat().st_size > 0
