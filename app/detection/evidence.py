"""Account-to-account evidence graph: weighted edges from shared nodes plus lockstep ties.

Each shared node of weight w (see weights.py) shared by d accounts pulls each of its members
towards the others with a total strength of at most PULL_CAP * w, however big it is. That
bounded "pull" is what keeps a 5,000-account carrier address or a popular template from
swallowing the rings that use it, while a card shared by 40 fresh accounts still binds them:

* d <= CLIQUE_MAX: a clique; each pair gets w * min(1, PULL_CAP / (d - 1)).
* d > CLIQUE_MAX: a star through a virtual hub vertex (one per node, removed after community
  detection); each member-hub edge gets w * PULL_CAP. That is d edges instead of d^2 / 2, and a
  star, like a clique, has no internal partition of positive modularity, so Louvain does not cut
  a big group into arbitrary pieces (a sparse random sample of pairs would be cut).
* w < MIN_NODE_WEIGHT: nothing (a mobile CGNAT address shared by 5,000 accounts, gmail.com).

For prompt clusters each member's side is further scaled by how much of its traffic the cluster
carries (full from TEMPLATE_SHARE_FULL = 20% and TEMPLATE_COUNT_FULL = 5 requests; a pair uses
the geometric mean):
two users who once typed near-identical free-form prompts are not tied, two accounts spending
their traffic on one template are.

Bounded work: if the hubs would add more than STAR_BUDGET_PER_ACCOUNT * accounts edges, the
weakest big nodes are left out first, and each account keeps only its HUBS_PER_ACCOUNT
strongest hub edges; cliques are bounded by CLIQUE_MAX.

Lockstep pairs among sharers of extraction-style / rare templates add
LOCKSTEP_EDGE_WEIGHT * lockstep (halved for non-extraction templates): the only link between cells
of one operator that share no infrastructure.

Account pairs whose summed weight stays below MIN_EDGE_WEIGHT (0.1: less than one rare template
carrying half the threshold share of both accounts' traffic) are dropped.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from app.detection.context import PROMPT, Context
from app.detection.lockstep import LockstepPairs, lockstep_pairs
from app.detection.weights import NodeWeights, node_weights

MIN_NODE_WEIGHT = 0.05
MIN_EDGE_WEIGHT = 0.1
PULL_CAP = 12.0
CLIQUE_MAX = 16
STAR_BUDGET_PER_ACCOUNT = 12
STAR_BUDGET_MIN = 200_000
HUBS_PER_ACCOUNT = 4
TEMPLATE_SHARE_FULL = 0.2
TEMPLATE_COUNT_FULL = 5
LOCKSTEP_EDGE_WEIGHT = 0.6
LOCKSTEP_RARE_FACTOR = 0.5


@dataclass
class EvidenceGraph:
    """Weighted graph over accounts 0..n-1 plus hub vertices n..n+len(hubs)-1.

    Edges are unique with u < v. `hubs[j]` is the node index whose star is hub vertex n + j.
    """

    u: np.ndarray
    v: np.ndarray
    w: np.ndarray
    hubs: np.ndarray
    weights: NodeWeights
    lockstep: LockstepPairs
    lockstep_seconds: float
    dropped_nodes: int


def usage_factor(ctx: Context) -> np.ndarray:
    """Per node-CSR entry: how much of the account's traffic the attachment carries, in [0, 1].

    1 for identity nodes; for prompt clusters min(1, share of the account's requests /
    TEMPLATE_SHARE_FULL) * min(1, requests in the cluster / TEMPLATE_COUNT_FULL). Two users
    who each once typed a similar free-form prompt are not tied (a light user's single prompt
    is a big share of little traffic, hence the count term); two accounts that spend their
    traffic on one template are.

    Args:
        ctx: Indexed projection.

    Returns:
        Factors aligned with `ctx.node_acct`.
    """
    node_of = np.repeat(np.arange(len(ctx.node_keys)), ctx.degree)
    share = ctx.node_count / ctx.denominator[ctx.node_acct]
    factor = np.minimum(1.0, share / TEMPLATE_SHARE_FULL) * np.minimum(
        1.0, ctx.node_count / TEMPLATE_COUNT_FULL
    )
    return np.where(ctx.node_kind[node_of] == PROMPT, factor, 1.0)


def _clique_edges(
    ctx: Context, nodes: np.ndarray, w: np.ndarray, factor: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    us: list[np.ndarray] = []
    vs: list[np.ndarray] = []
    ws: list[np.ndarray] = []
    degrees = ctx.degree[nodes]
    for d in np.unique(degrees):
        group = nodes[degrees == d]
        d = int(d)
        # Members of all nodes of this degree as one (nodes x d) matrix: one vectorised step.
        starts = ctx.node_ptr[group]
        entries = starts[:, None] + np.arange(d)[None, :]
        mat = ctx.node_acct[entries]
        fac = factor[entries]
        iu, ju = np.triu_indices(d, k=1)
        us.append(mat[:, iu].ravel())
        vs.append(mat[:, ju].ravel())
        pair = np.sqrt(fac[:, iu] * fac[:, ju])
        ws.append((w[group][:, None] * min(1.0, PULL_CAP / (d - 1)) * pair).ravel())
    return us, vs, ws


def star_budget(n_accounts: int) -> int:
    """Maximum number of member-hub edges."""
    return max(STAR_BUDGET_MIN, STAR_BUDGET_PER_ACCOUNT * n_accounts)


def _timed_lockstep_pairs(ctx: Context) -> tuple[LockstepPairs, float]:
    began = time.perf_counter()
    return lockstep_pairs(ctx), time.perf_counter() - began


def _shared_node_edges(
    ctx: Context,
) -> tuple[
    NodeWeights, np.ndarray, int, tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]
]:
    """Node weights, the hub nodes, how many big nodes the star budget dropped, and the clique
    and member-hub edges (u, v, weight lists)."""
    weights = node_weights(ctx, MIN_NODE_WEIGHT)
    w = weights.weight
    active = np.flatnonzero((ctx.degree >= 2) & (w >= MIN_NODE_WEIGHT))
    small = active[ctx.degree[active] <= CLIQUE_MAX]
    big = active[ctx.degree[active] > CLIQUE_MAX]
    # Strongest big nodes first (ties: lower index) until the star budget is used up.
    big = big[np.lexsort((big, -w[big]))]
    within = np.cumsum(ctx.degree[big]) <= star_budget(ctx.n)
    dropped = int((~within).sum())
    hubs = np.sort(big[within])

    factor = usage_factor(ctx)
    us, vs, ws = _clique_edges(ctx, small, w, factor)
    if hubs.size:
        lens = ctx.degree[hubs]
        entries = np.concatenate([np.arange(ctx.node_ptr[h], ctx.node_ptr[h + 1]) for h in hubs])
        members = ctx.node_acct[entries]
        hub_v = np.repeat(ctx.n + np.arange(hubs.size), lens)
        hub_w = np.repeat(w[hubs] * PULL_CAP, lens) * factor[entries]
        # Each account keeps only its HUBS_PER_ACCOUNT most telling big groups: the rest are
        # weak crowds (mid-popular templates...) that cost Louvain time and carry no ring.
        order = np.lexsort((hub_v, -hub_w, members))
        members, hub_v, hub_w = members[order], hub_v[order], hub_w[order]
        rank = np.arange(members.size) - np.searchsorted(members, members, side="left")
        keep = rank < HUBS_PER_ACCOUNT
        us.append(members[keep])
        vs.append(hub_v[keep])
        ws.append(hub_w[keep])

    return weights, hubs, dropped, (us, vs, ws)


def build_evidence(ctx: Context) -> EvidenceGraph:
    """Build the weighted account graph.

    Args:
        ctx: Indexed projection.

    Returns:
        The evidence graph.
    """
    # Lockstep depends on the context alone. It runs in a second thread while the node weights
    # and the clique and star edges are built: part of its time is in numpy operations on
    # whole activity blocks, which release the GIL (at 1.0: evidence graph 26.0 -> 23.5 s, the
    # same graph).
    with ThreadPoolExecutor(1, thread_name_prefix="ringscope-lockstep") as pool:
        lockstep = pool.submit(_timed_lockstep_pairs, ctx)
        weights, hubs, dropped, (us, vs, ws) = _shared_node_edges(ctx)
        lock, lock_s = lockstep.result()
    if lock.u.size:
        factor = np.where(ctx.extraction[lock.template], 1.0, LOCKSTEP_RARE_FACTOR)
        us.append(lock.u)
        vs.append(lock.v)
        ws.append(LOCKSTEP_EDGE_WEIGHT * lock.strength * factor)

    if not us:
        empty = np.zeros(0, dtype=np.int64)
        return EvidenceGraph(empty, empty, np.zeros(0), hubs, weights, lock, lock_s, dropped)
    u = np.concatenate(us).astype(np.int64)
    v = np.concatenate(vs).astype(np.int64)
    wt = np.concatenate(ws).astype(np.float64)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    keep = lo != hi
    span = ctx.n + hubs.size
    key = lo[keep] * span + hi[keep]
    ukey, inv = np.unique(key, return_inverse=True)
    total = np.bincount(inv, weights=wt[keep])
    strong = total >= MIN_EDGE_WEIGHT
    ukey, total = ukey[strong], total[strong]
    return EvidenceGraph(ukey // span, ukey % span, total, hubs, weights, lock, lock_s, dropped)
