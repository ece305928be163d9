"""Pure parts of incremental detection: which nodes the region walk follows, the population hour
profile, carrying rings over, and the full / incremental decision."""

from __future__ import annotations

import numpy as np
import pytest

from app.detection.context import build_context
from app.detection.incremental import (
    HourProfile,
    burst_weight,
    carry_over,
    choose_mode,
    max_node_weight,
    merge_results,
    needs_burst_check,
    node_can_link,
    raw_node_weight,
    region_too_large,
    with_hour_profile,
)
from app.detection.model import (
    AccountInfo,
    Attachments,
    DetectionParams,
    DetectionResult,
    NodeKind,
    Projection,
    Ring,
)


def test_region_walk_follows_telling_nodes_and_stops_at_crowds() -> None:
    n = 14_000
    # A card shared by 40 accounts ties them; so does a device shared by 3.
    assert node_can_link(NodeKind.PAYMENT, {"method": "card"}, 40, n)
    assert node_can_link(NodeKind.DEVICE, {}, 3, n)
    # A webmail domain with 5,000 users cannot reach the evidence minimum even fully boosted.
    assert not node_can_link(NodeKind.EMAIL_DOMAIN, {}, 5_000, n)
    assert max_node_weight(NodeKind.EMAIL_DOMAIN, {}, 5_000, n) < 0.05
    # One with 800 sits just under the minimum: only a real creation burst could lift it.
    assert needs_burst_check(NodeKind.EMAIL_DOMAIN, {}, 800, n)
    assert not needs_burst_check(NodeKind.DEVICE, {}, 3, n)  # telling anyway
    # A carrier CGNAT address shared by 3,000 strangers neither.
    assert not node_can_link(NodeKind.IP, {"ip_kind": "cgnat"}, 3_000, n)
    # Templates lockstep compares are followed whatever their weight: rare or extraction-style.
    assert node_can_link(NodeKind.PROMPT_CLUSTER, {"extraction": False}, 150, n)
    assert node_can_link(NodeKind.PROMPT_CLUSTER, {"extraction": True}, 9_000, n)
    assert not node_can_link(NodeKind.PROMPT_CLUSTER, {"extraction": False}, 6_000, n)
    # A node nobody shares ties nobody.
    assert not node_can_link(NodeKind.PAYMENT, {"method": "card"}, 1, n)


def _account(account_id: str, hourly: dict[int, int]) -> AccountInfo:
    return AccountInfo(
        account_id=account_id,
        created_at=0.0,
        declared=True,
        request_count=sum(hourly.values()),
        input_tokens=0,
        output_tokens=0,
        first_request=3600.0,
        last_request=7200.0,
        hourly=hourly,
    )


def test_hour_profile_replaces_the_projection_rhythm() -> None:
    # The region carries one account's activity; the population had 10 active accounts.
    proj = Projection(
        {"a": _account("a", {100: 2, 102: 1}), "b": _account("b", {})}, {}, Attachments()
    )
    ctx = build_context(proj)
    assert ctx.hours_p.tolist() == [1.0, 1.0]  # alone, a is "everybody" in its hours
    profile = HourProfile(np.array([99, 100, 102]), np.array([5, 4, 1]), active=10)
    fixed = with_hour_profile(ctx, profile)
    assert fixed.hours_u.tolist() == [99, 100, 102]
    assert fixed.hours_p.tolist() == pytest.approx([0.5, 0.4, 0.1])
    # a's hours point at the population's hours 100 and 102.
    assert fixed.hours_u[fixed.hours_of(0)].tolist() == [100, 102]
    assert fixed.cum_p[-1] == pytest.approx(1.0)
    # An hour missing from the profile (ingested between the two reads) keeps its own count.
    partial = with_hour_profile(ctx, HourProfile(np.array([100]), np.array([4]), active=10))
    assert partial.hours_u.tolist() == [100, 102]
    assert partial.hours_p.tolist() == pytest.approx([0.4, 0.1])


def _ring(ring_id: str, members: tuple[str, ...], score: float, flagged: bool) -> Ring:
    return Ring(ring_id, members, score, flagged, ())


def test_carry_over_keeps_rings_outside_the_region_and_merge_sorts_like_a_full_run() -> None:
    previous = [
        _ring("r-a", ("a1", "a2"), 0.9, True),
        _ring("r-b", ("b1", "b2", "b3"), 0.2, False),
        _ring("r-c", ("c1", "c2"), 0.7, True),
    ]
    carried = carry_over(previous, {"a2", "x"})
    assert [r.ring_id for r in carried] == ["r-b", "r-c"]
    recomputed = DetectionResult(
        (_ring("r-new", ("a1", "a2", "x"), 0.8, True),), DetectionParams(), {"accounts": 9.0}
    )
    merged = merge_results(carried, recomputed, DetectionParams())
    assert [r.ring_id for r in merged.rings] == ["r-new", "r-c", "r-b"]
    assert merged.stats["carried_rings"] == 2
    assert merged.stats["flagged"] == 2 and merged.stats["flagged_accounts"] == 5
    assert merged.stats["accounts"] == 9.0


def test_choose_mode() -> None:
    ok = {
        "has_previous": True,
        "same_params": True,
        "has_watermark": True,
        "streak": 0,
        "full_every": 24,
        "previous_hubs_dropped": 0.0,
    }
    assert choose_mode("auto", **ok).mode == "incremental"  # type: ignore[arg-type]
    assert choose_mode("full", **ok).reason == "full run requested"  # type: ignore[arg-type]
    reasons = {
        "has_previous": "no previous succeeded run",
        "same_params": "parameters changed",
        "has_watermark": "no watermark",
    }
    for key, reason in reasons.items():
        decision = choose_mode("incremental", **{**ok, key: False})  # type: ignore[arg-type]
        assert decision.mode == "full" and reason in decision.reason
    hubs = choose_mode("auto", **{**ok, "previous_hubs_dropped": 3.0})  # type: ignore[arg-type]
    assert hubs.mode == "full" and "hub budget" in hubs.reason
    # Every 24th run is full in auto mode; an explicit incremental request is not bound by it.
    periodic = choose_mode("auto", **{**ok, "streak": 23})  # type: ignore[arg-type]
    assert periodic.mode == "full" and "every 24 runs" in periodic.reason
    assert choose_mode("incremental", **{**ok, "streak": 23}).mode == "incremental"  # type: ignore[arg-type]
    assert choose_mode("auto", **{**ok, "full_every": 0, "streak": 999}).mode == "incremental"  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown mode"):
        choose_mode("sometimes", **ok)  # type: ignore[arg-type]


def test_region_too_large() -> None:
    assert region_too_large(300, 1_000, 0.3) is None
    reason = region_too_large(301, 1_000, 0.3)
    assert reason is not None and "301 of 1,000" in reason and "> 30%" in reason
    assert region_too_large(5, 0, 0.3) is None


def test_burst_weight_is_the_weight_the_detector_gives() -> None:
    from app.detection.context import EMAIL
    from app.detection.model import Attachment, Attachments, SharedNode
    from app.detection.weights import node_weights

    # 60 ordinary sign-ups spread over a year, and a domain whose 12 users signed up in one night.
    accounts = {
        f"u{i}": AccountInfo(f"u{i}", 1.6e9 + i * 500_000.0, True, 5, 0, 0, None, None)
        for i in range(60)
    }
    accounts |= {
        f"f{i}": AccountInfo(f"f{i}", 1.62e9 + i * 60.0, True, 5, 0, 0, None, None)
        for i in range(12)
    }
    accounts["x"] = AccountInfo("x", None, False, 5, 0, 0, None, None)  # unknown sign-up
    farm = [*(f"f{i}" for i in range(12)), "x"]
    nodes = {
        "EmailDomain:farm.example": SharedNode("EmailDomain:farm.example", NodeKind.EMAIL_DOMAIN),
        "EmailDomain:mail.example": SharedNode("EmailDomain:mail.example", NodeKind.EMAIL_DOMAIN),
    }
    atts = [Attachment(a, "EmailDomain:farm.example", 1) for a in farm]
    atts += [Attachment(f"u{i}", "EmailDomain:mail.example", 1) for i in range(40)]
    ctx = build_context(Projection(accounts, nodes, Attachments.of(atts)))
    expected = node_weights(ctx, 0.0).weight
    for key in nodes:
        node = ctx.node_pos[key]
        assert ctx.node_kind[node] == EMAIL
        created = ctx.created[ctx.members(node)]
        got = burst_weight(NodeKind.EMAIL_DOMAIN, {}, created, ctx.n, ctx.creation_sorted)
        assert got == pytest.approx(float(expected[node]), abs=1e-12)
    farm_w = burst_weight(
        NodeKind.EMAIL_DOMAIN,
        {},
        ctx.created[ctx.members(ctx.node_pos["EmailDomain:farm.example"])],
        ctx.n,
        ctx.creation_sorted,
    )
    assert farm_w > raw_node_weight(NodeKind.EMAIL_DOMAIN, {}, 13, ctx.n)  # the burst counts
