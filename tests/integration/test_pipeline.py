"""Seed → ingest → detect → rings JSON → evaluate on the real Neo4j; every named query runs."""

from __future__ import annotations

import gc
import gzip
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import app
from app.graph import detection_repo
from app.graph.detection_repo import latest_run_id, load_projection, run_rings
from app.graph.queries import Query, queries
from app.graph.runner import GraphRunner
from app.ingest.pipeline import Ingestor
from app.jobs.detection_run import run_detection
from seed.generator import generate

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def seeded(
    neo4j_runner: GraphRunner, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    out = tmp_path_factory.mktemp("scenario")
    generate(out, scale=0.002, seed=11)
    neo4j_runner.run_autocommit(queries.stats.wipe_graph)
    report = Ingestor(neo4j_runner, "salt", 20_000, out / "quarantine.jsonl").run([out])
    outcome = run_detection(neo4j_runner)
    yield {"out": out, "report": report, "outcome": outcome}


def _event_counts(out: Path) -> dict[str, Any]:
    kinds: Counter[str] = Counter()
    accounts: set[str] = set()
    ip_requests = 0
    for path in sorted(out.glob("*.jsonl.gz")):
        with gzip.open(path, "rb") as handle:
            for line in handle:
                event = json.loads(line)
                kinds[event["type"]] += 1
                if "account_id" in event:
                    accounts.add(event["account_id"])
                if event["type"] == "request" and event.get("ip"):
                    ip_requests += 1
    return {"kinds": kinds, "accounts": len(accounts), "ip_requests": ip_requests}


def test_seeded_counts_match_the_events(seeded: dict[str, Any], neo4j_runner: GraphRunner) -> None:
    report = seeded["report"]
    expected = _event_counts(seeded["out"])
    assert report.read == sum(expected["kinds"].values()) == report.ingested
    assert report.quarantined == 0 and report.reconciles()
    nodes = {r["label"]: r["count"] for r in neo4j_runner.read(queries.stats.count_nodes)}
    rels = {r["type"]: r["total"] for r in neo4j_runner.read(queries.stats.count_relationships)}
    assert nodes["Account"] == expected["accounts"]
    assert rels["USED_IP"] == expected["ip_requests"]
    requests = neo4j_runner.driver.execute_query(
        "MATCH (a:Account) RETURN sum(a.request_count) AS n"
    ).records[0]["n"]
    assert requests == expected["kinds"]["request"]
    hours = neo4j_runner.driver.execute_query(
        "MATCH (d:ActivityDay) RETURN sum(reduce(s = 0, h IN d.hours | s + h)) AS n"
    ).records[0]["n"]
    assert hours == expected["kinds"]["request"]
    truth = json.loads((seeded["out"] / "truth.json").read_text())
    # Every campaign template family is far fewer clusters than requests.
    assert 0 < nodes["PromptCluster"] < expected["kinds"]["request"]
    assert len(truth["operators"]) >= 3


def test_projection_reads_every_account_hour_and_attachment(
    seeded: dict[str, Any], neo4j_runner: GraphRunner
) -> None:
    projection = load_projection(neo4j_runner)
    assert gc.isenabled(), "the read pauses the cyclic collector and must turn it back on"
    graph = neo4j_runner.driver.execute_query(
        "MATCH (a:Account) WITH count(a) AS accounts "
        "MATCH (d:ActivityDay) UNWIND d.hours AS n "
        "RETURN accounts, sum(n) AS requests, count(CASE WHEN n > 0 THEN 1 END) AS hours"
    ).records[0]
    assert len(projection.accounts) == graph["accounts"]
    # The hours without requests are left out of `hourly`, every other hour is kept.
    hourly = [info.hourly for info in projection.accounts.values()]
    assert sum(sum(h.values()) for h in hourly) == graph["requests"]
    assert sum(len(h) for h in hourly) == graph["hours"]
    assert all(count > 0 for h in hourly for count in h.values())
    shared = neo4j_runner.driver.execute_query(
        "MATCH (n) WHERE (n:PaymentMethod OR n:IP OR n:Device OR n:PromptCluster "
        "OR n:EmailDomain) AND COUNT { (n)<--(:Account) } >= 2 "
        "MATCH (a:Account)-->(n) RETURN count(*) AS links"
    ).records[0]["links"]
    assert len(projection.attachments) == shared
    # Attachments come kind by kind in the order of the queries, each on a node of the projection.
    order = [kind for kind, _query in detection_repo._ATTACHMENT_QUERIES]
    kinds = [projection.nodes[a.node_key].kind for a in projection.attachments]
    assert kinds == sorted(kinds, key=order.index)
    assert len(set(kinds)) >= 4


def test_rings_json_and_evaluate(seeded: dict[str, Any], neo4j_runner: GraphRunner) -> None:
    cli = CliRunner()
    result = cli.invoke(app, ["rings", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["run_id"] == seeded["outcome"].run_id == latest_run_id(neo4j_runner)
    flagged = [r for r in payload["rings"] if r["flagged"]]
    assert flagged, "no ring flagged on a seeded scenario"
    for ring in payload["rings"]:
        assert set(ring) == {
            "ring_id",
            "score",
            "flagged",
            "size",
            "accounts",
            "operator",
            "signals",
        }
        assert 0.0 <= ring["score"] <= 1.0 and ring["size"] == len(ring["accounts"])
        assert all({"name", "weight", "detail"} <= set(s) for s in ring["signals"])
    assert any(r["operator"] for r in flagged)

    truth_path = seeded["out"] / "truth.json"
    result = cli.invoke(app, ["evaluate", "--truth", str(truth_path), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["f1"] >= 0.9, metrics
    assert metrics["benign_flagged_fraction"] <= 0.01, metrics
    csv_out = cli.invoke(app, ["rings", "--format", "csv", "--flagged-only"])
    assert csv_out.exit_code == 0 and csv_out.stdout.count("\n") == len(flagged) + 1


def test_failed_run_keeps_previous_results(
    seeded: dict[str, Any], neo4j_runner: GraphRunner
) -> None:
    good = latest_run_id(neo4j_runner)
    before = run_rings(neo4j_runner, good or "")

    class Broken(GraphRunner):
        def write(self, query: Query, **params: Any) -> list[dict[str, Any]]:
            if query.name == "write_memberships":
                raise RuntimeError("disk full (simulated)")
            return super().write(query, **params)

    broken = Broken(neo4j_runner.driver, neo4j_runner.database, neo4j_runner.uri)
    with pytest.raises(RuntimeError, match="disk full"):
        run_detection(broken)
    assert latest_run_id(neo4j_runner) == good
    assert run_rings(neo4j_runner, good or "") == before
    failed = neo4j_runner.driver.execute_query(
        "MATCH (r:DetectionRun {status: 'failed'}) RETURN r.error AS error"
    ).records
    assert failed and "disk full" in failed[0]["error"]


# Parameters for every named query; a new query without an entry here fails the test below.
SAMPLE_PARAMS: dict[str, dict[str, Any]] = {
    "claim_file_lines": {"digest": "x", "name": "f", "start": 0, "end": 1},
    "get_file_progress": {"digest": "x"},
    "start_aggregate_load": {"digest": "x", "name": "agg", "chunk_rows": 10, "mode": "merge"},
    "list_loaded_chunks": {"digest": "x"},
    "claim_load_chunk": {"digest": "x", "kind": "accounts", "index": 0, "rows": 1},
    "finish_aggregate_load": {
        "digest": "x",
        "rows": 1,
        "inputs": [{"name": "f", "digest": "y", "lines": 1}],
    },
    "merge_ips": {"ips": ["192.0.2.1"]},
    "list_runs": {"limit": 5},
    "list_run_rings": {"run_id": "none"},
    "create_detection_run": {
        "run_id": "r",
        "started_at": "2026-01-01T00:00:00Z",
        "params_json": "{}",
    },
    "finish_detection_run": {
        "run_id": "r",
        "status": "failed",
        "finished_at": "2026-01-01T00:00:00Z",
        "error": None,
        "counts_json": "{}",
        "stages_json": "{}",
        "rings": 0,
        "flagged": 0,
        "accounts": 0,
    },
    "write_rings": {"run_id": "r", "rings": []},
    "write_memberships": {"run_id": "r", "rows": []},
    "write_attributions": {"run_id": "r", "rows": []},
    "list_runs_overview": {"skip": 0, "limit": 5},
    "get_run": {"run_id": "none"},
    "list_rings_page": {
        "run_id": "none",
        "flagged": None,
        "attributed": None,
        "min_score": None,
        "max_score": None,
        "min_size": None,
        "max_size": None,
        "operator": None,
        "signal": None,
        "ring": None,
        "sort": "score",
        "descending": True,
        "skip": 0,
        "limit": 10,
    },
    "get_ring": {"ring_id": "none", "run_id": "none"},
    "list_ring_members": {"ring_id": "none", "run_id": "none"},
    "list_ring_member_labels": {"ring_id": "none", "run_id": "none"},
    "list_ring_shared_nodes": {"ring_id": "none", "run_id": "none", "labeled_cap": 50},
    "search_entities": {"q": "a", "limit": 5},
    "get_entity": {"kind": "Account", "key": "none"},
    "list_entity_neighbours": {"kind": "IP", "key": "192.0.2.1", "skip": 0, "limit": 25},
    "list_entity_rings": {"kind": "Operator", "key": "none", "run_id": "none", "limit": 10},
    "acquire_job_lock": {"name": "sample", "holder": "h", "ttl_seconds": 5},
    "create_run_request": {"request_id": "req-x", "requested_by": "a", "full": False, "reason": ""},
    "claim_run_requests": {"worker": "w"},
    "finish_run_requests": {
        "request_ids": ["req-x"],
        "status": "done",
        "run_id": None,
        "error": None,
        "message": None,
    },
    "fail_stale_run_requests": {"stale_seconds": 120},
    "cancel_run_request": {"request_id": "req-x", "cancelled_by": "a"},
    "list_run_requests": {"limit": 5},
    "record_scheduler_heartbeat": {
        "scheduler_id": "s",
        "host": "h",
        "pid": 1,
        "schedule": "every 60 min",
        "next_run_at": None,
        "poll_seconds": 5.0,
    },
    "stop_scheduler_heartbeat": {"scheduler_id": "s"},
    "list_scheduler_heartbeats": {"limit": 5},
    "restore_settings": {"rows": [{"key": "sample", "value_json": "1"}]},
    "set_setting": {
        "key": "sample",
        "value_json": "1",
        "actor": "a",
        "reason": "r",
        "action": "set",
    },
    "renew_job_lock": {"name": "sample", "holder": "h", "ttl_seconds": 5, "run_id": None},
    "release_job_lock": {"name": "sample", "holder": "h"},
    "set_run_job_info": {
        "run_id": "none",
        "trigger": "cli",
        "worker": "h",
        "fingerprint": "f",
        "previous_run": None,
    },
    "set_run_changes": {"run_id": "none", "changes_json": "{}"},
    "list_run_ring_members": {"run_id": "none"},
    "set_run_watermark": {"run_id": "none", "oldest": None},
    "set_run_mode": {
        "run_id": "none",
        "mode": "full",
        "reason": "r",
        "touched": None,
        "region": None,
        "streak": 0,
    },
    "list_touched_accounts": {"since": "2026-01-01T00:00:00Z"},
    "list_region_nodes": {"account_ids": ["none"]},
    "list_region_node_accounts": {
        "payments": ["x"],
        "ips": ["x"],
        "devices": ["x"],
        "clusters": ["x"],
        "domains": ["x"],
    },
    "project_activity_for_accounts": {"account_ids": ["none"]},
    "list_node_member_created": {
        "payments": ["x"],
        "ips": ["x"],
        "devices": ["x"],
        "clusters": ["x"],
        "domains": ["x"],
    },
    "project_payments_for_accounts": {"account_ids": ["none"]},
    "project_ips_for_accounts": {"account_ids": ["none"]},
    "project_devices_for_accounts": {"account_ids": ["none"]},
    "project_prompt_clusters_for_accounts": {"account_ids": ["none"]},
    "project_email_domains_for_accounts": {"account_ids": ["none"]},
    "write_ring_changes": {"run_id": "none", "previous_run": None, "rows": []},
    "list_run_changes": {"run_id": "none"},
    "get_ring_history": {"ring_id": "none"},
    "write_alerts": {"run_id": "none", "rows": []},
    # app/auth (users, sessions, API tokens) and UI operator labels
    "create_user": {"username": "sample", "password_hash": "h", "role": "viewer"},
    "get_user": {"username": "sample"},
    "delete_user": {"username": "sample"},
    "set_user_role": {"username": "sample", "role": "viewer"},
    "set_user_password_hash": {"username": "sample", "password_hash": "h"},
    "record_user_login": {"username": "sample"},
    "create_session": {
        "token_hash": "h",
        "username": "sample",
        "csrf_token": "c",
        "ttl_seconds": 60,
    },
    "get_session_principal": {"token_hash": "h"},
    "delete_session": {"token_hash": "h"},
    "create_api_token": {"token_hash": "h", "username": "sample", "name": "n"},
    "restore_users": {"rows": []},
    "restore_api_tokens": {"rows": []},
    "get_token_principal": {"token_hash": "h"},
    "touch_api_token": {"token_hash": "h"},
    "list_api_tokens": {"username": None},
    "delete_api_token": {"username": "sample", "name": "n"},
    "add_account_label": {
        "account_id": "none",
        "operator": "o",
        "source": "ui:sample",
        "confidence": 1.0,
        "reason": "r",
    },
    "delete_account_label": {"account_id": "none", "operator": "o"},
    "list_account_labels": {"account_id": "none"},
    "set_alert_delivery": {"alert_id": "none", "delivery": "failed", "attempts": 1, "error": "x"},
    "list_alerts": {"delivery": None, "limit": 5},
    "list_job_runs": {"limit": 5},
}
ROWS_QUERIES = {
    "merge_accounts",
    "merge_request_accounts",
    "merge_ip_info",
    "merge_payments",
    "merge_devices",
    "merge_ip_usage",
    "merge_device_usage",
    "merge_prompt_clusters",
    "merge_cluster_usage",
    "add_cluster_requests",
    "merge_activity_days",
    "merge_labels",
}


@pytest.mark.parametrize(("area", "query"), queries.all(), ids=lambda v: getattr(v, "name", v))
def test_every_named_query_runs(
    seeded: dict[str, Any], neo4j_runner: GraphRunner, area: str, query: Query
) -> None:
    if area == "gds":
        pytest.skip("needs the GDS plugin; tests/integration/test_gds.py runs these")
    if query.name in ROWS_QUERIES:
        params: dict[str, Any] = {"rows": []}
    elif not re.search(r"\$[a-z_]", query.text):
        params = {}
    else:
        assert query.name in SAMPLE_PARAMS, f"add sample params for {area}.{query.name}"
        params = SAMPLE_PARAMS[query.name]
    if query.name == "wipe_graph":
        # Runs in its own transactions: check it plans, without wiping the seeded scenario.
        neo4j_runner.driver.execute_query("EXPLAIN " + query.text)
        return
    with neo4j_runner.driver.session(database=neo4j_runner.database) as session:
        tx = session.begin_transaction()
        try:
            rows = [record.data() for record in tx.run(query.text, params)]
        finally:
            tx.rollback()
    if query.returns == "one":
        assert len(rows) <= 1
    elif query.returns == "none":
        assert rows == []
