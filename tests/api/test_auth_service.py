"""app/auth against the real Neo4j: users, passwords, sessions, API tokens, roles, the audit
log's hash chain, and that a data reset keeps users."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from app.auth import create_api_token, create_user
from app.auth.audit import AuditLog
from app.auth.passwords import hash_password, needs_rehash
from app.auth.ratelimit import LoginRateLimiter
from app.auth.roles import Role
from app.auth.service import (
    AuthError,
    check_login,
    create_session,
    end_session,
    list_users,
    remove_user,
    session_principal,
    set_role,
    token_hash,
    token_principal,
)
from app.graph.queries import queries
from app.graph.runner import GraphRunner

pytestmark = pytest.mark.integration
PASSWORD = "a long enough password"


@pytest.fixture
def fresh(neo4j_runner: GraphRunner) -> GraphRunner:
    for name in ("svc-alice", "svc-bob"):
        with contextlib.suppress(AuthError):
            remove_user(neo4j_runner, name)
    return neo4j_runner


def test_user_password_session_and_token(fresh: GraphRunner) -> None:
    create_user(fresh, "svc-alice", PASSWORD, "analyst")
    with pytest.raises(AuthError, match="already exists"):
        create_user(fresh, "svc-alice", PASSWORD, "viewer")
    stored = fresh.read(queries.auth.get_user, username="svc-alice")[0]["password_hash"]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert check_login(fresh, "svc-alice", PASSWORD) is Role.ANALYST
    assert check_login(fresh, "svc-alice", PASSWORD + "x") is None
    assert check_login(fresh, "svc-nobody", PASSWORD) is None

    cookie, csrf = create_session(fresh, "svc-alice", 60)
    principal = session_principal(fresh, cookie)
    assert principal is not None and principal.role is Role.ANALYST and principal.csrf_token == csrf
    rows = fresh.driver.execute_query(
        "MATCH (s:Session {username: 'svc-alice'}) RETURN s.token_hash AS h"
    ).records
    assert [r["h"] for r in rows] == [token_hash(cookie)]  # only the hash is stored

    token = create_api_token(fresh, "svc-alice", "nightly")
    assert token.startswith("rsk_")
    by_token = token_principal(fresh, token)
    assert by_token is not None and by_token.username == "svc-alice" and by_token.via == "token"
    assert token_principal(fresh, token + "x") is None

    # A role change applies to the live session and token at once.
    assert set_role(fresh, "svc-alice", "viewer") == "analyst"
    assert session_principal(fresh, cookie).role is Role.VIEWER  # type: ignore[union-attr]
    assert token_principal(fresh, token).role is Role.VIEWER  # type: ignore[union-attr]
    end_session(fresh, token_hash(cookie))
    assert session_principal(fresh, cookie) is None

    # Removal ends every session and token.
    again, _ = create_session(fresh, "svc-alice", 60)
    assert remove_user(fresh, "svc-alice") == (1, 1)
    assert session_principal(fresh, again) is None and token_principal(fresh, token) is None
    assert "svc-alice" not in {u.username for u in list_users(fresh)}


def test_expired_session_is_refused(fresh: GraphRunner) -> None:
    create_user(fresh, "svc-bob", PASSWORD, "viewer")
    cookie, _ = create_session(fresh, "svc-bob", -1)
    assert session_principal(fresh, cookie) is None


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [
        ("bad name!", PASSWORD, "viewer", "invalid username"),
        ("svc-bob", "short", "viewer", "at least 10"),
        ("svc-bob", PASSWORD, "root", "unknown role"),
    ],
)
def test_bad_user_input_is_refused(
    fresh: GraphRunner, username: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(AuthError, match=message):
        create_user(fresh, username, password, role)


def test_rehash_on_login_when_parameters_change(fresh: GraphRunner) -> None:
    from argon2 import PasswordHasher

    create_user(fresh, "svc-bob", PASSWORD, "viewer")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    assert needs_rehash(weak) and not needs_rehash(hash_password(PASSWORD))
    fresh.write(queries.auth.set_user_password_hash, username="svc-bob", password_hash=weak)
    assert check_login(fresh, "svc-bob", PASSWORD) is Role.VIEWER
    stored = fresh.read(queries.auth.get_user, username="svc-bob")[0]["password_hash"]
    assert stored != weak and not needs_rehash(stored)


def test_users_survive_a_data_reset(fresh: GraphRunner) -> None:
    create_user(fresh, "svc-bob", PASSWORD, "viewer")
    token = create_api_token(fresh, "svc-bob", "keep")
    fresh.run_autocommit(queries.stats.wipe_graph)
    assert check_login(fresh, "svc-bob", PASSWORD) is Role.VIEWER
    assert token_principal(fresh, token) is not None


def test_audit_chain_detects_tampering(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    for i in range(5):
        log.record("alice", "ring.view", f"R{i}", role="analyst", details={"n": i})
    assert log.verify().ok and log.verify().entries == 5
    assert [e["seq"] for e in log.search(action="ring")] == [5, 4, 3, 2, 1]
    lines = log.path.read_text().splitlines()
    entry = json.loads(lines[2])
    entry["target"] = "R-other"
    lines[2] = json.dumps(entry, sort_keys=True)
    log.path.write_text("\n".join(lines) + "\n")
    check = log.verify()
    assert not check.ok and "altered" in check.problem and check.entries == 3
    del lines[2]
    log.path.write_text("\n".join(lines) + "\n")
    assert not log.verify().ok  # a deleted line breaks the link


def test_rate_limiter_window() -> None:
    limiter = LoginRateLimiter(max_failures=3, window_seconds=60)
    assert limiter.retry_after("user:x") == 0
    limiter.failed("user:x", "ip:1")
    limiter.failed("user:x", "ip:1")
    assert limiter.retry_after("user:x") == 0
    limiter.failed("user:x", "ip:1")
    assert 0 < limiter.retry_after("user:x") <= 61 and limiter.retry_after("ip:1") > 0
    limiter.succeeded("user:x")
    assert limiter.retry_after("user:x") == 0 and limiter.retry_after("ip:1") > 0
