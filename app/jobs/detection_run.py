"""One detection run end to end: projection → detection → stable ids → write-back, recorded as a
DetectionRun, under the run lock; then alerts.

Steps: take the `detection` lock in Neo4j (RunLocked if another worker has it), record the run,
read the projection, detect (pure), match the rings to the previous succeeded run's
(app.jobs.identity: persisting rings keep their ids), write rings, memberships, attributions,
ring changes and alerts, mark the run succeeded. A failure is recorded on the run (status failed,
error) and re-raised; the previous succeeded run stays the one that is served. Webhook delivery of
alerts happens after the lock is released and never raises.
"""

from __future__ import annotations

import logging
import re
import resource
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from app.config import Settings, get_settings
from app.detection.communities import EXTERNAL_ALGORITHMS
from app.detection.incremental import (
    ModeDecision,
    carry_over,
    choose_mode,
    merge_results,
    region_too_large,
)
from app.detection.model import (
    Attribution,
    DetectionParams,
    DetectionResult,
    Projection,
    Ring,
    Signal,
)
from app.detection.pipeline import detect
from app.graph import detection_repo, jobs_repo
from app.graph.gds_repo import gds_finder
from app.graph.runner import GraphRunner
from app.jobs import alerts as alerts_mod
from app.jobs.identity import Matching, RingSnapshot, match_rings
from app.jobs.lock import DETECTION_LOCK, job_lock, new_holder
from app.jobs.region import affected_region

log = logging.getLogger("ringscope.jobs")


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux: the process's peak so far, so per stage it is "peak up to here".
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    result: DetectionResult
    stages: dict[str, dict[str, float]]
    counts: dict[str, Any]
    matching: Matching | None = None
    alerts: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[alerts_mod.Delivery] = field(default_factory=list)
    previous_run: str | None = None
    mode: str = "full"
    mode_reason: str = ""
    region: frozenset[str] | None = None


class LockLost(RuntimeError):
    """The run lock expired and was taken by another worker while this run was going."""


def new_run_id() -> str:
    return datetime.now(UTC).strftime("run-%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]


_RING_ID = re.compile(r"r-[0-9a-f]{10}")


def apply_ids(result: DetectionResult, ids: dict[str, str]) -> DetectionResult:
    """Rename the rings of a result to their stable ids (also inside signal and evidence texts)."""
    renamed = {old: new for old, new in ids.items() if old != new}
    if not renamed:
        return result

    def fix(text: str) -> str:
        return _RING_ID.sub(lambda m: renamed.get(m.group(0), m.group(0)), text)

    rings = tuple(
        replace(
            ring,
            ring_id=ids.get(ring.ring_id, ring.ring_id),
            signals=tuple(replace(s, detail=fix(s.detail)) for s in ring.signals),
            attribution=(
                replace(ring.attribution, evidence=tuple(fix(e) for e in ring.attribution.evidence))
                if ring.attribution is not None
                else None
            ),
        )
        for ring in result.rings
    )
    return replace(result, rings=rings)


def stored_ring(row: detection_repo.RingRow) -> Ring:
    """A ring as stored for a run, back as a detection Ring (to carry it over unchanged)."""
    attribution = None
    if row.operator is not None:
        attribution = Attribution(
            str(row.operator["name"]),
            float(row.operator["confidence"] or 0.0),
            tuple(str(e) for e in row.operator["evidence"]),
        )
    return Ring(
        ring_id=row.ring_id,
        members=tuple(row.accounts),
        score=row.score,
        flagged=row.flagged,
        signals=tuple(
            Signal(str(s["name"]), float(s["weight"]), str(s["detail"])) for s in row.signals
        ),
        attribution=attribution,
    )


def _since(watermark: str, lag_seconds: int) -> str:
    return (datetime.fromisoformat(watermark) - timedelta(seconds=lag_seconds)).isoformat()


def run_detection(
    runner: GraphRunner,
    params: DetectionParams | None = None,
    *,
    trigger: str = "cli",
    settings: Settings | None = None,
    deliver_alerts: bool = True,
    mode: str = "full",
) -> RunOutcome:
    """Run detection once under the run lock and store it; a failure is recorded and re-raised.

    Args:
        runner: the database seam.
        params: detection parameters (defaults if None).
        trigger: what started it: "cli", "schedule", "run-now" (stored on the run).
        settings: lock TTL, identity threshold, webhook, incremental settings (default:
            get_settings()).
        deliver_alerts: POST pending alerts to the webhook after the run (if one is configured).
        mode: "full"; "incremental" (recompute only the region the ingest since the previous
            run can affect, carry the other rings over; falls back to full when that cannot
            be done correctly or the region is too large); "auto" (incremental, with a full run
            every `settings.schedule_full_every` runs). The mode that ran and why are recorded
            on the run (mode, mode_reason, touched_accounts, region_accounts).

    Returns:
        The run id, result (stable ring ids), per-stage seconds and peak RSS, counts, the ring
        changes and the alerts raised.

    Raises:
        RunLocked: another run holds the lock (nothing is recorded then).
    """
    settings = settings or get_settings()
    params = params or DetectionParams()
    run_id = new_run_id()
    holder = new_holder()
    with job_lock(runner, DETECTION_LOCK, settings.job_lock_ttl_seconds, holder) as held:
        held.run_id = run_id
        detection_repo.start_run(runner, run_id, asdict(params))
        jobs_repo.renew_lock(runner, DETECTION_LOCK, holder, settings.job_lock_ttl_seconds, run_id)
        stages: dict[str, dict[str, float]] = {}
        try:
            began = time.perf_counter()
            previous_run = detection_repo.latest_run_id(runner)
            # Database time before anything is read: the next incremental run starts from it.
            jobs_repo.set_run_watermark(runner, run_id)
            jobs_repo.set_run_job_info(
                runner, run_id, trigger, holder, jobs_repo.data_fingerprint(runner), previous_run
            )
            last = jobs_repo.last_succeeded_run(runner) if previous_run else None
            decision = choose_mode(
                mode,
                has_previous=last is not None,
                same_params=last is not None and last["params"] == asdict(params),
                has_watermark=last is not None and bool(last["watermark"]),
                streak=last["incremental_streak"] if last else 0,
                full_every=settings.schedule_full_every,
                previous_hubs_dropped=float(last["counts"].get("hubs_dropped", 0)) if last else 0,
            )
            touched: set[str] | None = None
            region: set[str] | None = None
            n_total = 0
            previous_rings: list[Ring] = []
            if decision.mode == "incremental" and last is not None:
                began_region = time.perf_counter()
                touched = jobs_repo.touched_accounts(
                    runner, _since(str(last["watermark"]), settings.incremental_lag_seconds)
                )
                n_total = jobs_repo.count_accounts(runner)
                previous_rings = [
                    stored_ring(row) for row in detection_repo.run_rings(runner, last["run_id"])
                ]
                limit = int(settings.incremental_max_share * n_total)
                # Already too many touched accounts: no walk needed to know it falls back.
                region, steps = (
                    (set(touched), 0)
                    if len(touched) > limit
                    else affected_region(runner, touched, n_total, previous_rings, limit)
                )
                stages["region"] = {
                    "seconds": time.perf_counter() - began_region,
                    "steps": float(steps),
                }
                too_large = region_too_large(len(region), n_total, settings.incremental_max_share)
                if too_large:
                    decision = ModeDecision("full", too_large)
            streak = (
                (last["incremental_streak"] + 1) if decision.mode == "incremental" and last else 0
            )
            jobs_repo.set_run_mode(
                runner,
                run_id,
                decision.mode,
                decision.reason,
                len(touched) if touched is not None else None,
                len(region) if region is not None and decision.mode == "incremental" else None,
                streak,
            )
            log.info("detection run %s: %s (%s)", run_id, decision.mode, decision.reason)

            began = time.perf_counter()
            frozen = frozenset(region) if region is not None else frozenset()
            projection: Projection | None = None
            profile = None
            if decision.mode == "incremental" and not frozen:
                pass  # nothing changed: every previous ring carries over
            elif decision.mode == "incremental":
                projection = detection_repo.load_region_projection(runner, sorted(frozen))
                profile = detection_repo.load_hour_profile(runner)
            else:
                projection = detection_repo.load_projection(runner)
            stages["projection"] = {
                "seconds": time.perf_counter() - began,
                "peak_rss_mb": _peak_rss_mb(),
            }

            began_detect = time.perf_counter()
            # gds-* algorithms run the community stage in Neo4j GDS (app/graph/gds_repo.py).
            finder = gds_finder(runner, params) if params.algorithm in EXTERNAL_ALGORITHMS else None
            if decision.mode == "incremental":
                recomputed = (
                    detect(projection, params, region=frozen, hour_profile=profile, finder=finder)
                    if projection is not None
                    else DetectionResult(rings=(), params=params, stats={})
                )
                result = merge_results(carry_over(previous_rings, frozen), recomputed, params)
            else:
                assert projection is not None
                result = detect(projection, params, finder=finder)
            for stage, seconds in result.stats.items():
                if stage.endswith("_seconds"):
                    stages[stage.removesuffix("_seconds")] = {"seconds": seconds}
            stages["detection"] = {
                "seconds": time.perf_counter() - began_detect,
                "peak_rss_mb": _peak_rss_mb(),
            }

            began_identity = time.perf_counter()
            previous = jobs_repo.run_ring_snapshots(runner, previous_run) if previous_run else []
            matching = match_rings(
                previous,
                [
                    RingSnapshot(r.ring_id, frozenset(r.members), r.score, r.flagged)
                    for r in result.rings
                ],
                threshold=settings.ring_match_threshold,
            )
            result = apply_ids(result, matching.ids)
            stages["identity"] = {"seconds": time.perf_counter() - began_identity}

            if held.lost:
                raise LockLost(f"lock {DETECTION_LOCK!r} expired and was taken over")
            began_write = time.perf_counter()
            detection_repo.save_result(runner, run_id, result)
            jobs_repo.save_changes(runner, run_id, previous_run, matching.changes, matching.counts)
            operators = {
                r.ring_id: r.attribution.operator for r in result.rings if r.attribution is not None
            }
            raised = alerts_mod.build_alerts(run_id, matching.changes, operators)
            delivery = "pending" if settings.webhook_url else "disabled"
            jobs_repo.save_alerts(runner, run_id, [{**a, "delivery": delivery} for a in raised])
            stages["write_back"] = {
                "seconds": time.perf_counter() - began_write,
                "peak_rss_mb": _peak_rss_mb(),
            }
            counts = {
                **{k: v for k, v in result.stats.items() if not k.endswith("_seconds")},
                "accounts": len(projection.accounts) if projection is not None else n_total,
                "attachments": len(projection.attachments) if projection is not None else 0,
                "mode": decision.mode,
                "mode_reason": decision.reason,
                "rings": len(result.rings),
                "flagged": sum(ring.flagged for ring in result.rings),
                "attributed": sum(ring.attribution is not None for ring in result.rings),
                "alerts": len(raised),
            }
            if held.lost:
                raise LockLost(f"lock {DETECTION_LOCK!r} expired and was taken over")
            detection_repo.finish_run(runner, run_id, "succeeded", counts, stages)
        except Exception as exc:
            detection_repo.finish_run(
                runner, run_id, "failed", {}, stages, error=f"{type(exc).__name__}: {exc}"
            )
            raise
    deliveries: list[alerts_mod.Delivery] = []
    if deliver_alerts and settings.webhook_url:
        try:
            deliveries = alerts_mod.deliver_pending(
                runner,
                settings.webhook_url,
                settings.webhook_retries,
                settings.webhook_backoff_seconds,
                settings.webhook_timeout_seconds,
            )
        except Exception as exc:  # the run succeeded; alerts stay pending for the next round
            log.error("alert delivery round failed (alerts stay pending): %s", exc)
    return RunOutcome(
        run_id,
        result,
        stages,
        counts,
        matching,
        raised,
        deliveries,
        previous_run=previous_run,
        mode=decision.mode,
        mode_reason=decision.reason,
        region=frozen if decision.mode == "incremental" else None,
    )
