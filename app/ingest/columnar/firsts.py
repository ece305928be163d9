"""Each prompt key's first prompt, in input order, clustered while the input is still parsed.

The clusterer must see the first prompt of every prompt key, in input order (common.py). The
DuckDB engine used to store each chunk's first rows of its keys in a table (2.5 GB of prompt
text at scale 1.0), find every key's first row once the parse was done, and only then cluster,
on one core, while the parse's two cores sat idle: 150-170 s of the 1.0 aggregate's ~385.

Now the parse hands each chunk's first rows to `FirstPrompts.take` in input order (chunks are
collected in the order they were read). A key is new unless an earlier chunk had it, and its
first prompt goes straight to `ClusterStream`, whose thread runs `cluster_prompts` beside the
parse. Keys are remembered as their 16 MD5 bytes in an open-addressing table (16 bytes a key,
at most half full: 8.2M keys at scale 1.0 in 256 MB), not as 8.2M Python strings (~900 MB).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit

from app.ingest.clustering import PromptClusterer
from app.ingest.columnar.common import cluster_prompts

# A prompt key: an MD5 as 32 hex characters (parse.sql, the compiled pass, the slow path).
_KEY_HEX = 32
FIRSTS_SCHEMA = pa.schema(
    [("prompt_key", pa.large_string()), ("ord", pa.int64()), ("prompt", pa.large_string())]
)


@njit(cache=True, inline="always")
def _nibble(c: np.uint8) -> np.uint64:
    """The value of hex digit `c` (either case); 16 if it is none."""
    if 48 <= c <= 57:  # "0"-"9"
        return np.uint64(c - 48)
    low = c | 32
    if 97 <= low <= 102:  # "a"-"f"
        return np.uint64(low - 87)
    return np.uint64(16)


@njit(cache=True, inline="always")
def _slot(hi: np.uint64, lo: np.uint64, mask: np.uint64) -> np.uint64:
    # MD5 bits are uniform already; a multiply spreads the two halves over the table.
    return ((hi ^ lo) * np.uint64(0x9E3779B97F4A7C15)) & mask


@njit(cache=True, nogil=True)
def _decode(data: np.ndarray, offsets: np.ndarray, out: np.ndarray) -> int:
    """Each key (hex string data[offsets[i]:offsets[i] + 32]) as two 64-bit halves in out[i];
    the index of the first key that is not hex, or -1."""
    for i in range(offsets.shape[0] - 1):
        start = offsets[i]
        hi = np.uint64(0)
        lo = np.uint64(0)
        for p in range(32):
            digit = _nibble(data[start + p])
            if digit == 16:
                return i
            if p < 16:
                hi = (hi << np.uint64(4)) | digit
            else:
                lo = (lo << np.uint64(4)) | digit
        out[i, 0] = hi
        out[i, 1] = lo
    return -1


@njit(cache=True, nogil=True)
def _mark_new(keys: np.ndarray, table: np.ndarray, state: np.ndarray, new: np.ndarray) -> None:
    """Mark the keys (rows of two 64-bit halves) not in `table`, and add them.

    table[s] = (hi, lo), (0, 0) empty; state = [keys held, whether the all-zero key is held]."""
    mask = np.uint64(table.shape[0] - 1)
    for i in range(keys.shape[0]):
        hi, lo = keys[i, 0], keys[i, 1]
        if hi == 0 and lo == 0:
            new[i] = state[1] == 0
            state[1] = 1
            continue
        s = _slot(hi, lo, mask)
        while True:
            if table[s, 0] == 0 and table[s, 1] == 0:
                table[s, 0] = hi
                table[s, 1] = lo
                state[0] += 1
                new[i] = True
                break
            if table[s, 0] == hi and table[s, 1] == lo:
                new[i] = False
                break
            s = (s + np.uint64(1)) & mask


@njit(cache=True, nogil=True)
def _rehash(old: np.ndarray, table: np.ndarray) -> None:
    mask = np.uint64(table.shape[0] - 1)
    for r in range(old.shape[0]):
        hi, lo = old[r, 0], old[r, 1]
        if hi == 0 and lo == 0:
            continue
        s = _slot(hi, lo, mask)
        while table[s, 0] != 0 or table[s, 1] != 0:
            s = (s + np.uint64(1)) & mask
        table[s, 0] = hi
        table[s, 1] = lo


class FirstPrompts:
    """Remembers the prompt keys seen so far; `take` keeps a chunk's first rows of new keys."""

    def __init__(self, capacity: int = 1 << 12) -> None:
        self._table = np.zeros((max(16, capacity), 2), dtype=np.uint64)
        self._state = np.zeros(2, dtype=np.int64)

    def __len__(self) -> int:
        return int(self._state[0] + self._state[1])

    def take(self, parts: list[pa.Table]) -> tuple[list[str], list[str]]:
        """(keys, prompts) of the rows of `parts` (one chunk's first rows of its keys, from any
        number of passes; columns prompt_key, ord, prompt) whose key no earlier row had, in
        input (`ord`) order.

        Raises:
            ValueError: A prompt key is not 32 hex characters.
        """
        found = [p.cast(FIRSTS_SCHEMA) for p in parts if p.num_rows]
        if not found:
            return [], []
        rows = pa.concat_tables(found).sort_by("ord").combine_chunks()
        keys = rows.column("prompt_key").chunk(0)
        right_length = pc.fill_null(pc.equal(pc.binary_length(keys), _KEY_HEX), False)
        if not pc.all(right_length).as_py():
            _refuse(rows, pc.index(right_length, False).as_py())
        offsets = np.frombuffer(keys.buffers()[1], dtype=np.int64)[keys.offset :][: len(keys) + 1]
        data = np.frombuffer(keys.buffers()[2], dtype=np.uint8)
        decoded = np.empty((len(keys), 2), dtype=np.uint64)
        bad = _decode(data, offsets, decoded)
        if bad >= 0:
            _refuse(rows, bad)
        self._reserve(len(keys))
        new = np.zeros(len(keys), dtype=np.bool_)
        _mark_new(decoded, self._table, self._state, new)
        kept = rows.filter(pa.array(new))
        return kept.column("prompt_key").to_pylist(), kept.column("prompt").to_pylist()

    def _reserve(self, more: int) -> None:
        # At most half full after `more` insertions: linear probes stay short.
        size = self._table.shape[0]
        while 2 * (int(self._state[0]) + more) > size:
            size *= 2
        if size != self._table.shape[0]:
            table = np.zeros((size, 2), dtype=np.uint64)
            _rehash(self._table, table)
            self._table = table


def _refuse(rows: pa.Table, index: int) -> NoReturn:
    key = rows.column("prompt_key")[index].as_py()
    ord_ = rows.column("ord")[index].as_py()
    raise ValueError(f"prompt key {key!r} (ord {ord_}) is not an MD5 as 32 hex characters")


class ClusterStream:
    """`cluster_prompts` in a thread, on first prompts handed over (in input order) by `put`.

    The (prompt_key, cluster_id) pairs go to `map_path` as TSV. `put` blocks while `depth`
    hand-overs wait (the parse then waits for the clusterer, memory stays bounded) and raises
    the thread's error if it failed; `close` waits for the rest and returns the pairs written.
    """

    def __init__(
        self,
        clusterer: PromptClusterer,
        pool: Pool | None,
        map_path: Path,
        on_progress: Callable[[int], None] | None = None,
        depth: int = 4,
    ) -> None:
        self._clusterer = clusterer
        self._pool = pool
        self._map_path = map_path
        self._progress = on_progress
        self._queue: queue.Queue[tuple[list[str], list[str]] | None] = queue.Queue(depth)
        self._error: BaseException | None = None
        self._stopped = threading.Event()
        self.count = 0
        self._thread = threading.Thread(target=self._run, name="ringscope-cluster", daemon=True)
        self._thread.start()

    def _firsts(self) -> Iterator[tuple[str, str]]:
        while not self._stopped.is_set():
            item = self._queue.get()
            if item is None:
                return
            yield from zip(*item, strict=True)

    def _run(self) -> None:
        try:
            with self._map_path.open("w", encoding="ascii") as handle:
                for key, cluster_id in cluster_prompts(
                    self._firsts(), self._clusterer, 1, self._progress, pool=self._pool
                ):
                    handle.write(f"{key}\t{cluster_id}\n")
                    self.count += 1
        except BaseException as exc:  # re-raised by put / close in the caller's thread
            self._error = exc

    def _hand_over(self, item: tuple[list[str], list[str]] | None) -> None:
        while True:
            if self._error is not None:
                raise self._error
            if not self._thread.is_alive():
                return  # finished (a None went in before): nothing more to hand over
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def put(self, keys: list[str], prompts: list[str]) -> None:
        if keys:
            self._hand_over((keys, prompts))

    def close(self) -> int:
        """Wait until every prompt handed over is clustered; returns the pairs written."""
        self._hand_over(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.count

    def abort(self) -> None:
        """Stop after the batches already under way (the parse failed)."""
        self._stopped.set()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        self._thread.join()


def slow_first(row: dict[str, Any] | None) -> tuple[str, int, str] | None:
    """(prompt_key, ord, prompt) of a slow-path typed row that has a prompt key (None: the
    line was quarantined)."""
    if row is None or row.get("prompt_key") is None:
        return None
    return row["prompt_key"], int(row["ord"]), row["prompt"]


def slow_firsts_table(rows: list[tuple[str, int, str]]) -> pa.Table:
    keys, ords, prompts = zip(*rows, strict=True) if rows else ((), (), ())
    return pa.table(
        {"prompt_key": list(keys), "ord": list(ords), "prompt": list(prompts)},
        schema=FIRSTS_SCHEMA,
    )
