"""Shared set-up for bench scripts: a Neo4j of their own (var/bench, port 7689) unless configured."""

from __future__ import annotations

import os
import resource
from pathlib import Path

from app.config import PROJECT_ROOT

os.environ.setdefault("RINGSCOPE_VAR_DIR", str(PROJECT_ROOT / "var" / "bench"))
os.environ.setdefault("RINGSCOPE_NEO4J_PORT", "7689")
os.environ.setdefault("RINGSCOPE_NEO4J_HEAP", "4g")
os.environ.setdefault("RINGSCOPE_NEO4J_PAGECACHE", "2g")

from app.config import get_settings
from app.graph import local_server
from app.graph.queries import queries
from app.graph.runner import GraphRunner
from app.graph.schema import apply_schema


def bench_runner(wipe: bool = True) -> GraphRunner:
    """A runner on the bench Neo4j (started if needed), wiped unless told not to."""
    settings = get_settings()
    if settings.managed_neo4j and not local_server.status(settings).answering:
        local_server.start(settings)
    runner = GraphRunner.from_settings(settings)
    apply_schema(runner)
    if wipe:
        runner.run_autocommit(queries.stats.wipe_graph)
    return runner


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scenario(scale: float, seed: int) -> Path:
    """Generate (once) a scenario under var/bench/scenarios."""
    from seed.generator import generate

    out = Path(os.environ["RINGSCOPE_VAR_DIR"]) / "scenarios" / f"s{scale}-seed{seed}"
    if not (out / "truth.json").exists():
        stats = generate(out, scale=scale, seed=seed)
        print(
            f"generated scale {scale} seed {seed}: {stats.events:,} events in {stats.seconds:.1f}s"
        )
    return out
