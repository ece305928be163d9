"""`ringscope users add|remove|set-role|passwd|list|token|revoke-token|audit` (registered by
app/cli.py). Passwords are prompted hidden with confirmation, or read from stdin for scripts."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

users_app = typer.Typer(
    help="Web app users (roles viewer, analyst, admin), API tokens and the audit log.",
    no_args_is_help=True,
)

RoleOption = Annotated[
    str,
    typer.Option(
        "--role",
        help="viewer (redacted ids), analyst (full view, labels, exports) "
        "or admin (analyst + users, audit, jobs).",
    ),
]
StdinOption = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
]


def _password(from_stdin: bool) -> str:
    from app.cli import fail

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise fail("the passwords differ", 2)
    return first


def cli_audit(action: str, target: str, **details: object) -> None:
    """Append an audit entry for a CLI action, the OS user as actor (`cli:<user>`)."""
    from app.auth.audit import AuditLog
    from app.config import get_settings

    actor = f"cli:{getpass.getuser()}"
    AuditLog(get_settings().audit_path).record(actor, action, target, details=dict(details))


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: RoleOption = "viewer",
    password_stdin: StdinOption = False,
) -> None:
    """Create a user (the first one should be `--role admin`); the password is prompted."""
    from app.auth.service import AuthError, create_user
    from app.cli import connected, console, fail
    from app.config import get_settings

    password = _password(password_stdin)
    with connected(get_settings()) as runner:
        try:
            create_user(runner, username, password, role)
        except AuthError as exc:
            raise fail(str(exc), 2) from None
    cli_audit("user.add", username, role=role)
    console.print(f"user [bold]{username}[/] created with role {role}")


@users_app.command("remove")
def users_remove(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Delete a user with their sessions and API tokens (access ends immediately)."""
    from app.auth.service import AuthError, remove_user
    from app.cli import connected, console, fail
    from app.config import get_settings

    with connected(get_settings()) as runner:
        try:
            sessions, tokens = remove_user(runner, username)
        except AuthError as exc:
            raise fail(str(exc), 2) from None
    cli_audit("user.remove", username, sessions=sessions, tokens=tokens)
    console.print(f"user {username} removed ({sessions} sessions, {tokens} API tokens ended)")


@users_app.command("set-role")
def users_set_role(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Argument(help="viewer, analyst or admin.")],
) -> None:
    """Change a user's role (applies to their next request)."""
    from app.auth.service import AuthError, set_role
    from app.cli import connected, console, fail
    from app.config import get_settings

    with connected(get_settings()) as runner:
        try:
            previous = set_role(runner, username, role)
        except AuthError as exc:
            raise fail(str(exc), 2) from None
    cli_audit("user.set_role", username, role=role, previous=previous)
    console.print(f"{username}: {previous} → {role}")


@users_app.command("passwd")
def users_passwd(
    username: Annotated[str, typer.Argument(help="Login name.")],
    password_stdin: StdinOption = False,
) -> None:
    """Set a user's password (prompted hidden, or --password-stdin)."""
    from app.auth.service import AuthError, set_password
    from app.cli import connected, console, fail
    from app.config import get_settings

    password = _password(password_stdin)
    with connected(get_settings()) as runner:
        try:
            set_password(runner, username, password)
        except AuthError as exc:
            raise fail(str(exc), 2) from None
    cli_audit("user.password", username)
    console.print(f"password of {username} changed")


@users_app.command("list")
def users_list() -> None:
    """Users with role, creation and last login, live sessions and API tokens."""
    from app.auth.service import list_users
    from app.cli import connected, console
    from app.config import get_settings

    with connected(get_settings()) as runner:
        users = list_users(runner)
    table = Table("user", "role", "created", "last login", "sessions", "API tokens")
    for u in users:
        table.add_row(
            u.username,
            u.role,
            (u.created_at or "")[:19],
            (u.last_login or "")[:19],
            str(u.sessions),
            str(u.tokens),
        )
    console.print(table if users else "no users yet: `ringscope users add NAME --role admin`")


@users_app.command("token")
def users_token(
    username: Annotated[str, typer.Argument(help="Login name of the token's owner.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for, e.g. 'nightly'.")],
) -> None:
    """Create an API token for scripts (printed once; send `Authorization: Bearer <token>`)."""
    from app.auth.service import AuthError, create_api_token
    from app.cli import connected, err, fail
    from app.config import get_settings

    with connected(get_settings()) as runner:
        try:
            token = create_api_token(runner, username, name)
        except AuthError as exc:
            raise fail(str(exc), 2) from None
    cli_audit("token.create", username, name=name)
    err.print(f"API token {name!r} for {username} (shown once, store it now):")
    sys.stdout.write(token + "\n")


@users_app.command("revoke-token")
def users_revoke_token(
    username: Annotated[str, typer.Argument(help="Login name of the token's owner.")],
    name: Annotated[str, typer.Option("--name", help="The token's name.")],
) -> None:
    """Revoke a user's API token(s) of that name."""
    from app.auth.service import revoke_api_token
    from app.cli import connected, console, fail
    from app.config import get_settings

    with connected(get_settings()) as runner:
        deleted = revoke_api_token(runner, username, name)
    if not deleted:
        raise fail(f"{username} has no token named {name!r}", 2)
    cli_audit("token.revoke", username, name=name)
    console.print(f"revoked {deleted} token(s)")


@users_app.command("audit")
def users_audit(
    verify: Annotated[
        bool, typer.Option("--verify", help="Check the hash chain; exit 1 if it is broken.")
    ] = False,
    output_format: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
    out: Annotated[Path | None, typer.Option("--out", help="File (default: stdout).")] = None,
) -> None:
    """Export the append-only audit log (JSONL or CSV), or verify its hash chain."""
    from app.auth.audit import AuditLog, to_csv, to_jsonl
    from app.cli import console, fail
    from app.config import get_settings

    log = AuditLog(get_settings().audit_path)
    if verify:
        check = log.verify()
        if not check.ok:
            raise fail(
                f"audit log {log.path}: chain broken at entry {check.entries}: {check.problem}"
            )
        console.print(f"audit log {log.path}: {check.entries} entries, hash chain intact")
        return
    if output_format not in ("jsonl", "csv"):
        raise fail(f"--format must be jsonl or csv, not {output_format!r}", 2)
    entries = list(log.entries())
    data = to_jsonl(entries) if output_format == "jsonl" else to_csv(entries)
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        out.write_bytes(data)
        console.print(f"{len(entries)} entries → {out}")
