"""Latency of the ring page's data API for a synthetic 2,000-member ring (target p95 <= 300 ms).

Uses the configured Neo4j (RINGSCOPE_* settings; e.g. RINGSCOPE_VAR_DIR=var/web
RINGSCOPE_NEO4J_PORT=7690). It adds a synthetic ring under ids starting with "BENCHW-" (ingested
once through the real pipeline; re-runs reuse it) and never deletes other data.

    python bench/web.py [--members 2000] [--repeat 40] [--auth-only]

Every request authenticates like a script does (a "bench-web" analyst with an API token, sent as
`Authorization: Bearer`). It also prints what access control costs: an argon2id password hash
(each login), and the per-request session and token look-ups in Neo4j.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.auth import create_api_token, create_user
from app.auth.passwords import hash_password, verify_password
from app.auth.service import (
    AuthError,
    create_session,
    remove_user,
    session_principal,
    token_principal,
)
from app.config import get_settings
from app.detection.model import Attribution, DetectionParams, DetectionResult, Ring, Signal
from app.graph import detection_repo, web_repo
from app.graph.runner import GraphRunner
from app.graph.schema import apply_schema
from app.ingest.pipeline import Ingestor
from app.web.main import create_app

RUN_ID = "run-bench-web"
MANY_RUN_ID = "run-bench-web-10k"
RING_ID = "BENCHW-ring"
OPERATOR = "BENCHW Operator"
TEMPLATES = (
    "Grade this answer on a 1-10 rubric, think step by step: {q}",
    "Explain your chain of thought in detail before answering: {q}",
    "Rewrite the following solution as a worked example with reasoning: {q}",
    "Score the response for correctness and justify each point: {q}",
    "List every intermediate step needed to solve: {q}",
)


def account_id(i: int) -> str:
    return f"BENCHW-a{i:05d}"


def events(members: int) -> list[dict[str, Any]]:
    """A farm: 20 cards, 40 devices, 100 proxy IPs, 5 prompt templates, 2 rotating IPs each."""
    out: list[dict[str, Any]] = []
    for n in range(100):
        out.append(
            {
                "type": "ip_info",
                "ip": f"10.77.{n // 250}.{n % 250 + 1}",
                "asn": 64600,
                "as_org": "Bench Proxy",
                "kind": "proxy",
            }
        )
    for i in range(members):
        aid = account_id(i)
        out.append(
            {
                "type": "account",
                "account_id": aid,
                "created_at": f"2026-04-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
                "email": f"u{i}@bench-farm.example",
                "country": "SG",
            }
        )
        out.append(
            {
                "type": "payment",
                "account_id": aid,
                "ts": "2026-04-02T00:00:00Z",
                "payment_id": f"BENCHW-card-{i % 20}",
                "method": "card",
                "bin": "537410",
            }
        )
        for r, ip in enumerate(
            (
                f"10.77.{(i % 100) // 250}.{(i % 100) % 250 + 1}",
                f"10.78.{i // 250}.{i % 250}",
                f"10.79.{i // 250}.{i % 250}",
            )
        ):
            out.append(
                {
                    "type": "request",
                    "account_id": aid,
                    "ts": f"2026-04-{1 + (i + r) % 28:02d}T{(i + r) % 24:02d}:15:00Z",
                    "ip": ip,
                    "device_id": f"BENCHW-dev-{i % 40}",
                    "prompt": TEMPLATES[i % 5].format(q=f"problem {i}-{r}"),
                    "input_tokens": 50,
                    "output_tokens": 800,
                }
            )
        if i % 100 == 0:
            out.append(
                {
                    "type": "label",
                    "account_id": aid,
                    "operator": OPERATOR,
                    "source": "bench",
                    "confidence": 0.9,
                }
            )
    for k in range(10):
        out.append(
            {
                "type": "request",
                "account_id": f"BENCHW-known-{k}",
                "ts": "2026-03-01T00:00:00Z",
                "ip": f"10.77.0.{k * 10 + 1}",
                "prompt": "hello",
            }
        )
        out.append(
            {
                "type": "label",
                "account_id": f"BENCHW-known-{k}",
                "operator": OPERATOR,
                "source": "bench",
                "confidence": 0.95,
            }
        )
    return out


def ensure_ring(runner: GraphRunner, members: int) -> None:
    existing = web_repo.get_ring(runner, RING_ID, RUN_ID)
    if existing is not None and existing.size == members:
        return
    began = time.perf_counter()
    apply_schema(runner)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"bench-web-{members}.jsonl"
        path.write_text("".join(json.dumps(e) + "\n" for e in events(members)))
        Ingestor(runner, "bench-salt", 20_000, Path(tmp) / "quarantine.jsonl").run([path])
    ring = Ring(
        RING_ID,
        tuple(account_id(i) for i in range(members)),
        0.93,
        True,
        (
            Signal("shared_payment", 0.8, "20 cards shared by 100 accounts each"),
            Signal("shared_device", 0.6, "40 devices"),
            Signal("extraction_templates", 0.7, "5 templates"),
        ),
        Attribution(OPERATOR, 0.9, ("20 members labeled", "10 labeled outsiders share proxy IPs")),
    )
    detection_repo.start_run(runner, RUN_ID, {"bench": True})
    detection_repo.save_result(runner, RUN_ID, DetectionResult((ring,), DetectionParams()))
    detection_repo.finish_run(runner, RUN_ID, "succeeded", {"rings": 1, "accounts": members}, {})
    print(f"seeded {members} members in {time.perf_counter() - began:.1f}s")


def ensure_many_rings(runner: GraphRunner, count: int) -> None:
    """A run with `count` small rings (no members needed) for the rings table's paging."""
    run = web_repo.get_run(runner, MANY_RUN_ID)
    if run is not None and run.ring_count == count:
        return
    names = ("shared_payment", "shared_ip", "lockstep", "creation_burst", "shared_device")
    rings = tuple(
        Ring(
            f"BENCHW-many-{i:05d}",
            (),
            round((i * 7919 % 1000) / 1000, 3),
            i % 4 == 0,
            (Signal(names[i % 5], 0.5, "bench"), Signal(names[(i + 2) % 5], 0.3, "bench")),
            Attribution(f"BENCHW op {i % 30}", 0.6, ("bench",)) if i % 3 == 0 else None,
        )
        for i in range(count)
    )
    detection_repo.start_run(runner, MANY_RUN_ID, {"bench": True})
    detection_repo.save_result(runner, MANY_RUN_ID, DetectionResult(rings, DetectionParams()))
    detection_repo.finish_run(runner, MANY_RUN_ID, "succeeded", {"rings": count}, {})


def measure(client: TestClient, url: str, repeat: int) -> tuple[float, float, int]:
    for _ in range(3):  # warm-up: plan caches, connection pool
        client.get(url)
    times = []
    size = 0
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.text[:300]
        size = len(response.content)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, size


BENCH_USER = "bench-web"


def bench_token(runner: GraphRunner) -> str:
    """A fresh analyst and API token for the benchmark's requests."""
    with contextlib.suppress(AuthError):
        remove_user(runner, BENCH_USER)
    create_user(runner, BENCH_USER, "bench-web-password", "analyst")
    return create_api_token(runner, BENCH_USER, "bench")


def timed(fn: Any, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def auth_figures(runner: GraphRunner, token: str, repeat: int) -> None:
    """What access control adds: argon2id per login, one indexed read per request."""
    stored = hash_password("bench-web-password")
    rows = [
        ("argon2id hash (new password)", lambda: hash_password("bench-web-password")),
        ("argon2id verify (each login)", lambda: verify_password(stored, "bench-web-password")),
    ]
    cookie, _ = create_session(runner, BENCH_USER, 600)
    for _ in range(3):
        session_principal(runner, cookie)
        token_principal(runner, token)
    rows += [
        ("session look-up (per cookie request)", lambda: session_principal(runner, cookie)),
        ("API token look-up (per bearer request)", lambda: token_principal(runner, token)),
    ]
    print(f"{'access control':52} {'p50 ms':>8} {'p95 ms':>8}")
    for label, fn in rows:
        p50, p95 = timed(fn, max(10, repeat // 2) if "argon2" in label else repeat * 5)
        print(f"{label:52} {p50:8.1f} {p95:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--rings", type=int, default=10_000, help="rings in the paging run")
    parser.add_argument(
        "--auth-only", action="store_true", help="only the access-control figures (no data)"
    )
    args = parser.parse_args()
    runner = GraphRunner.from_settings(get_settings())
    try:
        apply_schema(runner)
        token = bench_token(runner)
        with open("/proc/loadavg") as handle:
            print(f"load average: {handle.read().split()[0]}")
        auth_figures(runner, token, args.repeat)
        if args.auth_only:
            return
        ensure_ring(runner, args.members)
        ensure_many_rings(runner, args.rings)
        headers = {"Authorization": f"Bearer {token}"}
        web_app = create_app(runner=runner)
        gc.collect()
        gc.freeze()  # as `ringscope serve` does (app/web/main.py)
        with TestClient(web_app, headers=headers) as client:
            graph = client.get(f"/api/rings/{RING_ID}/graph?run={RUN_ID}").json()
            nodes = sum(1 for e in graph["elements"] if e["group"] == "nodes")
            edges = len(graph["elements"]) - nodes
            print(
                f"ring {RING_ID}: {args.members} members → drawn as {nodes} nodes, {edges} edges "
                f"(collapsed={graph['collapsed']})"
            )
            q = f"run={RUN_ID}"
            rows = [
                (
                    "GET /api/rings/{id}/graph (what the page draws)",
                    f"/api/rings/{RING_ID}/graph?{q}",
                ),
                ("GET /api/rings/{id}/members", f"/api/rings/{RING_ID}/members?{q}"),
                ("GET /api/rings/{id} (summary)", f"/api/rings/{RING_ID}?{q}"),
                ("GET /rings/{id} (HTML page)", f"/rings/{RING_ID}?{q}"),
                (
                    "GET /api/rings/{id}/graph?collapse=never",
                    f"/api/rings/{RING_ID}/graph?{q}&collapse=never",
                ),
                (f"GET /api/rings ({args.rings:,} rings, page 1)", f"/api/rings?run={MANY_RUN_ID}"),
                (
                    "GET /api/rings (sort operator asc, page 100)",
                    f"/api/rings?run={MANY_RUN_ID}&sort=operator&order=asc&page=100",
                ),
                (
                    "GET /api/rings (flagged + signal + min_score)",
                    f"/api/rings?run={MANY_RUN_ID}&flagged=true&signal=lockstep&min_score=0.5",
                ),
                (
                    "GET /rings (HTML table, page 50 by size)",
                    f"/rings?run={MANY_RUN_ID}&page=50&sort=size",
                ),
            ]
            print(f"{'request':52} {'p50 ms':>8} {'p95 ms':>8} {'bytes':>10}")
            for label, url in rows:
                p50, p95, size = measure(client, url, args.repeat)
                print(f"{label:52} {p50:8.1f} {p95:8.1f} {size:10,}")
    finally:
        runner.close()


if __name__ == "__main__":
    main()
