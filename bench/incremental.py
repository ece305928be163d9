"""Scheduled-run cost: a full first run vs a run after a small ingest (1% new events) vs a
scheduled trigger with no new data; plus how many ring ids survived.

Usage:
  .venv/bin/python bench/incremental.py --scale 0.002 --seed 11 [--fraction 0.01]

Set RINGSCOPE_VAR_DIR / RINGSCOPE_NEO4J_PORT to use another Neo4j than the bench one
(var/bench, port 7689). The scenario's events are split: every 1/fraction-th line goes to the
"new" file, the rest is ingested first. Prints one row per step with per-stage seconds.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import get_settings
from app.ingest.pipeline import Ingestor
from app.jobs.detection_run import RunOutcome
from app.jobs.scheduler import run_job
from bench._common import bench_runner, scenario


def split(events: Path, out: Path, fraction: float) -> tuple[Path, Path, int, int]:
    out.mkdir(parents=True, exist_ok=True)
    base, new = out / "base.jsonl", out / "new.jsonl"
    every = max(round(1 / fraction), 2)
    n_base = n_new = 0
    with gzip.open(events, "rt") as src, base.open("w") as b, new.open("w") as n:
        for i, line in enumerate(src):
            # Declarations (account / ip_info) stay in the first batch; later lines of any kind may
            # arrive late, like a new hour of traffic.
            if (
                i % every == every - 1
                and '"type": "account"' not in line
                and '"ip_info"' not in line
            ):
                n.write(line)
                n_new += 1
            else:
                b.write(line)
                n_base += 1
    return base, new, n_base, n_new


def stages(outcome: RunOutcome | None) -> str:
    if outcome is None:
        return ""
    keys = ("projection", "detection", "identity", "write_back")
    return "  ".join(
        f"{k} {outcome.stages[k]['seconds']:.2f}s" for k in keys if k in outcome.stages
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.002)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--fraction", type=float, default=0.01)
    args = parser.parse_args()

    folder = scenario(args.scale, args.seed)
    events = next(folder.glob("*.jsonl.gz"))
    base, new, n_base, n_new = split(events, folder / "incremental", args.fraction)
    runner = bench_runner(wipe=True)
    settings = get_settings().model_copy(update={"webhook_url": ""})
    ingestor = Ingestor(runner, "salt", settings.ingest_batch_lines, folder / "quarantine.jsonl")

    rows = []
    began = time.perf_counter()
    ingestor.run([base])
    rows.append((f"ingest {n_base:,} events", time.perf_counter() - began, ""))
    full = run_job(runner, settings, trigger="bench", force=True)
    rows.append(("run 1 (full, no previous run)", full.seconds, stages(full.outcome)))
    same = run_job(runner, settings, trigger="schedule")
    rows.append((f"scheduled, no new data: {same.status}", same.seconds, ""))
    began = time.perf_counter()
    ingestor.run([new])
    rows.append(
        (f"ingest {n_new:,} new events ({args.fraction:.0%})", time.perf_counter() - began, "")
    )
    after = run_job(runner, settings, trigger="schedule")
    rows.append(
        (f"run 2 after the small ingest: {after.status}", after.seconds, stages(after.outcome))
    )
    again = run_job(runner, settings, trigger="bench", force=True)
    rows.append(("run 3 (same data again, forced)", again.seconds, stages(again.outcome)))

    print(f"scale {args.scale}, seed {args.seed}")
    for label, seconds, detail in rows:
        print(f"  {label:<48} {seconds:7.2f}s  {detail}")
    if after.outcome and after.outcome.matching:
        counts = after.outcome.matching.counts
        kept = sum(
            1
            for c in after.outcome.matching.changes
            if c.kind.value != "vanished" and c.previous_size > 0
        )
        print(f"  run 2 changes: {counts}")
        print(f"  run 2 rings keeping a previous id: {kept} of {len(after.outcome.result.rings)}")
    runner.close()


if __name__ == "__main__":
    main()
