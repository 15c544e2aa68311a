"""documents[].field_confidence: a reading's prior, lifted or dropped by the identities."""

from __future__ import annotations

from extractors.confidence import field_confidence, rules

PRIOR = 0.9
BOUND = rules()["bound"]


def _audit(liabilities: float) -> dict[str, object]:
    return {
        "total_assets": 1000.0,
        "total_liabilities": liabilities,
        "total_equity": 600.0,
        "total_profit": 100.0,
        "income_tax": 15.0,
        "net_profit": 85.0,
        "revenue": 5000.0,
    }


def _read(fields: dict[str, object]) -> dict[str, float]:
    return {k: PRIOR for k, v in fields.items() if v is not None}


def test_identities_that_hold_lift_their_fields_and_leave_others() -> None:
    fields = _audit(400.0)
    conf = field_confidence("audit_report", fields, _read(fields), {})
    for key in ("total_assets", "total_liabilities", "total_equity", "net_profit", "income_tax"):
        assert conf[key] == BOUND["verified"]
    assert conf["revenue"] == PRIOR  # bound by no identity


def test_a_broken_identity_marks_every_field_in_it() -> None:
    fields = _audit(410.0)  # 资产 ≠ 负债 + 权益: one of the three is misread
    conf = field_confidence("audit_report", fields, _read(fields), {})
    for key in ("total_assets", "total_liabilities", "total_equity"):
        assert conf[key] == BOUND["contradicted"] < 0.9
    assert conf["net_profit"] == BOUND["verified"]


def test_unread_fields_are_zero_and_leave_their_identity_unsettled() -> None:
    fields = _audit(400.0) | {"total_equity": None}
    conf = field_confidence("audit_report", fields, _read(fields), {"total_equity": "未能读取"})
    assert conf["total_equity"] == 0.0
    assert conf["total_assets"] == PRIOR


def test_invoice_arithmetic_words_and_check_digits() -> None:
    fields = {
        "amount": 100.0,
        "tax_amount": 6.0,
        "total": 106.0,
        "total_in_words": "壹佰零陆圆整",
        "items": [{"amount": 60.0}, {"amount": 40.0}],
        "buyer_credit_code": "91430100MA4L0ABC1X",  # wrong check character
        "seller_credit_code": None,
    }
    conf = field_confidence("invoice", fields, _read(fields), {})
    assert conf["total"] == conf["total_in_words"] == conf["items"] == BOUND["verified"]
    assert conf["buyer_credit_code"] == BOUND["invalid"]
    fields["total_in_words"] = "壹佰零柒圆整"
    conf = field_confidence("invoice", fields, _read(fields), {})
    assert conf["total_in_words"] == BOUND["contradicted"]
    assert conf["total"] == BOUND["contradicted"]  # one side of 大写 = 小写 is off
