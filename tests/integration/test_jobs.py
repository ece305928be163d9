"""Scheduled detection on the real Neo4j: two ingests with a run after each (stable ids, growth,
alerts, webhook), the run lock, a failing run, skip-when-unchanged and the scheduler itself."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.config import Settings
from app.graph import jobs_repo
from app.graph.detection_repo import latest_run_id, run_rings
from app.graph.queries import Query
from app.graph.runner import GraphRunner
from app.ingest.pipeline import Ingestor
from app.jobs.alerts import deliver_pending
from app.jobs.detection_run import run_detection
from app.jobs.lock import DETECTION_LOCK, RunLocked, job_lock
from app.jobs.scheduler import create_scheduler, run_job

sys.path.insert(0, str(Path(__file__).resolve().parent))
import jobs_scenario
from jobs_scenario import analyst_client

pytestmark = pytest.mark.integration


class Hook:
    """A loopback webhook receiver; answers `status` (a list: one per request, last repeats)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.statuses = [200]
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = hook.statuses.pop(0) if len(hook.statuses) > 1 else hook.statuses[0]
                if status == 200:
                    hook.received.append(json.loads(body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def hook() -> Iterator[Hook]:
    receiver = Hook()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def job_settings(settings: Settings, hook: Hook) -> Settings:
    return settings.model_copy(
        update={
            "webhook_url": hook.url,
            "webhook_retries": 2,
            "webhook_backoff_seconds": 0.01,
            "webhook_timeout_seconds": 2.0,
            "job_lock_ttl_seconds": 30,
        }
    )


def ingest(runner: GraphRunner, tmp: Path, name: str, events: list[dict[str, Any]]) -> None:
    path = jobs_scenario.write(tmp / f"{name}.jsonl", events)
    report = Ingestor(runner, "salt", 20_000, tmp / "quarantine.jsonl").run([path])
    assert report.quarantined == 0


def ring_of(runner: GraphRunner, run_id: str, account: str) -> Any:
    return next(r for r in run_rings(runner, run_id) if account in r.accounts)


def test_two_ingests_keep_ids_record_growth_and_alert(
    graph: GraphRunner, job_settings: Settings, hook: Hook, tmp_path: Path
) -> None:
    ingest(graph, tmp_path, "one", jobs_scenario.batch_one())
    first = run_detection(graph, trigger="test", settings=job_settings)
    farm_a = ring_of(graph, first.run_id, "fa-00")
    farm_b = ring_of(graph, first.run_id, "fb-00")
    assert farm_a.flagged and farm_a.size == 12 and farm_b.flagged and farm_b.size == 8
    assert {a["ring_id"] for a in first.alerts} >= {farm_a.ring_id, farm_b.ring_id}
    assert first.matching and first.matching.counts["new"] == len(first.result.rings)

    ingest(graph, tmp_path, "two", jobs_scenario.batch_two())
    second = run_detection(graph, trigger="test", settings=job_settings)
    assert second.previous_run == first.run_id and latest_run_id(graph) == second.run_id
    grown = ring_of(graph, second.run_id, "fa-00")
    same = ring_of(graph, second.run_id, "fb-00")
    farm_c = ring_of(graph, second.run_id, "fc-00")
    # Stable identity: farm A grew (so the detector's hash id changed) but kept its id.
    assert grown.ring_id == farm_a.ring_id and grown.size == 16
    assert same.ring_id == farm_b.ring_id and same.size == 8
    changes = {c["ring_id"]: c for c in jobs_repo.run_changes(graph, second.run_id)}
    assert changes[farm_a.ring_id]["kind"] == "grown"
    assert (changes[farm_a.ring_id]["previous_size"], changes[farm_a.ring_id]["added"]) == (12, 4)
    assert changes[farm_b.ring_id]["kind"] == "stable"
    assert changes[farm_c.ring_id]["kind"] == "new" and farm_c.flagged

    # Alerts: an Alert node for the new flagged ring, POSTed to the webhook; none for A or B.
    alerts = jobs_repo.list_alerts(graph)
    new_alerts = [a for a in alerts if a["run_id"] == second.run_id]
    assert [a["ring_id"] for a in new_alerts] == [farm_c.ring_id]
    assert new_alerts[0]["kind"] == "new_flagged_ring" and new_alerts[0]["delivery"] == "delivered"
    assert farm_c.ring_id in {payload["ring_id"] for payload in hook.received}
    assert all(a["delivery"] == "delivered" for a in alerts)

    # History of farm A: two runs, 12 then 16 members.
    history = jobs_repo.ring_history(graph, farm_a.ring_id)
    assert [(h["run_id"], h["size"], h["kind"]) for h in history] == [
        (first.run_id, 12, "new"),
        (second.run_id, 16, "grown"),
    ]

    # The web app shows the run's changes and the ring's history.
    with analyst_client(graph) as client:
        page = client.get(f"/runs/{second.run_id}")
        assert page.status_code == 200 and 'id="run-changes"' in page.text
        assert farm_c.ring_id in page.text and "grown" in page.text
        ring_page = client.get(f"/rings/{farm_a.ring_id}")
        assert ring_page.status_code == 200 and 'id="ring-history"' in ring_page.text
        api = client.get(f"/api/rings/{farm_a.ring_id}/history").json()
        assert [h["size"] for h in api["history"]] == [12, 16]
        run_api = client.get(f"/api/runs/{second.run_id}/changes").json()
        assert run_api["previous_run"] == first.run_id and run_api["counts"]["new"] >= 1
        assert client.get("/api/alerts", params={"delivery": "delivered"}).json()["alerts"]
        assert client.get("/api/rings/r-nonexistent/history").status_code == 404


def test_lock_prevents_a_second_run_and_expires(
    graph: GraphRunner, job_settings: Settings, tmp_path: Path
) -> None:
    ingest(graph, tmp_path, "one", jobs_scenario.batch_one())
    runs_before = len(jobs_repo.job_runs(graph))
    with job_lock(graph, DETECTION_LOCK, 30, holder="other-machine:1:abc"):
        with pytest.raises(RunLocked, match="other-machine"):
            run_detection(graph, settings=job_settings)
        assert run_job(graph, job_settings, force=True).status == "skipped_locked"
        (state,) = [lock for lock in jobs_repo.list_locks(graph) if lock.name == DETECTION_LOCK]
        assert state.holder == "other-machine:1:abc"
    assert len(jobs_repo.job_runs(graph)) == runs_before  # nothing recorded for skipped runs

    # Concurrent attempts: exactly one of many racing holders gets the lock.
    barrier = threading.Barrier(8)
    won: list[str] = []

    def attempt(n: int) -> None:
        barrier.wait()
        acquired, _ = jobs_repo.acquire_lock(graph, "race", f"racer-{n}", 30)
        if acquired:
            won.append(f"racer-{n}")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1

    # A crashed worker's lock (never released, no heartbeat) expires and the next run proceeds.
    assert jobs_repo.acquire_lock(graph, DETECTION_LOCK, "crashed:9:dead", 1)[0]
    time.sleep(1.5)
    outcome = run_detection(graph, settings=job_settings)
    assert latest_run_id(graph) == outcome.run_id
    (state,) = [lock for lock in jobs_repo.list_locks(graph) if lock.name == DETECTION_LOCK]
    assert state.holder is None and state.last_run_id == outcome.run_id


def test_failing_run_leaves_previous_results_served(
    graph: GraphRunner, job_settings: Settings, tmp_path: Path
) -> None:
    ingest(graph, tmp_path, "one", jobs_scenario.batch_one())
    good = run_detection(graph, settings=job_settings)
    before = run_rings(graph, good.run_id)
    ingest(graph, tmp_path, "two", jobs_scenario.batch_two())

    class Broken(GraphRunner):
        def write(self, query: Query, **params: Any) -> list[dict[str, Any]]:
            if query.name == "write_ring_changes":
                raise RuntimeError("disk full (simulated)")
            return super().write(query, **params)

    broken = Broken(graph.driver, graph.database, graph.uri)
    result = run_job(broken, job_settings, force=True)
    assert result.status == "failed" and "disk full" in result.message
    assert latest_run_id(graph) == good.run_id
    assert run_rings(graph, good.run_id) == before
    history = jobs_repo.job_runs(graph)
    assert history[0]["status"] == "failed" and "disk full" in history[0]["error"]
    with analyst_client(graph) as client:
        assert client.get("/api/runs").json()["default_run"] == good.run_id
    # The failed run's lock was released and its partial alerts are not served as a run's.
    after = run_detection(graph, settings=job_settings)
    assert after.previous_run == good.run_id  # matched against the last *good* run
    assert ring_of(graph, after.run_id, "fa-00").size == 16


def test_webhook_failures_are_recorded_and_retried_later(
    graph: GraphRunner, job_settings: Settings, hook: Hook, tmp_path: Path, caplog: Any
) -> None:
    ingest(graph, tmp_path, "one", jobs_scenario.batch_one())
    hook.statuses = [500]
    with caplog.at_level(logging.WARNING, logger="ringscope.alerts"):
        outcome = run_detection(graph, settings=job_settings)
    assert outcome.alerts and all(not d.delivered for d in outcome.deliveries)
    assert all(d.attempts == 3 for d in outcome.deliveries)  # 1 + 2 retries
    failed = jobs_repo.list_alerts(graph, delivery="failed")
    assert len(failed) == len(outcome.alerts) and "500" in (failed[0]["last_error"] or "")
    assert any("retrying" in r.message for r in caplog.records)
    assert any("failed after 3 attempts" in r.message for r in caplog.records)
    hook.statuses = [200]
    delivered = deliver_pending(graph, hook.url, 2, 0.01, 2.0)
    assert delivered and all(d.delivered for d in delivered)
    assert not jobs_repo.list_alerts(graph, delivery="failed")
    assert {p["alert_id"] for p in hook.received} == {a["alert_id"] for a in outcome.alerts}


def test_scheduled_runs_skip_unchanged_data_and_fire(
    graph: GraphRunner, job_settings: Settings, tmp_path: Path
) -> None:
    ingest(graph, tmp_path, "one", jobs_scenario.batch_one())
    first = run_job(graph, job_settings, trigger="schedule")
    assert first.status == "succeeded"
    again = run_job(graph, job_settings, trigger="schedule")
    assert again.status == "skipped_unchanged" and again.run_id == first.run_id
    ingest(graph, tmp_path, "two", jobs_scenario.batch_two())

    settings = job_settings.model_copy(update={"schedule_interval_minutes": 60.0})
    scheduler = create_scheduler(settings, background=True, run_at_start=True)
    scheduler.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and latest_run_id(graph) == first.run_id:
            time.sleep(0.2)
    finally:
        scheduler.shutdown(wait=True)
    runs = jobs_repo.job_runs(graph)
    assert runs[0]["trigger"] == "schedule" and runs[0]["status"] == "succeeded"
    assert runs[0]["changes"]["grown"] >= 1 and runs[0]["previous_run"] == first.run_id


def test_jobs_commands(graph: GraphRunner, tmp_path: Path) -> None:
    import typer

    from app.jobs.commands import jobs_app

    ingest(graph, tmp_path, "one", jobs_scenario.batch_one())
    cli = CliRunner()
    result = cli.invoke(jobs_app, ["run-now"])
    assert result.exit_code == 0, result.output
    assert "succeeded" in result.output
    history = cli.invoke(jobs_app, ["history", "--json"])
    assert history.exit_code == 0, history.output
    runs = json.loads(history.stdout)["runs"]
    assert runs[0]["trigger"] == "run-now" and runs[0]["changes"]["new"] >= 2
    listed = cli.invoke(jobs_app, ["list"])
    assert listed.exit_code == 0 and "detection" in listed.output and "free" in listed.output
    assert isinstance(jobs_app, typer.Typer)
