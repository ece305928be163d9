"""Compare two graphs built from the same data (transactional load, bulk import, Python ingest)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from app.graph.queries import queries
from app.graph.runner import GraphRunner

# ActivityDay has account_id too: its own key first.
_KEYS = ("key", "account_id", "ip", "device_id", "cluster_id", "payment_id", "domain", "name")


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    # neo4j.time values compare by value; str() keeps the zone/offset form visible too.
    return (type(value).__name__, str(value))


def _value(name: str, value: Any) -> Any:
    # touched_at is the write's transaction time: only whether it is set can agree.
    return "set" if name == "touched_at" else _freeze(value)


def graph_snapshot(runner: GraphRunner) -> dict[str, dict[Any, Any]]:
    """Every data node (by label and key) and relationship (by type and ends) with its properties.

    Args:
        runner: the database seam.

    Returns:
        {"nodes": {(label, key): props}, "relationships": {(type, start, end): props}}.
    """
    nodes: dict[Any, Any] = {}
    for row in runner.read(queries.stats.list_graph_nodes):
        props = row["props"]
        key = next((props[k] for k in _KEYS if k in props), None)
        nodes[(row["label"], key)] = {k: _value(k, v) for k, v in props.items()}
    rels: dict[Any, Any] = {}
    for row in runner.read(queries.stats.list_graph_relationships):
        rels[(row["type"], row["start"], row["end"])] = {
            k: _value(k, v) for k, v in row["props"].items()
        }
    return {"nodes": nodes, "relationships": rels}


def snapshot_differences(
    left: dict[str, dict[Any, Any]],
    right: dict[str, dict[Any, Any]],
    limit: int = 10,
    ignore: frozenset[tuple[str, str]] = frozenset(),
) -> list[str]:
    """Human-readable differences between two snapshots (empty list: the graphs are equal).

    Args:
        left: one snapshot.
        right: the other.
        limit: at most this many differences.
        ignore: (label or type, property) pairs not compared.

    Returns:
        The differences, at most `limit`.
    """
    if ignore:
        left, right = _without(left, ignore), _without(right, ignore)
    found: list[str] = []
    for part in ("nodes", "relationships"):
        a, b = left[part], right[part]
        counts_a = Counter(k[0] for k in a)
        counts_b = Counter(k[0] for k in b)
        if counts_a != counts_b:
            found.append(f"{part} per label/type differ: {dict(counts_a)} vs {dict(counts_b)}")
        for key in sorted(a.keys() & b.keys(), key=str):
            if a[key] != b[key]:
                diff = {
                    k: (a[key].get(k), b[key].get(k))
                    for k in a[key].keys() | b[key].keys()
                    if a[key].get(k) != b[key].get(k)
                }
                found.append(f"{part} {key}: {diff}")
                if len(found) >= limit:
                    return found
        for key in sorted(a.keys() ^ b.keys(), key=str)[:limit]:
            found.append(f"{part} {key} only in {'left' if key in a else 'right'}")
    return found[:limit]


def _without(
    snapshot: dict[str, dict[Any, Any]], ignore: frozenset[tuple[str, str]]
) -> dict[str, dict[Any, Any]]:
    return {
        part: {
            key: {k: v for k, v in props.items() if (key[0], k) not in ignore}
            for key, props in items.items()
        }
        for part, items in snapshot.items()
        if part in ("nodes", "relationships")
    }
