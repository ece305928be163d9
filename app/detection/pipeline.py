"""The detection run: projection in, rings out. Pure: no I/O, no logging, no globals."""

from __future__ import annotations

import hashlib
import time

import numpy as np

from app.detection.attribution import RingDraft, attribute
from app.detection.communities import CommunityFinder, louvain_partition, modularity, refine
from app.detection.context import Context, build_context
from app.detection.evidence import build_evidence
from app.detection.incremental import HourProfile, with_hour_profile
from app.detection.membership import Adjacency, adjacency, periphery
from app.detection.model import DetectionParams, DetectionResult, Projection, Ring, Signal
from app.detection.scoring import RingScorer

# A community scoring at least this is looked at again on its own (see communities.refine);
# the split is kept if a part reaches the flag threshold and beats the whole by REFINE_MIN_GAIN
# (a cell diluted by the crowd it was merged with scores lower than the cell alone).
REFINE_MIN_SCORE = 0.2
REFINE_MIN_GAIN = 0.05


def ring_id(members: list[str] | tuple[str, ...]) -> str:
    """Deterministic ring id: "r-" + 10 hex digits of SHA-1 over the sorted member ids."""
    digest = hashlib.sha1("\n".join(sorted(members)).encode("utf-8"), usedforsecurity=False)
    return "r-" + digest.hexdigest()[:10]


def _trim(
    ctx: Context,
    scorer: RingScorer,
    adj: Adjacency,
    members: np.ndarray,
    score: float,
    signals: list[Signal],
    params: DetectionParams,
) -> tuple[np.ndarray, float, list[Signal], int]:
    """Drop the periphery of a ring that would be flagged (see membership.py) and rescore."""
    if score < params.flag_threshold or members.size < params.min_ring_size:
        return members, score, signals, 0
    drop = periphery(ctx, adj, members, scorer.denominator)
    if not drop.any() or int((~drop).sum()) < 2:
        return members, score, signals, 0
    removed = [ctx.ids[int(i)] for i in members[drop]]
    members = members[~drop]
    score, signals = scorer.score(members)
    shown = ", ".join(removed[:5]) + (" ..." if len(removed) > 5 else "")
    signals.append(
        Signal(
            "note:periphery_removed",
            0.0,
            f"{len(removed)} weakly tied, quiet account(s) that do not use the ring's templates "
            f"were left out of the ring: {shown}",
        )
    )
    return members, score, signals, len(removed)


def detect(
    projection: Projection,
    params: DetectionParams = DetectionParams(),
    *,
    region: frozenset[str] | None = None,
    hour_profile: HourProfile | None = None,
    finder: CommunityFinder | None = None,
) -> DetectionResult:
    """Find, score and attribute account rings.

    Stages: evidence graph (node weights, cliques / hub stars, lockstep ties), Louvain per
    connected component, ring scoring (a suspicious community is re-partitioned on its own when
    that exposes a clearly stronger ring, and the periphery of would-be-flagged rings is
    trimmed, see membership.py), attribution. Every community of at least two accounts is returned
    as a ring; `flagged` is score >= params.flag_threshold and size >= params.min_ring_size.
    Identical input and parameters give identical ring ids, scores and order.

    Incremental runs (see incremental.py) pass a region projection: every account's behaviour
    but only the region's activity and the attachments of the nodes it touches. Only
    communities lying wholly inside `region` are then scored and returned (accounts outside it
    may still form partial components through BIN-sibling cards; their rings are carried over
    from the previous run instead).

    Args:
        projection: Accounts, shared nodes and attachments read from the graph.
        params: Algorithm, resolution, seed, flag threshold and minimum ring size.
        region: Account ids to return rings for (None: all).
        hour_profile: The population's hourly rhythm, when the projection carries only part of
            the activity (None: computed from the projection).

    Returns:
        Rings sorted by descending score then ring id. `stats` holds per-stage seconds
        ("<stage>_seconds": index, evidence_graph, lockstep (inside evidence_graph), louvain,
        scoring (includes refinement), attribution, total) and counts (accounts, nodes,
        attachments, edges, hubs, lockstep_pairs, communities, modularity of the Louvain
        partition, periphery_removed, communities_refined, flagged, flagged_accounts,
        attributed).
    """
    stats: dict[str, float] = {}
    t0 = time.perf_counter()
    ctx = build_context(projection)
    if hour_profile is not None:
        ctx = with_hour_profile(ctx, hour_profile)
    t1 = time.perf_counter()
    ev = build_evidence(ctx)
    t2 = time.perf_counter()
    comms, labels = louvain_partition(ctx.n, ev.u, ev.v, ev.w, params, finder)
    if region is not None:
        inside = np.zeros(ctx.n, dtype=bool)
        inside[[ctx.pos[a] for a in region if a in ctx.pos]] = True
        comms = [c for c in comms if inside[c].all()]
        stats["region_accounts"] = float(inside.sum())
    t3 = time.perf_counter()

    scorer = RingScorer(ctx, ev)
    adj = adjacency(ev, ctx.n)
    drafts: list[RingDraft] = []
    scored: list[tuple[float, list[Signal]]] = []
    trimmed = 0
    refined = 0
    for community in comms:
        score, signals = scorer.score(community)
        parts: list[tuple[np.ndarray, float, list[Signal]]] = [(community, score, signals)]
        if community.size >= 2 * params.min_ring_size and score >= REFINE_MIN_SCORE:
            sub = refine(adj, community, params, finder)
            if len(sub) > 1:
                scored_parts = [(m, *scorer.score(m)) for m in sub]
                best = max(p[1] for p in scored_parts)
                if best >= params.flag_threshold and best >= score + REFINE_MIN_GAIN:
                    parts = scored_parts
                    refined += 1
        for members, part_score, part_signals in parts:
            members, part_score, part_signals, removed = _trim(
                ctx, scorer, adj, members, part_score, part_signals, params
            )
            trimmed += removed
            ids = [ctx.ids[int(i)] for i in members]
            flagged = part_score >= params.flag_threshold and members.size >= params.min_ring_size
            drafts.append(RingDraft(ring_id(ids), members, flagged))
            scored.append((part_score, part_signals))
    t4 = time.perf_counter()

    attributions = attribute(ctx, ev, drafts)
    t5 = time.perf_counter()

    rings = [
        Ring(
            ring_id=d.ring_id,
            members=tuple(ctx.ids[int(i)] for i in d.members),
            score=score,
            flagged=d.flagged,
            signals=tuple(signals),
            attribution=attr,
        )
        for d, (score, signals), attr in zip(drafts, scored, attributions, strict=True)
    ]
    rings.sort(key=lambda r: (-r.score, r.ring_id))

    # Stage timings end in "_seconds" (the run recorder files them as stages); the rest are counts.
    stats["index_seconds"] = t1 - t0
    stats["evidence_graph_seconds"] = t2 - t1
    stats["lockstep_seconds"] = ev.lockstep_seconds  # part of evidence_graph
    stats["louvain_seconds"] = t3 - t2
    stats["scoring_seconds"] = t4 - t3
    stats["attribution_seconds"] = t5 - t4
    stats["total_seconds"] = t5 - t0
    stats["accounts"] = float(ctx.n)
    stats["nodes"] = float(len(ctx.node_keys))
    stats["attachments"] = float(ctx.acct_node.size)
    stats["attachments_skipped"] = float(ctx.skipped_attachments)
    stats["edges"] = float(ev.u.size)
    stats["lockstep_pairs"] = float(ev.lockstep.u.size)
    stats["hubs"] = float(ev.hubs.size)
    stats["hubs_dropped"] = float(ev.dropped_nodes)
    linked = np.unique(np.concatenate((ev.u, ev.v)))
    stats["accounts_in_graph"] = float((linked < ctx.n).sum())
    stats["communities"] = float(len(comms))
    stats["modularity"] = modularity(ev.u, ev.v, ev.w, labels)
    stats["periphery_removed"] = float(trimmed)
    stats["communities_refined"] = float(refined)
    stats["flagged"] = float(sum(r.flagged for r in rings))
    stats["flagged_accounts"] = float(sum(len(r.members) for r in rings if r.flagged))
    stats["attributed"] = float(sum(r.attribution is not None for r in rings if r.flagged))
    return DetectionResult(rings=tuple(rings), params=params, stats=stats)
