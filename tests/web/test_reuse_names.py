"""A reused invoice's other application: named to province users, only "另一申报" to city
users, on the desk's page and in the report files it serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.models import Evidence, Finding
from tests.web.conftest import login, sample_report, seed_batch
from webdesk.desk import Desk

OTHER = "【003_株洲华锐轨道交通装备股份有限公司（批次 2019年第一批，第 4 次运行）】"
MESSAGE = f"发票/1.pdf 第1页：发票 043001800111-12345678 也出现在另一申报{OTHER}中（重复提交），请核实是否重复申报"


def test_city_users_see_only_another_application(desk: Desk, client_factory: Any) -> None:
    report = sample_report()
    report.findings.insert(
        0,
        Finding(
            code="INVOICE_REUSED",
            field="invoice_reuse",
            severity="error",
            message=MESSAGE,
            evidence=[
                Evidence(file="发票/1.pdf", page=1, text="发票号码 12345678"),
                Evidence(file=f"{OTHER}发票/x.pdf", page=1, text=f"另一申报{OTHER}：12345678"),
            ],
        ),
    )
    batch = seed_batch(desk, "长沙市", report)
    app = desk.apps(batch.id)[0]
    html = Path(batch.out_dir) / app.name / "report.html"
    html.write_text(f"<html><head></head><body><p>{MESSAGE}</p></body></html>", encoding="utf-8")
    city, province = client_factory(), client_factory()
    login(city, "cs")
    login(province, "prov")
    page = city.get(f"/apps/{app.id}").text
    assert "另一申报中（重复提交）" in page and "003_株洲" not in page
    assert "003_株洲华锐轨道交通装备股份有限公司" in province.get(f"/apps/{app.id}").text
    for name in ("report.html", "report.json"):
        url = f"/files/{batch.id}/{app.name}/{name}"
        seen = city.get(url)
        assert seen.status_code == 200 and "另一申报" in seen.text
        assert "003_株洲" not in seen.text
        assert "003_株洲" in province.get(url).text


def test_city_exports_leave_the_other_application_out(desk: Desk, client_factory: Any) -> None:
    import io

    from openpyxl import Workbook, load_workbook

    report = sample_report()
    report.findings.insert(
        0, Finding(code="INVOICE_REUSED", field="invoice_reuse", severity="error", message=MESSAGE)
    )
    batch = seed_batch(desk, "长沙市", report)
    out = Path(batch.out_dir)
    (out / "summary.csv").write_text(
        "\ufeff申报单位,说明\r\n" + f"a,{MESSAGE}\r\n", encoding="utf-8"
    )
    wb = Workbook()
    assert wb.active is not None
    wb.active.append(["说明", MESSAGE])
    wb.save(out / "summary.xlsx")
    city, province = client_factory(), client_factory()
    login(city, "cs")
    login(province, "prov")
    for client, shown in ((city, False), (province, True)):
        csv_text = client.get(f"/files/{batch.id}/summary.csv").text
        assert ("003_株洲" in csv_text) is shown and "另一申报" in csv_text
        for url in (f"/files/{batch.id}/summary.xlsx", f"/batches/{batch.id}/review.xlsx"):
            got = load_workbook(io.BytesIO(client.get(url).content))
            cells = [str(c.value) for ws in got.worksheets for r in ws.iter_rows() for c in r]
            assert any("另一申报" in c for c in cells), url
            assert any("003_株洲" in c for c in cells) is shown, url
