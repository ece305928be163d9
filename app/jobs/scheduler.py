"""Scheduled detection with APScheduler: a cron expression or an interval from the settings.

`run_job` is what every trigger runs (the schedule, `ringscope jobs run-now`): a detection run
under the Neo4j run lock, skipped when another worker holds the lock, and (for the schedule) when
nothing was ingested or labeled since the last succeeded run with the same parameters.
`max_instances=1` and `coalesce=True` keep one process from overlapping itself; the lock keeps
two processes (two machines) from doing so.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

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

log = logging.getLogger("ringscope.scheduler")

JOB_ID = "detection"


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
    """The scheduled job: its own connection for each run."""
    runner = GraphRunner.from_settings(settings)
    try:
        return run_job(runner, settings, trigger="schedule")
    finally:
        runner.close()


def create_scheduler(
    settings: Settings, background: bool = False, run_at_start: bool = False
) -> BaseScheduler:
    """A scheduler with the detection job on the configured trigger (not started).

    Args:
        settings: schedule and job settings.
        background: a BackgroundScheduler (inside `serve`) instead of a blocking one.
        run_at_start: also fire once right away.
    """
    scheduler: BaseScheduler = (
        BackgroundScheduler(timezone=UTC) if background else BlockingScheduler(timezone=UTC)
    )
    extra = {"next_run_time": datetime.now(UTC)} if run_at_start else {}
    scheduler.add_job(
        scheduled_detection,
        build_trigger(settings),
        args=[settings],
        id=JOB_ID,
        name="detection run",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=max(60, int(settings.job_lock_ttl_seconds)),
        replace_existing=True,
        **extra,
    )
    return scheduler
