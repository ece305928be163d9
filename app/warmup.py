"""Compile the project's numba kernels into their on-disk caches: `python -m app.warmup`.

Every kernel is `@njit(cache=True)`: the first process that calls one compiles it with LLVM and
writes the machine code beside its module (`__pycache__/*.nbi`, `*.nbc`); later processes load
it in milliseconds. Nothing compiled them before first use, so the first `ringscope aggregate`
after an install spent about 40 s compiling (a 73,000-event scenario: 45.6 s cold against
2.1–2.4 s warm) and the first full-scale run paid it inside its aggregate. `make install` and the
Docker image run this once, the way they compile bytecode.

It runs the real code paths on a tiny input, so each kernel is compiled for exactly the argument
types production passes (numba specialises on dtype, layout and read-only buffers): a 0.002
scenario through the DuckDB aggregate with two prompt workers (the parse, MD5 and normalise
kernels, the clusterer's LSH search), the LSH index's bulk merge that restoring persisted
clusters runs, then detection on a drawn fixture (the creation-burst window search).
tests/unit/test_warmup.py checks that this reaches every cached kernel.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from app.detection import detect, load_fixture
from app.ingest.clustering import _BandIndex
from app.ingest.columnar import duckdb_engine
from seed.generator import generate

_SCALE = 0.002
_FIXTURE = "card_ring"


def warm_up(work_dir: Path) -> float:
    """Call every numba kernel once (compiling and caching it if needed); returns the seconds.

    Args:
        work_dir: A disposable folder for the tiny scenario and its aggregate.
    """
    began = time.perf_counter()
    scenario = work_dir / "scenario"
    generate(scenario, scale=_SCALE, seed=7)
    duckdb_engine.run([scenario], work_dir / "aggregate", "warm-up salt", workers=2)
    # Restoring persisted clusters (`ringscope ingest`) merges band keys in bulk, and past ~33k
    # clusters that rebuilds the index's buffer; a small buffer gets there with 1,024 keys.
    index = _BandIndex(bands=16, min_buffer=16)
    keys = np.arange(1, 1025, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    index.add_many(keys, np.zeros(keys.size, dtype=np.uint32))
    detect(load_fixture(_FIXTURE))
    return time.perf_counter() - began


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ringscope-warmup-") as tmp:
        seconds = warm_up(Path(tmp))
    print(f"numba kernels compiled and cached ({seconds:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
