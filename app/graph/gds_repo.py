"""Community detection in Neo4j Graph Data Science (optional; needs the GDS plugin).

The evidence graph is still computed in Python (app.detection: node weights, crowd caps, hub
vertices, lockstep ties). Only the community stage moves into the database: each connected
component's weighted edge list is projected into the GDS catalog with a Cypher aggregation
projection over integer ids (nothing is written to the stored graph), Louvain or Leiden is
streamed, and the projection is dropped in the same query. app.detection.communities calls the
`CommunityFinder` built here exactly where it would call an in-process algorithm, so splitting by
component, pendant folding, hub removal, refinement, scoring and ring writing are unchanged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np

from app.detection.communities import EXTERNAL_ALGORITHMS, CommunityFinder
from app.detection.model import DetectionParams
from app.graph.queries import queries
from app.graph.runner import GraphRunner

# gds.louvain / gds.leiden defaults (kept explicit so a GDS upgrade cannot change results).
MAX_LEVELS = 10
TOLERANCE = 0.0001
REQUIRED_PROCEDURES = frozenset({"gds.louvain.stream", "gds.leiden.stream", "gds.graph.drop"})


class GdsUnavailable(RuntimeError):
    """The server has no Graph Data Science plugin (or not the procedures we call)."""


@dataclass(frozen=True)
class GdsSettings:
    """How GDS runs: algorithm (gds-louvain / gds-leiden), threads, Leiden's gamma and seed."""

    algorithm: str
    concurrency: int = 1
    gamma: float = 1.0
    seed: int = 42


def check_gds(runner: GraphRunner) -> None:
    """Fail early, with a clear message, when the server cannot run the gds-* algorithms.

    Args:
        runner: The database seam.

    Raises:
        GdsUnavailable: The procedures are missing (plugin not installed, or not allowed by
            `dbms.security.procedures.unrestricted=gds.*`).
    """
    rows = runner.read(queries.gds.find_gds_procedures)
    missing = REQUIRED_PROCEDURES - set(rows[0]["names"] if rows else [])
    if missing:
        raise GdsUnavailable(
            f"the Neo4j server has no Graph Data Science procedures {sorted(missing)}; install "
            "the GDS plugin (docs/algorithms.md, 'GDS route') or choose another --algorithm"
        )


def gds_communities(
    runner: GraphRunner, u: np.ndarray, v: np.ndarray, w: np.ndarray, settings: GdsSettings
) -> list[list[int]]:
    """Communities of one weighted graph, computed by GDS.

    Args:
        runner: The database seam (the server must have GDS).
        u: Edge sources (non-negative integer vertex ids).
        v: Edge targets.
        w: Edge weights (> 0).
        settings: Algorithm and its options.

    Returns:
        Vertex-id groups, one per community, covering every endpoint.

    Raises:
        ValueError: On an algorithm that is not a gds-* one.
    """
    if settings.algorithm == "gds-louvain":
        query = queries.gds.stream_louvain_edges
        extra: dict[str, object] = {}
    elif settings.algorithm == "gds-leiden":
        query = queries.gds.stream_leiden_edges
        extra = {"gamma": settings.gamma, "seed": settings.seed}
    else:
        raise ValueError(f"not a GDS algorithm: {settings.algorithm!r}; use {EXTERNAL_ALGORITHMS}")
    edges = [
        [a, b, x] for a, b, x in zip(u.tolist(), v.tolist(), w.astype(float).tolist(), strict=True)
    ]
    # A fresh name per call: concurrent runs (or a failed earlier call) never collide.
    graph_name = f"ringscope-{uuid.uuid4().hex}"
    try:
        rows = runner.read(
            query,
            edges=edges,
            graph_name=graph_name,
            concurrency=settings.concurrency,
            max_levels=MAX_LEVELS,
            tolerance=TOLERANCE,
            **extra,
        )
    except Exception:
        runner.read(queries.gds.drop_graph_if_exists, graph_name=graph_name)
        raise
    groups: dict[int, list[int]] = {}
    for vertex, community in rows[0]["labels"] if rows else []:
        groups.setdefault(int(community), []).append(int(vertex))
    return [sorted(group) for _cid, group in sorted(groups.items())]


def gds_finder(
    runner: GraphRunner, params: DetectionParams, concurrency: int = 1
) -> CommunityFinder:
    """A CommunityFinder for app.detection that runs params.algorithm (gds-*) on `runner`.

    Args:
        runner: The database seam; checked for the GDS procedures first.
        params: Run parameters (algorithm, resolution used as Leiden's gamma, seed).
        concurrency: GDS threads. 1 (default) keeps results repeatable; GDS Louvain has no seed
            and is not deterministic with more threads.

    Returns:
        The finder to pass to `detect` / `louvain_partition`.

    Raises:
        GdsUnavailable: The server has no GDS.
    """
    check_gds(runner)
    settings = GdsSettings(params.algorithm, concurrency, params.resolution, params.seed)

    def finder(u: np.ndarray, v: np.ndarray, w: np.ndarray) -> list[list[int]]:
        return gds_communities(runner, u, v, w, settings)

    return finder
