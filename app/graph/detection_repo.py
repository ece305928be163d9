"""Reads the detection projection from Neo4j and writes detection results back."""

from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import compress
from typing import Any

import numpy as np

from app.detection.incremental import HourProfile
from app.detection.model import (
    AccountInfo,
    Attachments,
    DetectionResult,
    Label,
    NodeKind,
    Projection,
    SharedNode,
)
from app.graph.queries import Query, queries
from app.graph.runner import GraphRunner

WRITE_BATCH = 10_000
MEMBERSHIP_WRITERS = 2

_ATTACHMENT_QUERIES: tuple[tuple[NodeKind, Query], ...] = (
    (NodeKind.PAYMENT, queries.detection.project_payments),
    (NodeKind.IP, queries.detection.project_ips),
    (NodeKind.DEVICE, queries.detection.project_devices),
    (NodeKind.PROMPT_CLUSTER, queries.detection.project_prompt_clusters),
    (NodeKind.EMAIL_DOMAIN, queries.detection.project_email_domains),
)


def load_projection(runner: GraphRunner) -> Projection:
    """Read accounts, hourly activity and shared-node attachments into a Projection.

    Rows are streamed (not held as one list of records) and come grouped: activity per account,
    attachments per shared node as parallel lists of account ids and counts, so the driver
    decodes each node's attributes once and the links go into columns without a Python object
    each (at scale 1.0 the projection is millions of links). The queries run one after another:
    with decoding this light, a second reader thread only fought the first for the GIL (at 1.0:
    54.5 s with two readers, 48.8 s with one).

    Python's cyclic garbage collector is paused for the read: the projection is millions of
    acyclic objects, and each full collection walked all of them again (at 1.0 that was 6 of the
    55 s). Detection runs in the CLI's or a scheduler's process, never the web server's.

    Args:
        runner: the database seam.

    Returns:
        The projection detection works on.
    """
    with _cyclic_gc_paused():
        hourly = _read_activity(runner)
        accounts = {
            row["account_id"]: _account_info(row, hourly.get(row["account_id"], {}))
            for row in runner.stream(queries.detection.project_accounts)
        }
        nodes: dict[str, SharedNode] = {}
        attachments = Attachments()
        for kind, query in _ATTACHMENT_QUERIES:
            kind_nodes, kind_attachments = _read_attachments(runner, kind, query)
            nodes.update(kind_nodes)  # keys start with their kind: no two reads share one
            attachments.extend(kind_attachments)
    return Projection(accounts, nodes, attachments)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_activity(runner: GraphRunner) -> dict[str, dict[int, int]]:
    """Each account's requests per epoch hour, the hours without requests left out."""
    hourly: dict[str, dict[int, int]] = {}
    for row in runner.stream(queries.detection.project_activity):
        counts: dict[int, int] = {}
        for day, hours in row["days"]:
            _add_active_hours(counts, day, hours)
        hourly[row["account_id"]] = counts
    return hourly


def _add_active_hours(counts: dict[int, int], day: int, hours: list[int]) -> None:
    """Add one ActivityDay's hours with requests to `counts` (epoch hour -> requests)."""
    base = int(day) * 24
    # Most of a day's 24 hours are empty (5.8 active on average at scale 1.0): keep the others
    # without a Python-level loop over all 24.
    counts.update(compress(zip(range(base, base + len(hours)), hours, strict=True), hours))


def _read_attachments(
    runner: GraphRunner, kind: NodeKind, query: Query
) -> tuple[dict[str, SharedNode], Attachments]:
    nodes: dict[str, SharedNode] = {}
    attachments = Attachments()
    for row in runner.stream(query):
        key = f"{kind.value}:{row['node_id']}"
        if key not in nodes:
            nodes[key] = SharedNode(key, kind, dict(row["attrs"]))
        attachments.extend_node(key, row["accounts"], row["counts"])
    return nodes, attachments


def _batches(rows: list[dict[str, Any]], size: int = WRITE_BATCH) -> list[list[dict[str, Any]]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def start_run(runner: GraphRunner, run_id: str, params: dict[str, Any]) -> None:
    """Record a run as running."""
    runner.write(
        queries.detection.create_detection_run,
        run_id=run_id,
        started_at=datetime.now(UTC).isoformat(),
        params_json=json.dumps(params, sort_keys=True),
    )


def finish_run(
    runner: GraphRunner,
    run_id: str,
    status: str,
    counts: dict[str, Any],
    stages: dict[str, Any],
    error: str | None = None,
) -> None:
    """Close a run with its status, counts and per-stage figures."""
    runner.write(
        queries.detection.finish_detection_run,
        run_id=run_id,
        status=status,
        finished_at=datetime.now(UTC).isoformat(),
        error=error,
        counts_json=json.dumps(counts, sort_keys=True),
        stages_json=json.dumps(stages, sort_keys=True),
        rings=int(counts.get("rings", 0)),
        flagged=int(counts.get("flagged", 0)),
        accounts=int(counts.get("accounts", 0)),
    )


def save_result(runner: GraphRunner, run_id: str, result: DetectionResult) -> None:
    """Write rings, memberships and attributions of one run."""
    ring_rows = [
        {
            "ring_id": ring.ring_id,
            "score": ring.score,
            "flagged": ring.flagged,
            "size": len(ring.members),
            "signals_json": json.dumps(
                [{"name": s.name, "weight": s.weight, "detail": s.detail} for s in ring.signals]
            ),
        }
        for ring in result.rings
    ]
    for batch in _batches(ring_rows):
        runner.write(queries.detection.write_rings, run_id=run_id, rings=batch)
    members = [
        {"account_id": account, "ring_id": ring.ring_id}
        for ring in result.rings
        for account in ring.members
    ]
    # Two writers: the server spends a core on each transaction and the batches (ring by ring)
    # lock disjoint accounts and at most one shared ring at their boundary. At scale 1.0 (242,930
    # members) 8.5 s with one writer and MERGE, 3.7 s with two and CREATE.
    with ThreadPoolExecutor(MEMBERSHIP_WRITERS, thread_name_prefix="ringscope-members") as pool:
        for _ in pool.map(
            lambda batch: runner.write(
                queries.detection.write_memberships, run_id=run_id, rows=batch
            ),
            _batches(members),
        ):
            pass
    attributions = [
        {
            "ring_id": ring.ring_id,
            "operator": ring.attribution.operator,
            "confidence": ring.attribution.confidence,
            "evidence": list(ring.attribution.evidence),
        }
        for ring in result.rings
        if ring.attribution is not None
    ]
    for batch in _batches(attributions):
        runner.write(queries.detection.write_attributions, run_id=run_id, rows=batch)


@dataclass(frozen=True)
class RingRow:
    """A ring as stored for one run (what `ringscope rings` prints)."""

    ring_id: str
    score: float
    flagged: bool
    size: int
    accounts: list[str]
    operator: dict[str, Any] | None
    signals: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "ring_id": self.ring_id,
            "score": self.score,
            "flagged": self.flagged,
            "size": self.size,
            "accounts": self.accounts,
            "operator": self.operator,
            "signals": self.signals,
        }


def latest_run_id(runner: GraphRunner) -> str | None:
    """The newest succeeded run, or None."""
    rows = runner.read(queries.rings.get_latest_succeeded_run)
    return rows[0]["run_id"] if rows else None


def list_runs(runner: GraphRunner, limit: int = 50) -> list[dict[str, Any]]:
    """Runs, newest first, with counts and per-stage figures decoded."""
    runs = runner.read(queries.rings.list_runs, limit=limit)
    for run in runs:
        for field in ("params", "counts", "stages"):
            run[field] = json.loads(run[field]) if run[field] else {}
    return runs


def run_rings(runner: GraphRunner, run_id: str) -> list[RingRow]:
    """The rings of one run, best first."""
    result = []
    for row in runner.read(queries.rings.list_run_rings, run_id=run_id):
        operator = None
        if row["operator"] is not None:
            operator = {
                "name": row["operator"],
                "confidence": row["confidence"],
                "evidence": row["evidence"] or [],
            }
        result.append(
            RingRow(
                ring_id=row["ring_id"],
                score=float(row["score"]),
                flagged=bool(row["flagged"]),
                size=int(row["size"]),
                accounts=sorted(row["accounts"]),
                operator=operator,
                signals=json.loads(row["signals"]) if row["signals"] else [],
            )
        )
    return result


# --- incremental runs: a region of the graph --------------------------------------------------

_REGION_ATTACHMENT_QUERIES: tuple[tuple[NodeKind, Query], ...] = (
    (NodeKind.PAYMENT, queries.detection.project_payments_for_accounts),
    (NodeKind.IP, queries.detection.project_ips_for_accounts),
    (NodeKind.DEVICE, queries.detection.project_devices_for_accounts),
    (NodeKind.PROMPT_CLUSTER, queries.detection.project_prompt_clusters_for_accounts),
    (NodeKind.EMAIL_DOMAIN, queries.detection.project_email_domains_for_accounts),
)


def _account_info(row: dict[str, Any], hourly: dict[int, int]) -> AccountInfo:
    return AccountInfo(
        account_id=row["account_id"],
        created_at=row["created_at"],
        declared=bool(row["declared"]),
        request_count=int(row["request_count"]),
        input_tokens=int(row["input_tokens"]),
        output_tokens=int(row["output_tokens"]),
        first_request=row["first_request"],
        last_request=row["last_request"],
        email_domain=row["email_domain"],
        country=row["country"],
        org=row["org"],
        labels=tuple(
            Label(label["operator"], float(label["confidence"] or 0.0), label["source"] or "")
            for label in row["labels"]
        ),
        hourly=hourly,
        ip_count=int(row["ip_count"]),
        device_count=int(row["device_count"]),
        payment_count=int(row["payment_count"]),
        cluster_count=int(row["cluster_count"]),
    )


def load_region_projection(runner: GraphRunner, account_ids: list[str]) -> Projection:
    """The projection an incremental run detects on (see app.detection.incremental).

    Every account's behaviour and labels (population baselines stay global), the hourly activity
    of the region's accounts only, and every attachment of each shared node a region account
    touches (so node degrees are the full ones), plus the shared cards of the region's BINs.

    Args:
        runner: the database seam.
        account_ids: the region.

    Returns:
        The region projection.
    """
    hourly: dict[str, dict[int, int]] = defaultdict(dict)
    for row in runner.read(
        queries.detection.project_activity_for_accounts, account_ids=account_ids
    ):
        _add_active_hours(hourly[row["account_id"]], row["day"], row["hours"])
    accounts = {
        row["account_id"]: _account_info(row, hourly.get(row["account_id"], {}))
        for row in runner.read(queries.detection.project_accounts)
    }
    nodes: dict[str, SharedNode] = {}
    attachments = Attachments()
    for kind, query in _REGION_ATTACHMENT_QUERIES:
        for row in runner.read(query, account_ids=account_ids):
            key = f"{kind.value}:{row['node_id']}"
            if key not in nodes:
                nodes[key] = SharedNode(key, kind, dict(row["attrs"]))
            attachments.append(row["account_id"], key, int(row["count"]))
    return Projection(accounts, nodes, attachments)


def load_hour_profile(runner: GraphRunner) -> HourProfile:
    """The population's hourly rhythm (accounts active per epoch hour), aggregated in Cypher."""
    rows = runner.read(queries.detection.project_hour_profile)
    active = runner.read(queries.detection.count_active_accounts)
    return HourProfile(
        hours=np.array([int(r["hour"]) for r in rows], dtype=np.int64),
        accounts=np.array([int(r["accounts"]) for r in rows], dtype=np.int64),
        active=int(active[0]["accounts"]) if active else 0,
    )
