"""`ringscope users ...` against the real Neo4j: add, list, set-role, token, revoke, passwd,
remove, and the audit log they write (with its chain check)."""

from __future__ import annotations

import contextlib
import json

import pytest
from typer.testing import CliRunner

from app.auth.audit import AuditLog
from app.auth.roles import Role
from app.auth.service import AuthError, check_login, remove_user, token_principal
from app.cli import app
from app.config import get_settings
from app.graph.runner import GraphRunner

pytestmark = pytest.mark.integration
NAME = "cli-carol"
PASSWORD = "a sturdy cli password"


def test_users_commands(neo4j_runner: GraphRunner) -> None:
    with contextlib.suppress(AuthError):
        remove_user(neo4j_runner, NAME)
    cli = CliRunner()
    added = cli.invoke(
        app, ["users", "add", NAME, "--role", "analyst", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert added.exit_code == 0, added.output
    assert check_login(neo4j_runner, NAME, PASSWORD) is Role.ANALYST
    again = cli.invoke(app, ["users", "add", NAME, "--password-stdin"], input=PASSWORD + "\n")
    assert again.exit_code == 2 and "already exists" in again.output
    weak = cli.invoke(app, ["users", "add", "cli-weak", "--password-stdin"], input="short\n")
    assert weak.exit_code == 2 and "at least 10" in weak.output
    bad_role = cli.invoke(app, ["users", "set-role", NAME, "root"])
    assert bad_role.exit_code == 2 and "unknown role" in bad_role.output
    assert cli.invoke(app, ["users", "set-role", NAME, "viewer"]).exit_code == 0
    assert check_login(neo4j_runner, NAME, PASSWORD) is Role.VIEWER

    token_run = cli.invoke(app, ["users", "token", NAME, "--name", "nightly"])
    assert token_run.exit_code == 0, token_run.output
    token = next(line for line in token_run.output.splitlines() if line.startswith("rsk_"))
    assert token_principal(neo4j_runner, token) is not None
    listed = cli.invoke(app, ["users", "list"])
    assert NAME in listed.output and "viewer" in listed.output
    assert cli.invoke(app, ["users", "revoke-token", NAME, "--name", "nightly"]).exit_code == 0
    assert token_principal(neo4j_runner, token) is None

    new_password = PASSWORD + " v2"
    changed = cli.invoke(app, ["users", "passwd", NAME, "--password-stdin"], input=new_password)
    assert changed.exit_code == 0 and check_login(neo4j_runner, NAME, new_password) is not None
    assert cli.invoke(app, ["users", "remove", NAME]).exit_code == 0
    assert check_login(neo4j_runner, NAME, new_password) is None
    assert cli.invoke(app, ["users", "remove", NAME]).exit_code == 2

    log = AuditLog(get_settings().audit_path)
    mine = [e["action"] for e in log.entries() if e["target"] == NAME]
    assert mine[-6:] == [
        "user.add",
        "user.set_role",
        "token.create",
        "token.revoke",
        "user.password",
        "user.remove",
    ]
    verified = cli.invoke(app, ["users", "audit", "--verify"])
    assert verified.exit_code == 0 and "hash chain intact" in " ".join(verified.output.split())
    exported = cli.invoke(app, ["users", "audit", "--format", "jsonl"])
    assert json.loads(exported.output.splitlines()[-1])["action"] == "user.remove"
