"""How sure each read value is: documents[].field_confidence (contract §2).

A prior from how the value was read (a text layer says what it says; OCR as sure as its line's
score), then every identity that binds the value to others: 资产总计 = 负债合计 + 所有者权益合计,
利润总额 − 所得税费用 = 净利润, 金额 + 税额 = 价税合计, the lines summing to the total, 大写 = 小写,
check characters. An identity that holds lifts its values; one that fails marks them for a
person. Unread fields are 0. Numbers and rules: extractors/vocab/confidence.toml.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from extractors.common.amounts import parse_chinese_upper
from extractors.common.credit_code import is_registration_number, is_valid

RULES = Path(__file__).with_name("vocab") / "confidence.toml"


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    return tomllib.loads(RULES.read_text(encoding="utf-8"))


def _dig(fields: Mapping[str, Any], key: str) -> Any:
    value: Any = fields
    for part in key.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _money(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def field_confidence(
    doc_type: str,
    fields: Mapping[str, Any],
    read: Mapping[str, float],
    unread: Mapping[str, str],
) -> dict[str, float]:
    """Confidence of every field read (`read`: field → the reading's own prior) and 0 for
    every unread one, after the identities of its document type."""
    r = rules()
    bound = r["bound"]
    out = dict(read)
    lifted: set[str] = set()
    dropped: set[str] = set()

    def settle(keys: list[str], holds: bool) -> None:
        (lifted if holds else dropped).update(keys)

    for rule in r.get("identity", []):
        if rule["type"] != doc_type:
            continue
        keys, holds = _identity(rule, fields)
        if keys:
            settle(keys, holds)
    for rule in r.get("words", []):
        if rule["type"] != doc_type:
            continue
        figure, words = _money(_dig(fields, rule["figure"])), _dig(fields, rule["words"])
        if figure is None or not words:
            continue
        said = parse_chinese_upper(str(words))
        if said is not None:
            settle([rule["figure"], rule["words"]], said == figure)
    for key in lifted - dropped:
        if key in out:
            out[key] = max(out[key], float(bound["verified"]))
    for key in dropped:
        if key in out:
            out[key] = min(out[key], float(bound["contradicted"]))
    for kind, names in r.get("check_digit", {}).items():
        valid = is_valid if kind == "credit_code" else is_registration_number
        for name in names:
            owner, _, key = name.partition(".")
            code = _dig(fields, key) if owner == doc_type else None
            if code and key in out:
                if valid(str(code)):
                    out[key] = max(out[key], float(bound["verified"]))
                else:
                    out[key] = min(out[key], float(bound["invalid"]))
    for key in unread:
        if key != "*":
            out[key] = 0.0
    return {k: round(v, 3) for k, v in sorted(out.items())}


def _identity(rule: Mapping[str, Any], fields: Mapping[str, Any]) -> tuple[list[str], bool]:
    """The fields an identity binds and whether it holds; no fields when one is not read."""
    total = _money(_dig(fields, rule["total"]))
    if total is None:
        return [], False
    tolerance = Decimal(str(rule.get("tolerance", "0.01")))
    if "list" in rule:
        items = _dig(fields, rule["list"]) or []
        values = [_money(i.get(rule["item"])) if isinstance(i, Mapping) else None for i in items]
        if not values or any(v is None for v in values):
            return [], False
        found = sum((v for v in values if v is not None), Decimal(0))
        return [rule["total"], rule["list"]], abs(found - total) <= tolerance
    found = Decimal(0)
    keys = [rule["total"]]
    for part in rule["parts"]:
        sign = -1 if part.startswith("-") else 1
        key = part.lstrip("-")
        value = _dig(fields, key)
        if value is None:
            # An item declared empty counts as nothing; an unread part leaves it unsettled.
            if key.startswith("project.costs."):
                continue
            return [], False
        amount = _money(value)
        if amount is None:
            return [], False
        found += sign * amount
        keys.append(key)
    return keys, abs(found - total) <= tolerance
