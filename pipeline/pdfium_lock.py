"""The lock every call into PDFium in this process holds.

PDFium is not thread-safe: no two threads of a process may call it at the same time, even on
different documents (pypdfium2's documentation). The readers (pipeline/pages.py) and the
intake's page count take it where they call PDFium, so callers never need to.

The lock is not a module global: Prefect ships flows and tasks by value (their globals
included) to `serve`'s runs and to Dask, and a lock cannot be pickled. It lives in a
per-process namespace in sys.modules.
"""

from __future__ import annotations

import sys
import threading
import types

_NAME = "_dossier_pdfium"


def pdfium_lock() -> threading.RLock:
    """This process's PDFium lock (reentrant), made on first use."""
    state = sys.modules.get(_NAME)
    if state is None:
        made = types.ModuleType(_NAME)
        made.lock = threading.RLock()  # type: ignore[attr-defined]
        state = sys.modules.setdefault(_NAME, made)  # two threads racing keep one
    lock: threading.RLock = state.lock
    return lock
