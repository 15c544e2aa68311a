"""The desk on PostgreSQL (the province's production database): its tables beside the
store's, the append-only guards, and a review round trip. A throwaway server, as the store's
tests start it (tests/store/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.store.conftest import pg_database, pg_server  # noqa: F401  (fixtures)
from tests.web.conftest import PASSWORDS, USERS, seed_batch
from webdesk.desk import Desk
from webdesk.settings import Settings


@pytest.fixture
def pg_desk(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Desk]:
    import uuid

    import psycopg

    database: str = request.getfixturevalue("pg_database")
    admin_url = database.replace("+psycopg", "")
    schema = f"w_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    url = f"{database}?options=-csearch_path%3D{schema}"
    desk = Desk(Settings.make(out=tmp_path / "out", db_url=url, run_worker=False))
    try:
        for name, role, city in USERS:
            desk.add_user(name, role, city, PASSWORDS[name])
        yield desk
    finally:
        desk.close()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def test_desk_on_postgresql(pg_desk: Desk) -> None:
    desk = pg_desk
    # Opening twice (a second process, the worker) finds the schema and its guards in place.
    Desk(desk.settings).close()
    batch = seed_batch(desk, "长沙市")
    app = desk.apps(batch.id)[0]
    cs = next(u for u in desk.users() if u.name == "cs")
    item = desk.findings(batch, app, desk.report(batch, app))[0]
    desk.add_review(cs, batch, app, item.key, "explained", "口径不同")
    desk.change_stage(cs, batch, app, "province_review", "")
    assert desk.login("cs", PASSWORDS["cs"], "127.0.0.1").user is not None
    assert desk.login("cs", "wrong", "127.0.0.1").user is None
    for sql in ("UPDATE desk_reviews SET comment = 'x'", "DELETE FROM desk_stage_events"):
        with pytest.raises(DBAPIError, match="append-only"), desk.db.engine.begin() as conn:
            conn.execute(text(sql))
    assert [r.comment for r in desk.reviews(batch.id)] == ["口径不同"]
    with desk.db.engine.connect() as conn:
        tables = set(
            conn.execute(
                text(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                )
            ).scalars()
        )
    assert {"runs", "applications", "desk_users", "desk_reviews", "desk_stage_events"} <= tables
