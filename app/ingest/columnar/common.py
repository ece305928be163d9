"""What both columnar engines share: the slow path, prompt clustering, output folder, manifest.

The engines differ only in how raw lines become the relation the shared SQL reads and how the
SQL is executed; everything order- or Python-dependent happens here, once per distinct value:

- Slow path: lines the SQL fast path could not certify go through `app.ingest.events.parse_line`
  (the exact validator of `ringscope ingest`): a valid line becomes a typed row, a bad one a
  quarantine record with the reason naming the field.
- Prompt clustering: prompts are grouped by a key that provably cannot change the skeleton
  (`prompt_key`: md5 of the prompt with every digit 1-9 replaced by 0; every rule of
  `normalise` treats all ASCII digits alike and keeps lengths). The first prompt of each key, in
  input order, goes through `PromptClusterer.assign_batch` in that order, with skeletons
  computed in worker processes; every other prompt of a key would have hit the clusterer's exact
  fast path. The result equals `assign` called on every prompt in order.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing as mp
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

import psutil

from app.ingest.aggregate import hash_email, salt_fingerprint
from app.ingest.clustering import (
    ClusterRecord,
    PromptClusterer,
    looks_like_extraction,
    skeleton_hash,
)
from app.ingest.events import (
    AccountEvent,
    Event,
    InvalidEvent,
    IpInfoEvent,
    LabelEvent,
    PaymentEvent,
    RequestEvent,
    parse_line,
)
from app.ingest.pipeline import MAX_LINE_BYTES
from app.ingest.skeleton_kernel import normalise_many

FORMAT = "ringscope-aggregate/1"
ORD_FILE_SHIFT = 1 << 40  # ord = file_idx * 2**40 + line_no: input order as one integer
_ZERO_DIGITS = str.maketrans("123456789", "000000000")

# Columns of the typed `events` relation (what parse.sql selects after line / fast_ok) and
# their SQL types, shared by the slow-path loader of both engines.
EVENT_COLUMNS: dict[str, str] = {
    "file_idx": "INTEGER",
    "line_no": "BIGINT",
    "ord": "BIGINT",
    "kind": "VARCHAR",
    "account_id": "VARCHAR",
    "ts_us": "BIGINT",
    "ip": "VARCHAR",
    "device_id": "VARCHAR",
    "user_agent": "VARCHAR",
    "prompt": "VARCHAR",
    "prompt_key": "VARCHAR",
    "input_tokens": "BIGINT",
    "output_tokens": "BIGINT",
    "payment_id": "VARCHAR",
    "method": "VARCHAR",
    "bin": "VARCHAR",
    "issuer_country": "VARCHAR",
    "asn": "BIGINT",
    "as_org": "VARCHAR",
    "ip_kind": "VARCHAR",
    "operator": "VARCHAR",
    "source": "VARCHAR",
    "confidence": "DOUBLE",
    "created_us": "BIGINT",
    "email_domain": "VARCHAR",
    "email_hash": "VARCHAR",
    "country": "VARCHAR",
    "org": "VARCHAR",
}


def prompt_key(prompt: str) -> str:
    """The grouping key parse.sql computes: md5 hex of the prompt with digits 1-9 made 0."""
    return hashlib.md5(prompt.translate(_ZERO_DIGITS).encode("utf-8")).hexdigest()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _us(when: datetime) -> int:
    # Exact microseconds; BatchAggregator's float timestamp rounds back to the same value.
    return (when - _EPOCH) // timedelta(microseconds=1)


def typed_row(event: Event, file_idx: int, line_no: int, salt: str) -> dict[str, Any]:
    """The `events` row for one event validated in Python (the slow path)."""
    row: dict[str, Any] = dict.fromkeys(EVENT_COLUMNS)
    row.update(file_idx=file_idx, line_no=line_no, ord=file_idx * ORD_FILE_SHIFT + line_no)
    if isinstance(event, RequestEvent):
        row.update(
            kind="request",
            account_id=event.account_id,
            ts_us=_us(event.ts),
            ip=event.ip,
            device_id=event.device_id,
            user_agent=event.user_agent,
            prompt=event.prompt,
            prompt_key=prompt_key(event.prompt) if event.prompt else None,
            input_tokens=event.input_tokens,
            output_tokens=event.output_tokens,
        )
    elif isinstance(event, AccountEvent):
        domain, local_hash = hash_email(event.email, salt) if event.email else (None, None)
        row.update(
            kind="account",
            account_id=event.account_id,
            created_us=_us(event.created_at) if event.created_at else None,
            email_domain=domain,
            email_hash=local_hash,
            country=event.country,
            org=event.org,
        )
    elif isinstance(event, PaymentEvent):
        row.update(
            kind="payment",
            account_id=event.account_id,
            ts_us=_us(event.ts),
            payment_id=event.payment_id,
            method=event.method,
            bin=event.bin,
            issuer_country=event.issuer_country,
        )
    elif isinstance(event, IpInfoEvent):
        row.update(kind="ip_info", ip=event.ip, asn=event.asn, as_org=event.as_org)
        row["ip_kind"] = event.kind
    elif isinstance(event, LabelEvent):
        row.update(
            kind="label",
            account_id=event.account_id,
            operator=event.operator,
            source=event.source,
            confidence=event.confidence,
        )
    return row


class SlowPath:
    """Validates the lines the SQL fast path left over; collects typed rows and quarantine.

    Typed rows are appended to a JSONL file that the engine then loads into `events` (both
    engines read it with an explicit schema, so values arrive unchanged).
    """

    def __init__(
        self, out_dir: Path, files: list[Path], salt: str, work_dir: Path | None = None
    ) -> None:
        self.files = files
        self.salt = salt
        self.rows_path = (work_dir or out_dir) / "slow_events.jsonl"
        self.quarantine_path = out_dir / "quarantine.jsonl"
        self._rows = self.rows_path.open("w", encoding="utf-8")
        # Records are written at close(), sorted by (file, line): both engines then produce the
        # same file whatever order they found the bad lines in.
        self._records: list[tuple[int, int, str]] = []
        self.accepted = 0
        self.quarantined = 0
        self.file_errors: list[str] = []
        self.by_type: Counter[str] = Counter()

    def line(self, file_idx: int, line_no: int, raw: bytes) -> dict[str, Any] | None:
        """Validate one line: its typed row (also written for loading), or None if quarantined."""
        try:
            if len(raw) + 1 > MAX_LINE_BYTES:
                raise InvalidEvent(f"line longer than {MAX_LINE_BYTES} bytes")
            event = parse_line(raw)
        except InvalidEvent as exc:
            self._quarantine_record(file_idx, line_no, exc.reason, raw)
            return None
        row = typed_row(event, file_idx, line_no, self.salt)
        self._rows.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.accepted += 1
        self.by_type[row["kind"]] += 1
        return row

    def file_error(self, file_idx: int, after_line: int, exc: BaseException) -> None:
        """A compressed file cut short or corrupt: say after which line it became unreadable."""
        reason = f"file unreadable after line {after_line}: {exc}"
        self.file_errors.append(f"{self.files[file_idx]}: {reason}")
        record = {"file": str(self.files[file_idx]), "line": after_line + 1, "reason": reason}
        text = json.dumps({**record, "raw": ""}, ensure_ascii=False)
        self._records.append((file_idx, after_line + 1, text))

    def _quarantine_record(self, file_idx: int, line_no: int, reason: str, raw: bytes) -> None:
        text = raw.rstrip(b"\r\n").decode("utf-8", errors="backslashreplace")
        record = {"file": str(self.files[file_idx]), "line": line_no, "reason": reason, "raw": text}
        self._records.append((file_idx, line_no, json.dumps(record, ensure_ascii=False)))
        self.quarantined += 1

    def close(self) -> None:
        self._rows.close()
        self.quarantine_path.unlink(missing_ok=True)
        if self._records:
            self._records.sort()
            with self.quarantine_path.open("w", encoding="utf-8") as handle:
                for _file, _line, text in self._records:
                    handle.write(text + "\n")
            self._records = []


# ------------------------------------------------------------------------ prompt clusters


def _normalise_batch(prompts: list[str]) -> tuple[list[str], list[int], list[bool]]:
    # Everything that depends on the prompt alone, so the sequential assignment only looks up.
    skeletons = normalise_many(prompts)
    return (
        skeletons,
        [skeleton_hash(s) for s in skeletons],
        [looks_like_extraction(p) for p in prompts],
    )


def cluster_prompts(
    firsts: Iterable[tuple[str, str]],
    clusterer: PromptClusterer,
    workers: int,
    on_progress: Callable[[int], None] | None = None,
    batch: int = 4000,
    pool: Pool | None = None,
    max_ahead: int = 64,
) -> Iterator[tuple[str, str]]:
    """(prompt_key, cluster_id) for each (prompt_key, first prompt), fed in input order.

    Skeletons (and their hashes) are computed by `workers` processes (ordered), or by `pool`
    if given (see `worker_pool`); each batch is then assigned in this process by
    `PromptClusterer.assign_batch`, which gives the results of `assign` called on every prompt
    in order. At most `max_ahead` batches are read ahead of the assignment: the pool takes
    every batch `firsts` yields at once, and the assignment is the slower side.
    """
    progress = on_progress or (lambda _n: None)

    def batches() -> Iterator[tuple[list[str], list[str]]]:
        keys: list[str] = []
        prompts: list[str] = []
        for key, prompt in firsts:
            keys.append(key)
            prompts.append(prompt)
            if len(keys) >= batch:
                yield keys, prompts
                keys, prompts = [], []
        if keys:
            yield keys, prompts

    if pool is None and workers <= 1:
        for keys, prompts in batches():
            skeletons = normalise_many(prompts)
            yield from zip(keys, clusterer.assign_batch(prompts, skeletons), strict=True)
            progress(len(keys))
        return
    pending: deque[tuple[list[str], list[str]]] = deque()
    ahead = threading.BoundedSemaphore(max(1, max_ahead))
    done = threading.Event()

    def prompt_batches() -> Iterator[list[str]]:
        # Runs in the pool's task thread; waits while max_ahead batches are not yet assigned
        # (and gives up once the assignment stopped, or the pool could never shut down).
        for keys, prompts in batches():
            while not ahead.acquire(timeout=0.2):
                if done.is_set():
                    return
            pending.append((keys, prompts))
            yield prompts

    with contextlib.ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(worker_pool(workers))
        stack.callback(done.set)  # runs first on exit: before a pool made here shuts down
        for skeletons, hashes, flags in pool.imap(_normalise_batch, prompt_batches(), chunksize=1):
            keys, prompts = pending.popleft()
            ids = clusterer.assign_batch(prompts, skeletons, hashes, flags)
            ahead.release()
            yield from zip(keys, ids, strict=True)
            progress(len(keys))


# Niceness added to the prompt workers (see worker_pool).
WORKER_NICENESS = 10


def _lower_priority() -> None:
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)


def worker_pool(workers: int) -> Pool:
    """Forked processes for `cluster_prompts`. Fork it while this process is still small: a
    fork taken after DuckDB has filled its buffer pool maps those gigabytes into every worker,
    and process-tree RSS sampling counts them once per worker.

    The workers run at a lower priority. The in-order assignment in this process is the
    critical path and can use one core at most; at equal priority the two workers and it
    shared two cores three ways, and it lost part of its core while they ran ahead (all first
    prompts of scale 1.0: 241.5 s instead of 205.1, see docs/scaling.md).
    """
    return mp.get_context("fork").Pool(max(1, workers), initializer=_lower_priority)


def cluster_rows(records: list[ClusterRecord]) -> list[dict[str, Any]]:
    """PromptCluster records as rows of prompt_clusters.parquet (signature as LE uint32 hex)."""
    import numpy as np

    return [
        {
            "cluster_id": r.cluster_id,
            "signature": np.asarray(r.signature, dtype="<u4").tobytes().hex(),
            "skeleton_hashes": list(r.skeleton_hashes),
            "sample": r.sample,
            "extraction": bool(r.extraction),
        }
        for r in records
    ]


# ----------------------------------------------------------------------------- reporting


class PeakRss:
    """Samples the RSS of this process and its children (Spark's JVM, pool workers)."""

    def __init__(self, interval: float = 0.25) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def _sample(self) -> None:
        me = psutil.Process(os.getpid())
        total = me.memory_info().rss
        for child in me.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        self.peak = max(self.peak, total)

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self._sample()

    def __enter__(self) -> PeakRss:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


@dataclass
class AggregateReport:
    """What one `aggregate` did; read = aggregated + quarantined, exactly."""

    engine: str
    files: list[dict[str, Any]] = field(default_factory=list)
    read: int = 0
    aggregated: int = 0
    quarantined: int = 0
    blank_lines: int = 0
    slow_path_lines: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    rows: dict[str, int] = field(default_factory=dict)
    clusters_loaded: int = 0
    clusters_written: int = 0
    distinct_prompt_keys: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    peak_rss_bytes: int = 0
    file_errors: list[str] = field(default_factory=list)
    quarantine_path: Path | None = None

    @property
    def events_per_second(self) -> float:
        total = self.seconds.get("total", 0.0)
        return self.read / total if total else 0.0

    def reconciles(self) -> bool:
        return self.read == self.aggregated + self.quarantined

    def manifest(self, salt: str, scheme: str) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "engine": self.engine,
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "inputs": self.files,
            "counts": {
                "read": self.read,
                "aggregated": self.aggregated,
                "quarantined": self.quarantined,
                "blank_lines": self.blank_lines,
                "slow_path_lines": self.slow_path_lines,
                "by_type": dict(sorted(self.by_type.items())),
            },
            "rows": self.rows,
            "salt_fingerprint": salt_fingerprint(salt),
            "signature_scheme": scheme,
            "clusters": {
                "loaded": self.clusters_loaded,
                "created_or_changed": self.clusters_written,
                "distinct_prompt_keys": self.distinct_prompt_keys,
            },
            "file_errors": self.file_errors,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "peak_rss_bytes": self.peak_rss_bytes,
        }


class Timer:
    """Accumulates named phase durations into a report."""

    def __init__(self, report: AggregateReport) -> None:
        self.report = report

    def phase(self, name: str) -> _Phase:
        return _Phase(self.report.seconds, name)


class _Phase:
    def __init__(self, into: dict[str, float], name: str) -> None:
        self.into, self.name = into, name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.into[self.name] = self.into.get(self.name, 0.0) + time.perf_counter() - self.start
