"""A ring's attribution subgraph as plain nodes and edges, and its collapsed view for drawing.

The full graph (every member and labeled account) feeds the exports; the view collapses member
accounts that share exactly the same attachments into one group node with a count, so a ring of
thousands of accounts draws as a few hundred nodes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from app.graph.web_repo import Link, Member, RingDetail, SharedNodeRow

ACCOUNT = "Account"
GROUP = "AccountGroup"
OPERATOR = "Operator"
NODE_KINDS = (ACCOUNT, GROUP, "PaymentMethod", "IP", "Device", "PromptCluster", OPERATOR)
KIND_TITLES = {
    ACCOUNT: "Account",
    GROUP: "Account group",
    "PaymentMethod": "Payment method",
    "IP": "IP address",
    "Device": "Device",
    "PromptCluster": "Prompt cluster",
    OPERATOR: "Operator",
}
# Collapse member accounts into groups when the ring has more than this many account nodes.
COLLAPSE_THRESHOLD = 120


@dataclass(slots=True)
class GraphNode:
    """A node of the drawn / exported graph; `accounts` lists a group's member ids."""

    id: str
    kind: str
    key: str
    label: str
    props: dict[str, Any] = field(default_factory=dict)
    member: bool = False
    labeled: bool = False
    attributed: bool = False
    count: int = 1
    degree: int = 0
    accounts: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__slots__}
        data["accounts"] = list(self.accounts)
        return data


@dataclass(slots=True)
class GraphEdge:
    """An account (or group) to node link; `accounts` is how many accounts it stands for."""

    id: str
    source: str
    target: str
    rel: str
    count: int = 0
    first_seen: float | None = None
    last_seen: float | None = None
    accounts: int = 1
    confidence: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True)
class RingGraph:
    """Nodes and edges of one ring's attribution subgraph."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    collapsed: bool = False

    def node_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for node in self.nodes:
            counts[node.kind] += 1
        return dict(counts)

    def time_range(self) -> tuple[float | None, float | None]:
        firsts = [e.first_seen for e in self.edges if e.first_seen is not None]
        lasts = [e.last_seen for e in self.edges if e.last_seen is not None]
        return (min(firsts) if firsts else None, max(lasts) if lasts else None)

    def as_json(self) -> dict[str, Any]:
        lo, hi = self.time_range()
        return {
            "collapsed": self.collapsed,
            "counts": self.node_counts(),
            "time_range": {"min": lo, "max": hi},
            "nodes": [n.as_json() for n in self.nodes],
            "edges": [e.as_json() for e in self.edges],
        }


def node_id(kind: str, key: str) -> str:
    """The graph id of a node: "<Kind>:<key>"."""
    return f"{kind}:{key}"


def _short(text: str, size: int = 28) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def node_label(kind: str, key: str, props: dict[str, Any]) -> str:
    """A short human label for a node."""
    if kind == "PromptCluster" and props.get("sample"):
        return _short(str(props["sample"]), 32)
    if kind == "PaymentMethod" and props.get("method"):
        return _short(f"{props['method']} {key}")
    return _short(key)


def _member_props(member: Member) -> dict[str, Any]:
    props = {
        k: v
        for k, v in member.as_json().items()
        if k not in ("account_id", "labels") and v not in (None, "")
    }
    if member.labels:
        props["labels"] = "; ".join(
            f"{label['operator']} ({float(label.get('confidence') or 0):.2f})"
            for label in member.labels
        )
    return props


def _edge(source: str, target: str, link: Link) -> GraphEdge:
    return GraphEdge(
        id=f"{source}|{link.rel}|{target}",
        source=source,
        target=target,
        rel=link.rel,
        count=link.requests,
        first_seen=link.first_seen,
        last_seen=link.last_seen,
    )


def build_ring_graph(
    ring: RingDetail,
    members: list[Member],
    shared: list[SharedNodeRow],
    with_profiles: bool = True,
) -> RingGraph:
    """The full attribution subgraph: members, shared nodes, labeled accounts and operators.

    Args:
        ring: the ring's summary (its attributed operator is always drawn).
        members: the ring's member accounts.
        shared: nodes shared by two or more members or by a member and a labeled outsider.
        with_profiles: copy each member's profile into its node (False: ids and labels only).

    Returns:
        The graph, one node per account.
    """
    nodes: dict[str, GraphNode] = {}
    edges: dict[str, GraphEdge] = {}
    operators: dict[str, GraphNode] = {}

    def operator_node(name: str) -> str:
        oid = node_id(OPERATOR, name)
        if oid not in operators:
            operators[oid] = GraphNode(
                oid, OPERATOR, name, _short(name), attributed=(name == ring.operator)
            )
        return oid

    if ring.operator:
        operator_node(ring.operator)
    for member in members:
        aid = node_id(ACCOUNT, member.account_id)
        nodes[aid] = GraphNode(
            aid,
            ACCOUNT,
            member.account_id,
            _short(member.account_id),
            _member_props(member) if with_profiles else {},
            member=True,
            labeled=bool(member.labels),
        )
        for label in member.labels:
            oid = operator_node(str(label["operator"]))
            edge = GraphEdge(
                f"{aid}|LABELED_AS|{oid}",
                aid,
                oid,
                "LABELED_AS",
                confidence=label.get("confidence"),
            )
            edges[edge.id] = edge
    for row in shared:
        sid = node_id(row.kind, row.key)
        nodes[sid] = GraphNode(
            sid,
            row.kind,
            row.key,
            node_label(row.kind, row.key, row.props),
            dict(row.props),
            degree=row.degree,
        )
        # The hot loop of a big ring (~10k links): positional construction, no helper calls.
        suffix = f"|{{}}|{sid}"
        for link in row.links:
            aid = "Account:" + link.account_id
            if aid in nodes:
                eid = aid + suffix.format(link.rel)
                edges[eid] = GraphEdge(
                    eid, aid, sid, link.rel, link.requests, link.first_seen, link.last_seen
                )
        for link in row.outsiders:
            aid = node_id(ACCOUNT, link.account_id)
            if aid not in nodes:
                nodes[aid] = GraphNode(
                    aid, ACCOUNT, link.account_id, _short(link.account_id), {}, labeled=True
                )
            edge = _edge(aid, sid, link)
            edges[edge.id] = edge
            if link.operator:
                oid = operator_node(link.operator)
                label_edge = GraphEdge(
                    f"{aid}|LABELED_AS|{oid}", aid, oid, "LABELED_AS", confidence=link.confidence
                )
                edges[label_edge.id] = label_edge
    nodes.update(operators)
    return RingGraph(tuple(nodes.values()), tuple(edges.values()))


def collapse(
    graph: RingGraph, mode: str = "auto", threshold: int = COLLAPSE_THRESHOLD
) -> RingGraph:
    """Group member accounts that share exactly the same attachments into one node.

    Labeled accounts and outsiders stay individual: they are the attribution evidence.

    Args:
        graph: the full graph.
        mode: "never", "always", or "auto" (only above `threshold` account nodes).
        threshold: account nodes above which "auto" collapses.

    Returns:
        The graph to draw; `collapsed` says whether any group was made.
    """
    accounts = [n for n in graph.nodes if n.kind == ACCOUNT]
    if mode == "never" or (mode == "auto" and len(accounts) <= threshold):
        return graph
    out_edges: dict[str, list[GraphEdge]] = defaultdict(list)
    for edge in graph.edges:
        out_edges[edge.source].append(edge)
    signature: dict[frozenset[tuple[str, str]], list[GraphNode]] = defaultdict(list)
    for node in accounts:
        if node.member and not node.labeled:
            key = frozenset((e.rel, e.target) for e in out_edges[node.id])
            signature[key].append(node)
    grouped: set[str] = set()
    new_nodes: list[GraphNode] = []
    new_edges: list[GraphEdge] = []
    ordered = sorted(signature.items(), key=lambda item: (-len(item[1]), sorted(item[0])))
    for number, (sig, group) in enumerate(ordered, 1):
        if len(group) < 2:
            continue
        gid = f"{GROUP}:{number}"
        ids = tuple(sorted(n.key for n in group))
        grouped.update(n.id for n in group)
        what = "with no shared attachment" if not sig else "sharing the same attachments"
        new_nodes.append(
            GraphNode(
                gid,
                GROUP,
                str(number),
                f"{len(group)} accounts",
                {"accounts": len(group), "description": f"{len(group)} member accounts {what}"},
                member=True,
                count=len(group),
                accounts=ids,
            )
        )
        by_target: dict[tuple[str, str], list[GraphEdge]] = defaultdict(list)
        for node in group:
            for edge in out_edges[node.id]:
                by_target[(edge.rel, edge.target)].append(edge)
        for (rel, target), links in sorted(by_target.items()):
            firsts = [e.first_seen for e in links if e.first_seen is not None]
            lasts = [e.last_seen for e in links if e.last_seen is not None]
            new_edges.append(
                GraphEdge(
                    f"{gid}|{rel}|{target}",
                    gid,
                    target,
                    rel,
                    count=sum(e.count for e in links),
                    first_seen=min(firsts) if firsts else None,
                    last_seen=max(lasts) if lasts else None,
                    accounts=len(links),
                )
            )
    if not grouped:
        return replace(graph, collapsed=False)
    kept_nodes = [n for n in graph.nodes if n.id not in grouped]
    kept_edges = [e for e in graph.edges if e.source not in grouped]
    return RingGraph(tuple(kept_nodes + new_nodes), tuple(kept_edges + new_edges), collapsed=True)


def to_elements(graph: RingGraph) -> list[dict[str, Any]]:
    """Cytoscape.js elements (nodes then edges) for the browser and the headless renderer."""
    elements: list[dict[str, Any]] = []
    for node in graph.nodes:
        classes = [node.kind]
        if node.member:
            classes.append("member")
        if node.labeled:
            classes.append("labeled")
        if node.attributed:
            classes.append("attributed")
        if node.kind == ACCOUNT and not node.member:
            classes.append("outsider")
        data = node.as_json()
        data["size"] = node.count
        elements.append({"group": "nodes", "data": data, "classes": " ".join(classes)})
    for edge in graph.edges:
        elements.append({"group": "edges", "data": edge.as_json(), "classes": edge.rel})
    return elements
