"""The Graph Data Science route (gds-louvain / gds-leiden) on a real Neo4j with the GDS plugin.

The server is the optional GDS launcher (`mvn -f neo4j-local/pom.xml -Pgds package` builds
neo4j-local/target-gds), started here on a free port with its own data in a temporary folder, or
your own GDS server when RINGSCOPE_GDS_URI (+ RINGSCOPE_GDS_USER / RINGSCOPE_GDS_PASSWORD) is set.
Without either, the tests are skipped and say how to build it.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import neo4j
import numpy as np
import pytest
from dedicated_server import free_port

from app.config import PROJECT_ROOT
from app.detection import detect, load_fixture
from app.detection.communities import louvain_partition, partition
from app.detection.context import build_context
from app.detection.evidence import build_evidence
from app.detection.model import DetectionParams
from app.graph.gds_repo import GdsUnavailable, check_gds, gds_finder
from app.graph.queries import queries
from app.graph.runner import GraphRunner

GDS_BUILD = PROJECT_ROOT / "neo4j-local" / "target-gds"
GDS_ALGORITHMS = ("gds-louvain", "gds-leiden")


def _connect(uri: str, user: str, password: str, deadline: float) -> GraphRunner:
    while True:
        try:
            driver = neo4j.GraphDatabase.driver(uri, auth=(user, password))
            driver.verify_connectivity()
            return GraphRunner(driver, "neo4j", uri)
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


@pytest.fixture(scope="module")
def gds_runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphRunner]:
    if os.environ.get("RINGSCOPE_GDS_URI"):
        runner = _connect(
            os.environ["RINGSCOPE_GDS_URI"],
            os.environ.get("RINGSCOPE_GDS_USER", "neo4j"),
            os.environ.get("RINGSCOPE_GDS_PASSWORD", ""),
            time.monotonic() + 30,
        )
        yield runner
        runner.close()
        return
    if not (GDS_BUILD / "plugins").is_dir():
        pytest.skip(
            "no GDS launcher: build it with `mvn -f neo4j-local/pom.xml -Pgds package` "
            "(or set RINGSCOPE_GDS_URI to a Neo4j with the GDS plugin)"
        )
    java = shutil.which("java")
    assert java, "java is needed to run the GDS launcher"
    home = tmp_path_factory.mktemp("gds-neo4j")
    port = free_port()
    password = secrets.token_hex(12)
    log = (home / "launcher.log").open("w")
    process = subprocess.Popen(
        [
            java,
            "-Xmx1g",
            "-cp",
            f"{GDS_BUILD / 'classes'}:{GDS_BUILD / 'lib' / '*'}",
            "ringscope.Neo4jLocal",
            str(home / "dbms"),
            "127.0.0.1",
            str(port),
            "256m",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={
            **os.environ,
            "NEO4J_LOCAL_PASSWORD": password,
            "NEO4J_LOCAL_PLUGIN_DIR": str(GDS_BUILD / "plugins"),
        },
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while "neo4j-local: ready" not in Path(log.name).read_text(errors="replace"):
            assert process.poll() is None, Path(log.name).read_text()[-3000:]
            assert time.monotonic() < deadline, "GDS launcher did not start in 300 s"
            time.sleep(1)
        runner = _connect(f"bolt://127.0.0.1:{port}", "neo4j", password, deadline)
        yield runner
        runner.close()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _edges(pairs: list[tuple[int, int, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    u = np.array([min(a, b) for a, b, _ in pairs])
    v = np.array([max(a, b) for a, b, _ in pairs])
    w = np.array([x for _, _, x in pairs], dtype=float)
    return u, v, w


def test_server_has_the_procedures_we_call(gds_runner: GraphRunner) -> None:
    check_gds(gds_runner)
    # Dropping a graph that is not there is not an error (the clean-up after a failed call).
    assert gds_runner.read(queries.gds.drop_graph_if_exists, graph_name="never-projected") == []


@pytest.mark.parametrize("algorithm", GDS_ALGORITHMS)
def test_two_cliques_split_and_hubs_vanish(gds_runner: GraphRunner, algorithm: str) -> None:
    a, b = list(range(0, 8)), list(range(8, 16))
    pairs = [(x, y, 1.0) for x, y in itertools.combinations(a, 2)]
    pairs += [(x, y, 1.0) for x, y in itertools.combinations(b, 2)]
    pairs += [(7, 8, 0.05)]
    pairs += [(x, 20, 0.5) for x in (16, 17, 18, 19)] + [(0, 21, 0.3)]
    u, v, w = _edges(pairs)
    params = DetectionParams(algorithm=algorithm)
    comms = partition(20, u, v, w, params, gds_finder(gds_runner, params))
    as_sets = [set(c.tolist()) for c in comms]
    assert set(a) <= next(s for s in as_sets if 0 in s)
    assert set(b) in as_sets
    assert {16, 17, 18, 19} in as_sets
    assert all(x < 20 for s in as_sets for x in s)
    # Every projection was dropped again: nothing is left in the GDS catalog.
    leftover = gds_runner.driver.execute_query("CALL gds.graph.list() YIELD graphName RETURN *")
    assert leftover.records == []


@pytest.mark.parametrize("name", ["card_ring", "two_cells", "hard_negatives"])
@pytest.mark.parametrize("algorithm", GDS_ALGORITHMS)
def test_fixture_communities_hold_the_rings_found_in_python(
    gds_runner: GraphRunner, algorithm: str, name: str
) -> None:
    projection = load_fixture(name)
    ctx = build_context(projection)
    ev = build_evidence(ctx)
    params = DetectionParams(algorithm=algorithm)
    comms, labels = louvain_partition(
        ctx.n, ev.u, ev.v, ev.w, params, gds_finder(gds_runner, params)
    )
    assert labels.size and (labels >= 0).sum() > 0
    members = [{ctx.ids[int(i)] for i in c} for c in comms]
    # Each ring the default flags lies inside one GDS community (refinement and trimming may
    # then cut it down, as they do after python-louvain).
    for ring in detect(projection).rings:
        if ring.flagged:
            assert any(set(ring.members) <= group for group in members), ring.ring_id


def test_a_server_without_gds_is_refused(neo4j_runner: GraphRunner) -> None:
    with pytest.raises(GdsUnavailable, match="no Graph Data Science procedures"):
        check_gds(neo4j_runner)
