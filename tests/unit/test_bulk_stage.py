"""Prompt-cluster signatures through the bulk loader (app/ingest/bulk_import.py) and back into
the clusterer (`_cluster_record`), no Neo4j."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from app.ingest.bulk_import import NODE_SQL
from app.ingest.clustering import DEFAULT_NUM_PERM
from app.ingest.pipeline import _cluster_record


def _signature(seed: int) -> np.ndarray:
    values = np.random.default_rng(seed).integers(0, 2**32, DEFAULT_NUM_PERM, dtype=np.uint64)
    values[:2] = [0, 2**32 - 1]  # both ends of the uint32 range
    return values


def _row(signature: object) -> dict[str, object]:
    return {
        "cluster_id": "pc_0000000000000001",
        "signature": signature,
        "skeleton_hashes": ["0000000000000001"],
        "sample": "a prompt",
        "extraction": False,
    }


def test_staged_prompt_clusters_carry_the_signature_bytes_unchanged() -> None:
    blobs = {f"pc_{i}": _signature(i).astype("<u4").tobytes() for i in range(3)}
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE prompt_clusters (cluster_id VARCHAR, signature BLOB, "
        "skeleton_hashes VARCHAR[], sample VARCHAR, extraction BOOLEAN)"
    )
    con.execute('CREATE TABLE cluster_requests (cluster_id VARCHAR, "count" BIGINT)')
    con.executemany(
        "INSERT INTO prompt_clusters VALUES (?, ?, [], 's', false)",
        [*blobs.items(), ("pc_null", None)],
    )
    staged = dict(
        con.execute(
            f'SELECT "cluster_id:ID(PromptCluster)", signature FROM ({NODE_SQL["PromptCluster"]})'  # noqa: S608 - this package's SQL
        ).fetchall()
    )
    assert staged == {**blobs, "pc_null": None}


def test_a_signature_reads_back_the_same_from_bytes_hex_text_or_a_list() -> None:
    values = _signature(7)
    raw = values.astype("<u4").tobytes()
    expected = [int(v) for v in values]
    # bytes: a transactional write; "0x…": the bulk importer's rendering of a Parquet BINARY
    # (either case); a list: what bulk loads wrote before.
    for form in (raw, bytearray(raw), "0x" + raw.hex(), "0X" + raw.hex().upper(), expected):
        assert [int(v) for v in _cluster_record(_row(form)).signature] == expected


def test_a_malformed_hex_signature_names_its_cluster() -> None:
    with pytest.raises(ValueError, match="pc_0000000000000001: signature is not a hex string"):
        _cluster_record(_row("0xnot-hex"))
