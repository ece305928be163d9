"""Incremental detection runs on the real Neo4j: after a small ingest only the affected region is
recomputed, the result equals a full recompute on the same data, untouched rings keep their ids
and scores, late events count as changes, and a large region falls back to a full run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings
from app.graph import jobs_repo
from app.graph.runner import GraphRunner
from app.ingest.pipeline import Ingestor
from app.jobs.detection_run import RunOutcome, run_detection
from app.jobs.scheduler import run_job

sys.path.insert(0, str(Path(__file__).resolve().parent))
import jobs_scenario
from jobs_scenario import analyst_client

pytestmark = pytest.mark.integration


def ingest(runner: GraphRunner, tmp: Path, name: str, events: list[dict[str, Any]]) -> None:
    path = jobs_scenario.write(tmp / f"{name}.jsonl", events)
    report = Ingestor(runner, "salt", 20_000, tmp / "quarantine.jsonl").run([path])
    assert report.quarantined == 0


def batch_three() -> list[dict[str, Any]]:
    """Farm C grows by 2 accounts, and one late request (dated in April) from farm B."""
    events = jobs_scenario._farm(
        "fc",
        6,
        2,
        "pm-farm-c",
        "489999",
        "192.0.2.99",
        jobs_scenario.COT,
        (20, 21, 22),
        "2026-04-24",
    )
    late = dict(
        next(
            e
            for e in jobs_scenario.batch_one()
            if e.get("account_id") == "fb-03" and e["type"] == "request"
        )
    )
    late["ts"] = "2026-04-21T15:59:00Z"
    return [*events, late]


def memberships(outcome: RunOutcome) -> set[frozenset[str]]:
    return {frozenset(r.members) for r in outcome.result.rings}


def flagged(outcome: RunOutcome) -> set[frozenset[str]]:
    return {frozenset(r.members) for r in outcome.result.rings if r.flagged}


def assert_same_as_full(incremental: RunOutcome, full: RunOutcome) -> None:
    assert memberships(incremental) == memberships(full)
    assert flagged(incremental) == flagged(full)
    # Rings recomputed in the region use the population's statistics: same scores as a full run.
    full_score = {frozenset(r.members): r.score for r in full.result.rings}
    assert incremental.region is not None
    for ring in incremental.result.rings:
        if incremental.region & set(ring.members):
            assert ring.score == pytest.approx(full_score[frozenset(ring.members)], abs=1e-9)


def test_incremental_run_equals_full_recompute(
    graph: GraphRunner, settings: Settings, tmp_path: Path
) -> None:
    roomy = settings.model_copy(update={"webhook_url": "", "incremental_max_share": 1.0})
    ingest(graph, tmp_path, "one", jobs_scenario.batch_one())
    first = run_detection(graph, trigger="test", settings=roomy, mode="auto")
    assert first.mode == "full" and first.mode_reason == "no previous succeeded run"
    farm_b = next(r for r in first.result.rings if "fb-00" in r.members)

    # Nothing ingested since: an incremental run carries every ring over, recomputing nothing.
    idle = run_detection(graph, trigger="test", settings=roomy, mode="incremental")
    assert idle.mode == "incremental" and idle.region == frozenset()
    assert memberships(idle) == memberships(first)
    assert idle.matching is not None
    assert {k for k, v in idle.matching.counts.items() if v} == {"stable"}

    # Farm A grows by 4 (joins its ring), farm C appears, 5 ordinary users arrive.
    ingest(graph, tmp_path, "two", jobs_scenario.batch_two())
    second = run_detection(graph, trigger="test", settings=roomy, mode="incremental")
    assert second.mode == "incremental", second.mode_reason
    assert second.region is not None
    assert {"fa-12", "fa-00", "fc-00", "user-040"} <= second.region
    assert not second.region & {f"fb-{i:02d}" for i in range(8)}
    full2 = run_detection(graph, trigger="test", settings=roomy, mode="full")
    assert_same_as_full(second, full2)
    # Farm B was outside the region: carried over with its id and score, recorded as stable.
    carried = next(r for r in second.result.rings if "fb-00" in r.members)
    assert (carried.ring_id, carried.score) == (farm_b.ring_id, farm_b.score)
    assert second.matching is not None
    kinds = {c.ring_id: c.kind.value for c in second.matching.changes}
    assert kinds[farm_b.ring_id] == "stable"
    grown = next(r for r in second.result.rings if "fa-12" in r.members)
    assert len(grown.members) == 16 and grown.flagged

    # Farm C grows by 2; a late request dated weeks ago touches farm B: both are recomputed.
    ingest(graph, tmp_path, "three", batch_three())
    third = run_detection(graph, trigger="test", settings=roomy, mode="incremental")
    assert third.mode == "incremental" and third.region is not None
    assert {"fc-07", "fc-00", "fb-03", "fb-00"} <= third.region
    # Exactly farms B and C: 16 of the 77 accounts.
    assert third.region == {f"fb-{i:02d}" for i in range(8)} | {f"fc-{i:02d}" for i in range(8)}
    full3 = run_detection(graph, trigger="test", settings=roomy, mode="full")
    assert_same_as_full(third, full3)

    # The run records how it was computed.
    runs = {r["run_id"]: r for r in jobs_repo.job_runs(graph, limit=10)}
    assert runs[third.run_id]["mode"] == "incremental"
    assert runs[third.run_id]["region_accounts"] == len(third.region)
    assert runs[full3.run_id]["mode"] == "full"
    assert "region" in third.stages and "projection" in third.stages
    assert third.counts["mode"] == "incremental" and third.counts["carried_rings"] >= 1
    # ... and the web app shows it (runs API and runs page).
    with analyst_client(graph) as client:
        listed = {r["run_id"]: r for r in client.get("/api/runs").json()["runs"]}
        assert listed[third.run_id]["mode"] == "incremental"
        assert listed[third.run_id]["region_accounts"] == len(third.region)
        assert listed[full3.run_id]["mode"] == "full"
        page = client.get("/runs").text
        assert f"region {len(third.region)} accounts" in page


def test_large_region_falls_back_to_full(
    graph: GraphRunner, settings: Settings, tmp_path: Path
) -> None:
    tight = settings.model_copy(update={"webhook_url": "", "incremental_max_share": 0.3})
    ingest(graph, tmp_path, "one", jobs_scenario.batch_one())
    run_detection(graph, trigger="test", settings=tight, mode="full")
    # Batch two reaches the ordinary users through their shared everyday templates (rare enough
    # for lockstep to compare their senders): far more than 30% of the accounts.
    ingest(graph, tmp_path, "two", jobs_scenario.batch_two())
    job = run_job(graph, tight, trigger="schedule")
    assert job.status == "succeeded" and job.outcome is not None
    assert job.outcome.mode == "full"
    assert "affected region holds" in job.outcome.mode_reason and "> 30%" in job.outcome.mode_reason
    run = next(r for r in jobs_repo.job_runs(graph, limit=5) if r["run_id"] == job.run_id)
    assert run["mode"] == "full" and "affected region" in run["mode_reason"]


def test_periodic_full_run_and_changed_params(
    graph: GraphRunner, settings: Settings, tmp_path: Path
) -> None:
    every_two = settings.model_copy(
        update={"webhook_url": "", "incremental_max_share": 1.0, "schedule_full_every": 2}
    )
    ingest(graph, tmp_path, "one", jobs_scenario.batch_one())
    assert run_detection(graph, settings=every_two, mode="auto").mode == "full"
    assert run_detection(graph, settings=every_two, mode="auto").mode == "incremental"
    periodic = run_detection(graph, settings=every_two, mode="auto")
    assert periodic.mode == "full" and "periodic" in periodic.mode_reason
    # Forced "incremental" is not bound by the period, but other parameters force a full run.
    from app.detection.model import DetectionParams

    other = run_detection(
        graph, DetectionParams(resolution=1.5), settings=every_two, mode="incremental"
    )
    assert other.mode == "full" and "parameters changed" in other.mode_reason
