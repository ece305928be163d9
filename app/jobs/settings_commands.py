"""`ringscope settings list|set|reset` (registered by app/cli.py): the runtime settings admins
also change at /admin/settings, audited with the OS user as actor (`cli:<user>`)."""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer
from rich.table import Table

settings_app = typer.Typer(
    help="Runtime settings (schedule, thresholds, webhook) stored in Neo4j, audited.",
    no_args_is_help=True,
)

ReasonOption = Annotated[
    str, typer.Option("--reason", help="Why (required; goes into the audit log).")
]


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@settings_app.command("list")
def settings_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every runtime setting: effective value and where it comes from, default, last change."""
    from app.cli import connected, console
    from app.config import get_settings
    from app.jobs.runtime_settings import list_settings

    settings = get_settings()
    with connected(settings) as runner:
        views = list_settings(runner, settings)
    if as_json:
        typer.echo(json.dumps({"settings": [v.as_json() for v in views]}, indent=1))
        return
    table = Table("setting", "effective", "source", "default", "last change")
    for v in views:
        change = (
            f"{v.last_action} by {v.updated_by} at {(v.updated_at or '')[:19]}: {v.reason}"
            if v.updated_by
            else ""
        )
        table.add_row(v.key, v.effective, v.source, f"{v.default} ({v.default_source})", change)
    console.print(table)


@settings_app.command("set")
def settings_set(
    key: Annotated[str, typer.Argument(help="The setting (see `ringscope settings list`).")],
    value: Annotated[str, typer.Argument(help="The new value.")],
    reason: ReasonOption = "",
) -> None:
    """Override a runtime setting (validated; schedulers apply it on their next poll).

    A value starting with "-" goes after `--`: `ringscope settings set --reason R -- KEY -1`.
    """
    from app.auth.commands import cli_audit
    from app.cli import connected, console, fail
    from app.config import get_settings
    from app.jobs.runtime_settings import SettingError, set_setting

    settings = get_settings()
    with connected(settings) as runner:
        try:
            change = set_setting(runner, settings, key, value, _actor(), reason)
        except SettingError as exc:
            raise fail(f"{exc} (nothing was saved)", 2) from None
    cli_audit("setting.set", key, **change.audit_details())
    console.print(f"{key}: {change.old} → {change.new}")


@settings_app.command("reset")
def settings_reset(
    key: Annotated[str, typer.Argument(help="The setting.")],
    reason: ReasonOption = "",
) -> None:
    """Remove a runtime setting's override: the environment / default value applies again."""
    from app.auth.commands import cli_audit
    from app.cli import connected, console, fail
    from app.config import get_settings
    from app.jobs.runtime_settings import SettingError, reset_setting

    settings = get_settings()
    with connected(settings) as runner:
        try:
            change = reset_setting(runner, settings, key, _actor(), reason)
        except SettingError as exc:
            raise fail(f"{exc} (nothing was changed)", 2) from None
    cli_audit("setting.reset", key, **change.audit_details())
    console.print(f"{key}: {change.old} → {change.new} (default)")
