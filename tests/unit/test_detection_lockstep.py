"""Lockstep measure: rhythm-corrected hourly activity correlation."""

from __future__ import annotations

import numpy as np

from app.detection.context import PROMPT, Context, build_context
from app.detection.lockstep import (
    LOCKSTEP_MIN,
    LOCKSTEP_MIN_COMMON,
    LOCKSTEP_MIN_OVERLAP_H,
    LOCKSTEP_RARE_DEGREE,
    LOCKSTEP_TEMPLATE_SHARE,
    activity_window,
    lockstep_from_rows,
    lockstep_matrix,
    lockstep_pairs,
    lockstep_rows,
    template_candidates,
)
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


def _candidates_one_template_at_a_time(ctx: Context) -> list[tuple[int, list[int]]]:
    """template_candidates' definition, node by node (the reference for its vectorised form)."""
    out = []
    for node in range(len(ctx.node_keys)):
        if ctx.node_kind[node] != PROMPT or ctx.degree[node] < 2:
            continue
        if not (ctx.extraction[node] or ctx.degree[node] <= LOCKSTEP_RARE_DEGREE):
            continue
        members = []
        for entry in range(ctx.node_ptr[node], ctx.node_ptr[node + 1]):
            account = int(ctx.node_acct[entry])
            hours = ctx.hour_flat[ctx.hour_ptr[account] : ctx.hour_ptr[account + 1]]
            span = int(hours[-1] - hours[0] + 1) if hours.size else 0
            share = ctx.node_count[entry] / max(int(ctx.requests[account]), 1)
            if (
                share >= LOCKSTEP_TEMPLATE_SHARE
                and hours.size >= LOCKSTEP_MIN_COMMON
                and span >= LOCKSTEP_MIN_OVERLAP_H
            ):
                members.append(account)
        if len(members) >= 2:
            out.append((node, members))
    return out


def test_template_candidates_are_each_templates_qualifying_members_in_order() -> None:
    from test_detection_scale import synthetic_projection  # tests/unit is on sys.path

    projection, _truth = synthetic_projection(2_000, seed=5)
    ctx = build_context(projection)
    expected = _candidates_one_template_at_a_time(ctx)
    got = [(node, members.tolist()) for node, members in template_candidates(ctx)]
    assert len(expected) > 50  # rare and extraction templates with real candidates
    assert got == expected


def test_a_set_against_itself_matches_two_separately_computed_row_sets() -> None:
    rng = np.random.default_rng(5)
    schedule = H0 + np.sort(rng.choice(24 * 14, 60, replace=False))
    hourly = {f"op{i}": {int(h): 30 for h in schedule if rng.random() < 0.8} for i in range(5)}
    hourly.update({f"user{i}": _diurnal(rng, 14, 30) for i in range(10)})
    ctx = build_context(_projection(hourly))
    idx = np.arange(ctx.n)
    window = activity_window(ctx, idx)
    assert window is not None
    separate = lockstep_from_rows(
        lockstep_rows(ctx, idx, window), lockstep_rows(ctx, idx.copy(), window)
    )
    same = lockstep_matrix(ctx, idx, idx)
    assert same.max() >= LOCKSTEP_MIN
    np.testing.assert_array_equal(same, separate)
