"""Ring scoring: combination rules, monotonicity, dampening, explanations."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from app.detection.context import build_context
from app.detection.evidence import build_evidence
from app.detection.fixtures import load_fixture
from app.detection.model import Projection
from app.detection.scoring import RingScorer, abuse_axis, combine, noisy_or


def test_noisy_or_and_combine_basics() -> None:
    assert noisy_or([]) == 0.0
    assert noisy_or([0.5, 0.5]) == pytest.approx(0.75)
    assert combine(0.0, 1.0, []) == 0.0  # coordination without abuse is no attack
    assert combine(1.0, 0.0, []) == 0.0  # heavy use alone is no ring
    assert combine(0.81, 0.81, []) == pytest.approx(0.81)
    assert combine(0.81, 0.81, [0.5]) == pytest.approx(0.405)


def test_score_is_monotone_in_every_signal() -> None:
    grid = [0.0, 0.2, 0.5, 0.8, 1.0]
    for c in grid:
        for a in grid:
            for step in (0.1, 0.3):
                assert combine(min(1, c + step), a, []) >= combine(c, a, [])
                assert combine(c, min(1, a + step), []) >= combine(c, a, [])
                assert combine(c, a, [0.3]) <= combine(c, a, [])
    # Adding any positive signal never lowers an axis.
    base = [0.3, 0.2]
    for extra in grid:
        assert noisy_or([*base, extra]) >= noisy_or(base)
        assert abuse_axis(base, [extra]) >= abuse_axis(base, [])
        assert abuse_axis([*base, extra], []) >= abuse_axis(base, [])


def test_modifiers_alone_create_no_abuse() -> None:
    # Concentration / freshness / rotation only amplify volume or extraction evidence.
    assert abuse_axis([], [0.9, 0.9]) == 0.0
    assert abuse_axis([0.3], [0.9]) > abuse_axis([0.3], [])


def _scorer(name: str) -> tuple[RingScorer, Projection]:
    proj = load_fixture(name)
    ctx = build_context(proj)
    return RingScorer(ctx, build_evidence(ctx)), proj


def _members(scorer: RingScorer, prefix: str) -> np.ndarray:
    return np.array([i for i, a in enumerate(scorer.ctx.ids) if a.startswith(prefix)])


def test_ring_score_rises_with_volume() -> None:
    proj = load_fixture("card_ring")
    scores = []
    for factor in (0.005, 0.02, 0.2, 1.0):
        accounts = {
            a: dataclasses.replace(
                info,
                request_count=int(info.request_count * factor),
                output_tokens=int(info.output_tokens * factor),
            )
            if a.startswith("card-")
            else info
            for a, info in proj.accounts.items()
        }
        ctx = build_context(Projection(accounts, proj.nodes, proj.attachments))
        scorer = RingScorer(ctx, build_evidence(ctx))
        scores.append(scorer.score(_members(scorer, "card-"))[0])
    assert scores == sorted(scores)
    assert scores[-1] > scores[0]


def test_crowd_forced_into_a_ring_is_not_flaggable_and_says_why() -> None:
    scorer, _ = _scorer("cgnat_crowd")
    score, signals = scorer.score(_members(scorer, "mobile-"))
    names = {s.name: s for s in signals}
    assert score < 0.2
    assert "benign:crowd_ip" in names
    assert "mobile" in names["benign:crowd_ip"].detail
    assert "benign:ordinary_volume" in names and "benign:no_extraction" in names


def test_invoice_and_corporate_network_dampen_an_enterprise() -> None:
    scorer, _ = _scorer("enterprise_tenant")
    score, signals = scorer.score(_members(scorer, "acme-"))
    names = {s.name: s for s in signals}
    assert score < 0.5
    assert names["benign:invoice_payment"].weight > 0
    assert "invoice" in names["benign:invoice_payment"].detail
    assert names["benign:institutional_network"].weight > 0
    # Without the damping the tenant's coordination x usage would look much worse.
    c, a = names["axis:coordination"].weight, names["axis:abuse"].weight
    assert combine(c, a, []) > score


def test_card_ring_signals_are_checkable_sentences() -> None:
    scorer, _ = _scorer("card_ring")
    score, signals = scorer.score(_members(scorer, "card-"))
    names = {s.name: s for s in signals}
    assert score > 0.9
    for key in ("shared_payment", "creation_burst", "high_volume", "extraction_templates"):
        assert names[key].weight > 0
    assert "40 of 40 accounts paid with" in names["shared_payment"].detail
    assert "537410" in names["shared_payment"].detail
    assert all(0.0 <= s.weight <= 1.0 for s in signals)
