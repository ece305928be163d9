"""Scheduled-job state in Neo4j: the run lock, ring changes between runs, alerts, history."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import neo4j
import numpy as np

from app.graph.queries import queries
from app.graph.runner import GraphRunner
from app.jobs.identity import RingChange, RingSnapshot

WRITE_BATCH = 10_000


def ensure_jobs_schema(runner: GraphRunner) -> None:
    """Create the JobLock and Alert uniqueness constraints and the Account.touched_at index
    (incremental runs) if missing (idempotent)."""
    runner.write(queries.jobs.job_lock_name_unique)
    runner.write(queries.jobs.alert_id_unique)
    runner.write(queries.jobs.account_touched_at_index)


# --- lock --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LockState:
    """A named job lock: who holds it (None when free) and until when."""

    name: str
    holder: str | None
    acquired_at: str | None
    expires_at: str | None
    run_id: str | None
    last_holder: str | None
    last_run_id: str | None
    released_at: str | None
    expired: bool

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def acquire_lock(runner: GraphRunner, name: str, holder: str, ttl_seconds: int) -> tuple[bool, str]:
    """Try to take the lock.

    Args:
        runner: the database seam.
        name: the lock's name (one per kind of job).
        holder: who asks (host, pid and a random part: unique per attempt).
        ttl_seconds: how long it is held without a heartbeat before others may take it.

    Returns:
        (acquired, current holder).
    """
    rows = runner.write(
        queries.jobs.acquire_job_lock, name=name, holder=holder, ttl_seconds=int(ttl_seconds)
    )
    row = rows[0]
    return bool(row["acquired"]), str(row["holder"])


def renew_lock(
    runner: GraphRunner, name: str, holder: str, ttl_seconds: int, run_id: str | None = None
) -> bool:
    """Extend the lock (heartbeat); False when `holder` no longer has it."""
    rows = runner.write(
        queries.jobs.renew_job_lock,
        name=name,
        holder=holder,
        ttl_seconds=int(ttl_seconds),
        run_id=run_id,
    )
    return bool(rows)


def release_lock(runner: GraphRunner, name: str, holder: str) -> None:
    """Release the lock if `holder` still has it."""
    runner.write(queries.jobs.release_job_lock, name=name, holder=holder)


def list_locks(runner: GraphRunner) -> list[LockState]:
    """Every job lock and its state."""
    return [LockState(**row) for row in runner.read(queries.jobs.list_job_locks)]


# --- runs --------------------------------------------------------------------------------------


def data_fingerprint(runner: GraphRunner) -> str:
    """A short string that changes whenever events are ingested or labels added."""
    row = runner.read(queries.jobs.get_data_fingerprint)[0]
    return (
        f"files={row['files']};lines={row['lines']};last={row['last_ingested']};"
        f"labels={row['labels']};accounts={row['accounts']}"
    )


def last_succeeded_run(runner: GraphRunner) -> dict[str, Any] | None:
    """The newest succeeded run: run_id, params and counts (decoded), fingerprint, watermark
    and incremental streak, or None."""
    rows = runner.read(queries.jobs.get_last_succeeded_run_info)
    if not rows:
        return None
    row = rows[0]
    return {
        "run_id": row["run_id"],
        "params": json.loads(row["params"]) if row["params"] else {},
        "fingerprint": row["fingerprint"],
        "watermark": row["watermark"],
        "counts": json.loads(row["counts"]) if row["counts"] else {},
        "incremental_streak": int(row["incremental_streak"] or 0),
    }


def set_run_job_info(
    runner: GraphRunner,
    run_id: str,
    trigger: str,
    worker: str,
    fingerprint: str | None,
    previous_run: str | None,
) -> None:
    """Note the trigger, worker, data fingerprint and previous run on a run."""
    runner.write(
        queries.jobs.set_run_job_info,
        run_id=run_id,
        trigger=trigger,
        worker=worker,
        fingerprint=fingerprint,
        previous_run=previous_run,
    )


def run_ring_snapshots(runner: GraphRunner, run_id: str) -> list[RingSnapshot]:
    """The rings of one run as snapshots (members, score, flag) for identity matching."""
    return [
        RingSnapshot(
            row["ring_id"],
            frozenset(row["members"]),
            float(row["score"] or 0.0),
            bool(row["flagged"]),
        )
        for row in runner.read(queries.jobs.list_run_ring_members, run_id=run_id)
    ]


def save_changes(
    runner: GraphRunner,
    run_id: str,
    previous_run: str | None,
    changes: Iterable[RingChange],
    counts: dict[str, int],
) -> None:
    """Write a run's ring changes (CHANGED_IN relationships) and its counts by kind."""
    rows = [change.as_json() for change in changes]
    for i in range(0, len(rows), WRITE_BATCH):
        runner.write(
            queries.jobs.write_ring_changes,
            run_id=run_id,
            previous_run=previous_run,
            rows=rows[i : i + WRITE_BATCH],
        )
    runner.write(
        queries.jobs.set_run_changes, run_id=run_id, changes_json=json.dumps(counts, sort_keys=True)
    )


def _list(value: Any) -> list[str]:
    return [str(v) for v in value] if value else []


def run_changes(runner: GraphRunner, run_id: str) -> list[dict[str, Any]]:
    """The ring changes of one run (see app.jobs.identity for the kinds), most notable first."""
    rows = runner.read(queries.jobs.list_run_changes, run_id=run_id)
    for row in rows:
        row["merged_from"] = _list(row["merged_from"])
        row["split_into"] = _list(row["split_into"])
    return rows


def ring_history(runner: GraphRunner, ring_id: str) -> list[dict[str, Any]]:
    """A ring across succeeded runs, oldest first: size, score, flag and the change kind."""
    rows = runner.read(queries.jobs.get_ring_history, ring_id=ring_id)
    for row in rows:
        row["merged_from"] = _list(row["merged_from"])
        row["split_into"] = _list(row["split_into"])
    return rows


def job_runs(runner: GraphRunner, limit: int = 20) -> list[dict[str, Any]]:
    """Detection runs for the job history, newest first, change counts decoded."""
    rows = runner.read(queries.jobs.list_job_runs, limit=limit)
    for row in rows:
        row["changes"] = json.loads(row["changes"]) if row["changes"] else {}
        duration = row.pop("duration_ms")
        row["duration_s"] = None if duration is None else float(duration) / 1000.0
    return rows


# --- alerts ------------------------------------------------------------------------------------


def save_alerts(runner: GraphRunner, run_id: str, alerts: list[dict[str, Any]]) -> None:
    """Write Alert nodes of one run (idempotent by alert_id)."""
    for i in range(0, len(alerts), WRITE_BATCH):
        runner.write(queries.jobs.write_alerts, run_id=run_id, rows=alerts[i : i + WRITE_BATCH])


def set_alert_delivery(
    runner: GraphRunner, alert_id: str, delivery: str, attempts: int, error: str | None
) -> None:
    """Record the outcome of delivering one alert."""
    runner.write(
        queries.jobs.set_alert_delivery,
        alert_id=alert_id,
        delivery=delivery,
        attempts=attempts,
        error=error,
    )


def list_alerts(
    runner: GraphRunner, delivery: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Alerts, newest first, optionally only those with one delivery state."""
    return runner.read(queries.jobs.list_alerts, delivery=delivery, limit=limit)


# --- incremental runs --------------------------------------------------------------------------


def set_run_watermark(runner: GraphRunner, run_id: str) -> str:
    """Stamp a run, before it reads, with the start of the oldest open transaction; returns it.

    Ingest writes stamp touched_at with their transaction's start time; one that began before
    this run but commits after it read is caught by the next incremental run this way. Without
    the privilege to list other users' transactions (an external Neo4j) only this session's are
    seen: `incremental_lag_seconds` is then the safety margin.
    """
    try:
        rows = runner.read(queries.jobs.get_oldest_transaction_start)
        oldest = str(rows[0]["oldest"]) if rows and rows[0]["oldest"] else None
    except neo4j.exceptions.Neo4jError:
        oldest = None
    rows = runner.write(queries.jobs.set_run_watermark, run_id=run_id, oldest=oldest)
    return str(rows[0]["watermark"])


def set_run_mode(
    runner: GraphRunner,
    run_id: str,
    mode: str,
    reason: str,
    touched: int | None,
    region: int | None,
    streak: int,
) -> None:
    """Note how a run was computed (full / incremental), why, and the region's size."""
    runner.write(
        queries.jobs.set_run_mode,
        run_id=run_id,
        mode=mode,
        reason=reason,
        touched=touched,
        region=region,
        streak=streak,
    )


def touched_accounts(runner: GraphRunner, since: str) -> set[str]:
    """Accounts an ingest changed at or after `since` (ISO datetime, database clock)."""
    return {
        row["account_id"] for row in runner.read(queries.jobs.list_touched_accounts, since=since)
    }


def count_accounts(runner: GraphRunner) -> int:
    """Number of Account nodes."""
    return int(runner.read(queries.jobs.count_accounts)[0]["accounts"])


@dataclass(frozen=True)
class RegionNode:
    """A shared node attached to region accounts: kind label, natural key, degree, attributes."""

    kind: str
    node_id: str
    degree: int
    attrs: dict[str, Any]


def region_nodes(runner: GraphRunner, account_ids: list[str]) -> list[RegionNode]:
    """Shared nodes (two or more accounts) attached to the given accounts."""
    return [
        RegionNode(str(row["kind"]), str(row["node_id"]), int(row["degree"]), dict(row["attrs"]))
        for row in runner.read(queries.jobs.list_region_nodes, account_ids=account_ids)
    ]


def node_accounts(runner: GraphRunner, by_kind: dict[str, list[str]]) -> set[str]:
    """Every account attached to the given nodes (keys of `by_kind` are node kind labels)."""
    rows = runner.read(
        queries.jobs.list_region_node_accounts,
        payments=by_kind.get("PaymentMethod", []),
        ips=by_kind.get("IP", []),
        devices=by_kind.get("Device", []),
        clusters=by_kind.get("PromptCluster", []),
        domains=by_kind.get("EmailDomain", []),
    )
    return {row["account_id"] for row in rows}


def account_creation_times(runner: GraphRunner) -> np.ndarray:
    """Sorted sign-up times (epoch seconds) of all accounts with a known one."""
    rows = runner.read(queries.jobs.list_account_created)
    return np.sort(np.array([r["created"] for r in rows if r["created"] is not None], float))


def node_member_created(
    runner: GraphRunner, by_kind: dict[str, list[str]]
) -> dict[tuple[str, str], np.ndarray]:
    """Sign-up times (NaN when unknown) of all accounts of each given node, by (kind, node id)."""
    rows = runner.read(
        queries.jobs.list_node_member_created,
        payments=by_kind.get("PaymentMethod", []),
        ips=by_kind.get("IP", []),
        devices=by_kind.get("Device", []),
        clusters=by_kind.get("PromptCluster", []),
        domains=by_kind.get("EmailDomain", []),
    )
    return {
        (str(r["kind"]), str(r["node_id"])): np.array(
            [np.nan if c[0] is None else float(c[0]) for c in r["created"]], float
        )
        for r in rows
    }


# --- run requests and scheduler heartbeats -----------------------------------------------------


def create_run_request(
    runner: GraphRunner, request_id: str, requested_by: str, full: bool, reason: str
) -> dict[str, Any]:
    """Queue a pending "Run now" request (a scheduler runs it on its next poll)."""
    rows = runner.write(
        queries.jobs.create_run_request,
        request_id=request_id,
        requested_by=requested_by,
        full=bool(full),
        reason=reason,
    )
    return rows[0]


def claim_run_requests(runner: GraphRunner, worker: str) -> list[dict[str, Any]]:
    """Claim every pending request for `worker` (status running); at most one claimer wins."""
    return runner.write(queries.jobs.claim_run_requests, worker=worker)


def finish_run_requests(
    runner: GraphRunner,
    request_ids: list[str],
    status: str,
    run_id: str | None = None,
    error: str | None = None,
    message: str | None = None,
) -> None:
    """Mark claimed requests done (with the run id), failed (with the error) or pending again."""
    runner.write(
        queries.jobs.finish_run_requests,
        request_ids=request_ids,
        status=status,
        run_id=run_id,
        error=error,
        message=message,
    )


def fail_stale_run_requests(runner: GraphRunner, stale_seconds: int) -> int:
    """Fail requests claimed by a scheduler that stopped mid-run (stopped cleanly, or no
    heartbeat for `stale_seconds`); returns how many."""
    rows = runner.write(queries.jobs.fail_stale_run_requests, stale_seconds=int(stale_seconds))
    return int(rows[0]["failed"]) if rows else 0


def list_run_requests(runner: GraphRunner, limit: int = 20) -> list[dict[str, Any]]:
    """Run requests, pending and running first, then newest first."""
    return runner.read(queries.jobs.list_run_requests, limit=limit)


def record_scheduler_heartbeat(
    runner: GraphRunner,
    scheduler_id: str,
    host: str,
    pid: int,
    schedule: str,
    next_run_at: str | None,
    poll_seconds: float,
) -> None:
    """Note that a scheduler process is alive, with its schedule and next fire time."""
    runner.write(
        queries.jobs.record_scheduler_heartbeat,
        scheduler_id=scheduler_id,
        host=host,
        pid=int(pid),
        schedule=schedule,
        next_run_at=next_run_at,
        poll_seconds=float(poll_seconds),
    )


def stop_scheduler_heartbeat(runner: GraphRunner, scheduler_id: str) -> None:
    """Note that a scheduler process stopped cleanly."""
    runner.write(queries.jobs.stop_scheduler_heartbeat, scheduler_id=scheduler_id)


def list_scheduler_heartbeats(runner: GraphRunner, limit: int = 10) -> list[dict[str, Any]]:
    """Scheduler processes seen lately, newest first, with `age_seconds` since last seen."""
    return runner.read(queries.jobs.list_scheduler_heartbeats, limit=limit)


def cancel_run_request(runner: GraphRunner, request_id: str, cancelled_by: str) -> bool:
    """Cancel a still-pending run request; False if it is unknown or already claimed."""
    return bool(
        runner.write(
            queries.jobs.cancel_run_request, request_id=request_id, cancelled_by=cancelled_by
        )
    )
