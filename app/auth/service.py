"""Users, sessions and API tokens in Neo4j (cypher/auth/).

Only hashes are stored: argon2id for passwords, SHA-256 for session and API tokens (they are
256-bit random values, so a fast hash is enough and lets every request find its session with one
index seek). A database dump therefore grants no access. Roles are read on every request, so
removing a user or changing a role takes effect at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal

import neo4j

from app.auth.passwords import (
    check_password_policy,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from app.auth.roles import Role, parse_role
from app.graph.queries import queries
from app.graph.runner import Runner

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
TOKEN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,63}$")
TOKEN_PREFIX = "rsk_"  # makes leaked tokens easy to spot (secret scanners, logs)
# A token's last_used is written at most this often, so API calls stay read-only otherwise.
TOKEN_TOUCH_SECONDS = 60


class AuthError(ValueError):
    """A user-management request that cannot be done; the message says why."""


@dataclass(frozen=True)
class Principal:
    """Who is making a request, and how they proved it."""

    username: str
    role: Role
    via: Literal["session", "token"]
    csrf_token: str | None = None  # session logins only: forms and cookie API calls need it
    session_hash: str | None = None

    def allows(self, required: Role) -> bool:
        return self.role.allows(required)


@dataclass(frozen=True)
class UserInfo:
    username: str
    role: str
    created_at: str | None
    last_login: str | None
    sessions: int
    tokens: int

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def token_hash(token: str) -> str:
    """SHA-256 hex of a session or API token: what the database stores and looks up."""
    return hashlib.sha256(token.encode()).hexdigest()


def _check_username(username: str) -> str:
    if not USERNAME.match(username):
        raise AuthError(
            f"invalid username {username!r}: 1-64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    return username


# --- users -----------------------------------------------------------------------------------


def create_user(runner: Runner, username: str, password: str, role: str) -> None:
    """Create a user with an argon2id-hashed password.

    Raises:
        AuthError: invalid username, role or password, or the user exists.
    """
    _check_username(username)
    try:
        parsed = parse_role(role)
        check_password_policy(password)
    except ValueError as exc:
        raise AuthError(str(exc)) from None
    try:
        runner.write(
            queries.auth.create_user,
            username=username,
            password_hash=hash_password(password),
            role=parsed.value,
        )
    except neo4j.exceptions.ConstraintError:
        raise AuthError(f"user {username!r} already exists") from None


def remove_user(runner: Runner, username: str) -> tuple[int, int]:
    """Delete a user and every session and token of theirs; returns (sessions, tokens) removed.

    Raises:
        AuthError: no such user.
    """
    rows = runner.write(queries.auth.delete_user, username=username)
    if not rows:
        raise AuthError(f"no user {username!r}")
    return int(rows[0]["sessions"]), int(rows[0]["tokens"])


def set_role(runner: Runner, username: str, role: str) -> str:
    """Change a user's role; returns the previous one.

    Raises:
        AuthError: unknown role or user.
    """
    try:
        parsed = parse_role(role)
    except ValueError as exc:
        raise AuthError(str(exc)) from None
    rows = runner.write(queries.auth.set_user_role, username=username, role=parsed.value)
    if not rows:
        raise AuthError(f"no user {username!r}")
    return str(rows[0]["previous"])


def set_password(runner: Runner, username: str, password: str) -> None:
    """Replace a user's password.

    Raises:
        AuthError: weak password or no such user.
    """
    try:
        check_password_policy(password)
    except ValueError as exc:
        raise AuthError(str(exc)) from None
    rows = runner.write(
        queries.auth.set_user_password_hash,
        username=username,
        password_hash=hash_password(password),
    )
    if not rows:
        raise AuthError(f"no user {username!r}")


def list_users(runner: Runner) -> list[UserInfo]:
    """Every user with role, times, live sessions and token count."""
    return [UserInfo(**row) for row in runner.read(queries.auth.list_users)]


def count_users(runner: Runner) -> int:
    rows = runner.read(queries.auth.count_users)
    return int(rows[0]["users"]) if rows else 0


def check_login(runner: Runner, username: str, password: str) -> Role | None:
    """Verify a username and password; the user's role, or None.

    Unknown users cost the same argon2 verification as wrong passwords. A hash made with older
    argon2 parameters is replaced after a successful login.
    """
    rows = runner.read(queries.auth.get_user, username=username) if USERNAME.match(username) else []
    if not rows:
        verify_password(dummy_hash(), password)
        return None
    row = rows[0]
    if not verify_password(row["password_hash"], password):
        return None
    if needs_rehash(row["password_hash"]):
        runner.write(
            queries.auth.set_user_password_hash,
            username=username,
            password_hash=hash_password(password),
        )
    runner.write(queries.auth.record_user_login, username=username)
    try:
        return parse_role(row["role"])
    except ValueError:
        return None  # a hand-edited role: no access rather than a guess


# --- sessions --------------------------------------------------------------------------------


def create_session(runner: Runner, username: str, ttl_seconds: int) -> tuple[str, str]:
    """Start a session; returns (cookie token, CSRF token). Only the token's hash is stored."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    runner.write(queries.auth.delete_expired_sessions)
    runner.write(
        queries.auth.create_session,
        token_hash=token_hash(token),
        username=username,
        csrf_token=csrf,
        ttl_seconds=int(ttl_seconds),
    )
    return token, csrf


def session_principal(runner: Runner, token: str) -> Principal | None:
    """The user of a live session token (role as of now), or None."""
    hashed = token_hash(token)
    rows = runner.read(queries.auth.get_session_principal, token_hash=hashed)
    if not rows:
        return None
    try:
        role = parse_role(rows[0]["role"])
    except ValueError:
        return None
    return Principal(rows[0]["username"], role, "session", rows[0]["csrf_token"], hashed)


def end_session(runner: Runner, token_hash_value: str) -> None:
    runner.write(queries.auth.delete_session, token_hash=token_hash_value)


# --- API tokens ------------------------------------------------------------------------------


def create_api_token(runner: Runner, username: str, name: str) -> str:
    """Create a named API token for a user; returns the plaintext token (shown once, only its
    SHA-256 is stored). Send it as `Authorization: Bearer <token>`.

    Raises:
        AuthError: invalid name or no such user.
    """
    if not TOKEN_NAME.match(name):
        raise AuthError(f"invalid token name {name!r}: 1-64 letters, digits, space, '._:-'")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    rows = runner.write(
        queries.auth.create_api_token, token_hash=token_hash(token), username=username, name=name
    )
    if not rows:
        raise AuthError(f"no user {username!r}")
    return token


def token_principal(runner: Runner, token: str) -> Principal | None:
    """The user of an API token (role as of now), or None."""
    hashed = token_hash(token)
    rows = runner.read(queries.auth.get_token_principal, token_hash=hashed)
    if not rows:
        return None
    row = rows[0]
    try:
        role = parse_role(row["role"])
    except ValueError:
        return None
    last = row["last_used"]
    if last is None or time.time() - float(last) > TOKEN_TOUCH_SECONDS:
        runner.write(queries.auth.touch_api_token, token_hash=hashed)
    return Principal(row["username"], role, "token")


def list_api_tokens(runner: Runner, username: str | None = None) -> list[dict[str, Any]]:
    """Token names, owners and times (never the tokens)."""
    return runner.read(queries.auth.list_api_tokens, username=username)


def revoke_api_token(runner: Runner, username: str, name: str) -> int:
    """Delete a user's tokens of that name; returns how many."""
    rows = runner.write(queries.auth.delete_api_token, username=username, name=name)
    return int(rows[0]["deleted"]) if rows else 0
