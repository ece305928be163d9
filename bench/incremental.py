"""Scheduled-run cost: a full run vs an incremental run after a small ingest (1% new events) on
the same data, per stage (region walk, projection, detection, identity, write-back) with peak
RSS, and whether the incremental result equals the full recompute.

Usage:
  .venv/bin/python bench/incremental.py --scale 0.002 --seed 11 [--fraction 0.01]
  .venv/bin/python bench/incremental.py --events var/lead/s05-seed7/events.jsonl.gz \
      --split tail [--keep-base]

Set RINGSCOPE_VAR_DIR / RINGSCOPE_NEO4J_PORT to use another Neo4j than the bench one
(var/bench, port 7689). The events are split into a base file, ingested first, and a "new"
file of about `fraction` of the events:
  --split tail    the requests with the latest timestamps (the next hour(s) of traffic: what a
                  scheduled run after a short ingest sees);
  --split stride  every 1/fraction-th line (new traffic from almost every account: the
                  incremental run falls back to a full one, by design).
--keep-base reuses a graph that already holds the base file (skips the wipe and the base
ingest; the new file, --new or split off again, must not be in it yet). Each detection run happens in its own process so
its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import gzip
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import get_settings
from app.graph.runner import GraphRunner
from app.ingest.pipeline import Ingestor
from app.jobs.detection_run import run_detection
from bench._common import bench_runner, scenario


def _request_ts(line: str) -> str | None:
    if not line.startswith('{"type":"request"') and '"type": "request"' not in line[:40]:
        return None
    i = line.find('"ts":')
    if i < 0:
        return None
    start = line.index('"', i + 5) + 1
    return line[start : line.index('"', start)]


def split(events: Path, out: Path, fraction: float, how: str) -> tuple[Path, Path, int, int]:
    """Write base.jsonl and new.jsonl under `out` (see the module docstring)."""
    out.mkdir(parents=True, exist_ok=True)
    base, new = out / f"base-{how}.jsonl", out / f"new-{how}.jsonl"
    opener = gzip.open if events.suffix == ".gz" else open
    cut = ""
    if how == "tail":
        with opener(events, "rt") as src:
            stamps = sorted(ts for line in src if (ts := _request_ts(line)) is not None)
        cut = stamps[min(int(len(stamps) * (1 - fraction)), len(stamps) - 1)]
    every = max(round(1 / fraction), 2)
    n_base = n_new = 0
    with opener(events, "rt") as src, base.open("w") as b, new.open("w") as n:
        for i, line in enumerate(src):
            if how == "tail":
                ts = _request_ts(line)
                late = ts is not None and ts >= cut
            else:
                # Declarations (account / ip_info) stay in the first batch.
                late = (
                    i % every == every - 1
                    and '"type":"account"' not in line.replace(" ", "")
                    and '"ip_info"' not in line
                )
            if late:
                n.write(line)
                n_new += 1
            else:
                b.write(line)
                n_base += 1
    return base, new, n_base, n_new


def _run(mode: str, max_share: float) -> dict[str, Any]:
    """One detection run in this (child) process; what the bench prints and compares."""
    settings = get_settings().model_copy(
        update={"webhook_url": "", "incremental_max_share": max_share}
    )
    runner = GraphRunner.from_settings(settings)
    began = time.perf_counter()
    outcome = run_detection(runner, trigger="bench", settings=settings, mode=mode)
    wall = time.perf_counter() - began
    runner.close()
    return {
        "wall": wall,
        "mode": outcome.mode,
        "reason": outcome.mode_reason,
        "region": len(outcome.region) if outcome.region is not None else None,
        "stages": outcome.stages,
        "counts": outcome.counts,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rings": {frozenset(r.members) for r in outcome.result.rings},
        "flagged": {frozenset(r.members) for r in outcome.result.rings if r.flagged},
        "changes": outcome.matching.counts if outcome.matching else {},
    }


def run_in_child(mode: str, max_share: float) -> dict[str, Any]:
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        return pool.apply(_run, (mode, max_share))


def describe(label: str, run: dict[str, Any]) -> str:
    keys = ("region", "projection", "detection", "identity", "write_back")
    parts = [f"{k} {run['stages'][k]['seconds']:.2f}" for k in keys if k in run["stages"]]
    region = f", region {run['region']:,} accounts" if run["region"] is not None else ""
    return (
        f"  {label:<34} {run['wall']:8.2f}s  peak RSS {run['peak_rss_mb']:,.0f} MB  "
        f"[{run['mode']}{region}] {'  '.join(parts)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.002)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--events", type=Path, help="an events file instead of a generated one")
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--split", choices=("tail", "stride"), default="tail")
    parser.add_argument("--keep-base", action="store_true")
    parser.add_argument(
        "--new", type=Path, help="with --keep-base: the new events file (no split is done)"
    )
    parser.add_argument("--max-share", type=float, default=get_settings().incremental_max_share)
    args = parser.parse_args()

    if args.events:
        events = args.events
        folder = Path(os.environ["RINGSCOPE_VAR_DIR"]) / "incremental-bench"
    else:
        folder = scenario(args.scale, args.seed)
        events = next(folder.glob("*.jsonl.gz"))
    if args.keep_base and args.new:
        new, n_base = args.new, 0
        with new.open() as handle:
            n_new = sum(1 for _ in handle)
    else:
        base, new, n_base, n_new = split(events, folder / "incremental", args.fraction, args.split)
    runner = bench_runner(wipe=not args.keep_base)
    ingestor = Ingestor(runner, "salt", get_settings().ingest_batch_lines, folder / "q.jsonl")

    print(f"{events} ({args.split} split): {n_base:,} base + {n_new:,} new events")
    if not args.keep_base:
        began = time.perf_counter()
        ingestor.run([base])
        print(f"  ingest base                        {time.perf_counter() - began:8.2f}s")
    first = run_in_child("full", args.max_share)
    print(describe("run 1: full, before the new events", first))
    began = time.perf_counter()
    ingestor.run([new])
    print(f"  ingest {n_new:,} new events{'':<14} {time.perf_counter() - began:8.2f}s")
    incremental = run_in_child("incremental", args.max_share)
    print(describe("run 2: incremental", incremental))
    print(f"      {incremental['reason']}; changes {incremental['changes']}")
    print(f"      rings carried over: {incremental['counts'].get('carried_rings', 0):.0f}")
    full = run_in_child("full", args.max_share)
    print(describe("run 3: full, same data", full))
    same = incremental["rings"] == full["rings"]
    same_flagged = incremental["flagged"] == full["flagged"]
    print(
        f"  incremental == full: ring memberships {same} "
        f"({len(incremental['rings'] ^ full['rings'])} differ), flagged sets {same_flagged} "
        f"({len(full['flagged'])} flagged)"
    )
    runner.close()


if __name__ == "__main__":
    main()
