"""One detection run end to end: projection → detection → write-back, recorded as a DetectionRun."""

from __future__ import annotations

import resource
import time
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from app.detection.model import DetectionParams, DetectionResult
from app.detection.pipeline import detect
from app.graph import detection_repo
from app.graph.runner import GraphRunner


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux: the process's peak so far, so per stage it is "peak up to here".
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    result: DetectionResult
    stages: dict[str, dict[str, float]]
    counts: dict[str, Any]


def new_run_id() -> str:
    return datetime.now(UTC).strftime("run-%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]


def run_detection(runner: GraphRunner, params: DetectionParams | None = None) -> RunOutcome:
    """Run detection once and store it; a failure is recorded on the run and re-raised.

    Args:
        runner: the database seam.
        params: detection parameters (defaults if None).

    Returns:
        The run id, result, per-stage seconds and peak RSS, and counts.
    """
    params = params or DetectionParams()
    run_id = new_run_id()
    detection_repo.start_run(runner, run_id, asdict(params))
    stages: dict[str, dict[str, float]] = {}
    try:
        began = time.perf_counter()
        projection = detection_repo.load_projection(runner)
        stages["projection"] = {
            "seconds": time.perf_counter() - began,
            "peak_rss_mb": _peak_rss_mb(),
        }

        result = detect(projection, params)
        for stage, seconds in result.stats.items():
            if stage.endswith("_seconds"):
                stages[stage.removesuffix("_seconds")] = {"seconds": seconds}
        stages["detection"] = {
            "seconds": time.perf_counter() - began - stages["projection"]["seconds"],
            "peak_rss_mb": _peak_rss_mb(),
        }

        began_write = time.perf_counter()
        detection_repo.save_result(runner, run_id, result)
        stages["write_back"] = {
            "seconds": time.perf_counter() - began_write,
            "peak_rss_mb": _peak_rss_mb(),
        }
        counts = {
            **{k: v for k, v in result.stats.items() if not k.endswith("_seconds")},
            "accounts": len(projection.accounts),
            "attachments": len(projection.attachments),
            "rings": len(result.rings),
            "flagged": sum(ring.flagged for ring in result.rings),
            "attributed": sum(ring.attribution is not None for ring in result.rings),
        }
        detection_repo.finish_run(runner, run_id, "succeeded", counts, stages)
    except Exception as exc:
        detection_repo.finish_run(
            runner, run_id, "failed", {}, stages, error=f"{type(exc).__name__}: {exc}"
        )
        raise
    return RunOutcome(run_id, replace(result), stages, counts)
