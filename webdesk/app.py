"""The web desk's HTTP side: server-rendered pages (Jinja2, Chinese), a few JSON endpoints
for uploads and live status, and the report files of each batch.

Rules every route keeps:
- a page needs a session (else to /login), an API call answers 401;
- a state-changing request carries the session's CSRF token (form field or X-CSRF-Token
  header), the login form a token bound to a pre-login cookie;
- a batch, application, upload or file of another city is answered 404, exactly as one that
  does not exist; what a city may see but not do (province's steps) is 403;
- files are served only from inside the batch's report folder (webdesk.security.inside).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as FormFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.checks.reuse import hide_other_applications
from pipeline.report import field_label, labels, show
from webdesk import uploads, vocab
from webdesk.db import Batch, BatchApp, SessionRow, User
from webdesk.desk import (
    TZ,
    AppRow,
    Desk,
    DeskProblem,
    Forbidden,
    NotVisible,
)
from webdesk.export import hidden_for_city, review_xlsx
from webdesk.jobs import Dispatcher
from webdesk.revoked import ListProblem, parse_list
from webdesk.security import BadPath, inside, new_token, same_token
from webdesk.settings import Settings

HERE = Path(__file__).parent
log = logging.getLogger("webdesk.app")
SESSION_COOKIE = "desk_session"
LOGIN_CSRF_COOKIE = "desk_login_csrf"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# An upload's chunk route checks its own cap (webdesk/uploads.py: TooLarge keeps what came
# before); the streaming cap stays just above it.
UPLOAD_CHUNK_ROUTE = re.compile(r"^/api/uploads/[^/]+/files/[^/]+$")
UPLOAD_SLACK = 1024 * 1024
VERDICT_ORDER = {"error": 0, "failed": 1, "warning": 2, "pending": 3, "ok": 4}

PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
# report.html carries its style inline and no script: it may be framed by the desk only.
REPORT_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


class LoginRequired(Exception):
    pass


class Auth:
    def __init__(self, user: User, session: SessionRow, token: str) -> None:
        self.user, self.session, self.token = user, session, token


def current(request: Request) -> Auth | None:
    """The session's user, looked up once per request."""
    if hasattr(request.state, "auth"):
        found: Auth | None = request.state.auth
        return found
    desk: Desk = request.app.state.desk
    token = request.cookies.get(SESSION_COOKIE)
    row = desk.session_user(token)
    auth = Auth(row[0], row[1], token or "") if row else None
    request.state.auth = auth
    return auth


def page_auth(request: Request) -> Auth:
    auth = current(request)
    if auth is None:
        raise LoginRequired()
    return auth


def api_auth(request: Request) -> Auth:
    auth = current(request)
    if auth is None:
        raise HTTPException(401, "请先登录")
    return auth


PageAuth = Annotated[Auth, Depends(page_auth)]
ApiAuth = Annotated[Auth, Depends(api_auth)]
# Row ids are 64-bit signed integers in the database: a larger number names nothing (and
# would overflow the driver), so it is refused as a malformed URL (404 / 400).
MAX_ID = 2**63 - 1
RowId = Annotated[int, PathParam(ge=0, le=MAX_ID)]


def has_lone_surrogate(data: Any) -> bool:
    """Does parsed JSON hold a string with a lone surrogate ("\\ud800": valid JSON, not
    valid text; no file name or database column can take it)? Iterative: JSON may be deep."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class SecurityHeaders:
    """Headers on every answer (pure ASGI: uploads stream through untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = {
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",
                    b"x-frame-options": b"SAMEORIGIN",
                    b"content-security-policy": PAGE_CSP.encode(),
                    b"cache-control": b"no-store",
                }
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Caps every request body while it streams (pure ASGI, so chunked bodies too): a
    request without a session may send `anonymous` bytes; past that the session is looked
    up once (only then: small requests cost nothing), and a logged-in user may send a form's
    or an upload chunk's worth. Past the cap, reading the body raises 413: the route never
    sees the rest and nothing more is spooled."""

    def __init__(self, app: ASGIApp, logged_in: Callable[[str | None], bool]) -> None:
        self.app = app
        self.logged_in = logged_in

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        if scope["method"] == "PUT" and UPLOAD_CHUNK_ROUTE.match(scope["path"]):
            full = vocab.body_limit("upload_chunk") + UPLOAD_SLACK
        else:
            full = vocab.body_limit("form")
        cap = vocab.body_limit("anonymous")
        checked = False
        seen = 0
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0

        async def over(size: int) -> bool:
            nonlocal cap, checked
            if size > cap and not checked:
                checked = True
                cookies = cookie_parser(headers.get(b"cookie", b"").decode("latin-1"))
                if await run_in_threadpool(self.logged_in, cookies.get(SESSION_COOKIE)):
                    cap = full
            return size > cap

        async def limited() -> Message:
            nonlocal seen
            if seen == 0 and declared and await over(declared):
                raise HTTPException(413, "提交的内容过大")
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if await over(seen):
                    raise HTTPException(413, "提交的内容过大")
            return message

        await self.app(scope, limited, send)


def finding_id(key: str) -> str:
    """An HTML id for a finding key (which holds '|' and Chinese)."""
    return "f-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def finding_title(field: str) -> str:
    """What a finding compares, in the report's own words (pipeline/labels.toml)."""
    return str(labels().get("finding_fields", {}).get(field) or field_label(field))


def local_time(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return at.astimezone(TZ).strftime(fmt) if at else "—"


def human_size(n: int | None) -> str:
    if n is None:
        return "—"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} GB"


def client_ip(request: Request) -> str:
    # Behind nginx, uvicorn's proxy-headers support puts the X-Forwarded-For address here
    # (for proxies listed in --forwarded-allow-ips): see webdesk/README.md.
    return request.client.host if request.client else "unknown"


def batch_status(desk: Desk, batch: Batch) -> dict[str, Any]:
    apps = desk.apps(batch.id)
    label = vocab.label("batch_states", batch.state)
    if batch.state == "running" and not batch.pages_total:
        label += "（正在启动）"  # the worker starts Prefect and counts pages first: seconds
    return {
        "id": batch.id,
        "state": batch.state,
        "label": label,
        "message": batch.message,
        "pages_done": batch.pages_done,
        "pages_total": batch.pages_total,
        "apps_done": sum(1 for a in apps if a.state in ("done", "failed")),
        "apps_total": len(apps),
        "final": batch.state in ("done", "failed"),
        "apps": [app_status(a) for a in apps],
    }


def app_status(app: BatchApp) -> dict[str, Any]:
    label = vocab.label("app_states", app.state)
    if app.state == "reading":
        label += f"（{app.pages_done}/{app.pages_total or '?'}）"
    return {
        "id": app.id,
        "name": app.name,
        "state": app.state,
        "label": label,
        "pages_done": app.pages_done,
        "pages_total": app.pages_total,
        "errors": app.errors,
        "warnings": app.warnings,
        "infos": app.infos,
    }


def _sorted_rows(rows: list[AppRow], sort: str, desc: bool) -> list[AppRow]:
    stages = vocab.stage_order()
    keys: dict[str, Callable[[AppRow], Any]] = {
        "name": lambda r: r.app.name,
        "company": lambda r: r.app.company_name or "",
        "city": lambda r: (r.batch.city, r.app.declared_city or ""),
        "verdict": lambda r: (VERDICT_ORDER[r.verdict], -r.app.errors, -r.app.warnings),
        "errors": lambda r: r.app.errors + r.desk_errors,
        "warnings": lambda r: r.app.warnings,
        "stage": lambda r: stages.index(r.stage) if r.stage in stages else 99,
        "reviewed": lambda r: (r.reviewed / r.findings) if r.findings else 1.0,
        "batch": lambda r: r.batch.id,
    }
    key = keys.get(sort, keys["verdict"])
    return sorted(rows, key=lambda r: (key(r), r.app.name), reverse=desc)


def _filtered(
    rows: list[AppRow], severity: str, city: str, category: str, stage: str
) -> list[AppRow]:
    out = []
    for r in rows:
        if severity == "error" and r.verdict != "error":
            continue
        if severity == "warning" and r.verdict != "warning":
            continue
        if severity == "ok" and r.verdict != "ok":
            continue
        if severity == "pending" and r.verdict not in ("pending", "failed"):
            continue
        if city and city not in (r.batch.city, r.app.declared_city):
            continue
        if category and not any(
            vocab.element_category(e) == category for e in r.app.elements or []
        ):
            continue
        if stage and r.stage != stage:
            continue
        out.append(r)
    return out


def create_app(settings: Settings) -> FastAPI:
    desk = Desk(settings)
    dispatcher = Dispatcher(desk) if settings.run_worker else None
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.globals.update(
        label=vocab.label,
        vocab=vocab.vocab(),
        cities=vocab.cities(),
        local_time=local_time,
        human_size=human_size,
        field_label=finding_title,
        show=show,
        element_category=vocab.element_category,
        fid=finding_id,
    )
    env.filters["q"] = lambda value: quote(str(value), safe="")
    env.filters["qpath"] = lambda value: quote(str(value), safe="/")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if dispatcher is not None:
            dispatcher.start()
        try:
            yield
        finally:
            if dispatcher is not None:
                await run_in_threadpool(dispatcher.stop)
            desk.close()

    # ---- who is asking ---------------------------------------------------------------

    async def csrf_guard(request: Request) -> None:
        """Every state-changing request proves it comes from the desk's own pages."""
        if request.method in SAFE_METHODS:
            return
        origin = request.headers.get("origin")
        if origin and origin != "null":
            host = request.headers.get("host", "")
            if origin.split("://", 1)[-1] != host:
                raise HTTPException(403, "跨站请求被拒绝")
        if request.url.path == "/login":
            expected = request.cookies.get(LOGIN_CSRF_COOKIE)
        else:
            auth = await run_in_threadpool(current, request)
            expected = auth.session.csrf_token if auth else None
        given = request.headers.get("x-csrf-token")
        ctype = request.headers.get("content-type", "")
        if given is None and ctype.startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form(max_files=2, max_fields=50)
            value = form.get("csrf_token")
            given = value if isinstance(value, str) else None
        if not same_token(expected, given):
            raise HTTPException(403, "请求缺少有效的安全令牌（CSRF），请刷新页面后重试")

    app = FastAPI(
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(csrf_guard)],
    )
    app.state.desk = desk
    app.state.dispatcher = dispatcher
    app.add_middleware(BodyLimit, logged_in=lambda token: desk.session_user(token) is not None)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def render(
        request: Request, name: str, auth: Auth | None, code: int = 200, **context: Any
    ) -> HTMLResponse:
        context.update(
            user=auth.user if auth else None,
            csrf=auth.session.csrf_token if auth else "",
            path=request.url.path,
        )
        return templates.TemplateResponse(request, name, context, status_code=code)

    # ---- errors ------------------------------------------------------------------------

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(NotVisible)
    async def not_found(request: Request, exc: NotVisible) -> Response:
        return error_page(request, 404, "未找到", "没有这个页面，或您无权查看。")

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        reason = exc.reason or "这一步须由省工业和信息化厅的账户操作。"
        auth = current(request)
        log.warning(
            "403 %s %s for %s: %s",
            request.method,
            request.url.path,
            auth.user.name if auth else "-",
            reason,
        )
        return error_page(request, 403, "无权操作", reason)

    @app.exception_handler(DeskProblem)
    async def problem(request: Request, exc: DeskProblem) -> Response:
        return error_page(request, 400, "无法完成", str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        # /batches/abc and the like: a page that does not exist, not a form to correct.
        if wants_json(request):
            return JSONResponse({"error": "请求参数不正确"}, status_code=400)
        return error_page(request, 404, "未找到", "没有这个页面，或您无权查看。")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {
            401: "请先登录",
            403: "请求被拒绝",
            404: "未找到",
            405: "不支持的请求",
            413: "内容过大",
        }
        detail = exc.detail if isinstance(exc.detail, str) else "请求无法处理"
        if exc.status_code == 404 and detail == "Not Found":
            detail = "没有这个页面，或您无权查看。"
        return error_page(
            request, exc.status_code, titles.get(exc.status_code, "出错了"), detail, exc.headers
        )

    def error_page(
        request: Request,
        status: int,
        title: str,
        detail: str,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        if wants_json(request):
            return JSONResponse({"error": detail}, status_code=status, headers=headers)
        try:
            auth = current(request)
        except Exception:
            auth = None
        response = render(request, "error.html", auth, code=status, title=title, detail=detail)
        for k, v in (headers or {}).items():
            response.headers[k] = v
        return response

    # ---- logging in ----------------------------------------------------------------------

    def safe_next(target: str | None) -> str:
        # Only a path of this site: never "//host" or "https://…" (an open redirect).
        if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
            return "/batches"
        return target

    def login_page(request: Request, status: int = 200, message: str | None = None) -> Response:
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_token()
        response = render(
            request,
            "login.html",
            None,
            code=status,
            login_csrf=token,
            message=message,
            next=safe_next(request.query_params.get("next")),
        )
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            max_age=3600,
        )
        return response

    @app.get("/login")
    async def login_form(request: Request) -> Response:
        if await run_in_threadpool(current, request):
            return RedirectResponse("/batches", status_code=303)
        return login_page(request)

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        name = str(form.get("username") or "")
        password = str(form.get("password") or "")
        target = safe_next(str(form.get("next") or ""))
        result = await run_in_threadpool(desk.login, name, password, client_ip(request))
        if result.refused:
            wait = max(1, round(result.retry_after))
            response = login_page(request, 429, f"登录失败次数过多，请 {wait} 秒后再试。")
            response.headers["Retry-After"] = str(wait)
            return response
        if result.user is None:
            # The delay is the throttle: a guesser waits, other requests go on meanwhile.
            if result.delay:
                await asyncio.sleep(result.delay)
            return login_page(request, 401, "用户名或密码不正确。")
        token, _ = await run_in_threadpool(desk.start_session, result.user)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            max_age=int(settings.session_hours * 3600),
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        await run_in_threadpool(desk.end_session, request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    # ---- batches -----------------------------------------------------------------------

    @app.get("/")
    async def home() -> Response:
        return RedirectResponse("/batches", status_code=303)

    @app.get("/batches")
    def batches_page(request: Request, auth: PageAuth) -> Response:
        batches = desk.batches(auth.user)
        counts = {b.id: desk.apps(b.id) for b in batches}
        return render(request, "batches.html", auth, batches=batches, apps=counts)

    @app.get("/upload")
    def upload_page(request: Request, auth: PageAuth) -> Response:
        return render(
            request,
            "upload.html",
            auth,
            max_bytes=settings.max_upload_bytes,
            inbox=str(settings.inbox),
        )

    def summary_page(request: Request, auth: Auth, batch: Batch | None) -> Response:
        q = request.query_params
        sort = q.get("sort", "verdict")
        desc = q.get("dir") == "desc"
        severity, city = q.get("severity", ""), q.get("city", "")
        category, stage = q.get("category", ""), q.get("stage", "")
        rows = desk.app_rows(auth.user, batch.id if batch else None)
        shown = _sorted_rows(_filtered(rows, severity, city, category, stage), sort, desc)
        return render(
            request,
            "summary.html",
            auth,
            batch=batch,
            status=batch_status(desk, batch) if batch else None,
            rows=shown,
            total=len(rows),
            sort=sort,
            desc=desc,
            filters={"severity": severity, "city": city, "category": category, "stage": stage},
            query=dict(q),
        )

    @app.get("/batches/{batch_id}")
    def batch_page(request: Request, batch_id: RowId, auth: PageAuth) -> Response:
        return summary_page(request, auth, desk.batch(auth.user, batch_id))

    @app.get("/applications")
    def all_applications(request: Request, auth: PageAuth) -> Response:
        return summary_page(request, auth, None)

    @app.get("/batches/{batch_id}/review.xlsx")
    def export(batch_id: RowId, auth: PageAuth) -> Response:
        batch = desk.batch(auth.user, batch_id)
        data = review_xlsx(desk, batch, hide_others=auth.user.role == "city")
        filename = f"审核记录-{batch.name}-{batch.key}.xlsx"
        return Response(
            data,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
        )

    # ---- one application -------------------------------------------------------------------

    @app.get("/apps/{app_id}")
    def app_page(request: Request, app_id: RowId, auth: PageAuth) -> Response:
        batch, app_row = desk.app(auth.user, app_id)
        report = desk.report(batch, app_row)
        items = desk.findings(batch, app_row, report)
        if auth.user.role == "city":  # another applicant's name is for the province only
            for item in items:
                item.message = hide_other_applications(item.message)
        has_html = (
            report is not None and (Path(batch.out_dir) / app_row.name / "report.html").is_file()
        )
        return render(
            request,
            "application.html",
            auth,
            batch=batch,
            app=app_row,
            report=report,
            items=items,
            refusals={i.key: desk.may_mark(auth.user, batch, app_row, i) for i in items},
            stage=desk.stage(auth.user, batch, app_row),
            status=app_status(app_row),
            report_url=f"/files/{batch.id}/{quote(app_row.name, safe='')}/report.html"
            if has_html
            else None,
            message=request.query_params.get("msg"),
        )

    async def form_text(request: Request, name: str) -> str:
        form = await request.form()
        value = form.get(name)
        return value if isinstance(value, str) else ""

    @app.post("/apps/{app_id}/reviews")
    async def add_review(request: Request, app_id: RowId, auth: PageAuth) -> Response:
        key = await form_text(request, "key")
        status = await form_text(request, "status")
        comment = await form_text(request, "comment")

        def save() -> None:
            batch, app_row = desk.app(auth.user, app_id)
            desk.add_review(auth.user, batch, app_row, key, status, comment)

        await run_in_threadpool(save)
        return RedirectResponse(f"/apps/{app_id}?msg=saved#{finding_id(key)}", status_code=303)

    @app.post("/apps/{app_id}/stage")
    async def change_stage(request: Request, app_id: RowId, auth: PageAuth) -> Response:
        target = await form_text(request, "target")
        note = await form_text(request, "note")

        def save() -> None:
            batch, app_row = desk.app(auth.user, app_id)
            desk.change_stage(auth.user, batch, app_row, target, note)

        await run_in_threadpool(save)
        return RedirectResponse(f"/apps/{app_id}?msg=stage#stage", status_code=303)

    # ---- the revoked list ------------------------------------------------------------------

    @app.get("/revoked")
    def revoked_page(request: Request, auth: PageAuth) -> Response:
        if not auth.user.is_province:
            raise Forbidden("revoked")
        lists = desk.revoked_lists()
        entries = desk.revoked_entries(lists[0].id) if lists else []
        return render(
            request,
            "revoked.html",
            auth,
            lists=lists,
            entries=entries,
            message=request.query_params.get("msg"),
        )

    @app.post("/revoked")
    async def upload_revoked(request: Request, auth: PageAuth) -> Response:
        if not auth.user.is_province:
            raise Forbidden("revoked")
        form = await request.form(max_files=2, max_fields=50)
        upload = form.get("file")
        if not isinstance(upload, FormFile) or not upload.filename:
            raise DeskProblem("请选择名单文件（.csv 或 .xlsx）")
        data = await upload.read()
        filename = Path(upload.filename).name
        try:
            entries = parse_list(filename, data)
        except ListProblem as exc:
            raise DeskProblem(str(exc)) from exc
        await run_in_threadpool(desk.add_revoked_list, auth.user, filename, entries)
        return RedirectResponse(f"/revoked?msg={len(entries)}", status_code=303)

    # ---- report files ------------------------------------------------------------------------

    @app.get("/files/{batch_id}/{path:path}")
    def batch_file(request: Request, batch_id: RowId, path: str, auth: PageAuth) -> Response:
        batch = desk.batch(auth.user, batch_id)
        if batch.state != "done":
            raise NotVisible(path)
        try:
            target = inside(Path(batch.out_dir), path)
        except BadPath:
            raise NotVisible(path) from None
        city = auth.user.role == "city"
        suffix = target.suffix.lower()
        # Another applicant's name is for the province only, in every file the desk serves.
        if city and suffix in (".json", ".csv"):
            text = hide_other_applications(target.read_text(encoding="utf-8", errors="replace"))
            kind = "application/json" if suffix == ".json" else "text/csv; charset=utf-8"
            return Response(text, media_type=kind)
        if city and suffix == ".xlsx":
            return Response(
                hidden_for_city(target.read_bytes()),
                media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        if target.suffix.lower() == ".html":
            html = target.read_text(encoding="utf-8", errors="replace")
            if city:  # another applicant's name is for the province only
                html = hide_other_applications(html)
            if request.query_params.get("embed") and "</head>" in html:
                # Inside the desk the report's own "back to the summary" link leads nowhere
                # useful (the desk has its own): hide it.
                html = html.replace(
                    "</head>",
                    "<style>nav.top a[href$='summary.html']{display:none}</style></head>",
                    1,
                )
            return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})
        return FileResponse(target, headers={"Content-Security-Policy": REPORT_CSP})

    # ---- JSON: status and uploads ----------------------------------------------------------

    @app.get("/api/batches/{batch_id}/status")
    def status_one(batch_id: RowId, auth: ApiAuth) -> Response:
        return JSONResponse(batch_status(desk, desk.batch(auth.user, batch_id)))

    @app.get("/api/batches/status")
    def status_many(auth: ApiAuth, ids: str = "") -> Response:
        out = []
        for part in ids.split(",")[:200]:
            if part.isdigit() and int(part) <= MAX_ID:
                try:
                    out.append(batch_status(desk, desk.batch(auth.user, int(part))))
                except NotVisible:
                    continue
        return JSONResponse({"batches": out})

    async def json_body(request: Request) -> dict[str, Any]:
        try:
            data = json.loads(await request.body())
        except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested too deep
            raise HTTPException(400, "请求格式不正确") from None
        if not isinstance(data, dict):
            raise HTTPException(400, "请求格式不正确")
        if has_lone_surrogate(data):
            raise HTTPException(400, "请求中含有无效的字符（不成对的 Unicode 代理项）")
        return data

    @app.post("/api/uploads")
    async def upload_start(request: Request, auth: ApiAuth) -> Response:
        data = await json_body(request)
        files = data.get("files")
        if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
            raise HTTPException(400, "文件清单格式不正确")
        user = auth.user
        upload = await run_in_threadpool(
            uploads.create,
            desk,
            user.id,
            user.city,
            user.is_province,
            str(data.get("name") or ""),
            str(data.get("kind") or ""),
            str(data.get("mode") or ""),
            str(data.get("city") or "") or None,
            files,
        )
        return JSONResponse(
            await run_in_threadpool(uploads.status, desk, user.id, upload.id), status_code=201
        )

    @app.get("/api/uploads/{upload_id}")
    def upload_status(upload_id: str, auth: ApiAuth) -> Response:
        return JSONResponse(uploads.status(desk, auth.user.id, upload_id))

    @app.put("/api/uploads/{upload_id}/files/{idx}")
    async def upload_chunk(
        request: Request, upload_id: str, idx: RowId, offset: int, auth: ApiAuth
    ) -> Response:
        try:
            received = await uploads.receive(
                desk, auth.user.id, upload_id, idx, offset, request.stream()
            )
        except uploads.OffsetMismatch as exc:
            return JSONResponse(
                {"error": "偏移量不一致", "received": exc.received}, status_code=409
            )
        except uploads.Busy:
            return JSONResponse({"error": "该文件正在另一请求中上传"}, status_code=409)
        except uploads.TooLarge:
            return JSONResponse({"error": "数据超出声明的文件大小"}, status_code=413)
        return JSONResponse({"received": received})

    @app.post("/api/uploads/{upload_id}/finish")
    async def upload_finish(upload_id: str, auth: ApiAuth) -> Response:
        batch = await run_in_threadpool(
            uploads.finish, desk, auth.user.id, auth.user.name, upload_id
        )
        if dispatcher is not None:
            dispatcher.wake()
        return JSONResponse(
            {
                "batch_id": batch.id,
                "state": batch.state,
                "label": vocab.label("batch_states", batch.state),
                "message": batch.message,
                "intake": batch.intake,
                "url": f"/batches/{batch.id}",
            }
        )

    return app
