"""Test settings: tests use their own Neo4j (var/test, port 7688) so they never wipe your demo data.

The real Neo4j is one session fixture shared by the integration, api and e2e tests: started here if
it does not answer yet (and stopped again at the end), left alone if CI or a developer started it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from app.config import PROJECT_ROOT

os.environ.setdefault("RINGSCOPE_VAR_DIR", str(PROJECT_ROOT / "var" / "test"))
os.environ.setdefault("RINGSCOPE_NEO4J_PORT", "7688")
os.environ.setdefault("RINGSCOPE_NEO4J_HEAP", "2g")
os.environ.setdefault("RINGSCOPE_NEO4J_PAGECACHE", "512m")


from app.config import Settings, get_settings
from app.graph import local_server
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
