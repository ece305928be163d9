"""Docs parity: every named query and every CLI command is documented."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import typer.main

from app.cli import app


def _load_generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_query_docs", "scripts/gen_query_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_queries_doc_is_current() -> None:
    expected = _load_generator().render()
    assert Path("docs/queries.md").read_text() == expected, "run: python scripts/gen_query_docs.py"


def _commands(group: typer.Typer, prefix: str = "") -> list[str]:
    click_group = typer.main.get_command(group)
    names: list[str] = []
    for name, command in click_group.commands.items():  # type: ignore[attr-defined]
        full = f"{prefix}{name}"
        if hasattr(command, "commands"):
            names += [f"{full} {sub}" for sub in command.commands]
        else:
            names.append(full)
    return names


def test_every_cli_command_is_in_the_readme_with_help() -> None:
    readme = Path("README.md").read_text()
    commands = _commands(app)
    assert "ingest" in commands and "neo4j start" in commands
    for command in commands:
        assert f"`ringscope {command}" in readme, f"README lacks `ringscope {command}`"
    click_group = typer.main.get_command(app)
    for name, command in click_group.commands.items():  # type: ignore[attr-defined]
        assert command.help, f"ringscope {name} has no --help text"
