import ast
import subprocess
import sys
from pathlib import Path

import extractors.common as common

PACKAGE = Path(common.__file__).parent


def test_reexports_resolve() -> None:
    for name in common.__all__:
        assert getattr(common, name) is not None, name


def test_main_functions_are_reexported() -> None:
    expected = {
        "parse_amount",
        "parse_money",
        "parse_chinese_upper",
        "to_chinese_upper",
        "yuan_from_wan",
        "wan_from_yuan",
        "detect_unit",
        "parse_date",
        "parse_month",
        "parse_period",
        "check_digit",
        "is_valid",
        "division_code",
        "is_hunan",
        "repair",
        "find_codes",
        "is_registration_number",
        "find_orgs",
        "nlp",
        "normalize_name",
        "to_halfwidth",
        "collapse_whitespace",
    }
    assert expected <= set(common.__all__)


def test_no_float_literals_or_float_calls_in_money_code() -> None:
    tree = ast.parse((PACKAGE / "amounts.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        assert not (isinstance(node, ast.Constant) and isinstance(node.value, float)), node.lineno
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "float", node.lineno


def test_data_files_exist() -> None:
    for name in ("org_suffixes.txt", "org_lead_words.txt"):
        text = (PACKAGE / name).read_text(encoding="utf-8")
        assert "[" in text and len(text.splitlines()) > 10


def test_importing_the_parsers_does_not_import_spacy() -> None:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "import extractors.common as c; "
        "assert c.parse_money('5000万元') == 50000000; "
        "print('spacy' in sys.modules)"
    )
    root = str(PACKAGE.parent.parent)
    result = subprocess.run(
        [sys.executable, "-c", code, root], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
