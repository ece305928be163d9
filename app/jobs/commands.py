"""`ringscope scheduler` and `ringscope jobs list|run-now|history` (registered by app/cli.py)."""

from __future__ import annotations

import json
import logging
import signal
from typing import Annotated, Any

import typer
from rich.table import Table

jobs_app = typer.Typer(
    help="Scheduled detection jobs: list, run now, history.", no_args_is_help=True
)


def scheduler_command(
    run_at_start: Annotated[
        bool, typer.Option("--run-at-start", help="Also run once right away.")
    ] = False,
) -> None:
    """Run detection on the schedule (cron or interval; the runtime settings' if an admin
    changed it) and "Run now" requests from the web app, until Ctrl-C."""
    from app.cli import connected, console, fail
    from app.config import get_settings
    from app.jobs.runtime_settings import effective_settings
    from app.jobs.scheduler import build_scheduler, describe_trigger

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # The poll job runs every few seconds: APScheduler's per-execution lines would drown the
    # scheduler's own messages (runs, reschedules, requests).
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    settings = get_settings()
    with connected(settings) as runner:  # fail early with a clear message if Neo4j is not there
        effective = effective_settings(runner, settings)
    try:
        scheduler, _ticker = build_scheduler(
            settings, background=False, run_at_start=run_at_start, effective=effective
        )
    except ValueError as exc:
        raise fail(f"bad schedule: {exc}", 2) from None
    console.print(
        f"scheduler: detection {describe_trigger(effective)}"
        + (" (runtime setting)" if effective is not settings else "")
        + f"; run requests polled every {settings.scheduler_poll_seconds:g} s; Ctrl-C to stop"
    )
    # `docker stop`, systemd and kill send SIGTERM: shut down as for Ctrl-C, so the heartbeat
    # records the stop and the jobs page does not wait for it to go stale.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        if scheduler.running:
            scheduler.shutdown(wait=False)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@jobs_app.command("list")
def jobs_list() -> None:
    """The scheduled job, its trigger (runtime settings applied), next run time, run lock,
    schedulers seen lately and pending run requests."""
    from app.cli import connected, console, fail
    from app.config import get_settings
    from app.graph import jobs_repo
    from app.jobs.overview import schedulers_seen
    from app.jobs.runtime_settings import effective_settings
    from app.jobs.scheduler import JOB_ID, describe_trigger, next_fire_time

    base = get_settings()
    with connected(base) as runner:
        settings = effective_settings(runner, base)
        locks = {lock.name: lock for lock in jobs_repo.list_locks(runner)}
        last = jobs_repo.last_succeeded_run(runner)
        live = [row for row in schedulers_seen(runner, base) if row["alive"]]
        pending = [
            r
            for r in jobs_repo.list_run_requests(runner, limit=100)
            if r["status"] in ("pending", "running")
        ]
    try:
        upcoming = next_fire_time(settings)
    except ValueError as exc:
        raise fail(f"bad schedule: {exc}", 2) from None
    table = Table("job", "trigger", "next run (UTC)", "lock", "last succeeded run")
    lock = locks.get(JOB_ID)
    held = "free"
    if lock and lock.holder:
        held = f"held by {lock.holder} until {lock.expires_at}" + (
            " (expired)" if lock.expired else ""
        )
    table.add_row(
        JOB_ID,
        describe_trigger(settings),
        upcoming.strftime("%Y-%m-%d %H:%M:%S") if upcoming else "never",
        held,
        last["run_id"] if last else "",
    )
    console.print(table)
    if live:
        for row in live:
            console.print(
                f"scheduler {row['scheduler_id']} alive (seen {row['age_seconds']} s ago); "
                f"its next run: {row['next_run_at'] or 'unknown'}"
            )
    else:
        console.print(
            "no scheduler seen lately: start `ringscope scheduler` (or `serve --with-scheduler`)"
        )
    if pending:
        console.print(f"{len(pending)} run request(s) pending or running")


@jobs_app.command("run-now")
def jobs_run_now(
    force: Annotated[
        bool, typer.Option(help="Run even if nothing changed since the last succeeded run.")
    ] = True,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Recompute everything instead of only the region the new data can affect.",
        ),
    ] = False,
) -> None:
    """Run the detection job once now (under the run lock), with ring changes and alerts.

    Like a scheduled run it is incremental when it can be (RINGSCOPE_SCHEDULE_INCREMENTAL):
    only accounts the ingest touched and what they connect to are recomputed.
    """
    from app.cli import connected, console, fail
    from app.config import get_settings
    from app.jobs.runtime_settings import detection_params, effective_settings
    from app.jobs.scheduler import run_job

    with connected(get_settings()) as runner:
        settings = effective_settings(runner, get_settings())
        result = run_job(
            runner,
            settings,
            trigger="run-now",
            force=force,
            params=detection_params(settings),
            mode="full" if full else None,
        )
    if result.status == "failed":
        raise fail(f"detection run failed: {result.message} (the previous run stays served)")
    if result.status == "skipped_locked":
        raise fail(result.message, 3)
    console.print(
        f"{result.status}: run {result.run_id} in {result.seconds:.1f}s: {result.message}"
    )


@jobs_app.command("history")
def jobs_history(
    limit: Annotated[int, typer.Option(help="How many runs.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Past detection runs: trigger, mode (full / incremental and the region's size), status,
    duration, rings, changes and errors."""
    from app.cli import connected, console
    from app.config import get_settings
    from app.graph import jobs_repo

    settings = get_settings()
    with connected(settings) as runner:
        runs = jobs_repo.job_runs(runner, limit=limit)
    if as_json:
        typer.echo(json.dumps({"runs": runs}, indent=1, default=str))
        return
    table = Table(
        "run", "trigger", "mode", "status", "started", "s", "rings", "flagged", "changes", "error"
    )
    for run in runs:
        changes = ", ".join(f"{k} {v}" for k, v in sorted(run["changes"].items()) if v)
        table.add_row(
            run["run_id"],
            run["trigger"] or "",
            _mode(run),
            run["status"] or "",
            (run["started_at"] or "")[:19],
            f"{run['duration_s']:.1f}" if run["duration_s"] is not None else "",
            str(run["rings"] or 0),
            str(run["flagged"] or 0),
            changes,
            (run["error"] or "")[:80],
        )
    console.print(table)


def _mode(run: dict[str, Any]) -> str:
    """ "incremental (1,234 accounts)" / "full" / "" for runs from before modes were recorded."""
    mode = run.get("mode") or ""
    if mode == "incremental" and run.get("region_accounts") is not None:
        return f"incremental ({int(run['region_accounts']):,} accounts)"
    return str(mode)
