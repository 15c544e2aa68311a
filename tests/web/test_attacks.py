"""Issue 15: the holes an attack on the desk found, each closed. Cases 3 (a city overrides
the province), 4 (the login throttle's race), 5 (unbounded bodies) and 7 (500s for
logged-in users); the exports' cases are in tests/hostile/test_formula_exports.py."""

from __future__ import annotations

import json
import logging
import re
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.conftest import (
    PASSWORDS,
    ThreadServer,
    app_id_of,
    login,
    make_settings,
    sample_report,
    seed_batch,
)
from webdesk.desk import Desk, finding_keys
from webdesk.settings import Settings

KEY = finding_keys(sample_report().findings)[0]


def _review(c: Any, token: str, app_id: int, status: str, comment: str) -> httpx.Response:
    return c.post(
        f"/apps/{app_id}/reviews",
        data={"csrf_token": token, "key": KEY, "status": status, "comment": comment},
    )


def _stage(c: Any, token: str, app_id: int, target: str, note: str = "") -> None:
    r = c.post(f"/apps/{app_id}/stage", data={"csrf_token": token, "target": target, "note": note})
    assert r.status_code == 303, r.text


# ---- case 3: marks follow the stage and the role -------------------------------------------


def test_city_cannot_replace_the_provinces_decision(
    desk: Desk, client_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    batch = seed_batch(desk, "长沙市")
    app_id = app_id_of(desk, batch)
    cs, prov = client_factory(), client_factory()
    cs_token, prov_token = login(cs, "cs"), login(prov, "prov")
    # During 市州初审 the city marks.
    assert _review(cs, cs_token, app_id, "verified", "").status_code == 303
    _stage(cs, cs_token, app_id, "province_review")
    assert _review(prov, prov_token, app_id, "needs_documents", "请补充审计报告").status_code == 303
    for stage in ("province_review", "publicity"):
        if stage == "publicity":
            _stage(prov, prov_token, app_id, "publicity")
        with caplog.at_level(logging.WARNING, logger="webdesk.desk"):
            r = _review(cs, cs_token, app_id, "verified", "已核实")
        assert r.status_code == 403, (stage, r.text)
        assert "市州" in r.text and "不能" in r.text
        assert any("review refused" in m and "cs" in m for m in caplog.messages)
        caplog.clear()
        assert _current_mark(desk, app_id) == ("province", "needs_documents")
    _stage(prov, prov_token, app_id, "rejected", "材料不实")
    r = _review(cs, cs_token, app_id, "verified", "")
    assert r.status_code == 403


def test_city_marks_again_after_return_but_never_over_the_province(
    desk: Desk, client_factory: Any
) -> None:
    batch = seed_batch(desk, "长沙市")
    app_id = app_id_of(desk, batch)
    cs, prov = client_factory(), client_factory()
    cs_token, prov_token = login(cs, "cs"), login(prov, "prov")
    _stage(cs, cs_token, app_id, "province_review")
    assert _review(prov, prov_token, app_id, "needs_documents", "请补件").status_code == 303
    _stage(prov, prov_token, app_id, "city_check", "退回补件")
    r = _review(cs, cs_token, app_id, "verified", "")
    assert r.status_code == 403 and "省工业和信息化厅已对该发现作出结论" in r.text
    # The page shows why instead of a form that would be refused.
    page = cs.get(f"/apps/{app_id}")
    assert "省工业和信息化厅已对该发现作出结论" in page.text
    # The province itself may change its mark.
    assert _review(prov, prov_token, app_id, "explained", "已补齐").status_code == 303


def _current_mark(desk: Desk, app_id: int) -> tuple[str, str]:
    province = next(u for u in desk.users() if u.role == "province")
    batch, app = desk.app(province, app_id)
    item = next(i for i in desk.findings(batch, app, desk.report(batch, app)) if i.key == KEY)
    assert item.current is not None
    return item.current.user_role, item.current.status


# ---- case 4: the throttle counts before it checks --------------------------------------------


class Clock:
    """The throttle's time, moved by the test."""

    def __init__(self) -> None:
        self.at = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clocked(tmp_path: Path, clock: Clock) -> Iterator[Desk]:
    d = Desk(make_settings(tmp_path, clock=clock))
    d.add_user("cs", "city", "长沙市", PASSWORDS["cs"])
    yield d
    d.close()


def test_throttle_decisions_with_an_injected_clock(clocked: Desk, clock: Clock) -> None:
    t = clocked.settings.throttle
    expected = [0.0] * t.free_per_user + [0.1, 0.2, 0.4, 0.8, 1.6, 2.0]
    for n, delay in enumerate(expected, start=1):
        result = clocked.login("cs", "wrong-password", "10.0.0.1")
        assert result.user is None and not result.refused, n
        assert result.delay == pytest.approx(delay), n
        if delay:
            # While the delay runs even the right password is refused, unchecked ...
            clock.advance(delay * 0.9)
            early = clocked.login("cs", PASSWORDS["cs"], "10.0.0.2")
            assert early.refused and early.retry_after == pytest.approx(delay * 0.1), n
            assert early.delay == 0.0  # answered at once, not made to wait
            clock.advance(delay * 0.1)
    # ... and once it is over the next try is checked again.
    clock.advance(0.01)
    assert clocked.login("cs", PASSWORDS["cs"], "10.0.0.3").user is not None
    # The window forgets old failures: after a success the count starts over.
    assert clocked.login("cs", "wrong-password", "10.0.0.4").delay == 0.0


def test_throttle_window_forgets_old_failures(clocked: Desk, clock: Clock) -> None:
    t = clocked.settings.throttle
    for _ in range(t.free_per_user + 1):
        clocked.login("cs", "wrong-password", "10.0.0.1")
    clock.advance(t.window + 1)
    assert clocked.login("cs", "wrong-password", "10.0.0.1").delay == 0.0


def _login_form(c: httpx.Client) -> str:
    page = c.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def _parallel_logins(server: ThreadServer, names: list[str]) -> list[int]:
    with httpx.Client(base_url=server.url, timeout=60) as first:
        token = _login_form(first)
        cookies = dict(first.cookies)

    def one(name: str) -> int:
        with httpx.Client(base_url=server.url, cookies=cookies, timeout=60) as c:
            data = {"csrf_token": token, "username": name, "password": "wrong-password"}
            return c.post("/login", data=data).status_code

    with ThreadPoolExecutor(len(names)) as pool:
        return list(pool.map(one, names))


def test_parallel_wrong_passwords_for_one_name(desk: Desk, thread_server: ThreadServer) -> None:
    # A long delay: every try after the sixth arrives while the sixth's delay runs.
    desk.settings.throttle = replace(desk.settings.throttle, base=30.0, cap=60.0)
    codes = _parallel_logins(thread_server, ["cs"] * 30)
    checked = codes.count(401)
    assert checked == desk.settings.throttle.free_per_user + 1, codes
    assert codes.count(429) == 30 - checked, codes


def test_parallel_wrong_passwords_from_one_address(desk: Desk, thread_server: ThreadServer) -> None:
    desk.settings.throttle = replace(desk.settings.throttle, free_per_ip=20, base=30.0, cap=60.0)
    codes = _parallel_logins(thread_server, [f"guess{i}" for i in range(40)])
    assert codes.count(401) == 21, codes
    assert codes.count(429) == 19, codes


# ---- case 5: request bodies are capped while they stream ---------------------------------------


def _chunked_post(
    server: ThreadServer, path: str, headers: dict[str, str], total: int, prefix: bytes = b""
) -> int:
    """POST `prefix`, then `total` bytes, as chunks (no Content-Length); the status the server
    answered with, even if it stopped reading early (then the send fails and the answer is
    read)."""
    sock = socket.create_connection((server.host, server.port), timeout=30)
    try:
        head = f"POST {path} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        head += "Transfer-Encoding: chunked\r\n\r\n"
        sock.sendall(head.encode())
        if prefix:
            sock.sendall(b"%x\r\n%s\r\n" % (len(prefix), prefix))
        piece = b"x" * 65536
        sent = 0
        try:
            while sent < total:
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed: read what it said
        answer = b""
        try:
            while b"\r\n" not in answer:
                data = sock.recv(4096)
                if not data:
                    break
                answer += data
        except OSError:
            pass
        match = re.match(rb"HTTP/1\.1 (\d{3})", answer)
        assert match, answer[:200]
        return int(match.group(1))
    finally:
        sock.close()


def test_unauthenticated_chunked_body_is_refused_while_it_streams(
    desk: Desk, thread_server: ThreadServer
) -> None:
    with httpx.Client(base_url=thread_server.url) as c:
        token = _login_form(c)
        cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
    boundary = "b0undary"
    headers = {
        "Cookie": cookie,
        "X-CSRF-Token": token,
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    uploads = desk.settings.out
    # A well-formed part whose value never ends: the form parser keeps reading, so only the
    # streaming cap can stop it (a malformed body would be a 400 from the parser, sooner or
    # later than the cap depending on how the chunks arrive).
    part = f'--{boundary}\r\nContent-Disposition: form-data; name="password"\r\n\r\n'
    status = _chunked_post(thread_server, "/login", headers, 64 * 1024 * 1024, part.encode())
    assert status == 413
    # Nothing of it was spooled anywhere under the output folder.
    assert sum(p.stat().st_size for p in uploads.rglob("*") if p.is_file()) < 8 * 1024 * 1024


def test_body_caps_in_process(desk: Desk, client_factory: Any) -> None:
    c = client_factory()
    page = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]

    def body(size: int) -> Iterator[bytes]:
        for _ in range(size // 65536):
            yield b"a" * 65536

    # No Content-Length (a generator is sent chunked): the cap counts the bytes themselves.
    r = c.post(
        "/login",
        content=body(2 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": token},
    )
    assert r.status_code == 413 and "过大" in r.text
    # A logged-in user's form may be bigger than the anonymous cap, but not unbounded.
    csrf = login(c, "cs")
    r = c.post(
        "/api/uploads",
        content=body(512 * 1024),
        headers={"Content-Type": "application/json", "X-CSRF-Token": csrf},
    )
    assert r.status_code == 400  # read whole (under the cap), then refused as not JSON
    r = c.post(
        "/api/uploads",
        content=body(32 * 1024 * 1024),
        headers={"Content-Type": "application/json", "X-CSRF-Token": csrf},
    )
    assert r.status_code == 413 and "过大" in r.json()["error"]


# ---- case 7: no 500 for anything a logged-in user sends -------------------------------------


@pytest.fixture
def province(desk: Desk, client_factory: Any) -> tuple[Any, str]:
    c = client_factory()
    return c, login(c, "prov")


HUGE = str(2**70)


@pytest.mark.parametrize(
    "path",
    [
        f"/batches/{HUGE}",
        f"/batches/{HUGE}/review.xlsx",
        f"/apps/{HUGE}",
        f"/files/{HUGE}/x/report.html",
        f"/api/batches/{HUGE}/status",
        f"/api/uploads/x/files/{HUGE}?offset={HUGE}",
    ],
)
def test_ids_past_64_bits_are_not_found(province: tuple[Any, str], path: str) -> None:
    c, token = province
    method = "PUT" if "/files/" in path and path.startswith("/api/") else "GET"
    r = c.request(method, path, headers={"X-CSRF-Token": token})
    assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:300])
    assert re.search(r"[\u4e00-\u9fff]", r.text), r.text[:300]


def test_status_of_many_skips_ids_past_64_bits(province: tuple[Any, str]) -> None:
    c, _ = province
    r = c.get(f"/api/batches/status?ids=1,{HUGE}")
    assert r.status_code == 200 and r.json() == {"batches": []}


def test_a_long_path_under_files_is_not_found(desk: Desk, province: tuple[Any, str]) -> None:
    c, _ = province
    batch = seed_batch(desk, "长沙市")
    for path in ("a" * 300, "/".join(["b" * 200] * 30), "x/" + "c" * 300 + "/report.html"):
        r = c.get(f"/files/{batch.id}/{path}")
        assert r.status_code == 404 and "没有这个页面" in r.text, path[:40]


def _announce(c: Any, token: str, name: str, files: list[dict[str, Any]]) -> httpx.Response:
    body = {"name": name, "kind": "folder", "mode": "now", "city": "长沙市", "files": files}
    return c.post(
        "/api/uploads",
        content=json.dumps(body, ensure_ascii=True).encode(),
        headers={"Content-Type": "application/json", "X-CSRF-Token": token},
    )


def _upload_folders(settings: Settings) -> list[Path]:
    return sorted(settings.uploads.glob("*")) if settings.uploads.exists() else []


def test_lone_surrogates_in_an_upload(desk: Desk, province: tuple[Any, str]) -> None:
    c, token = province
    for name, path in (("批次\ud800", "app/a.pdf"), ("批次", "app/\udc80.pdf")):
        r = _announce(c, token, name, [{"path": path, "size": 1}])
        assert r.status_code == 400, r.text
        assert re.search(r"[\u4e00-\u9fff]", r.json()["error"])
    assert _upload_folders(desk.settings) == []  # nothing orphaned


def test_deeply_nested_json(province: tuple[Any, str]) -> None:
    c, token = province
    r = c.post(
        "/api/uploads",
        content=b"[" * 100_000,
        headers={"Content-Type": "application/json", "X-CSRF-Token": token},
    )
    assert r.status_code == 400 and "请求格式不正确" in r.json()["error"]


def test_a_file_and_a_folder_of_the_same_name(desk: Desk, province: tuple[Any, str]) -> None:
    c, token = province
    files = [{"path": "app/x.pdf", "size": 1}, {"path": "app/x.pdf/y.pdf", "size": 1}]
    r = _announce(c, token, "批次", files)
    assert r.status_code == 400 and "x.pdf" in r.json()["error"], r.text
    assert _upload_folders(desk.settings) == []
    # Differing only in case is the same name on Windows and macOS: refused too.
    files = [{"path": "app/X.pdf", "size": 1}, {"path": "app/x.pdf/y.pdf", "size": 1}]
    assert _announce(c, token, "批次", files).status_code == 400
