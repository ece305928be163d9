"""Run requests and runtime settings end to end on the real Neo4j: a "Run now" posted to the web
app is run by one scheduler poll (not by the web app), two schedulers never both run it, a held
lock sends it back to pending, a stopped scheduler's request fails; the scheduler applies a
changed schedule without a restart and scheduled runs use the runtime flag threshold; settings
survive a data wipe and the CLI changes them with an audit entry."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import jobs_scenario
import pytest
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.auth import create_api_token, create_user
from app.auth.audit import AuditLog
from app.config import Settings
from app.graph import jobs_repo, settings_repo
from app.graph.queries import queries
from app.graph.runner import GraphRunner
from app.ingest.pipeline import Ingestor
from app.jobs.lock import DETECTION_LOCK
from app.jobs.runtime_settings import SPECS, effective_settings, reset_setting, set_setting
from app.jobs.scheduler import JOB_ID, SchedulerTicker, build_scheduler, scheduled_detection
from app.web.main import create_app

pytestmark = pytest.mark.integration


@pytest.fixture
def clean(graph: GraphRunner) -> Iterator[GraphRunner]:
    """The wiped graph and no runtime-setting override (they survive the wipe), before and
    after."""

    def clear() -> None:
        for key in SPECS:
            settings_repo.write_setting(graph, key, None, "tests", "test cleanup", "reset")

    clear()
    yield graph
    clear()


@pytest.fixture
def base(settings: Settings, tmp_path: Path) -> Settings:
    # A poll interval of an hour: only the test's own tick() calls poll.
    return settings.model_copy(
        update={
            "audit_dir": tmp_path / "audit",
            "scheduler_poll_seconds": 3600.0,
            "schedule_interval_minutes": 60.0,
            "schedule_cron": "",
            "job_lock_ttl_seconds": 30,
            "webhook_url": "",
        }
    )


def _ingest(runner: GraphRunner, tmp: Path) -> None:
    path = jobs_scenario.write(tmp / "one.jsonl", jobs_scenario.batch_one())
    report = Ingestor(runner, "salt", 20_000, tmp / "quarantine.jsonl").run([path])
    assert report.quarantined == 0


def _admin_client(runner: GraphRunner, settings: Settings) -> TestClient:
    name = f"admin-{uuid.uuid4().hex[:10]}"  # users survive the per-test wipe
    create_user(runner, name, "admin test password", "admin")
    token = create_api_token(runner, name, "jobs-test")
    return TestClient(
        create_app(runner=runner, settings=settings),
        base_url="http://localhost",
        headers={"Authorization": f"Bearer {token}"},
    )


def _scheduler(base: Settings, runner: GraphRunner) -> tuple[BaseScheduler, SchedulerTicker]:
    # Started paused: the jobs are real APScheduler jobs (rescheduling works on them), but
    # nothing fires on its own; the test calls tick() itself.
    scheduler, ticker = build_scheduler(base, background=True, runner=runner)
    scheduler.start(paused=True)
    return scheduler, ticker


def test_web_run_request_is_run_by_one_scheduler_tick(
    clean: GraphRunner, base: Settings, tmp_path: Path
) -> None:
    _ingest(clean, tmp_path)
    with _admin_client(clean, base) as client:
        queued = client.post("/api/admin/jobs/run-requests", json={"reason": "new labels"})
        assert queued.status_code == 202, queued.text
        request_id = queued.json()["request_id"]
        assert queued.json()["scheduler_alive"] is False
        assert jobs_repo.job_runs(clean) == []  # the web app queued it, nothing ran

        scheduler, ticker = _scheduler(base, clean)
        try:
            report = ticker.tick()
            assert report.requests is not None, "the tick did not pick the request up"
            assert report.requests.status == "done" and report.requests.request_ids == [request_id]
            run_id = report.requests.run_id
            assert run_id is not None
            assert ticker.tick().requests is None  # nothing pending any more

            overview = client.get("/api/admin/jobs").json()
            request = next(r for r in overview["requests"] if r["request_id"] == request_id)
            assert request["status"] == "done" and request["run_id"] == run_id
            assert request["picked_by"] == ticker.scheduler_id
            assert overview["scheduler_alive"] is True
            assert overview["schedulers"][0]["scheduler_id"] == ticker.scheduler_id
            assert overview["schedule"]["next_run_source"] == "scheduler"
            assert overview["runs"][0]["run_id"] == run_id
            assert overview["runs"][0]["trigger"] == "request"
            assert overview["runs"][0]["status"] == "succeeded"
            assert overview["lock"]["holder"] is None  # released after the run
            page = client.get("/admin/jobs").text
            assert f'href="/runs/{run_id}"' in page and 'id="no-scheduler"' not in page
        finally:
            scheduler.shutdown(wait=False)
        # A clean shutdown says so: the page no longer counts the scheduler as alive.
        assert client.get("/api/admin/jobs").json()["scheduler_alive"] is False


def test_two_schedulers_run_a_request_once_and_a_held_lock_defers_it(
    clean: GraphRunner, base: Settings, tmp_path: Path
) -> None:
    _ingest(clean, tmp_path)
    jobs_repo.ensure_jobs_schema(clean)
    jobs_repo.create_run_request(clean, "req-held", "tests", False, "")
    # Another worker (say `ringscope jobs run-now` elsewhere) holds the run lock.
    assert jobs_repo.acquire_lock(clean, DETECTION_LOCK, "elsewhere:1:x", 30)[0]
    scheduler, ticker = _scheduler(base, clean)
    other_scheduler, other = _scheduler(base, clean)
    try:
        deferred = ticker.tick().requests
        assert deferred is not None and deferred.status == "pending"
        assert "elsewhere:1:x" in deferred.message
        row = jobs_repo.list_run_requests(clean)[0]
        assert row["status"] == "pending" and "waiting for the run lock" in row["message"]
        jobs_repo.release_lock(clean, DETECTION_LOCK, "elsewhere:1:x")

        # Both schedulers poll at once: exactly one claims the request and runs detection.
        reports = []
        barrier = threading.Barrier(2)

        def poll(t: SchedulerTicker) -> None:
            barrier.wait()
            reports.append(t.tick())

        threads = [threading.Thread(target=poll, args=(t,)) for t in (ticker, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        batches = [r.requests for r in reports if r.requests is not None]
        assert len(reports) == 2 and len(batches) == 1, reports
        assert batches[0].status == "done"
        runs = jobs_repo.job_runs(clean)
        assert len(runs) == 1 and runs[0]["run_id"] == batches[0].run_id
    finally:
        scheduler.shutdown(wait=False)
        other_scheduler.shutdown(wait=False)


def test_request_of_a_stopped_scheduler_fails(clean: GraphRunner) -> None:
    jobs_repo.create_run_request(clean, "req-orphan", "tests", False, "")
    assert jobs_repo.claim_run_requests(clean, "gone-host:42:abc")
    # The claimer never wrote a heartbeat (it died): after the stale time the request fails.
    assert jobs_repo.fail_stale_run_requests(clean, stale_seconds=0) == 1
    row = jobs_repo.list_run_requests(clean)[0]
    assert row["status"] == "failed" and "gone-host:42:abc stopped" in row["error"]


def test_scheduler_applies_a_changed_schedule_and_runtime_threshold(
    clean: GraphRunner, base: Settings, tmp_path: Path
) -> None:
    scheduler, ticker = _scheduler(base, clean)
    try:
        job = scheduler.get_job(JOB_ID)
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval == timedelta(minutes=60)
        assert not ticker.tick().rescheduled  # nothing changed

        set_setting(clean, base, "schedule_interval_minutes", "5", "tests", "busier ingest")
        assert ticker.tick().rescheduled
        job = scheduler.get_job(JOB_ID)
        assert job.trigger.interval == timedelta(minutes=5)
        heartbeat = jobs_repo.list_scheduler_heartbeats(clean)[0]
        assert heartbeat["schedule"] == "every 5 min" and heartbeat["next_run_at"]

        set_setting(clean, base, "schedule_cron", "*/15 * * * *", "tests", "quarter hours")
        assert ticker.tick().rescheduled
        job = scheduler.get_job(JOB_ID)
        assert isinstance(job.trigger, CronTrigger)
        assert job.next_run_time.minute % 15 == 0
        assert jobs_repo.list_scheduler_heartbeats(clean)[0]["schedule"] == (
            "cron '*/15 * * * *' (UTC)"
        )

        reset_setting(clean, base, "schedule_cron", "tests", "back")
        reset_setting(clean, base, "schedule_interval_minutes", "tests", "back")
        assert ticker.tick().rescheduled
        assert scheduler.get_job(JOB_ID).trigger.interval == timedelta(minutes=60)
    finally:
        scheduler.shutdown(wait=False)

    # A scheduled run reads the runtime flag threshold (stored with the run's parameters).
    _ingest(clean, tmp_path)
    set_setting(clean, base, "flag_threshold", "0.9", "tests", "only the clearest rings")
    result = scheduled_detection(base)
    assert result.status == "succeeded", result.message
    last = jobs_repo.last_succeeded_run(clean)
    assert last is not None and last["params"]["flag_threshold"] == 0.9


def test_settings_survive_a_wipe_and_the_cli_changes_them_audited(
    clean: GraphRunner, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from app.jobs.settings_commands import settings_app

    audit_dir = tmp_path / "audit"
    monkeypatch.setenv("RINGSCOPE_AUDIT_DIR", str(audit_dir))
    from app.config import get_settings

    get_settings.cache_clear()
    try:
        cli = CliRunner()
        done = cli.invoke(
            settings_app, ["set", "schedule_full_every", "6", "--reason", "drift at night"]
        )
        assert done.exit_code == 0, done.output
        assert "schedule_full_every: 24 → 6" in done.output
        # A negative value follows `--` (else it reads as an option).
        bad = cli.invoke(settings_app, ["set", "--reason", "x", "--", "schedule_full_every", "-1"])
        assert bad.exit_code == 2 and "schedule_full_every: must be >= 0" in bad.output
        no_reason = cli.invoke(settings_app, ["set", "schedule_full_every", "3"])
        assert no_reason.exit_code == 2 and "a reason is required" in no_reason.output
        listed = cli.invoke(settings_app, ["list", "--json"])
        assert listed.exit_code == 0, listed.output
        assert '"override": "6"' in listed.output

        clean.run_autocommit(queries.stats.wipe_graph)
        assert effective_settings(clean, settings).schedule_full_every == 6
        # What a bulk import carries across the new store.
        dumped = settings_repo.dump_settings(clean)
        settings_repo.restore_settings(clean, dumped)
        assert settings_repo.dump_settings(clean) == dumped

        reset = cli.invoke(settings_app, ["reset", "schedule_full_every", "--reason", "done"])
        assert reset.exit_code == 0, reset.output
        assert effective_settings(clean, settings).schedule_full_every == 24
        entries = list(AuditLog(audit_dir).entries())
        assert [e["action"] for e in entries] == ["setting.set", "setting.reset"]
        assert entries[0]["actor"].startswith("cli:")
        assert entries[0]["details"]["old"] == "24" and entries[0]["details"]["new"] == "6"
        assert entries[0]["details"]["reason"] == "drift at night"
        assert AuditLog(audit_dir).verify().ok
    finally:
        get_settings.cache_clear()
