"""The fixture format and loader (app/detection/fixtures.py), and periphery trimming."""

from __future__ import annotations

import numpy as np

from app.detection import detect, load_fixture, load_truth, projection_from_dict
from app.detection.context import build_context
from app.detection.evidence import build_evidence
from app.detection.fixtures import FIXTURE_DIR, parse_time, truth_from_dict
from app.detection.membership import adjacency, periphery
from app.detection.model import NodeKind
from app.detection.scoring import RingScorer


def test_parse_time_accepts_iso_and_hours() -> None:
    assert parse_time("2026-01-12T06:00:00Z") == parse_time("2026-01-12T06") == 1768197600.0
    assert parse_time(None) is None and parse_time(5) == 5.0


def test_groups_round_robin_placeholders_labels_and_roles() -> None:
    data = {
        "seed": 3,
        "nodes": {"PaymentMethod:pm-1": {"method": "virtual_card", "bin": "537410"}},
        "groups": [
            {
                "prefix": "g",
                "count": 4,
                "created_at": "2026-01-01T00:00:00Z",
                "created_every_minutes": 10,
                "requests": 100,
                "activity": {"hours": ["2026-01-02T05", "2026-01-02T06"]},
                "templates": {"PromptCluster:pc-x": 0.5},
                "attach": [
                    {"node": "PaymentMethod:pm-1"},
                    {"nodes": ["IP:a", "IP:b"], "assign": "round_robin"},
                    {"node": "Device:d-{i}", "members": [0, 2]},
                ],
                "labels": [{"member": 1, "operator": "Op", "confidence": 0.7, "source": "c-1"}],
                "role": {"operator": "Op", "cell": "x"},
            }
        ],
        "accounts": [{"id": "solo", "requests": 3, "role": {"benign": "family"}}],
    }
    proj = projection_from_dict(data)
    assert sorted(proj.accounts) == ["g-000", "g-001", "g-002", "g-003", "solo"]
    g1 = proj.accounts["g-001"]
    assert g1.created_at == parse_time("2026-01-01T00:10:00Z")
    h5 = int(parse_time("2026-01-02T05:00:00Z") or 0) // 3600
    assert g1.request_count == 100 and g1.hourly == {h5: 50, h5 + 1: 50}
    assert g1.first_request == h5 * 3600.0
    assert g1.labels[0].operator == "Op" and g1.labels[0].confidence == 0.7
    att = {(a.account_id, a.node_key): a.count for a in proj.attachments}
    assert att[("g-001", "PromptCluster:pc-x")] == 50
    assert ("g-000", "IP:a") in att and ("g-001", "IP:b") in att and ("g-002", "IP:a") in att
    assert ("g-001", "Device:d-001") in att and ("g-002", "Device:d-002") not in att
    assert proj.nodes["PaymentMethod:pm-1"].attrs["bin"] == "537410"
    assert proj.nodes["IP:a"].kind is NodeKind.IP
    truth = truth_from_dict(data)
    assert truth["operators"][0]["cells"][0]["accounts"] == ["g-000", "g-001", "g-002", "g-003"]
    assert truth["operators"][0]["labeled_accounts"] == ["g-001"]
    assert truth["benign_groups"] == {"family": [["solo"]]}
    assert truth["benign_accounts"] == 1


def test_every_shipped_fixture_loads_deterministically() -> None:
    files = sorted(FIXTURE_DIR.glob("*.json"))
    assert len(files) >= 5
    for path in files:
        first, second = load_fixture(path), load_fixture(path)
        assert first == second
        assert first.accounts and first.attachments
        truth = load_truth(path)
        assert truth["operators"] or truth["benign_groups"]


def test_periphery_drops_a_quiet_stranger_attached_by_one_address() -> None:
    proj = load_fixture("card_ring")
    data_stranger = {
        "nodes": {"IP:shared-proxy": {"ip_kind": "residential"}},
        "accounts": [
            {
                "id": "zz-stranger",
                "created_at": "2025-01-01T00:00:00Z",
                "requests": 6,
                "activity": {"hours": ["2026-01-07T10", "2026-01-09T15"]},
            }
        ],
        "attachments": [
            {"account": "zz-stranger", "node": "IP:shared-proxy"},
            {"account": "card-003", "node": "IP:shared-proxy"},
            {"account": "card-017", "node": "IP:shared-proxy"},
        ],
    }
    extra = projection_from_dict(data_stranger)
    merged = type(proj)(
        {**proj.accounts, **extra.accounts},
        {**proj.nodes, **extra.nodes},
        proj.attachments + extra.attachments,
    )
    ctx = build_context(merged)
    ev = build_evidence(ctx)
    scorer = RingScorer(ctx, ev)
    members = np.array(sorted(i for i, a in enumerate(ctx.ids) if a.startswith(("card-", "zz-"))))
    drop = periphery(ctx, adjacency(ev, ctx.n), members, scorer.denominator)
    assert [ctx.ids[i] for i in members[drop]] == ["zz-stranger"]
    result = detect(merged)
    ring = next(r for r in result.rings if "card-000" in r.members)
    assert ring.flagged and "zz-stranger" not in ring.members
