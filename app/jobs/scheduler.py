"""Scheduled detection with APScheduler: a cron expression or an interval from the settings.

`run_job` is what every trigger runs (the schedule, `ringscope jobs run-now`, a "Run now"
request): a detection run under the Neo4j run lock, skipped when another worker holds the lock,
and (for the schedule) when nothing was ingested or labeled since the last succeeded run with
the same parameters. `max_instances=1` and `coalesce=True` keep one process from overlapping
itself; the lock keeps two processes (two machines) from doing so.

Besides the detection job every scheduler has a poll job (`SchedulerTicker.tick`, every
`scheduler_poll_seconds`): it records a heartbeat in Neo4j (so the admin jobs page can tell
whether any scheduler is alive), applies a schedule an admin changed at runtime (the effective
settings, app/jobs/runtime_settings.py: no restart needed), and runs pending "Run now" requests
that the web app queued. The web process never runs detection itself.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN, SchedulerEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.config import Settings
from app.detection.model import DetectionParams
from app.graph import jobs_repo
from app.graph.runner import GraphRunner
from app.jobs.detection_run import RunOutcome, run_detection
from app.jobs.lock import RunLocked
from app.jobs.runtime_settings import detection_params, effective_settings

log = logging.getLogger("ringscope.scheduler")

JOB_ID = "detection"
POLL_JOB_ID = "poll"
REQUEST_TRIGGER = "request"


def alive_seconds(settings: Settings) -> float:
    """A scheduler not seen for longer than this is shown as not running."""
    return max(30.0, 3 * float(settings.scheduler_poll_seconds))


def stale_seconds(settings: Settings) -> int:
    """A request claimed by a scheduler not seen for this long failed (with a margin over
    alive_seconds: a busy machine may be late with a heartbeat)."""
    return int(max(120.0, 10 * float(settings.scheduler_poll_seconds)))


def build_trigger(settings: Settings) -> BaseTrigger:
    """The cron trigger (UTC) if `schedule_cron` is set, else the interval trigger."""
    if settings.schedule_cron.strip():
        return CronTrigger.from_crontab(settings.schedule_cron.strip(), timezone=UTC)
    if settings.schedule_interval_minutes <= 0:
        raise ValueError("RINGSCOPE_SCHEDULE_INTERVAL_MINUTES must be > 0")
    return IntervalTrigger(seconds=settings.schedule_interval_minutes * 60, timezone=UTC)


def describe_trigger(settings: Settings) -> str:
    if settings.schedule_cron.strip():
        return f"cron '{settings.schedule_cron.strip()}' (UTC)"
    return f"every {settings.schedule_interval_minutes:g} min"


def next_fire_time(settings: Settings, now: datetime | None = None) -> datetime | None:
    """When the schedule would fire next, counted from now."""
    now = now or datetime.now(UTC)
    return build_trigger(settings).get_next_fire_time(None, now)


@dataclass(frozen=True)
class JobResult:
    """What one trigger did: succeeded, failed, skipped_locked or skipped_unchanged."""

    status: str
    run_id: str | None
    seconds: float
    message: str
    outcome: RunOutcome | None = None


def unchanged_since_last_run(runner: GraphRunner, params: DetectionParams) -> str | None:
    """The last succeeded run's id if the data and parameters are the same as then, else None."""
    last = jobs_repo.last_succeeded_run(runner)
    if last is None or not last["fingerprint"]:
        return None
    if last["params"] != asdict(params):
        return None
    if last["fingerprint"] != jobs_repo.data_fingerprint(runner):
        return None
    return str(last["run_id"])


def run_job(
    runner: GraphRunner,
    settings: Settings,
    trigger: str = "schedule",
    force: bool = False,
    params: DetectionParams | None = None,
    mode: str | None = None,
) -> JobResult:
    """Run detection once for a trigger; never raises for a failed or locked run (it is logged).

    Args:
        runner: the database seam.
        settings: lock, identity, webhook and skip settings.
        trigger: stored on the run ("schedule", "run-now").
        force: run even if nothing changed since the last succeeded run.
        params: detection parameters (defaults if None).
        mode: "auto", "full" or "incremental" (see run_detection); None: "auto" when
            settings.schedule_incremental, else "full".

    Returns:
        What happened, with the run id and outcome when a run took place.
    """
    params = params or DetectionParams()
    began = time.perf_counter()
    if not force and settings.schedule_skip_unchanged:
        same = unchanged_since_last_run(runner, params)
        if same is not None:
            log.info("no new data since run %s: skipped", same)
            return JobResult(
                "skipped_unchanged", same, time.perf_counter() - began, "no new data since " + same
            )
    try:
        if mode is None:
            mode = "auto" if settings.schedule_incremental else "full"
        outcome = run_detection(runner, params, trigger=trigger, settings=settings, mode=mode)
    except RunLocked as exc:
        log.warning("detection run skipped: %s", exc)
        return JobResult("skipped_locked", None, time.perf_counter() - began, str(exc))
    except Exception as exc:
        log.exception("detection run failed (recorded; the previous run stays served)")
        return JobResult(
            "failed", None, time.perf_counter() - began, f"{type(exc).__name__}: {exc}"
        )
    counts = outcome.matching.counts if outcome.matching else {}
    summary = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
    message = (
        f"{outcome.mode} run ({outcome.mode_reason}): "
        f"{outcome.counts['rings']} rings ({outcome.counts['flagged']} flagged); "
        f"changes: {summary or 'none'}; alerts: {len(outcome.alerts)}"
    )
    log.info("detection run %s succeeded: %s", outcome.run_id, message)
    return JobResult("succeeded", outcome.run_id, time.perf_counter() - began, message, outcome)


def scheduled_detection(settings: Settings) -> JobResult:
    """The scheduled job: its own connection for each run, the effective (runtime) settings."""
    runner = GraphRunner.from_settings(settings)
    try:
        effective = effective_settings(runner, settings)
        return run_job(runner, effective, trigger="schedule", params=detection_params(effective))
    finally:
        runner.close()


@dataclass(frozen=True)
class RequestBatch:
    """What one poll did with the pending run requests it claimed (one run for all of them)."""

    request_ids: list[str]
    status: str  # done, failed, or pending (the lock was held elsewhere: retried next poll)
    run_id: str | None
    message: str


def process_run_requests(
    runner: GraphRunner, settings: Settings, worker: str
) -> RequestBatch | None:
    """Claim every pending run request and answer them with one detection run.

    Args:
        runner: the database seam.
        settings: the effective settings (lock TTL, incremental mode, webhook, threshold).
        worker: the claiming scheduler's id (its heartbeat tells whether it is still alive).

    Returns:
        What became of the claimed requests, or None when none was pending.
    """
    failed = jobs_repo.fail_stale_run_requests(runner, stale_seconds(settings))
    if failed:
        log.warning("%d run request(s) failed: their scheduler stopped while running them", failed)
    claimed = jobs_repo.claim_run_requests(runner, worker)
    if not claimed:
        return None
    ids = [str(row["request_id"]) for row in claimed]
    full = any(bool(row["full"]) for row in claimed)
    who = ", ".join(sorted({str(row["requested_by"]) for row in claimed}))
    log.info("running detection for %d request(s) by %s%s", len(ids), who, " (full)" * full)
    try:
        result = run_job(
            runner,
            settings,
            trigger=REQUEST_TRIGGER,
            force=True,
            params=detection_params(settings),
            mode="full" if full else None,
        )
    except BaseException as exc:  # run_job reports failed runs; this is e.g. an interrupt
        jobs_repo.finish_run_requests(runner, ids, "failed", error=f"{type(exc).__name__}: {exc}")
        raise
    if result.status == "succeeded":
        batch = RequestBatch(ids, "done", result.run_id, result.message)
        jobs_repo.finish_run_requests(
            runner, ids, "done", run_id=result.run_id, message=result.message
        )
    elif result.status == "skipped_locked":
        batch = RequestBatch(ids, "pending", None, f"waiting for the run lock: {result.message}")
        jobs_repo.finish_run_requests(runner, ids, "pending", message=batch.message)
    else:
        batch = RequestBatch(ids, "failed", None, result.message)
        jobs_repo.finish_run_requests(runner, ids, "failed", error=result.message)
    return batch


def schedule_key(settings: Settings) -> tuple[str, float]:
    """What the detection job's trigger is built from."""
    return settings.schedule_cron.strip(), float(settings.schedule_interval_minutes)


@dataclass(frozen=True)
class TickReport:
    """What one poll did."""

    rescheduled: bool
    requests: RequestBatch | None


@dataclass
class SchedulerTicker:
    """The poll job of one scheduler process: heartbeat, runtime schedule, run requests.

    Attributes:
        settings: the environment's settings (the runtime overrides are read on each tick).
        scheduler: the APScheduler instance whose detection job is rescheduled.
        runner: a runner to use (tests); default: one of its own, closed at shutdown.
    """

    settings: Settings
    scheduler: BaseScheduler
    runner: GraphRunner | None = None
    scheduler_id: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    )
    applied: tuple[str, float] | None = None
    _own_runner: bool = False
    _busy: threading.Lock = field(default_factory=threading.Lock)

    def _runner(self) -> GraphRunner:
        if self.runner is None:
            self.runner = GraphRunner.from_settings(self.settings)
            self._own_runner = True
        return self.runner

    def apply_schedule(self, effective: Settings) -> bool:
        """Reschedule the detection job if the effective schedule changed; True if it did."""
        key = schedule_key(effective)
        if key == self.applied or self.scheduler.get_job(JOB_ID) is None:
            return False
        try:
            trigger = build_trigger(effective)
        except ValueError as exc:  # validated when set; an environment typo keeps the old one
            log.error("schedule %s is not valid, keeping the current one: %s", key, exc)
            return False
        job = self.scheduler.reschedule_job(JOB_ID, trigger=trigger)
        if self.applied is not None:
            log.info(
                "schedule changed to %s: next run at %s",
                describe_trigger(effective),
                job.next_run_time,
            )
        self.applied = key
        return True

    def heartbeat(self, runner: GraphRunner, effective: Settings) -> None:
        job = self.scheduler.get_job(JOB_ID)
        upcoming = getattr(job, "next_run_time", None) if job is not None else None
        jobs_repo.record_scheduler_heartbeat(
            runner,
            self.scheduler_id,
            socket.gethostname(),
            os.getpid(),
            describe_trigger(effective),
            upcoming.astimezone(UTC).isoformat() if upcoming else None,
            effective.scheduler_poll_seconds,
        )

    def tick(self) -> TickReport:
        """One poll: effective settings, reschedule if needed, heartbeat, pending requests.

        Requests are run in the calling thread; a tick that finds another tick of this process
        still running requests leaves them to it (heartbeats go on meanwhile).
        """
        runner = self._runner()
        effective = effective_settings(runner, self.settings)
        rescheduled = self.apply_schedule(effective)
        self.heartbeat(runner, effective)
        batch = None
        if self._busy.acquire(blocking=False):
            try:
                batch = process_run_requests(runner, effective, self.scheduler_id)
            finally:
                self._busy.release()
        return TickReport(rescheduled, batch)

    def poll(self) -> None:
        """The poll job: a tick that logs a failure in one line (Neo4j down) instead of
        raising, so the scheduler keeps going and recovers by itself."""
        try:
            self.tick()
        except Exception as exc:
            log.warning("scheduler poll failed (retrying): %s: %s", type(exc).__name__, exc)

    def close(self, _event: Any = None) -> None:
        """Say goodbye in the heartbeat and close the own runner (at scheduler shutdown)."""
        runner, self.runner = self.runner, None
        if runner is None:
            return
        try:
            jobs_repo.stop_scheduler_heartbeat(runner, self.scheduler_id)
        except Exception as exc:
            log.warning("could not record the scheduler's stop: %s", exc)
        if self._own_runner:
            runner.close()


def initial_settings(settings: Settings) -> Settings:
    """The effective settings when a scheduler starts (the environment's if Neo4j cannot be
    read yet: the first poll applies the overrides)."""
    runner: GraphRunner | None = None
    try:
        runner = GraphRunner.from_settings(settings)
        return effective_settings(runner, settings)
    except Exception as exc:
        log.warning("runtime settings not read yet (%s): using the environment's schedule", exc)
        return settings
    finally:
        if runner is not None:
            runner.close()


def build_scheduler(
    settings: Settings,
    background: bool = False,
    run_at_start: bool = False,
    runner: GraphRunner | None = None,
    effective: Settings | None = None,
) -> tuple[BaseScheduler, SchedulerTicker]:
    """A scheduler (not started) with the detection job and the poll job, and its ticker.

    Args:
        settings: the environment's settings.
        background: a BackgroundScheduler (inside `serve`) instead of a blocking one.
        run_at_start: also fire detection once right away.
        runner: the ticker's runner (tests); default: its own.
        effective: the effective settings to start with (default: read from Neo4j).

    Raises:
        ValueError: the schedule is not valid.
    """
    if effective is None:
        effective = (
            initial_settings(settings) if runner is None else effective_settings(runner, settings)
        )
    scheduler: BaseScheduler = (
        BackgroundScheduler(timezone=UTC) if background else BlockingScheduler(timezone=UTC)
    )
    extra = {"next_run_time": datetime.now(UTC)} if run_at_start else {}
    scheduler.add_job(
        scheduled_detection,
        build_trigger(effective),
        args=[settings],
        id=JOB_ID,
        name="detection run",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=max(60, int(settings.job_lock_ttl_seconds)),
        replace_existing=True,
        **extra,
    )
    ticker = SchedulerTicker(settings, scheduler, runner=runner, applied=schedule_key(effective))
    scheduler.add_job(
        ticker.poll,
        IntervalTrigger(seconds=float(settings.scheduler_poll_seconds), timezone=UTC),
        id=POLL_JOB_ID,
        name="poll: heartbeat, runtime schedule, run requests",
        # Two instances: while one runs a requested detection, the other keeps the heartbeat
        # (and schedule changes) going; requests themselves never run twice (ticker._busy).
        max_instances=2,
        coalesce=True,
        next_run_time=datetime.now(UTC),
        replace_existing=True,
    )

    def on_shutdown(event: SchedulerEvent) -> None:
        ticker.close()

    scheduler.add_listener(on_shutdown, EVENT_SCHEDULER_SHUTDOWN)
    return scheduler, ticker


def create_scheduler(
    settings: Settings, background: bool = False, run_at_start: bool = False
) -> BaseScheduler:
    """A scheduler with the detection job on the effective trigger and the poll job (not
    started); see build_scheduler."""
    return build_scheduler(settings, background=background, run_at_start=run_at_start)[0]
