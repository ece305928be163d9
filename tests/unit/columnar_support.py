"""Reference rows for the columnar engine tests: one BatchAggregator fed every line in order."""

from __future__ import annotations

import gzip
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from app.ingest.aggregate import BatchAggregator
from app.ingest.clustering import PromptClusterer
from app.ingest.columnar.shim import OUTPUTS
from app.ingest.events import InvalidEvent, parse_line

KEYS = {
    "accounts": ("account_id",),
    "request_accounts": ("account_id",),
    "ip_info": ("ip",),
    "payments": ("account_id", "payment_id"),
    "ips": ("ip",),
    "devices": ("device_id",),
    "ip_usage": ("account_id", "ip"),
    "device_usage": ("account_id", "device_id"),
    "cluster_usage": ("account_id", "cluster_id"),
    "cluster_requests": ("cluster_id",),
    "activity_days": ("account_id", "epoch_day"),
    "labels": ("account_id", "operator"),
    "prompt_clusters": ("cluster_id",),
}


def _norm(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return float(value)
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


def _sorted(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    normed = [{k: _norm(v) for k, v in row.items()} for row in rows]
    return sorted(normed, key=lambda r: tuple(str(r[k]) for k in KEYS[name]))


def reference(paths: list[Path], salt: str) -> tuple[dict[str, list[dict[str, Any]]], int, int]:
    """(rows by output name, lines aggregated, lines quarantined) from the Python path."""
    clusterer = PromptClusterer()
    agg = BatchAggregator(clusterer.assign, salt)
    ok = bad = 0
    for path in paths:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rb") as handle:
            for raw in handle:
                if not raw.strip():
                    continue
                try:
                    event = parse_line(raw)
                except InvalidEvent:
                    bad += 1
                    continue
                agg.add(event)
                ok += 1
    rows = agg.rows()
    out: dict[str, list[dict[str, Any]]] = {}
    for name in OUTPUTS:
        value = getattr(rows, name)
        if name == "ips":
            value = [{"ip": ip} for ip in value]
        out[name] = _sorted(name, value)
    clusters = []
    for rec in clusterer.take_new_or_changed():
        clusters.append(
            {
                "cluster_id": rec.cluster_id,
                "signature": np.asarray(rec.signature, dtype="<u4").tobytes(),
                "skeleton_hashes": list(rec.skeleton_hashes),
                "sample": rec.sample,
                "extraction": rec.extraction,
            }
        )
    out["prompt_clusters"] = _sorted("prompt_clusters", clusters)
    return out, ok, bad


def read_folder(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Every Parquet file of an output folder as sorted, comparable rows."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    out = {}
    for name in (*OUTPUTS, "prompt_clusters"):
        cur = con.execute(f"SELECT * FROM read_parquet('{folder / (name + '.parquet')}')")  # noqa: S608 - identifiers/SQL from this package, values as parameters
        cols = [c[0] for c in cur.description]
        out[name] = _sorted(name, [dict(zip(cols, r, strict=True)) for r in cur.fetchall()])
    return out
