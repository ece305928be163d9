"""Benchmark of the aggregate's "clusters" phase on real first prompts, without the DuckDB parse.

`extract` streams an events JSONL.gz once and keeps each distinct prompt key's first prompt in
file order, as the aggregate's prompt_first query and `_cluster` (duckdb_engine.py) feed them
to `cluster_prompts`: key = md5 of the prompt with the digits 1-9 replaced by 0, for request
lines with a non-empty string prompt of at most 200,000 UTF-8 bytes, ordered by first
occurrence. (Lines the aggregate sends to its slow path are treated like the others here; the
generator writes none that matter for prompts.) The result is one orjson array
[key, prompt] per line, in order.

`run` times `cluster_prompts` (one process, as the aggregate runs it, workers doing nothing
but normalising in the pool) or the clusterer alone (`--prenormalised`: skeletons, hashes and
flags computed up front and cached next to the firsts file, so only the sequential
assignment is timed) on the first N keys, and prints keys/s, µs per new skeleton, clusters,
peak RSS and the clusterer's memory. `--dump` writes the key -> cluster id map for an
identity check between two versions of the code (compare with cmp).

Usage:
    .venv/bin/python bench/cluster_prompts.py extract var/data/s100-seed7/events.jsonl.gz \\
        var/h-clu/firsts-s100.jsonl
    nice -n 5 .venv/bin/python bench/cluster_prompts.py run var/h-clu/firsts-s100.jsonl \\
        -n 1000000 2000000 --prenormalised
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import pickle
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.ingest.clustering import SAMPLE_CHARS, PromptClusterer
from app.ingest.columnar.common import _normalise_batch, cluster_prompts, worker_pool

_DIGITS = str.maketrans("123456789", "000000000")
_MAX_PROMPT_BYTES = 200_000


def extract(source: Path, target: Path) -> None:
    """Write the first prompt of each prompt key of `source`, in first-occurrence order."""
    seen: set[bytes] = set()
    started = time.perf_counter()
    lines = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".partial")
    # zcat decompresses on the other core.
    with (
        subprocess.Popen(["zcat", str(source)], stdout=subprocess.PIPE, bufsize=1 << 20) as zc,
        tmp.open("wb") as out,
    ):
        assert zc.stdout is not None
        for line in zc.stdout:
            lines += 1
            if b'"request"' not in line:
                continue
            try:
                event = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(event, dict) or event.get("type") != "request":
                continue
            prompt = event.get("prompt")
            if not isinstance(prompt, str) or not prompt:
                continue
            raw = prompt.encode("utf-8", "surrogatepass")
            if len(raw) > _MAX_PROMPT_BYTES:
                continue
            digest = hashlib.md5(prompt.translate(_DIGITS).encode("utf-8", "surrogatepass"))
            if digest.digest() in seen:
                continue
            seen.add(digest.digest())
            out.write(orjson.dumps([digest.hexdigest(), prompt]))
            out.write(b"\n")
            if len(seen) % 1_000_000 == 0:
                print(
                    f"{lines:,} lines, {len(seen):,} keys, {time.perf_counter() - started:.0f}s",
                    flush=True,
                )
    tmp.rename(target)
    print(f"{lines:,} lines, {len(seen):,} keys in {time.perf_counter() - started:.0f}s")


def read_firsts(path: Path, n: int | None, cut: int | None = None) -> list[tuple[str, str]]:
    """The first n (key, prompt) pairs; prompts cut to `cut` characters if given."""
    with path.open("rb") as handle:
        rows = (orjson.loads(line) for line in islice(handle, n))
        return [(key, prompt[:cut]) for key, prompt in rows]


_Batch = tuple[str, bytes, bytes]  # skeletons joined by newlines, hashes (uint64), flags


def _pack(batch: tuple[list[str], list[int], list[bool]]) -> _Batch:
    # Skeletons never contain a newline (normalise collapses whitespace); one string, one
    # bytes object per batch instead of 4000 of each keeps the cache of 8M keys in ~2 GB.
    skeletons, hashes, flags = batch
    return "\n".join(skeletons), np.array(hashes, dtype=np.uint64).tobytes(), bytes(flags)


def _prenormalised(path: Path, firsts: list[tuple[str, str]]) -> list[_Batch]:
    """Packed (skeletons, hashes, flags) per 4000-key batch, cached in `path` (pickle)."""
    batches: list[_Batch] = []
    if path.exists():
        with path.open("rb") as handle:
            batches = pickle.load(handle)
    needed = -(-len(firsts) // 4000)
    if len(batches) >= needed:
        return batches[:needed]
    started = time.perf_counter()
    with worker_pool(2) as pool:
        prompts = (
            [p for _, p in firsts[i : i + 4000]]
            for i in range(len(batches) * 4000, len(firsts), 4000)
        )
        batches.extend(map(_pack, pool.imap(_normalise_batch, prompts, chunksize=4)))
    with path.open("wb") as handle:
        pickle.dump(batches, handle, protocol=pickle.HIGHEST_PROTOCOL)
    print(f"normalised {len(firsts):,} prompts in {time.perf_counter() - started:.0f}s", flush=True)
    return batches


def _assign_prenormalised(
    clusterer: PromptClusterer, firsts: list[tuple[str, str]], batches: list[_Batch]
) -> Iterator[tuple[str, str]]:
    for b, (joined, hashes, flags) in enumerate(batches):
        part = firsts[b * 4000 : (b + 1) * 4000]
        prompts = [p for _, p in part]
        ids = clusterer.assign_batch(
            prompts,
            joined.split("\n"),
            np.frombuffer(hashes, dtype=np.uint64).tolist(),
            [bool(f) for f in flags],
        )
        yield from zip((k for k, _ in part), ids, strict=True)


def _python_bytes(clusterer: PromptClusterer) -> dict[str, int]:
    """Bytes of the clusterer's Python containers (sys.getsizeof of the dicts, their keys and
    values; numbers shared with other containers are counted in each)."""
    size = sys.getsizeof
    samples: Any = clusterer._samples  # a dict before the compact store
    extra = clusterer._extra
    return {
        "samples": samples.nbytes
        if hasattr(samples, "nbytes")  # the compact store (counted in memory_bytes too)
        else size(samples) + sum(size(k) + size(v) for k, v in samples.items()),
        "pending": size(clusterer._pending)
        + (0 if isinstance(clusterer._pending, bytearray) else sum(map(size, clusterer._pending))),
        "extra": size(extra) + sum(size(k) + size(v) + sum(map(size, v)) for k, v in extra.items()),
        "hot": size(clusterer._hot) + sum(size(k) + size(v) for k, v in clusterer._hot.items()),
        "ids+flags": size(clusterer._ids) + size(clusterer._flags),
    }


def _report(n: int, clusterer: PromptClusterer, wall: float, cpu: float) -> None:
    new = len(clusterer) + clusterer.joins
    py = _python_bytes(clusterer)
    parts = ", ".join(f"{k} {v / 2**20:,.0f}" for k, v in py.items())
    print(
        f"N={n:,}: {wall:.1f}s wall, {cpu:.1f}s CPU (main), {n / wall:,.0f} keys/s, "
        f"{1e6 * cpu / max(new, 1):.0f} us CPU per new skeleton ({new:,}), "
        f"clusters {len(clusterer):,}, joins {clusterer.joins:,}, "
        f"candidates {clusterer.candidates_checked:,}; "
        f"memory_bytes {clusterer.memory_bytes() / 2**20:,.0f} MiB, Python objects MiB: {parts}; "
        f"samples {len(clusterer._samples):,}, extra {len(clusterer._extra):,}, "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB; "
        f"load {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
        flush=True,
    )


def run(args: argparse.Namespace) -> None:
    """One pass over the first max(N) keys, with cumulative figures at each N."""
    path: Path = args.firsts
    marks = sorted(args.n)
    cache = path.with_suffix(".norm2.pkl")
    # With skeletons, hashes and flags given, assign_batch reads a prompt only for its sample.
    cut = SAMPLE_CHARS if args.prenormalised and cache.exists() else None
    firsts = read_firsts(path, marks[-1], cut)
    print(f"read {len(firsts):,} first prompts from {path}", flush=True)
    marks = [min(n, len(firsts)) for n in marks]
    gc.collect()
    clusterer = PromptClusterer()
    pool = None
    if args.prenormalised:
        batches = _prenormalised(cache, firsts)
        pairs = _assign_prenormalised(clusterer, firsts, batches)
    else:
        pool = worker_pool(args.workers)
        pairs = cluster_prompts(iter(firsts), clusterer, 1, pool=pool)
    out = args.dump.open("w") if args.dump else None
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for count, (key, cid) in enumerate(pairs, 1):
        if out is not None:
            out.write(f"{key}\t{cid}\n")
        if count == marks[0]:
            wall, cpu = time.perf_counter(), time.process_time()
            _report(count, clusterer, wall - wall0, cpu - cpu0)
            # Reporting walks every sample: not part of the timed work.
            wall0 += time.perf_counter() - wall
            cpu0 += time.process_time() - cpu
            while marks and marks[0] <= count:
                marks.pop(0)
            if not marks:
                break
    if out is not None:
        out.close()
    if args.digest:
        # Everything the aggregate writes to prompt_clusters.parquet, for an identity check.
        digest = hashlib.sha256()
        rows = clusterer.take_new_or_changed_rows()
        for row in rows:
            digest.update(orjson.dumps(row))
        print(f"prompt_clusters rows: {len(rows):,}, sha256 {digest.hexdigest()}", flush=True)
    if pool is not None:
        pool.close()
        pool.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("extract")
    ex.add_argument("source", type=Path)
    ex.add_argument("target", type=Path)
    rn = sub.add_parser("run")
    rn.add_argument("firsts", type=Path)
    rn.add_argument("-n", type=int, nargs="+", default=[1_000_000])
    rn.add_argument("--workers", type=int, default=2)
    rn.add_argument("--prenormalised", action="store_true")
    rn.add_argument("--digest", action="store_true", help="sha256 of the cluster rows at the end")
    rn.add_argument("--dump", type=Path, help="write the key -> cluster id map here")
    args = parser.parse_args()
    if args.cmd == "extract":
        extract(args.source, args.target)
    else:
        run(args)


if __name__ == "__main__":
    main()
