"""Alerts: a newly flagged ring, or a ring whose score crossed the flag threshold.

Alerts are written as `(:Alert)` nodes in the same run that raised them (before it is marked
succeeded), then POSTed as JSON to `RINGSCOPE_WEBHOOK_URL` if one is set, with retries and
exponential backoff. Every failed attempt is logged; an alert that could not be delivered keeps
`delivery = 'failed'` with its last error and is tried again after the next run, so none is lost
silently.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from app.graph import jobs_repo
from app.graph.runner import GraphRunner
from app.jobs.identity import ChangeKind, RingChange

log = logging.getLogger("ringscope.alerts")

NEW_FLAGGED = "new_flagged_ring"
SCORE_CROSSED = "score_crossed_threshold"


def build_alerts(
    run_id: str, changes: Iterable[RingChange], operators: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The alerts a run's changes raise (pure).

    A flagged ring without a previous ring (`new`, or a `split` piece) raises `new_flagged_ring`;
    a ring that continues one that was not flagged and is flagged now raises
    `score_crossed_threshold`.

    Args:
        run_id: the run.
        changes: its ring changes (stable ids).
        operators: ring id → attributed operator, to put in the message.

    Returns:
        Rows for jobs_repo.save_alerts (alert_id = run|ring|kind).
    """
    operators = operators or {}
    alerts = []
    for change in changes:
        if not change.flagged or change.kind is ChangeKind.VANISHED:
            continue
        fresh = change.previous_size == 0
        if fresh:
            kind = NEW_FLAGGED
            message = f"new ring {change.ring_id} flagged: {change.size} accounts, score {change.score:.2f}"
        elif not change.previous_flagged:
            kind = SCORE_CROSSED
            message = (
                f"ring {change.ring_id} is now flagged: score {change.previous_score or 0:.2f} → "
                f"{change.score:.2f}, {change.previous_size} → {change.size} accounts"
            )
        else:
            continue
        operator = operators.get(change.ring_id)
        if operator:
            message += f", attributed to {operator}"
        alerts.append(
            {
                "alert_id": f"{run_id}|{change.ring_id}|{kind}",
                "kind": kind,
                "ring_id": change.ring_id,
                "score": change.score,
                "previous_score": change.previous_score,
                "size": change.size,
                "operator": operator,
                "message": message,
                "change": change.kind.value,
            }
        )
    return alerts


@dataclass(frozen=True)
class Delivery:
    """The outcome of delivering one alert: attempts made, and the last error if it failed."""

    alert_id: str
    delivered: bool
    attempts: int
    error: str | None


def post_json(url: str, payload: dict[str, Any], timeout: float) -> int:
    """POST a JSON body; return the HTTP status (raise on a network error or non-2xx)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, default=str).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "ringscope-alerts/1"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        status = int(response.status)
    if not 200 <= status < 300:
        raise ValueError(f"webhook answered HTTP {status}")
    return status


def deliver(
    url: str,
    payload: dict[str, Any],
    retries: int,
    backoff_seconds: float,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """POST one alert, retrying `retries` times with exponential backoff (backoff * 2^n, ≤ 5 min).

    Every failed attempt is logged (warning, then error when giving up).
    """
    alert_id = str(payload.get("alert_id"))
    error: str | None = None
    for attempt in range(1, retries + 2):
        try:
            post_json(url, payload, timeout)
            return Delivery(alert_id, True, attempt, None)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            if attempt <= retries:
                delay = min(backoff_seconds * 2 ** (attempt - 1), 300.0)
                log.warning(
                    "alert %s: webhook attempt %d failed (%s); retrying in %.1fs",
                    alert_id,
                    attempt,
                    error,
                    delay,
                )
                sleep(delay)
    log.error("alert %s: webhook failed after %d attempts: %s", alert_id, retries + 1, error)
    return Delivery(alert_id, False, retries + 1, error)


def deliver_pending(
    runner: GraphRunner,
    url: str,
    retries: int,
    backoff_seconds: float,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Delivery]:
    """Deliver every alert not yet delivered (pending, or failed in an earlier round).

    Without a URL, nothing is sent and alerts stay `pending` (they are still in the graph).
    """
    if not url:
        return []
    outcomes = []
    for state in ("pending", "failed"):
        for alert in jobs_repo.list_alerts(runner, delivery=state, limit=1000):
            payload = {k: v for k, v in alert.items() if k not in ("delivery", "last_error")}
            payload["source"] = "ringscope"
            outcome = deliver(url, payload, retries, backoff_seconds, timeout, sleep)
            jobs_repo.set_alert_delivery(
                runner,
                outcome.alert_id,
                "delivered" if outcome.delivered else "failed",
                outcome.attempts,
                outcome.error,
            )
            outcomes.append(outcome)
    return outcomes
