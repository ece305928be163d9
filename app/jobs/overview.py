"""What the admin jobs page, its API and `ringscope jobs list` show, and "Run now" requests.

A "Run now" from the web app only queues a `(:RunRequest)`: detection runs in a scheduler
process (`ringscope scheduler`, `serve --with-scheduler`), which polls for requests, so request
threads, several web machines and the tests' shared database never run detection themselves.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from app.config import Settings
from app.graph import jobs_repo
from app.graph.runner import GraphRunner
from app.jobs.lock import DETECTION_LOCK
from app.jobs.runtime_settings import SettingView, effective_settings, list_settings
from app.jobs.scheduler import alive_seconds, build_trigger, describe_trigger

MAX_REASON = 500


def request_run(
    runner: GraphRunner, requested_by: str, full: bool = False, reason: str = ""
) -> dict[str, Any]:
    """Queue a detection run for the next scheduler poll.

    Args:
        runner: the database seam.
        requested_by: who asked (username).
        full: recompute everything rather than only the region new data can affect.
        reason: optional note shown with the request (and audited by the caller).

    Returns:
        {request_id, requested_at}.
    """
    request_id = f"req-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    return jobs_repo.create_run_request(
        runner, request_id, requested_by, full, reason.strip()[:MAX_REASON]
    )


def schedulers_seen(runner: GraphRunner, base: Settings) -> list[dict[str, Any]]:
    """Scheduler heartbeats, newest first, each with `alive` (seen lately, not stopped)."""
    limit = alive_seconds(base)
    rows = jobs_repo.list_scheduler_heartbeats(runner)
    for row in rows:
        row["alive"] = row["stopped_at"] is None and float(row["age_seconds"] or 0) <= limit
    return rows


def scheduler_alive(runner: GraphRunner, base: Settings) -> bool:
    """Whether any scheduler process polled lately (so a run request will be picked up)."""
    return any(row["alive"] for row in schedulers_seen(runner, base))


def _next_run(effective: Settings, live: dict[str, Any] | None) -> tuple[str | None, str]:
    """The next scheduled run and where the figure comes from: a live scheduler's own job
    (exact), else the cron expression from now; an interval counts from when a scheduler
    starts, so without one it is unknown."""
    if live is not None and live.get("next_run_at"):
        return str(live["next_run_at"]), "scheduler"
    if effective.schedule_cron.strip():
        try:
            upcoming = build_trigger(effective).get_next_fire_time(None, datetime.now(UTC))
        except ValueError:
            return None, "invalid schedule"
        return (upcoming.isoformat() if upcoming else None), "cron"
    return None, "no scheduler running"


def jobs_overview(
    runner: GraphRunner, base: Settings, runs: int = 10, requests: int = 20
) -> dict[str, Any]:
    """Schedule (effective, with sources), schedulers seen, the run lock, recent runs and run
    requests: everything the admin jobs page shows."""
    effective = effective_settings(runner, base)
    views: dict[str, SettingView] = {v.key: v for v in list_settings(runner, base)}
    schedulers = schedulers_seen(runner, base)
    live = next((row for row in schedulers if row["alive"]), None)
    next_run_at, next_source = _next_run(effective, live)
    try:
        description = describe_trigger(effective)
    except ValueError as exc:
        description = f"invalid: {exc}"
    lock = next((lk for lk in jobs_repo.list_locks(runner) if lk.name == DETECTION_LOCK), None)
    request_rows = jobs_repo.list_run_requests(runner, limit=requests)
    return {
        "schedule": {
            "description": description,
            "cron": effective.schedule_cron.strip(),
            "cron_source": views["schedule_cron"].source,
            "interval_minutes": float(effective.schedule_interval_minutes),
            "interval_source": views["schedule_interval_minutes"].source,
            "next_run_at": next_run_at,
            "next_run_source": next_source,
            "skip_unchanged": bool(effective.schedule_skip_unchanged),
            "incremental": bool(effective.schedule_incremental),
        },
        "scheduler_alive": live is not None,
        "alive_seconds": alive_seconds(base),
        "schedulers": schedulers,
        "lock": lock.as_json() if lock else None,
        "runs": jobs_repo.job_runs(runner, limit=runs),
        "requests": request_rows,
        "pending_requests": sum(1 for r in request_rows if r["status"] in ("pending", "running")),
    }
