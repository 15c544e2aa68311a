"""The business licence (营业执照): portrait and landscape, current and pre-2015 layouts.

Labels come from extractors/vocab/business_licence.toml. OCR gives a label and its value in
one line ("名称湖南星辰…"), in separate boxes, or a label split into boxes ("名" … "称");
landscape licences put two label/value pairs on a row. So labels are found in each row's
text, and every other piece of text goes to the label that owns it by position (see
`LabelledPage`): a value ends at the next label, wrapped 经营范围 and 住所 lines join theirs.
The issue date is the date beside 登记机关 (usually under its seal).

The label machinery (`LabelledPage` and friends) lives in extractors/labelled.py.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from extractors.base import Collector, Extraction
from extractors.common.amounts import parse_money
from extractors.common.credit_code import find_codes, is_registration_number, repair
from extractors.common.dates import find_dates, parse_date
from extractors.common.normalize import normalize_name
from extractors.labelled import (
    LabelledPage,
    Labels,
    Value,
    canon,
    field_labels,
    put_sources,
    straighten,
    tidy,
)
from pipeline.models import BusinessLicence, Line, Page

VOCAB = Path(__file__).with_name("vocab") / "business_licence.toml"

# ---- the licence -------------------------------------------------------------------------

REGISTRY = "registry"
FIELDS = [
    "company_name",
    "credit_code",
    "registration_number",
    "company_type",
    "legal_representative",
    "registered_capital",
    "established",
    "address",
    "business_scope",
    "issue_date",
]


@lru_cache(maxsize=1)
def _labels() -> Labels:
    data = tomllib.loads(VOCAB.read_text(encoding="utf-8"))
    return field_labels(data)


def _credit_code(text: str) -> str | None:
    codes = find_codes(text)
    if codes:
        return codes[0]
    alnum = re.sub(r"[^0-9A-Za-z]", "", text)
    if len(alnum) == 18:
        return repair(alnum) or alnum.upper()
    return None


_DIGIT_FOR = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "Z": "2", "S": "5"})


def _registration_number(text: str) -> str | None:
    m = re.search(r"[0-9OoDIlZS]{15}", text)
    if not m:
        return None
    raw = m.group(0)
    fixed = raw.translate(_DIGIT_FOR)
    # Digits as read are kept even when the check digit disagrees: the number is reported,
    # not corrected; a letter is read as a digit only where that makes the check digit right.
    if raw.isdigit() or is_registration_number(fixed):
        return fixed
    return None


def _date(text: str) -> str | None:
    found = parse_date(text)
    if found:
        return found
    dates = find_dates(text)
    return dates[0] if dates else None


class _LicenceReader:
    def __init__(self, col: Collector) -> None:
        self.col = col
        self.used: set[int] = set()  # lines that gave a field: not the issue date
        self.labelled: set[str] = set()  # fields whose label was printed

    def read(self, page: Page) -> None:
        reader = LabelledPage(page, _labels())
        registry: Value | None = None
        for value in reader.values():
            self.labelled.add(value.name)
            if value.name == REGISTRY:
                registry = value
                continue
            parsed = self._parse(value.name, value.text)
            if parsed is not None and value.name not in self.col.values:
                put_sources(self.col, value.name, parsed, value.sources)
                self.used.update(id(ln) for _, ln in value.sources)
        if registry is not None:
            found = find_dates(registry.text)
            if found:
                put_sources(self.col, "issue_date", found[-1], registry.sources)
        if "issue_date" not in self.col.values:
            self._issue_date(reader, registry)
        if "credit_code" not in self.col.values:
            for line in page.lines:
                codes = find_codes(canon(line.text))
                if codes:
                    put_sources(self.col, "credit_code", codes[0], [(page, line)])
                    break

    def _parse(self, name: str, text: str) -> object:
        if not text:
            return None
        if name == "company_name":
            return normalize_name(text) or None
        if name == "credit_code":
            return _credit_code(text)
        if name == "registration_number":
            return _registration_number(text)
        if name in ("company_type", "legal_representative", "address", "business_scope"):
            return tidy(text) or None
        if name == "registered_capital":
            # 伍仟万元整, 人民币伍仟万元整, 5000万元, 5000万元人民币 → 元
            return parse_money(text)
        if name == "established":
            return _date(text)
        return None

    def _issue_date(self, reader: LabelledPage, registry: Value | None) -> None:
        """A date standing alone near 登记机关 (often under a seal), else the lowest one."""
        page = reader.page
        anchor = registry.sources[0][1] if registry else None
        candidates: list[tuple[float, Line, str]] = []
        for line in page.lines:
            if id(line) in self.used:
                continue
            text = canon(line.text)
            dates = find_dates(text)
            if len(dates) != 1 or "至" in text:
                continue  # 营业期限 "…至…" is a range, not the issue date
            if anchor is not None:
                if line.bbox[1] < anchor.bbox[1] - reader.height:
                    continue
                dist = abs(line.bbox[1] - anchor.bbox[3]) + abs(line.bbox[0] - anchor.bbox[0]) / 4
            else:
                if line.bbox[1] < page.height / 2:
                    continue
                dist = -line.bbox[1]
            candidates.append((dist, line, dates[0]))
        if candidates:
            _, line, iso = min(candidates, key=lambda c: c[0])
            put_sources(self.col, "issue_date", iso, [(page, line)])


def extract(file: str, pages: list[Page]) -> Extraction:
    col = Collector(file)
    reader = _LicenceReader(col)
    for page in pages:
        reader.read(straighten(page))
    result = col.finish(BusinessLicence, FIELDS)
    # A pre-2015 licence has no credit code and a current one no 注册号: the one not printed
    # is absent, not unread, once the other was read.
    if "registration_number" in col.values or "credit_code" in col.values:
        for name in ("credit_code", "registration_number"):
            if name not in reader.labelled:
                result.unread.pop(name, None)
    return result
