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
from extractors.common.shapes import (
    address_continuation,
    company_name,
    company_type,
    is_address,
    is_notice_item,
    notice_headings,
    person_name,
)
from extractors.labelled import (
    LabelledPage,
    Labels,
    Part,
    Source,
    Value,
    canon,
    field_labels,
    line_height,
    put_sources,
    split_vertical_runs,
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


def _prose(text: str) -> bool:
    """Sentences (notices, 重要提示, footers), never a short field's value."""
    return bool(re.search(r"[。；;]|《|》", text)) or is_notice_item(text)


def _without_notices(page: Page) -> Page:
    """The page without its block of numbered notice items (须知 of pre-2015 licences, the
    重要提示 box): their lines stand level with labels and would be owned by them."""
    items = [ln for ln in page.lines if is_notice_item(canon(ln.text))]
    # Numbered items under a 须知 / 重要提示 heading, or quoting 《…》: a 经营范围 in numbered
    # items is none of these and stays.
    heading = any(h in canon(ln.text) for ln in page.lines for h in notice_headings())
    if len(items) < 2 or not (heading or any("《" in ln.text for ln in items)):
        return page
    h = line_height(page.lines)
    x0 = min(ln.bbox[0] for ln in items) - h
    x1 = max(ln.bbox[2] for ln in items) + h
    y0 = min(ln.bbox[1] for ln in items) - 1.5 * h
    y1 = max(ln.bbox[3] for ln in items) + 1.5 * h

    def inside(ln: Line) -> bool:
        cx = (ln.bbox[0] + ln.bbox[2]) / 2
        cy = (ln.bbox[1] + ln.bbox[3]) / 2
        return x0 <= cx <= x1 and y0 <= cy <= y1 and ln.bbox[0] >= x0

    kept = [ln for ln in page.lines if not inside(ln)]
    return page.model_copy(update={"lines": kept})


def _shaped(name: str, text: str) -> object:
    """A field's value read from text, or None when the text does not have the field's shape."""
    text = tidy(text)
    if not text:
        return None
    if name == "company_name":
        found = company_name(text)
        return normalize_name(found) if found else None
    if name == "company_type":
        return company_type(text)
    if name == "legal_representative":
        return person_name(text)
    if name == "address":
        return text if is_address(text) and not _prose(text) else None
    if name == "credit_code":
        return _credit_code(text)
    if name == "registration_number":
        return _registration_number(text)
    if name == "registered_capital":
        # 伍仟万元整, 人民币伍仟万元整, 5000万元, 5000万元人民币 → 元
        return None if _prose(text) else parse_money(text)
    if name == "established":
        return _date(text)
    if name == "business_scope":
        return text
    return None


_OWN_PARTS = (
    "company_name",
    "company_type",
    "legal_representative",
    "registered_capital",
    "established",
)


class _LicenceReader:
    def __init__(self, col: Collector) -> None:
        self.col = col
        self.used: set[int] = set()  # lines that gave a field: not the issue date
        self.labelled: set[str] = set()  # fields whose label was printed
        self.lines_of: dict[str, list[Line]] = {}  # the lines each field was read from

    def _put(self, name: str, value: object, sources: list[Source]) -> None:
        if value is None or name in self.col.values:
            return
        put_sources(self.col, name, value, sources)
        self.used.update(id(ln) for _, ln in sources)
        self.lines_of[name] = [ln for _, ln in sources]

    def read(self, page: Page) -> None:
        labels = _labels()
        page = _without_notices(split_vertical_runs(page, labels.chars))
        reader = LabelledPage(page, labels)
        values = reader.values()
        _give_back_wraps(values, reader.height)
        registry: Value | None = None
        orphans: list[list[Part]] = []  # parts that fit no field of the label owning them
        for value in values:
            self.labelled.add(value.name)
            if value.name == REGISTRY:
                registry = value
                continue
            parsed, sources = self._parse(value)
            self._put(value.name, parsed, sources)
            if value.name != "business_scope":
                taken = {id(src[1]) for src in sources} if parsed is not None else set()
                left = [p for p in value.parts if not any(id(s[1]) in taken for s in p.sources)]
                if left:
                    orphans.append(left)
        if registry is not None:
            # 2021 | 年6 | 月 under the seal: parts of one row read left to right.
            h = reader.height
            ordered = sorted(registry.parts, key=lambda p: (round(p.top / h), p.x0))
            found = find_dates("".join(p.text for p in ordered)) or find_dates(registry.text)
            if found:
                self._put("issue_date", found[-1], registry.sources)
        self._adopt(page, orphans, {v.name: v for v in values}, reader.height)
        self._by_shape(page, reader)
        self._person_by_place(page, reader.height)
        if "issue_date" not in self.col.values:
            established = next((v for v in values if v.name == "established"), None)
            self._issue_date(reader, registry, established)
        if "credit_code" not in self.col.values:
            for line in page.lines:
                codes = find_codes(canon(line.text))
                if codes:
                    self._put("credit_code", codes[0], [(page, line)])
                    break

    def _parse(self, value: Value) -> tuple[object, list[Source]]:
        """The value by its label: the one part that has the field's shape (a watermark or a
        wrapped neighbour line owned by the same label is left out), else the whole text (a
        value wrapped over lines)."""
        name = value.name
        in_parts = {id(src[1]) for part in value.parts for src in part.sources}
        label = [src for src in value.sources if id(src[1]) not in in_parts]
        if name == "business_scope" or name not in _OWN_PARTS + ("address",):
            return _shaped(name, value.text), value.sources
        parts = [p for p in value.parts if not _prose(p.text) and not _debris(p.text)]
        if name == "address":
            parsed = _shaped(name, "".join(p.text for p in parts))
            if parsed is not None:
                return parsed, _with(label, parts)
        for part in parts:
            parsed = _shaped(name, part.text)
            if parsed is not None:
                return parsed, _with(label, [part])
        if name != "address" and len(parts) > 1:
            parsed = _shaped(name, "".join(p.text for p in parts))
            if parsed is not None:
                return parsed, _with(label, parts)
        return None, []

    def _adopt(
        self, page: Page, orphans: list[list[Part]], labelled: dict[str, Value], h: float
    ) -> None:
        """Text a label owned but that is not of its field's shape (a misaligned print puts
        the address beside 名称, the capital beside 法定代表人) is offered to the fields still
        unread, by shape, and near their label where the label was found."""

        def near(name: str, part: Part, rows: float) -> bool:
            label = labelled.get(name)
            return label is None or abs(part.top - label.top) <= rows * h

        def put(name: str, value: object, parts: list[Part]) -> None:
            self._put(name, value, _with([], parts))
            for group in orphans:
                for p in parts:
                    if p in group:
                        group.remove(p)

        for group in orphans:
            run = [p for p in group if not _prose(p.text) and not _debris(p.text)]
            if "address" not in self.col.values and run:
                text = "".join(p.text for p in run)
                if _address_line(canon(text)) or (len(run) > 1 and is_address(canon(text))):
                    put("address", tidy(text), run)
        for group in orphans:
            for part in list(group):
                text = canon(part.text)
                if _prose(text) or _debris(text):
                    continue
                if "address" not in self.col.values and _address_line(text):
                    put("address", tidy(text), [part])
                elif (
                    "registered_capital" not in self.col.values
                    and re.search(r"[元圆]", text)
                    and (money := parse_money(text)) is not None
                    and near("registered_capital", part, 2)
                ):
                    put("registered_capital", money, [part])
                elif (
                    "established" not in self.col.values
                    and "至" not in text
                    and len(find_dates(text)) == 1
                    and near("established", part, 1.5)
                ):
                    put("established", find_dates(text)[0], [part])
                elif (
                    "legal_representative" not in self.col.values
                    and "legal_representative" in labelled
                    and (name := person_name(text)) is not None
                    and near("legal_representative", part, 1.0)
                ):
                    put("legal_representative", name, [part])

    def _by_shape(self, page: Page, reader: LabelledPage) -> None:
        """Fields whose label OCR lost, found by the shape of a line standing alone: a company
        name, a registered company type, an address (with its wrapped tail)."""
        lines = sorted(
            (ln for ln in page.lines if id(ln) not in self.used),
            key=lambda ln: (ln.bbox[1], ln.bbox[0]),
        )
        h = reader.height
        for line in lines:
            text = canon(line.text)
            if _prose(text) or id(line) in self.used:
                continue
            # The second character of a spaced label (称, 型, 所) glued in front of its value
            # once the first went into a vertical run: never part of the value.
            if len(text) > 1 and text[0] in _label_tails():
                text = text[1:]
            for skip in range(3):  # other stray characters in front
                rest = text[skip:]
                if "company_name" not in self.col.values:
                    found = company_name(rest)
                    if found and len(rest) - len(found) <= 2 and not is_address(rest):
                        self._put("company_name", normalize_name(found), [(page, line)])
                        break
                if "company_type" not in self.col.values and skip == 0:
                    found = company_type(rest)
                    if found:
                        self._put("company_type", found, [(page, line)])
                        break
                if "address" not in self.col.values and _address_line(rest):
                    sources: list[Source] = [(page, line)]
                    value = tidy(rest)
                    for nxt in lines:
                        gap = nxt.bbox[1] - line.bbox[3]
                        if (
                            id(nxt) not in self.used
                            and nxt is not line
                            and -0.3 * h <= gap <= 0.8 * h
                            and abs(nxt.bbox[0] - line.bbox[0]) <= h
                            and address_continuation(canon(nxt.text))
                        ):
                            value += tidy(nxt.text)
                            sources.append((page, nxt))
                            break
                    self._put("address", value, sources)
                    break

    def _person_by_place(self, page: Page, h: float) -> None:
        """法定代表人 lost with its label: the one line that is a person's name alone, in the
        value column of the company name (its left edge), between the name and the date of
        establishment."""
        if "legal_representative" in self.col.values or "legal_representative" in self.labelled:
            return
        name = self.lines_of.get("company_name")
        established = self.lines_of.get("established")
        if not name or not established:
            return
        left = name[-1].bbox[0]
        top, bottom = name[-1].bbox[3], established[0].bbox[1]
        found = [
            ln
            for ln in page.lines
            if id(ln) not in self.used
            and top <= ln.bbox[1] < bottom
            and abs(ln.bbox[0] - left) <= 1.5 * h
            and person_name(canon(ln.text)) is not None
        ]
        if len(found) == 1:
            self._put("legal_representative", person_name(canon(found[0].text)), [(page, found[0])])

    def _issue_date(
        self, reader: LabelledPage, registry: Value | None, established: Value | None = None
    ) -> None:
        """A date standing alone near 登记机关 (often under a seal), else the lowest one; a
        date whose 年 月 日 came back as separate boxes is read off its row."""
        page = reader.page
        anchor = registry.sources[0][1] if registry else None
        candidates: list[tuple[float, list[Line], str]] = []
        pieces: list[tuple[list[Line], str]] = [([ln], canon(ln.text)) for ln in page.lines]
        pieces += [
            (row, "".join(canon(ln.text) for ln in row)) for row in reader.rows if len(row) > 1
        ]
        for group, text in pieces:
            if any(id(ln) in self.used for ln in group):
                continue
            dates = find_dates(text)
            if len(dates) != 1 or "至" in text:
                continue  # 营业期限 "…至…" is a range, not the issue date
            top = min(ln.bbox[1] for ln in group)
            left = min(ln.bbox[0] for ln in group)
            if established is not None and top <= established.bottom:
                continue  # the issue date is printed below the fields, never beside 成立日期
            if anchor is not None:
                if top < anchor.bbox[1] - reader.height:
                    continue
                dist = abs(top - anchor.bbox[3]) + abs(left - anchor.bbox[0]) / 4
            else:
                if top < page.height / 2:
                    continue
                dist = -top
            candidates.append((dist, group, dates[0]))
        if candidates:
            _, group, iso = min(candidates, key=lambda c: c[0])
            self._put("issue_date", iso, [(page, ln) for ln in group])


@lru_cache(maxsize=1)
def _label_tails() -> frozenset[str]:
    data = tomllib.loads(VOCAB.read_text(encoding="utf-8"))
    return frozenset(
        lab[-1] for labels in data["fields"].values() for lab in labels if len(lab) == 2
    )


def _debris(text: str) -> bool:
    """One or two characters of a spaced label left over (人, 所, 住)."""
    text = canon(text)
    return len(text) <= 2 and all(ch in _labels().chars for ch in text)


def _with(label: list[Source], parts: list[Part]) -> list[Source]:
    out = list(label)
    for p in parts:
        out.extend(s for s in p.sources if not any(s[1] is t[1] for t in out))
    return out


def _address_line(text: str) -> bool:
    """A line that is an address by itself: a place word early, ending at a number or a point."""
    if not is_address(text) or _prose(text):
        return False
    head = text[:8]
    return any(p in head for p in ("省", "市", "区", "县", "镇")) and bool(
        re.search(r"(\d+号|[0-9A-Za-z]+室|[室楼栋幢村房层号]|\d+)(（[^）]*）)?$", text)
    )


def _give_back_wraps(values: list[Value], h: float) -> None:
    """An address's wrapped tail (C503, 1号楼228房间) printed just above the next label's value
    is owned by that label: it goes back to the address when it does not fit the label's own
    field and does fit an address's tail."""
    address = next((v for v in values if v.name == "address"), None)
    if address is None:
        return
    below = [v for v in values if v.top > address.top and abs(v.x0 - address.x0) <= 3 * h]
    if not below:
        return
    nxt = min(below, key=lambda v: v.top)
    while nxt.parts:
        first = nxt.parts[0]
        if _shaped(nxt.name, first.text) is not None or not address_continuation(first.text):
            break
        if len(nxt.parts) < 2:
            break  # the label's only text stays its own
        nxt.parts.pop(0)
        address.parts.append(first)
        address.text += first.text
        nxt.text = "".join(p.text for p in nxt.parts)


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
