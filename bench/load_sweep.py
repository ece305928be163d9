"""Transactional loader sweep: rows/s per row kind for UNWIND chunk sizes and parallel writers.

Usage:
  .venv/bin/python bench/load_sweep.py FOLDER --chunks 1000 5000 20000 --writers 1 2 4

FOLDER is an aggregate folder (docs/aggregation.md). For every (chunk size, writers) pair the
database is wiped and the whole folder loaded with `app.ingest.load.load_folder`; prints rows/s per
kind and overall, and the load average (the machine is shared). Runs against the configured local
server (bench default var/bench, port 7689).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.ingest.load import KIND_NAMES, load_folder
from bench._common import bench_runner


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--chunks", type=int, nargs="+", default=[1_000, 5_000, 20_000])
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument(
        "--pairs", nargs="+", help="explicit CHUNK:WRITERS pairs instead of the full grid"
    )
    parser.add_argument(
        "--force-parallel",
        action="store_true",
        help="parallel writers for relationship kinds too (shows the lock contention)",
    )
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    pairs = (
        [tuple(int(x) for x in p.split(":")) for p in args.pairs]
        if args.pairs
        else [(c, w) for c in args.chunks for w in args.writers]
    )
    results = []
    for chunk, writers in pairs:
        runner = bench_runner(wipe=True)
        load_before = os.getloadavg()[0]
        report = load_folder(
            runner,
            args.folder,
            chunk_rows=chunk,
            writers=writers,
            force_parallel=args.force_parallel,
        )
        runner.close()
        figures = report.as_json()
        figures["load_avg"] = (round(load_before, 1), round(os.getloadavg()[0], 1))
        results.append(figures)
        per_kind = "  ".join(
            f"{kind} {figures['kinds'][kind]['rows_per_second']:,.0f}"
            for kind in KIND_NAMES
            if kind in figures["kinds"] and figures["kinds"][kind]["rows"]
        )
        print(
            f"chunk {chunk:>6} writers {writers}: {report.rows_written:,} rows in "
            f"{report.seconds:.1f} s = {report.rows_per_second:,.0f} rows/s "
            f"(load {figures['load_avg']})\n    {per_kind}",
            flush=True,
        )
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
