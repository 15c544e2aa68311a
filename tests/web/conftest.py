"""Fixtures of the web desk's tests: a desk on a fresh output folder and database, its users,
batches seeded without running the pipeline, a live server and a headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from pipeline.models import Declared, Evidence, Finding, Report
from webdesk.app import create_app
from webdesk.db import Batch, BatchApp, StageEvent, now
from webdesk.desk import Desk
from webdesk.security import Throttle
from webdesk.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "batch"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "out" / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

PASSWORDS = {"cs": "changsha-secret-1", "zz": "zhuzhou-secret-1", "prov": "province-secret-1"}
USERS = [("cs", "city", "长沙市"), ("zz", "city", "株洲市"), ("prov", "province", None)]
# A fast throttle for tests: the same rules, delays of 0.1 s doubling.
TEST_THROTTLE = Throttle(window=600, free_per_user=5, free_per_ip=50, base=0.1, cap=2.0)


def make_settings(tmp: Path, **options: Any) -> Settings:
    options.setdefault("run_worker", False)
    options.setdefault("throttle", TEST_THROTTLE)
    return Settings.make(out=tmp / "out", **options)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def desk(settings: Settings) -> Iterator[Desk]:
    d = Desk(settings)
    for name, role, city in USERS:
        d.add_user(name, role, city, PASSWORDS[name])
    yield d
    d.close()


def sample_report(name: str = "007_长沙云帆汽车零部件有限公司") -> Report:
    """A small report as the pipeline writes them: two findings with evidence."""
    return Report(
        application=name,
        declared=Declared(
            company_name="长沙云帆汽车零部件有限公司",
            credit_code="91430121841147816U",
            city="长沙市",
            elements=["1.1", "3.2"],
        ),
        findings=[
            Finding(
                code="FIN_MISMATCH",
                field="total_assets",
                year="2018",
                severity="error",
                declared=Decimal("12345.67"),
                found=Decimal("11020.15"),
                message="申报总资产 12345.67 万元，审计报告资产总计 11020.15 万元，相差 12.0%",
                evidence=[
                    Evidence(file="审计报告2018.pdf", page=4, text="资产总计 110,201,500.00")
                ],
            ),
            Finding(
                code="DESCRIPTION_TOO_LONG",
                field="description_length",
                severity="warning",
                declared=1184,
                found=1000,
                message="项目总体描述 1184 字，超过 1000 字的限制",
            ),
        ],
    )


def seed_batch(
    desk: Desk, city: str, report: Report | None = None, name: str = "测试批次"
) -> Batch:
    """A processed batch as the worker leaves it, without running the pipeline."""
    report = report or sample_report()
    key = f"seed-{city}-{time.monotonic_ns()}"
    out_dir = desk.settings.out / key
    app_dir = out_dir / report.application
    app_dir.mkdir(parents=True)
    (app_dir / "report.html").write_text(
        "<!doctype html><html><head><title>r</title></head><body>"
        '<nav class="top"><a href="../summary.html">back</a></nav>'
        '<article id="finding-1">报告</article></body></html>',
        encoding="utf-8",
    )
    (app_dir / "report.json").write_text(report.model_dump_json(), encoding="utf-8")
    (out_dir / ".work").mkdir()
    (out_dir / ".work" / "hidden.txt").write_text("internal", encoding="utf-8")
    run_id = desk.store.start_run(key, str(out_dir), now())
    desk.store.save_report(run_id, report)
    desk.store.finish_run(run_id, now())
    counts = report.counts
    with desk.db.session(write=True) as s:
        uploader = 1
        batch = Batch(
            key=key,
            name=name,
            city=city,
            uploaded_by=uploader,
            uploader_name="seed",
            uploaded_at=now(),
            mode="now",
            source=str(out_dir),
            out_dir=str(out_dir),
            state="done",
            run_id=run_id,
            pages_done=1,
            pages_total=1,
        )
        s.add(batch)
        s.flush()
        declared = report.declared
        s.add(
            BatchApp(
                batch_id=batch.id,
                name=report.application,
                state="done",
                errors=counts["error"],
                warnings=counts["warning"],
                infos=counts["info"],
                company_name=declared.company_name if declared else None,
                credit_code=declared.credit_code if declared else None,
                declared_city=declared.city if declared else None,
                elements=list(declared.elements) if declared else [],
            )
        )
        s.add(
            StageEvent(
                batch_id=batch.id,
                application=report.application,
                stage="city_check",
                note="材料上传",
                user_id=None,
                user_name="seed",
                at=now(),
            )
        )
    return batch


def app_id_of(desk: Desk, batch: Batch) -> int:
    return desk.apps(batch.id)[0].id


# ---- HTTP clients ------------------------------------------------------------------------


def login(client: httpx.Client | TestClient, name: str, password: str | None = None) -> str:
    """Log in through the form; returns the session's CSRF token (from a page)."""
    import re

    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    r = client.post(
        "/login",
        data={
            "csrf_token": token.group(1),
            "username": name,
            "password": password or PASSWORDS[name],
        },
    )
    assert r.status_code == 303, r.text
    return csrf_of(client)


def csrf_of(client: httpx.Client | TestClient) -> str:
    import re

    page = client.get("/upload")
    found = re.search(r'data-csrf="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


@pytest.fixture
def client_factory(desk: Desk) -> Iterator[Any]:
    """TestClients on one app (one per user: each has its own cookies)."""
    app = create_app(desk.settings)
    clients: list[TestClient] = []

    def make() -> TestClient:
        c = TestClient(app, base_url="http://testserver", follow_redirects=False)
        c.__enter__()
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class ThreadServer:
    url: str
    host: str
    port: int


@pytest.fixture
def thread_server(desk: Desk) -> Iterator[ThreadServer]:
    """The app on a real socket (uvicorn in a thread): for raw requests that no client
    library would send as they are (paths with '..')."""
    port = free_port()
    config = uvicorn.Config(
        create_app(desk.settings), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # A liveness bound, not a measure: generous, as the machines are loaded.
    deadline = time.monotonic() + 120
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield ThreadServer(f"http://127.0.0.1:{port}", "127.0.0.1", port)
    server.should_exit = True
    thread.join(timeout=10)


# ---- the live server of the browser tests -------------------------------------------------


@dataclass
class LiveServer:
    url: str
    out: Path
    process: subprocess.Popen[bytes]
    log: Path


def dossier_web(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
    """Run `dossier` through webdesk.cli's commands in a subprocess (as an operator would)."""
    result = subprocess.run(
        [sys.executable, "-m", "webdesk.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """`dossier web` on a free port with a fresh output folder and database, its accounts
    created with `dossier user add … --password-stdin`."""
    out = tmp_path / "out"
    env = dict(os.environ)
    env.update(
        DOSSIER_WEB_CACHE=str(tmp_path / "page-cache"),
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PYTHONPATH=str(ROOT),
    )
    for name, role, city in USERS:
        extra = ["--city", city] if city else []
        dossier_web(
            "user",
            "add",
            name,
            "--role",
            role,
            *extra,
            "--password-stdin",
            "--out",
            str(out),
            stdin=PASSWORDS[name] + "\n",
            env=env,
        )
    port = free_port()
    log = tmp_path / "web.log"
    with open(log, "wb") as fh:
        process = subprocess.Popen(
            [sys.executable, "-m", "webdesk.cli", "web", "--port", str(port), "--out", str(out)],
            stdout=fh,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(url + "/login", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError("dossier web did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.2)
    yield LiveServer(url, out, process, log)
    # SIGINT: uvicorn shuts down, the dispatcher ends the worker's process group with it.
    import signal

    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: the browser tests need Debian's chromium package; "
            "run `make test` (its system-deps target installs it)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def small_batch(folder: Path, sample: str, files: list[str]) -> Path:
    """A batch of one sample application with only some of its files (text PDFs and the
    form: read without OCR, so processing takes seconds)."""
    src = SAMPLES / sample
    app = folder / sample
    for rel in files:
        target = app / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / rel, target)
    return folder


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return target


def save_shot(page: Any, tmp_path: Path, name: str) -> Path:
    """A full-page screenshot under tmp_path, copied to out/test-artifacts/web-<name>.png."""
    path = tmp_path / f"web-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, ARTIFACTS / path.name)
    return path
