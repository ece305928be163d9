"""Ring scoring: interpretable signals combined into one score in [0, 1].

A distillation ring is *coordinated* accounts *extracting* model outputs. Benign groups are
often coordinated (an enterprise tenant, a family card, a campus NAT) and heavy users often
extract alone; only the combination is an attack. The score therefore has two axes:

* coordination C = noisy-OR of shared payment, shared devices, shared (non-crowd) IPs, shared
  rare templates, shared email domain, creation bursts and lockstep activity;
* abuse A from a core noisy-OR of volume (vs the population's 75th percentile) and
  extraction-style templates, amplified by prompt concentration (scripted traffic through
  non-popular shared templates), account freshness and IP / device rotation:
  A = core + core (1 - core) noisy-OR(modifiers), so those alone (a popular app's users, a new
  family, a traveller) never create abuse;

    score = sqrt(C * A) * prod(1 - damping)

The geometric mean needs both axes; each positive signal is capped below 1 so no single feature
decides. Damping signals explain coordination away where it is shared by design: invoice
billing (enterprise tenants), institutional egress IPs (corporate, campus), accounts that are
old. Signals named "benign:*" are damping (weight = the damping factor) or, with weight 0,
purely explanatory (crowd IPs, popular templates, ordinary volume, no extraction). Signals named
"axis:*" report C and A; "note:*" are remarks with weight 0 (periphery removed). Every other
signal's weight is its value as fed into its axis.

Signal caps (value at full strength): shared_payment 0.8, shared_device 0.6, shared_ip 0.5,
shared_template 0.4, shared_email_domain 0.25, creation_burst 0.6, lockstep 0.7 (coordination);
high_volume 0.7, extraction_templates 0.9 (abuse core); prompt_concentration 0.6,
fresh_accounts 0.5, infrastructure_rotation 0.4 (modifiers); dampers invoice 0.5,
institutional network 0.3, aged accounts 0.3, each times the share of members concerned.
Shared-node signals are cap * (share of members on a node shared within the ring) * (their
mean node weight), so a ring sharing only crowd addresses gets almost nothing from them.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np

from app.detection.context import DEVICE, EMAIL, IP, PAYMENT, PROMPT, Context
from app.detection.evidence import EvidenceGraph
from app.detection.lockstep import LOCKSTEP_MIN, gather, lockstep_matrix, sample
from app.detection.model import Signal
from app.detection.weights import (
    BURST_WINDOW_S,
    CROWD_IP_KINDS,
    INSTITUTIONAL_IP_KINDS,
    burst_members,
    creation_burst,
    ip_kind,
    is_org_billing,
    is_prepaid_hint,
    payment_method,
)

# Coordination signal caps.
PAYMENT_MAX = 0.8
DEVICE_MAX = 0.6
IP_MAX = 0.5
TEMPLATE_MAX = 0.4
EMAIL_MAX = 0.25
BURST_MAX = 0.6
LOCKSTEP_MAX = 0.7
LOCKSTEP_FULL = 0.6  # median partner correlation at which lockstep counts fully

# Abuse signal caps and ramps.
VOLUME_MAX = 0.7
# Usage is heavy-tailed (a median user sends a handful of requests), so the yardstick is the
# population's 75th percentile: robust while campaign accounts are under a quarter of the
# population, and a family of ordinary users at 3x the median does not look "heavy".
VOLUME_START = 2.0  # ratio to the population's 75th percentile at which volume starts to count
VOLUME_FULL = 20.0  # ... and at which it counts fully
EXTRACTION_MAX = 0.9
CONCENTRATION_MAX = 0.6
CONCENTRATION_SHARE = 0.8  # >= 80% of an account's requests go through non-popular templates
CONCENTRATION_MIN_REQUESTS = 20
POPULAR_SPECIFICITY = 0.5  # template specificity below this = popular (thousands of users)
FRESH_MAX = 0.5
ROTATION_MAX = 0.4
ROTATION_START = 2.0  # median IPs + devices per account at 2x the population's starts to count

# Damping.
INVOICE_DAMP = 0.5
INSTITUTIONAL_DAMP = 0.3
AGED_DAMP = 0.3
# Explanatory notes fire when the thing covers at least this share of the ring.
NOTE_SHARE = 0.5


def noisy_or(values: list[float]) -> float:
    """1 - prod(1 - v): the probability at least one independent piece of evidence holds."""
    p = 1.0
    for v in values:
        p *= 1.0 - min(1.0, max(0.0, v))
    return 1.0 - p


def combine(coordination: float, abuse: float, damping: list[float]) -> float:
    """Final score: geometric mean of the two axes times the damping factors.

    Args:
        coordination: C in [0, 1].
        abuse: A in [0, 1].
        damping: Damping factors in [0, 1].

    Returns:
        The score in [0, 1].
    """
    score = math.sqrt(max(0.0, coordination) * max(0.0, abuse))
    for d in damping:
        score *= 1.0 - min(1.0, max(0.0, d))
    return min(1.0, max(0.0, score))


def abuse_axis(core: list[float], modifiers: list[float]) -> float:
    """A = core + core (1 - core) noisy-OR(modifiers), core = noisy-OR(core signals)."""
    c = noisy_or(core)
    return c + c * (1.0 - c) * noisy_or(modifiers)


def _fmt_time(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def _fmt_int(x: float) -> str:
    if x >= 10_000_000:
        return f"{x / 1e6:,.0f}M"
    if x >= 1_000_000:
        return f"{x / 1e6:,.1f}M"
    return f"{round(x):,}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _short(text: object, limit: int = 48) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def describe_node(ctx: Context, node: int) -> str:
    """Plain-language name of a shared node, with what makes it telling or not."""
    key = ctx.node_keys[node]
    attrs = ctx.node_attrs[node]
    kind = int(ctx.node_kind[node])
    deg = int(ctx.degree[node])
    if kind == PAYMENT:
        method = payment_method(attrs) or "payment method"
        bin_ = attrs.get("bin")
        extra = f" (BIN {bin_})" if bin_ else ""
        return f"{method} {key}{extra}"
    if kind == IP:
        kind_s = ip_kind(attrs) or "unknown kind"
        asn = attrs.get("asn")
        org = attrs.get("as_org")
        as_s = f", AS{asn}" if asn not in (None, "") else ""
        org_s = f" {org}" if org else ""
        return f"IP {key} ({kind_s}{as_s}{org_s}; {deg:,} accounts overall)"
    if kind == DEVICE:
        ua = attrs.get("user_agent")
        return f"device {key}" + (f" ('{_short(ua, 40)}')" if ua else "")
    if kind == PROMPT:
        sample_text = attrs.get("sample")
        style = "extraction-style " if ctx.extraction[node] else ""
        text = f" '{_short(sample_text)}'" if sample_text else ""
        return f"{style}template {key}{text} ({deg:,} accounts overall)"
    return f"email domain {attrs.get('domain') or key}"


def _gather(ptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of CSR entries of `rows` and the row each position belongs to."""
    pos, owner = gather(ptr, rows)
    return pos, rows[owner]


class RingScorer:
    """Scores communities against population baselines computed once per run."""

    def __init__(self, ctx: Context, evidence: EvidenceGraph) -> None:
        """Prepare per-run lookups.

        Args:
            ctx: Indexed projection.
            evidence: The evidence graph (for node weights).
        """
        self.ctx = ctx
        self.ev = evidence
        self.w = evidence.weights.weight
        # Shares are of all requests: the projection only carries templates shared by two or
        # more accounts, so a free-form user's visible template traffic is a small part of it.
        self.denominator = ctx.denominator
        owner = np.repeat(np.arange(ctx.n), np.diff(ctx.acct_ptr))
        node = ctx.acct_node
        scripted = (ctx.node_kind[node] == PROMPT) & (
            (evidence.weights.specificity[node] >= POPULAR_SPECIFICITY) | ctx.extraction[node]
        )
        self.templated = np.bincount(
            owner[scripted], weights=ctx.acct_count[scripted], minlength=ctx.n
        ).astype(float)

    # ---------------------------------------------------------------- shared infrastructure
    def _shared_kind(
        self,
        kind: int,
        nodes: np.ndarray,
        counts: np.ndarray,
        att_nodes: np.ndarray,
        att_owner: np.ndarray,
        exclude: np.ndarray | None = None,
    ) -> tuple[int, float, np.ndarray]:
        """Members covered by shared nodes of `kind` and their mean best node weight."""
        ctx = self.ctx
        sel = nodes[(ctx.node_kind[nodes] == kind) & (counts >= 2)]
        if exclude is not None:
            sel = sel[~np.isin(sel, exclude)]
        if sel.size == 0:
            return 0, 0.0, sel
        on = np.isin(att_nodes, sel)
        owners = att_owner[on]
        wts = self.w[att_nodes[on]]
        order = np.lexsort((-wts, owners))
        owners, wts = owners[order], wts[order]
        first = np.ones(owners.size, bool)
        first[1:] = owners[1:] != owners[:-1]
        covered = int(first.sum())
        return covered, float(wts[first].mean()), sel

    def _top(self, sel: np.ndarray, nodes: np.ndarray, counts: np.ndarray, k: int = 3) -> str:
        cnt = counts[np.searchsorted(nodes, sel)]
        order = np.lexsort((sel, -cnt))[:k]
        parts = [f"{describe_node(self.ctx, int(sel[i]))} ×{int(cnt[i])}" for i in order]
        more = f" and {sel.size - k} more" if sel.size > k else ""
        return "; ".join(parts) + more

    def score(self, members: np.ndarray) -> tuple[float, list[Signal]]:
        """Score one community.

        Args:
            members: Sorted account indices.

        Returns:
            (score, signals).
        """
        ctx = self.ctx
        n = int(members.size)
        pos, owner = _gather(ctx.acct_ptr, members)
        att_nodes = ctx.acct_node[pos]
        nodes, counts = np.unique(att_nodes, return_counts=True)

        coord: list[Signal] = []
        abuse_core: list[Signal] = []
        abuse_mod: list[Signal] = []
        benign: list[Signal] = []
        damping: list[float] = []

        # Payment: invoice billing is coordination, but by design (damped below).
        cov, wbar, sel = self._shared_kind(PAYMENT, nodes, counts, att_nodes, owner)
        if cov:
            val = PAYMENT_MAX * cov / n * wbar
            detail = f"{cov} of {n} accounts paid with {_plural(sel.size, 'shared method')}: "
            detail += self._top(sel, nodes, counts)
            bins = [ctx.node_attrs[int(s)].get("bin") for s in sel]
            binfo = [(str(b), self.ev.weights.bin_score.get(str(b), 0.0)) for b in bins if b]
            prepaid = [b for b, s in binfo if s > 0]
            if prepaid:
                b = max(set(prepaid), key=lambda x: (prepaid.count(x), x))
                detail += (
                    f"; BIN {b} looks prepaid: {self.ev.weights.bin_cards.get(b, 0)} cards on it,"
                    f" {self.ev.weights.bin_fresh.get(b, 0.0):.0%} paying for fresh accounts"
                )
            elif any(is_prepaid_hint(ctx.node_attrs[int(s)]) for s in sel):
                detail += "; prepaid / virtual card"
            coord.append(Signal("shared_payment", val, detail))
            org = sel[[is_org_billing(ctx.node_attrs[int(s)]) for s in sel]]
            if org.size:
                org_cov = int(np.unique(owner[np.isin(att_nodes, org)]).size)
                d = INVOICE_DAMP * org_cov / n
                damping.append(d)
                benign.append(
                    Signal(
                        "benign:invoice_payment",
                        d,
                        f"{org_cov} of {n} accounts share organisation billing "
                        f"({self._top(org, nodes, counts, 1)}): an invoice account is shared "
                        "by design in an enterprise tenant",
                    )
                )

        cov, wbar, sel = self._shared_kind(DEVICE, nodes, counts, att_nodes, owner)
        if cov:
            coord.append(
                Signal(
                    "shared_device",
                    DEVICE_MAX * cov / n * wbar,
                    f"{cov} of {n} accounts used {_plural(sel.size, 'shared device')}: "
                    + self._top(sel, nodes, counts),
                )
            )

        cov, wbar, sel = self._shared_kind(IP, nodes, counts, att_nodes, owner)
        if cov:
            kinds = np.array([ip_kind(ctx.node_attrs[int(s)]) for s in sel])
            crowd = sel[np.isin(kinds, list(CROWD_IP_KINDS))]
            inst = sel[np.isin(kinds, list(INSTITUTIONAL_IP_KINDS))]
            coord.append(
                Signal(
                    "shared_ip",
                    IP_MAX * cov / n * wbar,
                    f"{cov} of {n} accounts used {_plural(sel.size, 'shared IP')}: "
                    + self._top(sel, nodes, counts)
                    + f" (mean evidence weight {wbar:.2f})",
                )
            )
            if crowd.size:
                crowd_cov = int(np.unique(owner[np.isin(att_nodes, crowd)]).size)
                if crowd_cov >= NOTE_SHARE * n:
                    benign.append(
                        Signal(
                            "benign:crowd_ip",
                            0.0,
                            f"{crowd_cov} of {n} accounts share crowd addresses "
                            f"({self._top(crowd, nodes, counts, 2)}): carrier CGNAT, VPN and "
                            "campus NAT addresses are shared by strangers, so they count for "
                            "little",
                        )
                    )
            if inst.size:
                inst_cov = int(np.unique(owner[np.isin(att_nodes, inst)]).size)
                d = INSTITUTIONAL_DAMP * inst_cov / n
                damping.append(d)
                benign.append(
                    Signal(
                        "benign:institutional_network",
                        d,
                        f"{inst_cov} of {n} accounts share an organisation's egress network "
                        f"({self._top(inst, nodes, counts, 1)}): colleagues or students behind "
                        "one accountable network",
                    )
                )

        cov, wbar, sel = self._shared_kind(PROMPT, nodes, counts, att_nodes, owner)
        if cov:
            coord.append(
                Signal(
                    "shared_template",
                    TEMPLATE_MAX * cov / n * wbar,
                    f"{cov} of {n} accounts use {_plural(sel.size, 'shared template')}: "
                    + self._top(sel, nodes, counts)
                    + f" (mean evidence weight {wbar:.2f})",
                )
            )
            spec = self.ev.weights.specificity[sel]
            popular = sel[(spec < POPULAR_SPECIFICITY) & ~ctx.extraction[sel]]
            if popular.size:
                pop_cov = int(np.unique(owner[np.isin(att_nodes, popular)]).size)
                if pop_cov >= NOTE_SHARE * n:
                    benign.append(
                        Signal(
                            "benign:popular_template",
                            0.0,
                            f"{pop_cov} of {n} accounts use popular templates "
                            f"({self._top(popular, nodes, counts, 2)}), not extraction-style: "
                            "an app's users share its template",
                        )
                    )

        cov, wbar, sel = self._shared_kind(EMAIL, nodes, counts, att_nodes, owner)
        if cov:
            coord.append(
                Signal(
                    "shared_email_domain",
                    EMAIL_MAX * cov / n * wbar,
                    f"{cov} of {n} accounts registered with " + self._top(sel, nodes, counts, 2),
                )
            )

        self._creation_burst(members, coord)
        self._lockstep(members, coord)

        self._volume(members, abuse_core, benign)
        self._extraction(members, abuse_core, benign)
        self._concentration(members, abuse_mod)
        self._rotation(members, abuse_mod)
        self._freshness(members, abuse_mod, benign, damping)

        c_axis = noisy_or([s.weight for s in coord])
        a_axis = abuse_axis([s.weight for s in abuse_core], [s.weight for s in abuse_mod])
        score = combine(c_axis, a_axis, damping)
        axes = [
            Signal(
                "axis:coordination",
                c_axis,
                "coordination = noisy-OR of "
                + (", ".join(f"{s.name} {s.weight:.2f}" for s in coord) or "no signals"),
            ),
            Signal(
                "axis:abuse",
                a_axis,
                "abuse = noisy-OR of "
                + (", ".join(f"{s.name} {s.weight:.2f}" for s in abuse_core) or "no signals")
                + " amplified by "
                + (", ".join(f"{s.name} {s.weight:.2f}" for s in abuse_mod) or "nothing"),
            ),
        ]
        signals = [
            Signal(s.name, round(float(min(1.0, max(0.0, s.weight))), 4), s.detail)
            for s in (*axes, *coord, *abuse_core, *abuse_mod, *benign)
        ]
        return round(float(score), 4), signals

    # ---------------------------------------------------------------- timing
    def _creation_burst(self, members: np.ndarray, out: list[Signal]) -> None:
        ctx = self.ctx
        t = ctx.created[members]
        k, known = burst_members(t, ctx.creation_sorted)
        if k == 0:
            return
        pop = ctx.creation_sorted
        burst = creation_burst(t, pop, BURST_WINDOW_S)
        share = k / known
        if burst.strength > 0:
            out.append(
                Signal(
                    "creation_burst",
                    BURST_MAX * share * burst.strength,
                    f"{k} of {known} accounts with a known sign-up time were "
                    f"created in bursts; densest: {burst.count} within 24 h from "
                    f"{_fmt_time(burst.start)} where the population's sign-up rate predicts "
                    f"{burst.expected:.1f}",
                )
            )

    def _lockstep(self, members: np.ndarray, out: list[Signal]) -> None:
        picked = sample(self.ctx, members)
        if picked.size < 2:
            return
        kap = lockstep_matrix(self.ctx, picked, picked)
        np.fill_diagonal(kap, 0.0)
        best = kap.max(axis=1)
        partner = best >= LOCKSTEP_MIN
        if not partner.any():
            return
        share = float(partner.mean())
        med = float(np.median(best[partner]))
        out.append(
            Signal(
                "lockstep",
                LOCKSTEP_MAX * share * min(1.0, med / LOCKSTEP_FULL),
                f"{int(partner.sum())} of {picked.size} accounts"
                + (" sampled" if picked.size < members.size else "")
                + " are active in the same hours as another member far beyond chance "
                f"(correlation of hourly activity beyond the population rhythm >= {LOCKSTEP_MIN}; median {med:.2f})",
            )
        )

    # ---------------------------------------------------------------- usage
    def _volume(self, members: np.ndarray, out: list[Signal], benign: list[Signal]) -> None:
        ctx = self.ctx
        med_req = float(np.median(ctx.requests[members]))
        med_out = float(np.median(ctx.output_tokens[members]))
        r_req = med_req / ctx.p75_requests if ctx.p75_requests > 0 else 0.0
        r_out = med_out / ctx.p75_output if ctx.p75_output > 0 else 0.0
        ratio = max(r_req, r_out)
        ramp = math.log(max(ratio, 1e-9) / VOLUME_START) / math.log(VOLUME_FULL / VOLUME_START)
        val = VOLUME_MAX * min(1.0, max(0.0, ramp))
        base = (
            f"median {_fmt_int(med_req)} requests and {_fmt_int(med_out)} output tokens per "
            f"account (population median {_fmt_int(ctx.median_requests)} and "
            f"{_fmt_int(ctx.median_output)}, 75th percentile {_fmt_int(ctx.p75_requests)} and "
            f"{_fmt_int(ctx.p75_output)})"
        )
        if val > 0:
            out.append(Signal("high_volume", val, f"{base}: {ratio:.1f}× the 75th percentile"))
        else:
            benign.append(
                Signal("benign:ordinary_volume", 0.0, f"usage volume is ordinary: {base}")
            )

    def _extraction(self, members: np.ndarray, out: list[Signal], benign: list[Signal]) -> None:
        ctx = self.ctx
        ext = ctx.pc_ext[members]
        share = ext / self.denominator[members]
        mean = float(share.mean())
        if mean <= 0:
            benign.append(
                Signal(
                    "benign:no_extraction",
                    0.0,
                    "no extraction-style templates among the ring's requests",
                )
            )
            return
        mostly = int((share >= 0.5).sum())
        pos, _ = _gather(ctx.acct_ptr, members)
        nodes = ctx.acct_node[pos]
        counts = ctx.acct_count[pos]
        is_ext = ctx.extraction[nodes]
        top = ""
        if is_ext.any():
            en, ec = nodes[is_ext], counts[is_ext]
            uniq, inv = np.unique(en, return_inverse=True)
            sums = np.bincount(inv, weights=ec)
            top = "; top: " + describe_node(ctx, int(uniq[int(np.argmax(sums))]))
        total = float(self.denominator[members].sum())
        out.append(
            Signal(
                "extraction_templates",
                EXTRACTION_MAX * mean,
                f"{mostly} of {members.size} accounts send most of their requests to "
                f"extraction-style templates (chain-of-thought elicitation / rubric grading); "
                f"{float(ext.sum()) / total:.0%} of the ring's requests{top}",
            )
        )

    def _concentration(self, members: np.ndarray, out: list[Signal]) -> None:
        share = self.templated[members] / self.denominator[members]
        busy = self.denominator[members] >= CONCENTRATION_MIN_REQUESTS
        k = int((busy & (share >= CONCENTRATION_SHARE)).sum())
        if k == 0:
            return
        out.append(
            Signal(
                "prompt_concentration",
                CONCENTRATION_MAX * k / members.size,
                f"{k} of {members.size} accounts send >= {CONCENTRATION_SHARE:.0%} of their "
                "requests through a handful of shared templates that are not popular app "
                "templates (scripted traffic rather than free-form use)",
            )
        )

    def _rotation(self, members: np.ndarray, out: list[Signal]) -> None:
        ctx = self.ctx
        if ctx.median_rotation <= 0:
            return
        med = float(np.median(ctx.rotation[members]))
        ratio = med / ctx.median_rotation
        val = ROTATION_MAX * min(1.0, max(0.0, (ratio - ROTATION_START) / ROTATION_START))
        if val > 0:
            out.append(
                Signal(
                    "infrastructure_rotation",
                    val,
                    f"accounts rotate through a median of {med:.0f} IPs + devices each "
                    f"(population median {ctx.median_rotation:.0f})",
                )
            )

    def _freshness(
        self,
        members: np.ndarray,
        out: list[Signal],
        benign: list[Signal],
        damping: list[float],
    ) -> None:
        ctx = self.ctx
        age = ctx.first_request[members] - ctx.created[members]
        known = ~np.isnan(age)
        if not known.any():
            return
        fresh = float(ctx.fresh[members][known].mean())
        base = ctx.fresh_share
        lift = (fresh - base) / (1.0 - base) if base < 1.0 else 0.0
        if lift > 0:
            out.append(
                Signal(
                    "fresh_accounts",
                    FRESH_MAX * min(1.0, lift),
                    f"{fresh:.0%} of accounts sent their first request within a week of sign-up "
                    f"(population: {base:.0%})",
                )
            )
        aged = float(ctx.aged[members][known].mean())
        if aged >= NOTE_SHARE:
            d = AGED_DAMP * aged
            damping.append(d)
            med_days = float(np.median(age[known])) / 86_400
            benign.append(
                Signal(
                    "benign:aged_accounts",
                    d,
                    f"{aged:.0%} of accounts were at least 180 days old at their first request "
                    f"in this window (median {med_days:,.0f} days): not created for a campaign",
                )
            )
