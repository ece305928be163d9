"""Community stage: components, pendant folding, hub removal, determinism."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.detection.communities import components, partition
from app.detection.model import DetectionParams


def _edges(pairs: list[tuple[int, int, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    u = np.array([min(a, b) for a, b, _ in pairs])
    v = np.array([max(a, b) for a, b, _ in pairs])
    w = np.array([x for _, _, x in pairs], dtype=float)
    return u, v, w


def test_components_labels_by_smallest_vertex() -> None:
    u, v, _ = _edges([(0, 1, 1), (1, 2, 1), (5, 6, 1)])
    assert components(8, u, v).tolist() == [0, 0, 0, 3, 4, 5, 5, 7]


@pytest.mark.parametrize("algorithm", ["python-louvain", "networkx-louvain", "leiden"])
def test_two_cliques_joined_by_a_weak_edge_split_and_hubs_vanish(algorithm: str) -> None:
    a = list(range(0, 8))
    b = list(range(8, 16))
    pairs = [(x, y, 1.0) for x, y in itertools.combinations(a, 2)]
    pairs += [(x, y, 1.0) for x, y in itertools.combinations(b, 2)]
    pairs += [(7, 8, 0.05)]
    # Accounts 16..19 hang off a hub vertex 20 (n = 20 accounts), account 21 is a hub too.
    pairs += [(x, 20, 0.5) for x in (16, 17, 18, 19)]
    pairs += [(0, 21, 0.3)]
    u, v, w = _edges(pairs)
    comms = partition(20, u, v, w, DetectionParams(algorithm=algorithm))
    as_sets = [set(c.tolist()) for c in comms]
    assert set(a) <= next(s for s in as_sets if 0 in s)
    assert set(b) in as_sets
    assert {16, 17, 18, 19} in as_sets
    assert all(x < 20 for s in as_sets for x in s)


def test_pendant_accounts_follow_their_neighbour() -> None:
    clique = list(range(6))
    pairs = [(x, y, 1.0) for x, y in itertools.combinations(clique, 2)]
    pairs += [(6, 0, 0.2), (7, 3, 0.2)]  # pendants
    u, v, w = _edges(pairs)
    comms = partition(8, u, v, w, DetectionParams())
    assert [c.tolist() for c in comms] == [list(range(8))]


def test_partition_is_deterministic() -> None:
    rng = np.random.default_rng(0)
    pairs = [
        (int(a), int(b), float(rng.random())) for a, b in rng.integers(0, 300, (900, 2)) if a != b
    ]
    pairs = list({(min(a, b), max(a, b)): (a, b, x) for a, b, x in pairs}.values())
    u, v, w = _edges(pairs)
    first = partition(300, u, v, w, DetectionParams())
    second = partition(300, u, v, w, DetectionParams())
    assert [c.tolist() for c in first] == [c.tolist() for c in second]
