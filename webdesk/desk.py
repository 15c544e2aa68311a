"""What the desk does, apart from HTTP: accounts, sessions, who sees which batch, reviews,
programme stages and the revoked list. The web routes (webdesk/app.py), the command line
(webdesk/cli.py) and the worker (webdesk/worker.py) all go through here.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from pipeline.models import Finding, Report
from pipeline.report import SEVERITY_ORDER
from pipeline.store import NotFound as StoreNotFound
from pipeline.store import Store, open_store
from webdesk import vocab
from webdesk.db import (
    Batch,
    BatchApp,
    DeskDB,
    DeskFinding,
    LoginFailure,
    Review,
    RevokedEntry,
    RevokedList,
    SessionRow,
    StageEvent,
    User,
    now,
)
from webdesk.security import (
    hash_password,
    new_token,
    password_problem,
    token_hash,
    verify_password,
)
from webdesk.settings import Settings

TZ = ZoneInfo("Asia/Shanghai")
ROLES = ("city", "province")
# Sessions are touched at most this often: a page view should not always write.
_TOUCH_EVERY = timedelta(minutes=1)
REVOKED_CODE = "REVOKED_ENTERPRISE"
# Login attempts are counted and decided one at a time (PostgreSQL: this advisory lock; SQLite:
# the write transaction's lock), so that parallel tries cannot all pass the check before
# any of them is counted.
_PG_LOGIN_LOCK = 0x64657378_6C6F67  # "desxlog"
log = logging.getLogger("webdesk.desk")


class DeskProblem(ValueError):
    """Something a user asked for that cannot be done; the message is for them (Chinese)."""


class NotVisible(LookupError):
    """No such thing, or not this user's to see: answered with 404 either way."""


class Forbidden(PermissionError):
    """The user may see this but not do it (403); `reason` says why (Chinese)."""

    def __init__(self, what: object, reason: str | None = None) -> None:
        super().__init__(what)
        self.reason = reason


def local_date(at: datetime) -> date:
    return at.astimezone(TZ).date()


# ---- what the pages show ---------------------------------------------------------------


@dataclass
class FindingItem:
    """One finding of an application with its review trail (oldest mark first)."""

    key: str
    source: str  # pipeline | desk
    severity: str
    code: str
    field: str
    year: str | None
    message: str
    declared: Any
    found: Any
    anchor: str | None  # its place in report.html
    history: list[Review] = dataclasses.field(default_factory=list)

    @property
    def current(self) -> Review | None:
        return self.history[-1] if self.history else None


@dataclass
class StageInfo:
    stage: str
    since: datetime | None
    history: list[StageEvent]
    publicity_start: date | None = None
    publicity_end: date | None = None
    days_left: int | None = None
    allowed: list[str] = dataclasses.field(default_factory=list)


@dataclass
class AppRow:
    """A line of the batch summary."""

    app: BatchApp
    batch: Batch
    stage: str
    stage_since: datetime | None
    findings: int
    reviewed: int
    desk_errors: int
    verdict: str


@dataclass
class Throttled:
    """The answer to a login: the user, or how long the caller must wait."""

    user: User | None
    delay: float = 0.0  # answer only after this long (a failure past the free ones)
    refused: bool = False  # a try while a delay was still running: not even checked
    retry_after: float = 0.0


def finding_keys(findings: Iterable[Finding]) -> list[str]:
    """A key per finding that stays the same when the batch is processed again: its code,
    field and year, numbered among findings that share them."""
    seen: Counter[tuple[str, str, str]] = Counter()
    keys = []
    for f in findings:
        ident = (f.code, f.field, f.year or "")
        keys.append(f"{f.code}|{f.field}|{f.year or ''}|{seen[ident]}")
        seen[ident] += 1
    return keys


def report_anchors(findings: list[Finding]) -> list[str]:
    """report.html numbers findings worst first (a stable sort): finding i's anchor."""
    order = sorted(range(len(findings)), key=lambda i: SEVERITY_ORDER[findings[i].severity])
    anchors = [""] * len(findings)
    for place, i in enumerate(order, start=1):
        anchors[i] = f"finding-{place}"
    return anchors


# Who may move an application from one stage to the next (第七条).
TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "city_check": {"province_review": ("city", "province"), "rejected": ("province",)},
    "province_review": {
        "publicity": ("province",),
        "city_check": ("province",),  # 退回市州补件
        "rejected": ("province",),
    },
    "publicity": {"announced": ("province",), "rejected": ("province",)},
    "announced": {},
    "rejected": {},
}


class Desk:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = DeskDB(settings.db_url)
        self.store: Store = open_store(settings.db_url)
        self._login_lock = threading.Lock()

    def close(self) -> None:
        self.db.close()
        self.store.close()

    # ---- accounts ----------------------------------------------------------------------

    def add_user(self, name: str, role: str, city: str | None, password: str) -> User:
        name = name.strip()
        if not name or len(name) > 64 or any(c.isspace() or ord(c) < 32 for c in name):
            raise DeskProblem("用户名须为 1–64 个字符，不含空白")
        if role not in ROLES:
            raise DeskProblem("角色须为 city（市州）或 province（省厅）")
        if role == "city":
            if city not in vocab.cities():
                raise DeskProblem(f"市州账户须指定 --city，可选：{'、'.join(vocab.cities())}")
        elif city:
            raise DeskProblem("省厅账户不属于某个市州，不要指定 --city")
        if problem := password_problem(password):
            raise DeskProblem(problem)
        user = User(
            name=name,
            role=role,
            city=city if role == "city" else None,
            password_hash=hash_password(password),
            created_at=now(),
            disabled=False,
        )
        try:
            with self.db.session(write=True) as s:
                s.add(user)
        except IntegrityError as exc:
            raise DeskProblem(f"用户 {name} 已存在") from exc
        return user

    def set_password(self, name: str, password: str) -> None:
        if problem := password_problem(password):
            raise DeskProblem(problem)
        with self.db.session(write=True) as s:
            user = s.scalar(select(User).where(User.name == name))
            if user is None:
                raise DeskProblem(f"没有用户 {name}")
            user.password_hash = hash_password(password)
            # A new password ends every session of the old one.
            s.execute(delete(SessionRow).where(SessionRow.user_id == user.id))

    def set_disabled(self, name: str, disabled: bool) -> None:
        with self.db.session(write=True) as s:
            user = s.scalar(select(User).where(User.name == name))
            if user is None:
                raise DeskProblem(f"没有用户 {name}")
            user.disabled = disabled
            if disabled:
                s.execute(delete(SessionRow).where(SessionRow.user_id == user.id))

    def users(self) -> list[User]:
        with self.db.session() as s:
            return list(s.scalars(select(User).order_by(User.role.desc(), User.city, User.name)))

    # ---- logging in ----------------------------------------------------------------------

    def login(self, name: str, password: str, ip: str) -> Throttled:
        """Check a login, throttled. The try is counted (as a failure, until the password
        proves right) in the same transaction that decides whether it may be checked at all:
        of many parallel tries only those the throttle allows reach the password check."""
        t = self.settings.throttle
        at = self.settings.clock()
        since = at - timedelta(seconds=t.window)
        name = name.strip()[:64]
        ip = ip[:64]
        with self._login_lock, self.db.session(write=True) as s:
            if self.db.engine.dialect.name == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOGIN_LOCK})
            by_user = s.execute(
                select(func.count(), func.max(LoginFailure.at)).where(
                    LoginFailure.username == name, LoginFailure.at > since
                )
            ).one()
            by_ip = s.execute(
                select(func.count(), func.max(LoginFailure.at)).where(
                    LoginFailure.ip == ip, LoginFailure.at > since
                )
            ).one()
            for (count, last), free in ((by_user, t.free_per_user), (by_ip, t.free_per_ip)):
                if last is None:
                    continue
                last_at = last if last.tzinfo else last.replace(tzinfo=at.tzinfo)
                wait = (last_at + timedelta(seconds=t.delay(count, free)) - at).total_seconds()
                if wait > 0:
                    return Throttled(None, refused=True, retry_after=wait)
            s.add(LoginFailure(username=name, ip=ip, at=at))
            user = s.scalar(select(User).where(User.name == name))
        ok = verify_password(user.password_hash if user else None, password)
        if ok and user is not None and not user.disabled:
            with self.db.session(write=True) as s:
                s.execute(delete(LoginFailure).where(LoginFailure.username == name))
            return Throttled(user)
        delay = max(t.delay(by_user[0] + 1, t.free_per_user), t.delay(by_ip[0] + 1, t.free_per_ip))
        return Throttled(None, delay=delay)

    def start_session(self, user: User) -> tuple[str, str]:
        """A new session (its cookie token and CSRF token); expired ones are cleared."""
        token, csrf = new_token(), new_token()
        at = now()
        with self.db.session(write=True) as s:
            s.execute(delete(SessionRow).where(SessionRow.expires_at < at))
            s.add(
                SessionRow(
                    token_hash=token_hash(token),
                    user_id=user.id,
                    csrf_token=csrf,
                    created_at=at,
                    last_seen_at=at,
                    expires_at=at + timedelta(hours=self.settings.session_hours),
                )
            )
        return token, csrf

    def session_user(self, token: str | None) -> tuple[User, SessionRow] | None:
        if not token or len(token) > 100:
            return None
        at = now()
        with self.db.session() as s:
            row = s.execute(
                select(SessionRow, User)
                .join(User, User.id == SessionRow.user_id)
                .where(SessionRow.token_hash == token_hash(token))
            ).one_or_none()
        if row is None:
            return None
        sess, user = row
        if sess.expires_at <= at or user.disabled:
            return None
        if at - sess.last_seen_at > _TOUCH_EVERY:
            with self.db.session(write=True) as s:
                s.execute(
                    update(SessionRow).where(SessionRow.id == sess.id).values(last_seen_at=at)
                )
        return user, sess

    def end_session(self, token: str | None) -> None:
        if token:
            with self.db.session(write=True) as s:
                s.execute(delete(SessionRow).where(SessionRow.token_hash == token_hash(token)))

    # ---- who sees what -------------------------------------------------------------------

    @staticmethod
    def can_see(user: User, batch: Batch) -> bool:
        return user.is_province or (user.city is not None and batch.city == user.city)

    def batches(self, user: User) -> list[Batch]:
        stmt = select(Batch).order_by(Batch.id.desc())
        if not user.is_province:
            stmt = stmt.where(Batch.city == user.city)
        with self.db.session() as s:
            return list(s.scalars(stmt))

    def batch(self, user: User, batch_id: int) -> Batch:
        with self.db.session() as s:
            batch = s.get(Batch, batch_id)
        if batch is None or not self.can_see(user, batch):
            raise NotVisible(batch_id)
        return batch

    def apps(self, batch_id: int) -> list[BatchApp]:
        with self.db.session() as s:
            return list(
                s.scalars(
                    select(BatchApp).where(BatchApp.batch_id == batch_id).order_by(BatchApp.name)
                )
            )

    def app(self, user: User, app_id: int) -> tuple[Batch, BatchApp]:
        with self.db.session() as s:
            app = s.get(BatchApp, app_id)
            batch = s.get(Batch, app.batch_id) if app is not None else None
        if app is None or batch is None or not self.can_see(user, batch):
            raise NotVisible(app_id)
        return batch, app

    def report(self, batch: Batch, app: BatchApp) -> Report | None:
        if batch.run_id is None or app.state != "done":
            return None
        try:
            return self.store.load_report(batch.run_id, app.name)
        except StoreNotFound:
            return None

    # ---- the summary ---------------------------------------------------------------------

    def app_rows(self, user: User, batch_id: int | None = None) -> list[AppRow]:
        """Every application the user may see (of one batch, or of all), with its stage and
        how far its review has come."""
        stmt = select(BatchApp, Batch).join(Batch, Batch.id == BatchApp.batch_id)
        if batch_id is not None:
            stmt = stmt.where(Batch.id == batch_id)
        if not user.is_province:
            stmt = stmt.where(Batch.city == user.city)
        with self.db.session() as s:
            pairs = [(a, b) for a, b in s.execute(stmt).all()]
            batch_ids = {b.id for _, b in pairs}
            stages = self._latest_stages(s, batch_ids)
            reviewed: dict[tuple[int, str], set[str]] = defaultdict(set)
            for b_id, app_name, key in s.execute(
                select(Review.batch_id, Review.application, Review.finding_key).where(
                    Review.batch_id.in_(batch_ids)
                )
            ):
                reviewed[(b_id, app_name)].add(key)
            desk = self._desk_findings(s, batch_ids)
        rows = []
        for app, batch in pairs:
            ident = (batch.id, app.name)
            event = stages.get(ident)
            extra = desk.get(ident, [])
            desk_errors = sum(1 for f in extra if f.severity == "error")
            if app.state == "failed":
                verdict = "failed"
            elif app.state != "done":
                verdict = "pending"
            elif app.errors or desk_errors:
                verdict = "error"
            else:
                verdict = "warning" if app.warnings else "ok"
            rows.append(
                AppRow(
                    app=app,
                    batch=batch,
                    stage=event.stage if event else "city_check",
                    stage_since=event.at if event else None,
                    findings=app.errors + app.warnings + app.infos + len(extra),
                    reviewed=len(reviewed[ident]),
                    desk_errors=desk_errors,
                    verdict=verdict,
                )
            )
        return rows

    @staticmethod
    def _latest_stages(s: Any, batch_ids: set[int]) -> dict[tuple[int, str], StageEvent]:
        latest: dict[tuple[int, str], StageEvent] = {}
        for event in s.scalars(
            select(StageEvent).where(StageEvent.batch_id.in_(batch_ids)).order_by(StageEvent.id)
        ):
            latest[(event.batch_id, event.application)] = event
        return latest

    def _current_list_id(self, s: Any) -> int | None:
        value = s.scalar(select(func.max(RevokedList.id)))
        return int(value) if value is not None else None

    def _desk_findings(
        self, s: Any, batch_ids: set[int]
    ) -> dict[tuple[int, str], list[DeskFinding]]:
        list_id = self._current_list_id(s)
        out: dict[tuple[int, str], list[DeskFinding]] = defaultdict(list)
        if list_id is None:
            return out
        for f in s.scalars(
            select(DeskFinding)
            .where(DeskFinding.batch_id.in_(batch_ids), DeskFinding.list_id == list_id)
            .order_by(DeskFinding.id)
        ):
            out[(f.batch_id, f.application)].append(f)
        return out

    # ---- findings and reviews ------------------------------------------------------------

    def findings(self, batch: Batch, app: BatchApp, report: Report | None) -> list[FindingItem]:
        """The desk's own findings first (they stop an application outright), then the
        report's, worst first, each with its marks."""
        items: list[FindingItem] = []
        with self.db.session() as s:
            for f in self._desk_findings(s, {batch.id}).get((batch.id, app.name), []):
                items.append(
                    FindingItem(
                        key=f"desk|{f.code}|{f.id}",
                        source="desk",
                        severity=f.severity,
                        code=f.code,
                        field=f.field,
                        year=None,
                        message=f.message,
                        declared=f.declared,
                        found=f.found,
                        anchor=None,
                    )
                )
            history: dict[str, list[Review]] = defaultdict(list)
            for r in s.scalars(
                select(Review)
                .where(Review.batch_id == batch.id, Review.application == app.name)
                .order_by(Review.id)
            ):
                history[r.finding_key].append(r)
        if report is not None:
            keys = finding_keys(report.findings)
            anchors = report_anchors(report.findings)
            pipeline_items = [
                FindingItem(
                    key=key,
                    source="pipeline",
                    severity=f.severity,
                    code=f.code,
                    field=f.field,
                    year=f.year,
                    message=f.message,
                    declared=f.declared,
                    found=f.found,
                    anchor=anchor,
                )
                for f, key, anchor in zip(report.findings, keys, anchors, strict=True)
            ]
            pipeline_items.sort(key=lambda i: SEVERITY_ORDER.get(i.severity, 9))
            items.extend(pipeline_items)
        for item in items:
            item.history = history.get(item.key, [])
        return items

    def add_review(
        self, user: User, batch: Batch, app: BatchApp, key: str, status: str, comment: str
    ) -> Review:
        if status not in vocab.vocab()["review_statuses"]:
            raise DeskProblem("请选择审核结论：已核实、已说明或需补件")
        comment = comment.strip()
        if len(comment) > 2000:
            raise DeskProblem("意见不能超过 2000 字")
        if status != "verified" and not comment:
            raise DeskProblem("“已说明”和“需补件”须写明意见")
        items = {i.key: i for i in self.findings(batch, app, self.report(batch, app))}
        if key not in items:
            raise NotVisible(key)
        self._may_mark(user, batch, app, items[key])
        review = Review(
            batch_id=batch.id,
            application=app.name,
            finding_key=key,
            status=status,
            comment=comment,
            user_id=user.id,
            user_name=user.name,
            user_role=user.role,
            at=now(),
        )
        with self.db.session(write=True) as s:
            s.add(review)
        return review

    def may_mark(self, user: User, batch: Batch, app: BatchApp, item: FindingItem) -> str | None:
        """Why `user` may not mark this finding now (Chinese), or None. Marks follow the
        programme's stage (desk.toml [review_marks]); a city never replaces a province mark."""
        stage = self.stage(None, batch, app).stage
        if user.role not in vocab.review_roles(stage):
            return (
                f"当前阶段为“{vocab.label('stages', stage)}”，"
                f"{vocab.label('roles', user.role)}不能在此阶段标注核查结论"
            )
        mark = item.current
        if user.role == "city" and mark is not None and mark.user_role == "province":
            return "省工业和信息化厅已对该发现作出结论，市州不能更改"
        return None

    def _may_mark(self, user: User, batch: Batch, app: BatchApp, item: FindingItem) -> None:
        reason = self.may_mark(user, batch, app, item)
        if reason is not None:
            log.warning(
                "review refused: user %s (%s) batch %s application %r finding %r: %s",
                user.name,
                user.role,
                batch.id,
                app.name,
                item.key,
                reason,
            )
            raise Forbidden(item.key, reason)

    def reviews(self, batch_id: int) -> list[Review]:
        with self.db.session() as s:
            return list(
                s.scalars(select(Review).where(Review.batch_id == batch_id).order_by(Review.id))
            )

    # ---- programme stages ------------------------------------------------------------------

    def stage(
        self, user: User | None, batch: Batch, app: BatchApp, today: date | None = None
    ) -> StageInfo:
        with self.db.session() as s:
            history = list(
                s.scalars(
                    select(StageEvent)
                    .where(StageEvent.batch_id == batch.id, StageEvent.application == app.name)
                    .order_by(StageEvent.id)
                )
            )
        current = history[-1] if history else None
        info = StageInfo(
            stage=current.stage if current else "city_check",
            since=current.at if current else None,
            history=history,
        )
        if info.stage == "publicity" and current is not None:
            info.publicity_start = local_date(current.at)
            info.publicity_end = info.publicity_start + timedelta(days=vocab.publicity_days())
            day = today or local_date(now())
            info.days_left = max(0, (info.publicity_end - day).days)
        if user is not None:
            info.allowed = [
                target
                for target, roles in TRANSITIONS.get(info.stage, {}).items()
                if user.role in roles
                and app.state == "done"
                # Announcing is offered only once the publicity period is over.
                and not (target == "announced" and info.days_left)
            ]
        return info

    def change_stage(
        self,
        user: User,
        batch: Batch,
        app: BatchApp,
        target: str,
        note: str,
        today: date | None = None,
    ) -> StageEvent:
        info = self.stage(user, batch, app, today)
        if app.state != "done":
            raise DeskProblem("材料核查完成后才能推进审核阶段")
        if target not in TRANSITIONS.get(info.stage, {}):
            raise DeskProblem(
                f"不能从“{vocab.label('stages', info.stage)}”转到“{vocab.label('stages', target)}”"
            )
        if user.role not in TRANSITIONS[info.stage][target]:
            raise Forbidden(target)
        if target == "announced" and info.days_left:
            raise DeskProblem(
                f"公示期至 {info.publicity_end} 结束，尚余 {info.days_left} 天，期满后才能公布"
            )
        note = note.strip()
        if len(note) > 2000:
            raise DeskProblem("说明不能超过 2000 字")
        if target in ("rejected", "city_check") and not note:
            raise DeskProblem("不予认定或退回市州须写明理由")
        event = StageEvent(
            batch_id=batch.id,
            application=app.name,
            stage=target,
            note=note,
            user_id=user.id,
            user_name=user.name,
            at=now(),
        )
        with self.db.session(write=True) as s:
            s.add(event)
        return event

    # ---- the revoked list (第十一条) -------------------------------------------------------

    def revoked_lists(self) -> list[RevokedList]:
        with self.db.session() as s:
            return list(s.scalars(select(RevokedList).order_by(RevokedList.id.desc())))

    def revoked_entries(self, list_id: int) -> list[RevokedEntry]:
        with self.db.session() as s:
            return list(
                s.scalars(
                    select(RevokedEntry)
                    .where(RevokedEntry.list_id == list_id)
                    .order_by(RevokedEntry.id)
                )
            )

    def add_revoked_list(
        self, user: User, filename: str, entries: list[tuple[str | None, str | None, str]]
    ) -> int:
        """Store a new list (it replaces the previous one, which stays on record) and check
        every application against it."""
        if not user.is_province:
            raise Forbidden("revoked")
        with self.db.session(write=True) as s:
            row = RevokedList(
                filename=filename, uploaded_by=user.name, at=now(), entries=len(entries)
            )
            s.add(row)
            s.flush()
            s.add_all(
                RevokedEntry(list_id=row.id, company_name=n, credit_code=c, revoked_on=d)
                for n, c, d in entries
            )
            list_id = row.id
        self.check_revoked()
        return list_id

    def check_revoked(self, batch_id: int | None = None) -> int:
        """Add a finding to every checked application on the current revoked list (once per
        list); returns how many were added."""
        from webdesk.revoked import match_entry

        with self.db.session() as s:
            list_id = self._current_list_id(s)
            if list_id is None:
                return 0
            entries = list(s.scalars(select(RevokedEntry).where(RevokedEntry.list_id == list_id)))
            filename = s.scalar(select(RevokedList.filename).where(RevokedList.id == list_id))
            stmt = select(BatchApp, Batch).join(Batch, Batch.id == BatchApp.batch_id)
            if batch_id is not None:
                stmt = stmt.where(Batch.id == batch_id)
            pairs = [(a, b) for a, b in s.execute(stmt).all()]
            have = {
                (f.batch_id, f.application)
                for f in s.scalars(select(DeskFinding).where(DeskFinding.list_id == list_id))
            }
        added = []
        for app, batch in pairs:
            if (batch.id, app.name) in have or (not app.company_name and not app.credit_code):
                continue
            hit = match_entry(
                entries, app.company_name, app.credit_code, local_date(batch.uploaded_at)
            )
            if hit is None:
                continue
            entry, until = hit
            by = (
                "统一社会信用代码"
                if entry.credit_code and entry.credit_code == (app.credit_code or "").upper()
                else "企业名称"
            )
            added.append(
                DeskFinding(
                    batch_id=batch.id,
                    application=app.name,
                    code=REVOKED_CODE,
                    field="revoked",
                    severity="error",
                    declared=app.credit_code if by != "企业名称" else app.company_name,
                    found=f"{entry.company_name or ''} {entry.credit_code or ''}".strip(),
                    message=(
                        f"该企业于 {entry.revoked_on} 被撤销“上云上平台”标杆企业认定，"
                        f"依第十一条 {until.isoformat()} 前不得再次申报"
                        f"（按{by}与撤销认定名单“{filename}”匹配）"
                    ),
                    list_id=list_id,
                    created_at=now(),
                )
            )
        if added:
            with self.db.session(write=True) as s:
                s.add_all(added)
        return len(added)
