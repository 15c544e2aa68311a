"""Pages already read, kept on disk by (file sha256, engine, engine version).

Re-running a batch reads no page twice. Entries are written to a temporary name and renamed,
so a process killed half way never leaves a truncated entry behind.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from pydantic import TypeAdapter

from pipeline.atomic import write_atomic
from pipeline.models import Page

_PAGES = TypeAdapter(list[Page])


def default_cache_dir() -> Path:
    if env := os.environ.get("DOSSIER_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dossier"


class PageCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root) / "pages"

    def _path(self, sha256: str, engine: str) -> Path:
        engine_key = hashlib.sha256(engine.encode("utf-8")).hexdigest()[:16]
        return self.root / sha256[:2] / f"{sha256}-{engine_key}.json"

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
