"""Detection benchmark: quality against ground truth, per-stage time and peak RSS, algorithms compared.

Usage:
  .venv/bin/python bench/detect.py --scale 0.05 --seeds 7 11
  .venv/bin/python bench/detect.py --scale 0.05 --seeds 7 --skip-ingest   # graph already holds it

For each seed: generate the scenario (cached under var/bench/scenarios), wipe and ingest into the
bench Neo4j (var/bench, port 7689), load the projection once, then run detection with each
community algorithm on that same projection and score it with `evaluate`. The default algorithm's
run is also written back through `run_detection`, timing every stage.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import get_settings
from app.detection.communities import ALGORITHMS
from app.detection.evaluation import evaluate
from app.detection.model import DetectionParams
from app.detection.pipeline import detect
from app.graph.detection_repo import load_projection
from app.ingest.pipeline import Ingestor
from app.jobs.detection_run import run_detection
from bench._common import bench_runner, peak_rss_mb, scenario


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11])
    parser.add_argument("--algorithms", nargs="+", default=list(ALGORITHMS))
    parser.add_argument("--skip-ingest", action="store_true", help="use the graph as it is")
    parser.add_argument(
        "--scenario", type=Path, help="an already generated scenario folder (with --skip-ingest)"
    )
    args = parser.parse_args()

    for seed in args.seeds:
        out = args.scenario or scenario(args.scale, seed)
        truth = json.loads((out / "truth.json").read_text())
        runner = bench_runner(wipe=not args.skip_ingest)
        if not args.skip_ingest:
            settings = get_settings()
            report = Ingestor(
                runner, settings.salt(), settings.ingest_batch_lines, out / "q.jsonl"
            ).run([out])
            print(
                f"\nseed {seed}: ingested {report.ingested:,} events in {report.seconds:.0f}s "
                f"({report.events_per_second:,.0f}/s, {report.rows_per_second:,.0f} rows/s)"
            )
        began = time.perf_counter()
        projection = load_projection(runner)
        print(
            f"seed {seed}, scale {args.scale}: projection {time.perf_counter() - began:.1f}s, "
            f"{len(projection.accounts):,} accounts, {len(projection.attachments):,} attachments"
        )
        print(
            f"{'algorithm':<18} {'seconds':>8} {'rings':>6} {'flagged':>7} {'precision':>9} "
            f"{'recall':>7} {'F1':>6} {'min op recall':>13} {'benign FP %':>11} {'attribution':>11} "
            f"{'modularity':>10}"
        )
        for algorithm in args.algorithms:
            params = DetectionParams(algorithm=algorithm)
            began = time.perf_counter()
            result = detect(projection, params)
            seconds = time.perf_counter() - began
            m = evaluate(result, truth)
            op_recall = min(op["recall"] for op in m["per_operator"].values())

            def fmt(value: float | None) -> str:
                return "n/a" if value is None else f"{value:.3f}"

            flagged = sum(r.flagged for r in result.rings)
            modularity = result.stats.get("modularity")
            print(
                f"{algorithm:<18} {seconds:>8.1f} {len(result.rings):>6} {flagged:>7} "
                f"{fmt(m['precision']):>9} {fmt(m['recall']):>7} {fmt(m['f1']):>6} {op_recall:>13.3f} "
                f"{100 * m['benign_flagged_fraction']:>11.2f} {fmt(m['attribution_accuracy']):>11} "
                f"{modularity if modularity is not None else '':>10}"
            )
        outcome = run_detection(runner)
        stages = ", ".join(
            f"{name} {fig['seconds']:.1f}s"
            + (f" ({fig['peak_rss_mb']:.0f} MB)" if "peak_rss_mb" in fig else "")
            for name, fig in outcome.stages.items()
        )
        print(
            f"run_detection (default, with write-back): {stages}; peak RSS {peak_rss_mb():.0f} MB"
        )
        runner.close()


if __name__ == "__main__":
    main()
