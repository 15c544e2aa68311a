"""Which inbox batches are ready, where their reports go, where they are shelved."""

from __future__ import annotations

import json
import os
import time
import zipfile
from pathlib import Path

from flows.inbox import (
    MARKER,
    claim_output,
    finish_output,
    inbox_lock,
    move_batch,
    ready_batches,
)


def _batch(inbox: Path, name: str) -> Path:
    app = inbox / name / "001_某公司"
    app.mkdir(parents=True)
    (app / "申报书.docx").write_bytes(b"form")
    return inbox / name


def _zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("001_某公司/申报书.docx", b"form")
    return path


def test_complete_batches_are_ready(tmp_path: Path) -> None:
    folder = _batch(tmp_path, "2024-03-长沙市")
    archive = _zip(tmp_path / "2024-03-株洲市.zip")
    (tmp_path / "processed").mkdir()
    (tmp_path / "说明.txt").write_text("not a batch")
    ready, waiting = ready_batches(tmp_path, 0, sleep=lambda _: None)
    assert sorted(ready) == sorted([folder, archive])
    assert waiting == []


def test_partial_names_and_sentinels_are_left_alone(tmp_path: Path) -> None:
    (tmp_path / "2024-03-湘潭市.zip.partial").write_bytes(b"PK")
    (tmp_path / "2024-03-衡阳市.zip.crdownload").write_bytes(b"PK")
    copying = _batch(tmp_path, "2024-03-岳阳市")
    (copying / "001_某公司" / "审计报告.pdf.tmp").write_bytes(b"%PDF")
    flagged = _batch(tmp_path, "2024-03-常德市")
    (tmp_path / "2024-03-常德市.uploading").touch()
    ready, waiting = ready_batches(tmp_path, 0, sleep=lambda _: None)
    assert ready == []
    left = {p.name for p, _ in waiting}
    assert left == {
        "2024-03-湘潭市.zip.partial",
        "2024-03-衡阳市.zip.crdownload",
        copying.name,
        flagged.name,
    }


def test_a_batch_still_growing_is_left_for_the_next_run(tmp_path: Path) -> None:
    growing = _batch(tmp_path, "2024-03-郴州市")
    steady = _zip(tmp_path / "2024-03-株洲市.zip")

    def copy_more(_: float) -> None:  # the upload goes on between the two looks
        (growing / "001_某公司" / "营业执照.jpg").write_bytes(b"\xff\xd8" + b"0" * 1000)

    ready, waiting = ready_batches(tmp_path, 2.0, sleep=copy_more)
    assert ready == [steady]
    assert [p for p, _ in waiting] == [growing]


def test_a_truncated_zip_waits_only_while_it_is_recent(tmp_path: Path) -> None:
    cut = tmp_path / "2024-03-怀化市.zip"
    cut.write_bytes(b"PK\x03\x04 cut short")
    assert ready_batches(tmp_path, 0, sleep=lambda _: None)[0] == []
    old = time.time() - 2 * 3600
    os.utime(cut, (old, old))
    # Hours later it is not coming right: processed, and reported as unreadable by intake.
    assert ready_batches(tmp_path, 0, sleep=lambda _: None)[0] == [cut]


def test_moving_never_overwrites(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    first = _batch(inbox, "批次")
    moved = move_batch(first, inbox, "processed", "2024-03-27")
    assert moved == inbox / "processed" / "2024-03-27" / "批次"
    again = _batch(inbox, "批次")
    assert move_batch(again, inbox, "processed", "2024-03-27").name == "批次-2"
    _zip(inbox / "b.zip")
    _zip(inbox / "processed" / "2024-03-27" / "b.zip")
    assert move_batch(inbox / "b.zip", inbox, "processed", "2024-03-27").name == "b-2.zip"
    assert (moved / "001_某公司" / "申报书.docx").read_bytes() == b"form"


def test_report_folder_is_resumed_only_for_an_interrupted_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    source = tmp_path / "inbox" / "批次"
    folder = claim_output(out, source)
    assert folder == out / "批次"
    # Killed before it finished: the same inbox entry gets the same folder back.
    assert claim_output(out, source) == folder
    finish_output(folder, source, tmp_path / "inbox" / "processed" / "d" / "批次")
    assert json.loads((folder / MARKER).read_text("utf-8"))["state"] == "done"
    # A later batch of the same name never writes over finished reports.
    assert claim_output(out, source) == out / "批次-2"


def test_only_one_run_holds_the_inbox(tmp_path: Path) -> None:
    with inbox_lock(tmp_path) as first:
        assert first
        with inbox_lock(tmp_path) as second:
            assert not second
    with inbox_lock(tmp_path) as again:
        assert again
