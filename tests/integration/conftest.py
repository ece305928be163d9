"""Integration tests get the session's real Neo4j (tests/conftest.py), wiped before each test."""

from __future__ import annotations

import pytest

from app.graph.queries import queries
from app.graph.runner import GraphRunner


@pytest.fixture
def graph(neo4j_runner: GraphRunner) -> GraphRunner:
    neo4j_runner.run_autocommit(queries.stats.wipe_graph)
    return neo4j_runner
