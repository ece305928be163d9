"""Faults against a real Neo4j that these tests stop and start themselves.

A dedicated server (its own var dir under the test var dir, its own port) so that stopping it
never disturbs the session's shared test server or anyone else's:

- Neo4j killed in the middle of `ringscope ingest`: the command fails with one clear paragraph
  (no traceback) naming the file and the lines committed; after a restart, re-running it ends
  with exactly the counts of a clean ingest of the same file (no duplicates, nothing missing).
- Neo4j stopped while the web app runs: pages and API answer 503 "database unavailable", and
  the same app recovers by itself once Neo4j is back.
"""

from __future__ import annotations

import gzip
import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from dedicated_server import dedicated_server_settings
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT, Settings
from app.graph import local_server
from app.graph.queries import queries
from app.graph.runner import GraphRunner
from app.graph.schema import apply_schema
from app.ingest.pipeline import Ingestor, file_digest
from app.web.main import create_app, make_runner

pytestmark = pytest.mark.integration

LINES = 6_000  # of a generated scenario: every event type, ~30 batches of 200 lines
BATCH = 200
RINGSCOPE = [sys.executable, "-m", "app.cli"]


@pytest.fixture(scope="module")
def fault_settings() -> Iterator[Settings]:
    with dedicated_server_settings("faults", port_offset=10) as settings:
        yield settings


def _up(settings: Settings) -> GraphRunner:
    local_server.start(settings)
    runner = GraphRunner.from_settings(settings)
    runner.verify()
    apply_schema(runner)
    return runner


def _kill(settings: Settings) -> None:
    """Kill -9: no shutdown, open transactions die with the process (the harshest stop)."""
    state = local_server.status(settings)
    assert state.pid is not None, "the fault server is not running"
    os.kill(state.pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while local_server.status(settings).running and time.monotonic() < deadline:
        time.sleep(0.1)
    local_server.stop(settings)  # clears the pid file


def _snapshot(runner: GraphRunner) -> dict[str, int]:
    """Node counts per label, relationship counts and summed `count` per type."""
    counts = {f"(:{row['label']})": row["count"] for row in runner.read(queries.stats.count_nodes)}
    for row in runner.read(queries.stats.count_relationships):
        counts[f"[:{row['type']}]"] = row["count"]
        counts[f"[:{row['type']}] sum(count)"] = row["total"]
    return counts


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first LINES lines of a generated scale-0.002 scenario, as plain JSONL."""
    from seed.generator import generate

    out = tmp_path_factory.mktemp("fault-scenario")
    generate(out, scale=0.002, seed=7)
    source = out / "events.jsonl"
    with gzip.open(out / "events.jsonl.gz", "rb") as handle:
        source.write_bytes(b"".join(itertools.islice(handle, LINES)))
    return source


def _cli_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "RINGSCOPE_VAR_DIR": str(settings.var_dir),
        "RINGSCOPE_NEO4J_PORT": str(settings.neo4j_port),
        "RINGSCOPE_NEO4J_URI": "",
        "COLUMNS": "400",  # rich wraps at 80 columns otherwise, splitting paths in the message
    }


def _ingest_cli(settings: Settings, source: Path, **popen: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*RINGSCOPE, "ingest", str(source), "--batch-lines", str(BATCH)],
        cwd=PROJECT_ROOT,
        env=_cli_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,  # type: ignore[arg-type]
    )


def test_neo4j_killed_mid_ingest_then_rerun_gives_clean_counts(
    fault_settings: Settings, scenario_file: Path, tmp_path: Path
) -> None:
    runner = _up(fault_settings)
    try:
        # The reference: a clean ingest of the same file into an empty database.
        Ingestor(runner, fault_settings.salt(), BATCH, tmp_path / "q-clean.jsonl").run(
            [scenario_file]
        )
        clean = _snapshot(runner)
        assert clean["(:Account)"] > 0 and clean["[:SENT] sum(count)"] > 0
        runner.run_autocommit(queries.stats.wipe_graph)
        assert not any(v for k, v in _snapshot(runner).items() if k != "(:User)")

        digest = file_digest(scenario_file)
        process = _ingest_cli(fault_settings, scenario_file)
        committed = 0
        deadline = time.monotonic() + 300
        while committed == 0 and process.poll() is None and time.monotonic() < deadline:
            rows = runner.read(queries.ingest.get_file_progress, digest=digest)
            committed = int(rows[0]["lines_committed"])
            time.sleep(0.05)
        assert 0 < committed < LINES, (
            f"expected to stop Neo4j after the first batch, but {committed} of {LINES} lines "
            f"were committed (exit {process.poll()}): make LINES larger"
        )
    finally:
        runner.close()
    _kill(fault_settings)

    _stdout, stderr = process.communicate(timeout=240)
    message = " ".join(stderr.split())
    print(message)  # shown with -rP: the text docs/reliability.md quotes
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr, stderr
    assert message.startswith("error: Neo4j stopped answering while ingesting"), message
    assert str(scenario_file) in message and "lines 1-" in message, message
    assert "re-run the same command" in message, message

    runner = _up(fault_settings)
    try:
        partial = _snapshot(runner)
        assert partial != clean, "the interrupted ingest must have stopped part-way"
        rerun = subprocess.run(
            [*RINGSCOPE, "ingest", str(scenario_file), "--batch-lines", str(BATCH)],
            cwd=PROJECT_ROOT,
            env=_cli_env(fault_settings),
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert rerun.returncode == 0, rerun.stderr
        assert "already present" in rerun.stdout
        assert _snapshot(runner) == clean
        # Running it once more changes nothing at all.
        again = Ingestor(runner, fault_settings.salt(), BATCH, tmp_path / "q-again.jsonl").run(
            [scenario_file]
        )
        assert again.ingested == 0 and again.reconciles()
        assert _snapshot(runner) == clean
    finally:
        runner.close()


def _auth_headers(runner: GraphRunner) -> dict[str, str]:
    """An admin's API token once access control is in place (app/auth); none before."""
    try:
        from app.auth.service import create_api_token, create_user
    except ImportError:  # pragma: no cover - before access control existed
        return {}
    username = f"fault-admin-{uuid.uuid4().hex[:8]}"
    create_user(runner, username, f"Fault-test-{uuid.uuid4().hex}", "admin")
    return {"Authorization": f"Bearer {create_api_token(runner, username, 'faults')}"}


def test_web_app_says_database_unavailable_and_recovers(fault_settings: Settings) -> None:
    admin = _up(fault_settings)
    headers = _auth_headers(admin)
    admin.close()
    runner = make_runner(fault_settings)  # what `ringscope serve` uses: fails fast when down
    paths = ["/runs", "/api/runs", "/search?q=KR7", "/api/search?q=KR7"]
    try:
        with TestClient(create_app(runner=runner), raise_server_exceptions=False) as client:
            for path in paths:
                assert client.get(path, headers=headers).status_code == 200, path

            local_server.stop(fault_settings)
            for path in paths:
                began = time.monotonic()
                response = client.get(path, headers=headers)
                assert response.status_code == 503, (path, response.text[:300])
                assert time.monotonic() - began < 20, f"{path} took too long to give up"
                if path.startswith("/api"):
                    assert response.json()["detail"] == "database unavailable"
                else:
                    assert "Database unavailable" in response.text
                    assert "ringscope neo4j start" in response.text
                    assert "Traceback" not in response.text

            local_server.start(fault_settings)
            for path in paths:  # the same app and driver, no restart: it reconnects by itself
                assert client.get(path, headers=headers).status_code == 200, path
    finally:
        runner.close()
