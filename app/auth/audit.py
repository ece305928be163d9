"""The audit log: an append-only JSON Lines file with a SHA-256 hash chain.

Every entry carries `seq`, `prev` (the previous entry's hash) and `hash` = SHA-256 of the entry's
canonical JSON without `hash`. Editing, deleting or reordering a line breaks the chain from there
on, which `verify()` (and `ringscope users audit --verify`) reports. It lives in a file, not in
Neo4j, so `ringscope reset --yes` (and a database restore) never erases it, and appends are
serialised across processes (web app, CLI) with an exclusive flock.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
FIELDS = ("seq", "at", "actor", "role", "action", "target", "outcome", "ip", "details")


def _digest(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    """Result of verifying the hash chain."""

    entries: int
    ok: bool
    problem: str = ""


class AuditLog:
    """Append-only audit entries in `<dir>/audit.jsonl`."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "audit.jsonl"

    def record(
        self,
        actor: str,
        action: str,
        target: str = "",
        *,
        role: str = "",
        outcome: str = "ok",
        ip: str = "",
        details: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Append one entry (actions: login.success, login.failure, ring.view, export, ...)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "r+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # one writer at a time: the chain stays linear
            try:
                last = _last_line(handle)
                prev = json.loads(last) if last else None
                entry: dict[str, Any] = {
                    "seq": (int(prev["seq"]) + 1) if prev else 1,
                    "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "actor": actor,
                    "role": role,
                    "action": action,
                    "target": target,
                    "outcome": outcome,
                    "ip": ip,
                    "details": details or {},
                    "prev": prev["hash"] if prev else GENESIS,
                }
                entry["hash"] = _digest(entry)
                line = json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n"
                handle.write(line.encode())
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return entry

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every entry, oldest first."""
        if not self.path.exists():
            return
        with self.path.open("rb") as handle:
            for raw in handle:
                if raw.strip():
                    yield json.loads(raw)

    def search(
        self,
        actor: str | None = None,
        action: str | None = None,
        target: str | None = None,
        limit: int = 200,
        before: int | None = None,
    ) -> list[dict[str, Any]]:
        """The newest entries matching (action is a prefix: "label" finds label.add/.remove)."""
        found: list[dict[str, Any]] = []
        for entry in self.entries():
            if before is not None and entry["seq"] >= before:
                continue
            if actor and entry["actor"] != actor:
                continue
            if action and not str(entry["action"]).startswith(action):
                continue
            if target and target not in str(entry["target"]):
                continue
            found.append(entry)
        return list(reversed(found))[:limit]

    def verify(self) -> ChainCheck:
        """Walk the chain: every hash recomputes and links to the previous entry."""
        prev, count = GENESIS, 0
        for count, entry in enumerate(self.entries(), 1):
            if entry.get("prev") != prev:
                return ChainCheck(count, False, f"entry seq={entry.get('seq')} does not link")
            if entry.get("seq") != count:
                return ChainCheck(count, False, f"entry {count} has seq={entry.get('seq')}")
            if _digest(entry) != entry.get("hash"):
                return ChainCheck(count, False, f"entry seq={entry.get('seq')} was altered")
            prev = entry["hash"]
        return ChainCheck(count, True)


def _last_line(handle: Any) -> bytes:
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    chunk = 4096
    data = b""
    while size > 0:
        step = min(chunk, size)
        size -= step
        handle.seek(size)
        data = handle.read(step) + data
        lines = data.rstrip(b"\n").split(b"\n")
        if len(lines) > 1 or size == 0:
            return lines[-1] if lines[-1].strip() else b""
        chunk *= 2
    return b""


def to_jsonl(entries: list[dict[str, Any]]) -> bytes:
    return b"".join(
        (json.dumps(e, sort_keys=True, ensure_ascii=False) + "\n").encode() for e in entries
    )


def to_csv(entries: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*FIELDS, "prev", "hash"])
    for e in entries:
        row = [e.get(f, "") for f in FIELDS]
        row[-1] = json.dumps(e.get("details", {}), sort_keys=True, ensure_ascii=False)
        writer.writerow([*row, e.get("prev", ""), e.get("hash", "")])
    return out.getvalue().encode()
