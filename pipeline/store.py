"""The database of runs and reports: a SQLite file by default, PostgreSQL by URL.

Every run of a batch, and for each application its files, documents, fields with their
evidence, and findings, goes into one schema that both databases share:

    schema_version                one row per schema version applied (MIGRATIONS lead up to it)
    runs                          one row per `start_run`
    applications                  one row per (run, application): counts and the declared block
      file_entries                  every input file of the application
      documents                     the documents read from them
        fields                        one row per field: value, evidence, in the report's order
      findings                      the findings, with declared/found values
        finding_evidence              the evidence of each finding
    latest_applications           application name -> the highest run id that saved it
    applications_latest (view)    the applications rows that `latest_applications` points at

Re-saving an application in the same run replaces that run's rows for it; saving it in a
new run adds rows and moves `latest_applications`, so past runs stay queryable. Each save
is one transaction: a failure half way leaves the previous state as it was.

Values are stored exactly: money is `Decimal` in memory and never passes through a float.
Scalar numbers get an `amount` column (PostgreSQL NUMERIC without a fixed scale, because
万元 figures and ratios carry more than two decimals; on SQLite a decimal string, since
SQLite's NUMERIC is a double), and every value is kept as JSON in which a `Decimal` is
written as {"$decimal": "<its exact digits>"}, so `load_report` gives back the very report
that was saved.

Nothing here opens a connection at import time: a `Store` owns one engine and is opened
inside whatever process uses it (Dask workers included); pass the URL, not the `Store`,
across process boundaries.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Dialect,
    Double,
    Engine,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    case,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    selectinload,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from pipeline.models import (
    Declared,
    Document,
    Evidence,
    FileEntry,
    Finding,
    Report,
    Submission,
)

SCHEMA_VERSION = 2
# How a database of an older schema is brought up to date, step by step (version → its SQL;
# {json} is the dialect's JSON type). 2: documents' field_confidence.
MIGRATIONS: dict[int, list[str]] = {
    1: ["ALTER TABLE documents ADD COLUMN field_confidence {json}"],
}
DB_FILENAME = "dossier.db"
# SQLite waits this long for another writer (thread or process) before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Serialises schema creation when several processes open a fresh PostgreSQL database at once.
_PG_SCHEMA_LOCK = 0x646F7373  # "doss"


class StoreError(RuntimeError):
    """The database could not be opened or written; the cause is chained."""


class NotFound(StoreError, LookupError):
    """No such run or application in the database."""


def default_url(out_dir: Path) -> str:
    """The SQLite file next to a batch's reports: `sqlite:///<out>/dossier.db`."""
    return f"sqlite:///{(out_dir / DB_FILENAME).resolve()}"


# ---- exact values -------------------------------------------------------------------------

_DECIMAL_TAG = "$decimal"
_FLOAT_TAG = "$float"


def _encode(value: Any) -> Any:
    """Make a value JSON-safe without losing its type: Decimals keep their exact digits."""
    if isinstance(value, Decimal):
        return {_DECIMAL_TAG: str(value)}
    if isinstance(value, float) and not math.isfinite(value):
        # PostgreSQL's JSON rejects NaN/Infinity tokens; SQLite would take them: keep both alike.
        return {_FLOAT_TAG: repr(value)}
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            if isinstance(value.get(_DECIMAL_TAG), str):
                return Decimal(value[_DECIMAL_TAG])
            if isinstance(value.get(_FLOAT_TAG), str):
                return float(value[_FLOAT_TAG])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _json_dumps(value: Any) -> str:
    # Chinese stays readable in the database (psql, sqlite3) instead of \uXXXX escapes.
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


class ExactJSON(TypeDecorator[Any]):
    """JSON that round-trips Decimal (and non-finite floats) exactly; plain JSON, not JSONB,
    on PostgreSQL so that key order (the report's field order) is kept."""

    # None is SQL NULL, not the JSON text 'null', so that IS NULL works in hand-written SQL.
    impl = JSON(none_as_null=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return _encode(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return _decode(value)


class ExactDecimal(TypeDecorator[Decimal]):
    """A number stored exactly: NUMERIC on PostgreSQL, a decimal string on SQLite (whose
    NUMERIC is a double). No fixed scale: 万元 figures and ratios have more than 2 decimals.
    On SQLite compare with CAST(amount AS REAL) in hand-written SQL."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


class CleanText(TypeDecorator[str]):
    """Text without NUL characters: PostgreSQL refuses them in text, and PDF text layers with
    unmapped glyphs do produce them. They become U+FFFD on both databases alike."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return value.replace("\x00", "\ufffd") if value is not None else None

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return value


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes only, stored as UTC (SQLite has no time zones), read back aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # A naive time is ambiguous (local? UTC?) once stored; refuse it early.
            raise ValueError(f"naive datetime {value!r}: pass an aware one, e.g. datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _amount(value: Any) -> Decimal | None:
    """The queryable number of a scalar value (None for text, lists, booleans)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float) and math.isfinite(value):
        return Decimal(repr(value))  # the float's shortest repr, not its binary expansion
    return None


# ---- schema -------------------------------------------------------------------------------


class Base(DeclarativeBase):
    pass


class SchemaVersionRow(Base):
    __tablename__ = "schema_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_name: Mapped[str] = mapped_column(CleanText, index=True)
    source: Mapped[str] = mapped_column(CleanText)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    options: Mapped[dict[str, Any]] = mapped_column(ExactJSON)
    counts: Mapped[dict[str, int] | None] = mapped_column(ExactJSON)


class ApplicationRow(Base):
    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("run_id", "name", name="applications_run_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(CleanText, index=True)
    company_name: Mapped[str | None] = mapped_column(CleanText)
    credit_code: Mapped[str | None] = mapped_column(CleanText)
    errors: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[int] = mapped_column(Integer)
    infos: Mapped[int] = mapped_column(Integer)
    file_count: Mapped[int] = mapped_column(Integer)
    document_count: Mapped[int] = mapped_column(Integer)
    declared: Mapped[dict[str, Any] | None] = mapped_column(ExactJSON)
    stats: Mapped[dict[str, int]] = mapped_column(ExactJSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # passive_deletes: the database's ON DELETE CASCADE removes children in one statement.
    files: Mapped[list[FileRow]] = relationship(
        order_by="FileRow.seq", cascade="all, delete-orphan", passive_deletes=True
    )
    documents: Mapped[list[DocumentRow]] = relationship(
        order_by="DocumentRow.seq", cascade="all, delete-orphan", passive_deletes=True
    )
    findings: Mapped[list[FindingRow]] = relationship(
        order_by="FindingRow.seq", cascade="all, delete-orphan", passive_deletes=True
    )


class FileRow(Base):
    __tablename__ = "file_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    file: Mapped[str] = mapped_column(CleanText)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(CleanText)
    format: Mapped[str | None] = mapped_column(String(16))
    pages: Mapped[int | None] = mapped_column(Integer)


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    file: Mapped[str] = mapped_column(CleanText)
    pages: Mapped[list[int]] = mapped_column(ExactJSON)
    type: Mapped[str] = mapped_column(String(32), index=True)
    confidence: Mapped[float] = mapped_column(Double)
    extraction_confidence: Mapped[float | None] = mapped_column(Double)
    unread: Mapped[dict[str, str]] = mapped_column(ExactJSON)
    field_confidence: Mapped[dict[str, float] | None] = mapped_column(ExactJSON, nullable=True)

    fields: Mapped[list[FieldRow]] = relationship(
        order_by="FieldRow.id", cascade="all, delete-orphan", passive_deletes=True
    )


class FieldRow(Base):
    """One field of a document: its value (when in `fields`) and its evidence (when any).

    `seq` and `evidence_seq` are the field's places in the document's `fields` and
    `evidence` dicts, so both come back in their original order; either may be NULL.
    """

    __tablename__ = "fields"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64), index=True)
    seq: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[Any] = mapped_column(ExactJSON, nullable=True)
    amount: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    evidence_seq: Mapped[int | None] = mapped_column(Integer)
    ev_file: Mapped[str | None] = mapped_column(CleanText)
    ev_page: Mapped[int | None] = mapped_column(Integer)
    ev_x0: Mapped[float | None] = mapped_column(Double)
    ev_y0: Mapped[float | None] = mapped_column(Double)
    ev_x1: Mapped[float | None] = mapped_column(Double)
    ev_y1: Mapped[float | None] = mapped_column(Double)
    ev_text: Mapped[str | None] = mapped_column(CleanText)


class FindingRow(Base):
    __tablename__ = "findings"
    # The contract's three severities; the summary counts rely on nothing else getting in.
    __table_args__ = (
        CheckConstraint("severity IN ('error', 'warning', 'info')", name="findings_severity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(64), index=True)
    field: Mapped[str] = mapped_column(String(64))
    year: Mapped[str | None] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    declared: Mapped[Any] = mapped_column(ExactJSON, nullable=True)
    found: Mapped[Any] = mapped_column(ExactJSON, nullable=True)
    declared_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    found_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    message: Mapped[str] = mapped_column(CleanText)

    evidence: Mapped[list[FindingEvidenceRow]] = relationship(
        order_by="FindingEvidenceRow.seq", cascade="all, delete-orphan", passive_deletes=True
    )


class FindingEvidenceRow(Base):
    __tablename__ = "finding_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    file: Mapped[str] = mapped_column(CleanText)
    page: Mapped[int | None] = mapped_column(Integer)
    x0: Mapped[float | None] = mapped_column(Double)
    y0: Mapped[float | None] = mapped_column(Double)
    x1: Mapped[float | None] = mapped_column(Double)
    y1: Mapped[float | None] = mapped_column(Double)
    text: Mapped[str] = mapped_column(CleanText)


class LatestRow(Base):
    """Which run holds the latest state of each application (the highest run that saved it)."""

    __tablename__ = "latest_applications"

    name: Mapped[str] = mapped_column(CleanText, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))


_VIEW_SELECT = (
    "SELECT a.* FROM applications a JOIN latest_applications l"
    " ON l.name = a.name AND l.run_id = a.run_id"
)
_CREATE_VIEW = {
    "sqlite": f"CREATE VIEW IF NOT EXISTS applications_latest AS {_VIEW_SELECT}",
    "postgresql": f"CREATE OR REPLACE VIEW applications_latest AS {_VIEW_SELECT}",
}


# ---- what the read helpers return ---------------------------------------------------------


@dataclass(frozen=True)
class RunInfo:
    id: int
    batch_name: str
    source: str
    started_at: datetime
    finished_at: datetime | None
    options: dict[str, Any]
    counts: dict[str, int] | None
    applications: int


@dataclass(frozen=True)
class ReportRow:
    """One application's latest state, as a summary line (load the full report on demand)."""

    run_id: int
    batch_name: str
    application: str
    company_name: str | None
    credit_code: str | None
    errors: int
    warnings: int
    infos: int
    files: int
    documents: int
    saved_at: datetime


# ---- connection setup ---------------------------------------------------------------------

_WRITE = "dossier_write"


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Let SQLAlchemy's "begin" hook below issue BEGIN itself (pysqlite's own is deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # WAL: readers never block the writer; NORMAL is durable across crashes of the
        # program in WAL mode (only an OS crash may lose the last commit) and much faster.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")  # off by default; the cascades need it
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    # A deferred write transaction that read first cannot upgrade its lock once another
    # writer committed (SQLITE_BUSY at once, the busy timeout does not apply): writers take
    # the write lock up front with BEGIN IMMEDIATE and queue behind each other.
    if conn.get_execution_options().get(_WRITE, False):
        _begin_immediate(conn)
    else:
        conn.exec_driver_sql("BEGIN")


def _begin_immediate(conn: Connection) -> None:
    """BEGIN IMMEDIATE, tried again every few milliseconds until the busy timeout.

    SQLite's own busy handler backs off to 100 ms sleeps: with other writers saving one
    report after another, a waiting writer could miss every free moment for the whole 30 s
    (seen: 4 writer threads on one file, 4 failures in 15 runs). Polling often, at random
    moments, catches the gaps between their transactions.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    conn.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if "locked" not in str(exc.orig) or time.monotonic() >= deadline:
                    raise
            time.sleep(random.uniform(0.001, 0.01))
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def _normalise_url(url: str | URL) -> URL:
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")  # psycopg 3 is what the project installs
    if u.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(
            f"unsupported database URL {u.render_as_string()}: use sqlite or postgresql"
        )
    return u


def open_store(url: str | URL) -> Store:
    """Open (and create or check the schema of) the database at `url`.

    `sqlite:///path/dossier.db` (parent folders are created) or
    `postgresql+psycopg://user:password@host:port/dbname` (the database must exist).
    """
    u = _normalise_url(url)
    shown = u.render_as_string(hide_password=True)
    try:
        if u.get_backend_name() == "sqlite":
            if u.database and u.database != ":memory:":
                Path(u.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(u, json_serializer=_json_dumps)
            event.listen(engine, "connect", _sqlite_on_connect)
            event.listen(engine, "begin", _sqlite_on_begin)
        else:
            engine = create_engine(u, json_serializer=_json_dumps, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError) as exc:
        raise StoreError(f"cannot open database {shown}: {exc}") from exc
    try:
        _create_schema(engine, shown)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine)


def _migrate(conn: Any, engine: Engine, found: int) -> bool:
    """Bring a database of an older schema up to this one, inside the caller's transaction;
    False when no path of migrations leads here (a newer or unknown schema)."""
    steps = list(range(found, SCHEMA_VERSION))
    if not steps or any(v not in MIGRATIONS for v in steps):
        return False
    json_type = ExactJSON().impl.compile(dialect=engine.dialect)
    for version in steps:
        for sql in MIGRATIONS[version]:
            conn.exec_driver_sql(sql.format(json=json_type))
        conn.execute(
            insert(SchemaVersionRow).values(version=version + 1, applied_at=datetime.now(UTC))
        )
    return True


def _create_schema(engine: Engine, shown: str) -> None:
    try:
        with engine.connect().execution_options(**{_WRITE: True}) as conn, conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(_PG_SCHEMA_LOCK)))
            if inspect(conn).has_table(SchemaVersionRow.__tablename__):
                found = conn.scalar(select(func.max(SchemaVersionRow.version)))
                if found == SCHEMA_VERSION:
                    return  # made by this version already: opening costs two queries
                if found is not None and _migrate(conn, engine, found):
                    return
                if found is not None:
                    raise StoreError(
                        f"database {shown} has schema version {found}, this program expects "
                        f"{SCHEMA_VERSION}: migrate it (or use a new database)"
                    )
            Base.metadata.create_all(conn)
            conn.exec_driver_sql(_CREATE_VIEW[engine.dialect.name])
            if conn.scalar(select(func.count()).select_from(SchemaVersionRow)) == 0:
                conn.execute(
                    insert(SchemaVersionRow).values(
                        version=SCHEMA_VERSION, applied_at=datetime.now(UTC)
                    )
                )
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open database {shown}: {exc}") from exc


# ---- the store ----------------------------------------------------------------------------


class Store:
    """One database, one engine. Thread-safe (a connection per call); not picklable."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        """The engine, for ad-hoc SQL and tests."""
        return self._engine

    @property
    def url(self) -> str:
        return self._engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _session(self, write: bool = False) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self._engine.connect() as conn:
            if write:
                conn.execution_options(**{_WRITE: True})
            elif self._engine.dialect.name == "postgresql":
                # One snapshot for the whole read: under READ COMMITTED each of load_report's
                # SELECTs would see the latest commit, and a save in between (which replaces
                # the application's rows) would leave it a report without its children.
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                yield session

    # ---- writing ----------------------------------------------------------------------

    def start_run(
        self,
        batch_name: str,
        source: str,
        started_at: datetime,
        options: Mapping[str, Any] | None = None,
    ) -> int:
        """Record the start of a run; returns its id. `options` must be JSON-like (paths and
        other objects are stored as their str)."""
        opts = json.loads(json.dumps(dict(options or {}), default=str))
        run = RunRow(batch_name=batch_name, source=source, started_at=started_at, options=opts)
        try:
            with self._session(write=True) as s:
                s.add(run)
                s.flush()
                return run.id
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot start run of {batch_name}: {exc}") from exc

    def save_report(self, run_id: int, report: Report) -> None:
        """Store `report` as the state of its application in run `run_id`, in one transaction.

        Replaces what that run held for the application; rows of other runs stay. The
        application's latest run becomes the highest run id that saved it.
        """
        try:
            with self._session(write=True) as s:
                # First, so that on PostgreSQL concurrent saves of one application queue on
                # this row's lock instead of racing on the (run_id, name) unique key below.
                s.execute(_upsert_latest(self._engine.dialect.name, report.application, run_id))
                s.execute(
                    delete(ApplicationRow).where(
                        ApplicationRow.run_id == run_id, ApplicationRow.name == report.application
                    )
                )
                _write_application(s.connection(), run_id, report)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot save {report.application} in run {run_id}: {exc}; "
                "the previous state is unchanged"
            ) from exc

    def finish_run(
        self, run_id: int, finished_at: datetime, counts: Mapping[str, int] | None = None
    ) -> None:
        try:
            with self._session(write=True) as s:
                run = s.get(RunRow, run_id)
                if run is None:
                    raise NotFound(f"no run {run_id}")
                run.finished_at = finished_at
                run.counts = dict(counts or {})
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot finish run {run_id}: {exc}") from exc

    # ---- reading ----------------------------------------------------------------------

    def list_runs(self) -> list[RunInfo]:
        """All runs, newest first."""
        n_apps = (
            select(func.count(ApplicationRow.id))
            .where(ApplicationRow.run_id == RunRow.id)
            .scalar_subquery()
        )
        with self._session() as s:
            rows = s.execute(select(RunRow, n_apps).order_by(RunRow.id.desc())).all()
            return [
                RunInfo(
                    id=r.id,
                    batch_name=r.batch_name,
                    source=r.source,
                    started_at=r.started_at,
                    finished_at=r.finished_at,
                    options=r.options,
                    counts=r.counts,
                    applications=n,
                )
                for r, n in rows
            ]

    def latest_run_id(self, application: str) -> int | None:
        with self._session() as s:
            return s.scalar(select(LatestRow.run_id).where(LatestRow.name == application))

    def latest_reports(self, batch: str | None = None) -> list[ReportRow]:
        """The latest state of every application (of those whose latest run was of `batch`),
        by application name."""
        stmt = (
            select(ApplicationRow, RunRow.batch_name)
            .join(
                LatestRow,
                (LatestRow.name == ApplicationRow.name)
                & (LatestRow.run_id == ApplicationRow.run_id),
            )
            .join(RunRow, RunRow.id == ApplicationRow.run_id)
            .order_by(ApplicationRow.name)
        )
        if batch is not None:
            stmt = stmt.where(RunRow.batch_name == batch)
        with self._session() as s:
            return [
                ReportRow(
                    run_id=a.run_id,
                    batch_name=batch_name,
                    application=a.name,
                    company_name=a.company_name,
                    credit_code=a.credit_code,
                    errors=a.errors,
                    warnings=a.warnings,
                    infos=a.infos,
                    files=a.file_count,
                    documents=a.document_count,
                    saved_at=a.saved_at,
                )
                for a, batch_name in s.execute(stmt).all()
            ]

    def load_report(self, run_id: int, application: str) -> Report:
        """The report exactly as saved in that run; NotFound if it never was."""
        stmt = (
            select(ApplicationRow)
            .where(ApplicationRow.run_id == run_id, ApplicationRow.name == application)
            .options(
                selectinload(ApplicationRow.files),
                selectinload(ApplicationRow.documents).selectinload(DocumentRow.fields),
                selectinload(ApplicationRow.findings).selectinload(FindingRow.evidence),
            )
        )
        with self._session() as s:
            row = s.scalars(stmt).one_or_none()
            if row is None:
                raise NotFound(f"no application {application!r} in run {run_id}")
            return _report_of(row)

    def submissions(
        self,
        kinds: Collection[str] = ("invoice", "contract"),
        rerun_of: str | None = None,
        applications: Collection[str] = (),
    ) -> list[Submission]:
        """Every application of every run held, its latest state per (batch, application),
        with only its documents of `kinds`: what the checks across applications compare a
        new batch with. The `applications` of batch `rerun_of` are left out: that batch
        processed again is not a second submission of its own papers."""
        stmt = (
            select(DocumentRow, ApplicationRow, RunRow.batch_name)
            .join(ApplicationRow, ApplicationRow.id == DocumentRow.application_id)
            .join(RunRow, RunRow.id == ApplicationRow.run_id)
            .where(DocumentRow.type.in_(list(kinds)))
            .options(selectinload(DocumentRow.fields))
            .order_by(ApplicationRow.run_id, DocumentRow.seq)
        )
        skip = set(applications)
        latest: dict[tuple[str, str], Submission] = {}
        with self._session() as s:
            for doc, app, batch_name in s.execute(stmt).all():
                if batch_name == rerun_of and app.name in skip:
                    continue
                key = (batch_name, app.name)
                sub = latest.get(key)
                if sub is None or sub.run_id != app.run_id:
                    if sub is not None and (sub.run_id or 0) > app.run_id:
                        continue
                    sub = Submission(
                        application=app.name,
                        batch=batch_name,
                        run_id=app.run_id,
                        declared=Declared.model_validate(app.declared) if app.declared else None,
                    )
                    latest[key] = sub
                sub.documents.append(_document_of(doc))
        return list(latest.values())

    def findings(
        self, application: str, severity: str | None = None, run_id: int | None = None
    ) -> list[Finding]:
        """The findings of an application's latest state (or of run `run_id`), in report
        order; empty when the application is unknown."""
        with self._session() as s:
            if run_id is None:
                run_id = s.scalar(select(LatestRow.run_id).where(LatestRow.name == application))
                if run_id is None:
                    return []
            stmt = (
                select(FindingRow)
                .join(ApplicationRow, ApplicationRow.id == FindingRow.application_id)
                .where(ApplicationRow.run_id == run_id, ApplicationRow.name == application)
                .options(selectinload(FindingRow.evidence))
                .order_by(FindingRow.seq)
            )
            if severity is not None:
                stmt = stmt.where(FindingRow.severity == severity)
            return [_finding_of(f) for f in s.scalars(stmt)]


def _upsert_latest(dialect: str, name: str, run_id: int) -> Any:
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = upsert(LatestRow).values(name=name, run_id=run_id)
    # Keep the highest run: a late save of an older run must not hide a newer one.
    newest = case(
        (stmt.excluded.run_id > LatestRow.run_id, stmt.excluded.run_id), else_=LatestRow.run_id
    )
    return stmt.on_conflict_do_update(index_elements=[LatestRow.name], set_={"run_id": newest})


# ---- Report <-> rows ----------------------------------------------------------------------


def _write_application(conn: Connection, run_id: int, report: Report) -> None:
    """Insert one report's rows: Core executemany of plain dicts, one batched INSERT per
    table (ids come back in order through RETURNING). An ORM object graph, or the ORM's bulk
    mode (which splits rows by their None columns), takes 3-6 times longer."""
    # Counted here rather than with Report.counts, which raises on a severity outside the
    # contract: such a finding is for the database's CHECK to refuse, inside the transaction.
    counts = Counter(f.severity for f in report.findings)
    declared = report.declared
    app_id = conn.scalar(
        insert(ApplicationRow)
        .values(
            run_id=run_id,
            name=report.application,
            company_name=declared.company_name if declared else None,
            credit_code=declared.credit_code if declared else None,
            errors=counts["error"],
            warnings=counts["warning"],
            infos=counts["info"],
            file_count=len(report.files),
            document_count=len(report.documents),
            declared=declared.model_dump(mode="python") if declared else None,
            stats=dict(report.stats),
            saved_at=datetime.now(UTC),
        )
        .returning(ApplicationRow.id)
    )
    if report.files:
        conn.execute(insert(FileRow), [_file_row(app_id, i, f) for i, f in enumerate(report.files)])
    if report.documents:
        doc_ids = conn.scalars(
            insert(DocumentRow).returning(DocumentRow.id, sort_by_parameter_order=True),
            [_document_row(app_id, i, d) for i, d in enumerate(report.documents)],
        ).all()
        fields = [
            row
            for doc_id, d in zip(doc_ids, report.documents, strict=True)
            for row in _field_rows(doc_id, d)
        ]
        if fields:
            conn.execute(insert(FieldRow), fields)
    if report.findings:
        finding_ids = conn.scalars(
            insert(FindingRow).returning(FindingRow.id, sort_by_parameter_order=True),
            [_finding_row(app_id, i, f) for i, f in enumerate(report.findings)],
        ).all()
        evidence = [
            {"finding_id": fid, "seq": i, **_evidence_columns(e, "")}
            for fid, f in zip(finding_ids, report.findings, strict=True)
            for i, e in enumerate(f.evidence)
        ]
        if evidence:
            conn.execute(insert(FindingEvidenceRow), evidence)


def _file_row(app_id: int | None, seq: int, f: FileEntry) -> dict[str, Any]:
    return {
        "application_id": app_id,
        "seq": seq,
        "file": f.file,
        "sha256": f.sha256,
        "status": f.status,
        "reason": f.reason,
        "format": f.format,
        "pages": f.pages,
    }


def _evidence_columns(ev: Evidence | None, prefix: str) -> dict[str, Any]:
    box = ev.bbox if ev is not None and ev.bbox is not None else (None, None, None, None)
    return {
        f"{prefix}file": ev.file if ev else None,
        f"{prefix}page": ev.page if ev else None,
        f"{prefix}text": ev.text if ev else None,
        **{f"{prefix}{k}": v for k, v in zip(("x0", "y0", "x1", "y1"), box, strict=True)},
    }


def _document_row(app_id: int | None, seq: int, d: Document) -> dict[str, Any]:
    return {
        "application_id": app_id,
        "seq": seq,
        "file": d.file,
        "pages": list(d.pages),
        "type": d.type,
        "confidence": d.confidence,
        "extraction_confidence": d.extraction_confidence,
        "unread": dict(d.unread),
        "field_confidence": dict(d.field_confidence),
    }


def _field_rows(doc_id: int, d: Document) -> list[dict[str, Any]]:
    """One row per name in `fields` (in order), then per name only in `evidence`."""
    evidence_seq = {name: i for i, name in enumerate(d.evidence)}
    names = list(d.fields) + [n for n in d.evidence if n not in d.fields]
    rows = []
    for i, name in enumerate(names):
        in_fields = i < len(d.fields)
        value = d.fields[name] if in_fields else None
        rows.append(
            {
                "document_id": doc_id,
                "name": name,
                "seq": i if in_fields else None,
                "value": value,
                "amount": _amount(value),
                "evidence_seq": evidence_seq.get(name),
                **_evidence_columns(d.evidence.get(name), "ev_"),
            }
        )
    return rows


def _finding_row(app_id: int | None, seq: int, f: Finding) -> dict[str, Any]:
    return {
        "application_id": app_id,
        "seq": seq,
        "code": f.code,
        "field": f.field,
        "year": f.year,
        "severity": f.severity,
        "declared": f.declared,
        "found": f.found,
        "declared_amount": _amount(f.declared),
        "found_amount": _amount(f.found),
        "message": f.message,
    }


def _bbox(x0: float | None, y0: float | None, x1: float | None, y1: float | None) -> Any:
    if x0 is None or y0 is None or x1 is None or y1 is None:
        return None
    return (x0, y0, x1, y1)


def _finding_of(f: FindingRow) -> Finding:
    return Finding(
        code=f.code,
        field=f.field,
        year=f.year,
        severity=f.severity,  # type: ignore[arg-type]  # a str column; pydantic checks it
        declared=f.declared,
        found=f.found,
        message=f.message,
        evidence=[
            Evidence(file=e.file, page=e.page, bbox=_bbox(e.x0, e.y0, e.x1, e.y1), text=e.text)
            for e in f.evidence
        ],
    )


def _document_of(d: DocumentRow) -> Document:
    valued = sorted((f for f in d.fields if f.seq is not None), key=lambda f: f.seq or 0)
    evidenced = sorted(
        (f for f in d.fields if f.evidence_seq is not None), key=lambda f: f.evidence_seq or 0
    )
    return Document(
        file=d.file,
        pages=d.pages,
        type=d.type,  # type: ignore[arg-type]  # validated by pydantic on construction
        confidence=d.confidence,
        extraction_confidence=d.extraction_confidence,
        fields={f.name: f.value for f in valued},
        evidence={
            f.name: Evidence(
                file=f.ev_file or "",
                page=f.ev_page,
                bbox=_bbox(f.ev_x0, f.ev_y0, f.ev_x1, f.ev_y1),
                text=f.ev_text or "",
            )
            for f in evidenced
        },
        unread=d.unread,
        field_confidence=d.field_confidence or {},
    )


def _report_of(a: ApplicationRow) -> Report:
    return Report(
        application=a.name,
        declared=Declared.model_validate(a.declared) if a.declared is not None else None,
        files=[
            FileEntry(
                file=f.file,
                sha256=f.sha256,
                status=f.status,  # type: ignore[arg-type]  # validated by pydantic
                reason=f.reason,
                format=f.format,  # type: ignore[arg-type]  # validated by pydantic
                pages=f.pages,
            )
            for f in a.files
        ],
        documents=[_document_of(d) for d in a.documents],
        findings=[_finding_of(f) for f in a.findings],
        stats=a.stats,
    )


class ReportRecorder(logging.Handler):
    """Saves each application's report into the store as soon as the batch flow has written it.

    Listens to the flow's progress events ("dossier.progress", event `application_done`), so a
    run killed half way keeps in the database what it had finished. A report that cannot be
    saved is named in `failures`, one that was is in `saved`; the files on disk stay the record
    of the run.
    """

    def __init__(self, store: Store, run_id: int, out_dir: Path) -> None:
        super().__init__(logging.INFO)
        self.store = store
        self.run_id = run_id
        self.out_dir = Path(out_dir)
        self.counts: dict[str, int] = {"applications": 0, "errors": 0, "warnings": 0, "pages": 0}
        self.failures: list[str] = []
        self.saved: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "event", None) != "application_done":
            return
        row = record.__dict__["row"]
        path = self.out_dir / row.application / "report.json"
        try:
            report = Report.model_validate_json(path.read_text(encoding="utf-8"))
            self.store.save_report(self.run_id, report)
        except (OSError, ValueError, StoreError) as exc:
            self.failures.append(f"{row.application} 的报告未能写入数据库：{exc}")
            return
        self.saved.add(row.application)
        self.counts["applications"] += 1
        self.counts["errors"] += row.errors
        self.counts["warnings"] += row.warnings
        self.counts["pages"] += row.pages


@contextmanager
def recording(
    url: str, batch_name: str, source: str, options: Mapping[str, Any] | None, out_dir: Path
) -> Iterator[ReportRecorder]:
    """A run in the store for the batch flow inside the block: each report saved as written."""
    progress = logging.getLogger("dossier.progress")
    with open_store(url) as store:
        run_id = store.start_run(batch_name, source, datetime.now(UTC), options)
        recorder = ReportRecorder(store, run_id, out_dir)
        progress.setLevel(logging.INFO)
        progress.addHandler(recorder)
        try:
            yield recorder
        finally:
            progress.removeHandler(recorder)
            store.finish_run(run_id, datetime.now(UTC), recorder.counts)
