"""Data exports of a ring: GraphML (Gephi, yEd), JSON (nodes / edges) and a CSV zip."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime
from typing import Any

import networkx as nx

from app.exports.report import RingReport


def iso(epoch: float | None) -> str:
    """Epoch seconds as an ISO-8601 UTC string ("" when unknown)."""
    if epoch is None:
        return ""
    return datetime.fromtimestamp(float(epoch), UTC).isoformat().replace("+00:00", "Z")


def _scalar(value: Any) -> str | int | float | bool:
    if isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def to_networkx(report: RingReport) -> nx.DiGraph:
    """The full ring graph as a networkx DiGraph with GraphML-safe (scalar) attributes."""
    graph = nx.DiGraph(
        ring_id=report.ring.ring_id,
        run_id=report.run.run_id,
        score=report.ring.score,
        flagged=report.ring.flagged,
        operator=report.ring.operator or "",
        redacted=report.redacted,
    )
    for node in report.graph.nodes:
        attrs: dict[str, Any] = {
            "kind": node.kind,
            "key": node.key,
            "label": node.label,
            "member": node.member,
            "labeled": node.labeled,
            "attributed": node.attributed,
            "count": node.count,
        }
        for name, value in node.props.items():
            if value is not None:
                attrs[f"prop_{name}"] = _scalar(value)
        graph.add_node(node.id, **attrs)
    for edge in report.graph.edges:
        attrs = {"rel": edge.rel, "count": edge.count, "accounts": edge.accounts}
        if edge.first_seen is not None:
            attrs["first_seen"] = iso(edge.first_seen)
        if edge.last_seen is not None:
            attrs["last_seen"] = iso(edge.last_seen)
        if edge.confidence is not None:
            attrs["confidence"] = float(edge.confidence)
        graph.add_edge(edge.source, edge.target, **attrs)
    return graph


def to_graphml(report: RingReport) -> bytes:
    """GraphML bytes (opens in Gephi and yEd)."""
    buffer = io.BytesIO()
    nx.write_graphml(to_networkx(report), buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()


def summary_json(report: RingReport) -> dict[str, Any]:
    """Ring, run and member data as plain JSON."""
    return {
        "generated_at": report.generated_at,
        "redacted": report.redacted,
        "run": report.run.as_json(),
        "ring": report.ring.as_json(),
        "members": [m.as_json() for m in report.members],
    }


def to_json(report: RingReport) -> bytes:
    """JSON with the ring, run, members, nodes and edges."""
    payload = summary_json(report)
    payload["nodes"] = [n.as_json() for n in report.graph.nodes]
    payload["edges"] = [e.as_json() for e in report.graph.edges]
    return json.dumps(payload, indent=1, default=str).encode()


MEMBER_COLUMNS = (
    "account_id",
    "declared",
    "created_at",
    "email_domain",
    "country",
    "org",
    "request_count",
    "input_tokens",
    "output_tokens",
    "first_request",
    "last_request",
    "labels",
    "ip_count",
    "device_count",
    "payment_count",
    "cluster_count",
)


def _csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue().encode()


def to_csv_zip(report: RingReport) -> bytes:
    """A zip of nodes.csv, edges.csv and members.csv."""
    nodes: list[list[Any]] = [
        ["id", "kind", "key", "label", "member", "labeled", "attributed", "degree", "properties"]
    ]
    for n in report.graph.nodes:
        nodes.append(
            [
                n.id,
                n.kind,
                n.key,
                n.label,
                n.member,
                n.labeled,
                n.attributed,
                n.degree,
                json.dumps(n.props, sort_keys=True, default=str),
            ]
        )
    edges: list[list[Any]] = [
        ["source", "target", "rel", "count", "first_seen", "last_seen", "confidence"]
    ]
    for e in report.graph.edges:
        edges.append(
            [
                e.source,
                e.target,
                e.rel,
                e.count,
                iso(e.first_seen),
                iso(e.last_seen),
                "" if e.confidence is None else e.confidence,
            ]
        )
    members: list[list[Any]] = [list(MEMBER_COLUMNS)]
    for m in report.members:
        row = m.as_json()
        row["created_at"] = iso(m.created_at)
        row["first_request"] = iso(m.first_request)
        row["last_request"] = iso(m.last_request)
        row["labels"] = "; ".join(
            f"{label.get('operator')}:{label.get('confidence')}" for label in m.labels
        )
        members.append(["" if row[c] is None else row[c] for c in MEMBER_COLUMNS])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nodes.csv", _csv(nodes))
        archive.writestr("edges.csv", _csv(edges))
        archive.writestr("members.csv", _csv(members))
    return buffer.getvalue()
