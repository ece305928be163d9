"""The bulk loader's staging of prompt-cluster signatures (app/ingest/bulk_import.py), no Neo4j."""

from __future__ import annotations

import duckdb
import numpy as np

from app.ingest.bulk_import import _stage_signatures
from app.ingest.clustering import DEFAULT_NUM_PERM


def test_signatures_become_their_uint32_values_whatever_the_batch() -> None:
    rng = np.random.default_rng(3)
    full = [rng.integers(0, 2**32, DEFAULT_NUM_PERM, dtype=np.uint64) for _ in range(5)]
    full[0][:2] = [0, 2**32 - 1]  # both ends of the range survive the packing
    rows = [(f"pc_{i}", v.astype("<u4").tobytes()) for i, v in enumerate(full)]
    rows += [("pc_null", None), ("pc_short", np.array([7, 8], dtype="<u4").tobytes())]
    con = duckdb.connect()
    con.execute("CREATE TABLE prompt_clusters (cluster_id VARCHAR, signature BLOB)")
    con.executemany("INSERT INTO prompt_clusters VALUES (?, ?)", rows)
    _stage_signatures(con, batch_rows=2)
    staged = dict(con.execute("SELECT cluster_id, signature FROM signature_bytes").fetchall())
    expected = {f"pc_{i}": [int(x) for x in v] for i, v in enumerate(full)}
    expected |= {"pc_null": [], "pc_short": [7, 8]}
    assert staged == expected
