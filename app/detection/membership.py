"""Trimming a flagged ring's periphery: accounts Louvain attached but that do not belong.

Modularity assigns every account somewhere. An ordinary user who once went through one of a
farm's proxy addresses, or who shares a disposable mail domain with it, has no stronger tie and
lands in the farm's community. Such a member is dropped from a ring that would be flagged when
*both* hold:

* its tie to the ring is weak: evidence weight to other members (hub edges counted by the share
  of the hub's members inside the ring) below PERIPHERY_STRENGTH x the ring's 75th percentile;
* it does not behave like the ring: fewer than PERIPHERY_VOLUME x the ring's 75th percentile
  of requests and a share of requests on the ring's own templates (those used by a quarter of
  its members) below PERIPHERY_TEMPLATE x the ring's 75th percentile.

A weakly tied account that does behave like the ring (a low-volume farm account that only
shares a template and the schedule) stays; so does a strongly tied one that is quiet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.detection.context import PROMPT, Context
from app.detection.evidence import EvidenceGraph
from app.detection.lockstep import gather

# References are the ring's 75th percentile, not its median: when a crowd hanging off one hub
# outnumbers the cell it was merged with, the median member is a stranger.
PERIPHERY_REFERENCE_Q = 0.75
PERIPHERY_STRENGTH = 0.25
PERIPHERY_VOLUME = 0.2
PERIPHERY_TEMPLATE = 0.5
RING_TEMPLATE_USERS = 0.25


@dataclass
class Adjacency:
    """Symmetric CSR of the evidence graph over accounts and hub vertices."""

    ptr: np.ndarray
    nbr: np.ndarray
    wt: np.ndarray
    n_accounts: int
    degree: np.ndarray


def adjacency(ev: EvidenceGraph, n_accounts: int) -> Adjacency:
    """Build the symmetric adjacency of the evidence graph.

    Args:
        ev: Evidence graph.
        n_accounts: Number of account vertices (hubs follow).

    Returns:
        The adjacency.
    """
    n_vertices = n_accounts + int(ev.hubs.size)
    src = np.concatenate((ev.u, ev.v))
    dst = np.concatenate((ev.v, ev.u))
    wt = np.concatenate((ev.w, ev.w))
    order = np.lexsort((dst, src))
    src, dst, wt = src[order], dst[order], wt[order]
    ptr = np.searchsorted(src, np.arange(n_vertices + 1))
    return Adjacency(ptr, dst, wt, n_accounts, np.diff(ptr))


def internal_strength(adj: Adjacency, members: np.ndarray) -> np.ndarray:
    """Evidence weight from each member to the rest of its ring (hubs pro rata).

    Args:
        adj: Adjacency.
        members: Account indices of the ring.

    Returns:
        Strength per member, aligned with `members`.
    """
    pos, owner = gather(adj.ptr, members)
    nbr, wt = adj.nbr[pos], adj.wt[pos]
    is_hub = nbr >= adj.n_accounts
    in_ring = np.isin(nbr, members)
    hubs, hub_in = np.unique(nbr[is_hub], return_counts=True)
    share = np.zeros(nbr.size)
    if hubs.size:
        idx = np.searchsorted(hubs, nbr[is_hub])
        others = np.maximum(adj.degree[nbr[is_hub]] - 1, 1)
        share[is_hub] = (hub_in[idx] - 1) / others
    share[~is_hub] = in_ring[~is_hub]
    return np.bincount(owner, weights=wt * share, minlength=members.size)


def ring_template_share(ctx: Context, members: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Share of each member's requests going to the ring's own templates.

    The ring's templates are the prompt clusters used by at least RING_TEMPLATE_USERS of its
    members; small clusters an ordinary member shares with a few strangers do not count.

    Args:
        ctx: Indexed projection.
        members: Account indices of the ring.
        denominator: Requests per account (all accounts, >= 1).

    Returns:
        Share per member, aligned with `members`.
    """
    pos, owner = gather(ctx.acct_ptr, members)
    nodes = ctx.acct_node[pos]
    is_pc = ctx.node_kind[nodes] == PROMPT
    uniq, inv = np.unique(nodes[is_pc], return_inverse=True)
    users = np.bincount(inv, minlength=uniq.size)
    ring_tpl = uniq[users >= RING_TEMPLATE_USERS * members.size]
    on = is_pc & np.isin(nodes, ring_tpl)
    sums = np.bincount(owner[on], weights=ctx.acct_count[pos][on], minlength=members.size)
    return np.asarray(sums / denominator[members], dtype=float)


def periphery(
    ctx: Context,
    adj: Adjacency,
    members: np.ndarray,
    denominator: np.ndarray,
) -> np.ndarray:
    """Boolean mask of members to drop (see module docstring).

    Args:
        ctx: Indexed projection.
        adj: Adjacency.
        members: Account indices of the ring.
        denominator: Requests per account (all accounts, >= 1).

    Returns:
        Mask aligned with `members`.
    """
    q = PERIPHERY_REFERENCE_Q
    strength = internal_strength(adj, members)
    weak = strength < PERIPHERY_STRENGTH * float(np.quantile(strength, q))
    req = ctx.requests[members]
    quiet = req < PERIPHERY_VOLUME * float(np.quantile(req, q))
    share = ring_template_share(ctx, members, denominator)
    ref = float(np.quantile(share, q))
    unlike = share < PERIPHERY_TEMPLATE * ref if ref > 0 else np.ones(members.size, bool)
    return np.asarray(weak & quiet & unlike, dtype=bool)
