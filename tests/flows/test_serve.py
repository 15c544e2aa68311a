"""`dossier serve` against a real Prefect server: the deployment is registered on the
nightly schedule, a triggered run processes the inbox's batch and shelves it, leaves a
partial upload alone, and a run that finds nothing new does nothing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.store import default_url, open_store
from tests.flows.batches import APP, small_batch

PREFECT = str(Path(sys.executable).with_name("prefect"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(
    what: str, check: Any, timeout: float, proc: subprocess.Popen[bytes] | None = None
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"{what}: the process ended ({proc.returncode})")
        try:
            if result := check():
                return result
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A Prefect server of its own on a free localhost port, with its own database."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = dict(os.environ, PREFECT_HOME=str(home), PREFECT_API_URL=api)
    env.pop("PREFECT_API_KEY", None)
    log = open(home / "server.log", "wb")  # noqa: SIM115 - closed after the server stops
    proc = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait(
            "the Prefect server", lambda: httpx.get(f"{api}/health").status_code == 200, 180, proc
        )
        yield api, env
    finally:
        _stop(proc)
        log.close()


def _run_deployment(api: str, deployment_id: str) -> dict[str, Any]:
    url = f"{api}/deployments/{deployment_id}/create_flow_run"
    # The server answers 503 while its SQLite database is busy (the serving process writes
    # too); Prefect's own client retries that, so a few tries are what any caller gets.
    for attempt in range(6):
        r = httpx.post(url, json={}, timeout=30)
        if r.status_code != 503:
            break
        time.sleep(1 + attempt)
    r.raise_for_status()
    run_id = r.json()["id"]

    def finished() -> dict[str, Any] | None:
        run = httpx.get(f"{api}/flow_runs/{run_id}").json()
        state = run.get("state") or {}
        return run if state.get("type") in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

    result: dict[str, Any] = _wait("the flow run", finished, 600)
    return result


def test_served_deployment_processes_and_shelves_the_inbox(
    server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    api, env = server
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    small_batch(inbox / "2024-03-长沙市")
    partial = inbox / "2024-03-株洲市.zip.partial"
    partial.write_bytes(b"PK\x03\x04 still copying")

    serve_log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed below
    serve = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "serve", "--inbox", str(inbox), "--out", str(out)]
        + ["--workers", "1", "--settle", "1"],
        env=dict(env, DOSSIER_CACHE=str(tmp_path / "cache")),
        stdout=serve_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deployment = _wait(
            "the deployment",
            lambda: (
                (r := httpx.get(f"{api}/deployments/name/inbox/nightly")).status_code == 200
                and r.json()
            ),
            180,
            serve,
        )
        schedule = deployment["schedules"][0]["schedule"]
        assert (schedule["cron"], schedule["timezone"]) == ("0 2 * * *", "Asia/Shanghai")

        run = _run_deployment(api, deployment["id"])
        assert run["state"]["type"] == "COMPLETED", (tmp_path / "serve.log").read_text()

        report = json.loads((out / "2024-03-长沙市" / APP / "report.json").read_text("utf-8"))
        assert {f["file"] for f in report["files"]} == {"申报书.docx", "荣誉证书.jpg"}
        assert (out / "2024-03-长沙市" / "summary.html").is_file()
        with open_store(default_url(out)) as store:  # the nightly run is in the database too
            assert [r.application for r in store.latest_reports()] == [APP]
        assert not (inbox / "2024-03-长沙市").exists()
        shelved = list((inbox / "processed").glob("*/2024-03-长沙市"))
        assert len(shelved) == 1 and (shelved[0] / APP / "荣誉证书.jpg").is_file()
        assert partial.read_bytes() == b"PK\x03\x04 still copying"  # left for the next run

        # Nothing new: the run completes and touches nothing.
        before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if ".d" not in p.name)
        run = _run_deployment(api, deployment["id"])
        assert run["state"]["type"] == "COMPLETED"
        after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if ".d" not in p.name)
        assert [p for p in after if "serve.log" not in str(p)] == [
            p for p in before if "serve.log" not in str(p)
        ]
    finally:
        _stop(serve)
        serve_log.close()
