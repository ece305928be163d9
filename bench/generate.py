"""Time the synthetic scenario generator and print its figures.

    .venv/bin/python bench/generate.py --scale 0.05 --seed 7 --out var/bench/generate

Prints accounts, requests, events, wall time, events/s, output sizes and peak memory.
"""

from __future__ import annotations

import argparse
import gzip
import resource
import time
from pathlib import Path

from seed.generator import generate

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "var" / "bench" / "generate"


def _mib(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB" if n >= 2**20 else f"{n / 2**10:,.1f} KiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05, help="scenario scale (1.0 = full)")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--workers", type=int, default=None, help="worker processes")
    parser.add_argument(
        "--raw-size",
        action="store_true",
        help="also decompress the output to report its uncompressed size (slower)",
    )
    args = parser.parse_args()

    began = time.perf_counter()
    stats = generate(args.out, scale=args.scale, seed=args.seed, workers=args.workers)
    wall = time.perf_counter() - began
    events_file = args.out / "events.jsonl.gz"
    truth_file = args.out / "truth.json"
    size = events_file.stat().st_size
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # the worker processes
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    rows = [
        ("scale / seed", f"{args.scale} / {args.seed} (workers: {args.workers or 'auto'})"),
        ("accounts", f"{stats.accounts:,}"),
        ("  campaign", f"{stats.campaign_accounts:,}"),
        ("  benign", f"{stats.benign_accounts:,}"),
        ("requests", f"{stats.requests:,}"),
        ("events", f"{stats.events:,}"),
        ("seconds", f"{stats.seconds:.2f} (wall incl. truth.json {wall:.2f})"),
        ("events/s", f"{stats.events_per_second:,.0f}"),
        ("CPU seconds", f"{cpu:.2f} (user+sys incl. workers; {cpu / max(wall, 1e-9):.2f} cores)"),
        ("events.jsonl.gz", f"{_mib(size)} ({size / max(stats.events, 1):.0f} B/event)"),
        ("truth.json", _mib(truth_file.stat().st_size)),
        ("peak RSS", f"{_mib(me.ru_maxrss * 1024)} (largest worker {_mib(kids.ru_maxrss * 1024)})"),
    ]
    if args.raw_size:
        raw = 0
        with gzip.open(events_file, "rb") as fh:
            while chunk := fh.read(1 << 24):
                raw += len(chunk)
        rows.append(("uncompressed", f"{_mib(raw)} ({raw / max(size, 1):.1f}x)"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
