"""`python -m app.warmup` leaves a compiled, cached copy of every cached numba kernel."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import numba
import pytest

from app.config import PROJECT_ROOT


def _cached_kernels() -> set[str]:
    """Names ("<module stem>.<function>-<line>") of the `@njit(cache=True)` kernels compiled alone.

    Kernels inlined with inline="always", and uncached helpers, live inside their callers'
    machine code."""
    names: set[str] = set()
    for source in sorted((PROJECT_ROOT / "app").rglob("*.py")):
        if "@njit" not in source.read_text():
            continue
        module_name = ".".join(source.relative_to(PROJECT_ROOT).with_suffix("").parts)
        module = importlib.import_module(module_name)
        for obj in vars(module).values():
            if not isinstance(obj, numba.core.registry.CPUDispatcher):
                continue
            func = obj.py_func
            # cache=False leaves numba's NullCache; there is no public flag for it.
            uncached = isinstance(obj._cache, numba.core.caching.NullCache)
            inlined = obj.targetoptions.get("inline") == "always"
            if func.__module__ != module_name or uncached or inlined:
                continue
            names.add(f"{source.stem}.{func.__qualname__}-{func.__code__.co_firstlineno}")
    return names


@pytest.mark.timeout(600)
def test_warm_up_compiles_and_caches_every_kernel(tmp_path: Path) -> None:
    cache = tmp_path / "numba-cache"  # empty: every kernel is compiled here, none found
    result = subprocess.run(
        [sys.executable, "-m", "app.warmup"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "NUMBA_CACHE_DIR": str(cache)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "numba kernels compiled and cached" in result.stderr
    cached = {path.name.split(".py")[0] for path in cache.rglob("*.nbi")}
    expected = _cached_kernels()
    assert len(expected) >= 20  # the parse, MD5, normalise, clustering and detection kernels
    assert expected - cached == set(), "kernels the warm-up does not reach"
