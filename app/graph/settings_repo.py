"""Runtime-setting overrides in Neo4j: one `(:Setting {key})` node per key an admin changed."""

from __future__ import annotations

from typing import Any

from app.graph.queries import queries
from app.graph.runner import GraphRunner


def ensure_settings_schema(runner: GraphRunner) -> None:
    """Create the Setting.key uniqueness constraint if missing (idempotent)."""
    runner.write(queries.schema.setting_key_unique)


def stored_settings(runner: GraphRunner) -> dict[str, dict[str, Any]]:
    """Every stored setting by key: value_json (None after a reset), updated_by, updated_at,
    reason, last_action."""
    return {row["key"]: row for row in runner.read(queries.settings.list_settings)}


def write_setting(
    runner: GraphRunner, key: str, value_json: str | None, actor: str, reason: str, action: str
) -> str | None:
    """Store (value_json None: remove) one override; returns the override it replaced.

    Args:
        runner: the database seam.
        key: the setting's key (validated by the caller against the allow-list).
        value_json: the new override as JSON text, or None to fall back to the default.
        actor: who changed it (a username, or cli:<os user>).
        reason: why (required by the callers).
        action: "set" or "reset".

    Returns:
        The previous override's JSON text, or None if there was none.
    """
    ensure_settings_schema(runner)
    rows = runner.write(
        queries.settings.set_setting,
        key=key,
        value_json=value_json,
        actor=actor,
        reason=reason,
        action=action,
    )
    previous = rows[0]["previous"] if rows else None
    return None if previous is None else str(previous)


def dump_settings(runner: GraphRunner) -> list[dict[str, Any]]:
    """Every Setting node's properties (for carrying them across a bulk import)."""
    return [row["props"] for row in runner.read(queries.settings.dump_settings)]


def restore_settings(runner: GraphRunner, rows: list[dict[str, Any]]) -> None:
    """Put back Setting nodes dumped by dump_settings."""
    if rows:
        ensure_settings_schema(runner)
        runner.write(queries.settings.restore_settings, rows=rows)
