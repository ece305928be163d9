"""Columnar aggregation figures: wall time, CPU time, events/s, peak RSS per engine and input.

    .venv/bin/python bench/aggregate.py var/lead/s05-seed7/events.jsonl.gz --engines duckdb spark
    .venv/bin/python bench/aggregate.py INPUT --python   # also BatchAggregator alone, for comparison

Each run is a fresh subprocess (clean RSS); the machine's load average is printed with each row
because the figures are only comparable under similar load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
engine, inp, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
t = time.perf_counter()
if engine == "python":
    import gzip
    from app.ingest.aggregate import BatchAggregator
    from app.ingest.clustering import PromptClusterer
    from app.ingest.events import InvalidEvent, parse_line
    clusterer = PromptClusterer()
    agg = BatchAggregator(clusterer.assign, "bench")
    n = 0
    with gzip.open(inp, "rb") if inp.name.endswith(".gz") else inp.open("rb") as fh:
        for raw in fh:
            if raw.strip():
                n += 1
                try:
                    agg.add(parse_line(raw))
                except InvalidEvent:
                    pass
    rows = agg.rows()
    result = {{"read": n, "rows": rows.row_count(), "clusters": len(clusterer)}}
else:
    mod = __import__("app.ingest.columnar." + engine + "_engine", fromlist=["run"])
    r = mod.run([inp], out, "bench")
    result = {{"read": r.read, "rows": sum(r.rows.values()), "clusters": r.clusters_written,
              "seconds": r.seconds, "peak_rss": r.peak_rss_bytes,
              "prompt_keys": r.distinct_prompt_keys}}
result["wall"] = time.perf_counter() - t
print("RESULT " + json.dumps(result))
"""


def run_one(engine: str, inp: Path) -> dict[str, object]:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="ringscope-bench-agg-") as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD.format(root=str(ROOT)), engine, str(inp), tmp],
            capture_output=True,
            text=True,
            check=False,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"{engine} failed:\n{proc.stderr[-2000:]}")
    result: dict[str, object] = json.loads(line[7:])
    result["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of children is the largest single child (KiB); the engine's own sampler sums
    # the process tree (Spark's JVM, clustering workers).
    result["max_child_rss"] = after.ru_maxrss * 1024
    result["load"] = (load, os.getloadavg()[0])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", nargs="+", type=Path)
    parser.add_argument("--engines", nargs="+", default=["duckdb"], choices=["duckdb", "spark"])
    parser.add_argument("--python", action="store_true", help="also time BatchAggregator alone")
    args = parser.parse_args()
    engines = list(args.engines) + (["python"] if args.python else [])
    print(
        "| input | engine | events | wall s | CPU s | events/s | peak RSS | phases | load (start/end) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for inp in args.inputs:
        for engine in engines:
            began = time.perf_counter()
            r = run_one(engine, inp)
            wall = float(r["wall"])  # type: ignore[arg-type]
            read = int(r["read"])  # type: ignore[call-overload]
            rss = int(r.get("peak_rss") or r["max_child_rss"])  # type: ignore[call-overload]
            seconds: dict[str, float] = r.get("seconds") or {}  # type: ignore[assignment]
            phases = " ".join(f"{k} {v:.0f}" for k, v in seconds.items() if k != "total")
            load = r["load"]
            print(
                f"| {inp.parent.name}/{inp.name} | {engine} | {read:,} | {wall:,.0f} | "
                f"{float(r['cpu']):,.0f} | {read / wall:,.0f} | {rss / 2**30:.2f} GiB | {phases} | "  # type: ignore[arg-type]
                f"{load[0]:.1f}/{load[1]:.1f} |",  # type: ignore[index]
                flush=True,
            )
            del began


if __name__ == "__main__":
    main()
