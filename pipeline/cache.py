"""Pages already read, kept on disk by (file sha256, engine, engine version).

Re-running a batch reads no page twice. The key also holds a fingerprint of every setting
that changes what a page holds (the [pages] and [text_layer] limits, $DOSSIER_LIMITS
included): a page read under other settings is read again, not reused. Two kinds of entry:

- one JSON per file (`pages/ab/<sha256>-<engine>.json`): every page of a file read to the end;
- one JSON per OCR page (`pages/ab/<sha256>-<engine>.d/<n>.json`) while a file is being read,
  so that a process killed in the middle of a 300-page scan loses at most the pages in
  progress. They are dropped once the whole file's entry is written.

Entries are written to a temporary name and renamed, so a process killed half way never
leaves a truncated entry behind; a damaged entry reads as missing.

Beside them, `pictures/` keeps the evidence pictures of reports by name (pipeline/crops.py):
a rerun into a new output folder copies them rather than rendering the pages again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from pipeline.atomic import write_atomic
from pipeline.models import Page

_PAGES = TypeAdapter(list[Page])
# Part of every entry's key: bump it when what a Page holds changes (2: words and payload).
CACHE_VERSION = "3"  # 3: QR codes on pages


def default_cache_dir() -> Path:
    if env := os.environ.get("DOSSIER_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dossier"


def picture_cache_dir(cache_dir: str | Path | None) -> Path | None:
    """Where evidence pictures are kept beside the pages (pipeline/crops.py names them)."""
    return Path(cache_dir) / "pictures" if cache_dir else None


# The limits.toml tables whose settings change what a page holds (text layer or OCR, dpi,
# image size, line grouping, payload size).
PAGE_SETTING_TABLES = ("pages", "text_layer")


def page_settings_fingerprint() -> str:
    """A short digest of the settings that change what a page holds, as they are now."""
    from pipeline.intake import limits_data

    data = limits_data()
    relevant = {name: data[name] for name in PAGE_SETTING_TABLES}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode("utf-8")).hexdigest()[:16]


class PageCache:
    def __init__(self, root: Path) -> None:
        self.base = Path(root)
        self.root = self.base / "pages"
        self.settings = page_settings_fingerprint()

    def _stem(self, sha256: str, engine: str) -> Path:
        key = f"{CACHE_VERSION}\n{engine}\n{self.settings}"
        engine_key = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        return self.root / sha256[:2] / f"{sha256}-{engine_key}"

    def _path(self, sha256: str, engine: str) -> Path:
        return self._stem(sha256, engine).with_suffix(".json")

    def _page_dir(self, sha256: str, engine: str) -> Path:
        return self._stem(sha256, engine).with_suffix(".d")

    # ---- whole files ----

    def get(self, sha256: str, engine: str) -> list[Page] | None:
        path = self._path(sha256, engine)
        try:
            return _PAGES.validate_json(path.read_bytes())
        except (OSError, ValueError):
            # Missing or damaged entry: read the file again.
            return None

    def put(self, sha256: str, engine: str, pages: list[Page]) -> None:
        data = json.dumps(_PAGES.dump_python(pages, mode="json"), ensure_ascii=False)
        write_atomic(self._path(sha256, engine), data)
        # The per-page entries are now redundant; a failure to drop them costs only disk.
        shutil.rmtree(self._page_dir(sha256, engine), ignore_errors=True)

    # ---- single pages of a file being read ----

    def get_page(self, sha256: str, engine: str, number: int) -> Page | None:
        path = self._page_dir(sha256, engine) / f"{number}.json"
        try:
            return Page.model_validate_json(path.read_bytes())
        except (OSError, ValueError, ValidationError):
            return None

    def put_page(self, sha256: str, engine: str, page: Page) -> None:
        path = self._page_dir(sha256, engine) / f"{page.number}.json"
        write_atomic(path, page.model_dump_json())

    def pages_kept(self, sha256: str, engine: str) -> int:
        """How many single-page entries a file has (files interrupted while being read)."""
        try:
            return sum(1 for p in self._page_dir(sha256, engine).iterdir() if p.suffix == ".json")
        except OSError:
            return 0
