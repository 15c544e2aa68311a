"""Shared text parsing for every extractor: amounts, dates, credit codes, names.

Pure functions over text; nothing here knows about document types.  Import from the
package (``from extractors.common import parse_money``) or from the modules.
"""

from .amounts import (
    UNIT_FACTORS,
    Unit,
    detect_unit,
    parse_amount,
    parse_chinese_upper,
    parse_money,
    to_chinese_upper,
    wan_from_yuan,
    yuan_from_wan,
)
from .credit_code import (
    check_digit,
    division_code,
    find_codes,
    is_hunan,
    is_registration_number,
    is_valid,
    mod_11_10_check_digit,
    normalize_code,
    repair,
)
from .dates import find_dates, parse_date, parse_month, parse_period
from .normalize import (
    collapse_whitespace,
    normalize_name,
    normalize_text,
    ocr_digits,
    remove_cjk_spaces,
    to_halfwidth,
)
from .orgs import OrgMatch, find_org_spans, find_orgs, nlp

__all__ = [
    "UNIT_FACTORS",
    "OrgMatch",
    "Unit",
    "check_digit",
    "collapse_whitespace",
    "detect_unit",
    "division_code",
    "find_codes",
    "find_dates",
    "find_org_spans",
    "find_orgs",
    "is_hunan",
    "is_registration_number",
    "is_valid",
    "mod_11_10_check_digit",
    "nlp",
    "normalize_code",
    "normalize_name",
    "normalize_text",
    "ocr_digits",
    "parse_amount",
    "parse_chinese_upper",
    "parse_date",
    "parse_money",
    "parse_month",
    "parse_period",
    "remove_cjk_spaces",
    "repair",
    "to_chinese_upper",
    "to_halfwidth",
    "wan_from_yuan",
    "yuan_from_wan",
]
