"""Invoices and contracts reused across applications (pipeline/checks/reuse.py), on the
hand-built consistent dossier of tests/checks/builders.py."""

from __future__ import annotations

from pipeline.checks.reuse import reuse_findings
from pipeline.models import Submission
from tests.checks.builders import OTHER_CODE, Dossier


def submission(d: Dossier, name: str, run_id: int | None = None) -> Submission:
    r = d.report()
    return Submission(
        application=name,
        batch="2019年第一批" if run_id else None,
        run_id=run_id,
        declared=r.declared,
        documents=r.documents,
    )


def other_applicant() -> Dossier:
    d = Dossier()
    d.form["company_name"] = "湖南另一家科技有限公司"
    d.form["credit_code"] = OTHER_CODE
    for inv in d.invoices:
        inv["invoice_number"] = "9" + inv["invoice_number"][1:]
    for c in d.contracts:
        c["contract_number"] += "-X"
        c["party_a"] = "湖南另一家科技有限公司"
    return d


def test_consistent_applications_have_no_reuse() -> None:
    found = reuse_findings([submission(Dossier(), "001"), submission(other_applicant(), "002")])
    assert found == {}


def test_invoice_in_two_applications_found_on_both() -> None:
    a, b = Dossier(), other_applicant()
    b.invoices[1].update(invoice_code="043001800111", invoice_number="00000002")
    found = reuse_findings([submission(a, "001_甲"), submission(b, "002_乙")])
    assert set(found) == {"001_甲", "002_乙"}
    (mine,) = found["001_甲"]
    assert mine.field == "invoice_reuse" and mine.severity == "error"
    assert "【002_乙（本批次）】" in mine.message and "另一申报" in mine.message
    assert len(mine.evidence) == 2 and "002_乙" in mine.evidence[1].text
    (theirs,) = found["002_乙"]
    assert "【001_甲（本批次）】" in theirs.message


def test_digital_invoice_by_number_alone_and_qr_values() -> None:
    a, b = Dossier(), other_applicant()
    a.invoices[0].update(invoice_code=None, invoice_number="24432000000012345678")
    # The other side's printed number unread, its QR code read.
    b.invoices[0].update(invoice_code=None, invoice_number=None)
    b.invoices[0]["qr"] = {
        "invoice_type": "32",
        "invoice_code": None,
        "invoice_number": "24432000000012345678",
        "issue_date": "2017-09-01",
        "amount": "500000.00",
        "amount_kind": "total",
        "check_code": None,
    }
    found = reuse_findings([submission(a, "001"), submission(b, "002")])
    assert [f.field for f in found["001"]] == ["invoice_reuse"]
    assert [f.field for f in found["002"]] == ["invoice_reuse"]


def test_contract_reuse_by_number_and_parties_or_amount_parties_date() -> None:
    a, b = Dossier(), other_applicant()
    b.contracts[0].update(contract_number="HT-2017-01", party_a=a.contracts[0]["party_a"])
    b.contracts[1]["amount"] = "800000.00"  # same amount, other parties: not the same contract
    found = reuse_findings([submission(a, "001"), submission(b, "002")])
    assert [f.found for f in found["001"]] == ["合同 HT-2017-01"]
    b.contracts[1].update(contract_number="另一编号")
    b.contracts[1].update(
        {k: a.contracts[1][k] for k in ("party_a", "party_b", "amount", "sign_date")}
    )
    found = reuse_findings([submission(a, "001"), submission(b, "002")])
    fields = sorted(f.field for f in found["001"])
    assert fields == ["contract_reuse", "contract_reuse"]  # one finding per contract
    assert len(found["002"]) == 2 and {f.field for f in found["002"]} == {"contract_reuse"}


def test_against_an_earlier_run() -> None:
    earlier = submission(other_applicant(), "005_乙", run_id=7)
    earlier.documents = [d for d in earlier.documents if d.type != "invoice"] + [
        d for d in Dossier().report().documents if d.type == "invoice"
    ]
    found = reuse_findings([submission(Dossier(), "001_甲")], [earlier])
    assert {f.field for f in found["001_甲"]} == {"invoice_reuse"}
    assert all("【005_乙（批次 2019年第一批，第 7 次运行）】" in f.message for f in found["001_甲"])
    assert "005_乙" not in found  # the earlier run's reports are not rewritten


def test_same_applicant_both_declared_years_is_a_warning() -> None:
    this_year = Dossier()
    last_year = Dossier()
    last_year.form["years"] = {
        "2016": last_year.form["years"]["2017"],
        "2017": last_year.form["years"]["2017"],
    }
    found = reuse_findings([submission(this_year, "001")], [submission(last_year, "001", run_id=3)])
    by_year = {f.year: f.severity for f in found["001"] if f.field == "invoice_reuse"}
    # The 2017 invoice lies in a year both applications declare; the 2018 one does not.
    assert "warning" in by_year.values() and by_year.get("2017") == "warning"
    assert any(f.severity == "error" for f in found["001"] if f.field == "invoice_reuse")
