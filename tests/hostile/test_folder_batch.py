"""Issue 6: one batch folder full of hostile and broken files, run once through the real
`dossier process` (subprocess, Prefect, OCR): every file accounted for with its status and a
Chinese reason, the good files still read, the input untouched, nothing written outside the
output, work and cache folders, nothing read from outside the batch, memory bounded."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.hostile.batches import (
    LIMITS_OVERRIDE,
    MANY_PAGES,
    SECRET,
    Built,
    folder_batch,
)
from tests.hostile.checks import account_mismatches, texts_under
from tests.hostile.runner import Dirs, Run, files_of, folder_size, reports, run_process, snapshot

PEAK_RSS_LIMIT_MB = 2048


@dataclass
class Outcome:
    built: Built
    dirs: Dirs
    run: Run
    root: Path
    before: dict[str, str]
    after: dict[str, str]
    reports: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    root = tmp_path_factory.mktemp("hostile")
    built = folder_batch(root)
    limits = root / "limits.toml"
    limits.write_text(LIMITS_OVERRIDE, encoding="utf-8")
    dirs = Dirs.under(root / "run")
    before = snapshot(root, skip=(root / "run",))
    run = run_process(built.batch, dirs, {"DOSSIER_LIMITS": str(limits)})
    after = snapshot(root, skip=(root / "run",))
    return Outcome(built, dirs, run, root, before, after, reports(dirs.out))


def test_exits_0_and_the_summary_names_every_application(outcome: Outcome) -> None:
    run = outcome.run
    assert run.returncode == 0, run.stderr[-3000:]
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith(f"完成：{len(outcome.built.expected)} 个申报"), last
    rows = list(
        csv.DictReader((outcome.dirs.out / "summary.csv").read_text("utf-8-sig").splitlines())
    )
    assert sorted(r["申报单位"] for r in rows) == sorted(outcome.built.expected)
    by_app = {r["申报单位"]: r for r in rows}
    summary_html = (outcome.dirs.out / "summary.html").read_text(encoding="utf-8")
    for app, words in outcome.built.problems.items():
        assert words in by_app[app]["说明"], by_app[app]
        assert words in summary_html


def test_every_file_has_its_status_and_a_chinese_reason(outcome: Outcome) -> None:
    problems = account_mismatches(outcome.built, outcome.reports)
    assert not problems, "\n".join(problems)


def test_good_files_beside_bad_ones_are_read_completely(outcome: Outcome) -> None:
    for app, file, doc_type in outcome.built.documents:
        docs = [d for d in outcome.reports[app]["documents"] if d["file"] == file]
        assert doc_type in {d["type"] for d in docs}, (app, file, docs)
    mixed = outcome.reports["001_混合材料"]
    assert mixed["declared"]["company_name"] == "湖南星辰智能装备有限公司"
    assert mixed["declared"]["years"]["2018"]["total_assets"] == 12345.67
    files = files_of(mixed)
    assert files["千页.pdf"]["pages"] == MANY_PAGES
    assert files["xref损坏.pdf"]["pages"] == 2
    # Misnamed files are read by content.
    assert (files["营业执照.pdf"]["format"], files["扫描件.jpg"]["format"]) == ("png", "pdf")
    licence = [d for d in mixed["documents"] if d["file"] == "营业执照.pdf"]
    assert [d["type"] for d in licence] == ["business_licence"]


def test_the_input_is_untouched_and_nothing_is_written_outside(outcome: Outcome) -> None:
    # The tree outside run/ (batch, outside folder, limits file) is byte for byte the same:
    # no member escaped its archive, no link was written through.
    assert outcome.after == outcome.before
    assert not (outcome.root / "escaped_absolute.txt").exists()
    # "../../逃逸一.txt" would land in out/.work; "C:\\Windows\\逃逸三.txt" is a Linux name.
    assert not list(outcome.root.rglob("*逃逸*.txt"))
    # Inside run/: only the output, cache and Prefect folders were written (HOME and TMPDIR:
    # see test_nothing_is_left_in_home_or_tmp).
    assert not any(outcome.dirs.cwd.iterdir())
    leftovers = [p for p in outcome.dirs.out.rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers and not list((outcome.dirs.out / ".work").rglob(".tmp-*"))


def test_bombs_never_reach_the_disk(outcome: Outcome) -> None:
    # The bombs expand to 9 MB (a single application zip and one inside an application),
    # the ratio bomb to 2 MB, the liar to 5 MB: none of that may be written out.
    assert folder_size(outcome.dirs.out / ".work") < 1_000_000


def test_nothing_outside_the_batch_is_read(outcome: Outcome) -> None:
    secret_sha = hashlib.sha256((outcome.built.outside / "secret.pdf").read_bytes()).hexdigest()
    needles = [SECRET.encode("utf-8"), secret_sha.encode()]
    for path, data in texts_under(outcome.dirs.out, outcome.dirs.cache):
        for needle in needles:
            assert needle not in data, f"{needle!r} found in {path}"


def test_memory_stays_bounded(outcome: Outcome) -> None:
    # The run holds the 20000×20000 PNG and the 1000-page PDF (test_memory.py measures them
    # one at a time).
    print(
        f"peak RSS of `dossier process`: {outcome.run.peak_rss_mb:.0f} MB, {outcome.run.seconds:.0f} s"
    )
    assert outcome.run.peak_rss_mb < PEAK_RSS_LIMIT_MB


def test_nothing_is_left_in_home_or_tmp(outcome: Outcome) -> None:
    written = [
        p for d in (outcome.dirs.home, outcome.dirs.tmp) for p in d.rglob("*") if p.is_file()
    ]
    assert not written, written
