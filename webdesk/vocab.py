"""The desk's words (desk.toml): cities, stages, statuses, element categories."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

DESK_TOML = Path(__file__).with_name("desk.toml")


@cache
def vocab() -> dict[str, Any]:
    with open(DESK_TOML, "rb") as fh:
        return tomllib.load(fh)


def cities() -> list[str]:
    return list(vocab()["cities"])


def label(table: str, key: str | None) -> str:
    """The Chinese word for `key` in `table`, or the key itself when the table lacks it."""
    if key is None:
        return "—"
    return str(vocab().get(table, {}).get(key, key))


def stage_order() -> list[str]:
    return list(vocab()["stages"])


def publicity_days() -> int:
    return int(vocab()["programme"]["publicity_days"])


def revoked_bar_years() -> int:
    return int(vocab()["programme"]["revoked_bar_years"])


def element_category(element: str) -> str:
    """The category of an element: 1.2 → 1."""
    return element.split(".", 1)[0].strip()


def review_roles(stage: str) -> list[str]:
    """The roles that may mark findings while an application is at `stage`."""
    return list(vocab().get("review_marks", {}).get(stage, []))


def body_limit(kind: str) -> int:
    """A request body cap in bytes ([body_limits]): anonymous, form or upload_chunk."""
    return int(vocab()["body_limits"][f"{kind}_bytes"])
