"""Load: N concurrent clients on the ring and search APIs of a real `ringscope serve` (uvicorn,
loopback) for a fixed time; prints requests/s, p50/p95/p99 per endpoint and the error count.

Uses the configured Neo4j (RINGSCOPE_* settings; bench default var/bench on port 7689, started
if needed). If it holds no detection run yet, a small scenario is generated, ingested and
detected first (--seed-scale). Each client loops: a page of /api/rings, one ring's summary, its
graph, a search; ring ids and search terms come from the data.

    python bench/load.py [--clients 100] [--duration 60] [--token TOKEN | creates an admin token]
    python bench/load.py --base-url http://127.0.0.1:8000 --token TOKEN   # an already running app

Any non-2xx answer or transport error counts as an error; the exit code is 1 if there was one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import httpx
from _common import bench_runner  # also sets the bench's RINGSCOPE_VAR_DIR / _NEO4J_PORT

from app.config import PROJECT_ROOT, get_settings
from app.graph import web_repo
from app.graph.runner import GraphRunner

ENDPOINTS = ("rings", "ring", "ring_graph", "search")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=PROJECT_ROOT, check=True)


def ensure_data(runner: GraphRunner, scale: float) -> None:
    """A detection run to serve; generated, ingested and detected once if there is none."""
    if web_repo.default_run_id(runner) is not None:
        return
    print(f"no detection run yet: seeding a scale-{scale} scenario (generate, ingest, detect)")
    with tempfile.TemporaryDirectory(prefix="ringscope-load-") as tmp:
        _cli("seed", "generate", tmp, "--scale", str(scale), "--seed", "7")
        _cli("ingest", tmp)
    _cli("detect")


def admin_token(runner: GraphRunner) -> str | None:
    """A fresh admin API token (access control), or None on a build without it."""
    try:
        from app.auth.service import create_api_token, create_user
    except ImportError:
        return None
    username = f"load-bench-{uuid.uuid4().hex[:8]}"
    create_user(runner, username, f"Load-{uuid.uuid4().hex}", "admin")
    return create_api_token(runner, username, "load-bench")


def start_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    """`ringscope serve` with its output in `log` (uvicorn says why it dropped a connection)."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"`ringscope serve` exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code < 500:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit("`ringscope serve` did not answer within 120 s")


async def discover(client: httpx.AsyncClient) -> tuple[list[str], list[str], int]:
    """Ring ids, search terms (member accounts, operators) and the number of ring pages."""
    first = (await client.get("/api/rings", params={"per_page": 50})).raise_for_status().json()
    rings = [r["ring_id"] for r in first["rings"]]
    pages = max(1, -(-int(first.get("total", len(rings))) // 50))
    terms: list[str] = []
    for ring_id in rings[:20]:
        members = (await client.get(f"/api/rings/{ring_id}/members")).raise_for_status().json()
        for member in members.get("members", [])[:3]:
            account = member.get("account_id") or member.get("id")
            if account:
                terms += [account, account[:6]]
        detail = (await client.get(f"/api/rings/{ring_id}")).raise_for_status().json()
        operator = detail.get("operator")
        if operator:
            terms.append(operator)
    return rings, terms or ["acct", "203.0"], pages


async def run_load(
    base_url: str, headers: dict[str, str], clients: int, duration: float
) -> tuple[dict[str, list[float]], dict[str, int], dict[str, int], float]:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    error_kinds: dict[str, int] = defaultdict(int)
    samples: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    timeout = httpx.Timeout(120.0)
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=timeout
    ) as client:
        rings, terms, pages = await discover(client)
        if not rings:
            raise SystemExit("the latest run has no rings to load")
        print(f"{len(rings)} ring ids, {len(terms)} search terms, {pages} ring pages")

        def request(kind: str, rng: random.Random) -> tuple[str, dict[str, Any]]:
            ring = rng.choice(rings)
            if kind == "rings":
                return "/api/rings", {"page": rng.randint(1, pages), "per_page": 50}
            if kind == "ring":
                return f"/api/rings/{ring}", {}
            if kind == "ring_graph":
                return f"/api/rings/{ring}/graph", {}
            return "/api/search", {"q": rng.choice(terms)}

        stop_at = time.monotonic() + duration

        async def worker(number: int) -> None:
            rng = random.Random(number)
            step = number  # clients start at different endpoints
            while time.monotonic() < stop_at:
                kind = ENDPOINTS[step % len(ENDPOINTS)]
                step += 1
                path, params = request(kind, rng)
                began = time.perf_counter()
                try:
                    response = await client.get(path, params=params)
                    ok = response.is_success
                    if not ok:
                        error_kinds[f"HTTP {response.status_code}"] += 1
                        if len(samples) < 5:
                            samples.append(f"{path}: {response.status_code} {response.text[:200]}")
                except httpx.HTTPError as exc:
                    ok = False
                    error_kinds[type(exc).__name__] += 1
                    if len(samples) < 5:
                        samples.append(f"{path} after {time.perf_counter() - began:.1f}s: {exc!r}")
                latencies[kind].append(time.perf_counter() - began)
                if not ok:
                    errors[kind] += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(clients)))
        elapsed = time.perf_counter() - began
    for sample in samples:
        print(f"error: {sample}")
    return latencies, errors, error_kinds, elapsed


def _pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--base-url", help="an app that is already running (else one is started)")
    parser.add_argument("--token", help="API token (Authorization: Bearer); default: create one")
    parser.add_argument("--seed-scale", type=float, default=0.002, help="scenario if DB is empty")
    args = parser.parse_args()

    settings = get_settings()
    runner = bench_runner(wipe=False)
    try:
        ensure_data(runner, args.seed_scale)
        token = args.token or admin_token(runner)
    finally:
        runner.close()
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    server = None
    base_url = args.base_url
    if base_url is None:
        port = _free_port()
        server_log = settings.var_dir / "load-bench-server.log"
        server = start_server(port, server_log)
        print(f"server log: {server_log}")
        base_url = f"http://127.0.0.1:{port}"
    load_before = os.getloadavg()
    try:
        latencies, errors, kinds, elapsed = asyncio.run(
            run_load(base_url, headers, args.clients, args.duration)
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    load_after = os.getloadavg()

    total = sum(len(v) for v in latencies.values())
    print(
        f"\n{args.clients} clients, {elapsed:.1f} s against {base_url} "
        f"(Neo4j {settings.bolt_uri()}); load average before {load_before[0]:.1f} / "
        f"after {load_after[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"{'endpoint':<12} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>7}"
    )
    for kind in ENDPOINTS:
        values = latencies.get(kind, [])
        print(
            f"{kind:<12} {len(values):>9,} {len(values) / elapsed:>8.1f} {_pct(values, 50):>8.0f} "
            f"{_pct(values, 95):>8.0f} {_pct(values, 99):>8.0f} {errors.get(kind, 0):>7}"
        )
    every = [v for values in latencies.values() for v in values]
    print(
        f"{'all':<12} {total:>9,} {total / elapsed:>8.1f} {_pct(every, 50):>8.0f} "
        f"{_pct(every, 95):>8.0f} {_pct(every, 99):>8.0f} {sum(errors.values()):>7}"
    )
    if kinds:
        print("errors by kind: " + ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items())))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
