"""Attribution: which operator a ring belongs to, how sure we are, and why.

Direct: a ring containing analyst-labeled accounts takes the operator with the largest summed
label confidence. confidence = agreement * noisy-OR(confidences of that operator's labels),
agreement = that operator's share of all label confidence in the ring.

Propagated (flagged rings only): a ring linked to an attributed ring inherits its operator with
confidence = link * HOP_DISCOUNT * source confidence, over at most MAX_HOPS hops, keeping the
strongest path; below MIN_CONFIDENCE nothing is claimed (an unlabeled operator's rings must
stay unattributed rather than borrow a neighbour's name). A link is the noisy-OR of:

* infrastructure: shared payment / device / IP nodes, LINK_INFRA_FACTOR * node weight each (a
  mobile CGNAT address links nothing, a card links a lot). Email domains are left out: a
  disposable mail domain is shared by unrelated farms and by ordinary people.
* template profile: cosine similarity of the two rings' request counts over extraction-style
  and rare templates, times LINK_TEMPLATE_FACTOR and the template's exclusivity (the share of
  label weight its labeled rings give to one operator: a generic template used by two labeled
  operators links nobody).
* timing: the target's (sampled) accounts in lockstep with the source's accounts,
  LINK_TT_FACTOR * share of them with a partner.

Evidence is the path, one line per hop, ending with the labeled accounts.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from app.detection.context import DEVICE, IP, PAYMENT, PROMPT, Context
from app.detection.evidence import EvidenceGraph
from app.detection.lockstep import (
    LOCKSTEP_MIN,
    LOCKSTEP_RARE_DEGREE,
    ActivityRows,
    activity_window,
    gather,
    lockstep_from_rows,
    lockstep_rows,
    sample,
)
from app.detection.model import Attribution
from app.detection.scoring import describe_node, noisy_or

HOP_DISCOUNT = 0.8
MAX_HOPS = 3
MIN_CONFIDENCE = 0.2
LINK_INFRA_FACTOR = 0.9
LINK_NODE_MIN_WEIGHT = 0.2
LINK_TEMPLATE_FACTOR = 0.6
LINK_TT_FACTOR = 0.8
LINK_KINDS = (PAYMENT, DEVICE, IP)
LINK_SAMPLE = 120
MAX_RINGS_PER_NODE = 200
MAX_ANCHORS_PER_NODE = 64
MAX_LABEL_LINES = 5
MAX_EVIDENCE_LINES = 10
# Activity rows kept for timing links (bytes): at scale 1.0 the 274 rings linked by templates
# need 158 MB, so each ring's rows are computed once instead of ~13 times (3,677 computations
# when 64 rings were kept); bigger runs fall back to keeping the most recently used.
ROW_CACHE_BYTES = 256 << 20


@dataclass
class RingDraft:
    """A scored ring before attribution."""

    ring_id: str
    members: np.ndarray
    flagged: bool


@dataclass
class Link:
    """Evidence that two rings are run by the same operator."""

    infra_nodes: list[int] = field(default_factory=list)
    templates: list[int] = field(default_factory=list)
    infra: float = 0.0
    template: float = 0.0
    template_text: str = ""
    tt: dict[int, float] = field(default_factory=dict)
    tt_text: dict[int, str] = field(default_factory=dict)


def direct_attribution(ctx: Context, ring_id: str, members: np.ndarray) -> Attribution | None:
    """Attribution from labeled accounts inside the ring.

    Args:
        ctx: Indexed projection.
        ring_id: The ring's id (for evidence text).
        members: Account indices.

    Returns:
        The attribution, or None when no member is labeled.
    """
    support: dict[str, list[tuple[str, float, str]]] = {}
    for a in members:
        acct = ctx.ids[int(a)]
        for lab in ctx.projection.accounts[acct].labels:
            support.setdefault(lab.operator, []).append((acct, lab.confidence, lab.source))
    if not support:
        return None
    totals = {op: sum(c for _, c, _ in labs) for op, labs in support.items()}
    best = max(sorted(totals), key=lambda op: totals[op])
    grand = sum(totals.values())
    agreement = totals[best] / grand if grand > 0 else 0.0
    strength = noisy_or([c for _, c, _ in support[best]])
    confidence = round(float(agreement * strength), 4)
    labs = sorted(support[best], key=lambda x: (-x[1], x[0]))
    lines = [
        f"ring {ring_id} contains labeled account {acct} ({src}, {conf:.2f})"
        for acct, conf, src in labs[:MAX_LABEL_LINES]
    ]
    if len(labs) > MAX_LABEL_LINES:
        lines.append(
            f"ring {ring_id} contains {len(labs) - MAX_LABEL_LINES} more accounts labeled {best}"
        )
    for op in sorted(totals):
        if op != best:
            lines.append(
                f"ring {ring_id} also contains {len(support[op])} account(s) labeled {op} "
                f"(conflicting; agreement {agreement:.0%})"
            )
    return Attribution(best, confidence, tuple(lines))


def _node_pairs(rings: np.ndarray, anchors: dict[int, float]) -> list[tuple[int, int]]:
    """The ring pairs (a < b) a shared node links.

    Every pair while the node is shared by at most MAX_RINGS_PER_NODE rings. A node shared by
    more (one operator's extraction template across hundreds of its cells) would give a quadratic
    number of links, so then each ring is linked to the node's anchors only: its directly
    attributed rings, the MAX_ANCHORS_PER_NODE most confident of them. That is the hop every
    one of those rings needs; cutting the ring list instead left whichever rings sorted last
    unlinked, and so unattributed, however strong their evidence. A heavily shared node without
    a directly attributed ring links its first MAX_RINGS_PER_NODE rings pairwise, as before.
    """
    if rings.size <= MAX_RINGS_PER_NODE:
        ordered = rings.tolist()
        return [
            (ordered[x], ordered[y])
            for x in range(len(ordered))
            for y in range(x + 1, len(ordered))
        ]
    on_node = [int(r) for r in rings if int(r) in anchors]
    if not on_node:
        return _node_pairs(rings[:MAX_RINGS_PER_NODE], anchors)
    chosen = sorted(on_node, key=lambda r: (-anchors[r], r))[:MAX_ANCHORS_PER_NODE]
    pairs = {(min(r, a), max(r, a)) for a in chosen for r in rings.tolist() if r != a}
    return sorted(pairs)


def _ring_links(
    ctx: Context,
    ev: EvidenceGraph,
    drafts: list[RingDraft],
    relevant: np.ndarray,
    anchors: dict[int, float],
) -> dict[tuple[int, int], Link]:
    """Links between relevant rings (keyed (a, b) with a < b); `anchors` holds the directly
    attributed rings with their confidence (see `_node_pairs`)."""
    ring_of = np.full(ctx.n, -1, dtype=np.int64)
    for i in relevant:
        ring_of[drafts[int(i)].members] = int(i)
    node_of_entry = np.repeat(np.arange(len(ctx.node_keys)), ctx.degree)
    ring_of_entry = ring_of[ctx.node_acct]
    ok = ring_of_entry >= 0
    pairs = np.unique(np.stack((node_of_entry[ok], ring_of_entry[ok]), axis=1), axis=0)
    links: dict[tuple[int, int], Link] = {}
    if pairs.size == 0:
        return links
    w = ev.weights.weight
    bounds = np.flatnonzero(np.diff(pairs[:, 0])) + 1
    for group in np.split(pairs, bounds):
        if group.shape[0] < 2:
            continue
        node = int(group[0, 0])
        kind = int(ctx.node_kind[node])
        if kind == PROMPT:
            if not (ctx.extraction[node] or ctx.degree[node] <= LOCKSTEP_RARE_DEGREE):
                continue
        elif kind not in LINK_KINDS or w[node] < LINK_NODE_MIN_WEIGHT:
            continue
        for pair in _node_pairs(group[:, 1], anchors):
            link = links.setdefault(pair, Link())
            if kind == PROMPT:
                link.templates.append(node)
            else:
                link.infra_nodes.append(node)
    for link in links.values():
        link.infra = noisy_or([LINK_INFRA_FACTOR * w[nd] for nd in link.infra_nodes])
    return links


def template_profiles(
    ctx: Context, drafts: list[RingDraft], rings: np.ndarray
) -> dict[int, dict[int, float]]:
    """Per ring, request counts over extraction-style and rare templates.

    Args:
        ctx: Indexed projection.
        drafts: Scored rings.
        rings: Indices of the rings to profile.

    Returns:
        {ring index: {template node: requests}}.
    """
    out: dict[int, dict[int, float]] = {}
    for i in rings.tolist():
        pos, _ = gather(ctx.acct_ptr, drafts[i].members)
        nodes = ctx.acct_node[pos]
        keep = (ctx.node_kind[nodes] == PROMPT) & (
            ctx.extraction[nodes] | (ctx.degree[nodes] <= LOCKSTEP_RARE_DEGREE)
        )
        uniq, inv = np.unique(nodes[keep], return_inverse=True)
        sums = np.bincount(inv, weights=ctx.acct_count[pos][keep], minlength=uniq.size)
        out[i] = {int(t): float(c) for t, c in zip(uniq, sums, strict=True)}
    return out


def _cosine(a: dict[int, float], b: dict[int, float]) -> float:
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    na = sum(v * v for v in a.values()) ** 0.5
    nb = sum(v * v for v in b.values()) ** 0.5
    return dot / (na * nb) if na > 0 and nb > 0 else 0.0


def template_exclusivity(
    profiles: dict[int, dict[int, float]], direct: dict[int, Attribution]
) -> dict[int, float]:
    """Per template, the share of labeled-ring usage that goes to its dominant operator.

    Args:
        profiles: Template profiles of the rings.
        direct: Direct attributions by ring index.

    Returns:
        {template node: exclusivity in (0, 1]}; templates no labeled ring uses are absent (1).
    """
    usage: dict[int, dict[str, float]] = {}
    for ring, attr in direct.items():
        for tpl, count in profiles.get(ring, {}).items():
            ops = usage.setdefault(tpl, {})
            ops[attr.operator] = ops.get(attr.operator, 0.0) + count * attr.confidence
    return {t: max(ops.values()) / sum(ops.values()) for t, ops in usage.items() if ops}


def _template_link(
    ctx: Context,
    link: Link,
    a: dict[int, float],
    b: dict[int, float],
    exclusive: dict[int, float],
) -> None:
    cos = _cosine(a, b)
    if cos <= 0:
        return
    shared = [t for t in link.templates if t in a and t in b]
    if not shared:
        return
    weight = sum(min(a[t], b[t]) for t in shared)
    excl = sum(min(a[t], b[t]) * exclusive.get(t, 1.0) for t in shared) / weight
    link.template = LINK_TEMPLATE_FACTOR * cos * excl
    top = max(shared, key=lambda t: (min(a[t], b[t]), -t))
    link.template_text = (
        f"uses the same templates ({describe_node(ctx, top)}"
        + (f" and {len(shared) - 1} more" if len(shared) > 1 else "")
        + f"; template-profile cosine {cos:.2f}"
        + (f", exclusivity {excl:.2f}" if excl < 1.0 else "")
        + ")"
    )


class _RingRows:
    """Per ring, its sampled accounts' activity rows over one window that covers every ring
    linked here: a ring meets many others (its anchors and more) and its rows are the costly
    part of a timing link, so they are kept, the most recently used up to ROW_CACHE_BYTES (a
    ring's rows are up to ~2 MB at a 1,000-hour window)."""

    def __init__(self, ctx: Context, drafts: list[RingDraft], rings: list[int]) -> None:
        self.ctx = ctx
        self.samples = {r: sample(ctx, drafts[r].members, LINK_SAMPLE) for r in rings}
        self.window = (
            activity_window(ctx, np.concatenate(list(self.samples.values()))) if rings else None
        )
        self.cache: OrderedDict[int, ActivityRows] = OrderedDict()
        self.cached_bytes = 0

    def get(self, ring: int) -> tuple[int, ActivityRows] | None:
        if self.window is None:
            return None
        rows = self.cache.get(ring)
        if rows is None:
            rows = lockstep_rows(self.ctx, self.samples[ring], self.window)
            self.cache[ring] = rows
            self.cached_bytes += rows.nbytes
            while self.cached_bytes > ROW_CACHE_BYTES and len(self.cache) > 2:
                self.cached_bytes -= self.cache.popitem(last=False)[1].nbytes
        else:
            self.cache.move_to_end(ring)
        return self.samples[ring].size, rows


def _lockstep_link(link: Link, a: int, b: int, rows: _RingRows) -> None:
    """Directional timing link strengths a<-b and b<-a."""
    got_a, got_b = rows.get(a), rows.get(b)
    if got_a is None or got_b is None:
        return
    (size_a, rows_a), (size_b, rows_b) = got_a, got_b
    mat = lockstep_from_rows(rows_a, rows_b)
    for target, best, size in ((a, mat.max(axis=1), size_a), (b, mat.max(axis=0), size_b)):
        partner = best >= LOCKSTEP_MIN
        if not partner.any():
            continue
        link.tt[target] = LINK_TT_FACTOR * float(partner.mean())
        link.tt_text[target] = (
            f"acts in lockstep with it ({int(partner.sum())} of {size} sampled accounts, "
            f"median rhythm-corrected correlation {float(np.median(best[partner])):.2f})"
        )


def attribute(ctx: Context, ev: EvidenceGraph, drafts: list[RingDraft]) -> list[Attribution | None]:
    """Attribute every ring (directly labeled ones, and flagged ones by propagation).

    Args:
        ctx: Indexed projection.
        ev: Evidence graph (node weights).
        drafts: Scored rings.

    Returns:
        One attribution (or None) per draft, in order.
    """
    result: list[Attribution | None] = [
        direct_attribution(ctx, d.ring_id, d.members) for d in drafts
    ]
    direct = [a is not None for a in result]
    relevant = np.array([i for i, d in enumerate(drafts) if d.flagged or direct[i]], dtype=np.int64)
    if relevant.size < 2 or not any(direct):
        return result
    labeled = {i: a for i, a in enumerate(result) if a is not None}
    links = _ring_links(ctx, ev, drafts, relevant, {i: a.confidence for i, a in labeled.items()})
    profiles = template_profiles(ctx, drafts, relevant)
    exclusive = template_exclusivity(profiles, labeled)
    timed = [
        (a, b, link)
        for (a, b), link in links.items()
        if link.templates and (drafts[a].flagged or drafts[b].flagged)
    ]
    rows = _RingRows(ctx, drafts, sorted({r for a, b, _ in timed for r in (a, b)}))
    for a, b, link in timed:
        _template_link(ctx, link, profiles[a], profiles[b], exclusive)
        _lockstep_link(link, a, b, rows)

    neighbours: dict[int, list[tuple[int, Link]]] = {}
    for (a, b), link in sorted(links.items()):
        neighbours.setdefault(a, []).append((b, link))
        neighbours.setdefault(b, []).append((a, link))

    for _ in range(MAX_HOPS):
        snapshot = list(result)
        changed = False
        for target, draft in enumerate(drafts):
            if direct[target] or not draft.flagged or target not in neighbours:
                continue
            best: tuple[float, str, tuple[str, ...]] | None = None
            for source, link in neighbours[target]:
                src = snapshot[source]
                if src is None:
                    continue
                strength = noisy_or([link.infra, link.template, link.tt.get(target, 0.0)])
                conf = strength * HOP_DISCOUNT * src.confidence
                if conf < MIN_CONFIDENCE:
                    continue
                if best is not None and (conf, src.operator) <= (best[0], best[1]):
                    continue
                parts = []
                if link.infra_nodes:
                    nodes = sorted(link.infra_nodes, key=lambda x: (-ev.weights.weight[x], x))
                    parts.append(
                        "shares "
                        + ", ".join(describe_node(ctx, nd) for nd in nodes[:3])
                        + (f" and {len(nodes) - 3} more" if len(nodes) > 3 else "")
                    )
                if link.template_text:
                    parts.append(link.template_text)
                if target in link.tt_text:
                    parts.append(link.tt_text[target])
                line = (
                    f"ring {draft.ring_id} is linked to ring {drafts[source].ring_id} "
                    f"({src.operator}, confidence {src.confidence:.2f}) with strength "
                    f"{strength:.2f}: it " + "; it ".join(parts)
                )
                evidence = (line, *src.evidence)[:MAX_EVIDENCE_LINES]
                best = (conf, src.operator, evidence)
            if best is None:
                continue
            current = result[target]
            if current is None or best[0] > current.confidence + 1e-9:
                result[target] = Attribution(best[1], round(float(best[0]), 4), best[2])
                changed = True
        if not changed:
            break
    return result
