"""A real Neo4j for the whole session (started here if not already up), wiped before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.config import Settings, get_settings
from app.graph import local_server
from app.graph.queries import queries
from app.graph.runner import GraphRunner
from app.graph.schema import apply_schema


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def neo4j_runner(settings: Settings) -> Iterator[GraphRunner]:
    started_here = False
    if settings.managed_neo4j and not local_server.status(settings).answering:
        local_server.start(settings)
        started_here = True
    runner = GraphRunner.from_settings(settings)
    runner.verify()
    apply_schema(runner)
    yield runner
    runner.close()
    if started_here:
        local_server.stop(settings)


@pytest.fixture
def graph(neo4j_runner: GraphRunner) -> GraphRunner:
    neo4j_runner.run_autocommit(queries.stats.wipe_graph)
    return neo4j_runner
