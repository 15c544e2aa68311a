"""Every store test runs twice: on a SQLite file and on a throwaway PostgreSQL server.

The server is Debian's PostgreSQL, started once per session by pytest-postgresql's
`PostgreSQLExecutor` (which runs pg_ctl initdb/start/status/stop). Its stock
`postgresql_proc` factory cannot be used as root: initdb and postgres refuse root, and the
factory puts the data folder inside pytest's temporary folder, which is private to root.
So when the tests run as root, the data folder lives in a folder owned by `postgres`, and
the executor calls pg_ctl through a two-line wrapper that runs it as `postgres` (runuser).
One database is made for the session (pytest-postgresql's `DatabaseJanitor`), and each
test gets a fresh schema in it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import port_for
import psycopg
import pytest
from pytest_postgresql.executors import PostgreSQLExecutor
from pytest_postgresql.janitor import DatabaseJanitor

from pipeline.store import Store, open_store

PG_ROOT = Path("/usr/lib/postgresql")
PG_USER = "postgres"
BACKENDS = ("sqlite", "postgresql")


def _pg_ctl() -> Path:
    """Debian's newest pg_ctl; fail (never skip) when PostgreSQL is not installed."""

    def version(p: Path) -> int:
        name = p.parents[1].name
        return int(name) if name.isdigit() else 0

    found = [p for p in PG_ROOT.glob("*/bin/pg_ctl") if (p.parent / "postgres").exists()]
    if not found:
        pytest.fail(
            f"PostgreSQL is not installed (no {PG_ROOT}/<version>/bin/postgres): run `make test`, "
            "which installs Debian's postgresql package, or `apt-get install postgresql`",
            pytrace=False,
        )
    return max(found, key=version)


def _as_postgres_user(pg_ctl: Path, base: Path) -> Path:
    """A pg_ctl that drops root to the postgres user, and a data folder that user owns."""
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        pytest.fail(
            f"running as root but there is no {PG_USER!r} user to run PostgreSQL as: "
            "reinstall Debian's postgresql package (`make test` does)",
            pytrace=False,
        )
    if shutil.which("runuser") is None:
        pytest.fail("running as root but `runuser` (util-linux) is missing", pytrace=False)
    shutil.chown(base, PG_USER, PG_USER)
    wrapper = base / "pg_ctl"
    wrapper.write_text(f'#!/bin/sh\nexec runuser -u {PG_USER} -- "{pg_ctl}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgreSQLExecutor]:
    pg_ctl = _pg_ctl()
    base = Path(tempfile.mkdtemp(prefix="dossier-pg-"))
    executable = _as_postgres_user(pg_ctl, base) if os.geteuid() == 0 else pg_ctl
    executor = PostgreSQLExecutor(
        executable=str(executable),
        host="127.0.0.1",
        port=port_for.select_random(),
        datadir=str(base / "data"),
        unixsocketdir=str(base),
        logfile=str(base / "postgresql.log"),
        startparams="-w",
        dbname="dossier_tests",
        user=PG_USER,
    )
    try:
        executor.start()
    except Exception as exc:
        log = base / "postgresql.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL with {pg_ctl}: {exc}\n{tail}", pytrace=False)
    try:
        yield executor
    finally:
        executor.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_database(pg_server: PostgreSQLExecutor) -> Iterator[str]:
    """The tests' database, made once for the session."""
    s = pg_server
    with DatabaseJanitor(user=s.user, host=s.host, port=s.port, dbname=s.dbname):
        yield f"postgresql+psycopg://{s.user}@{s.host}:{s.port}/{s.dbname}"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database of the test's backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'dossier.db'}"
        return
    # A fresh schema per test, made the default one through the connection's search_path:
    # the store sees an empty database, for less than CREATE DATABASE costs (a checkpoint).
    database: str = request.getfixturevalue("pg_database")
    admin_url = database.replace("+psycopg", "")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{database}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    try:
        yield s
    finally:
        s.close()
