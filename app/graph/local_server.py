"""The project-managed Neo4j: Neo4j 5.26 Community embedded, Bolt on, launched from neo4j-local/."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import neo4j
from neo4j import GraphDatabase

from app.config import PROJECT_ROOT, Settings

LAUNCHER_DIR = PROJECT_ROOT / "neo4j-local"
LAUNCHER_CLASS = LAUNCHER_DIR / "target" / "classes" / "ringscope" / "Neo4jLocal.class"
LAUNCHER_SOURCE = LAUNCHER_DIR / "src" / "main" / "java" / "ringscope" / "Neo4jLocal.java"


class LocalServerError(RuntimeError):
    """The local server could not be built, started or stopped; the message says why."""


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    uri: str
    answering: bool
    home: Path


def _pid_file(settings: Settings) -> Path:
    return settings.neo4j_home / "neo4j.pid"


def log_file(settings: Settings) -> Path:
    return settings.neo4j_home / "launcher.log"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie left by a parent that has not reaped it is not a running server.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except (OSError, IndexError):
        return True
    return state != "Z"


def _read_pid(settings: Settings) -> int | None:
    try:
        pid = int(_pid_file(settings).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _require(tool: str, why: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise LocalServerError(f"{tool} not found on PATH: {why}")
    return found


def build(force: bool = False) -> None:
    """Build the launcher with Maven (fetches Neo4j 5.26 from Maven Central the first time), and
    again when its source is newer than the build (a pull that changed the launcher)."""
    if not force and _launcher_current():
        return
    mvn = _require("mvn", "Maven 3 is needed once to fetch Neo4j and build neo4j-local/")
    result = subprocess.run(
        [mvn, "-q", "-B", "-f", str(LAUNCHER_DIR / "pom.xml"), "package", "-DskipTests"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).splitlines()[-25:])
        raise LocalServerError(f"Maven build of neo4j-local/ failed:\n{output}")


def _launcher_current() -> bool:
    if not LAUNCHER_CLASS.exists():
        return False
    return LAUNCHER_CLASS.stat().st_mtime >= LAUNCHER_SOURCE.stat().st_mtime


def _port_taken(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _answers(settings: Settings) -> bool:
    try:
        with GraphDatabase.driver(
            settings.bolt_uri(), auth=(settings.neo4j_user, settings.password())
        ) as driver:
            driver.verify_connectivity()
        return True
    except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError):
        return False


def status(settings: Settings) -> ServerStatus:
    """Whether the local server runs and answers Bolt."""
    pid = _read_pid(settings)
    answering = pid is not None and _answers(settings)
    return ServerStatus(pid is not None, pid, settings.bolt_uri(), answering, settings.neo4j_home)


def start(settings: Settings, timeout: float = 180.0) -> ServerStatus:
    """Start the local server unless it runs; wait until Bolt answers."""
    if not settings.managed_neo4j:
        raise LocalServerError(
            f"RINGSCOPE_NEO4J_URI is set ({settings.neo4j_uri}): that server is used, none is started"
        )
    current = status(settings)
    if current.running:
        if current.answering:
            return current
        raise LocalServerError(
            f"a local Neo4j (pid {current.pid}) runs but does not answer at {current.uri}; "
            f"see {log_file(settings)}"
        )
    java = _require("java", "install a Java 17 runtime (e.g. Debian's openjdk-17-jre-headless)")
    if _port_taken(settings.neo4j_host, settings.neo4j_port):
        raise LocalServerError(
            f"port {settings.neo4j_port} on {settings.neo4j_host} is taken by another program; "
            "stop it or set RINGSCOPE_NEO4J_PORT"
        )
    build()
    settings.neo4j_home.mkdir(parents=True, exist_ok=True)
    classpath = f"{LAUNCHER_DIR / 'target' / 'classes'}:{LAUNCHER_DIR / 'target' / 'lib' / '*'}"
    env = {**os.environ, "NEO4J_LOCAL_PASSWORD": settings.password()}
    log = log_file(settings)
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                java,
                f"-Xmx{settings.neo4j_heap}",
                "-XX:+UseG1GC",
                "-cp",
                classpath,
                "ringscope.Neo4jLocal",
                str(settings.neo4j_home / "dbms"),
                settings.neo4j_host,
                str(settings.neo4j_port),
                settings.neo4j_pagecache,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    _pid_file(settings).write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _pid_file(settings).unlink(missing_ok=True)
            raise LocalServerError(
                f"Neo4j failed to start (exit {process.returncode}); last lines of {log}:\n{_tail(log)}"
            )
        if "neo4j-local: ready" in log.read_text(errors="replace") and _answers(settings):
            return status(settings)
        time.sleep(0.5)
    stop(settings)
    raise LocalServerError(
        f"Neo4j did not answer within {timeout:.0f}s; last lines of {log}:\n{_tail(log)}"
    )


def stop(settings: Settings, timeout: float = 60.0) -> bool:
    """Stop the local server; True if one was running."""
    pid = _read_pid(settings)
    if pid is None:
        _pid_file(settings).unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.3)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    _pid_file(settings).unlink(missing_ok=True)
    return True
