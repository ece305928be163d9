"""How telling a shared node is: the weight two accounts earn for sharing it.

A node's weight is

    min(1, base(kind) * attr_multiplier * specificity(degree) * (1 + 0.5 burst) * (1 + 0.5 bin))

* base(kind): prior on how personal the kind is. A card is personal (1.0), a device nearly
  (0.8), an IP less (0.6: households, offices), a prompt template is behaviour rather than
  identity (0.35, extraction-style 0.6: unrelated operators may use the same generic
  chain-of-thought prompt, so even those must not weld rings together on their own), an email
  domain is weak (0.3).
* attr_multiplier: what the node's attributes say about sharing by design. Mobile carrier
  CGNAT, VPN exits and campus NATs put thousands of strangers on one address (0.15 to 0.25);
  corporate egress IPs and invoice billing are shared by the staff of one organisation (0.7,
  0.5).
* specificity(d): IDF-like, 1 while d is within the kind's natural sharing scale s (a card may
  be shared by up to ~50 accounts before that alone becomes normal; an IP by ~10) and falling
  as log(N/d) / log(N/s) above it, reaching 0 when everybody shares the node. N is at least
  10,000 so that a small projection (a fixture, a tenant's slice) does not make a 40-account
  card look common. Non-extraction templates and email domains use specificity squared:
  being one of many users of a popular one is expected.
* burst: creation proximity of the sharers: strength of the densest 24 h creation window
  (binomial surprise against the population's own sign-up density) times the share of sharers
  created in bursts, up to +50%.
* bin: for payment methods, how prepaid-like the card's BIN is (many distinct cards on it,
  mostly paying for fresh accounts), up to +50%.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from numba import njit

from app.detection.context import DEVICE, EMAIL, IP, PAYMENT, PROMPT, Context
from app.detection.lockstep import gather

N_EFF_FLOOR = 10_000
KIND_BASE: dict[int, float] = {PAYMENT: 1.0, DEVICE: 0.8, IP: 0.6, PROMPT: 0.35, EMAIL: 0.3}
EXTRACTION_BASE = 0.6
NATURAL_SHARING: dict[int, int] = {PAYMENT: 50, DEVICE: 10, IP: 10, PROMPT: 5, EMAIL: 10}
EXTRACTION_NATURAL_SHARING = 20
# Templates and email domains describe behaviour, not identity: being one of many users of a
# popular one is expected, so their specificity is squared (falls off faster with degree).
SQUARED_SPECIFICITY_KINDS = (PROMPT, EMAIL)

# IP kinds whose addresses are shared by crowds of unrelated people.
CROWD_IP_KINDS: dict[str, float] = {
    "mobile": 0.15,
    "cgnat": 0.15,
    "vpn": 0.2,
    "tor": 0.2,
    "education": 0.25,
    "university": 0.25,
}
# IP kinds belonging to an accountable organisation (also exculpatory, see scoring).
INSTITUTIONAL_IP_KINDS: dict[str, float] = {
    "corporate": 0.7,
    "enterprise": 0.7,
    "business": 0.7,
    "education": 0.25,
    "university": 0.25,
    "government": 0.7,
}
# Payment methods shared by design inside an organisation's tenant.
ORG_BILLING_HINTS: tuple[str, ...] = ("invoice", "wire", "bank", "transfer", "purchase", "ach")
ORG_BILLING_MULT = 0.5
PREPAID_HINTS: tuple[str, ...] = ("prepaid", "virtual", "gift")
PREPAID_HINT_SCORE = 0.5

BURST_WINDOW_S = 24 * 3600.0
BURST_MIN_SHARERS = 3
# A member is "in a creation burst" if at least BURST_MIN_SHARERS accounts of its group (itself
# included) were created within +-12 h of it, BURST_LIFT times more than the population's
# sign-up rate in that window predicts.
BURST_HALF_WINDOW_S = 12 * 3600.0
BURST_LIFT = 5.0
# log10 surprise at which a creation burst counts fully (one in a million, after scanning).
BURST_FULL_SURPRISE = 6.0
NODE_BURST_BOOST = 0.5
BIN_BOOST = 0.5
BIN_FULL_CARDS = 5


def ip_kind(attrs: dict[str, object]) -> str:
    """Normalised IP kind attribute ("" when absent)."""
    return str(attrs.get("ip_kind", "") or "").strip().lower()


def payment_method(attrs: dict[str, object]) -> str:
    """Normalised payment method attribute ("" when absent)."""
    return str(attrs.get("method", "") or "").strip().lower()


def _tokens(text: str) -> set[str]:
    return {t for t in re.split(r"[^a-z0-9]+", text) if t}


def is_org_billing(attrs: dict[str, object]) -> bool:
    """True for payment methods shared by design inside an organisation (invoice, wire...)."""
    method = payment_method(attrs)
    return "invoice" in method or bool(_tokens(method) & set(ORG_BILLING_HINTS))


def is_prepaid_hint(attrs: dict[str, object]) -> bool:
    """True when the payment method names itself prepaid, virtual or gift."""
    method = payment_method(attrs)
    return any(h in method for h in PREPAID_HINTS) or bool(attrs.get("prepaid", False))


def specificity(degree: int, natural: int, n_accounts: int) -> float:
    """IDF-like specificity of a node shared by `degree` accounts.

    Args:
        degree: Distinct accounts attached to the node.
        natural: Sharing scale under which the kind is fully telling.
        n_accounts: Accounts in the projection (floored at N_EFF_FLOOR).

    Returns:
        1.0 for degree <= natural, then log(N/degree) / log(N/natural), clipped to [0, 1].
    """
    n_eff = max(n_accounts, N_EFF_FLOOR)
    if degree <= natural:
        return 1.0
    if natural >= n_eff:
        return 1.0
    return min(1.0, max(0.0, math.log(n_eff / degree) / math.log(n_eff / natural)))


def attr_multiplier(kind: int, attrs: dict[str, object]) -> float:
    """Multiplier for nodes shared by design (crowd IPs, corporate egress, invoice billing).

    Args:
        kind: Kind code (see context.KIND_CODE).
        attrs: The node's attributes.

    Returns:
        A factor in (0, 1].
    """
    if kind == IP:
        k = ip_kind(attrs)
        return CROWD_IP_KINDS.get(k, INSTITUTIONAL_IP_KINDS.get(k, 1.0))
    if kind == PAYMENT and is_org_billing(attrs):
        return ORG_BILLING_MULT
    return 1.0


def base_weight(kind: int, extraction: bool) -> float:
    """Prior weight of a kind (extraction-style templates are more telling)."""
    if kind == PROMPT and extraction:
        return EXTRACTION_BASE
    return KIND_BASE[kind]


def natural_sharing(kind: int, extraction: bool) -> int:
    """Sharing scale below which a node of this kind is fully specific."""
    if kind == PROMPT and extraction:
        return EXTRACTION_NATURAL_SHARING
    return NATURAL_SHARING[kind]


def binomial_surprise(k: int, n: int, q: float) -> float:
    """log10 Chernoff bound of P(Binomial(n, q) >= k); 0 when k is not above n*q.

    Args:
        k: Observed successes.
        n: Trials.
        q: Success probability under the null.

    Returns:
        -log10 of the upper bound on the tail probability (>= 0).
    """
    if n <= 0 or k <= 0:
        return 0.0
    if q <= 0.0:
        return math.inf
    if q >= 1.0 or k <= n * q:
        return 0.0
    x = k / n
    kl = x * math.log(x / q)
    if x < 1.0:
        kl += (1.0 - x) * math.log((1.0 - x) / (1.0 - q))
    return n * kl / math.log(10.0)


@dataclass(frozen=True)
class Burst:
    """Densest creation window of a group of accounts and how surprising it is."""

    count: int
    size: int
    start: float
    expected: float
    surprise: float

    @property
    def strength(self) -> float:
        """Surprise mapped to [0, 1] (full at BURST_FULL_SURPRISE)."""
        if self.count < BURST_MIN_SHARERS:
            return 0.0
        return min(1.0, max(0.0, self.surprise / BURST_FULL_SURPRISE))


NO_BURST = Burst(0, 0, math.nan, 0.0, 0.0)


def creation_burst(
    created: np.ndarray, population: np.ndarray, window: float = BURST_WINDOW_S
) -> Burst:
    """Densest `window` of creation times in `created` against the population's density.

    The null rate q of the window is the share of *other* accounts created in it, floored at the
    uniform rate window/span, so a busy sign-up day for everybody is not a burst, and a group
    alone in a quiet period is compared with a sensible baseline. The surprise is reduced by
    log10(span/window) to pay for scanning every window.

    Args:
        created: Creation times (epoch seconds) of the group; NaNs are ignored.
        population: Sorted creation times of all accounts (including the group).
        window: Window width in seconds.

    Returns:
        The densest window with its count, expected count and surprise.
    """
    t = np.sort(created[~np.isnan(created)])
    if t.size < 2 or population.size < 2:
        return NO_BURST
    ends = np.searchsorted(t, t + window, side="right")
    counts = ends - np.arange(t.size)
    i = int(np.argmax(counts))
    start = float(t[i])
    pop_in = int(
        np.searchsorted(population, start + window, side="right")
        - np.searchsorted(population, start, side="left")
    )
    return _burst_of_window(int(counts[i]), int(t.size), start, pop_in, population, window)


def _burst_of_window(
    k: int, size: int, start: float, pop_in: int, population: np.ndarray, window: float
) -> Burst:
    """The Burst of a group's densest window: `k` of its `size` creation times from `start`,
    `pop_in` of the population's in the same window (see creation_burst)."""
    others = population.size - size
    span = max(float(population[-1] - population[0]), window)
    uniform = window / span
    local = (pop_in - k) / others if others > 0 else uniform
    q = min(1.0, max(local, uniform, 1.0 / max(population.size, 1)))
    surprise = binomial_surprise(k, size, q) - math.log10(max(span / window, 1.0))
    return Burst(k, size, start, q * size, max(0.0, surprise))


@njit(cache=True)
def _densest_windows(
    ptr: np.ndarray,
    groups: np.ndarray,
    created: np.ndarray,
    population: np.ndarray,
    window: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """creation_burst's window search for many groups at once: group g is the accounts
    groups[ptr[g]:ptr[g + 1]]. Returns per group the window's count, the group's number of known
    creation times, the window's start and the population's count in it (count 0: no window)."""
    n = ptr.size - 1
    best_k = np.zeros(n, np.int64)
    sizes = np.zeros(n, np.int64)
    starts = np.zeros(n, np.float64)
    pop_in = np.zeros(n, np.int64)
    for g in range(n):
        t = np.empty(ptr[g + 1] - ptr[g], np.float64)
        m = 0
        for e in range(ptr[g], ptr[g + 1]):
            c = created[groups[e]]
            if not np.isnan(c):
                t[m] = c
                m += 1
        sizes[g] = m
        if m < 2 or population.size < 2:
            continue
        t = np.sort(t[:m])
        # ends[i] = searchsorted(t, t[i] + window, "right") never decreases with i: one sweep.
        end = 0
        for i in range(m):
            limit = t[i] + window
            while end < m and t[end] <= limit:
                end += 1
            if end - i > best_k[g]:  # the first densest window, as argmax picks
                best_k[g] = end - i
                starts[g] = t[i]
        pop_in[g] = np.searchsorted(population, starts[g] + window, side="right") - np.searchsorted(
            population, starts[g], side="left"
        )
    return best_k, sizes, starts, pop_in


def burst_members(created: np.ndarray, population: np.ndarray) -> tuple[int, int]:
    """How many of a group's accounts were created in a burst of the group.

    Args:
        created: Creation times of the group; NaNs are ignored.
        population: Sorted creation times of all accounts (including the group).

    Returns:
        (accounts in a burst, accounts with a known creation time).
    """
    t = np.sort(created[~np.isnan(created)])
    if t.size < BURST_MIN_SHARERS or population.size < 2:
        return 0, int(t.size)
    lo, hi = t - BURST_HALF_WINDOW_S, t + BURST_HALF_WINDOW_S
    local = np.searchsorted(t, hi, side="right") - np.searchsorted(t, lo, side="left")
    pop_in = np.searchsorted(population, hi, side="right") - np.searchsorted(
        population, lo, side="left"
    )
    others = max(population.size - t.size, 1)
    span = max(float(population[-1] - population[0]), 2 * BURST_HALF_WINDOW_S)
    rate = np.maximum((pop_in - local) / others, 2 * BURST_HALF_WINDOW_S / span)
    in_burst = (local >= BURST_MIN_SHARERS) & (local >= BURST_LIFT * rate * t.size)
    return int(in_burst.sum()), int(t.size)


@dataclass
class NodeWeights:
    """Per-node weights and the ingredients used to explain them."""

    weight: np.ndarray
    specificity: np.ndarray
    multiplier: np.ndarray
    burst: dict[int, Burst]
    bin_score: dict[str, float]
    bin_cards: dict[str, int]
    bin_fresh: dict[str, float]


def bin_stats(ctx: Context) -> tuple[dict[str, float], dict[str, int], dict[str, float]]:
    """Prepaid-likeness of each card BIN: many distinct cards paying for fresh accounts.

    score = clip((fresh share of the BIN's accounts - population fresh share) /
    (1 - population fresh share)) * min(1, (cards - 1) / (BIN_FULL_CARDS - 1)).

    Args:
        ctx: Indexed projection.

    Returns:
        (score, number of cards, fresh share) per BIN.
    """
    by_bin: dict[str, list[int]] = {}
    for node in np.flatnonzero(ctx.node_kind == PAYMENT):
        b = ctx.node_attrs[node].get("bin")
        if b is None or b == "" or ctx.degree[node] == 0:
            continue
        by_bin.setdefault(str(b), []).append(int(node))
    score: dict[str, float] = {}
    cards: dict[str, int] = {}
    fresh: dict[str, float] = {}
    base = ctx.fresh_share
    for b, nodes in by_bin.items():
        accts = np.unique(np.concatenate([ctx.members(nd) for nd in nodes]))
        share = float(ctx.fresh[accts].mean()) if accts.size else 0.0
        lift = (share - base) / (1.0 - base) if base < 1.0 else 0.0
        ramp = min(1.0, (len(nodes) - 1) / (BIN_FULL_CARDS - 1))
        score[b] = min(1.0, max(0.0, lift)) * ramp
        cards[b] = len(nodes)
        fresh[b] = share
    return score, cards, fresh


def node_weights(ctx: Context, min_weight: float) -> NodeWeights:
    """Weight every node shared by at least two accounts (others get 0).

    Args:
        ctx: Indexed projection.
        min_weight: Nodes whose weight cannot reach this even with full boosts are not
            examined further (their weight is still reported, unboosted).

    Returns:
        Weights and explanation ingredients.
    """
    n_nodes = len(ctx.node_keys)
    weight = np.zeros(n_nodes)
    spec = np.zeros(n_nodes)
    mult = np.ones(n_nodes)
    bursts: dict[int, Burst] = {}
    b_score, b_cards, b_fresh = bin_stats(ctx)
    # Weights before the burst boost first; then the densest creation window of every node that
    # can still reach min_weight, in one compiled pass (a numpy search per node was 9 of the
    # 15 s here at scale 1.0, 397k nodes).
    pending: list[tuple[int, float, float]] = []  # (node, raw weight, BIN boost)
    for found in np.flatnonzero(ctx.degree >= 2):
        node = int(found)
        kind = int(ctx.node_kind[node])
        attrs = ctx.node_attrs[node]
        ext = bool(ctx.extraction[node])
        s = specificity(int(ctx.degree[node]), natural_sharing(kind, ext), ctx.n)
        spec[node] = s
        if kind in SQUARED_SPECIFICITY_KINDS and not ext:
            s = s * s
        m = attr_multiplier(kind, attrs)
        raw = base_weight(kind, ext) * m * s
        mult[node] = m
        boost_bin = 0.0
        if kind == PAYMENT:
            bs = b_score.get(str(attrs.get("bin", "")), 0.0)
            if is_prepaid_hint(attrs):
                bs = max(bs, PREPAID_HINT_SCORE)
            boost_bin = BIN_BOOST * bs
        if raw * (1 + NODE_BURST_BOOST) * (1 + boost_bin) < min_weight:
            weight[node] = raw
            continue
        pending.append((node, raw, boost_bin))
    searched = np.array(
        [node for node, _raw, _bin in pending if ctx.degree[node] >= BURST_MIN_SHARERS], np.int64
    )
    entries, _owner = gather(ctx.node_ptr, searched)
    ptr = np.concatenate(([0], np.cumsum(ctx.degree[searched]))).astype(np.int64)
    members = ctx.node_acct[entries]
    population = ctx.creation_sorted
    best_k, sizes, starts, pop_ins = _densest_windows(
        ptr, members, ctx.created, population, BURST_WINDOW_S
    )
    window_of = {int(node): i for i, node in enumerate(searched)}
    for node, raw, boost_bin in pending:
        boost_burst = 0.0
        i = window_of.get(node)
        if i is not None and sizes[i] >= 2 and population.size >= 2:
            burst = _burst_of_window(
                int(best_k[i]),
                int(sizes[i]),
                float(starts[i]),
                int(pop_ins[i]),
                population,
                BURST_WINDOW_S,
            )
            if burst.strength > 0:
                # Scaled by the share of sharers in bursts: a 40-account burst hidden among
                # 20,000 gmail.com users does not make gmail.com telling.
                created = ctx.created[ctx.members(node)]
                in_burst, known = burst_members(created, population)
                share = in_burst / known if known else 0.0
                if share > 0:
                    bursts[node] = burst
                    boost_burst = NODE_BURST_BOOST * burst.strength * share
        weight[node] = min(1.0, raw * (1 + boost_burst) * (1 + boost_bin))
    return NodeWeights(weight, spec, mult, bursts, b_score, b_cards, b_fresh)
