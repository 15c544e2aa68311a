"""Assertions shared by the hostile-batch tests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.hostile.batches import Built
from tests.hostile.runner import files_of

CJK = re.compile(r"[\u4e00-\u9fff]")


def account_mismatches(built: Built, reports: dict[str, dict[str, Any]]) -> list[str]:
    """Every way the reports differ from what the batch must give, one line each."""
    problems: list[str] = []
    if sorted(reports) != sorted(built.expected):
        problems.append(f"applications {sorted(reports)} != {sorted(built.expected)}")
    for app, expected in built.expected.items():
        found = files_of(reports.get(app, {"files": []}))
        for name in sorted(set(expected) - set(found)):
            problems.append(f"{app}: {name!r} missing from files[]")
        for name in sorted(set(found) - set(expected)):
            problems.append(f"{app}: unexpected {name!r} {found[name]['status']}")
        for name in sorted(set(expected) & set(found)):
            status, words = expected[name]
            got = found[name]
            reason = got.get("reason") or ""
            if got["status"] != status:
                problems.append(f"{app}/{name}: {got['status']} ({reason}), expected {status}")
            elif words not in reason:
                problems.append(f"{app}/{name}: reason {reason!r} lacks {words!r}")
            elif status != "processed" and not CJK.search(reason):
                problems.append(f"{app}/{name}: reason {reason!r} is not in Chinese")
    return problems


def texts_under(*roots: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for root in roots for p in root.rglob("*") if p.is_file()]
