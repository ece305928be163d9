"""What the viewer role sees of a ring: the export Redactor's pseudonyms (acct-1.., domain-N,
org-N, no e-mail hashes) extended to IPs (ip-N), payment methods (pm-N) and devices (dev-N).

Numbering follows the export Redactor (members sorted, then labeled outsiders; other kinds
sorted by key), so it is the same in the ring summary, the member table and the graph of one
ring, and means nothing outside that ring. String properties that could identify someone are
dropped; counts, times and a few descriptive fields stay.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from app.exports.report import Redactor, RingReport, _pseudonym_order
from app.exports.ring_graph import ACCOUNT, GROUP, GraphEdge, GraphNode
from app.graph.web_repo import Member

PREFIXES = {"IP": "ip", "PaymentMethod": "pm", "Device": "dev"}
# String properties a viewer may still see (descriptive, not identifying).
SAFE_STRINGS = {"method", "kind", "as_org", "country", "status", "sample", "text", "name"}


class ViewerRedactor(Redactor):
    """Pseudonymises every raw identifier of one ring for the viewer role."""

    def __init__(self, report: RingReport) -> None:
        super().__init__(report)
        self.keys: dict[str, dict[str, str]] = {}
        for kind, prefix in PREFIXES.items():
            found = sorted({n.key for n in report.graph.nodes if n.kind == kind})
            self.keys[kind] = {k: f"{prefix}-{i}" for i, k in enumerate(found, 1)}
        extra = {k: v for mapping in self.keys.values() for k, v in mapping.items()}
        self._lookup = {**self._lookup, **extra}
        if self._lookup:
            self._pattern = re.compile(
                r"(?<![\w.@-])("
                + "|".join(re.escape(s) for s in sorted(self._lookup, key=len, reverse=True))
                + r")(?![\w-])"
            )

    def key(self, kind: str, key: str) -> str:
        if kind == ACCOUNT:
            return self.account(key)
        mapping = self.keys.get(kind)
        return mapping.get(key, f"{PREFIXES[kind]}-?") if mapping is not None else key

    def node_id(self, nid: str) -> str:
        kind, _, key = nid.partition(":")
        return f"{kind}:{self.key(kind, key)}" if kind == ACCOUNT or kind in PREFIXES else nid

    def props(self, props: dict[str, Any]) -> dict[str, Any]:
        kept = {
            k: v
            for k, v in props.items()
            if not isinstance(v, str) or k in SAFE_STRINGS or k.endswith(("_at", "_seen"))
        }
        return dict(self.value(kept))

    def node(self, node: GraphNode) -> GraphNode:
        if node.kind == ACCOUNT or node.kind in PREFIXES:
            key = self.key(node.kind, node.key)
            return replace(
                node, id=self.node_id(node.id), key=key, label=key, props=self.props(node.props)
            )
        if node.kind == GROUP:
            return replace(
                node,
                accounts=tuple(sorted(self.account(a) for a in node.accounts)),
                props=self.props(node.props),
            )
        return replace(node, props=self.props(node.props))

    def edge(self, edge: GraphEdge) -> GraphEdge:
        source, target = self.node_id(edge.source), self.node_id(edge.target)
        return replace(edge, id=f"{source}|{edge.rel}|{target}", source=source, target=target)

    def member(self, member: Member) -> Member:
        return replace(
            member,
            account_id=self.account(member.account_id),
            email_domain=None,
            email_hash=None,
            org=None,
            labels=[self.value(label) for label in member.labels],
        )

    def members(self, members: list[Member]) -> list[Member]:
        return sorted((self.member(m) for m in members), key=_pseudonym_order)


def redact_for_viewer(report: RingReport) -> RingReport:
    """The ring with every raw identifier pseudonymised (see the module docstring)."""
    return ViewerRedactor(report).report(report)
