"""Property-based API testing with schemathesis against the app's own OpenAPI schema: whatever
the parameters (valid, boundary or malformed), no operation answers 5xx.

Runs on the seeded web scenario (tests/api/scenario.py) with an admin's API token, and half of
the generated cases get a real ring / account id in place of the random one, so the handlers
that only run for existing data (ring graphs, members, entity pages, labels) are exercised too.
Bounded for CI: a few dozen examples per operation, about a minute in all.
"""

from __future__ import annotations

import itertools
import os
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from app.graph.queries import queries
from app.graph.runner import GraphRunner
from app.web.main import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scenario

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("RINGSCOPE_SCHEMATHESIS_EXAMPLES", "12"))
# Real ids to swap in; PDF / PNG exports of a real ring start Chromium (seconds each) and are
# covered by test_exports.py, so those keep their random (404) ring id.
REAL = {
    "ring_id": itertools.cycle([scenario.ALPHA, scenario.BETA, "FILL-03"]),
    "run_id": itertools.cycle([scenario.RUN_ID, scenario.OLD_RUN_ID]),
    "account_id": itertools.cycle(scenario.ALL_REAL_IDS),
}
ENTITIES = itertools.cycle(
    [("account", scenario.ALPHA_MEMBERS[0]), ("ip", "203.0.113.7"), ("operator", scenario.OPERATOR)]
)
_coin = itertools.count()


@pytest.fixture(scope="module")
def admin_token(seeded: GraphRunner) -> str | None:
    """An admin's API token once access control is in place; None before it existed."""
    try:
        from app.auth.service import create_api_token, create_user
    except ImportError:  # pragma: no cover
        return None
    username = f"fuzz-admin-{uuid.uuid4().hex[:8]}"
    create_user(seeded, username, f"Fuzz-{uuid.uuid4().hex}", "admin")
    return create_api_token(seeded, username, "schemathesis")


@pytest.fixture(scope="module")
def seeded(
    neo4j_runner: GraphRunner, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GraphRunner]:
    """The web scenario, seeded afresh; wiped afterwards because the label endpoints change it
    (the next test that needs it re-seeds); runtime-setting overrides, which survive the wipe,
    are removed too in case the fuzzer hit a valid key and value."""
    from app.graph import settings_repo
    from app.jobs.runtime_settings import SPECS

    neo4j_runner.run_autocommit(queries.stats.wipe_graph)
    scenario.seed(neo4j_runner, tmp_path_factory.mktemp("schemathesis-scenario"))
    yield neo4j_runner
    neo4j_runner.run_autocommit(queries.stats.wipe_graph)
    for key in SPECS:
        settings_repo.write_setting(neo4j_runner, key, None, "tests", "fuzz cleanup", "reset")


@pytest.fixture(scope="module")
def api_schema(seeded: GraphRunner, admin_token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    return schemathesis.openapi.from_asgi(
        "/openapi.json", create_app(runner=seeded), headers=headers
    )


def _use_real_ids(case: Any) -> None:
    if next(_coin) % 2:
        return
    params = case.path_parameters or {}
    if params.get("fmt") in ("pdf", "png"):
        return
    for name, ids in REAL.items():
        if name in params:
            params[name] = next(ids)
    if "kind" in params and "key" in params:
        params["kind"], params["key"] = next(ENTITIES)


def test_no_server_errors(api_schema: Any, admin_token: str | None) -> None:
    # Driven by hand rather than with @schema.parametrize(): schemathesis' lazy pytest plugin
    # (from_fixture) sets Function._nodeid, which pytest 9 no longer has.
    headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 13, [op.label for op in operations]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: Any) -> None:
                _use_real_ids(case)
                response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
                statuses[response.status_code] += 1

            try:
                check()
            except Unsatisfiable:
                continue  # no invalid input exists (e.g. only free-text path parameters)
            except Exception as exc:  # every operation is tried; all failures reported at once
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:600]}")
    print(
        f"{len(operations)} operations, {sum(statuses.values())} calls: {sorted(statuses.items())}"
    )
    # Unbounded paging integers used to reach Neo4j and answer 500 (found here; now `le=`
    # bounds in app/web answer 422, see test_api.test_huge_paging_numbers_are_a_clear_422).
    assert not failures, "\n\n".join(failures)
