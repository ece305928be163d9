"""A static SVG picture of a ring graph, drawn in Python (no browser): for the HTML / PDF reports.

Same colours and shapes as the interactive graph (app/web/static/js/graph-style.js).
"""

from __future__ import annotations

import base64
import math
from html import escape

import networkx as nx

from app.exports.ring_graph import GROUP, KIND_TITLES, RingGraph

COLORS = {
    "Account": "#2563eb",
    "AccountGroup": "#1e40af",
    "PaymentMethod": "#d97706",
    "IP": "#059669",
    "Device": "#0891b2",
    "PromptCluster": "#db2777",
    "Operator": "#dc2626",
}
LABELED_COLOR = "#7c3aed"
EDGE_COLORS = {
    "PAID_WITH": "#f59e0b",
    "USED_IP": "#10b981",
    "USED_DEVICE": "#06b6d4",
    "SENT": "#ec4899",
    "LABELED_AS": "#7c3aed",
}
MAX_LABELS = 160


def _polygon(cx: float, cy: float, r: float, sides: int, rotate: float = 0.0) -> str:
    points = []
    for i in range(sides):
        a = rotate + 2 * math.pi * i / sides
        points.append(f"{cx + r * math.cos(a):.1f},{cy + r * math.sin(a):.1f}")
    return " ".join(points)


def _star(cx: float, cy: float, r: float) -> str:
    points = []
    for i in range(10):
        rr = r if i % 2 == 0 else r * 0.45
        a = -math.pi / 2 + math.pi * i / 5
        points.append(f"{cx + rr * math.cos(a):.1f},{cy + rr * math.sin(a):.1f}")
    return " ".join(points)


def _shape(kind: str, x: float, y: float, r: float, fill: str, stroke: str, width: float) -> str:
    style = f'fill="{fill}" stroke="{stroke}" stroke-width="{width:.1f}"'
    if kind == "PaymentMethod":
        return f'<rect x="{x - r:.1f}" y="{y - r * 0.7:.1f}" width="{2 * r:.1f}" height="{1.4 * r:.1f}" rx="{r * 0.25:.1f}" {style}/>'
    if kind == "IP":
        return f'<polygon points="{_polygon(x, y, r * 1.15, 4)}" {style}/>'
    if kind == "Device":
        return f'<rect x="{x - r * 0.85:.1f}" y="{y - r * 0.85:.1f}" width="{1.7 * r:.1f}" height="{1.7 * r:.1f}" {style}/>'
    if kind == "PromptCluster":
        return f'<polygon points="{_polygon(x, y, r * 1.05, 6)}" {style}/>'
    if kind == "Operator":
        return f'<polygon points="{_star(x, y, r * 1.4)}" {style}/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {style}/>'


def _radius(kind: str, count: int, scale: float) -> float:
    if kind == GROUP:
        return scale * (1.0 + 0.5 * math.sqrt(count))
    if kind == "Operator":
        return scale * 1.6
    return scale


def layout(graph: RingGraph, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Node positions in [0, 1]^2 (spring layout, deterministic for a given graph)."""
    g = nx.Graph()
    g.add_nodes_from(n.id for n in graph.nodes)
    for e in graph.edges:
        g.add_edge(e.source, e.target, weight=1.0 + math.log1p(e.accounts))
    if g.number_of_nodes() == 0:
        return {}
    if g.number_of_nodes() == 1:
        return {next(iter(g.nodes)): (0.5, 0.5)}
    k = 1.6 / math.sqrt(g.number_of_nodes())
    iterations = 60 if g.number_of_nodes() < 800 else 30
    pos = nx.spring_layout(g, k=k, iterations=iterations, seed=seed, weight="weight")
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    sx, sy = (x1 - x0) or 1.0, (y1 - y0) or 1.0
    return {n: ((p[0] - x0) / sx, (p[1] - y0) / sy) for n, p in pos.items()}


def render_svg(graph: RingGraph, width: int = 1000, height: int = 700, title: str = "") -> str:
    """The graph as a standalone SVG document with a legend."""
    pos = layout(graph)
    pad, legend_h = 40, 36
    inner_w, inner_h = width - 2 * pad, height - 2 * pad - legend_h

    def xy(node_id: str) -> tuple[float, float]:
        px, py = pos.get(node_id, (0.5, 0.5))
        return pad + px * inner_w, pad + legend_h + py * inner_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    if title:
        parts.append(
            f'<text x="{pad}" y="22" font-size="14" font-weight="bold" fill="#111827">{escape(title)}</text>'
        )
    for e in graph.edges:
        if e.source not in pos or e.target not in pos:
            continue
        (x1, y1), (x2, y2) = xy(e.source), xy(e.target)
        w = min(6.0, 0.8 + math.log1p(e.accounts))
        dash = ' stroke-dasharray="5,3"' if e.rel == "LABELED_AS" else ""
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="{EDGE_COLORS.get(e.rel, "#9ca3af")}" stroke-opacity="0.55" stroke-width="{w:.1f}"{dash}/>'
        )
    show_labels = len(graph.nodes) <= MAX_LABELS
    node_count = len(graph.nodes)
    scale = (
        14.0
        if node_count <= 30
        else 11.0
        if node_count <= 80
        else 8.0
        if node_count <= 250
        else 5.0
    )
    font = 13 if node_count <= 30 else 11 if node_count <= 120 else 9
    for n in sorted(graph.nodes, key=lambda n: n.kind == "Operator"):
        x, y = xy(n.id)
        r = _radius(n.kind, n.count, scale)
        stroke, width_ = ("#ffffff", 1.5)
        if n.labeled:
            stroke, width_ = (LABELED_COLOR, 3.0)
        if n.attributed:
            stroke, width_ = ("#7f1d1d", 2.5)
        fill = COLORS.get(n.kind, "#6b7280")
        if n.kind == "Account" and not n.member:
            fill = "#a78bfa"
        parts.append(_shape(n.kind, x, y, r, fill, stroke, width_))
        if n.kind == GROUP:
            parts.append(
                f'<text x="{x:.1f}" y="{y + 4:.1f}" font-size="11" font-weight="bold" '
                f'text-anchor="middle" fill="#ffffff">{n.count}</text>'
            )
        if show_labels or n.kind in ("Operator", GROUP) or n.labeled:
            parts.append(
                f'<text x="{x:.1f}" y="{y + r + font + 1:.1f}" font-size="{font}" text-anchor="middle" '
                f'fill="#374151">{escape(n.label)}</text>'
            )
    # Legend.
    lx = float(pad)
    counts = graph.node_counts()
    for kind, color in COLORS.items():
        if not counts.get(kind):
            continue
        parts.append(_shape(kind, lx + 7, pad + 4, 6, color, "#ffffff", 1))
        text = f"{KIND_TITLES[kind]} ({counts[kind]})"
        parts.append(
            f'<text x="{lx + 18}" y="{pad + 8}" font-size="11" fill="#374151">{escape(text)}</text>'
        )
        lx += 30 + 6.2 * len(text)
    parts.append("</svg>")
    return "\n".join(parts)


def svg_data_uri(svg: str) -> str:
    """An SVG as a base64 data: URI (for a self-contained HTML report)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
