"""The desk's security rules over plain HTTP: CSRF, other cities' data, path traversal,
login throttling, password storage, cookies, append-only audit tables."""

from __future__ import annotations

import http.client
import re
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.web.conftest import (
    PASSWORDS,
    ThreadServer,
    app_id_of,
    login,
    make_settings,
    seed_batch,
)
from webdesk.app import create_app
from webdesk.desk import Desk, finding_keys


def test_state_changing_requests_without_csrf_token_are_rejected(
    desk: Desk, client_factory: Any
) -> None:
    batch = seed_batch(desk, "长沙市")
    app_id = app_id_of(desk, batch)
    key = finding_keys(desk.report(batch, desk.apps(batch.id)[0]).findings)[0]  # type: ignore[union-attr]
    c = client_factory()
    token = login(c, "cs")

    form = {"key": key, "status": "verified", "comment": ""}
    assert c.post(f"/apps/{app_id}/reviews", data=form).status_code == 403
    assert (
        c.post(f"/apps/{app_id}/reviews", data={**form, "csrf_token": "wrong"}).status_code == 403
    )
    assert c.post("/api/uploads", json={"files": []}).status_code == 403
    assert c.put("/api/uploads/x/files/0?offset=0", content=b"x").status_code == 403
    assert c.post("/logout").status_code == 403
    # A page of another site posting with the right token still fails on its Origin.
    evil = c.post(
        f"/apps/{app_id}/reviews",
        data={**form, "csrf_token": token},
        headers={"Origin": "http://evil.example"},
    )
    assert evil.status_code == 403
    assert desk.reviews(batch.id) == []  # nothing got through

    ok = c.post(f"/apps/{app_id}/reviews", data={**form, "csrf_token": token})
    assert ok.status_code == 303
    assert [r.status for r in desk.reviews(batch.id)] == ["verified"]


def test_login_form_needs_its_token(client_factory: Any) -> None:
    c = client_factory()
    r = c.post("/login", data={"username": "cs", "password": PASSWORDS["cs"]})
    assert r.status_code == 403
    assert "desk_session" not in r.headers.get("set-cookie", "")


def test_another_citys_batch_is_404_everywhere(desk: Desk, client_factory: Any) -> None:
    batch = seed_batch(desk, "长沙市")
    app_id = app_id_of(desk, batch)
    zz = client_factory()
    token = login(zz, "zz")
    name = desk.apps(batch.id)[0].name
    for url in [
        f"/batches/{batch.id}",
        f"/apps/{app_id}",
        f"/api/batches/{batch.id}/status",
        f"/api/batches/status?ids={batch.id}",
        f"/files/{batch.id}/{name}/report.html",
        f"/batches/{batch.id}/review.xlsx",
    ]:
        r = zz.get(url)
        if url.startswith("/api/batches/status"):
            assert r.json() == {"batches": []}
            continue
        assert r.status_code == 404, url
        assert name not in r.text and "长沙云帆" not in r.text, url
    r = zz.post(
        f"/apps/{app_id}/reviews", data={"csrf_token": token, "key": "x", "status": "verified"}
    )
    assert r.status_code == 404
    r = zz.post(f"/apps/{app_id}/stage", data={"csrf_token": token, "target": "province_review"})
    assert r.status_code == 404
    assert "长沙云帆" not in zz.get("/applications").text
    assert "测试批次" not in zz.get("/batches").text

    cs = client_factory()
    login(cs, "cs")
    assert cs.get(f"/apps/{app_id}").status_code == 200
    prov = client_factory()
    login(prov, "prov")
    assert prov.get(f"/apps/{app_id}").status_code == 200
    assert "长沙云帆" in prov.get("/applications").text


def test_another_users_upload_is_404(desk: Desk, client_factory: Any) -> None:
    cs = client_factory()
    token = login(cs, "cs")
    r = cs.post(
        "/api/uploads",
        json={
            "name": "b",
            "kind": "folder",
            "mode": "now",
            "files": [{"path": "a/x.pdf", "size": 3}],
        },
        headers={"X-CSRF-Token": token},
    )
    upload = r.json()["id"]
    zz = client_factory()
    ztoken = login(zz, "zz")
    assert zz.get(f"/api/uploads/{upload}").status_code == 404
    r = zz.put(
        f"/api/uploads/{upload}/files/0?offset=0", content=b"abc", headers={"X-CSRF-Token": ztoken}
    )
    assert r.status_code == 404
    assert (
        zz.post(f"/api/uploads/{upload}/finish", headers={"X-CSRF-Token": ztoken}).status_code
        == 404
    )


def test_city_cannot_take_province_steps(desk: Desk, client_factory: Any) -> None:
    batch = seed_batch(desk, "长沙市")
    app_id = app_id_of(desk, batch)
    cs = client_factory()
    token = login(cs, "cs")
    assert cs.get("/revoked").status_code == 403
    r = cs.post("/revoked", data={"csrf_token": token}, files={"file": ("l.csv", b"a,b,c")})
    assert r.status_code == 403
    # 市州初审 → 省厅审核 is the city's; 省厅审核 → 公示 is not.
    assert (
        cs.post(
            f"/apps/{app_id}/stage", data={"csrf_token": token, "target": "province_review"}
        ).status_code
        == 303
    )
    r = cs.post(f"/apps/{app_id}/stage", data={"csrf_token": token, "target": "publicity"})
    assert r.status_code == 403


def _raw_get(server: ThreadServer, path: str, cookie: str) -> tuple[int, bytes]:
    """A GET with the path exactly as given: no client library normalising '..' away."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.putheader("Cookie", cookie)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_no_file_outside_the_batch_folder(desk: Desk, thread_server: ThreadServer) -> None:
    import httpx

    batch = seed_batch(desk, "长沙市")
    (desk.settings.out / "secret.txt").write_text("TOP SECRET", encoding="utf-8")
    name = desk.apps(batch.id)[0].name
    with httpx.Client(base_url=thread_server.url, follow_redirects=False) as c:
        login(c, "cs")
        cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
    from urllib.parse import quote

    app = quote(name)
    good = f"/files/{batch.id}/{app}/report.html"
    status, body = _raw_get(thread_server, good, cookie)
    assert status == 200 and "报告".encode() in body

    attacks = [
        f"/files/{batch.id}/../secret.txt",
        f"/files/{batch.id}/{app}/../../secret.txt",
        f"/files/{batch.id}/%2e%2e/secret.txt",
        f"/files/{batch.id}/%2E%2E/%2e%2e/secret.txt",
        f"/files/{batch.id}/{app}/..%2f..%2fsecret.txt",
        f"/files/{batch.id}/%2e%2e%2fsecret.txt",
        f"/files/{batch.id}//etc/passwd",
        f"/files/{batch.id}/%2fetc%2fpasswd",
        f"/files/{batch.id}/{app}/%2e%2e%5c%2e%2e%5csecret.txt",
        f"/files/{batch.id}/{app}/report.html%00.png",
        f"/files/{batch.id}/.work/hidden.txt",
        f"/files/{batch.id}/%252e%252e/secret.txt",
    ]
    for path in attacks:
        status, body = _raw_get(thread_server, path, cookie)
        assert status == 404, (path, status)
        assert b"TOP SECRET" not in body and b"root:" not in body and b"internal" not in body, path

    # A symbolic link inside the folder that points outside is refused too.
    (desk.settings.out / batch.key / "link.txt").symlink_to(desk.settings.out / "secret.txt")
    status, body = _raw_get(thread_server, f"/files/{batch.id}/link.txt", cookie)
    assert status == 404 and b"TOP SECRET" not in body


def test_repeated_wrong_passwords_slow_down(tmp_path: Any) -> None:
    """The throttle's decisions over HTTP, on an injected clock (no wall time measured):
    five free failures, then each failure must wait out its delay before the next is
    looked at; a try during the delay is refused at once with Retry-After."""
    from datetime import UTC, datetime, timedelta

    from fastapi.testclient import TestClient

    at = [datetime(2026, 12, 7, 8, 0, tzinfo=UTC)]
    settings = make_settings(tmp_path, clock=lambda: at[0])
    d = Desk(settings)
    d.add_user("cs", "city", "长沙市", PASSWORDS["cs"])
    d.close()
    throttle = settings.throttle
    expected = [throttle.delay(n, throttle.free_per_user) for n in range(1, 11)]
    assert expected == [0, 0, 0, 0, 0, 0.1, 0.2, 0.4, 0.8, 1.6]
    with TestClient(create_app(settings), follow_redirects=False) as c:
        page = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        form = {"csrf_token": token, "username": "cs", "password": "wrong-password"}
        for n, delay in enumerate(expected, start=1):
            assert c.post("/login", data=form).status_code == 401, n
            if delay:
                # The clock has not moved: the delay is still running.
                r = c.post("/login", data={**form, "password": PASSWORDS["cs"]})
                assert r.status_code == 429, n
                assert int(r.headers["Retry-After"]) == max(1, round(delay)), n
                at[0] += timedelta(seconds=delay)
        # The delay over, the right password is checked again.
        at[0] += timedelta(seconds=0.01)
        r = c.post("/login", data={**form, "password": PASSWORDS["cs"]})
        assert r.status_code == 303


def test_a_try_during_a_delay_is_refused_unchecked(desk: Desk, client_factory: Any) -> None:
    from dataclasses import replace

    desk.settings.throttle = replace(desk.settings.throttle, base=30.0, cap=60.0)
    for _ in range(6):  # the sixth failure starts a 30 s delay
        assert desk.login("cs", "wrong-password", "10.1.1.1").user is None
    # Even the right password is not looked at while the delay runs (parallel guessing),
    # and the answer is not held back: no delay to sleep through.
    refused = desk.login("cs", PASSWORDS["cs"], "10.1.1.2")
    assert refused.refused and refused.user is None and refused.delay == 0.0
    c = client_factory()
    page = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = c.post("/login", data={"csrf_token": token, "username": "cs", "password": PASSWORDS["cs"]})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 20
    assert "秒后再试" in r.text


def test_throttle_counts_per_address_too(desk: Desk) -> None:
    from dataclasses import replace

    desk.settings.throttle = replace(desk.settings.throttle, free_per_ip=3, base=30.0, cap=60.0)
    for name in ("a1", "a2", "a3", "a4"):
        assert desk.login(name, "x", "10.9.9.9").user is None
    refused = desk.login("cs", PASSWORDS["cs"], "10.9.9.9")
    assert refused.refused and refused.retry_after > 20
    assert desk.login("cs", PASSWORDS["cs"], "10.9.9.10").user is not None


def test_passwords_are_stored_only_as_hashes(desk: Desk) -> None:
    with desk.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT name, password_hash FROM desk_users")).all()
        dump = "\n".join(str(r) for r in conn.execute(text("SELECT * FROM desk_users")).all())
    assert {r.name for r in rows} == set(PASSWORDS)
    for name, stored in rows:
        assert stored.startswith("$argon2id$"), stored
        assert PASSWORDS[name] not in stored
    for password in PASSWORDS.values():
        assert password not in dump


def test_session_cookie_flags(tmp_path: Any) -> None:
    from fastapi.testclient import TestClient

    for secure in (False, True):
        settings = make_settings(tmp_path / str(secure), secure_cookies=secure)
        d = Desk(settings)
        d.add_user("cs", "city", "长沙市", PASSWORDS["cs"])
        # Secure cookies come back only over https: as behind the TLS proxy.
        base = "https://testserver" if secure else "http://testserver"
        with TestClient(create_app(settings), base_url=base, follow_redirects=False) as c:
            page = c.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            r = c.post(
                "/login", data={"csrf_token": token, "username": "cs", "password": PASSWORDS["cs"]}
            )
            cookie = next(
                v for v in r.headers.get_list("set-cookie") if v.startswith("desk_session=")
            )
            assert "HttpOnly" in cookie and "SameSite=lax" in cookie
            assert ("Secure" in cookie) is secure
            # The database holds the token's hash only.
            value = cookie.split(";")[0].split("=", 1)[1]
            with d.db.engine.connect() as conn:
                stored = conn.execute(text("SELECT token_hash FROM desk_sessions")).scalars().all()
            assert value not in stored and len(stored) == 1
        d.close()


def test_logout_ends_the_session(client_factory: Any) -> None:
    c = client_factory()
    token = login(c, "cs")
    assert c.post("/logout", data={"csrf_token": token}).status_code == 303
    assert c.get("/batches").status_code == 303  # to the login page
    assert c.get("/api/batches/status").status_code == 401


def test_review_and_stage_rows_cannot_be_changed(desk: Desk) -> None:
    batch = seed_batch(desk, "长沙市")
    app = desk.apps(batch.id)[0]
    user = desk.users()[0]
    key = desk.findings(batch, app, desk.report(batch, app))[0].key
    desk.add_review(user, batch, app, key, "verified", "")
    for sql in (
        "UPDATE desk_reviews SET status = 'explained'",
        "DELETE FROM desk_reviews",
        "UPDATE desk_stage_events SET stage = 'announced'",
        "DELETE FROM desk_stage_events",
    ):
        with pytest.raises(DBAPIError, match="append-only"), desk.db.engine.begin() as conn:
            conn.execute(text(sql))
    assert [r.status for r in desk.reviews(batch.id)] == ["verified"]


def test_pages_need_a_session(client_factory: Any, desk: Desk) -> None:
    batch = seed_batch(desk, "长沙市")
    c = client_factory()
    for url in ["/batches", f"/batches/{batch.id}", "/upload", "/applications", "/revoked"]:
        r = c.get(url)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), url
    assert c.get(f"/api/batches/{batch.id}/status").status_code == 401
    # The login page never sends anyone off-site afterwards.
    page = c.get("/login?next=//evil.example/x")
    assert 'value="/batches"' in page.text
