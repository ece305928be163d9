"""Lockstep activity: accounts whose hourly activity moves together far beyond chance.

The measure is the correlation of two accounts' hourly activity *after removing what the
population's rhythm explains*, over the hours where both accounts exist:

    x_a(h) = log1p(requests of a in hour h), for h in a's active span [first, last hour]
    r_a(h) = residual of x_a regressed on p_h (least squares over a's span; 0 outside it)
    lockstep(a, b) = sum r_a r_b / sqrt(sum r_a^2 * sum r_b^2)   (sums over the common span)

p_h is the share of active accounts active in hour h. Regressing it out matters: everybody
works in the daytime, so two colleagues both busy 9-to-5 is expected, and two always-on bots
both "busy at night" is just as expected; two accounts sharing the same odd hours, the same
outages and the same hourly ups and downs of a scripted campaign are not. Working on log counts (not just active / inactive) keeps the measure informative for busy
accounts that are active in every hour of their life: their lockstep is in the shape of the
load, not in which hours are non-empty. Pairs need LOCKSTEP_MIN_OVERLAP_H hours of common span
and LOCKSTEP_MIN_COMMON hours in which both were active, and the correlation is multiplied by
common / (common + LOCKSTEP_SHRINK) so that a handful of coinciding hours between two sparse
users (which chance produces among thousands of pairs) does not count.

Pairs are only computed among candidates (accounts sending a real share of their traffic to a
shared extraction-style or rare template, or members of one ring), never among all pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from app.detection.context import PROMPT, Context

# Correlation at which two accounts count as acting in lockstep.
LOCKSTEP_MIN = 0.4
# ...provided their spans overlap this many hours and both were active in this many of them.
LOCKSTEP_MIN_OVERLAP_H = 12
LOCKSTEP_MIN_COMMON = 4
LOCKSTEP_SHRINK = 4.0
# Strongest partners kept per account and template: enough to knit a cell together, bounded so
# a 5,000-account template cannot produce millions of edges.
LOCKSTEP_TOP_K = 10
# Candidate members are compared block-wise in creation order (block vs itself and the next
# block) so memory stays O(block^2) for any template size.
LOCKSTEP_BLOCK = 1000
# Non-extraction templates shared by at most this many accounts are also candidates.
LOCKSTEP_RARE_DEGREE = 200
# A member is a candidate for a template only if the template carries at least this share of
# its requests: one shared everyday prompt does not make two people a team.
LOCKSTEP_TEMPLATE_SHARE = 0.1
# Sample cap for ring-level and ring-to-ring lockstep measurements.
LOCKSTEP_SAMPLE = 300


def gather(ptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the CSR entries of `rows` and, for each, its position in `rows`.

    Args:
        ptr: CSR offsets.
        rows: Row indices.

    Returns:
        (entry positions, index into `rows` of the row owning each entry).
    """
    starts = ptr[rows]
    lens = ptr[rows + 1] - starts
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    owner = np.repeat(np.arange(rows.size), lens)
    offsets = np.repeat(starts - (np.cumsum(lens) - lens), lens)
    return offsets + np.arange(total), owner


@dataclass
class ActivityRows:
    resid: np.ndarray  # residuals, (accounts x window hours)
    active: np.ndarray  # 1.0 where active
    cum2: np.ndarray  # cumulative sum of squared residuals, (accounts x window hours + 1)
    lo: np.ndarray  # span start, window-relative
    hi: np.ndarray  # span end (inclusive), window-relative; -1 when no activity

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.resid, self.active, self.cum2, self.lo, self.hi))


def _rows(ctx: Context, accts: np.ndarray, c0: int, c1: int) -> ActivityRows:
    width = c1 - c0 + 1
    x = np.zeros((accts.size, width), dtype=np.float32)
    active = np.zeros((accts.size, width), dtype=np.float32)
    pos, owner = gather(ctx.hour_ptr, accts)
    cols = ctx.hour_cidx[pos] - c0
    x[owner, cols] = ctx.hour_val[pos]
    active[owner, cols] = 1.0
    start, end = ctx.hour_ptr[accts], ctx.hour_ptr[accts + 1]
    has = end > start
    last = max(ctx.hour_cidx.size - 1, 0)
    lo = np.where(has, ctx.hour_cidx[np.minimum(start, last)] - c0, 0)
    hi = np.where(has, ctx.hour_cidx[np.clip(end - 1, 0, last)] - c0, -1)
    j = np.arange(width)
    span = (j[None, :] >= lo[:, None]) & (j[None, :] <= hi[:, None])
    p = np.broadcast_to(ctx.hours_p[c0 : c1 + 1].astype(np.float32), x.shape)
    # Per account, regress its log activity on the population's activity share over its own
    # span and keep the residual: removes a diurnal user's daytime bias and a 24/7 bot's flat
    # load alike, leaving the hour-to-hour ups and downs that a shared script produces.
    n = np.maximum(span.sum(axis=1), 1).astype(np.float32)
    x_mean = np.where(span, x, 0).sum(axis=1) / n
    p_mean = np.where(span, p, 0).sum(axis=1) / n
    xc = np.where(span, x - x_mean[:, None], 0)
    pc = np.where(span, p - p_mean[:, None], 0)
    var = (pc * pc).sum(axis=1)
    slope = np.where(var > 1e-12, (xc * pc).sum(axis=1) / np.maximum(var, 1e-12), 0.0)
    resid = (xc - slope[:, None] * pc).astype(np.float32)
    cum2 = np.zeros((accts.size, width + 1), dtype=np.float64)
    np.cumsum(resid.astype(np.float64) ** 2, axis=1, out=cum2[:, 1:])
    return ActivityRows(resid, active, cum2, lo, hi)


def activity_window(ctx: Context, accts: np.ndarray) -> tuple[int, int] | None:
    """The hour columns (first, last) spanning every activity of `accts`; None if they have none.

    Args:
        ctx: Indexed projection.
        accts: Account indices.

    Returns:
        (c0, c1) for `lockstep_rows`, or None.
    """
    accts = np.asarray(accts, dtype=np.int64)
    start, end = ctx.hour_ptr[accts], ctx.hour_ptr[accts + 1]
    has = end > start
    if accts.size == 0 or not has.any():
        return None
    return int(ctx.hour_cidx[start[has]].min()), int(ctx.hour_cidx[end[has] - 1].max())


def lockstep_rows(ctx: Context, accts: np.ndarray, window: tuple[int, int]) -> ActivityRows:
    """Rhythm-corrected activity rows of `accts` over `window` (from `activity_window` of a
    superset), to be paired with `lockstep_from_rows`: when one account set meets many others,
    its rows are computed once instead of once per pair.

    Args:
        ctx: Indexed projection (with the population hour profile).
        accts: Account indices.
        window: (c0, c1) hour columns covering all of their activity.

    Returns:
        The rows.
    """
    return _rows(ctx, np.asarray(accts, dtype=np.int64), window[0], window[1])


def lockstep_matrix(ctx: Context, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Lockstep (rhythm-corrected activity correlation) for every (row, col) pair of accounts.

    Args:
        ctx: Indexed projection (with the population hour profile).
        rows: Account indices.
        cols: Account indices.

    Returns:
        Matrix of shape (len(rows), len(cols)) in [0, 1]; 0 where the pair overlaps too little
        or either account has no activity.
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    window = activity_window(ctx, np.concatenate((rows, cols)))
    if rows.size == 0 or cols.size == 0 or window is None:
        return np.zeros((rows.size, cols.size))
    row_rows = lockstep_rows(ctx, rows, window)
    if rows.size == cols.size and bool((rows == cols).all()):
        # A ring against itself (scoring): computing the rows is the costly part, copying them
        # is not. Copies, because numpy computes `x @ x.T` of one buffer as a symmetric product
        # that sums in another order: the same matrix as before to the last bit.
        col_rows = replace(row_rows, resid=row_rows.resid.copy(), active=row_rows.active.copy())
    else:
        col_rows = lockstep_rows(ctx, cols, window)
    return lockstep_from_rows(row_rows, col_rows)


def lockstep_from_rows(a: ActivityRows, b: ActivityRows) -> np.ndarray:
    """`lockstep_matrix` from rows computed over one common window.

    Args:
        a: Rows of the row accounts.
        b: Rows of the column accounts (same window as `a`).

    Returns:
        Matrix of shape (rows, cols) in [0, 1].
    """
    out = np.zeros((a.resid.shape[0], b.resid.shape[0]))
    if out.size == 0:
        return out
    dot = (a.resid @ b.resid.T).astype(np.float64)
    common = a.active @ b.active.T
    lo = np.maximum(a.lo[:, None], b.lo[None, :])
    hi = np.minimum(a.hi[:, None], b.hi[None, :])
    ok = (hi - lo + 1 >= LOCKSTEP_MIN_OVERLAP_H) & (common >= LOCKSTEP_MIN_COMMON)
    lo_c = np.where(ok, lo, 0)
    hi_c = np.where(ok, hi + 1, 0)
    # Norms over the common span only: accounts of one cell live for different numbers of
    # days; the part of a life the other account never saw should not dilute the correlation.
    na = np.take_along_axis(a.cum2, hi_c, axis=1) - np.take_along_axis(a.cum2, lo_c, axis=1)
    nb = (np.take_along_axis(b.cum2, hi_c.T, axis=1) - np.take_along_axis(b.cum2, lo_c.T, axis=1)).T
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = dot / np.sqrt(na * nb)
    corr = np.nan_to_num(corr, nan=0.0, posinf=0.0, neginf=0.0)
    # Shrunk towards 0 when few hours are shared: four common hours out of a dozen each is
    # what chance gives some pair among thousands of sparse users.
    shrink = common / (common + LOCKSTEP_SHRINK)
    out[ok] = np.clip(corr[ok] * shrink[ok], 0.0, 1.0)
    return out


def creation_order(ctx: Context, accts: np.ndarray) -> np.ndarray:
    """`accts` sorted by creation time (unknown last), then index: deterministic."""
    created = np.nan_to_num(ctx.created[accts], nan=np.inf)
    return accts[np.lexsort((accts, created))]


def sample(ctx: Context, accts: np.ndarray, cap: int = LOCKSTEP_SAMPLE) -> np.ndarray:
    """Deterministic, creation-spread sample of at most `cap` accounts."""
    ordered = creation_order(ctx, np.asarray(accts, dtype=np.int64))
    if ordered.size <= cap:
        return ordered
    picks = np.linspace(0, ordered.size - 1, cap).round().astype(np.int64)
    return ordered[np.unique(picks)]


@dataclass
class LockstepPairs:
    """Account pairs found in lockstep, each with the template that made them candidates."""

    u: np.ndarray
    v: np.ndarray
    strength: np.ndarray
    template: np.ndarray


def _top_partners(
    rows: np.ndarray, cols: np.ndarray, mat: np.ndarray, n_self: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    idx = np.arange(min(n_self, mat.shape[1]))
    mat[idx, idx] = 0.0
    k = min(LOCKSTEP_TOP_K, mat.shape[1])
    best = np.argsort(-mat, axis=1, kind="stable")[:, :k]
    vals = np.take_along_axis(mat, best, axis=1)
    keep = vals >= LOCKSTEP_MIN
    r = np.repeat(rows, k).reshape(rows.size, k)[keep]
    c = cols[best][keep]
    return r, c, vals[keep]


def template_candidates(ctx: Context) -> list[tuple[int, np.ndarray]]:
    """(template node, candidate members) for lockstep: members for whom it is real traffic.

    Args:
        ctx: Indexed projection.

    Returns:
        Templates (extraction-style, or shared by at most LOCKSTEP_RARE_DEGREE accounts) with
        the members sending at least LOCKSTEP_TEMPLATE_SHARE of their requests to them.
    """
    # Accounts that cannot meet the overlap requirements with anybody are never candidates.
    n_hours = np.diff(ctx.hour_ptr)
    last = np.maximum(ctx.hour_ptr[1:] - 1, 0)
    first = np.minimum(ctx.hour_ptr[:-1], max(ctx.hour_flat.size - 1, 0))
    span = (ctx.hour_flat[last] - ctx.hour_flat[first] + 1) if ctx.hour_flat.size else n_hours
    has_hours = (n_hours >= LOCKSTEP_MIN_COMMON) & (span >= LOCKSTEP_MIN_OVERLAP_H)
    req = np.maximum(ctx.requests, 1)
    templates = (
        (ctx.node_kind == PROMPT)
        & (ctx.degree >= 2)
        & (ctx.extraction | (ctx.degree <= LOCKSTEP_RARE_DEGREE))
    )
    # One pass over every node-CSR entry instead of a loop over the templates (600k of them at
    # scale 1.0, most with fewer than two candidates): entry i is kept if its node is a
    # template and its account a candidate for it; the kept entries stay in CSR order.
    entry_node = np.repeat(np.arange(ctx.degree.size), ctx.degree)
    share = ctx.node_count / req[ctx.node_acct]
    kept = templates[entry_node] & (share >= LOCKSTEP_TEMPLATE_SHARE) & has_hours[ctx.node_acct]
    kept_node = entry_node[kept]
    kept_acct = ctx.node_acct[kept]
    per_node = np.bincount(kept_node, minlength=ctx.degree.size)
    bounds = np.concatenate(([0], np.cumsum(per_node)))
    return [
        (node, kept_acct[bounds[node] : bounds[node + 1]])
        for node in np.flatnonzero(per_node >= 2).tolist()
    ]


def lockstep_pairs(ctx: Context) -> LockstepPairs:
    """Lockstep pairs among accounts sharing an extraction-style or rare prompt template.

    Args:
        ctx: Indexed projection.

    Returns:
        Unique pairs (u < v) with their best lockstep and the template it was found under.
    """
    us: list[np.ndarray] = []
    vs: list[np.ndarray] = []
    ks: list[np.ndarray] = []
    ts: list[np.ndarray] = []
    partners = np.zeros(ctx.n, dtype=np.int64)
    for node, candidates in template_candidates(ctx):
        # An account that already has its LOCKSTEP_TOP_K partners (a cell's accounts share
        # half a dozen template variants) is not compared again: same edges, a lot of time.
        members = creation_order(ctx, candidates[partners[candidates] < LOCKSTEP_TOP_K])
        if members.size < 2:
            continue
        blocks = [members[i : i + LOCKSTEP_BLOCK] for i in range(0, members.size, LOCKSTEP_BLOCK)]
        for b, block in enumerate(blocks):
            cols = np.concatenate((block, blocks[b + 1])) if b + 1 < len(blocks) else block
            mat = lockstep_matrix(ctx, block, cols)
            r, c, val = _top_partners(block, cols, mat, block.size)
            np.add.at(partners, r, 1)
            np.add.at(partners, c, 1)
            us.append(np.minimum(r, c))
            vs.append(np.maximum(r, c))
            ks.append(val)
            ts.append(np.full(val.size, node, dtype=np.int64))
    if not us:
        empty = np.zeros(0, dtype=np.int64)
        return LockstepPairs(empty, empty, np.zeros(0), empty)
    u, v, k, t = (np.concatenate(x) for x in (us, vs, ks, ts))
    # Keep each pair once, with its strongest value (ties: lowest template index).
    order = np.lexsort((t, -k, v, u))
    u, v, k, t = u[order], v[order], k[order], t[order]
    first = np.ones(u.size, dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    return LockstepPairs(u[first], v[first], k[first], t[first])
