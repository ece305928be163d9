"""Full-scale benchmark (issue #7): generate → aggregate → load → detect → evaluate, one scenario.

Usage:
  .venv/bin/python bench/full_scale.py --scenario var/data/s100-seed7            # scale 1.0
  .venv/bin/python bench/full_scale.py --scale 0.05 --seed 7                     # generated if needed
  .venv/bin/python bench/full_scale.py --scenario DIR --loader transactional --writers 2

Every stage runs in its own child process; a sampler reads the RSS of that process tree (summed:
parallel workers count together) and of the Neo4j server every 0.5 s, so the figures are peak
RSS per stage for the pipeline and for Neo4j, and their sum. Prints per-stage wall time, events/s,
rows/s, peak RSS, the load average (other jobs share the machine), Neo4j's store size and the
detection quality from `ringscope evaluate`, and a speed probe before and after (the machine's
speed drifts: see `speed_probe`); writes everything as JSON (--json-out).

The database is the configured local server (RINGSCOPE_VAR_DIR / RINGSCOPE_NEO4J_PORT; bench
default var/bench on 7689). It is stopped during the aggregate (a server an earlier run left holds
that run's graph) and wiped before the load: the bulk loader needs an empty database. A server
this script starts gets the product's heap and page cache (2 GB, 1 GB) unless
RINGSCOPE_NEO4J_HEAP / RINGSCOPE_NEO4J_PAGECACHE say otherwise (a server already running keeps
its own until the bulk load restarts it with these).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import PROJECT_ROOT, Settings, get_settings
from app.detection.model import DetectionParams
from app.graph import local_server

# Neo4j as `ringscope neo4j start` runs it (the product's heap and page cache), not the larger
# server the other bench scripts default to: the memory target counts Neo4j too.
for _field in ("neo4j_heap", "neo4j_pagecache"):
    os.environ.setdefault(f"RINGSCOPE_{_field.upper()}", str(Settings.model_fields[_field].default))

from bench._common import bench_runner  # noqa: E402 - after the server settings above

PYTHON = sys.executable


def _neo4j_pid() -> int | None:
    return local_server.status(get_settings()).pid


class Sampler:
    """Peak summed RSS of a process tree and, separately, of the Neo4j server."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_tree = 0
        self.peak_neo4j = 0
        self.peak_total = 0
        self.timeline: list[tuple[float, int, int]] = []  # (seconds, tree MB, Neo4j MB) every 5 s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        began = time.perf_counter()
        while not self._stop.is_set():
            neo4j = _neo4j_pid()
            tree = 0
            try:
                root = psutil.Process(self.root)
                for proc in [root, *root.children(recursive=True)]:
                    # A server started by the stage (bulk import restarts it) is Neo4j, not the stage.
                    if proc.pid != neo4j:
                        tree += proc.memory_info().rss
            except psutil.Error:
                pass
            server = 0
            if neo4j:
                try:
                    server = psutil.Process(neo4j).memory_info().rss
                except psutil.Error:
                    server = 0
            self.peak_tree = max(self.peak_tree, tree)
            self.peak_neo4j = max(self.peak_neo4j, server)
            self.peak_total = max(self.peak_total, tree + server)
            elapsed = time.perf_counter() - began
            if not self.timeline or elapsed - self.timeline[-1][0] >= 5.0:
                self.timeline.append((round(elapsed, 1), tree >> 20, server >> 20))
            self._stop.wait(0.5)


def _neo4j_cpu() -> float:
    pid = _neo4j_pid()
    if not pid:
        return 0.0
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


_REPORT_CPU = (
    "\nimport json as _json, resource as _res\n"
    "_own, _reaped = _res.getrusage(_res.RUSAGE_SELF), _res.getrusage(_res.RUSAGE_CHILDREN)\n"
    "print(_json.dumps({'_stage_cpu': _own.ru_utime + _own.ru_stime"
    " + _reaped.ru_utime + _reaped.ru_stime}))\n"
)


def run_stage(name: str, code: str, timeout: float | None = None) -> dict[str, Any]:
    """Run Python code in a child; its last JSON line on stdout is the stage's figures (a line with
    its CPU time is appended to the code here)."""
    load_before = os.getloadavg()[0]
    # CPU seconds of the stage's process tree and of the Neo4j server: on 2 cores, 600 s of
    # wall time is at most 1,200 CPU-s for everything. The stage reports its own (itself and
    # the workers it reaped) on its last line. This process's RUSAGE_CHILDREN would also take
    # in whatever child it happens to reap meanwhile, e.g. a Neo4j server it started and a
    # bulk load stopped: that once made an 11 s detect stage at 0.05 report 341 CPU-s.
    neo4j_before = _neo4j_cpu()
    began = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, "-c", code + _REPORT_CPU],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with Sampler(proc.pid) as sampler:
        out, err = proc.communicate(timeout=timeout)
    seconds = time.perf_counter() - began
    neo4j_after = _neo4j_cpu()
    # A server restarted by the stage (bulk import) has a new pid: count its CPU from zero.
    neo4j_cpu = neo4j_after - neo4j_before if neo4j_after >= neo4j_before else neo4j_after
    if proc.returncode != 0:
        raise SystemExit(f"stage {name} failed (exit {proc.returncode}):\n{err[-3000:]}")
    lines = [line for line in out.strip().splitlines() if line.startswith("{")]
    figures: dict[str, Any] = json.loads(lines[-2]) if len(lines) > 1 else {}
    cpu = float(json.loads(lines[-1])["_stage_cpu"])
    figures.update(
        seconds=round(seconds, 1),
        peak_rss_mb=round(sampler.peak_tree / 2**20),
        neo4j_peak_rss_mb=round(sampler.peak_neo4j / 2**20),
        total_peak_rss_mb=round(sampler.peak_total / 2**20),
        load_avg=(round(load_before, 1), round(os.getloadavg()[0], 1)),
        rss_timeline_mb=sampler.timeline,
        cpu_seconds=round(cpu, 1),
        neo4j_cpu_seconds=round(neo4j_cpu, 1),
    )
    print(
        f"  {name:<10} {seconds:8.1f} s   stage RSS {figures['peak_rss_mb']:>6,} MB   "
        f"Neo4j RSS {figures['neo4j_peak_rss_mb']:>6,} MB   CPU {cpu:,.0f} s + Neo4j "
        f"{neo4j_cpu:,.0f} s   load {figures['load_avg']}",
        flush=True,
    )
    return figures


def phase_peaks(
    timeline: list[tuple[float, int, int]], seconds: dict[str, float]
) -> dict[str, int]:
    """Peak stage RSS per engine phase, the phases laid end to end from the stage's start (the
    engine runs them in this order; interpreter start-up shifts them by about a second)."""
    peaks: dict[str, int] = {}
    start = 0.0
    for name in ("read_parse", "clusters", "clusters_write", "aggregate_write"):
        end = start + float(seconds.get(name, 0.0))
        inside = [tree for t, tree, _ in timeline if start <= t <= end]
        # A phase shorter than the 5 s sampling step: the next sample after it starts.
        inside = inside or [tree for t, tree, _ in timeline if t >= start][:1]
        if inside:
            peaks[name] = max(inside)
        start = end
    return peaks


def speed_probe() -> dict[str, float]:
    """Seconds of two fixed single-core workloads (a pure-Python loop; SHA-256 of 256 MB).

    The machine's speed drifts by tens of percent over minutes (other tenants share its cores),
    and CPU-seconds inflate with it; the probe before and after a run says how fast it was."""
    code = (
        "import hashlib, time; t = time.perf_counter(); sum(i * i for i in range(10_000_000)); "
        "a = time.perf_counter() - t; data = bytes(256 << 20); t = time.perf_counter(); "
        "hashlib.sha256(data).digest(); print(a, time.perf_counter() - t)"
    )
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True)
    python_s, sha_s = (float(x) for x in out.stdout.split())
    return {"python_loop_s": round(python_s, 3), "sha256_s": round(sha_s, 3)}


def _dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--scenario", type=Path, help="scenario folder (events.jsonl.gz, truth.json)"
    )
    parser.add_argument("--scale", type=float, default=0.05, help="generate this scale if needed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--aggregate-dir", type=Path, help="default: <scenario>/aggregate")
    parser.add_argument(
        "--reuse-aggregate", action="store_true", help="skip aggregation if the folder exists"
    )
    parser.add_argument("--loader", choices=["bulk", "transactional"], default="bulk")
    parser.add_argument("--chunk-rows", type=int, default=10_000)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--aggregate-memory", default="4GB", help="DuckDB memory limit")
    parser.add_argument(
        "--algorithm",
        default=DetectionParams().algorithm,
        help="community algorithm (default: the detection default)",
    )
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()

    settings = get_settings()
    scenario = args.scenario or (
        Path(settings.var_dir) / "scenarios" / f"s{args.scale}-seed{args.seed}"
    )
    figures: dict[str, Any] = {"scenario": str(scenario), "loader": args.loader, "stages": {}}
    stages: dict[str, Any] = figures["stages"]
    print(f"full-scale bench: {scenario}, loader {args.loader}, cores {os.cpu_count()}", flush=True)
    figures["speed_probe_before"] = speed_probe()
    print(f"speed probe: {figures['speed_probe_before']}", flush=True)

    if not (scenario / "events.jsonl.gz").exists():
        stages["generate"] = run_stage(
            "generate",
            "import json,sys; sys.path.insert(0,'.');"
            "from pathlib import Path; from seed.generator import generate;"
            f"s=generate(Path({str(scenario)!r}), scale={args.scale}, seed={args.seed});"
            "print(json.dumps({'events': s.events, 'accounts': s.accounts}))",
        )
    truth = json.loads((scenario / "truth.json").read_text())
    folder = args.aggregate_dir or scenario / "aggregate"

    if not (args.reuse_aggregate and (folder / "manifest.json").exists()):
        # A server left running by an earlier run would idle through the aggregate holding that
        # run's graph, and its RSS would count against this stage (the load wipes it anyway).
        if settings.managed_neo4j and _neo4j_pid() is not None:
            local_server.stop(settings)
        stages["aggregate"] = run_stage(
            "aggregate",
            "import json,sys; sys.path.insert(0,'.');"
            "from pathlib import Path; from app.config import get_settings;"
            "from app.ingest.columnar import duckdb_engine;"
            f"r=duckdb_engine.run([Path({str(scenario)!r})], Path({str(folder)!r}),"
            f" get_settings().salt(), threads=2, memory_limit={args.aggregate_memory!r});"
            "print(json.dumps({'read': r.read if hasattr(r,'read') else None}))",
        )
    manifest = json.loads((folder / "manifest.json").read_text())
    events = int(manifest["counts"]["read"])
    rows = sum(int(n) for n in manifest["rows"].values())
    figures.update(events=events, aggregate_rows=rows, manifest_rows=manifest["rows"])
    if "aggregate" not in stages:
        # Aggregated earlier (--reuse-aggregate): the engine's own figures from its manifest.
        stages["aggregate"] = {
            "reused": True,
            "seconds": float(manifest["seconds"]["total"]),
            "peak_rss_mb": round(int(manifest.get("peak_rss_bytes", 0)) / 2**20),
            "neo4j_peak_rss_mb": 0,
            "total_peak_rss_mb": round(int(manifest.get("peak_rss_bytes", 0)) / 2**20),
        }
    stages["aggregate"]["events_per_s"] = round(events / stages["aggregate"]["seconds"])
    stages["aggregate"]["engine_seconds"] = manifest.get("seconds")
    if "rss_timeline_mb" in stages["aggregate"]:
        stages["aggregate"]["phase_peak_rss_mb"] = phase_peaks(
            stages["aggregate"]["rss_timeline_mb"], manifest.get("seconds", {})
        )

    bench_runner(wipe=True).close()
    if args.loader == "bulk":
        load_code = (
            "import json,sys; sys.path.insert(0,'.');"
            "from pathlib import Path; from app.config import get_settings;"
            "from app.ingest.bulk_import import bulk_load;"
            f"r=bulk_load(get_settings(), Path({str(folder)!r}));"
            "print(json.dumps({'rows': r.rows, 'stage_seconds': round(r.stage_seconds,1),"
            "'import_seconds': round(r.import_seconds,1), 'restart_seconds': round(r.restart_seconds,1),"
            "'schema_seconds': round(r.schema_seconds,1), 'nodes': r.nodes, 'relationships': r.relationships}))"
        )
    else:
        load_code = (
            "import json,sys; sys.path.insert(0,'.');"
            "from pathlib import Path; from app.config import get_settings;"
            "from app.graph.runner import GraphRunner; from app.ingest.load import load_folder;"
            "s=get_settings(); g=GraphRunner.from_settings(s);"
            f"r=load_folder(g, Path({str(folder)!r}), chunk_rows={args.chunk_rows},"
            f" writers={args.writers}, salt=s.salt());"
            "print(json.dumps({'rows': r.rows_written, 'kinds': r.as_json()['kinds']}))"
        )
    stages["load"] = run_stage("load", load_code)
    stages["load"]["rows_per_s"] = round(stages["load"]["rows"] / stages["load"]["seconds"])
    stages["load"]["events_per_s"] = round(events / stages["load"]["seconds"])

    stages["detect"] = run_stage(
        "detect",
        "import json,sys; sys.path.insert(0,'.');"
        "from app.config import get_settings; from app.graph.runner import GraphRunner;"
        "from app.detection.model import DetectionParams;"
        "from app.jobs.detection_run import run_detection;"
        "g=GraphRunner.from_settings(get_settings());"
        f"o=run_detection(g, DetectionParams(algorithm={args.algorithm!r}));"
        "print(json.dumps({'run_id': o.run_id, 'counts': o.counts, 'stages': o.stages}, default=str))",
    )
    evaluation = subprocess.run(
        [PYTHON, "-m", "app.cli", "evaluate", "--truth", str(scenario / "truth.json"), "--json"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    quality = json.loads(evaluation.stdout)
    figures["quality"] = {
        k: quality.get(k)
        for k in ("precision", "recall", "f1", "attribution_accuracy", "benign_flagged_fraction")
    }
    figures["store_mb"] = round(_dir_mb(settings.neo4j_home / "dbms" / "data"))
    figures["truth_accounts"] = len(truth.get("accounts", {})) if isinstance(truth, dict) else None
    figures["speed_probe_after"] = speed_probe()
    end_to_end = sum(s["seconds"] for name, s in stages.items() if name != "generate")
    figures["end_to_end_seconds"] = round(end_to_end, 1)
    figures["peak_total_rss_mb"] = max(s["total_peak_rss_mb"] for s in stages.values())

    print(f"\nevents {events:,}, aggregate rows {rows:,}, Neo4j store {figures['store_mb']:,} MB")
    print(
        f"{'stage':<10} {'seconds':>8} {'events/s':>9} {'rows/s':>8} {'RSS MB':>7} {'Neo4j MB':>8}"
        f" {'CPU s':>7} {'Neo4j CPU s':>11}"
    )
    for name, s in stages.items():
        print(
            f"{name:<10} {s['seconds']:>8.1f} {s.get('events_per_s', ''):>9} "
            f"{s.get('rows_per_s', ''):>8} {s['peak_rss_mb']:>7,} {s['neo4j_peak_rss_mb']:>8,}"
            f" {s.get('cpu_seconds', ''):>7} {s.get('neo4j_cpu_seconds', ''):>11}"
        )
    agg = stages["aggregate"]
    print(
        f"aggregate phases (s): {agg.get('engine_seconds')}; "
        f"peak RSS by phase (MB): {agg.get('phase_peak_rss_mb', 'not sampled (reused)')}"
    )
    q = figures["quality"]
    print(
        f"end to end (aggregate+load+detect) {end_to_end:.1f} s; peak RSS stage+Neo4j "
        f"{figures['peak_total_rss_mb']:,} MB; precision {q['precision']}, recall {q['recall']}, "
        f"F1 {q['f1']}, attribution {q['attribution_accuracy']}"
    )
    print(
        f"speed probe before / after (s, lower is faster): {figures['speed_probe_before']} / "
        f"{figures['speed_probe_after']}"
    )
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
