"""The desk's features without a browser: resumable uploads and the intake, "tonight" and
the nightly run's results, reviews, programme stages, the revoked list, the export, the CLI."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from pipeline.models import Report
from tests.web.conftest import (
    PASSWORDS,
    SAMPLES,
    app_id_of,
    login,
    sample_report,
    seed_batch,
    small_batch,
    zip_folder,
)
from webdesk import cli
from webdesk.desk import Desk, DeskProblem, Forbidden, finding_keys, report_anchors
from webdesk.jobs import NIGHTLY_MARKER, Dispatcher
from webdesk.revoked import ListProblem, match_entry, parse_list

FORM_007 = "007_长沙云帆汽车零部件有限公司"


def _start(c: Any, token: str, files: list[dict[str, Any]], **fields: Any) -> Any:
    body = {"name": "测试", "kind": "folder", "mode": "now", "files": files, **fields}
    return c.post("/api/uploads", json=body, headers={"X-CSRF-Token": token})


def _put(c: Any, token: str, upload: str, idx: int, offset: int, data: bytes) -> Any:
    return c.put(
        f"/api/uploads/{upload}/files/{idx}?offset={offset}",
        content=data,
        headers={"X-CSRF-Token": token, "Content-Type": "application/octet-stream"},
    )


def test_upload_resumes_from_what_the_server_has(
    desk: Desk, client_factory: Any, tmp_path: Path
) -> None:
    batch_dir = small_batch(tmp_path / "b", FORM_007, ["长沙云帆申报书.docx", "附件4.pdf"])
    files = sorted(p for p in batch_dir.rglob("*") if p.is_file())
    c = client_factory()
    token = login(c, "cs")
    r = _start(
        c,
        token,
        [{"path": p.relative_to(batch_dir).as_posix(), "size": p.stat().st_size} for p in files],
    )
    assert r.status_code == 201, r.text
    upload = r.json()["id"]
    first = files[0].read_bytes()
    # A chunk cut short by a dropped connection: the server keeps what arrived ...
    assert _put(c, token, upload, 0, 0, first[:1000]).json() == {"received": 1000}
    status = c.get(f"/api/uploads/{upload}").json()
    assert [f["received"] for f in status["files"]] == [1000, 0]
    # ... refuses a chunk that does not start there, telling where to go on ...
    r = _put(c, token, upload, 0, 0, first)
    assert r.status_code == 409 and r.json()["received"] == 1000
    # ... and refuses bytes beyond the announced size, keeping what it had.
    r = _put(c, token, upload, 0, 1000, first[1000:] + b"extra")
    assert r.status_code == 413
    assert c.get(f"/api/uploads/{upload}").json()["files"][0]["received"] == 1000
    # Finishing early is refused; the rest arrives; then the batch is made.
    assert (
        c.post(f"/api/uploads/{upload}/finish", headers={"X-CSRF-Token": token}).status_code == 400
    )
    assert _put(c, token, upload, 0, 1000, first[1000:]).json() == {"received": len(first)}
    assert _put(c, token, upload, 1, 0, files[1].read_bytes()).status_code == 200
    r = c.post(f"/api/uploads/{upload}/finish", headers={"X-CSRF-Token": token})
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["state"] == "queued" and done["intake"]["applications"] == 1
    batch = desk.batch(desk.users()[-1] if False else _user(desk, "cs"), done["batch_id"])
    stored = Path(batch.source)
    assert stored.is_relative_to(desk.settings.uploads)
    for p in files:
        assert (stored / p.relative_to(batch_dir)).read_bytes() == p.read_bytes()
    assert [a.name for a in desk.apps(batch.id)] == [FORM_007]
    assert batch.city == "长沙市"
    # Finishing twice gives the same batch, not a second one.
    again = c.post(f"/api/uploads/{upload}/finish", headers={"X-CSRF-Token": token}).json()
    assert again["batch_id"] == batch.id


def _user(desk: Desk, name: str) -> Any:
    return next(u for u in desk.users() if u.name == name)


@pytest.mark.parametrize(
    "files, fields, problem",
    [
        ([{"path": "../evil.pdf", "size": 1}], {}, "不允许"),
        ([{"path": "/etc/passwd", "size": 1}], {}, "绝对路径"),
        ([{"path": "a/.hidden", "size": 1}], {}, "不允许"),
        ([{"path": "a/b.pdf", "size": 1}, {"path": "A/B.pdf", "size": 1}], {}, "重复"),
        ([{"path": "a/b.pdf", "size": 3 * 1024**3}], {}, "超过上限"),
        ([{"path": "a/b.pdf", "size": 1}], {"kind": "zip"}, ".zip"),
        ([{"path": "a/b.pdf", "size": 1}], {"mode": "someday"}, "今晚处理"),
        ([], {}, "没有要上传"),
    ],
)
def test_uploads_are_checked_before_any_byte(
    client_factory: Any, files: list[dict[str, Any]], fields: dict[str, Any], problem: str
) -> None:
    c = client_factory()
    token = login(c, "cs")
    r = _start(c, token, files, **fields)
    assert r.status_code == 400 and problem in r.json()["error"], r.text


def _upload_whole(
    c: Any, token: str, root: Path, kind: str = "folder", **fields: Any
) -> dict[str, Any]:
    files = [root] if kind == "zip" else sorted(p for p in root.rglob("*") if p.is_file())
    entries = [
        {
            "path": p.name if kind == "zip" else p.relative_to(root).as_posix(),
            "size": p.stat().st_size,
        }
        for p in files
    ]
    r = _start(c, token, entries, kind=kind, **fields)
    assert r.status_code == 201, r.text
    upload = r.json()["id"]
    for i, p in enumerate(files):
        assert _put(c, token, upload, i, 0, p.read_bytes()).status_code == 200
    r = c.post(f"/api/uploads/{upload}/finish", headers={"X-CSRF-Token": token})
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def test_a_batch_the_intake_cannot_read_fails_and_is_kept(
    desk: Desk, client_factory: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "坏批次.zip"
    bad.write_bytes(b"this is not a zip file at all")
    c = client_factory()
    token = login(c, "cs")
    done = _upload_whole(c, token, bad, kind="zip")
    assert done["state"] == "failed" and "无法读取批次" in done["message"]
    batch = desk.batch(_user(desk, "cs"), done["batch_id"])
    assert Path(batch.source).read_bytes() == bad.read_bytes()  # never lost
    page = c.get(f"/batches/{batch.id}")
    assert "无法读取批次" in page.text and "失败" in page.text


def test_each_upload_gets_its_own_folder(desk: Desk, client_factory: Any, tmp_path: Path) -> None:
    root = small_batch(tmp_path / "b", FORM_007, ["长沙云帆申报书.docx"])
    c = client_factory()
    token = login(c, "cs")
    first = _upload_whole(c, token, root, name="同名批次")
    second = _upload_whole(c, token, root, name="同名批次")
    a = desk.batch(_user(desk, "cs"), first["batch_id"])
    b = desk.batch(_user(desk, "cs"), second["batch_id"])
    assert a.source != b.source and Path(a.source).is_dir() and Path(b.source).is_dir()
    assert a.out_dir != b.out_dir


def test_tonight_moves_the_batch_into_the_inbox_and_picks_up_the_nightly_reports(
    desk: Desk, client_factory: Any, tmp_path: Path
) -> None:
    root = small_batch(tmp_path / "b", FORM_007, ["长沙云帆申报书.docx"])
    archive = zip_folder(root, tmp_path / "今晚.zip")
    c = client_factory()
    token = login(c, "cs")
    done = _upload_whole(c, token, archive, kind="zip", mode="tonight")
    assert done["state"] == "tonight", done
    batch = desk.batch(_user(desk, "cs"), done["batch_id"])
    inbox_entry = desk.settings.inbox / f"{batch.key}.zip"
    assert inbox_entry.read_bytes() == archive.read_bytes()
    assert Path(batch.source) == inbox_entry
    # The nightly run's report folder must not exist before it claims it.
    assert not (desk.settings.nightly_out / batch.key).exists()
    assert "夜间收件箱" in c.get(f"/batches/{batch.id}").text

    # What `dossier serve` leaves: reports and its marker (flows/inbox.py).
    folder = desk.settings.nightly_out / batch.key
    report = sample_report(FORM_007)
    (folder / FORM_007).mkdir(parents=True)
    (folder / FORM_007 / "report.json").write_text(report.model_dump_json(), encoding="utf-8")
    (folder / FORM_007 / "report.html").write_text(
        "<html><head></head><body>夜间报告</body></html>", encoding="utf-8"
    )
    dispatcher = Dispatcher(desk)
    assert dispatcher.check_nightly() == 0  # no marker yet: still waiting
    (folder / NIGHTLY_MARKER).write_text(
        json.dumps(
            {"source": str(inbox_entry), "state": "done", "moved_to": "/x/processed/今晚.zip"}
        ),
        encoding="utf-8",
    )
    assert dispatcher.check_nightly() == 1
    batch = desk.batch(_user(desk, "cs"), batch.id)
    assert batch.state == "done" and batch.run_id is not None
    app = desk.apps(batch.id)[0]
    assert (app.state, app.errors, app.warnings) == ("done", 1, 1)
    assert desk.report(batch, app) == Report.model_validate_json(report.model_dump_json())
    page = c.get(f"/apps/{app.id}")
    assert "申报总资产 12345.67 万元" in page.text


def test_reviews_keep_every_mark(desk: Desk, client_factory: Any) -> None:
    batch = seed_batch(desk, "长沙市")
    app = desk.apps(batch.id)[0]
    items = desk.findings(batch, app, desk.report(batch, app))
    assert [i.severity for i in items] == ["error", "warning"]
    assert [i.anchor for i in items] == ["finding-1", "finding-2"]
    cs, prov = _user(desk, "cs"), _user(desk, "prov")
    with pytest.raises(DeskProblem, match="须写明意见"):
        desk.add_review(cs, batch, app, items[0].key, "needs_documents", " ")
    desk.add_review(cs, batch, app, items[0].key, "needs_documents", "请补交 2018 年审计报告原件")
    desk.add_review(prov, batch, app, items[0].key, "verified", "已核对原件")
    items = desk.findings(batch, app, desk.report(batch, app))
    history = items[0].history
    assert [(r.status, r.user_name, r.user_role) for r in history] == [
        ("needs_documents", "cs", "city"),
        ("verified", "prov", "province"),
    ]
    assert items[0].current is history[-1] and items[1].current is None
    # The page shows the mark and the trail.
    c = client_factory()
    login(c, "prov")
    page = c.get(f"/apps/{app.id}").text
    assert "已核对原件" in page and "请补交 2018 年审计报告原件" in page


def test_finding_keys_are_stable_and_anchors_follow_the_report() -> None:
    report = sample_report()
    findings = [report.findings[1], report.findings[0], report.findings[1]]
    assert finding_keys(findings) == [
        "DESCRIPTION_TOO_LONG|description_length||0",
        "FIN_MISMATCH|total_assets|2018|0",
        "DESCRIPTION_TOO_LONG|description_length||1",
    ]
    # report.html lists errors first: the error is finding-1 wherever it stands.
    assert report_anchors(findings) == ["finding-2", "finding-1", "finding-3"]


def test_programme_stages_and_the_publicity_period(desk: Desk, client_factory: Any) -> None:
    batch = seed_batch(desk, "长沙市")
    app = desk.apps(batch.id)[0]
    cs, prov = _user(desk, "cs"), _user(desk, "prov")
    assert desk.stage(cs, batch, app).allowed == ["province_review"]
    with pytest.raises(Forbidden):
        desk.change_stage(cs, batch, app, "rejected", "理由")
    desk.change_stage(cs, batch, app, "province_review", "")
    with pytest.raises(DeskProblem, match="不能从"):
        desk.change_stage(prov, batch, app, "announced", "")
    with pytest.raises(DeskProblem, match="写明理由"):
        desk.change_stage(prov, batch, app, "city_check", "")
    desk.change_stage(prov, batch, app, "publicity", "第一批公示")
    info = desk.stage(prov, batch, app)
    start = info.publicity_start
    assert start is not None and info.publicity_end == start + timedelta(days=7)
    assert info.days_left == 7
    assert desk.stage(prov, batch, app, today=start + timedelta(days=5)).days_left == 2
    with pytest.raises(DeskProblem, match="公示期至"):
        desk.change_stage(prov, batch, app, "announced", "")
    desk.change_stage(prov, batch, app, "announced", "", today=start + timedelta(days=7))
    info = desk.stage(prov, batch, app)
    assert [e.stage for e in info.history] == [
        "city_check",
        "province_review",
        "publicity",
        "announced",
    ]
    assert info.allowed == []
    c = client_factory()
    login(c, "cs")
    page = c.get(f"/apps/{app.id}").text
    assert "阶段记录（4 条）" in page and "第一批公示" in page


def test_publicity_shown_with_its_dates(desk: Desk, client_factory: Any) -> None:
    batch = seed_batch(desk, "长沙市")
    app_id = app_id_of(desk, batch)
    c = client_factory()
    token = login(c, "prov")
    for target in ("province_review", "publicity"):
        r = c.post(
            f"/apps/{app_id}/stage", data={"csrf_token": token, "target": target, "note": ""}
        )
        assert r.status_code == 303
    page = c.get(f"/apps/{app_id}").text
    assert "公示期：" in page and "还剩 <b>7</b> 天" in page
    summary = c.get(f"/batches/{batch.id}?stage=publicity").text
    assert "显示 1 / 1 个申报" in summary


CSV_HEADER = "企业名称,统一社会信用代码,撤销日期\n"


def test_revoked_list_parsing() -> None:
    text = (
        CSV_HEADER
        + "长沙云帆汽车零部件有限公司,91430121841147816U,2023年5月1日\n某某公司,,2022/01/02\n"
    )
    for encoding in ("utf-8-sig", "gb18030"):
        entries = parse_list("名单.csv", text.encode(encoding))
        assert entries == [
            ("长沙云帆汽车零部件有限公司", "91430121841147816U", "2023-05-01"),
            ("某某公司", None, "2022-01-02"),
        ]
    # No header: name, code, date in that order.
    assert parse_list("l.csv", "甲公司,,2024-01-01\n".encode()) == [("甲公司", None, "2024-01-01")]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["序号", "单位名称", "信用代码", "撤销时间"])
    ws.append([1, "乙公司", "91430121841147816U", date(2023, 3, 4)])
    buf = io.BytesIO()
    wb.save(buf)
    assert parse_list("l.xlsx", buf.getvalue()) == [("乙公司", "91430121841147816U", "2023-03-04")]
    with pytest.raises(ListProblem, match="第 2 行.*校验位"):
        parse_list("l.csv", (CSV_HEADER + "丙公司,91430121841147816X,2023-01-01\n").encode())
    with pytest.raises(ListProblem, match="撤销日期"):
        parse_list("l.csv", (CSV_HEADER + "丙公司,,昨天\n").encode())
    with pytest.raises(ListProblem, match=".csv 或 .xlsx"):
        parse_list("l.pdf", b"%PDF")


def test_revoked_bar_lasts_three_years() -> None:
    class E:
        def __init__(self, name: str | None, code: str | None, day: str) -> None:
            self.company_name, self.credit_code, self.revoked_on = name, code, day

    entries = [E("长沙云帆汽车零部件有限公司（集团）", None, "2021-06-01")]
    hit = match_entry(entries, "长沙云帆汽车零部件有限公司(集团)", None, date(2024, 5, 31))
    assert hit is not None and hit[1] == date(2024, 6, 1)
    assert match_entry(entries, "长沙云帆汽车零部件有限公司(集团)", None, date(2024, 6, 1)) is None
    by_code = [E(None, "91430121841147816U", "2024-02-29")]
    hit = match_entry(by_code, "别名", "91430121841147816u", date(2025, 1, 1))
    assert hit is not None and hit[1] == date(2027, 2, 28)


def test_an_applicant_on_the_revoked_list_gets_an_error(desk: Desk, client_factory: Any) -> None:
    batch = seed_batch(desk, "长沙市")
    other = seed_batch(
        desk, "株洲市", sample_report("003_株洲华锐").model_copy(update={"declared": None})
    )
    prov = client_factory()
    token = login(prov, "prov")
    csv = (CSV_HEADER + "长沙云帆汽车零部件有限公司,91430121841147816U,2024-05-01\n").encode()
    r = prov.post(
        "/revoked", data={"csrf_token": token}, files={"file": ("撤销名单.csv", csv, "text/csv")}
    )
    assert r.status_code == 303, r.text
    app = desk.apps(batch.id)[0]
    items = desk.findings(batch, app, desk.report(batch, app))
    assert items[0].source == "desk" and items[0].severity == "error"
    assert "第十一条" in items[0].message and "2027-05-01" in items[0].message
    assert all(i.source != "desk" for i in desk.findings(other, desk.apps(other.id)[0], None))
    # Counted and shown; uploading the list again adds nothing twice.
    assert desk.app_rows(_user(desk, "prov"), batch.id)[0].desk_errors == 1
    assert desk.check_revoked() == 0
    page = prov.get(f"/apps/{app.id}").text
    assert "撤销认定名单" in page and "错误 <b>2</b>" in page
    assert "长沙云帆汽车零部件有限公司" in prov.get("/revoked").text
    # A bad list is refused with the rows to fix.
    r = prov.post(
        "/revoked", data={"csrf_token": token}, files={"file": ("x.csv", b"a,b,c\n,,\n\xff")}
    )
    assert r.status_code == 400


def test_review_export(desk: Desk, client_factory: Any) -> None:
    batch = seed_batch(desk, "长沙市")
    app = desk.apps(batch.id)[0]
    items = desk.findings(batch, app, desk.report(batch, app))
    desk.add_review(_user(desk, "cs"), batch, app, items[0].key, "explained", "企业说明：口径不同")
    desk.add_review(_user(desk, "prov"), batch, app, items[0].key, "verified", "")
    c = client_factory()
    login(c, "prov")
    r = c.get(f"/batches/{batch.id}/review.xlsx")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["核查发现与审核", "申报阶段", "审核记录（全部）"]
    rows = list(wb["核查发现与审核"].iter_rows(values_only=True))
    assert rows[1][2:7] == ("错误", "总资产", "2018", items[0].message, "已核实")
    assert rows[2][6] == "未审核"
    trail = list(wb["审核记录（全部）"].iter_rows(values_only=True))
    assert [t[2] for t in trail[1:]] == ["已说明", "已核实"]
    assert list(wb["申报阶段"].iter_rows(values_only=True))[1][5] == "市州初审"


def test_summary_sorts_and_filters(desk: Desk, client_factory: Any) -> None:
    seed_batch(desk, "长沙市", name="一批")
    clean = sample_report("009_无问题公司").model_copy(update={"findings": []})
    seed_batch(desk, "株洲市", clean, name="二批")
    c = client_factory()
    login(c, "prov")
    page = c.get("/applications?sort=errors&dir=desc").text
    assert page.index("007_长沙云帆") < page.index("009_无问题公司")
    page = c.get("/applications?sort=errors&dir=asc").text
    assert page.index("009_无问题公司") < page.index("007_长沙云帆")
    assert "009_无问题公司" not in c.get("/applications?severity=error").text
    assert "007_长沙云帆" not in c.get("/applications?severity=ok").text
    assert "007_长沙云帆" not in c.get("/applications?city=株洲市").text
    assert "007_长沙云帆" in c.get("/applications?category=3").text
    assert "007_长沙云帆" not in c.get("/applications?category=2").text


def test_cli_user_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    out = str(tmp_path / "out")
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert (
        cli.main(
            [
                "user",
                "add",
                "zhang",
                "--role",
                "city",
                "--city",
                "长沙市",
                "--password-stdin",
                "--out",
                out,
            ]
        )
        == 0
    )
    assert "已创建账户 zhang" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert (
        cli.main(["user", "add", "zhang", "--role", "province", "--password-stdin", "--out", out])
        == 2
    )
    assert "已存在" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert (
        cli.main(["user", "add", "li", "--role", "province", "--password-stdin", "--out", out]) == 2
    )
    assert "至少" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert (
        cli.main(
            [
                "user",
                "add",
                "wang",
                "--role",
                "city",
                "--city",
                "火星市",
                "--password-stdin",
                "--out",
                out,
            ]
        )
        == 2
    )
    assert cli.main(["user", "list", "--out", out]) == 0
    assert "zhang\t市州工信部门\t长沙市" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("another-long-password\n"))
    assert cli.main(["user", "passwd", "zhang", "--password-stdin", "--out", out]) == 0
    assert cli.main(["user", "disable", "zhang", "--out", out]) == 0
    from webdesk.settings import Settings

    d = Desk(Settings.make(out=out))
    assert d.login("zhang", "another-long-password", "1.1.1.1").user is None  # disabled
    d.close()


def test_add_commands_plugs_into_the_main_parser() -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="dossier")
    cli.add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["web", "--host", "0.0.0.0", "--port", "8080", "--max-upload", "500M"])
    assert (args.host, args.port, args.max_upload) == ("0.0.0.0", 8080, 500 * 1024**2)
    args = parser.parse_args(["user", "add", "n", "--role", "city", "--city", "长沙市"])
    assert args.run is cli.cmd_user_add and args.city == "长沙市"
    assert PASSWORDS and SAMPLES.is_dir()
