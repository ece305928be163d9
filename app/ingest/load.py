"""Load an aggregate folder (one Parquet file per row kind + manifest.json) into Neo4j, exactly once.

The folder is what the aggregation engine (docs/aggregation.md) or `app.ingest.reference_folder`
writes: every row kind aggregated over the whole input, column names = the keys the
`cypher/ingest/merge_*.cypher` queries read. This module only writes; it does not aggregate.

Exactly-once: each kind is cut into chunks of `chunk_rows` rows in a fixed order, and every chunk is
written in ONE transaction together with a `LoadedChunk` mark keyed by the folder's digest, kind and
chunk index (unique constraint). A crash loses only uncommitted chunks; a re-run reads the marks,
skips the committed chunks and writes the rest, so counts (which the merge queries add) are never
doubled. The first attempt's chunk size is stored on the `AggregateLoad` node and reused on resume.
A folder that was loaded completely is a no-op. At the end the input event files are recorded as
`IngestedFile`s with all their lines committed, so `ringscope ingest` of the same files adds nothing.

Speed: kinds are loaded one after the other in dependency order (nodes before the relationships that
MATCH them); within a node kind whose rows touch disjoint nodes, `writers` sessions write chunks in
parallel. Relationship kinds get one writer: parallel chunks deadlock on the shared end node's
relationship-group lock (a retry redoes the whole chunk). Rows are ordered by the shared node they
attach to (IP, device, cluster, domain), so each shared node's relationships are written together.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

import duckdb
import neo4j

from app.graph.queries import Query, queries
from app.graph.runner import GraphRunner, run_in_tx
from app.ingest.aggregate import salt_fingerprint

DEFAULT_CHUNK_ROWS = 10_000
DEFAULT_WRITERS = 2


@dataclass(frozen=True)
class KindSpec:
    """How one row kind is written: its query, the parameter name and the chunk order."""

    kind: str
    query: Query
    order: tuple[str, ...]
    param: str = "rows"
    # Whether chunks of this kind may be written concurrently: only when no two rows touch the same
    # node. Kinds that link to shared nodes (a domain, a card, an IP, a cluster) deadlock on the
    # shared node's relationship-group lock when written in parallel (measured: retries cost more
    # than the second writer gains), so they get one writer.
    parallel: bool = False


# Dependency order: a kind's query only MATCHes nodes that an earlier kind created.
KINDS: tuple[KindSpec, ...] = (
    KindSpec(
        "prompt_clusters", queries.ingest.merge_prompt_clusters, ("cluster_id",), parallel=True
    ),
    KindSpec("ips", queries.ingest.merge_ips, ("ip",), param="ips", parallel=True),
    KindSpec("accounts", queries.ingest.merge_accounts, ("email_domain", "account_id")),
    KindSpec(
        "request_accounts", queries.ingest.merge_request_accounts, ("account_id",), parallel=True
    ),
    KindSpec("ip_info", queries.ingest.merge_ip_info, ("ip",), parallel=True),
    KindSpec("payments", queries.ingest.merge_payments, ("payment_id", "account_id")),
    KindSpec("devices", queries.ingest.merge_devices, ("device_id",), parallel=True),
    KindSpec("ip_usage", queries.ingest.merge_ip_usage, ("ip", "account_id")),
    KindSpec("device_usage", queries.ingest.merge_device_usage, ("device_id", "account_id")),
    KindSpec("cluster_usage", queries.ingest.merge_cluster_usage, ("cluster_id", "account_id")),
    KindSpec(
        "cluster_requests", queries.ingest.add_cluster_requests, ("cluster_id",), parallel=True
    ),
    KindSpec("activity_days", queries.ingest.merge_activity_days, ("key",), parallel=True),
    KindSpec("labels", queries.ingest.merge_labels, ("operator", "account_id")),
)
KIND_NAMES = tuple(spec.kind for spec in KINDS)


class LoadError(RuntimeError):
    """The folder cannot be loaded (missing or malformed files); the message names the file."""


class LoadConflict(RuntimeError):
    """Another load or ingest wrote the same data meanwhile; nothing was counted twice."""


@dataclass
class KindFigures:
    """What the load did for one row kind."""

    rows: int = 0
    chunks_written: int = 0
    chunks_skipped: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class LoadReport:
    """What one `load_folder` did."""

    digest: str = ""
    already_loaded: bool = False
    resumed: bool = False
    chunk_rows: int = 0
    writers: int = 0
    rows_written: int = 0
    seconds: float = 0.0
    kinds: dict[str, KindFigures] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.rows_written / self.seconds if self.seconds else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "digest": self.digest,
            "already_loaded": self.already_loaded,
            "resumed": self.resumed,
            "chunk_rows": self.chunk_rows,
            "writers": self.writers,
            "rows_written": self.rows_written,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "kinds": {
                kind: {
                    "rows": f.rows,
                    "chunks_written": f.chunks_written,
                    "chunks_skipped": f.chunks_skipped,
                    "seconds": round(f.seconds, 3),
                    "rows_per_second": round(f.rows_per_second, 1),
                }
                for kind, f in self.kinds.items()
            },
        }


@dataclass(frozen=True)
class AggregateFolder:
    """A validated aggregate folder: its manifest, digest and one Parquet source per kind."""

    path: Path
    manifest: dict[str, Any]
    digest: str
    sources: dict[str, str]

    @property
    def inputs(self) -> list[dict[str, Any]]:
        """The input event files as IngestedFile rows: name, digest (sha256), lines."""
        return [
            {"name": str(i["name"]), "digest": _input_digest(i), "lines": int(i["lines"])}
            for i in self.manifest.get("inputs", [])
            if isinstance(i, dict) and _input_digest(i) and "lines" in i
        ]

    def check_salt(self, salt: str) -> None:
        """Refuse a folder aggregated with another e-mail salt (its e-mail hashes would differ)."""
        expected = self.manifest.get("salt_fingerprint")
        if expected is not None and expected != salt_fingerprint(salt):
            raise LoadError(
                f"{self.path / 'manifest.json'}: salt_fingerprint {expected} is not this "
                "database's e-mail salt; re-aggregate with RINGSCOPE_EMAIL_SALT of this database"
            )


def _input_digest(item: Any) -> str:
    if not isinstance(item, dict):
        return ""
    return str(item.get("sha256") or item.get("digest") or "")


def open_folder(path: Path) -> AggregateFolder:
    """Read and check an aggregate folder.

    Args:
        path: the folder with manifest.json and `<kind>.parquet` (or `<kind>/*.parquet`) files.

    Returns:
        The folder description.

    Raises:
        LoadError: no manifest, unreadable manifest, or a kind without data files.
    """
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        raise LoadError(f"{manifest_path}: no manifest.json (is {path} an aggregate folder?)")
    raw = manifest_path.read_bytes()
    try:
        manifest = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LoadError(f"{manifest_path}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
    if not isinstance(manifest, dict):
        raise LoadError(f"{manifest_path}: must be a JSON object")
    digest = manifest.get("digest")
    if not isinstance(digest, str) or not digest:
        # The folder's identity is its inputs, salt and row counts, not when it was written: two
        # aggregations of the same files (any engine) are the same load and resume each other.
        identity = {
            "inputs": sorted(_input_digest(i) for i in manifest.get("inputs", [])),
            "salt": manifest.get("salt_fingerprint"),
            "rows": manifest.get("rows"),
        }
        digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    sources: dict[str, str] = {}
    for kind in KIND_NAMES:
        single = path / f"{kind}.parquet"
        parts = path / kind
        if single.is_file():
            sources[kind] = str(single)
        elif parts.is_dir() and any(parts.rglob("*.parquet")):
            sources[kind] = str(parts / "**" / "*.parquet")
        else:
            raise LoadError(f"{path}: no {kind}.parquet (or {kind}/*.parquet) for row kind {kind}")
    return AggregateFolder(path, manifest, digest, sources)


class _Reader:
    """Rows of one kind in chunk order, as the dicts the merge queries take."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, spec: KindSpec) -> None:
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [source]).fetchall()
        types = {str(name): str(sql) for name, sql, *_ in described}
        missing = [c for c in spec.order if c not in types]
        if missing:
            raise LoadError(f"{source}: column {missing[0]!r} missing for row kind {spec.kind}")
        self.columns = list(types)
        # Timestamps come back as naive UTC and get a plain UTC tzinfo here: the driver would store
        # a pytz zone as a zone-id DateTime, unlike the offset DateTime the Python ingest writes.
        self.timestamps = [
            i for i, c in enumerate(self.columns) if types[c].startswith("TIMESTAMP")
        ]
        select = ", ".join(
            f'CAST("{c}" AS TIMESTAMP) AS "{c}"' if types[c].startswith("TIMESTAMP") else f'"{c}"'
            for c in self.columns
        )
        rest = [c for c in self.columns if c not in spec.order]
        order = ", ".join(f'"{c}"' for c in (*spec.order, *rest))
        counted = con.execute("SELECT count(*) FROM read_parquet(?)", [source]).fetchone()
        self.total = int(counted[0]) if counted else 0
        # Column names come from the file's schema, quoted; the path is a parameter.
        self.cursor = con.execute(
            f"SELECT {select} FROM read_parquet(?) ORDER BY {order}",  # noqa: S608
            [source],
        )
        self.spec = spec

    def chunks(self, size: int) -> Iterator[list[Any]]:
        while True:
            batch = self.cursor.fetchmany(size)
            if not batch:
                return
            yield self._convert(batch)

    def skip(self, size: int) -> None:
        self.cursor.fetchmany(size)

    def _convert(self, batch: list[tuple[Any, ...]]) -> list[Any]:
        if self.spec.param == "ips":
            return [row[0] for row in batch]
        columns = self.columns
        stamps = self.timestamps
        rows = []
        for values in batch:
            if stamps:
                values = list(values)  # type: ignore[assignment]
                for i in stamps:
                    if values[i] is not None:
                        values[i] = values[i].replace(tzinfo=UTC)  # type: ignore[index]
            rows.append(dict(zip(columns, values, strict=True)))
        return rows


def _write_chunk(
    tx: neo4j.ManagedTransaction,
    digest: str,
    spec: KindSpec,
    index: int,
    rows: list[Any],
) -> None:
    # The mark first: a duplicate fails fast, before the chunk's writes take locks.
    run_in_tx(
        tx,
        queries.ingest.claim_load_chunk,
        digest=digest,
        kind=spec.kind,
        index=index,
        rows=len(rows),
    )
    run_in_tx(tx, spec.query, **{spec.param: rows})


def load_folder(
    runner: GraphRunner,
    path: Path,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    writers: int = DEFAULT_WRITERS,
    kinds: tuple[str, ...] | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
    finish: bool = True,
    salt: str | None = None,
    force_parallel: bool = False,
) -> LoadReport:
    """Write an aggregate folder into Neo4j, exactly once.

    Args:
        runner: the database seam (the schema must be applied: it holds the chunk-mark constraint).
        path: the aggregate folder.
        chunk_rows: rows per transaction for a new load (a resumed load keeps its first size).
        writers: parallel write sessions for the kinds whose rows touch disjoint nodes (the
            others get one: see KindSpec.parallel).
        kinds: only these kinds (benchmarks); None = all, in dependency order.
        on_progress: called with (kind, rows written so far, rows of the kind) after every chunk.
        finish: mark the load complete and its input files ingested when every kind is done.
        salt: this database's e-mail salt; the folder's salt fingerprint must match it.
        force_parallel: use `writers` for every kind (benchmarks of lock contention).

    Returns:
        Per-kind rows, chunks and rows/s.

    Raises:
        LoadError: the folder is malformed.
        LoadConflict: the input files were ingested (in part) by `ringscope ingest`, or another
            load committed a chunk meanwhile (re-run to resume).
    """
    started = time.perf_counter()
    folder = open_folder(path)
    if salt is not None:
        folder.check_salt(salt)
    report = LoadReport(digest=folder.digest, writers=max(1, writers))
    state = runner.write(
        queries.ingest.start_aggregate_load,
        digest=folder.digest,
        name=str(path.name),
        chunk_rows=max(1, chunk_rows),
        mode="merge",
    )[0]
    report.chunk_rows = int(state["chunk_rows"])
    report.resumed = int(state["attempts"]) > 1
    if state["status"] == "complete":
        report.already_loaded = True
        report.seconds = time.perf_counter() - started
        return report
    for item in folder.inputs:
        progress = runner.read(queries.ingest.get_file_progress, digest=item["digest"])
        if progress and int(progress[0]["lines_committed"]) > 0:
            raise LoadConflict(
                f"{path}: input {item['name']} (digest {item['digest'][:12]}…) was already ingested "
                f"({progress[0]['lines_committed']} lines); loading its aggregates would count "
                "those requests twice"
            )
    done = {
        (row["kind"], int(row["index"]))
        for row in runner.read(queries.ingest.list_loaded_chunks, digest=folder.digest)
    }
    selected = [spec for spec in KINDS if kinds is None or spec.kind in kinds]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    try:
        for spec in selected:
            kind_writers = report.writers if spec.parallel or force_parallel else 1
            figures = _load_kind(
                runner, con, folder, spec, report.chunk_rows, kind_writers, done, on_progress
            )
            report.kinds[spec.kind] = figures
            report.rows_written += figures.rows
    finally:
        con.close()
    if finish and kinds is None:
        runner.write(
            queries.ingest.finish_aggregate_load,
            digest=folder.digest,
            rows=report.rows_written,
            inputs=folder.inputs,
        )
    report.seconds = time.perf_counter() - started
    return report


def _load_kind(
    runner: GraphRunner,
    con: duckdb.DuckDBPyConnection,
    folder: AggregateFolder,
    spec: KindSpec,
    chunk_rows: int,
    writers: int,
    done: set[tuple[str, int]],
    on_progress: Callable[[str, int, int], None] | None,
) -> KindFigures:
    figures = KindFigures()
    began = time.perf_counter()
    reader = _Reader(con, folder.sources[spec.kind], spec)
    written = 0
    lock = threading.Lock()

    def write(index: int, rows: list[Any]) -> int:
        try:
            runner.write_transaction(lambda tx: _write_chunk(tx, folder.digest, spec, index, rows))
        except neo4j.exceptions.ConstraintError as exc:
            raise LoadConflict(
                f"{folder.path}: chunk {index} of {spec.kind} was committed by another load "
                "meanwhile; re-run to resume"
            ) from exc
        return len(rows)

    # At most 2 chunks per writer in flight: memory stays bounded by the chunk size.
    pending: set[Future[int]] = set()
    with ThreadPoolExecutor(max_workers=writers, thread_name_prefix=f"load-{spec.kind}") as pool:

        def drain(block_until: int) -> None:
            nonlocal pending, written
            while len(pending) > block_until:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    count = future.result()
                    with lock:
                        written += count
                        figures.rows += count
                        figures.chunks_written += 1
                    if on_progress:
                        on_progress(spec.kind, written, reader.total)

        index = 0
        while index * chunk_rows < reader.total:
            if (spec.kind, index) in done:
                reader.skip(chunk_rows)
                figures.chunks_skipped += 1
                index += 1
                continue
            rows = next(reader.chunks(chunk_rows))
            pending.add(pool.submit(write, index, rows))
            index += 1
            drain(2 * writers)
        drain(0)
    figures.seconds = time.perf_counter() - began
    return figures
