"""Community detection on the evidence graph (Louvain), component by component.

Algorithms (`DetectionParams.algorithm`, see ALGORITHMS and docs/algorithms.md for the comparison):

* python-louvain (default): `community.best_partition`, seeded.
* networkx-louvain: `networkx.community.louvain_communities`, seeded.
* leiden: leidenalg on igraph (RBConfiguration = modularity with resolution), seeded.
* networkit-plm: NetworKit's PLM (Louvain with a refinement move phase) in C++. The move phase
  runs with par="none" (nodes visited in order, no shuffling), which makes it deterministic for
  any thread count; the coarsening uses every core. `seed` has no effect (nothing is random).
* networkit-leiden: NetworKit's ParallelLeiden on every core. Not deterministic with more than
  one thread (threads race on node moves; NetworKit seeds one generator per thread), so ring ids
  can differ between two runs on the same data; with RINGSCOPE_NETWORKIT_THREADS=1 it is
  deterministic for a given seed.

All of them optimise modularity with the same resolution on the same graph.

gds-louvain / gds-leiden (EXTERNAL_ALGORITHMS) run in Neo4j Graph Data Science: this module stays
pure and only calls the `CommunityFinder` it is handed (app.graph.gds_repo.gds_finder builds one
on a runner); without one they raise ValueError. Per-component splitting, pendant folding, hub
removal and refinement are the same for every algorithm.

Louvain runs separately on each connected component. Disconnected accounts can never share a
community anyway, and running per component keeps modularity's null model local: a ring's
partition does not change because unrelated traffic elsewhere in the projection grew (global
modularity's resolution limit would otherwise merge small rings as the graph gets bigger).
Components of at most SMALL_COMPONENT accounts are taken as they are: Louvain would not split
them and calling it thousands of times costs more than the whole rest of the stage.

`refine` re-runs Louvain inside one community (its induced subgraph, hubs included): a small
dense cell inside a big component can be merged with its neighbourhood by modularity's
resolution limit, and looking again at the community alone separates it. The pipeline keeps
the split only when it exposes a ring that scores clearly higher than the whole.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import community as community_louvain
import networkx as nx
import numpy as np

from app.detection.membership import Adjacency
from app.detection.model import DetectionParams

SMALL_COMPONENT = 3
ALGORITHMS = (
    "python-louvain",
    "networkx-louvain",
    "leiden",
    "networkit-plm",
    "networkit-leiden",
)
NETWORKIT = ("networkit-plm", "networkit-leiden")
# Run outside Python (Neo4j GDS) through a CommunityFinder supplied by the caller.
EXTERNAL_ALGORITHMS = ("gds-louvain", "gds-leiden")

# Communities of one connected weighted graph given as edge arrays (u, v, w) over arbitrary
# non-negative integer vertex ids: a list of vertex-id groups covering every endpoint.
CommunityFinder = Callable[[np.ndarray, np.ndarray, np.ndarray], list[list[int]]]
# ParallelLeiden's number of Leiden passes (NetworKit's default): later passes start from the
# previous partition and stop early once nothing moves.
NETWORKIT_LEIDEN_ITERATIONS = 3


def _louvain(graph: nx.Graph, params: DetectionParams) -> list[list[int]]:
    """Communities of `graph` with the chosen algorithm (fixed seed)."""
    if params.algorithm == "python-louvain":
        part: dict[int, int] = community_louvain.best_partition(
            graph, weight="weight", resolution=params.resolution, random_state=params.seed
        )
        groups: dict[int, list[int]] = {}
        for node, cid in part.items():
            groups.setdefault(cid, []).append(node)
        return list(groups.values())
    if params.algorithm == "leiden":
        return _leiden(graph, params)
    comms = nx.community.louvain_communities(
        graph, weight="weight", resolution=params.resolution, seed=params.seed
    )
    return [list(c) for c in comms]


def _leiden(graph: nx.Graph, params: DetectionParams) -> list[list[int]]:
    """Leiden (leidenalg on igraph) with the same modularity objective and resolution."""
    import igraph
    import leidenalg

    nodes = list(graph.nodes())
    index = {node: i for i, node in enumerate(nodes)}
    edges = [(index[a], index[b]) for a, b in graph.edges()]
    weights = [float(data.get("weight", 1.0)) for _a, _b, data in graph.edges(data=True)]
    ig = igraph.Graph(n=len(nodes), edges=edges)
    found = leidenalg.find_partition(
        ig,
        leidenalg.RBConfigurationVertexPartition,
        weights=weights,
        resolution_parameter=params.resolution,
        seed=params.seed,
    )
    return [[nodes[i] for i in community] for community in found]


def networkit_threads() -> int:
    """Threads NetworKit uses: RINGSCOPE_NETWORKIT_THREADS, else every core this process may use."""
    configured = os.environ.get("RINGSCOPE_NETWORKIT_THREADS", "").strip()
    if configured:
        try:
            threads = int(configured)
        except ValueError:
            raise ValueError(
                f"RINGSCOPE_NETWORKIT_THREADS must be a positive integer, got {configured!r}"
            ) from None
        if threads < 1:
            raise ValueError(f"RINGSCOPE_NETWORKIT_THREADS must be >= 1, got {threads}")
        return threads
    # The cores this process may run on (a container or taskset can allow fewer than exist).
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _networkit(
    u: np.ndarray, v: np.ndarray, w: np.ndarray, params: DetectionParams
) -> list[list[int]]:
    """Communities with NetworKit (PLM with refinement, or ParallelLeiden) on one component.

    Vertex ids are compacted to 0..k-1 for NetworKit and mapped back. Edges are added in the
    given (sorted) order, so the graph and hence PLM's visiting order are reproducible.
    """
    import networkit as nk

    nk.setNumberOfThreads(networkit_threads())
    # One seed for every thread (useThreadId=False): reproducible with one thread; see the
    # module docstring for ParallelLeiden with several.
    nk.engineering.setSeed(params.seed, False)
    ids, inverse = np.unique(np.concatenate((u, v)), return_inverse=True)
    graph = nk.Graph(int(ids.size), weighted=True, directed=False)
    graph.addEdges(
        (
            w.astype(np.float64),
            (inverse[: u.size].astype(np.uint64), inverse[u.size :].astype(np.uint64)),
        )
    )
    if params.algorithm == "networkit-plm":
        algo = nk.community.PLM(graph, refine=True, gamma=params.resolution, par="none")
    else:
        algo = nk.community.ParallelLeiden(
            graph,
            randomize=True,
            iterations=NETWORKIT_LEIDEN_ITERATIONS,
            gamma=params.resolution,
        )
    algo.run()
    labels = np.asarray(algo.getPartition().getVector(), dtype=np.int64)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    return [ids[part].tolist() for part in np.split(order, bounds)]


def _louvain_pendants_folded(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    w: np.ndarray,
    params: DetectionParams,
    finder: CommunityFinder | None = None,
) -> list[list[int]]:
    """Louvain on one component with its pendant accounts folded into their neighbours.

    An account with a single edge always gains modularity by joining its only neighbour's
    community, so it is left out of the (pure Python, per-visit) Louvain sweeps and put there
    afterwards. Real projections have thousands of such accounts hanging off one crowd hub.
    """
    deg = np.bincount(np.concatenate((u, v)))
    pend_u = (u < n) & (deg[u] == 1) & (deg[v] > 1)
    pend_v = (v < n) & (deg[v] == 1) & (deg[u] > 1)
    pendant = pend_u | pend_v
    groups: list[list[int]]
    if not (~pendant).any():
        groups = []
    elif finder is not None:
        groups = finder(u[~pendant], v[~pendant], w[~pendant])
    elif params.algorithm in NETWORKIT:
        groups = _networkit(u[~pendant], v[~pendant], w[~pendant], params)
    else:
        graph = nx.Graph()
        graph.add_weighted_edges_from(
            zip(u[~pendant].tolist(), v[~pendant].tolist(), w[~pendant].tolist(), strict=True)
        )
        groups = _louvain(graph, params)
    label = {x: i for i, group in enumerate(groups) for x in group}
    leaf = np.where(pend_u, u, v)[pendant]
    anchor = np.where(pend_u, v, u)[pendant]
    for x, y in zip(leaf.tolist(), anchor.tolist(), strict=True):
        if y not in label:  # a star made only of pendants: the anchor is its own community
            label[y] = len(groups)
            groups.append([y])
        groups[label[y]].append(x)
    return groups


def components(n_vertices: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Connected-component label (smallest vertex of the component) of every vertex.

    Args:
        n_vertices: Number of vertices.
        u: Edge sources.
        v: Edge targets.

    Returns:
        Label per vertex; isolated vertices are their own label.
    """
    parent = list(range(n_vertices))

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in zip(u.tolist(), v.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            if ra < rb:
                parent[rb] = ra
            else:
                parent[ra] = rb
    return np.array([find(x) for x in range(n_vertices)], dtype=np.int64)


def partition(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    w: np.ndarray,
    params: DetectionParams,
    finder: CommunityFinder | None = None,
) -> list[np.ndarray]:
    """Communities only (see `louvain_partition`)."""
    return louvain_partition(n, u, v, w, params, finder)[0]


def _check_algorithm(params: DetectionParams, finder: CommunityFinder | None) -> None:
    if params.algorithm in EXTERNAL_ALGORITHMS:
        if finder is None:
            raise ValueError(
                f"algorithm {params.algorithm!r} runs in Neo4j Graph Data Science: it needs a "
                "server with the GDS plugin and runs through `ringscope detect` "
                "(see docs/algorithms.md)"
            )
        return
    if params.algorithm not in ALGORITHMS:
        raise ValueError(
            f"unknown algorithm {params.algorithm!r}; expected one of "
            f"{ALGORITHMS + EXTERNAL_ALGORITHMS}"
        )


def modularity(u: np.ndarray, v: np.ndarray, w: np.ndarray, labels: np.ndarray) -> float:
    """Newman modularity (resolution 1) of a vertex labelling of the weighted graph.

    Args:
        u: Edge sources.
        v: Edge targets.
        w: Edge weights.
        labels: Community label per vertex (covering every edge endpoint).

    Returns:
        Q in [-0.5, 1]; 0 for an empty graph.
    """
    m = float(w.sum())
    if m <= 0:
        return 0.0
    inside = float(w[labels[u] == labels[v]].sum())
    strength = np.bincount(np.concatenate((labels[u], labels[v])), weights=np.concatenate((w, w)))
    return inside / m - float((strength**2).sum()) / (4 * m * m)


def louvain_partition(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    w: np.ndarray,
    params: DetectionParams,
    finder: CommunityFinder | None = None,
) -> tuple[list[np.ndarray], np.ndarray]:
    """Split the accounts that have at least one edge into communities.

    Vertices >= n are hub vertices (see evidence.py): they take part in community detection
    and are removed from the communities afterwards.

    Args:
        n: Number of accounts (vertices 0..n-1 are accounts).
        u: Edge sources.
        v: Edge targets.
        w: Edge weights.
        params: Run parameters (algorithm, resolution, seed).
        finder: Runs the community detection of one component instead of the in-process
            algorithms; required for EXTERNAL_ALGORITHMS (gds-*).

    Returns:
        Communities of size >= 2 as sorted index arrays, in ascending order of their first
        member (accounts without edges are singletons and are not returned), and the community
        label of every vertex (hubs included) for computing modularity.

    Raises:
        ValueError: On an unknown algorithm, or a gds-* algorithm without a finder.
    """
    _check_algorithm(params, finder)
    result: list[np.ndarray] = []
    if u.size == 0:
        return result, np.zeros(0, dtype=np.int64)
    n_vertices = int(max(u.max(), v.max())) + 1
    vertex_label = np.full(n_vertices, -1, dtype=np.int64)
    next_label = 0
    label = components(n_vertices, u, v)
    edge_comp = label[u]
    # Sorted by component, then edge: each component's graph is built in a reproducible order,
    # which fixes Louvain's sweep order.
    order = np.lexsort((v, u, edge_comp))
    u, v, w, edge_comp = u[order], v[order], w[order], edge_comp[order]
    bounds = np.flatnonzero(np.diff(edge_comp)) + 1
    size = np.bincount(label, minlength=n_vertices)
    for start, stop in zip(
        np.concatenate(([0], bounds)), np.concatenate((bounds, [u.size])), strict=True
    ):
        comp = int(edge_comp[start])
        cu, cv = u[start:stop], v[start:stop]
        if size[comp] <= SMALL_COMPONENT:
            groups = [np.unique(np.concatenate((cu, cv))).tolist()]
        else:
            groups = _louvain_pendants_folded(n, cu, cv, w[start:stop], params, finder)
        for group in groups:
            vertex_label[np.asarray(group, dtype=np.int64)] = next_label
            next_label += 1
            accounts = sorted(x for x in group if x < n)
            if len(accounts) >= 2:
                result.append(np.array(accounts, dtype=np.int64))
    result.sort(key=lambda a: int(a[0]))
    return result, vertex_label


def refine(
    adj: Adjacency,
    members: np.ndarray,
    params: DetectionParams,
    finder: CommunityFinder | None = None,
) -> list[np.ndarray]:
    """Louvain on one community's induced subgraph (with the hub vertices its members touch).

    Args:
        adj: Adjacency of the evidence graph.
        members: Sorted account indices of the community.
        params: Run parameters.
        finder: As in `louvain_partition`.

    Returns:
        Sub-communities of size >= 2 (a single one when nothing splits).
    """
    starts = adj.ptr[members]
    lens = adj.ptr[members + 1] - starts
    src = np.repeat(members, lens)
    pos = np.concatenate([np.arange(a, b) for a, b in zip(starts, starts + lens, strict=True)])
    dst, wt = adj.nbr[pos], adj.wt[pos]
    keep = (dst >= adj.n_accounts) | (np.isin(dst, members) & (dst > src))
    su, sv, sw = src[keep], dst[keep], wt[keep]
    order = np.lexsort((sv, su))
    if su.size == 0:
        return [members]
    _check_algorithm(params, finder)
    groups = _louvain_pendants_folded(
        adj.n_accounts, su[order], sv[order], sw[order], params, finder
    )
    parts: list[np.ndarray] = []
    for group in groups:
        accounts = sorted(x for x in group if x < adj.n_accounts)
        if len(accounts) >= 2:
            parts.append(np.array(accounts, dtype=np.int64))
    parts.sort(key=lambda a: int(a[0]))
    return parts
