"""Node weighting: IDF-like specificity, attribute dampening, creation bursts, BIN stats."""

from __future__ import annotations

import itertools
import math

import numpy as np

from app.detection.context import EMAIL, IP, PAYMENT, PROMPT, build_context
from app.detection.fixtures import load_fixture, parse_time
from app.detection.weights import (
    BURST_WINDOW_S,
    CROWD_IP_KINDS,
    NO_BURST,
    _burst_of_window,
    _densest_windows,
    attr_multiplier,
    base_weight,
    binomial_surprise,
    creation_burst,
    is_org_billing,
    is_prepaid_hint,
    node_weights,
    specificity,
)

DAY = 86_400.0


def test_specificity_is_one_up_to_the_natural_scale_then_falls_like_idf() -> None:
    assert specificity(1, 10, 50_000) == 1.0
    assert specificity(10, 10, 50_000) == 1.0
    values = [specificity(d, 10, 50_000) for d in (20, 100, 1_000, 5_000, 20_000, 50_000)]
    assert all(a > b for a, b in itertools.pairwise(values))
    assert values[-1] == 0.0
    # log(N/d) / log(N/s)
    assert math.isclose(specificity(100, 10, 50_000), math.log(500) / math.log(5_000))


def test_specificity_floors_the_population_for_small_projections() -> None:
    # A 40-account card in a 200-account fixture is not "common".
    assert specificity(40, 50, 200) == 1.0
    assert specificity(300, 10, 200) > 0.5


def test_crowd_ip_kinds_are_dampened_relative_to_residential_and_datacenter() -> None:
    mobile = attr_multiplier(IP, {"ip_kind": "mobile"})
    vpn = attr_multiplier(IP, {"ip_kind": "vpn"})
    edu = attr_multiplier(IP, {"ip_kind": "education"})
    corp = attr_multiplier(IP, {"ip_kind": "corporate"})
    for kind in ("residential", "datacenter", "proxy", ""):
        assert attr_multiplier(IP, {"ip_kind": kind}) == 1.0
    assert mobile <= 0.2 and vpn <= 0.25 and edu <= 0.3
    assert mobile < corp < 1.0
    assert set(CROWD_IP_KINDS) >= {"mobile", "vpn", "education"}


def test_invoice_billing_is_dampened_and_cards_are_not() -> None:
    assert is_org_billing({"method": "invoice"})
    assert is_org_billing({"method": "bank_transfer"})
    assert not is_org_billing({"method": "card"})
    assert not is_org_billing({"method": "virtual_card"})
    assert attr_multiplier(PAYMENT, {"method": "invoice"}) < attr_multiplier(
        PAYMENT, {"method": "card"}
    )
    assert is_prepaid_hint({"method": "prepaid_card"}) and not is_prepaid_hint({"method": "card"})


def test_kind_priors_rank_identity_above_behaviour() -> None:
    assert base_weight(PAYMENT, False) > base_weight(IP, False) > base_weight(PROMPT, False)
    assert base_weight(PROMPT, True) > base_weight(PROMPT, False)
    assert base_weight(EMAIL, False) < base_weight(IP, False)


def test_binomial_surprise_grows_with_evidence() -> None:
    assert binomial_surprise(1, 10, 0.5) == 0.0
    small = binomial_surprise(3, 3, 1 / 30)
    big = binomial_surprise(38, 40, 1 / 30)
    assert 0 < small < big
    assert binomial_surprise(5, 5, 0.0) == math.inf


def test_creation_burst_tells_a_sign_up_wave_from_a_spread() -> None:
    rng = np.random.default_rng(0)
    population = np.sort(parse_time("2024-01-01T00:00:00Z") + rng.uniform(0, 700, 2_000) * DAY)
    wave = parse_time("2025-06-01T03:00:00Z") + np.arange(30) * 240.0
    spread = population[rng.choice(population.size, 30, replace=False)]
    pop = np.sort(np.concatenate((population, wave)))
    burst = creation_burst(wave, pop)
    assert burst.count == 30 and burst.strength == 1.0
    assert creation_burst(spread, pop).strength == 0.0


def test_card_ring_node_is_stronger_than_the_cgnat_address() -> None:
    ctx = build_context(load_fixture("cgnat_crowd"))
    w = node_weights(ctx, 0.05).weight
    card = ctx.node_pos["PaymentMethod:pm-vc-428911-07"]
    cgnat = ctx.node_pos["IP:100.64.17.3"]
    assert w[card] > 0.9
    assert w[cgnat] < 0.1


def test_prepaid_bin_stats_come_from_fresh_accounts_on_many_cards() -> None:
    from app.detection.weights import bin_stats

    ctx = build_context(load_fixture("hard_negatives"))
    score, cards, fresh = bin_stats(ctx)
    # BIN 533248: two cards, all paying for accounts created right before use.
    assert cards["533248"] == 2 and fresh["533248"] == 1.0 and score["533248"] > 0
    # A family BIN on old accounts is not prepaid-like.
    assert score.get("411111", 0.0) == 0.0


def test_the_compiled_window_search_finds_creation_bursts_window() -> None:
    rng = np.random.default_rng(11)
    created = np.concatenate(
        (
            rng.uniform(0, 90 * 86400.0, 400),  # spread sign-ups
            1_000_000 + rng.uniform(0, 3600.0, 30),  # a wave
            np.full(5, 2_000_000.0),  # equal times: ties at the window edge
            [np.nan, np.nan],  # never declared
        )
    )
    population = np.sort(np.concatenate((created[~np.isnan(created)], rng.uniform(0, 9e6, 500))))
    groups = [rng.choice(created.size, size, replace=False) for size in rng.integers(0, 60, 300)]
    groups += [np.arange(400, 437), np.arange(435, 437), np.array([436]), np.array([], int)]
    ptr = np.concatenate(([0], np.cumsum([g.size for g in groups]))).astype(np.int64)
    members = np.concatenate(groups).astype(np.int64)
    k, size, start, pop_in = _densest_windows(ptr, members, created, population, BURST_WINDOW_S)
    bursts = 0
    for g, group in enumerate(groups):
        expected = creation_burst(created[group], population)
        if size[g] < 2:
            assert expected == NO_BURST
            continue
        got = _burst_of_window(
            int(k[g]), int(size[g]), float(start[g]), int(pop_in[g]), population, BURST_WINDOW_S
        )
        assert got == expected, g
        bursts += got.strength > 0
    assert bursts >= 1
