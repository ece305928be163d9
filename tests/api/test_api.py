"""The JSON API: shapes, paging / sort / filter in Cypher, search, entities, 404s."""

from __future__ import annotations

from typing import Any

import pytest
import scenario
from fastapi.testclient import TestClient

pytestmark = pytest.mark.integration


def get(client: TestClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    return response.json()


def test_runs(client: TestClient) -> None:
    data = get(client, "/api/runs")
    assert data["default_run"] == scenario.RUN_ID
    by_id = {r["run_id"]: r for r in data["runs"]}
    assert by_id[scenario.RUN_ID]["status"] == "succeeded"
    assert by_id[scenario.RUN_ID]["ring_count"] == scenario.FILLERS + 2
    assert by_id[scenario.RUN_ID]["duration_s"] is not None
    assert by_id[scenario.OLD_RUN_ID]["status"] == "failed"
    assert by_id[scenario.OLD_RUN_ID]["error"] == "RuntimeError: boom"
    one = get(client, f"/api/runs/{scenario.RUN_ID}")
    assert one["params"]["seed"] == 42 and one["counts"]["rings"] == scenario.FILLERS + 2


def test_rings_page_shape(client: TestClient) -> None:
    data = get(client, "/api/rings?per_page=5")
    assert set(data) >= {"run_id", "total", "flagged", "page", "per_page", "pages", "rings"}
    assert data["total"] == scenario.FILLERS + 2 and data["pages"] == 6
    top = data["rings"][0]
    assert top["ring_id"] == scenario.ALPHA
    assert set(top) >= {
        "score",
        "flagged",
        "size",
        "operator",
        "confidence",
        "signals",
        "top_signals",
    }
    assert [s["name"] for s in top["top_signals"]] == [
        "shared_payment",
        "extraction_templates",
        "shared_device",
    ]


def test_rings_paging_covers_every_ring_once(client: TestClient) -> None:
    seen: list[str] = []
    for page in range(1, 5):
        seen += [r["ring_id"] for r in get(client, f"/api/rings?per_page=8&page={page}")["rings"]]
    assert len(seen) == len(set(seen)) == scenario.FILLERS + 2


@pytest.mark.parametrize(
    ("sort", "order", "key"),
    [
        ("score", "desc", "score"),
        ("score", "asc", "score"),
        ("size", "desc", "size"),
        ("ring_id", "asc", "ring_id"),
        ("confidence", "desc", "confidence"),
    ],
)
def test_rings_sorting(client: TestClient, sort: str, order: str, key: str) -> None:
    rings = get(client, f"/api/rings?sort={sort}&order={order}&per_page=100")["rings"]
    values = [r[key] if r[key] is not None else -1.0 for r in rings]
    assert values == sorted(values, reverse=order == "desc")


def test_rings_filters(client: TestClient) -> None:
    flagged = get(client, "/api/rings?flagged=true&per_page=100")
    assert flagged["total"] == flagged["flagged"] == len(flagged["rings"]) > 0
    assert all(r["flagged"] for r in flagged["rings"])
    big = get(client, "/api/rings?min_size=3")
    assert {r["ring_id"] for r in big["rings"]} == {scenario.ALPHA, scenario.BETA}
    assert get(client, "/api/rings?operator=KRAIT")["total"] == 1
    assert (
        get(client, "/api/rings?attributed=false&per_page=100")["total"]
        == scenario.FILLERS + 2 - 1 - 4
    )
    assert get(client, "/api/rings?signal=shared_payment")["rings"][0]["ring_id"] == scenario.ALPHA
    assert get(client, "/api/rings?min_score=0.9")["total"] == 1
    assert get(client, "/api/rings?ring=fill-2")["total"] == 8


@pytest.mark.parametrize(
    "url",
    [
        "/api/runs?skip=1000000000000000000000000000",
        "/api/rings?page=1000000000000000",
        "/api/rings?min_size=100000000000000000000",
        "/rings?page=1000000000000000",
    ],
)
def test_huge_paging_numbers_are_a_clear_422(client: TestClient, url: str) -> None:
    # Found by schemathesis: these reached Neo4j and failed there with a 500.
    response = client.get(url)
    assert response.status_code == 422, response.text[:300]
    assert "less than or equal" in response.text


def test_rings_sort_is_an_allow_list(client: TestClient) -> None:
    response = client.get("/api/rings?sort=score%20DESC;%20MATCH%20(n)%20DETACH%20DELETE%20n")
    assert response.status_code == 422
    assert get(client, "/api/rings")["total"] == scenario.FILLERS + 2


def test_ring_summary(client: TestClient) -> None:
    ring = get(client, f"/api/rings/{scenario.ALPHA}")
    assert ring["operator"] == scenario.OPERATOR and ring["confidence"] == pytest.approx(0.87)
    assert len(ring["evidence"]) == 3 and ring["run"]["run_id"] == scenario.RUN_ID
    payment = next(s for s in ring["signals"] if s["name"] == "shared_payment")
    assert payment["effect"] == "raises" and payment["meaning"]


def test_ring_members(client: TestClient) -> None:
    data = get(client, f"/api/rings/{scenario.ALPHA}/members")
    assert data["total"] == 6
    by_id = {m["account_id"]: m for m in data["members"]}
    assert set(by_id) == set(scenario.ALPHA_MEMBERS)
    assert by_id["KR7-acct-02"]["labels"][0]["operator"] == scenario.OPERATOR
    assert by_id["KR7-acct-01"]["request_count"] == 3 and by_id["KR7-acct-01"]["payment_count"] == 1


def test_ring_graph_only_shared_nodes(client: TestClient) -> None:
    data = get(client, f"/api/rings/{scenario.ALPHA}/graph?collapse=never")
    nodes = {e["data"]["id"]: e for e in data["elements"] if e["group"] == "nodes"}
    edges = [e["data"] for e in data["elements"] if e["group"] == "edges"]
    assert "PaymentMethod:pm_krait_01" in nodes and "Device:dev-krait-A" in nodes
    assert "IP:203.0.113.7" in nodes
    assert not any(k.startswith("Device:dev-solo") for k in nodes)  # used by one member only
    assert f"Account:{scenario.OUTSIDER}" in nodes  # labeled outsider sharing the IP
    assert nodes[f"Operator:{scenario.OPERATOR}"]["data"]["attributed"] is True
    assert sum(1 for k in nodes if k.startswith("PromptCluster:")) == 1
    assert {e["rel"] for e in edges} == {
        "PAID_WITH",
        "USED_IP",
        "USED_DEVICE",
        "SENT",
        "LABELED_AS",
    }
    assert data["time_range"]["min"] < data["time_range"]["max"]
    ids = set(nodes)
    assert all(e["source"] in ids and e["target"] in ids for e in edges)
    assert data["accounts"][:6] == sorted(scenario.ALPHA_MEMBERS)


def test_ring_graph_collapses_identical_accounts(client: TestClient) -> None:
    data = get(client, f"/api/rings/{scenario.ALPHA}/graph?collapse=always")
    assert data["collapsed"] is True
    groups = [
        e["data"]
        for e in data["elements"]
        if e["group"] == "nodes" and e["data"]["kind"] == "AccountGroup"
    ]
    # 05 and 06 share exactly IP + prompt cluster; 01 and 03 share card + device + IP + cluster.
    assert sorted(g["count"] for g in groups) == [2, 2]
    assert {tuple(g["accounts"]) for g in groups} == {
        ("KR7-acct-01", "KR7-acct-03"),
        ("KR7-acct-05", "KR7-acct-06"),
    }


def test_unknown_ring_and_run_are_404(client: TestClient) -> None:
    assert client.get("/api/rings/nope").status_code == 404
    assert client.get("/api/rings/nope/graph").status_code == 404
    assert client.get("/api/rings/nope/export/json").status_code == 404
    assert client.get(f"/api/rings/{scenario.ALPHA}?run=nope").status_code == 404
    assert client.get("/api/runs/nope").status_code == 404


def test_search(client: TestClient) -> None:
    hits = get(client, "/api/search?q=203.0.113")["hits"]
    assert {"kind": "IP", "key": "203.0.113.7"} in [
        {"kind": h["kind"], "key": h["key"]} for h in hits
    ]
    assert get(client, "/api/search?q=KR7-acct-01")["hits"][0] == {
        "kind": "Account",
        "key": "KR7-acct-01",
        "detail": "krait-mail.example",
        "exact": True,
    }
    kinds = {h["kind"] for h in get(client, "/api/search?q=krait")["hits"]}
    assert "Operator" in kinds
    assert {h["kind"] for h in get(client, "/api/search?q=RUBRIC")["hits"]} == {"PromptCluster"}
    assert get(client, "/api/search?q=dev-krait")["hits"][0]["kind"] == "Device"
    assert get(client, "/api/search?q=pm_krait")["hits"][0]["kind"] == "PaymentMethod"
    assert get(client, "/api/search?q=KR7-al")["hits"][0]["kind"] == "Ring"
    assert get(client, "/api/search?q=zzz-nothing")["hits"] == []


def test_entity_and_its_rings(client: TestClient) -> None:
    ip = get(client, "/api/entities/IP/203.0.113.7")
    assert ip["props"]["as_org"] == "Krait Hosting" and ip["degree"] == 7
    assert [r["ring_id"] for r in ip["rings"]] == [scenario.ALPHA]
    assert ip["rings"][0]["linked"] == 6
    operator = get(client, "/api/entities/Operator/Operator Krait")
    ring = next(r for r in operator["rings"] if r["ring_id"] == scenario.ALPHA)
    assert ring["attributed"] is True
    account = get(client, "/api/entities/Account/KR7-acct-01")
    assert account["rings"][0]["ring_id"] == scenario.ALPHA
    assert "email_hash" in account["props"] and "created_at" in account["props"]
    assert client.get("/api/entities/Planet/x").status_code == 422
    assert client.get("/api/entities/IP/192.0.2.1").status_code == 404


def test_neighbours_are_capped_with_remaining(client: TestClient) -> None:
    first = get(client, "/api/entities/IP/203.0.113.7/neighbours?limit=4")
    assert first["total"] == 7 and len(first["neighbours"]) == 4 and first["remaining"] == 3
    rest = get(client, "/api/entities/IP/203.0.113.7/neighbours?limit=4&skip=4")
    assert len(rest["neighbours"]) == 3 and rest["remaining"] == 0
    keys = {n["key"] for n in first["neighbours"] + rest["neighbours"]}
    assert keys == {*scenario.ALPHA_MEMBERS, scenario.OUTSIDER}
    assert all(n["rel"] == "USED_IP" and not n["outgoing"] for n in first["neighbours"])
