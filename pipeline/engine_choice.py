"""Which OCR engine to use when none is named: decided at start-up from the CPU's features,
by the rules of engines.toml (first match wins)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from functools import cache
from importlib import util as importlib_util
from pathlib import Path

from pydantic import BaseModel

ENGINES_TOML = Path(__file__).with_name("engines.toml")
CPUINFO = Path("/proc/cpuinfo")
# The Python package each engine needs installed.
_PACKAGES = {"rapidocr": "onnxruntime", "openvino": "openvino", "paddleocr": "paddleocr"}


class Rule(BaseModel):
    engine: str
    cpu_flags: list[str] = []


def load_rules(path: Path = ENGINES_TOML) -> list[Rule]:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    return [Rule(**r) for r in data["default"]]


def cpu_flags(cpuinfo: str) -> frozenset[str]:
    """The flags of /proc/cpuinfo's text (x86 "flags", ARM "Features"), of the first CPU:
    the cores of one machine share them."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def installed(engine: str) -> bool:
    package = _PACKAGES.get(engine, engine)
    return importlib_util.find_spec(package) is not None


def choose_engine(
    flags: Iterable[str],
    rules: list[Rule],
    available: Callable[[str], bool] = installed,
) -> str:
    """The engine of the first rule whose flags this CPU has all of, among those installed."""
    have = set(flags)
    for rule in rules:
        if set(rule.cpu_flags) <= have and available(rule.engine):
            return rule.engine
    return "rapidocr"


@cache
def default_engine() -> str:
    """This machine's engine (read once per process)."""
    try:
        text = CPUINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:  # not Linux: no flags, so the rules for any machine apply
        text = ""
    return choose_engine(cpu_flags(text), load_rules())
