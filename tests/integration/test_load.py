"""The aggregate-folder loader on the real Neo4j: same graph as `ringscope ingest`, exactly once.

One small generated scenario is aggregated once by the columnar engine (docs/aggregation.md) and
ingested once by the Python Ingestor; every test compares against that Ingestor graph.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from dedicated_server import dedicated_server_settings

from app.auth import create_api_token, create_user
from app.auth.service import token_principal
from app.config import Settings
from app.graph import local_server
from app.graph.queries import queries
from app.graph.runner import DatabaseUnavailable, GraphRunner
from app.graph.schema import apply_schema
from app.ingest.bulk_import import BulkImportError, bulk_load
from app.ingest.columnar import duckdb_engine
from app.ingest.graph_compare import graph_snapshot, snapshot_differences
from app.ingest.load import LoadConflict, LoadError, load_folder
from app.ingest.pipeline import Ingestor, _cluster_record
from app.jobs.runtime_settings import overrides, set_setting
from seed.generator import generate


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("load-scenario")
    generate(out, scale=0.0002, seed=5)
    return out


@pytest.fixture(scope="module")
def folder(scenario: Path, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("load-aggregate")
    duckdb_engine.run([scenario], out, settings.salt(), threads=1, workers=1)
    return out


@pytest.fixture(scope="module")
def ingested(
    scenario: Path,
    settings: Settings,
    neo4j_runner: GraphRunner,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """The graph `ringscope ingest` builds from the scenario (the reference)."""
    neo4j_runner.run_autocommit(queries.stats.wipe_graph)
    quarantine = tmp_path_factory.mktemp("load-q") / "q.jsonl"
    Ingestor(neo4j_runner, settings.salt(), 5_000, quarantine).run([scenario])
    snapshot = graph_snapshot(neo4j_runner)
    assert snapshot["nodes"] and snapshot["relationships"]
    snapshot["clusters"] = _clusters(neo4j_runner)
    return snapshot


def _clusters(runner: GraphRunner) -> dict[str, list[int]]:
    """Every persisted cluster's signature as the clusterer restores it (what matters for reuse)."""
    rows = runner.read(queries.ingest.list_prompt_clusters)
    return {row["cluster_id"]: [int(v) for v in _cluster_record(row).signature] for row in rows}


# The columnar engine picks a cluster's sample prompt differently from the per-batch Ingestor on a
# few clusters (an aggregation difference, not a load one; reported): every other property,
# node and relationship must agree.
ENGINE_DIFFERENCES = frozenset({("PromptCluster", "sample")})


def _same(left: dict[str, Any], right: dict[str, Any]) -> list[str]:
    return snapshot_differences(left, right, limit=20, ignore=ENGINE_DIFFERENCES)


def _relationship_totals(runner: GraphRunner) -> dict[str, tuple[int, int]]:
    return {
        row["type"]: (int(row["count"]), int(row["total"]))
        for row in runner.read(queries.stats.count_relationships)
    }


def test_loaded_graph_equals_the_ingested_graph(
    graph: GraphRunner, folder: Path, ingested: dict[str, Any], settings: Settings
) -> None:
    graph.run_autocommit(queries.stats.wipe_graph)
    report = load_folder(graph, folder, chunk_rows=500, writers=2, salt=settings.salt())
    assert not report.already_loaded and report.rows_written > 0
    assert _same(ingested, graph_snapshot(graph)) == []
    # The input file is recorded as fully ingested: `ringscope ingest` of it adds nothing.
    manifest = json.loads((folder / "manifest.json").read_text())
    source = manifest["inputs"][0]
    progress = graph.read(queries.ingest.get_file_progress, digest=source["sha256"])
    assert progress[0]["lines_committed"] == source["lines"]


def test_loading_a_loaded_folder_is_a_no_op(graph: GraphRunner, folder: Path) -> None:
    graph.run_autocommit(queries.stats.wipe_graph)
    load_folder(graph, folder, chunk_rows=1_000, writers=1)
    before = _relationship_totals(graph)
    again = load_folder(graph, folder, chunk_rows=1_000, writers=1)
    assert again.already_loaded and again.rows_written == 0
    assert _relationship_totals(graph) == before


def test_load_command_loads_once_and_says_so_on_a_rerun(graph: GraphRunner, folder: Path) -> None:
    from typer.testing import CliRunner

    from app.cli import app

    graph.run_autocommit(queries.stats.wipe_graph)
    load_folder(graph, folder, chunk_rows=1_000, writers=1)
    expected = _relationship_totals(graph)
    graph.run_autocommit(queries.stats.wipe_graph)

    cli = CliRunner()
    first = cli.invoke(app, ["load", str(folder), "--chunk-rows", "2000"])
    assert first.exit_code == 0, first.output
    assert "rows/s" in first.output
    assert _relationship_totals(graph) == expected
    again = cli.invoke(app, ["load", str(folder)])
    assert again.exit_code == 0, again.output
    assert "already loaded" in again.output
    assert _relationship_totals(graph) == expected
    missing = cli.invoke(app, ["load", str(folder / "nope")])
    assert missing.exit_code == 2 and "nope" in missing.output


class _CrashesInChunk(GraphRunner):
    """A real runner that does N chunk transactions, then dies INSIDE the next one (rolled back)."""

    def __init__(self, inner: GraphRunner, chunks: int) -> None:
        super().__init__(inner.driver, inner.database, inner.uri)
        self.left = chunks

    def write_transaction(self, work: Any) -> Any:
        def crashing(tx: neo4j.ManagedTransaction) -> Any:
            result = work(tx)
            if self.left == 0:
                raise DatabaseUnavailable("Neo4j went away mid-transaction (simulated)")
            self.left -= 1
            return result

        with self.driver.session(database=self.database) as session:
            return session.execute_write(crashing)


@pytest.mark.parametrize("writers", [1, 2])
def test_crash_mid_load_then_rerun_counts_exactly_once(
    graph: GraphRunner, folder: Path, ingested: dict[str, Any], writers: int
) -> None:
    graph.run_autocommit(queries.stats.wipe_graph)
    with pytest.raises(DatabaseUnavailable):
        load_folder(_CrashesInChunk(graph, 7), folder, chunk_rows=300, writers=writers)
    partial = graph_snapshot(graph)
    assert _same(ingested, partial) != []
    # The re-run asks for another chunk size: the first attempt's size is kept, so the chunks match.
    resumed = load_folder(graph, folder, chunk_rows=10_000, writers=writers)
    assert resumed.resumed and resumed.chunk_rows == 300
    assert sum(f.chunks_skipped for f in resumed.kinds.values()) >= 7
    assert _same(ingested, graph_snapshot(graph)) == []


def test_already_ingested_input_is_refused(
    graph: GraphRunner, folder: Path, scenario: Path, settings: Settings, tmp_path: Path
) -> None:
    graph.run_autocommit(queries.stats.wipe_graph)
    Ingestor(graph, settings.salt(), 5_000, tmp_path / "q.jsonl").run([scenario])
    before = _relationship_totals(graph)
    with pytest.raises(LoadConflict, match="already ingested"):
        load_folder(graph, folder)
    assert _relationship_totals(graph) == before


def test_bad_folders_get_clear_errors(graph: GraphRunner, folder: Path, tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"no manifest\.json"):
        load_folder(graph, tmp_path)
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    (broken / "labels.parquet").unlink()
    with pytest.raises(LoadError, match="labels"):
        load_folder(graph, broken)
    with pytest.raises(LoadError, match="salt_fingerprint"):
        load_folder(graph, folder, salt="another salt")


@pytest.fixture(scope="module")
def bulk_settings() -> Iterator[Settings]:
    # Its own server: a bulk import stops the server and replaces its store, which must never
    # happen to the session test server (the driver's bookmarks point at the old store's
    # transactions and every later query would wait for them).
    with dedicated_server_settings("bulk", port_offset=20) as settings:
        yield settings


def test_bulk_import_builds_the_same_graph(
    bulk_settings: Settings, folder: Path, ingested: dict[str, Any]
) -> None:
    """neo4j-admin import into the emptied database, server restarted: the Ingestor's graph; the
    web app's users, API tokens and runtime settings (which a data reset keeps) are carried
    across."""
    local_server.start(bulk_settings)
    before = GraphRunner.from_settings(bulk_settings)  # a long-lived runner (e.g. the web app's)
    runner: GraphRunner | None = None
    try:
        apply_schema(before)
        username = f"bulk-{uuid.uuid4().hex[:8]}"
        create_user(before, username, "bulk test password", "analyst")
        token = create_api_token(before, username, "bulk")
        set_setting(before, bulk_settings, "flag_threshold", "0.8", "bulk-test", "carry over")
        staging = bulk_settings.var_dir / "staging"
        report = bulk_load(bulk_settings, folder, staging=staging)
        assert report.rows > 0 and report.nodes["Account"] > 0
        runner = GraphRunner.from_settings(bulk_settings)
        # The importer cannot write byte[]: signatures are the 64 MinHash values as a list; the
        # clusterer must restore exactly the same records from either form.
        ignore = ENGINE_DIFFERENCES | {("PromptCluster", "signature")}
        assert snapshot_differences(ingested, graph_snapshot(runner), 20, ignore) == []
        assert _clusters(runner) == ingested["clusters"]
        # The runner from before the import still works against the new store.
        assert before.read(queries.auth.get_user, username=username)
        principal = token_principal(runner, token)
        assert principal is not None and principal.username == username
        assert principal.role == "analyst"
        assert overrides(runner) == {"flag_threshold": 0.8}
        assert load_folder(runner, folder).already_loaded
        with pytest.raises(BulkImportError, match="only for a first load"):
            bulk_load(bulk_settings, folder)
    finally:
        before.close()
        if runner is not None:
            runner.close()
