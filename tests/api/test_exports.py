"""Ring exports through the API: they parse, and redaction removes every real account id."""

from __future__ import annotations

import csv
import io
import json
import struct
import zipfile

import networkx as nx
import pytest
import scenario
from fastapi.testclient import TestClient

from app.exports.chromium import chromium_path

pytestmark = pytest.mark.integration
needs_chromium = pytest.mark.skipif(
    chromium_path() is None, reason="no headless Chromium (apt-get install chromium)"
)


def export(client: TestClient, fmt: str, redact: bool = False) -> bytes:
    url = f"/api/rings/{scenario.ALPHA}/export/{fmt}" + ("?redact=true" if redact else "")
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    assert "attachment" in response.headers["content-disposition"]
    return response.content


def test_graphml_opens_in_networkx(client: TestClient) -> None:
    graph = nx.read_graphml(io.BytesIO(export(client, "graphml")))
    assert graph.has_node("PaymentMethod:pm_krait_01")
    assert graph.nodes["Account:KR7-acct-02"]["labeled"] is True
    assert graph.graph["ring_id"] == scenario.ALPHA
    kinds = {d["kind"] for _, d in graph.nodes(data=True)}
    assert kinds == {"Account", "PaymentMethod", "IP", "Device", "PromptCluster", "Operator"}
    rels = {d["rel"] for _, _, d in graph.edges(data=True)}
    assert "LABELED_AS" in rels and "PAID_WITH" in rels


def test_json_has_nodes_edges_members(client: TestClient) -> None:
    data = json.loads(export(client, "json"))
    assert data["ring"]["ring_id"] == scenario.ALPHA and data["run"]["run_id"] == scenario.RUN_ID
    assert len(data["members"]) == 6 and data["nodes"] and data["edges"]
    ids = {n["id"] for n in data["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in data["edges"])


def test_csv_zip_has_three_tables(client: TestClient) -> None:
    archive = zipfile.ZipFile(io.BytesIO(export(client, "csv")))
    assert sorted(archive.namelist()) == ["edges.csv", "members.csv", "nodes.csv"]
    members = list(csv.DictReader(io.StringIO(archive.read("members.csv").decode())))
    assert {m["account_id"] for m in members} == set(scenario.ALPHA_MEMBERS)
    edges = list(csv.DictReader(io.StringIO(archive.read("edges.csv").decode())))
    assert any(e["rel"] == "PAID_WITH" and e["first_seen"].startswith("2026-04-22") for e in edges)
    nodes = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode())))
    assert {"id", "kind", "key", "properties"} <= set(nodes[0])


def test_html_report_is_self_contained(client: TestClient) -> None:
    html = export(client, "html").decode()
    assert "Ring <span" in html and scenario.OPERATOR in html and "case-2026-014" in html
    assert 'src="data:image/svg+xml;base64,' in html
    for marker in ('src="http', 'href="http', "<link", "<script"):
        assert marker not in html, marker
    assert "resolution" in html  # the run's parameters


@pytest.mark.parametrize("fmt", ["graphml", "json", "csv", "html"])
def test_redaction_removes_every_real_id(client: TestClient, fmt: str) -> None:
    raw = export(client, fmt, redact=True)
    text = (
        raw.decode()
        if fmt != "csv"
        else "".join(
            zipfile.ZipFile(io.BytesIO(raw)).read(n).decode()
            for n in ("nodes.csv", "edges.csv", "members.csv")
        )
    )
    for real in (*scenario.ALL_REAL_IDS, "krait-mail.example", "Krait Labs"):
        if real in scenario.BETA_MEMBERS:
            continue  # not part of this ring at all
        assert real not in text, (fmt, real)
    assert "acct-1" in text


def test_redaction_is_stable_within_an_export(client: TestClient) -> None:
    data = json.loads(export(client, "json", redact=True))
    members = [m["account_id"] for m in data["members"]]
    assert members == [f"acct-{i}" for i in range(1, 7)]
    node_ids = {n["id"] for n in data["nodes"]}
    assert {f"Account:acct-{i}" for i in range(1, 8)} <= node_ids  # 6 members + the outsider
    assert data["redacted"] is True
    evidence = " ".join(data["ring"]["evidence"])
    assert "acct-2 is labeled" in evidence and "acct-7" in evidence
    assert all(m["email_hash"] is None for m in data["members"])


@needs_chromium
def test_pdf_report(client: TestClient) -> None:
    pdf = export(client, "pdf")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 1


@needs_chromium
def test_png_and_svg_rendered_headless(client: TestClient) -> None:
    png = export(client, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 100 and height > 100
    svg = export(client, "svg").decode()
    assert "<svg" in svg and "KR7-acct-01" in svg
