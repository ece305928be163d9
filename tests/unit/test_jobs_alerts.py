"""Alerts (pure rules, webhook delivery with retries on a loopback server) and schedule triggers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.config import Settings
from app.detection.model import Attribution, DetectionResult, Ring, Signal
from app.jobs.alerts import NEW_FLAGGED, SCORE_CROSSED, build_alerts, deliver
from app.jobs.detection_run import apply_ids
from app.jobs.identity import ChangeKind, RingChange
from app.jobs.scheduler import build_trigger, next_fire_time


def change(ring_id: str, kind: ChangeKind, **kw: Any) -> RingChange:
    base: dict[str, Any] = {
        "size": 5,
        "previous_size": 0,
        "added": 5,
        "removed": 0,
        "jaccard": 0.0,
        "score": 0.8,
        "previous_score": None,
        "flagged": True,
        "previous_flagged": False,
    }
    base.update(kw)
    return RingChange(ring_id, kind, **base)


def test_alert_rules() -> None:
    changes = [
        change("new-flagged", ChangeKind.NEW),
        change("new-quiet", ChangeKind.NEW, flagged=False, score=0.1),
        change("crossed", ChangeKind.GROWN, previous_size=4, previous_score=0.3),
        change("still", ChangeKind.STABLE, previous_size=5, previous_flagged=True),
        change("gone", ChangeKind.VANISHED, size=0, flagged=False, previous_flagged=True),
    ]
    alerts = build_alerts("run-1", changes, {"crossed": "Op X"})
    assert [(a["ring_id"], a["kind"]) for a in alerts] == [
        ("new-flagged", NEW_FLAGGED),
        ("crossed", SCORE_CROSSED),
    ]
    assert alerts[1]["alert_id"] == "run-1|crossed|score_crossed_threshold"
    assert "Op X" in alerts[1]["message"] and "0.30 → 0.80" in alerts[1]["message"]


class _Server:
    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.bodies: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.bodies.append(
                    json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                )
                self.send_response(
                    outer.statuses.pop(0) if len(outer.statuses) > 1 else outer.statuses[0]
                )
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server([503, 500, 200])
    yield srv
    srv.httpd.shutdown()


def test_webhook_retries_with_backoff_then_delivers(server: _Server) -> None:
    waits: list[float] = []
    outcome = deliver(server.url, {"alert_id": "a1", "x": 1}, 3, 0.5, 2.0, sleep=waits.append)
    assert outcome.delivered and outcome.attempts == 3 and outcome.error is None
    assert waits == [0.5, 1.0]  # exponential backoff
    assert [b["alert_id"] for b in server.bodies] == ["a1", "a1", "a1"]


def test_webhook_gives_up_and_reports(server: _Server, caplog: Any) -> None:
    server.statuses = [500]
    outcome = deliver(server.url, {"alert_id": "a2"}, 1, 0.0, 2.0, sleep=lambda s: None)
    assert not outcome.delivered and outcome.attempts == 2 and "500" in (outcome.error or "")
    assert "failed after 2 attempts" in caplog.text


def test_unreachable_webhook_is_a_failure_not_an_exception() -> None:
    outcome = deliver("http://127.0.0.1:9/none", {"alert_id": "a3"}, 0, 0.0, 0.5)
    assert not outcome.delivered and outcome.error


def test_triggers_from_settings() -> None:
    cron = Settings(schedule_cron="*/15 * * * *")
    assert isinstance(build_trigger(cron), CronTrigger)
    at = datetime(2026, 5, 1, 10, 7, tzinfo=UTC)
    assert next_fire_time(cron, at) == datetime(2026, 5, 1, 10, 15, tzinfo=UTC)
    interval = Settings(schedule_interval_minutes=5)
    assert isinstance(build_trigger(interval), IntervalTrigger)
    with pytest.raises(ValueError):
        build_trigger(Settings(schedule_cron="not a cron"))
    with pytest.raises(ValueError):
        build_trigger(Settings(schedule_interval_minutes=0))


def test_apply_ids_renames_rings_and_their_texts() -> None:
    ring = Ring(
        "r-aaaaaaaaaa",
        ("a", "b"),
        0.9,
        True,
        (Signal("s", 0.5, "like ring r-bbbbbbbbbb"),),
        Attribution("Op", 0.7, ("shares templates with ring r-bbbbbbbbbb",)),
    )
    other = Ring("r-bbbbbbbbbb", ("c", "d"), 0.6, True, ())
    result = DetectionResult((ring, other), params=None)  # type: ignore[arg-type]
    renamed = apply_ids(result, {"r-aaaaaaaaaa": "r-1111111111", "r-bbbbbbbbbb": "r-2222222222"})
    first, second = renamed.rings
    assert (first.ring_id, second.ring_id) == ("r-1111111111", "r-2222222222")
    assert first.signals[0].detail == "like ring r-2222222222"
    assert first.attribution and first.attribution.evidence == (
        "shares templates with ring r-2222222222",
    )
