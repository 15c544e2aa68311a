"""The sample batch read once per session through the library, and the forms read for real."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.assemble import assemble_report, submission
from pipeline.cache import PageCache
from pipeline.checks.reuse import reuse_findings
from pipeline.intake import scan_batch
from pipeline.models import Document, Report
from pipeline.reading import read_file
from tests.checks.truth import ROOT, real_forms, truth


def truth_name(app_name: str) -> str:
    """truth.json names the zipped application with its .zip."""
    return next(n for n in truth() if n in (app_name, f"{app_name}.zip"))


@pytest.fixture(scope="session")
def sample_forms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Document]:
    return real_forms(tmp_path_factory.mktemp("forms"))


@pytest.fixture(scope="session")
def sample_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """Every sample application through intake, pages (OCR), classify, extract and checks.

    OCR of the batch takes minutes: pages are cached in a PageCache under the session's tmp
    dir, or in DOSSIER_TEST_CACHE when set, so that repeated runs on one machine reuse them.
    """
    cache_dir = os.environ.get("DOSSIER_TEST_CACHE")
    cache = PageCache(Path(cache_dir) if cache_dir else tmp_path_factory.mktemp("page-cache"))
    batch = scan_batch(ROOT / "samples" / "batch", tmp_path_factory.mktemp("work"))
    read = [
        (app, [read_file(f, "rapidocr", cache).result for f in app.files])
        for app in batch.applications
    ]
    # The checks across applications, as the batch flow runs them once every file is read.
    cross = reuse_findings([submission(app, results) for app, results in read])
    return {
        truth_name(app.name): assemble_report(app, results, cross.get(app.name, []))
        for app, results in read
    }
