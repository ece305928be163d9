"""Lockstep measure: rhythm-corrected hourly activity correlation."""

from __future__ import annotations

import numpy as np

from app.detection.context import build_context
from app.detection.lockstep import LOCKSTEP_MIN, lockstep_matrix, lockstep_pairs
from app.detection.model import AccountInfo, Attachments, Projection

H0 = 490_000  # an epoch hour (2025-11)


def _projection(hourly: dict[str, dict[int, int]]) -> Projection:
    accounts = {
        a: AccountInfo(a, None, True, sum(h.values()), 0, 0, None, None, hourly=h)
        for a, h in hourly.items()
    }
    return Projection(accounts, {}, Attachments())


def _diurnal(rng: np.random.Generator, days: int, k: int) -> dict[int, int]:
    day = rng.integers(0, days, k)
    hod = rng.integers(8, 20, k)
    return {int(H0 + d * 24 + h): int(rng.integers(1, 4)) for d, h in zip(day, hod, strict=True)}


def _matrix(hourly: dict[str, dict[int, int]]) -> tuple[np.ndarray, list[str]]:
    ctx = build_context(_projection(hourly))
    idx = np.arange(ctx.n)
    return lockstep_matrix(ctx, idx, idx), ctx.ids


def test_shared_campaign_schedule_is_lockstep() -> None:
    rng = np.random.default_rng(1)
    schedule = H0 + np.sort(rng.choice(24 * 14, 60, replace=False))
    hourly = {
        f"op{i}": {int(h): int(rng.integers(20, 40)) for h in schedule if rng.random() < 0.85}
        for i in range(4)
    }
    hourly.update({f"user{i}": _diurnal(rng, 14, 25) for i in range(30)})
    mat, ids = _matrix(hourly)
    ops = [ids.index(f"op{i}") for i in range(4)]
    users = [i for i, a in enumerate(ids) if a.startswith("user")]
    assert mat[np.ix_(ops, ops)][~np.eye(4, dtype=bool)].min() >= LOCKSTEP_MIN
    assert mat[np.ix_(ops, users)].max() < LOCKSTEP_MIN


def test_independent_daytime_users_are_not_lockstep() -> None:
    rng = np.random.default_rng(2)
    hourly = {f"user{i}": _diurnal(rng, 14, 40) for i in range(40)}
    mat, _ = _matrix(hourly)
    off = mat[~np.eye(40, dtype=bool)]
    assert np.median(off) < 0.1
    assert (off >= LOCKSTEP_MIN).mean() < 0.01


def test_busy_accounts_with_the_same_load_shape_are_lockstep_even_when_always_active() -> None:
    rng = np.random.default_rng(3)
    hours = H0 + np.arange(24 * 10)
    load = rng.lognormal(0, 0.6, hours.size)  # one cell's shared hourly ups and downs
    other = rng.lognormal(0, 0.6, hours.size)
    hourly = {
        "cell-a1": {int(h): int(rng.poisson(8 * x)) + 1 for h, x in zip(hours, load, strict=True)},
        "cell-a2": {int(h): int(rng.poisson(8 * x)) + 1 for h, x in zip(hours, load, strict=True)},
        "cell-b1": {int(h): int(rng.poisson(8 * x)) + 1 for h, x in zip(hours, other, strict=True)},
    }
    hourly.update({f"user{i}": _diurnal(rng, 10, 30) for i in range(20)})
    mat, ids = _matrix(hourly)
    a1, a2, b1 = ids.index("cell-a1"), ids.index("cell-a2"), ids.index("cell-b1")
    assert mat[a1, a2] >= LOCKSTEP_MIN
    assert mat[a1, b1] < LOCKSTEP_MIN


def test_too_little_overlap_gives_zero() -> None:
    hourly = {"a": {H0 + i: 5 for i in range(3)}, "b": {H0 + i: 5 for i in range(3)}}
    mat, _ = _matrix(hourly)
    assert mat[0, 1] == 0.0


def test_lockstep_pairs_only_among_template_sharers() -> None:
    from app.detection.fixtures import load_fixture

    ctx = build_context(load_fixture("two_cells"))
    pairs = lockstep_pairs(ctx)
    members = {ctx.ids[int(i)] for i in np.concatenate((pairs.u, pairs.v))}
    assert members and all(m.startswith("twin-") for m in members)
    cross = [
        (ctx.ids[int(u)][:6], ctx.ids[int(v)][:6]) for u, v in zip(pairs.u, pairs.v, strict=True)
    ]
    assert ("twin-a", "twin-b") in cross or ("twin-b", "twin-a") in cross
