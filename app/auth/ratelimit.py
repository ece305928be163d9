"""In-memory login rate limit: N failures per username or per client IP within a window.

In memory is enough for the single-process server (`ringscope serve`); with several processes
each keeps its own counts (docs/security.md). Successful logins clear the username's failures.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class LoginRateLimiter:
    """Sliding window of failure times per key ("user:<name>", "ip:<addr>")."""

    def __init__(self, max_failures: int = 5, window_seconds: float = 300.0) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _prune(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, *keys: str) -> int:
        """Seconds until a login for these keys may be tried again (0: allowed now)."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._prune(key, now)
                if len(times) >= self.max_failures:
                    wait = max(wait, self.window - (now - times[-self.max_failures]))
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)
                while len(self._failures[key]) > self.max_failures * 4:
                    self._failures[key].popleft()

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
