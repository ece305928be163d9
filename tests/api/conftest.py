"""Web tests: the session's real Neo4j (tests/conftest.py), seeded once with the
hand-made scenario in scenario.py, re-seeded only if another test wiped it."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j import GraphDatabase

from app.graph.queries import queries
from app.graph.runner import GraphRunner
from app.graph.web_repo import get_ring
from app.web.main import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scenario


def _seeded(runner: GraphRunner) -> bool:
    ring = get_ring(runner, scenario.ALPHA, scenario.RUN_ID)
    return ring is not None and ring.size == len(scenario.ALPHA_MEMBERS)


@pytest.fixture
def seeded(neo4j_runner: GraphRunner, tmp_path_factory: pytest.TempPathFactory) -> GraphRunner:
    """The scenario in the database (seeded once; again only if someone wiped the graph)."""
    if not _seeded(neo4j_runner):
        neo4j_runner.run_autocommit(queries.stats.wipe_graph)
        scenario.seed(neo4j_runner, tmp_path_factory.mktemp("web-scenario"))
    return neo4j_runner


@pytest.fixture
def client(seeded: GraphRunner) -> Iterator[TestClient]:
    with TestClient(create_app(runner=seeded)) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def down_client() -> Iterator[TestClient]:
    """An app whose runner points at a closed port: Neo4j is "down"."""
    uri = f"bolt://127.0.0.1:{free_port()}"
    driver = GraphDatabase.driver(
        uri, auth=("neo4j", "nope"), max_transaction_retry_time=0.2, connection_timeout=1.0
    )
    runner = GraphRunner(driver, "neo4j", uri)
    with TestClient(create_app(runner=runner), raise_server_exceptions=False) as test_client:
        yield test_client
    runner.close()
