"""The desk's own tables, in the pipeline's database beside the store's (pipeline/store.py).

    desk_users              local accounts: a city's bureau or the province, argon2 hashes
    desk_sessions           logged-in browsers: the sha256 of the cookie's token, its CSRF token
    desk_login_failures     failed logins, by name and by address (for slowing down guessing)
    desk_uploads            an upload under way: its own folder, its files (desk_upload_files)
    desk_batches            an uploaded batch: city, state, progress, the store run it became
    desk_batch_apps         each application of a batch: state, pages read, counts
    desk_reviews            a reviewer's mark on a finding            (append-only)
    desk_stage_events       an application's programme stage changes  (append-only)
    desk_revoked_lists      an uploaded list of revoked enterprises, with desk_revoked_entries
    desk_findings           review-level findings (an applicant on the revoked list)

Reviews and stage changes are an audit trail: rows are only ever added (the latest row is
the current state), and the database itself refuses UPDATE and DELETE on those two tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Engine,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from pipeline.store import CleanText, StoreError, UTCDateTime, open_store

SQLITE_BUSY_TIMEOUT_MS = 30_000
_WRITE = "desk_write"


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "desk_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # city | province
    city: Mapped[str | None] = mapped_column(CleanText)
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def is_province(self) -> bool:
        return self.role == "province"


class SessionRow(Base):
    __tablename__ = "desk_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Only the token's hash: a copy of the database does not let anyone in.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("desk_users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginFailure(Base):
    __tablename__ = "desk_login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(CleanText, index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Upload(Base):
    __tablename__ = "desk_uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # its folder under uploads/
    user_id: Mapped[int] = mapped_column(ForeignKey("desk_users.id"))
    city: Mapped[str] = mapped_column(CleanText)
    name: Mapped[str] = mapped_column(CleanText)
    kind: Mapped[str] = mapped_column(String(8))  # zip | folder
    mode: Mapped[str] = mapped_column(String(8))  # now | tonight
    total_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    batch_id: Mapped[int | None] = mapped_column(Integer)


class UploadFile(Base):
    __tablename__ = "desk_upload_files"
    __table_args__ = (UniqueConstraint("upload_id", "idx", name="desk_upload_files_idx"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upload_id: Mapped[str] = mapped_column(ForeignKey("desk_uploads.id", ondelete="CASCADE"))
    idx: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(CleanText)  # '/'-separated, checked, inside the batch
    size: Mapped[int] = mapped_column(Integer)


class Batch(Base):
    __tablename__ = "desk_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # report folder <out>/<key>
    name: Mapped[str] = mapped_column(CleanText)
    city: Mapped[str] = mapped_column(CleanText, index=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("desk_users.id"))
    uploader_name: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mode: Mapped[str] = mapped_column(String(8))  # now | tonight
    source: Mapped[str] = mapped_column(CleanText)  # the batch on disk (folder or .zip)
    out_dir: Mapped[str] = mapped_column(CleanText)  # where its reports are written
    state: Mapped[str] = mapped_column(String(16))  # queued|tonight|running|done|failed
    message: Mapped[str | None] = mapped_column(CleanText)
    run_id: Mapped[int | None] = mapped_column(Integer)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    pages_total: Mapped[int] = mapped_column(Integer, default=0)
    worker_pid: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    intake: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what scan_batch found


class BatchApp(Base):
    __tablename__ = "desk_batch_apps"
    __table_args__ = (UniqueConstraint("batch_id", "name", name="desk_batch_apps_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("desk_batches.id"), index=True)
    name: Mapped[str] = mapped_column(CleanText)
    state: Mapped[str] = mapped_column(String(16))  # queued | reading | done | failed
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    pages_total: Mapped[int] = mapped_column(Integer, default=0)
    files: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    infos: Mapped[int] = mapped_column(Integer, default=0)
    company_name: Mapped[str | None] = mapped_column(CleanText)
    credit_code: Mapped[str | None] = mapped_column(CleanText)
    declared_city: Mapped[str | None] = mapped_column(CleanText)
    elements: Mapped[list[str] | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(CleanText)


class Review(Base):
    """A mark on one finding. Never updated: the latest row per finding is its state."""

    __tablename__ = "desk_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("desk_batches.id"), index=True)
    application: Mapped[str] = mapped_column(CleanText)
    finding_key: Mapped[str] = mapped_column(CleanText)
    status: Mapped[str] = mapped_column(String(16))  # verified | explained | needs_documents
    comment: Mapped[str] = mapped_column(CleanText)
    user_id: Mapped[int] = mapped_column(ForeignKey("desk_users.id"))
    user_name: Mapped[str] = mapped_column(String(64))
    user_role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class StageEvent(Base):
    """A change of an application's programme stage (第七条). Never updated."""

    __tablename__ = "desk_stage_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("desk_batches.id"), index=True)
    application: Mapped[str] = mapped_column(CleanText)
    stage: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(CleanText)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("desk_users.id"))
    user_name: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class RevokedList(Base):
    __tablename__ = "desk_revoked_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(CleanText)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    entries: Mapped[int] = mapped_column(Integer)


class RevokedEntry(Base):
    __tablename__ = "desk_revoked_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("desk_revoked_lists.id"), index=True)
    company_name: Mapped[str | None] = mapped_column(CleanText)
    credit_code: Mapped[str | None] = mapped_column(String(32), index=True)
    revoked_on: Mapped[str] = mapped_column(String(10))  # ISO date


class DeskFinding(Base):
    """A finding of the desk itself (not of the pipeline's checks), shown with the report's."""

    __tablename__ = "desk_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("desk_batches.id"), index=True)
    application: Mapped[str] = mapped_column(CleanText)
    code: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    declared: Mapped[Any] = mapped_column(JSON, nullable=True)
    found: Mapped[Any] = mapped_column(JSON, nullable=True)
    message: Mapped[str] = mapped_column(CleanText)
    list_id: Mapped[int | None] = mapped_column(ForeignKey("desk_revoked_lists.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


APPEND_ONLY = ("desk_reviews", "desk_stage_events")

_SQLITE_GUARDS = [
    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op} BEFORE {op.upper()} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
    for table in APPEND_ONLY
    for op in ("update", "delete")
]
# No '%' in it: the driver would take it for a parameter placeholder.
_PG_GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION desk_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END $$ LANGUAGE plpgsql
"""
_PG_GUARDS = [
    f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION desk_append_only()"
    for table in APPEND_ONLY
]
_PG_SCHEMA_LOCK = 0x6465736B  # "desk": one process creates the tables, the others wait


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # The same settings as the store's engine (pipeline/store.py): WAL so that the worker
    # writing progress never blocks the pages being read, a busy timeout for writers.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    # Writers take the write lock up front: a deferred transaction that read first fails at
    # once (no busy wait) when another process committed in between.
    write = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class DeskError(RuntimeError):
    """The desk's database could not be opened."""


def make_engine(url: str) -> Engine:
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(u)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(u, pool_pre_ping=True)


class DeskDB:
    """The desk's tables on one engine. Thread-safe (a connection per session)."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            # The store's schema first: the desk reads its runs and reports.
            open_store(url).close()
            self.engine = make_engine(url)
            self._create_schema()
        except (SQLAlchemyError, StoreError) as exc:
            raise DeskError(f"无法打开数据库 {make_url(url).render_as_string()}：{exc}") from exc

    def _create_schema(self) -> None:
        with self.engine.connect().execution_options(**{_WRITE: True}) as conn, conn.begin():
            if self.engine.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_SCHEMA_LOCK})")
                Base.metadata.create_all(conn)
                conn.exec_driver_sql(_PG_GUARD_FUNCTION)
                for sql in _PG_GUARDS:
                    conn.exec_driver_sql(sql)
            else:
                Base.metadata.create_all(conn)
                for sql in _SQLITE_GUARDS:
                    conn.exec_driver_sql(sql)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with self.engine.connect() as conn:
            if write:
                conn.execution_options(**{_WRITE: True})
            with Session(bind=conn, expire_on_commit=False) as s, s.begin():
                yield s
