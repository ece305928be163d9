"""The launcher is rebuilt when its source changed since the build."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.graph import local_server


def _touch(path: Path, mtime: float) -> None:
    path.write_text("x")
    os.utime(path, (mtime, mtime))


@pytest.fixture
def launcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    built, source = tmp_path / "Neo4jLocal.class", tmp_path / "Neo4jLocal.java"
    monkeypatch.setattr(local_server, "LAUNCHER_CLASS", built)
    monkeypatch.setattr(local_server, "LAUNCHER_SOURCE", source)
    return built, source


def test_a_build_newer_than_its_source_is_current(launcher: tuple[Path, Path]) -> None:
    built, source = launcher
    _touch(source, 1_000.0)
    _touch(built, 2_000.0)
    assert local_server._launcher_current()


def test_a_source_edited_after_the_build_needs_a_rebuild(launcher: tuple[Path, Path]) -> None:
    built, source = launcher
    _touch(built, 1_000.0)
    _touch(source, 2_000.0)
    assert not local_server._launcher_current()


def test_no_build_needs_a_build(launcher: tuple[Path, Path]) -> None:
    _, source = launcher
    _touch(source, 1_000.0)
    assert not local_server._launcher_current()
