"""Incremental detection: what a small ingest can change, and how to reuse the rest. Pure.

A run after a small ingest recomputes only the *region*: the accounts the ingest touched plus
everything they can be tied to in the evidence graph. The region is closed under "attached to a
shared node that can tie accounts together" (`node_can_link`): a node whose evidence weight,
even with every boost, stays under the evidence graph's minimum makes no edge, so the walk does
not cross it (a carrier CGNAT address or gmail.com would otherwise pull in everybody); prompt
templates that lockstep compares (extraction-style or rare) are always followed because lockstep
pairs their senders whatever the template's weight. The region is therefore a union of whole
connected components of the evidence graph, and Louvain, scoring and refinement, which work
per component, give there what a full run gives.

Global statistics are kept global: the region's projection carries every account's scalar
behaviour (so N, creation-burst baselines, volume percentiles, freshness and rotation medians
are the population's), all attachments of every node a region account touches (so node degrees
and IDF-like weights are the full ones), every shared card of the region's BINs (prepaid-BIN
boost), and the population's hourly rhythm (`HourProfile`, for lockstep). Rings of the previous
run that lie wholly outside the region are carried over unchanged (`carry_over`).

Known approximations, bounded by a periodic full run: attribution propagates only among the
rings recomputed together (carried rings keep their previous operator), carried rings keep
their previous scores (the population baselines behind them may have drifted slightly), and a
component that lost its tie to the region (a node's weight fell below the edge minimum as it
grew) is recomputed only through previous rings that spanned both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from app.detection.context import KIND_CODE, PAYMENT, PROMPT, Context
from app.detection.evidence import MIN_NODE_WEIGHT
from app.detection.lockstep import LOCKSTEP_RARE_DEGREE
from app.detection.model import DetectionParams, DetectionResult, NodeKind, Ring
from app.detection.weights import (
    BIN_BOOST,
    BURST_MIN_SHARERS,
    NODE_BURST_BOOST,
    SQUARED_SPECIFICITY_KINDS,
    attr_multiplier,
    base_weight,
    burst_members,
    creation_burst,
    natural_sharing,
    specificity,
)


def raw_node_weight(
    kind: NodeKind, attrs: dict[str, object], degree: int, n_accounts: int
) -> float:
    """A shared node's evidence weight before burst and BIN boosts (see weights.node_weights).

    Args:
        kind: The node's kind.
        attrs: Its attributes (ip_kind for IPs, method for cards, extraction for templates).
        degree: Distinct accounts attached to it (all of them, not only the region's).
        n_accounts: Accounts in the whole population.

    Returns:
        base(kind) * attribute multiplier * specificity (squared for templates and domains).
    """
    code = KIND_CODE[kind]
    ext = bool(attrs.get("extraction", False))
    s = specificity(degree, natural_sharing(code, ext), n_accounts)
    if code in SQUARED_SPECIFICITY_KINDS and not ext:
        s = s * s
    return base_weight(code, ext) * attr_multiplier(code, attrs) * s


def max_node_weight(
    kind: NodeKind, attrs: dict[str, object], degree: int, n_accounts: int
) -> float:
    """Upper bound of a shared node's evidence weight: full creation-burst and BIN boosts."""
    boost = (1 + NODE_BURST_BOOST) * ((1 + BIN_BOOST) if KIND_CODE[kind] == PAYMENT else 1.0)
    return min(1.0, raw_node_weight(kind, attrs, degree, n_accounts) * boost)


def needs_burst_check(
    kind: NodeKind, attrs: dict[str, object], degree: int, n_accounts: int
) -> bool:
    """Whether only the creation-burst boost can lift the node to the evidence minimum.

    Such nodes (a webmail domain with a thousand users sits just under it) carry the region walk
    only if their sign-ups really came in a burst: `burst_weight` settles it.
    """
    if degree < BURST_MIN_SHARERS or KIND_CODE[kind] == PAYMENT:
        return False  # no burst below 3 sharers; cards keep the bound (their BIN boost is global)
    return (
        raw_node_weight(kind, attrs, degree, n_accounts) < MIN_NODE_WEIGHT
        and max_node_weight(kind, attrs, degree, n_accounts) >= MIN_NODE_WEIGHT
    )


def burst_weight(
    kind: NodeKind,
    attrs: dict[str, object],
    created: np.ndarray,
    n_accounts: int,
    population: np.ndarray,
) -> float:
    """A non-card node's exact evidence weight, as weights.node_weights computes it.

    Args:
        kind: The node's kind (not a payment method).
        attrs: Its attributes.
        created: Sign-up times of all its accounts (NaN when unknown); its size is the degree.
        n_accounts: Accounts in the whole population.
        population: Sorted sign-up times of all accounts (unknown ones left out).

    Returns:
        raw weight * (1 + creation-burst boost), capped at 1.
    """
    raw = raw_node_weight(kind, attrs, int(created.size), n_accounts)
    boost = 0.0
    if created.size >= BURST_MIN_SHARERS:
        burst = creation_burst(created, population)
        if burst.strength > 0:
            in_burst, known = burst_members(created, population)
            share = in_burst / known if known else 0.0
            if share > 0:
                boost = NODE_BURST_BOOST * burst.strength * share
    return min(1.0, raw * (1 + boost))


def node_can_link(kind: NodeKind, attrs: dict[str, object], degree: int, n_accounts: int) -> bool:
    """Whether a shared node can put its accounts in one evidence-graph component.

    True when its weight can reach the evidence graph's minimum (it makes clique or hub
    edges), or when it is a prompt template lockstep compares its senders under
    (extraction-style or shared by at most LOCKSTEP_RARE_DEGREE accounts).

    Args:
        kind: The node's kind.
        attrs: Its attributes.
        degree: Distinct accounts attached to it.
        n_accounts: Accounts in the whole population.

    Returns:
        Whether an incremental run's region must follow it.
    """
    if degree < 2:
        return False
    if KIND_CODE[kind] == PROMPT and (
        bool(attrs.get("extraction", False)) or degree <= LOCKSTEP_RARE_DEGREE
    ):
        return True
    return max_node_weight(kind, attrs, degree, n_accounts) >= MIN_NODE_WEIGHT


@dataclass(frozen=True)
class HourProfile:
    """The population's hourly rhythm: accounts active in each epoch hour, and active accounts."""

    hours: np.ndarray  # sorted epoch hours with traffic
    accounts: np.ndarray  # accounts active in each of them
    active: int  # accounts with any active hour


def with_hour_profile(ctx: Context, profile: HourProfile) -> Context:
    """The context with the population's hourly rhythm instead of the projection's own.

    A region projection carries the activity of the region's accounts only; lockstep regresses
    each account on the share of all accounts active in each hour, which must be the
    population's for the region to get the pairs a full run gets. Hours the profile lacks (an
    ingest that committed between the two reads) keep the projection's own counts.

    Args:
        ctx: Context built from a region projection.
        profile: The population's profile (from the graph).

    Returns:
        A copy of `ctx` with hours_u, hours_p, hour_cidx, cum_p and cum_p2 replaced.
    """
    local_u, local_cnt = np.unique(ctx.hour_flat, return_counts=True)
    missing = ~np.isin(local_u, profile.hours)
    hours_u = np.concatenate((profile.hours.astype(np.int64), local_u[missing]))
    counts = np.concatenate((profile.accounts.astype(float), local_cnt[missing].astype(float)))
    order = np.argsort(hours_u, kind="stable")
    hours_u, counts = hours_u[order], counts[order]
    hours_p = counts / max(int(profile.active), 1)
    return replace(
        ctx,
        hours_u=hours_u,
        hours_p=hours_p,
        hour_cidx=np.searchsorted(hours_u, ctx.hour_flat),
        cum_p=np.concatenate(([0.0], np.cumsum(hours_p))),
        cum_p2=np.concatenate(([0.0], np.cumsum(hours_p**2))),
    )


def rings_touching(rings: Iterable[Ring], accounts: set[str] | frozenset[str]) -> list[Ring]:
    """Rings with at least one member in `accounts`."""
    return [ring for ring in rings if any(m in accounts for m in ring.members)]


def carry_over(previous: Iterable[Ring], region: set[str] | frozenset[str]) -> list[Ring]:
    """The previous run's rings whose members all lie outside the recomputed region."""
    return [ring for ring in previous if not any(m in region for m in ring.members)]


def merge_results(
    carried: list[Ring], recomputed: DetectionResult, params: DetectionParams
) -> DetectionResult:
    """Carried-over rings plus the region's rings, sorted like a full run (score, then id).

    Args:
        carried: Previous rings wholly outside the region (kept as they were).
        recomputed: Detection on the region (its rings all lie inside it).
        params: The run's parameters.

    Returns:
        One result; `stats` are the region's, with flagged / flagged_accounts / attributed over
        all rings and carried_rings added.
    """
    rings = sorted((*carried, *recomputed.rings), key=lambda r: (-r.score, r.ring_id))
    stats = dict(recomputed.stats)
    stats["carried_rings"] = float(len(carried))
    stats["flagged"] = float(sum(r.flagged for r in rings))
    stats["flagged_accounts"] = float(sum(len(r.members) for r in rings if r.flagged))
    stats["attributed"] = float(sum(r.attribution is not None for r in rings if r.flagged))
    return DetectionResult(rings=tuple(rings), params=params, stats=stats)


@dataclass(frozen=True)
class ModeDecision:
    """Whether a run is computed in full or incrementally, and why."""

    mode: str  # "full" or "incremental"
    reason: str


def choose_mode(
    requested: str,
    *,
    has_previous: bool,
    same_params: bool,
    has_watermark: bool,
    streak: int,
    full_every: int,
    previous_hubs_dropped: float,
) -> ModeDecision:
    """Decide before reading the region whether an incremental run is possible at all.

    Args:
        requested: "auto", "full" or "incremental" (incremental still falls back when it
            cannot be done correctly).
        has_previous: A previous succeeded run exists.
        same_params: It used the same detection parameters.
        has_watermark: It recorded the database time it read at.
        streak: Consecutive incremental runs before this one.
        full_every: In "auto", every full_every-th run is full to bound drift (0: never).
        previous_hubs_dropped: Big nodes the previous run dropped for its hub budget (a
            global ranking: an incremental run cannot reproduce it).

    Returns:
        The mode and a reason a person can read.

    Raises:
        ValueError: On an unknown requested mode.
    """
    if requested not in ("auto", "full", "incremental"):
        raise ValueError(f"unknown mode {requested!r}; expected auto, full or incremental")
    if requested == "full":
        return ModeDecision("full", "full run requested")
    if not has_previous:
        return ModeDecision("full", "no previous succeeded run")
    if not same_params:
        return ModeDecision("full", "detection parameters changed since the previous run")
    if not has_watermark:
        return ModeDecision("full", "the previous run recorded no watermark")
    if previous_hubs_dropped > 0:
        return ModeDecision("full", "the previous run hit the hub budget (a global ranking)")
    if requested == "auto" and full_every > 0 and streak + 1 >= full_every:
        return ModeDecision("full", f"periodic full run (every {full_every} runs)")
    return ModeDecision("incremental", "only the region the ingest touched is recomputed")


def region_too_large(region: int, accounts: int, max_share: float) -> str | None:
    """A fallback reason when the region holds more than max_share of all accounts, else None."""
    if accounts > 0 and region > max_share * accounts:
        return (
            f"the affected region holds {region:,} of {accounts:,} accounts "
            f"({region / accounts:.0%} > {max_share:.0%})"
        )
    return None
