"""Columnar aggregation: DuckDB and Spark give the Python path's rows, bad lines are quarantined."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest
from columnar_support import read_folder, reference

from app.ingest.columnar import duckdb_engine
from app.ingest.columnar.common import WORKER_NICENESS, prompt_key, worker_pool
from seed.generator import generate

SALT = "test-salt"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scenario")
    generate(out, 0.002, seed=7)
    return out / "events.jsonl.gz"


@pytest.fixture(scope="module")
def duck_out(scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("duck")
    report = duckdb_engine.run([scenario], out, SALT, workers=2)
    assert report.reconciles()
    return out


def test_duckdb_equals_python_batch_aggregator(scenario: Path, duck_out: Path) -> None:
    expected, ok, bad = reference([scenario], SALT)
    got = read_folder(duck_out)
    for name, rows in expected.items():
        assert got[name] == rows, name
    manifest = json.loads((duck_out / "manifest.json").read_text())
    assert manifest["counts"]["aggregated"] == ok and bad == 0
    assert manifest["rows"]["cluster_usage"] == len(expected["cluster_usage"]) > 1000
    assert manifest["inputs"][0]["lines"] == ok


BAD_LINES = [
    b'{"type":"request","account_id":"a1","ts":"2026-04-22T10:06:12Z","ip":"203.0.113.7"',  # cut
    b'{"type":"request","account_id":"a1","ts":"2026-04-22T10:06:12"}',  # no zone
    b'{"type":"request","ts":"2026-04-22T10:06:12Z"}',  # missing account
    b'{"type":"request","account_id":"a1","ts":"2026-04-22T10:06:12Z","input_tokens":"12"}',
    b'{"type":"request","account_id":"a1","ts":"2026-04-22T10:06:12Z","ip":"999.1.1.1"}',
    b'{"type":"payment","account_id":"a1","ts":"2026-04-22T10:05:00Z","payment_id":"p","method":"gold"}',
    b'{"type":"label","account_id":"a1","operator":"op","confidence":null}',
    b'{"type":"label","account_id":"a1","operator":"op","confidence":1.5}',
    b'{"type":"ip_info","ip":"203.0.113.7","asn":-1}',
    b'{"type":"request","account_id":"a1","ts":"2026-04-22T10:06:12Z","prompt":"caf\xe9 \xff"}',
    b'{"type":"request","account_id":"a1","ts":"2026-04-22T10:06:12Z","x":NaN}',
    b'{"type":"request","account_id":"a1","ts":"2026-04-22T10:06:12Z",}',
    b'{"type":"request","account_id":"   ","ts":"2026-04-22T10:06:12Z"}',
    b'["type","request"]',
    b'{"type":"nope","account_id":"a1"}',
    b'{"type":"account","account_id":"a1","created_at":"2026-02-30T10:00:00Z"}',
    b'\xef\xbb\xbf{"type":"label","account_id":"a3","operator":"op2"}',  # BOM
    # yyjson reads these, orjson refuses them: the leniency screen must catch them nested too
    b'{"type":"request","account_id":"a1","ts":"2026-04-22T10:06:12Z","x":[1,-Infinity]}',
    b'{"type":"request","account_id":"a1","ts":"2026-04-22T10:06:12Z","x":{"y":1e400}}',
    b'{"type":"request","account_id":"a1","ts":"2026-04-22T10:06:12Z","x":[1, ]}',
]
# Valid, but outside the SQL fast path: the Python validator accepts them (and canonicalises).
ODD_GOOD_LINES = [
    b'{"type":"request","account_id":"a2","ts":"2026-04-22 10:06:12+02:00","ip":"2001:DB8::1",'
    b'"prompt":"Explain 42 things"}',
    b'{"type":"account","account_id":"a2","email":" J\xc3\xb6rg@Example.ORG "}',
    b'{"type":"request","account_id":"a2","ts":"2026-04-22T10:06:12Z","account_id":"a3"}',
    b'{"type":"request","account_id":"a3","ts":"2026-04-22T10:06:12Z","x":18446744073709551616}',
]
# Valid and on the fast path although they look odd: an integer confidence, and the leniency
# pattern inside a string.
FAST_ODD_LINES = [
    b'{"type":"label","account_id":"a3","operator":"op","confidence":1}',
    b'{"type":"request","account_id":"a3","ts":"2026-04-22T10:06:12Z","prompt":"x: NaN, y: inf"}',
]


def test_bad_lines_are_quarantined_with_reasons(tmp_path: Path) -> None:
    good = [
        b'{"type":"account","account_id":"a1","created_at":"2026-04-22T10:03:00Z","email":"X@mail.example"}',
        b'{"type":"request","account_id":"a1","ts":"2026-04-22T10:06:12.5+00:00","ip":"203.0.113.7",'
        b'"device_id":"d1","user_agent":"ua","prompt":"Think step by step about 7","input_tokens":3}',
        b"",
        b"   ",
    ]
    lines = good + BAD_LINES + ODD_GOOD_LINES + FAST_ODD_LINES
    path = tmp_path / "mixed.jsonl.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"\n".join(lines) + b"\n")
    out = tmp_path / "out"
    report = duckdb_engine.run([path], out, SALT, workers=1)
    records = [json.loads(line) for line in (out / "quarantine.jsonl").read_text().splitlines()]
    expected, expected_ok, expected_bad = reference([path], SALT)
    assert report.read == len(lines) - 2 == report.aggregated + report.quarantined
    assert report.blank_lines == 2
    assert report.quarantined == len(BAD_LINES) == expected_bad
    assert report.aggregated == expected_ok
    assert report.slow_path_lines == len(BAD_LINES) + len(ODD_GOOD_LINES)
    by_line = {r["line"]: r for r in records}
    assert sorted(by_line) == list(range(len(good) + 1, len(good) + len(BAD_LINES) + 1))
    assert "time zone" in by_line[len(good) + 2]["reason"]
    assert "'account_id'" in by_line[len(good) + 3]["reason"]
    assert "'input_tokens'" in by_line[len(good) + 4]["reason"]
    assert "'ip'" in by_line[len(good) + 5]["reason"]
    assert "'confidence'" in by_line[len(good) + 7]["reason"]
    assert "UTF-8" in by_line[len(good) + 10]["reason"]
    assert all(r["file"] == str(path) and r["reason"] for r in records)
    assert read_folder(out) == expected


def test_truncated_gzip_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl.gz"
    body = b"".join(
        b'{"type":"request","account_id":"a%d","ts":"2026-04-22T10:06:12Z"}\n' % i
        for i in range(5000)
    )
    data = gzip.compress(body)
    path.write_bytes(data[: len(data) // 2])
    report = duckdb_engine.run([path], tmp_path / "out", SALT, workers=1)
    assert report.file_errors and "unreadable after line" in report.file_errors[0]
    assert 0 < report.aggregated < 5000 and report.reconciles()


def test_corrupt_gzip_member_keeps_the_members_before_it(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.jsonl.gz"
    lines = [
        b'{"type":"request","account_id":"a%d","ts":"2026-04-22T10:06:12Z"}\n' % i
        for i in range(20_000)
    ]
    second = bytearray(gzip.compress(b"".join(lines[10_000:])))
    second[len(second) // 2 : len(second) // 2 + 64] = bytes(64)  # no valid deflate data
    path.write_bytes(gzip.compress(b"".join(lines[:10_000])) + bytes(second))
    report = duckdb_engine.run([path], tmp_path / "out", SALT, workers=1)
    assert report.file_errors and "unreadable after line 10000" in report.file_errors[0]
    assert report.aggregated == 10_000 and report.reconciles()


def test_prompt_key_matches_sql() -> None:
    import duckdb

    from app.ingest.columnar import shim

    sql = shim.load_sql("parse", "duckdb")
    expr = sql[sql.index("THEN md5(") + 5 : sql.index(" END AS prompt_key")]
    text = "Size 1234567890 ünïcode ٣ x9"
    (got,) = duckdb.execute(f"SELECT {expr} FROM (SELECT ? AS s_prompt)", [text]).fetchone() or (  # noqa: S608 - identifiers/SQL from this package, values as parameters
        "",
    )
    assert got == prompt_key(text)


@pytest.fixture(scope="module")
def spark_sample(scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every kind of event from the 0.002 scenario (all non-request lines, 1 in 40 requests),
    plus odd and bad lines: small enough for Spark's fixed costs on a busy 2-core machine."""
    with gzip.open(scenario, "rb") as handle:
        lines = handle.read().splitlines()
    requests = [line for line in lines if line.startswith(b'{"type":"request"')]
    others = [line for line in lines if not line.startswith(b'{"type":"request"')]
    odd = BAD_LINES + ODD_GOOD_LINES + FAST_ODD_LINES
    picked = others[:1500] + requests[::40] + others[-300:] + odd
    path = tmp_path_factory.mktemp("spark-sample") / "sample.jsonl"
    path.write_bytes(b"\n".join(picked) + b"\n\n")
    return path


@pytest.mark.skipif(
    shutil.which("java") is None or os.environ.get("RINGSCOPE_SKIP_SPARK") == "1",
    reason="needs Java for pyspark",
)
@pytest.mark.timeout(1200)
def test_spark_equals_duckdb_and_python(spark_sample: Path, tmp_path: Path) -> None:
    from app.ingest.columnar import spark_engine

    duck = tmp_path / "duckdb"
    duck_report = duckdb_engine.run([spark_sample], duck, SALT, workers=1)
    out = tmp_path / "spark"
    report = spark_engine.run([spark_sample], out, SALT, master="local[2]", workers=1)
    assert report.reconciles() and report.quarantined == len(BAD_LINES) == duck_report.quarantined
    expected, _ok, _bad = reference([spark_sample], SALT)
    spark_rows = read_folder(out)
    assert spark_rows == read_folder(duck)
    assert spark_rows == expected
    assert len(spark_rows["cluster_usage"]) > 10
    spark_manifest = json.loads((out / "manifest.json").read_text())
    duck_manifest = json.loads((duck / "manifest.json").read_text())
    assert spark_manifest["rows"] == duck_manifest["rows"]
    assert spark_manifest["counts"] == duck_manifest["counts"]
    assert spark_manifest["inputs"][0]["sha256"] == duck_manifest["inputs"][0]["sha256"]
    assert spark_manifest["inputs"][0]["lines"] == duck_manifest["inputs"][0]["lines"]
    spark_bad = (out / "quarantine.jsonl").read_text().splitlines()
    assert spark_bad == (duck / "quarantine.jsonl").read_text().splitlines()


def test_persisted_clusters_continue_in_python(duck_out: Path) -> None:
    import duckdb
    import numpy as np

    from app.ingest.clustering import ClusterRecord, PromptClusterer

    rows = duckdb.execute(
        "SELECT cluster_id, signature, skeleton_hashes, sample, extraction FROM read_parquet(?)",
        [str(duck_out / "prompt_clusters.parquet")],
    ).fetchall()
    records = [
        ClusterRecord(
            cluster_id=cid,
            signature=np.frombuffer(sig, dtype="<u4").tolist(),
            skeleton_hashes=hashes,
            sample=sample,
            extraction=extraction,
        )
        for cid, sig, hashes, sample, extraction in rows
    ]
    clusterer = PromptClusterer()
    clusterer.load(records)
    assert len(clusterer) == len(records) > 1000
    whole = [r for r in records if r.sample and len(r.sample) < 300][:500]
    assert len(whole) > 100
    assert [clusterer.assign(r.sample) for r in whole] == [r.cluster_id for r in whole]
    assert len(clusterer) == len(records)  # nothing new was created


def test_clusters_phase_runs_under_the_smaller_duckdb_limit(duck_out: Path) -> None:
    # DuckDB's buffer pool idles while prompts are clustered; its limit drops for that phase
    # (never above the caller's), and the phases are timed separately.
    assert duckdb_engine._smaller("1GB", "6GB") == "1GB"
    assert duckdb_engine._smaller("1GB", "512MiB") == "512MiB"
    assert duckdb_engine._smaller("1GB", "1000MB") == "1000MB"
    assert duckdb_engine._smaller("1 GiB", "1GB") == "1GB"
    assert duckdb_engine._smaller("1GB", "lots") == "lots"
    seconds = json.loads((duck_out / "manifest.json").read_text())["seconds"]
    assert {"read_parse", "clusters", "clusters_write", "aggregate_write"} <= set(seconds)


def test_prompt_workers_run_below_the_assigning_process() -> None:
    # The in-order assignment in this process is the clusters phase's critical path; the
    # workers must not take its core (see worker_pool).
    with worker_pool(2) as pool:
        worker_nice = set(pool.map(os.nice, [0, 0], chunksize=1))
    assert worker_nice == {min(19, os.nice(0) + WORKER_NICENESS)}  # 19: the kernel's floor


def test_prompt_workers_give_the_clusters_of_one_process() -> None:
    # Small batches spread each template over both workers and many batches; a skeleton's
    # first prompt may look benign and a later one like extraction (the slot text differs) or
    # the other way round: only the first sighting's flag counts, in both paths. A second run
    # on the same pool starts from a fresh clusterer.
    from app.ingest.clustering import PromptClusterer
    from app.ingest.columnar.common import cluster_prompts

    slots = ["bread", "chain of thought", "the rubric", "rivers", "show your work", "tides"]
    templates = [
        'Explain "{}" to a child in plain words please',
        "Summarise the following passage about {} in three sentences",
        'Grade the response: "{}" on accuracy and tone, then give a score',
    ]
    firsts = [
        (f"k{i}", templates[i % 3].format(slots[(i // 3 + i % 5) % len(slots)]) + f" #{i % 7}")
        for i in range(600)
    ]

    alone = PromptClusterer()
    expected = list(cluster_prompts(iter(firsts), alone, 1, batch=16))
    expected_rows = alone.take_new_or_changed_rows()
    assert {row["extraction"] for row in expected_rows} == {True, False}
    with worker_pool(2) as pool:
        for _ in range(2):
            clusterer = PromptClusterer()
            assert (
                list(cluster_prompts(iter(firsts), clusterer, 2, batch=16, pool=pool)) == expected
            )
            assert clusterer.take_new_or_changed_rows() == expected_rows


@pytest.mark.parametrize("n_clusters", [0, 3])
def test_cluster_columns_are_written_as_their_rows(tmp_path: Path, n_clusters: int) -> None:
    # Ids and skeleton hashes are formatted in SQL: small values keep their leading zeros,
    # the largest uint64 its 16 digits, further hashes their stored order.
    import duckdb
    import numpy as np

    from app.ingest.clustering import ClusterColumns
    from app.ingest.columnar.common import AggregateReport

    rng = np.random.default_rng(7)
    columns = ClusterColumns(
        ids=np.array([0x1, 2**64 - 1, 0x00AB_0000_0000_00CD][:n_clusters], dtype=np.uint64),
        signatures=rng.integers(0, 2**32, size=(n_clusters, 64), dtype=np.uint32),
        extra_rows=np.array([0, 0, 2][: n_clusters and 3], dtype=np.int64),
        extra_hashes=np.array([2**63 + 5, 0x10, 0xFFFF][: n_clusters and 3], dtype=np.uint64),
        samples=["first\x00ünï", "", "x" * 300][:n_clusters],
        extraction=np.array([True, False, True][:n_clusters]),
    )
    con = duckdb.connect()
    report = AggregateReport(engine="duckdb")
    duckdb_engine.write_clusters(con, tmp_path, columns, report)
    written = con.execute(
        "SELECT cluster_id, hex(signature), skeleton_hashes, sample, extraction "
        "FROM read_parquet(?) ORDER BY cluster_id",
        [str(tmp_path / "prompt_clusters.parquet")],
    ).fetchall()
    expected = sorted(
        (r["cluster_id"], str(r["signature"]).upper(), r["skeleton_hashes"], r["sample"],
         r["extraction"])
        for r in columns.rows()
    )  # fmt: skip
    assert written == expected
    assert report.clusters_written == n_clusters == len(written)
    if n_clusters:
        assert written[0][0] == "pc_0000000000000001"
        assert written[0][2] == ["0000000000000001", "8000000000000005", "0000000000000010"]
        assert written[-1][0] == "pc_ffffffffffffffff"
