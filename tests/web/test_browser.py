"""The web desk in a real browser (Debian's Chromium, headless, driven by Playwright):
a city uploads and reviews, another city cannot see it, the province sees both.

One test on purpose: the steps depend on each other (the batch the city uploads is what the
others must or must not see), and the server and the processing start only once."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.web.conftest import (
    PASSWORDS,
    LiveServer,
    save_shot,
    small_batch,
    zip_folder,
)

CHANGSHA_APP = "007_长沙云帆汽车零部件有限公司"
# The form, both audit reports, a contract and the four e-invoices: text PDFs and a .docx,
# so the batch is read without OCR (seconds, not minutes), with real findings in it.
CHANGSHA_FILES = [
    "长沙云帆申报书.docx",
    "附件4.pdf",
    "附件5.pdf",
    "附件6-1.pdf",
    "附件7/033001717111_72849116.pdf",
    "附件7/044001893411_08663760.pdf",
]
ZHUZHOU_APP = "003_株洲华锐轨道交通装备股份有限公司"
ZHUZHOU_FILES = ["附件2.docx", "发票/02699163.pdf"]
PROCESSING_TIMEOUT_MS = 180_000


def log_in(page: Any, server: LiveServer, name: str) -> None:
    page.goto(server.url + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/batches$"))


def log_out(page: Any) -> None:
    page.click("form[action='/logout'] button")
    page.wait_for_url(re.compile(r".*/login$"))


def test_city_uploads_reviews_others_cannot_see_province_sees_all(
    live_server: LiveServer, browser: Any, tmp_path: Path
) -> None:
    started = time.monotonic()
    server = live_server
    changsha = zip_folder(
        small_batch(tmp_path / "cs", CHANGSHA_APP, CHANGSHA_FILES), tmp_path / "长沙市第一批.zip"
    )
    zhuzhou = small_batch(tmp_path / "株洲市第一批", ZHUZHOU_APP, ZHUZHOU_FILES)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    # ---- 长沙市 uploads a zip for processing now --------------------------------------
    page.goto(server.url + "/batches")
    assert "/login" in page.url
    save_shot(page, tmp_path, "01-login")
    log_in(page, server, "cs")
    page.click("text=上传新批次")
    page.set_input_files("#pick-zip", str(changsha))
    # The page fills these in from the file's change event: wait for it, don't race it.
    expect(page.locator("#batch-name")).to_have_value("长沙市第一批")
    expect(page.locator("#picked-summary")).to_contain_text("压缩包 长沙市第一批.zip")
    save_shot(page, tmp_path, "02-upload-picked")
    page.click("#start")
    page.wait_for_url(re.compile(r".*/batches/\d+$"), timeout=60_000)
    batch_url = page.url
    # Live status: the page updates itself and reloads once the batch is checked.
    page.wait_for_selector(".status-box .pill.st-done", timeout=PROCESSING_TIMEOUT_MS)
    save_shot(page, tmp_path, "03-batch-summary")
    assert CHANGSHA_APP in page.inner_text("table.apps")
    processed = time.monotonic()

    # ---- the report, a finding marked ---------------------------------------------------
    page.click(f"table.apps a:has-text('{CHANGSHA_APP}')")
    page.wait_for_selector("#report-frame")
    app_url = page.url
    frame = page.frame(name="report-frame")
    assert frame is not None
    frame.wait_for_selector("text=核查结论")
    first = page.locator("article.finding").first
    assert first.locator(".mark").inner_text() == "未审核"
    # "在报告中查看证据" scrolls the report to the finding (evidence crops, 查看原页).
    evidence_link = first.locator("a[data-anchor]")
    anchor = evidence_link.get_attribute("data-anchor")
    evidence_link.click()
    page.wait_for_function(
        "a => document.getElementById('report-frame').contentWindow.location.hash === '#' + a",
        arg=anchor,
    )
    save_shot(page, tmp_path, "04-application")
    first.locator("label.m-needs_documents").click()
    first.locator("textarea[name=comment]").fill("请补充营业执照扫描件")
    first.locator("button[type=submit]").click()
    page.wait_for_selector("text=审核意见已保存")
    marked = page.locator("article.finding").first
    assert marked.locator(".mark").first.inner_text() == "需补件"
    assert "请补充营业执照扫描件" in marked.inner_text()
    # The city sends it on to the province.
    page.select_option("select[name=target]", "province_review")
    page.click(".stage-form button[type=submit]")
    page.wait_for_selector("text=审核阶段已更新")
    assert page.inner_text("ol.stages li.current") == "省厅审核"
    save_shot(page, tmp_path, "05-application-marked")
    log_out(page)

    # ---- 株洲市 uploads a folder for tonight and cannot see 长沙市's batch -----------------
    log_in(page, server, "zz")
    assert "长沙市第一批" not in page.inner_text("main")
    page.goto(server.url + "/upload")
    page.set_input_files("#pick-folder", str(zhuzhou))
    expect(page.locator("#picked-apps")).to_contain_text("将作为 1 个申报上传")
    page.check("input[name=mode][value=tonight]")
    # The first piece is lost on the way (a dropped connection): the page must ask the
    # server how much it has and go on by itself.
    dropped: list[str] = []

    def drop_first(route: Any) -> None:
        if not dropped:
            dropped.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/uploads/*/files/*", drop_first)
    page.click("#start")
    page.wait_for_selector("text=秒后自动续传", timeout=10_000)
    save_shot(page, tmp_path, "06a-upload-resuming")
    page.wait_for_url(re.compile(r".*/batches/\d+$"), timeout=60_000)
    page.unroute("**/api/uploads/*/files/*")
    assert len(dropped) == 1
    assert "排队中（今晚处理）" in page.inner_text(".status-box")
    save_shot(page, tmp_path, "06-zhuzhou-tonight")
    inbox = list((server.out / "inbox").iterdir())
    assert len(inbox) == 1 and (inbox[0] / ZHUZHOU_APP / "附件2.docx").is_file()
    for url in (app_url, batch_url):
        response = page.goto(url)
        assert response is not None and response.status == 404
        assert CHANGSHA_APP not in page.content()
    save_shot(page, tmp_path, "07-zhuzhou-404")
    batch_id = batch_url.rsplit("/", 1)[1]
    api = page.request.get(f"{server.url}/api/batches/{batch_id}/status")
    assert api.status == 404
    log_out(page)

    # ---- the province sees both, moves 长沙's application on, uploads the revoked list -----
    log_in(page, server, "prov")
    listing = page.inner_text("table.list")
    assert "长沙市第一批" in listing and "株洲市第一批" in listing
    save_shot(page, tmp_path, "08-province-batches")
    page.goto(server.url + "/applications")
    apps_text = page.inner_text("table.apps")
    assert CHANGSHA_APP in apps_text and ZHUZHOU_APP in apps_text
    save_shot(page, tmp_path, "09-province-all-applications")
    page.goto(app_url)
    assert "请补充营业执照扫描件" in page.inner_text(".findings-panel")
    page.select_option("select[name=target]", "publicity")
    page.click(".stage-form button[type=submit]")
    page.wait_for_selector("text=公示期：")
    assert "还剩" in page.inner_text(".publicity")

    page.goto(server.url + "/revoked")
    revoked = tmp_path / "撤销名单.csv"
    revoked.write_text(
        "企业名称,统一社会信用代码,撤销日期\n长沙云帆汽车零部件有限公司,,2024-03-01\n",
        encoding="utf-8",
    )
    page.set_input_files("input[name=file]", str(revoked))
    page.click("form[action='/revoked'] button[type=submit]")
    page.wait_for_selector("text=已导入名单")
    page.goto(app_url)
    assert "撤销认定名单" in page.inner_text("article.finding.sev-error >> nth=0")
    save_shot(page, tmp_path, "10-province-application")

    with page.expect_download() as download:
        page.goto(batch_url)
        page.click("text=导出审核记录")
    data = Path(download.value.path()).read_bytes()
    rows = list(load_workbook(io.BytesIO(data))["核查发现与审核"].iter_rows(values_only=True))
    assert any(r[6] == "需补件" and r[7] == "请补充营业执照扫描件" for r in rows[1:])
    context.close()

    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
    # The reports and the pipeline's database rows are where the contract says.
    key = Path(httpx.URL(batch_url).path).name
    assert key.isdigit()
    reports = list(server.out.glob(f"*/{CHANGSHA_APP}/report.json"))
    assert len(reports) == 1
    total = time.monotonic() - started
    print(f"browser test: processing {processed - started:.0f} s, total {total:.0f} s")
