"""Throw-away Neo4j servers for tests that stop, kill or replace the store of their server.

The session test server (tests/conftest.py) must never be stopped or have its store replaced
under the other tests: the driver's connections and bookmarks point at it.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from app.config import Settings, get_settings
from app.graph import local_server


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def dedicated_server_settings(name: str, port_offset: int) -> Iterator[Settings]:
    """Settings of a managed Neo4j in <test var dir>/<name> on the test port + port_offset (or
    any free port), so CI (7688 → 7698, 7708) and helpers with their own ports never collide.
    The e-mail salt is the session's, so aggregates made with the session settings load here.
    The server is stopped afterwards; starting it is the caller's business."""
    base = get_settings()
    var_dir = base.var_dir / name
    local_server.stop(Settings(var_dir=var_dir, neo4j_uri=""))  # left by an interrupted run
    shutil.rmtree(var_dir, ignore_errors=True)
    port = base.neo4j_port + port_offset
    if not port_free(port):
        port = free_port()
    settings = Settings(
        var_dir=var_dir,
        neo4j_uri="",
        neo4j_port=port,
        neo4j_heap="1g",
        neo4j_pagecache="256m",
        email_salt=base.salt(),
    )
    try:
        yield settings
    finally:
        local_server.stop(settings)
