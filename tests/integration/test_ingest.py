"""Ingest against the real Neo4j: counts, idempotency, quarantine, resume, cluster stability."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from app.graph.queries import queries
from app.graph.runner import DatabaseUnavailable, GraphRunner
from app.graph.schema import list_constraints
from app.ingest.pipeline import Ingestor, IngestReport

pytestmark = pytest.mark.integration

GOOD = [
    {
        "type": "account",
        "account_id": "a1",
        "created_at": "2026-04-22T10:00:00Z",
        "email": "x@m.example",
    },
    {
        "type": "account",
        "account_id": "a2",
        "created_at": "2026-04-22T10:01:00Z",
        "email": "y@m.example",
    },
    {
        "type": "ip_info",
        "ip": "203.0.113.7",
        "asn": 64500,
        "as_org": "Hosting",
        "kind": "residential",
    },
    {
        "type": "payment",
        "account_id": "a1",
        "ts": "2026-04-22T10:02:00Z",
        "payment_id": "pm_1",
        "method": "card",
        "bin": "537410",
    },
    {
        "type": "payment",
        "account_id": "a2",
        "ts": "2026-04-22T10:03:00Z",
        "payment_id": "pm_1",
        "method": "card",
        "bin": "537410",
    },
    {
        "type": "request",
        "account_id": "a1",
        "ts": "2026-04-22T11:00:00Z",
        "ip": "203.0.113.7",
        "device_id": "d1",
        "prompt": "Grade the following answer on a 1-10 rubric: 'Paris is the capital of France'",
        "input_tokens": 20,
        "output_tokens": 400,
    },
    {
        "type": "request",
        "account_id": "a1",
        "ts": "2026-04-22T11:30:00Z",
        "ip": "203.0.113.7",
        "device_id": "d1",
        "prompt": "Grade the following answer on a 1-10 rubric: 'Water boils at 100 degrees'",
        "input_tokens": 20,
        "output_tokens": 380,
    },
    {
        "type": "request",
        "account_id": "a2",
        "ts": "2026-04-22T12:00:00Z",
        "ip": "203.0.113.7",
        "device_id": "d2",
        "prompt": "Grade the following answer on a 1-10 rubric: 'The moon is made of rock'",
        "input_tokens": 21,
        "output_tokens": 390,
    },
    {
        "type": "request",
        "account_id": "ghost",
        "ts": "2026-04-22T12:00:00Z",
        "ip": "198.51.100.9",
        "prompt": "what is a good name for a cat",
        "input_tokens": 5,
        "output_tokens": 50,
    },
    {
        "type": "label",
        "account_id": "a1",
        "operator": "Operator X",
        "source": "case-1",
        "confidence": 0.9,
    },
]
BAD = [
    b"{not json",
    b'{"type":"request","account_id":"a1","ts":"2026-04-22T11:00:00"}',
    b'{"type":"request","account_id":"a1","ts":"2026-04-22T11:00:00Z","ip":"300.1.1.1"}',
    b'{"type":"teleport","account_id":"a1"}',
    b"\xff\xfe\x00garbage",
]


def _write(path: Path, lines: list[bytes]) -> Path:
    opener: Any = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wb") as handle:
        for line in lines:
            handle.write(line + b"\n")
    return path


def _lines() -> list[bytes]:
    good = [json.dumps(event).encode() for event in GOOD]
    # Interleave bad lines so batches mix both.
    return good[:3] + BAD[:2] + good[3:7] + BAD[2:] + good[7:]


def _ingest(runner: GraphRunner, tmp_path: Path, paths: list[Path], batch: int = 3) -> IngestReport:
    ingestor = Ingestor(runner, "salt", batch, tmp_path / "quarantine.jsonl")
    return ingestor.run(paths)


def _counts(runner: GraphRunner) -> dict[str, int]:
    counts = {row["label"]: row["count"] for row in runner.read(queries.stats.count_nodes)}
    for row in runner.read(queries.stats.count_relationships):
        counts[row["type"]] = row["count"]
        counts[row["type"] + ".total"] = row["total"]
    return counts


def test_schema_constraints_present(graph: GraphRunner) -> None:
    names = {row["name"] for row in list_constraints(graph)}
    assert {
        "account_id_unique",
        "ip_unique",
        "payment_id_unique",
        "prompt_cluster_id_unique",
        "ingested_file_digest_unique",
        "activity_day_key_unique",
    } <= names


def test_ingest_counts_quarantine_and_idempotency(graph: GraphRunner, tmp_path: Path) -> None:
    source = _write(tmp_path / "events.jsonl.gz", _lines())
    first = _ingest(graph, tmp_path, [tmp_path])
    assert (first.read, first.ingested, first.quarantined) == (15, 10, 5)
    assert first.reconciles()
    quarantined = [
        json.loads(line) for line in (tmp_path / "quarantine.jsonl").read_text().splitlines()
    ]
    assert [q["line"] for q in quarantined] == [4, 5, 10, 11, 12]
    assert all(q["file"] == str(source) and q["reason"] for q in quarantined)
    assert "no time zone" in quarantined[1]["reason"] and "'ip'" in quarantined[2]["reason"]

    counts = _counts(graph)
    assert counts["Account"] == 3 and counts["PaymentMethod"] == 1 and counts["Operator"] == 1
    assert counts["IP"] == 2 and counts["Device"] == 2
    assert counts["USED_IP.total"] == 4 and counts["SENT.total"] == 4
    assert counts["PromptCluster"] == 2  # three rubric prompts are one template
    ghost = graph.driver.execute_query(
        "MATCH (a:Account {account_id: 'ghost'}) RETURN a.declared AS declared, a.email_hash AS h"
    ).records[0]
    assert ghost["declared"] is False
    emails = graph.driver.execute_query(
        "MATCH (a:Account) RETURN collect(a.email_hash) AS h"
    ).records[0]["h"]
    assert all("@" not in h for h in emails)

    second = _ingest(graph, tmp_path, [source])
    assert (second.ingested, second.already_present, second.quarantined) == (0, 10, 5)
    assert second.reconciles()
    assert _counts(graph) == counts


class _DiesAfter(GraphRunner):
    """A real runner whose connection 'drops' after N batch transactions."""

    def __init__(self, inner: GraphRunner, batches: int) -> None:
        super().__init__(inner.driver, inner.database, inner.uri)
        self.left = batches

    def write_transaction(self, work: Any) -> Any:
        if self.left == 0:
            raise DatabaseUnavailable("Neo4j went away (simulated)")
        self.left -= 1
        return super().write_transaction(work)


def test_interrupted_ingest_resumes_to_the_same_counts(graph: GraphRunner, tmp_path: Path) -> None:
    source = _write(tmp_path / "events.jsonl", _lines())
    _ingest(graph, tmp_path, [source])
    clean = _counts(graph)
    graph.run_autocommit(queries.stats.wipe_graph)

    with pytest.raises(DatabaseUnavailable):
        _ingest(_DiesAfter(graph, 2), tmp_path, [source])
    partial = _counts(graph)
    assert partial != clean
    resumed = _ingest(graph, tmp_path, [source])
    assert resumed.already_present > 0 and resumed.reconciles()
    assert _counts(graph) == clean


def test_prompt_clusters_stable_across_runs(graph: GraphRunner, tmp_path: Path) -> None:
    day1 = _write(tmp_path / "day1.jsonl", [json.dumps(e).encode() for e in GOOD])
    _ingest(graph, tmp_path, [day1])
    before = graph.read(queries.ingest.list_prompt_clusters)
    tomorrow = {
        "type": "request",
        "account_id": "a9",
        "ts": "2026-04-23T09:00:00Z",
        "prompt": "Grade the following answer on a 1-10 rubric: 'Seven is a prime number'",
    }
    day2 = _write(tmp_path / "day2.jsonl", [json.dumps(tomorrow).encode()])
    _ingest(graph, tmp_path, [day2])
    after = graph.read(queries.ingest.list_prompt_clusters)
    assert len(after) == len(before)
    joined = graph.driver.execute_query(
        "MATCH (:Account {account_id:'a9'})-[:SENT]->(c:PromptCluster)<-[:SENT]-(:Account {account_id:'a1'}) "
        "RETURN count(c) AS n"
    ).records[0]["n"]
    assert joined == 1
