"""The page cache's key: a page read under other page settings is not reused."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cache import PageCache
from pipeline.models import Line, Page, Word

SHA = "ab" * 32
ENGINE = "rapidocr 3.10.0"


def _page() -> Page:
    return Page(
        file="a.pdf",
        number=1,
        source="text-layer",
        width=595.0,
        height=842.0,
        unit="pt",
        lines=[Line(text="资产总计 1,000.00", bbox=(10.0, 10.0, 200.0, 20.0))],
        words=[Word(text="资产总计", bbox=(10.0, 10.0, 60.0, 20.0), size=10.5)],
    )


def _limits(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_text_layer_settings_change_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOSSIER_LIMITS", raising=False)
    PageCache(tmp_path / "cache").put(SHA, ENGINE, [_page()])
    assert PageCache(tmp_path / "cache").get(SHA, ENGINE) == [_page()]  # words kept too

    stricter = _limits(tmp_path, "strict.toml", "[text_layer]\nmin_chars = 400\n")
    monkeypatch.setenv("DOSSIER_LIMITS", stricter)
    # Under min_chars = 400 the page would be OCRed, not taken from its text layer.
    assert PageCache(tmp_path / "cache").get(SHA, ENGINE) is None


def test_settings_that_do_not_shape_pages_keep_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOSSIER_LIMITS", raising=False)
    PageCache(tmp_path / "cache").put(SHA, ENGINE, [_page()])
    archive = _limits(tmp_path, "archive.toml", "[archive]\nmax_total_bytes = 8_000_000\n")
    monkeypatch.setenv("DOSSIER_LIMITS", archive)
    assert PageCache(tmp_path / "cache").get(SHA, ENGINE) == [_page()]
