"""Benchmark of the DuckDB aggregate's read_parse phase alone (no clustering, no output files).

Runs the engine's parse (reader thread, line split, JSON extraction, typed parse, inserts, slow
path) over the inputs into a scratch DuckDB file and prints wall time, this process's CPU time
(DuckDB's threads included) and the line counts. For A/B runs of two versions of the code, run
each from its own checkout with the same input, interleaved a few times: the machine's speed
drifts by tens of percent between runs minutes apart.

Usage:
    .venv/bin/python bench/parse_only.py var/lead5/sample2m.jsonl.gz
    (cd ../other-checkout && PYTHONPATH=. /path/to/.venv/bin/python bench/parse_only.py INPUT)
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.ingest.columnar import duckdb_engine
from app.ingest.columnar.common import AggregateReport, Timer
from app.ingest.pipeline import discover


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", type=Path, nargs="+", help="JSONL(.gz) files or folders")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads")
    parser.add_argument("--memory-limit", default="6GB", help="DuckDB memory limit")
    parser.add_argument("--chunk-mb", type=int, default=192, help="uncompressed MB per chunk")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ringscope-parse-"))
    try:
        (work / ".duckdb_tmp").mkdir()
        con = duckdb_engine.connect(work / "work.duckdb", args.threads, args.memory_limit, "salt")
        report = AggregateReport(engine="duckdb")
        cpu0, wall0 = _cpu_seconds(), time.perf_counter()
        duckdb_engine._parse(
            con,
            discover(args.inputs),
            work,
            "salt",
            args.chunk_mb << 20,
            report,
            Timer(report),
            lambda _phase, _n: None,
        )
        wall, cpu = time.perf_counter() - wall0, _cpu_seconds() - cpu0
        con.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"read_parse {wall:.1f} s wall, {cpu:.1f} CPU-s, {report.read:,} lines "
        f"({cpu / max(report.read, 1) * 1e6:.1f} µs of CPU a line), "
        f"slow path {report.slow_path_lines:,}, quarantined {report.quarantined:,}"
    )


if __name__ == "__main__":
    main()
