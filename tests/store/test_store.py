"""pipeline/store.py on SQLite and PostgreSQL alike (see conftest.py for the server)."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, text

from pipeline.models import Evidence, Finding, Report
from pipeline.store import (
    SCHEMA_VERSION,
    NotFound,
    Store,
    StoreError,
    default_url,
    open_store,
)
from tests.store.reports import COMPANY, make_report

T0 = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
TABLES = (
    "runs",
    "applications",
    "file_entries",
    "documents",
    "fields",
    "findings",
    "finding_evidence",
    "latest_applications",
)


def counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES
        }


def scalar(store: Store, sql: str, **params: Any) -> Any:
    with store.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def new_run(store: Store, batch: str = "2024年第一批", minutes: int = 0) -> int:
    return store.start_run(
        batch, f"/inbox/{batch}", T0 + timedelta(minutes=minutes), {"workers": 2}
    )


# ---- round trip -------------------------------------------------------------------------


def test_round_trip_is_exact(store: Store) -> None:
    report = make_report(documents=8, findings=12)
    run = new_run(store)
    store.save_report(run, report)

    loaded = store.load_report(run, report.application)

    assert loaded == report
    # Same JSON, byte for byte: values, key order of fields and evidence, floats, Chinese.
    assert loaded.model_dump_json() == report.model_dump_json()
    assert loaded.declared is not None
    revenue = loaded.declared.years["2017"].revenue
    assert isinstance(revenue, Decimal) and str(revenue) == "8901.2300"
    audit = next(d for d in loaded.documents if d.type == "audit_report")
    prior = audit.fields["prior_year"]["total_assets"]
    assert isinstance(prior, Decimal) and str(prior) == "99999999999999999.99"
    assert str(audit.fields["total_liabilities"]) == "1E+7"
    invoice = next(d for d in loaded.documents if d.type == "invoice")
    assert invoice.fields["score"] == 0.1 + 0.2
    assert isinstance(invoice.fields["items"][0]["amount"], Decimal)
    assert list(invoice.evidence) == ["total", "buyer_name", "seal"]
    assert "seal" not in invoice.fields
    assert invoice.unread == {"invoice_code": "数电票无发票代码"}
    kinds = [type(f.found) for f in loaded.findings[:5]]
    assert kinds == [Decimal, int, str, list, type(None)]


def test_money_columns_are_exact_numbers(store: Store, backend: str) -> None:
    report = make_report()
    store.save_report(new_run(store), report)
    with store.engine.connect() as conn:
        amounts = (
            conn.execute(text("SELECT amount FROM fields WHERE name = 'total_assets'"))
            .scalars()
            .all()
        )
        found = conn.execute(text("SELECT found_amount FROM findings WHERE seq = 0")).scalar_one()
    # Never a float on the way: NUMERIC on PostgreSQL, the exact digits as text on SQLite.
    exact = Decimal if backend == "postgresql" else str
    assert amounts and all(type(a) is exact for a in amounts)
    assert {str(a) for a in amounts} == {"110201500.00"}
    assert type(found) is exact and str(found) == "11020.15"
    assert store.findings(report.application)[0].found == Decimal("11020.15")


def test_chinese_is_stored_as_text_not_escapes(store: Store) -> None:
    report = make_report()
    store.save_report(new_run(store), report)
    declared = scalar(store, "SELECT CAST(declared AS TEXT) FROM applications")
    assert COMPANY in declared
    assert scalar(store, "SELECT name FROM applications") == report.application
    assert scalar(store, "SELECT text FROM finding_evidence WHERE seq = 0 LIMIT 1").startswith(
        "资产总计"
    )


def test_nul_characters_do_not_break_a_save(store: Store) -> None:
    bad = make_report(findings=2)
    bad.findings[1].evidence = [Evidence(file="a.pdf", page=1, text="资产\x00总计")]
    run = new_run(store)
    store.save_report(run, bad)
    assert store.load_report(run, bad.application).findings[1].evidence[0].text == "资产\ufffd总计"


# ---- runs, re-saves, latest state -------------------------------------------------------


def test_resave_in_a_new_run_replaces_the_latest_state_and_keeps_the_old_run(
    store: Store,
) -> None:
    first = make_report(documents=5, findings=6)
    second = make_report(documents=3, findings=2, tag="-v2")
    run1 = new_run(store)
    store.save_report(run1, first)
    after_first = counts(store)
    run2 = new_run(store, minutes=60)
    store.save_report(run2, second)

    latest = store.latest_reports()
    assert [(r.application, r.run_id) for r in latest] == [(first.application, run2)]
    assert latest[0].documents == 3 and latest[0].files == 5
    assert store.latest_run_id(first.application) == run2
    assert store.findings(first.application) == second.findings
    assert store.findings(first.application, run_id=run1) == first.findings
    # The old run is still whole.
    assert store.load_report(run1, first.application) == first
    assert store.load_report(run2, first.application) == second
    now = counts(store)
    assert now["applications"] == 2 and now["latest_applications"] == 1
    assert now["documents"] == after_first["documents"] + 3
    assert scalar(store, "SELECT count(*) FROM applications_latest") == 1
    assert scalar(store, "SELECT run_id FROM applications_latest") == run2


def test_resave_in_the_same_run_leaves_no_duplicates(store: Store) -> None:
    run = new_run(store)
    store.save_report(run, make_report(documents=5, findings=6))
    once = counts(store)
    again = make_report(documents=5, findings=6, tag="-again")
    store.save_report(run, again)
    store.save_report(run, again)

    assert counts(store) == once
    assert store.load_report(run, again.application) == again


def test_an_older_run_saved_late_does_not_hide_the_newer_one(store: Store) -> None:
    old, new = new_run(store), new_run(store, minutes=5)
    store.save_report(new, make_report(tag="-new"))
    store.save_report(old, make_report(tag="-old"))
    assert store.latest_run_id(make_report().application) == new
    assert store.findings(make_report().application)[0].code == "FIN_MISMATCH-new"


def test_two_applications_in_one_run(store: Store) -> None:
    a = make_report(application="001_湖南星辰智能装备有限公司", findings=3)
    b = make_report(application="002_株洲时代新材料科技股份有限公司", findings=5)
    run = new_run(store, batch="2024年第一批")
    store.save_report(run, a)
    store.save_report(run, b)
    store.finish_run(run, T0 + timedelta(hours=1), {"applications": 2, "errors": 3})
    other = new_run(store, batch="2024年第二批", minutes=90)

    rows = store.latest_reports("2024年第一批")
    assert [r.application for r in rows] == [a.application, b.application]
    assert [r.errors + r.warnings + r.infos for r in rows] == [3, 5]
    assert store.latest_reports("2024年第二批") == []
    assert store.latest_reports() == rows
    assert store.load_report(run, b.application) == b

    runs = store.list_runs()
    assert [r.id for r in runs] == [other, run]
    assert runs[1].applications == 2 and runs[0].applications == 0
    assert runs[1].counts == {"applications": 2, "errors": 3}
    assert runs[1].finished_at == T0 + timedelta(hours=1)
    assert runs[1].started_at == T0 and runs[1].started_at.tzinfo is not None
    assert runs[0].finished_at is None and runs[1].options == {"workers": 2}


def test_findings_by_severity(store: Store) -> None:
    report = make_report(findings=9)
    store.save_report(new_run(store), report)
    errors = store.findings(report.application, severity="error")
    assert errors == [f for f in report.findings if f.severity == "error"]
    assert len(errors) == 3
    assert store.findings("没有这个申报") == []


def test_reopening_keeps_everything(db_url: str) -> None:
    report = make_report()
    with open_store(db_url) as store:
        run = new_run(store)
        store.save_report(run, report)
    with open_store(db_url) as store:
        assert store.load_report(run, report.application) == report
        assert scalar(store, "SELECT max(version) FROM schema_version") == SCHEMA_VERSION


def test_a_database_of_schema_1_is_migrated_in_place(db_url: str) -> None:
    # Schema 1 had no field_confidence: made by hand here, as an older program left it.
    report = make_report()
    report.documents[0].field_confidence = {"company_name": 0.93}
    with open_store(db_url) as store:
        run = new_run(store)
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM documents"))
            conn.execute(text("ALTER TABLE documents DROP COLUMN field_confidence"))
            conn.execute(text("DELETE FROM schema_version"))
            conn.execute(
                text("INSERT INTO schema_version (version, applied_at) VALUES (1, :at)"),
                {"at": T0},
            )
    with open_store(db_url) as store:
        assert scalar(store, "SELECT max(version) FROM schema_version") == SCHEMA_VERSION
        store.save_report(run, report)
        assert store.load_report(run, report.application) == report


# ---- errors -------------------------------------------------------------------------------


def test_a_newer_schema_is_refused(store: Store, db_url: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = 99"))
    with pytest.raises(StoreError, match="schema version 99"):
        open_store(db_url)


def test_unknown_run_and_application(store: Store) -> None:
    with pytest.raises(StoreError):  # the foreign key to runs holds on SQLite too
        store.save_report(12345, make_report())
    with pytest.raises(NotFound):
        store.finish_run(12345, T0, {})
    with pytest.raises(NotFound):
        store.load_report(12345, "x")
    assert counts(store)["applications"] == 0


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="naive"):
        store.start_run("b", "/b", datetime(2024, 1, 1), {})


def test_unsupported_url() -> None:
    with pytest.raises(StoreError, match="unsupported"):
        open_store("mysql://u@localhost/db")


def test_default_url_is_a_sqlite_file_in_out(tmp_path: Any) -> None:
    url = default_url(tmp_path / "out" / "批次")
    assert url == f"sqlite:///{tmp_path}/out/批次/dossier.db"
    with open_store(url) as store:
        assert store.list_runs() == []
    assert (tmp_path / "out" / "批次" / "dossier.db").is_file()


# ---- a failure half way leaves the previous state ------------------------------------------


def _with_bad_last_finding(report: Report) -> Report:
    """The report with one more finding whose severity the database's CHECK refuses.

    model_construct skips pydantic's validation, so the bad value reaches the database:
    the fault is the database's own constraint, raised after the application, its files,
    documents and fields were already written in the transaction.
    """
    bad = Finding.model_construct(
        code="X", field="total_assets", severity="fatal", message="坏", evidence=[]
    )
    return report.model_copy(update={"findings": [*report.findings, bad]})


@pytest.mark.parametrize("same_run", [True, False], ids=["same-run", "new-run"])
def test_constraint_violation_half_way_keeps_the_previous_state(
    store: Store, same_run: bool
) -> None:
    good = make_report(documents=6, findings=8)
    run1 = new_run(store)
    store.save_report(run1, good)
    before = counts(store)

    run = run1 if same_run else new_run(store, minutes=30)
    with pytest.raises(StoreError, match="previous state is unchanged"):
        store.save_report(run, _with_bad_last_finding(make_report(documents=9, tag="-bad")))

    after = counts(store)
    assert after == {**before, "runs": after["runs"]}
    assert store.load_report(run1, good.application) == good
    assert store.latest_run_id(good.application) == run1
    # The store is still usable after the failed transaction.
    store.save_report(run, make_report(tag="-fixed"))
    assert store.latest_run_id(good.application) == run


def _kill_the_connection(store: Store, backend: str) -> Callable[[], bool]:
    """Kill the store's own database connection as it starts writing finding evidence (the
    last rows of a save): PostgreSQL terminates the backend, SQLite's connection is closed."""
    fired = threading.Event()

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if fired.is_set() or not statement.startswith("INSERT INTO finding_evidence"):
            return
        fired.set()
        raw = conn.connection.dbapi_connection
        if backend == "postgresql":
            u = store.engine.url
            with psycopg.connect(
                host=u.host, port=u.port, user=u.username, dbname=u.database, autocommit=True
            ) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (raw.info.backend_pid,))
        else:
            raw.close()

    event.listen(store.engine, "before_cursor_execute", before)
    return fired.is_set


def test_connection_lost_half_way_keeps_the_previous_state(store: Store, backend: str) -> None:
    good = make_report(documents=6, findings=8)
    run1 = new_run(store)
    store.save_report(run1, good)
    before = counts(store)
    run2 = new_run(store, minutes=30)

    fired = _kill_the_connection(store, backend)
    with pytest.raises(StoreError):
        store.save_report(run2, make_report(documents=9, tag="-lost"))
    assert fired()

    assert counts(store) == {**before, "runs": before["runs"] + 1}
    assert store.load_report(run1, good.application) == good
    assert store.latest_run_id(good.application) == run1
    store.save_report(run2, make_report(tag="-retry"))  # the pool replaced the dead connection
    assert store.latest_run_id(good.application) == run2


# ---- concurrency ----------------------------------------------------------------------------


def test_concurrent_saves_do_not_corrupt(db_url: str, backend: str) -> None:
    """Four writer threads on two Stores (two engines, as two processes would have), each
    saving its own application and all fighting over one shared application in one run,
    while a reader keeps loading the shared one."""
    stores = [open_store(db_url), open_store(db_url)]
    run = new_run(stores[0])
    rounds = 12
    errors: list[BaseException] = []
    start = threading.Barrier(5)
    done = threading.Event()
    seen: list[str] = []

    def writer(k: int) -> None:
        try:
            store = stores[k % 2]
            start.wait()
            for i in range(rounds):
                store.save_report(run, make_report(application=f"app{k}", tag=f"-{i}"))
                store.save_report(run, make_report(application="shared", tag=f"-{k}-{i}"))
        except BaseException as exc:
            errors.append(exc)

    def reader() -> None:
        try:
            start.wait()
            while not done.is_set():
                try:
                    report = stores[1].load_report(run, "shared")
                except NotFound:
                    continue
                # Never a mix of two saves, never a half-written one.
                tags = {f.code for f in report.findings}
                assert len(tags) == 1 and len(report.documents) == 6, tags
                seen.append(tags.pop())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    threads.append(threading.Thread(target=reader))
    for t in threads:
        t.start()
    for t in threads[:4]:
        t.join(timeout=120)
    done.set()
    threads[4].join(timeout=30)
    try:
        assert not errors, errors
        assert seen, "the reader never saw the shared application"
        c = counts(stores[0])
        assert c["applications"] == 5 and c["latest_applications"] == 5
        assert c["documents"] == 5 * 6 and c["findings"] == 5 * 8
        names = [r.application for r in stores[0].latest_reports()]
        assert names == ["app0", "app1", "app2", "app3", "shared"]
        for k in range(4):
            last = stores[0].load_report(run, f"app{k}")
            assert last == make_report(application=f"app{k}", tag=f"-{rounds - 1}")
        if backend == "sqlite":
            assert scalar(stores[0], "PRAGMA integrity_check") == "ok"
            assert scalar(stores[0], "PRAGMA journal_mode") == "wal"
    finally:
        for s in stores:
            s.close()


# ---- speed ----------------------------------------------------------------------------------


def test_save_time_of_a_large_report(store: Store, backend: str, record_property: Any) -> None:
    """~30 documents and 100 findings, the size of a full dossier."""
    report = make_report(documents=30, findings=100)
    times = []
    for i in range(5):
        run = new_run(store, minutes=i)
        t = time.perf_counter()
        store.save_report(run, report)
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    assert store.load_report(run, report.application) == report
    load = time.perf_counter() - t
    median = statistics.median(times)
    record_property(f"save_report_s_{backend}", round(median, 4))
    # A figure, not a pass mark (no wall time asserted): the save's speed is printed.
    print(f"{backend}: save_report median {median * 1000:.0f} ms, load {load * 1000:.0f} ms")
