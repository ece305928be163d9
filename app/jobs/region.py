"""The region an incremental detection run recomputes (see app.detection.incremental).

Starting from the accounts an ingest touched, walk the shared nodes that can tie accounts
together in the evidence graph (`node_can_link`; for nodes only a creation burst could lift to
the evidence minimum, the exact burst boost from their accounts' sign-up times) to every
account they reach, and pull in the
members of previous rings that the region reaches (their old component must be recomputed
whole), until nothing new is found or the region grows past `limit` (the run then falls back to
a full recompute, so walking further would be wasted).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np

from app.detection.evidence import MIN_NODE_WEIGHT
from app.detection.incremental import burst_weight, needs_burst_check, node_can_link
from app.detection.model import NodeKind, Ring
from app.graph import jobs_repo
from app.graph.runner import GraphRunner


def affected_region(
    runner: GraphRunner,
    touched: Iterable[str],
    n_accounts: int,
    previous: Iterable[Ring],
    limit: int | None = None,
) -> tuple[set[str], int]:
    """Accounts whose rings a small ingest can change.

    Args:
        runner: the database seam.
        touched: accounts changed since the previous run.
        n_accounts: accounts in the population (node weights depend on it).
        previous: the previous run's rings.
        limit: stop walking once the region is larger than this (None: no limit).

    Returns:
        (region, walk steps). A region larger than `limit` is incomplete.
    """
    ring_of: dict[str, list[Ring]] = defaultdict(list)
    for ring in previous:
        for member in ring.members:
            ring_of[member].append(ring)
    region: set[str] = set()
    frontier = set(touched)
    followed: set[tuple[str, str]] = set()
    population: np.ndarray | None = None
    steps = 0
    while frontier:
        # Previous rings the frontier reaches are recomputed whole.
        for account in list(frontier):
            for ring in ring_of.get(account, ()):
                frontier.update(m for m in ring.members if m not in region)
        region |= frontier
        if limit is not None and len(region) > limit:
            break
        steps += 1
        by_kind: dict[str, list[str]] = defaultdict(list)
        uncertain: dict[tuple[str, str], dict[str, Any]] = {}
        for node in jobs_repo.region_nodes(runner, sorted(frontier)):
            key = (node.kind, node.node_id)
            if key in followed:
                continue
            followed.add(key)
            kind = NodeKind(node.kind)
            if not node_can_link(kind, node.attrs, node.degree, n_accounts):
                continue
            if needs_burst_check(kind, node.attrs, node.degree, n_accounts):
                uncertain[key] = node.attrs
            else:
                by_kind[node.kind].append(node.node_id)
        if uncertain:
            if population is None:
                population = jobs_repo.account_creation_times(runner)
            grouped: dict[str, list[str]] = defaultdict(list)
            for kind_label, node_id in uncertain:
                grouped[kind_label].append(node_id)
            for (kind_label, node_id), created in jobs_repo.node_member_created(
                runner, grouped
            ).items():
                kind = NodeKind(kind_label)
                attrs = uncertain[(kind_label, node_id)]
                weight = burst_weight(kind, attrs, created, n_accounts, population)
                if weight >= MIN_NODE_WEIGHT:
                    by_kind[kind_label].append(node_id)
        frontier = (jobs_repo.node_accounts(runner, by_kind) - region) if by_kind else set()
    return region, steps
