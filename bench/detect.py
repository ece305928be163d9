"""Detection benchmark: quality against ground truth, per-stage time and peak RSS, algorithms compared.

Usage:
  .venv/bin/python bench/detect.py --scale 0.05 --seeds 7 11
  .venv/bin/python bench/detect.py --scale 0.05 --seeds 7 --skip-ingest   # graph already holds it
  # read the projection once and keep it in a file; later runs need no Neo4j at all:
  .venv/bin/python bench/detect.py --skip-ingest --no-write-back \
      --projection-file var/h-algo/projection-s0.2.pkl --truth var/lead/s20-seed7/truth.json

For each seed: generate the scenario (cached under var/bench/scenarios), wipe and ingest into the
bench Neo4j (var/bench, port 7689), load the projection once, then run detection with each
community algorithm on that same projection and score it with `evaluate`. Each algorithm runs in
a fresh process (spawned, it reads the projection from a temporary pickle) so its peak RSS is
its own. The default algorithm's run is also written back through `run_detection`, timing every
stage (unless --no-write-back: use that on a graph you must not write to).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import pickle
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.detection.communities import ALGORITHMS
from app.detection.evaluation import evaluate
from app.detection.model import Attachments, DetectionParams, Projection
from app.detection.pipeline import detect
from bench._common import peak_rss_mb, scenario


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def tile(projection: Projection, truth: dict[str, Any], copies: int) -> tuple[Projection, dict]:
    """`copies` disjoint copies of a projection and its truth (every id gets a "tN-" prefix).

    A size proxy for scale-up timing and memory: no shared node links two copies, so the
    community stage sees `copies` times the components, and quality is that of one copy.
    """
    if copies <= 1:
        return projection, truth

    def acct(i: int, account_id: str) -> str:
        return f"t{i}-{account_id}" if i else account_id

    def node(i: int, key: str) -> str:
        kind, _, natural = key.partition(":")
        return f"{kind}:t{i}-{natural}" if i else key

    accounts = {}
    nodes = {}
    attachments = []
    for i in range(copies):
        for account_id, info in projection.accounts.items():
            accounts[acct(i, account_id)] = replace(info, account_id=acct(i, account_id))
        for key, shared in projection.nodes.items():
            nodes[node(i, key)] = replace(shared, key=node(i, key))
        attachments += [
            replace(a, account_id=acct(i, a.account_id), node_key=node(i, a.node_key))
            for a in projection.attachments
        ]
    tiled_truth = {
        **truth,
        "operators": [
            {
                **op,
                "cells": [
                    {
                        **cell,
                        "accounts": [acct(i, a) for i in range(copies) for a in cell["accounts"]],
                    }
                    for cell in op.get("cells", [])
                ],
                "labeled_accounts": [
                    acct(i, a) for i in range(copies) for a in op.get("labeled_accounts", [])
                ],
            }
            for op in truth.get("operators", [])
        ],
        "benign_groups": {
            kind: [[acct(i, a) for a in group] for i in range(copies) for group in groups]
            for kind, groups in truth.get("benign_groups", {}).items()
        },
        "benign_accounts": truth.get("benign_accounts", 0) * copies,
    }
    return Projection(accounts, nodes, Attachments.of(attachments)), tiled_truth


def _community_only(projection_file: str, algorithm: str) -> dict[str, Any]:
    """Runs in a spawned child: evidence graph once, then only the community stage, timed."""
    from app.detection.communities import louvain_partition, modularity
    from app.detection.context import build_context
    from app.detection.evidence import build_evidence

    with open(projection_file, "rb") as fh:
        projection: Projection = pickle.load(fh)
    began = time.perf_counter()
    if algorithm.startswith("networkit"):
        import networkit  # noqa: F401
    elif algorithm == "leiden":
        import igraph  # noqa: F401
        import leidenalg  # noqa: F401
    import_seconds = time.perf_counter() - began
    began = time.perf_counter()
    ctx = build_context(projection)
    ev = build_evidence(ctx)
    evidence_seconds = time.perf_counter() - began
    began = time.perf_counter()
    comms, labels = louvain_partition(ctx.n, ev.u, ev.v, ev.w, DetectionParams(algorithm=algorithm))
    return {
        "algorithm": algorithm,
        "community_seconds": time.perf_counter() - began,
        "evidence_seconds": evidence_seconds,
        "import_seconds": import_seconds,
        "edges": int(ev.u.size),
        "communities": len(comms),
        "modularity": modularity(ev.u, ev.v, ev.w, labels),
        "peak_rss_mb": peak_rss_mb(),
    }


def _one_algorithm(projection_file: str, truth: dict[str, Any], algorithm: str) -> dict[str, Any]:
    """Runs in a spawned child: load the projection, detect, evaluate (peak RSS is the child's)."""
    with open(projection_file, "rb") as fh:
        projection: Projection = pickle.load(fh)
    # Libraries communities.py imports lazily are imported before the clock starts (a
    # long-lived scheduler pays that once); python-louvain / networkx are imported with it.
    began = time.perf_counter()
    if algorithm.startswith("networkit"):
        import networkit  # noqa: F401
    elif algorithm == "leiden":
        import igraph  # noqa: F401
        import leidenalg  # noqa: F401
    import_seconds = time.perf_counter() - began
    began = time.perf_counter()
    result = detect(projection, DetectionParams(algorithm=algorithm))
    seconds = time.perf_counter() - began
    m = evaluate(result, truth)
    return {
        "algorithm": algorithm,
        "seconds": seconds,
        "community_seconds": result.stats["louvain_seconds"],
        "import_seconds": import_seconds,
        "rings": len(result.rings),
        "flagged": int(result.stats["flagged"]),
        "precision": m["precision"],
        "recall": m["recall"],
        "f1": m["f1"],
        "min_operator_recall": min(op["recall"] for op in m["per_operator"].values()),
        "benign_flagged": m["benign_flagged"],
        "benign_flagged_fraction": m["benign_flagged_fraction"],
        "attribution": m["attribution_accuracy"],
        "modularity": result.stats["modularity"],
        "peak_rss_mb": peak_rss_mb(),
    }


def _load(args: argparse.Namespace, out: Path | None) -> tuple[Projection, Any]:
    """The projection (from --projection-file when it exists, else from Neo4j) and the runner."""
    if args.projection_file and args.projection_file.exists():
        began = time.perf_counter()
        with args.projection_file.open("rb") as fh:
            projection: Projection = pickle.load(fh)
        print(f"projection read from {args.projection_file} in {time.perf_counter() - began:.1f}s")
        return projection, None
    from app.config import get_settings
    from app.graph.detection_repo import load_projection
    from app.ingest.pipeline import Ingestor
    from bench._common import bench_runner

    runner = bench_runner(wipe=not args.skip_ingest)
    if not args.skip_ingest:
        assert out is not None
        settings = get_settings()
        report = Ingestor(
            runner, settings.salt(), settings.ingest_batch_lines, out / "q.jsonl"
        ).run([out])
        print(
            f"ingested {report.ingested:,} events in {report.seconds:.0f}s "
            f"({report.events_per_second:,.0f}/s, {report.rows_per_second:,.0f} rows/s)"
        )
    began = time.perf_counter()
    projection = load_projection(runner)
    print(f"projection from Neo4j in {time.perf_counter() - began:.1f}s")
    if args.projection_file:
        args.projection_file.parent.mkdir(parents=True, exist_ok=True)
        with args.projection_file.open("wb") as fh:
            pickle.dump(projection, fh, protocol=pickle.HIGHEST_PROTOCOL)
        print(f"projection saved to {args.projection_file}")
    return projection, runner


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11])
    parser.add_argument(
        "--algorithms", nargs="+", default=list(ALGORITHMS), choices=list(ALGORITHMS)
    )
    parser.add_argument("--skip-ingest", action="store_true", help="use the graph as it is")
    parser.add_argument(
        "--scenario", type=Path, help="an already generated scenario folder (with --skip-ingest)"
    )
    parser.add_argument("--truth", type=Path, help="truth.json (default: the scenario's)")
    parser.add_argument(
        "--projection-file",
        type=Path,
        help="read the projection from this pickle if it exists, else load it and save it here",
    )
    parser.add_argument(
        "--no-write-back", action="store_true", help="do not run run_detection (no writes)"
    )
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument(
        "--community-only",
        action="store_true",
        help="time only the community stage (evidence graph built once per algorithm, no scoring)",
    )
    parser.add_argument(
        "--tile",
        type=int,
        default=1,
        help="run on this many disjoint copies of the projection (a size proxy, see `tile`)",
    )
    args = parser.parse_args()

    rows: list[dict[str, Any]] = []
    for seed in args.seeds:
        out = (
            None
            if (args.truth and args.skip_ingest)
            else args.scenario or scenario(args.scale, seed)
        )
        truth_path = args.truth or (out / "truth.json" if out else None)
        assert truth_path is not None
        truth = json.loads(truth_path.read_text())
        projection, runner = _load(args, out)
        projection, truth = tile(projection, truth, args.tile)
        print(
            f"seed {seed}, scale {args.scale} x{args.tile}: {len(projection.accounts):,} accounts, "
            f"{len(projection.nodes):,} shared nodes, {len(projection.attachments):,} attachments; "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        if args.projection_file and args.projection_file.exists() and args.tile <= 1:
            pickled = str(args.projection_file)
        else:
            fd, pickled = tempfile.mkstemp(prefix="ringscope-bench-", suffix=".pkl")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(projection, fh, protocol=pickle.HIGHEST_PROTOCOL)
        del projection
        spawn = multiprocessing.get_context("spawn")
        if args.community_only:
            print(
                f"{'algorithm':<18} {'comm. s':>8} {'evidence s':>10} {'edges':>10} "
                f"{'communities':>11} {'modularity':>10} {'RSS MB':>7} {'load':>5} {'import s':>8}"
            )
            for algorithm in args.algorithms:
                with spawn.Pool(1) as pool:
                    row = pool.apply(_community_only, (pickled, algorithm))
                row["load_average"] = os.getloadavg()[0]
                row["seed"] = seed
                rows.append(row)
                print(
                    f"{algorithm:<18} {row['community_seconds']:>8.1f} "
                    f"{row['evidence_seconds']:>10.1f} {row['edges']:>10,} "
                    f"{row['communities']:>11,} {row['modularity']:>10.4f} "
                    f"{row['peak_rss_mb']:>7.0f} {row['load_average']:>5.1f} "
                    f"{row['import_seconds']:>8.1f}",
                    flush=True,
                )
            if pickled != str(args.projection_file):
                os.unlink(pickled)
            continue
        print(
            f"{'algorithm':<18} {'detect s':>8} {'comm. s':>7} {'rings':>6} {'flagged':>7} "
            f"{'precision':>9} {'recall':>7} {'F1':>6} {'min op rec':>10} {'benign FP':>9} "
            f"{'attrib.':>7} {'modularity':>10} {'RSS MB':>7} {'load':>5} {'import s':>8}"
        )
        try:
            for algorithm in args.algorithms:
                with spawn.Pool(1) as pool:
                    row = pool.apply(_one_algorithm, (pickled, truth, algorithm))
                row["load_average"] = os.getloadavg()[0]
                row["seed"] = seed
                rows.append(row)
                print(
                    f"{algorithm:<18} {row['seconds']:>8.1f} {row['community_seconds']:>7.1f} "
                    f"{row['rings']:>6} {row['flagged']:>7} {_fmt(row['precision']):>9} "
                    f"{_fmt(row['recall']):>7} {_fmt(row['f1']):>6} "
                    f"{row['min_operator_recall']:>10.3f} "
                    f"{100 * row['benign_flagged_fraction']:>8.3f}% "
                    f"{_fmt(row['attribution']):>7} {row['modularity']:>10.4f} "
                    f"{row['peak_rss_mb']:>7.0f} {row['load_average']:>5.1f} "
                    f"{row['import_seconds']:>8.1f}",
                    flush=True,
                )
        finally:
            if pickled != str(args.projection_file):
                os.unlink(pickled)
        if runner is not None and not args.no_write_back:
            from app.jobs.detection_run import run_detection

            outcome = run_detection(runner)
            stages = ", ".join(
                f"{name} {fig['seconds']:.1f}s"
                + (f" ({fig['peak_rss_mb']:.0f} MB)" if "peak_rss_mb" in fig else "")
                for name, fig in outcome.stages.items()
            )
            print(
                f"run_detection (default, with write-back): {stages}; "
                f"peak RSS {peak_rss_mb():.0f} MB"
            )
        if runner is not None:
            runner.close()
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
