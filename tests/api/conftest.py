"""Web tests: the session's real Neo4j (tests/conftest.py), seeded once with the
hand-made scenario in scenario.py, re-seeded only if another test wiped it.

Every route needs a login: `users` creates one user per role (with an API token each) once per
session; `client` is an analyst using a bearer token; `login()` logs a client in through the
form (session cookie + CSRF token) like a browser."""

from __future__ import annotations

import contextlib
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j import GraphDatabase

from app.auth.service import AuthError, create_api_token, create_user, remove_user
from app.graph.queries import queries
from app.graph.runner import GraphRunner
from app.graph.web_repo import get_ring
from app.web.main import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scenario
from web_auth import PASSWORD, ROLES, WebUser, make_client


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


@pytest.fixture(scope="session")
def users(neo4j_runner: GraphRunner) -> dict[str, WebUser]:
    """One user per role (t-viewer, t-analyst, t-admin), fresh each session, with a token.
    Users survive the graph wipe (cypher/stats/wipe_graph.cypher), so they are recreated here."""
    made: dict[str, WebUser] = {}
    for role in ROLES:
        name = f"t-{role}"
        with contextlib.suppress(AuthError):
            remove_user(neo4j_runner, name)
        create_user(neo4j_runner, name, PASSWORD, role)
        made[role] = WebUser(name, role, create_api_token(neo4j_runner, name, "tests"))
    return made


@pytest.fixture
def client(seeded: GraphRunner, users: dict[str, WebUser]) -> Iterator[TestClient]:
    """An analyst (full view) calling with an API token."""
    with make_client(seeded, users["analyst"]) as test_client:
        yield test_client


@pytest.fixture
def anon(seeded: GraphRunner, users: dict[str, WebUser]) -> Iterator[TestClient]:
    """Nobody logged in (users exist)."""
    with make_client(seeded) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def down_client(users: dict[str, WebUser]) -> Iterator[TestClient]:
    """An app whose runner points at a closed port: Neo4j is "down"."""
    uri = f"bolt://127.0.0.1:{free_port()}"
    driver = GraphDatabase.driver(
        uri, auth=("neo4j", "nope"), max_transaction_retry_time=0.2, connection_timeout=1.0
    )
    runner = GraphRunner(driver, "neo4j", uri)
    with TestClient(
        create_app(runner=runner), raise_server_exceptions=False, headers=users["analyst"].bearer
    ) as test_client:
        yield test_client
    runner.close()
