"""A lock held in Neo4j so that only one detection run happens at a time, on any machine.

The lock is a `(:JobLock {name})` node with a holder and an expiry. While a run goes on, a
heartbeat thread extends the expiry every ttl/3 seconds; if the worker dies, nothing extends it
and another worker may take it once it has expired.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from app.graph import jobs_repo
from app.graph.runner import GraphRunner

log = logging.getLogger("ringscope.jobs")

DETECTION_LOCK = "detection"


class RunLocked(RuntimeError):
    """Another worker holds the run lock: this run did not start."""

    def __init__(self, name: str, holder: str) -> None:
        super().__init__(f"lock {name!r} is held by {holder}: another detection run is going on")
        self.name = name
        self.holder = holder


def new_holder() -> str:
    """host:pid:random, unique per lock attempt."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class HeldLock:
    """A lock this process holds; `lost` turns True if a heartbeat found it taken over."""

    name: str
    holder: str
    ttl_seconds: int
    run_id: str | None = None
    lost: bool = False
    _stop: threading.Event = field(default_factory=threading.Event)


@contextmanager
def job_lock(
    runner: GraphRunner,
    name: str = DETECTION_LOCK,
    ttl_seconds: int = 600,
    holder: str | None = None,
) -> Iterator[HeldLock]:
    """Hold the named lock for the duration of the block, renewing it in the background.

    Args:
        runner: the database seam.
        name: which lock.
        ttl_seconds: expiry without a heartbeat (a crashed worker's lock frees itself after it).
        holder: who holds it (default: host:pid:random).

    Yields:
        The held lock (set `run_id` on it to show which run it guards).

    Raises:
        RunLocked: another holder has it and it has not expired.
    """
    jobs_repo.ensure_jobs_schema(runner)
    holder = holder or new_holder()
    acquired, current = jobs_repo.acquire_lock(runner, name, holder, ttl_seconds)
    if not acquired:
        raise RunLocked(name, current)
    held = HeldLock(name, holder, ttl_seconds)
    interval = max(ttl_seconds / 3.0, 0.2)

    def heartbeat() -> None:
        while not held._stop.wait(interval):
            try:
                if not jobs_repo.renew_lock(runner, name, holder, ttl_seconds, held.run_id):
                    held.lost = True
                    log.error("lock %r was taken over while run %s was going", name, held.run_id)
                    return
            except Exception as exc:  # keep trying: the run itself will notice a dead database
                log.warning("could not renew lock %r: %s", name, exc)

    thread = threading.Thread(target=heartbeat, name=f"lock-{name}", daemon=True)
    thread.start()
    try:
        yield held
    finally:
        held._stop.set()
        thread.join(timeout=5)
        try:
            jobs_repo.release_lock(runner, name, holder)
        except Exception as exc:
            log.warning("could not release lock %r (it expires by itself): %s", name, exc)
