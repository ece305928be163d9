"""`ringscope ingest`: stream JSONL(.gz) files into Neo4j in batches, exactly once.

Each batch of lines is validated, folded into aggregate rows and written in ONE transaction that
also advances the file's committed-line mark (an IngestedFile node keyed by the file's digest).
Re-ingesting a file, or re-running after a crash, therefore skips committed lines and never
counts a request twice; memory stays bounded by the batch size, not the file length.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import neo4j
import numpy as np

from app.graph.queries import queries
from app.graph.runner import GraphRunner, run_in_tx
from app.ingest.aggregate import BatchAggregator, BatchRows
from app.ingest.clustering import ClusterRecord, PromptClusterer
from app.ingest.events import Event, InvalidEvent, parse_line

MAX_LINE_BYTES = 4 * 1024 * 1024
INPUT_SUFFIXES = (".jsonl", ".jsonl.gz")

# Order matters inside a batch: accounts exist before the relationships that MATCH them.
_BATCH_QUERIES = (
    ("accounts", queries.ingest.merge_accounts),
    ("request_accounts", queries.ingest.merge_request_accounts),
    ("ip_info", queries.ingest.merge_ip_info),
    ("payments", queries.ingest.merge_payments),
    ("devices", queries.ingest.merge_devices),
    ("ip_usage", queries.ingest.merge_ip_usage),
    ("device_usage", queries.ingest.merge_device_usage),
    ("cluster_usage", queries.ingest.merge_cluster_usage),
    ("cluster_requests", queries.ingest.add_cluster_requests),
    ("activity_days", queries.ingest.merge_activity_days),
    ("labels", queries.ingest.merge_labels),
)


class IngestError(RuntimeError):
    """Input that cannot be ingested at all (missing file, wrong kind of file)."""


class IngestConflict(RuntimeError):
    """Another ingest committed lines of the same file meanwhile."""


@dataclass
class IngestReport:
    """What one `ingest` did; read = ingested + quarantined + already_present, exactly."""

    files: int = 0
    read: int = 0
    ingested: int = 0
    quarantined: int = 0
    already_present: int = 0
    blank_lines: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    rows_written: int = 0
    batches_written: int = 0
    write_seconds: float = 0.0
    seconds: float = 0.0
    clusters_before: int = 0
    clusters_after: int = 0
    quarantine_path: Path | None = None
    file_errors: list[str] = field(default_factory=list)
    # Where a run stands, for the message when Neo4j goes away mid-file: the file being
    # ingested and how many of its lines are committed (by this run or earlier ones).
    current_file: Path | None = None
    current_committed: int = 0

    @property
    def events_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows_written / self.write_seconds if self.write_seconds else 0.0

    def reconciles(self) -> bool:
        return self.read == self.ingested + self.quarantined + self.already_present


def discover(paths: Iterable[Path]) -> list[Path]:
    """Expand files and directories into the input files, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p for p in path.rglob("*") if p.is_file() and p.name.endswith(INPUT_SUFFIXES)
                )
            )
        elif path.is_file():
            if not path.name.endswith(INPUT_SUFFIXES):
                raise IngestError(f"{path}: not a .jsonl or .jsonl.gz file")
            found.append(path)
        else:
            raise IngestError(f"{path}: no such file or directory")
    return found


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes: the identity that makes re-ingest idempotent."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _open(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


class Quarantine:
    """Bad lines with file, line number and reason, written only if there are any."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None
        self.count = 0
        self.written = False

    def add(self, file: Path, line: int, reason: str, raw: bytes, counted: bool = True) -> None:
        """Record one bad line; `counted=False` for a note that is not a line (an unreadable
        rest of a file), so that read = ingested + quarantined + already present still holds."""
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        text = raw.rstrip(b"\r\n").decode("utf-8", errors="backslashreplace")
        record = {"file": str(file), "line": line, "reason": reason, "raw": text}
        line_text = json.dumps(record, ensure_ascii=False)
        # Keep one record per physical line for any reader: these characters are line breaks
        # to str.splitlines() and many editors, so they are escaped like control characters.
        line_text = line_text.translate(_LINE_BREAKS)
        self._handle.write(line_text + "\n")
        self.count += counted
        self.written = True

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


def _lines(path: Path) -> Iterator[bytes]:
    with _open(path) as handle:
        yield from handle


class Ingestor:
    """Streams files into the graph through one GraphRunner.

    Args:
        runner: the database seam.
        salt: salt for e-mail local-part hashes.
        batch_lines: lines per transaction.
        quarantine_path: where bad lines go.
        on_progress: called with the number of lines handled after every batch.
    """

    def __init__(
        self,
        runner: GraphRunner,
        salt: str,
        batch_lines: int,
        quarantine_path: Path,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        self.runner = runner
        self.salt = salt
        self.batch_lines = max(1, batch_lines)
        self.quarantine = Quarantine(quarantine_path)
        self.on_progress = on_progress or (lambda _n: None)
        self.clusterer = PromptClusterer()
        self.report = IngestReport(quarantine_path=None)

    def run(self, paths: Iterable[Path]) -> IngestReport:
        """Ingest every file; returns the report (also on partial failure via self.report)."""
        started = time.perf_counter()
        files = discover(paths)
        # Streamed: a million persisted clusters would be gigabytes as one list of rows.
        rows = self.runner.stream(queries.ingest.list_prompt_clusters)
        self.clusterer.load(_cluster_record(row) for row in rows)
        self.report.clusters_before = len(self.clusterer)
        try:
            for path in files:
                self._ingest_file(path)
                self.report.files += 1
        finally:
            self.quarantine.close()
            self.report.quarantined = self.quarantine.count
            self.report.quarantine_path = self.quarantine.path if self.quarantine.written else None
            self.report.clusters_after = len(self.clusterer)
            self.report.seconds = time.perf_counter() - started
        return self.report

    def _ingest_file(self, path: Path) -> None:
        digest = file_digest(path)
        progress = self.runner.read(queries.ingest.get_file_progress, digest=digest)
        committed = int(progress[0]["lines_committed"]) if progress else 0
        self.report.current_file, self.report.current_committed = path, committed
        aggregator = BatchAggregator(self.clusterer.assign, self.salt)
        batch_start = 0
        line_no = 0
        handled = 0
        try:
            for raw in _lines(path):
                line_no += 1
                handled += 1
                self._handle_line(path, line_no, raw, committed, aggregator)
                if line_no - batch_start >= self.batch_lines:
                    self._flush(path, digest, max(batch_start, committed), line_no, aggregator)
                    aggregator = BatchAggregator(self.clusterer.assign, self.salt)
                    batch_start = line_no
                    self.on_progress(handled)
                    handled = 0
        except (EOFError, OSError, zlib.error) as exc:
            # A truncated or corrupt gzip: keep what was read, say exactly where it stopped.
            reason = f"file unreadable after line {line_no}: {exc}"
            self.report.file_errors.append(f"{path}: {reason}")
            self.quarantine.add(path, line_no + 1, reason, b"", counted=False)
        if line_no > max(batch_start, committed):
            self._flush(path, digest, max(batch_start, committed), line_no, aggregator)
        self.on_progress(handled)

    def _handle_line(
        self, path: Path, line_no: int, raw: bytes, committed: int, aggregator: BatchAggregator
    ) -> None:
        if not raw.strip():
            self.report.blank_lines += 1
            return
        self.report.read += 1
        try:
            if len(raw) > MAX_LINE_BYTES:
                raise InvalidEvent(f"line longer than {MAX_LINE_BYTES} bytes")
            event: Event = parse_line(raw)
        except InvalidEvent as exc:
            self.quarantine.add(path, line_no, exc.reason, raw)
            return
        if line_no <= committed:
            self.report.already_present += 1
            return
        aggregator.add(event)
        self.report.ingested += 1
        self.report.by_type[type(event).__name__.removesuffix("Event").lower()] += 1

    def _flush(
        self, path: Path, digest: str, start: int, end: int, aggregator: BatchAggregator
    ) -> None:
        if end <= start:
            return
        rows = aggregator.rows()
        clusters = [_cluster_row(record) for record in self.clusterer.take_new_or_changed()]
        began = time.perf_counter()
        self.runner.write_transaction(
            lambda tx: _write_batch(tx, path.name, digest, start, end, rows, clusters)
        )
        self.report.write_seconds += time.perf_counter() - began
        self.report.current_committed = end
        self.report.rows_written += rows.row_count() + len(clusters)
        self.report.batches_written += 1


def _write_batch(
    tx: neo4j.ManagedTransaction,
    name: str,
    digest: str,
    start: int,
    end: int,
    rows: BatchRows,
    clusters: list[dict[str, Any]],
) -> None:
    claim = run_in_tx(
        tx, queries.ingest.claim_file_lines, digest=digest, name=name, start=start, end=end
    )
    if not claim or not claim[0]["claimed"]:
        raise IngestConflict(
            f"{name}: lines {start + 1}-{end} were committed by another ingest meanwhile; "
            "re-run to resume from where it stopped"
        )
    if clusters:
        run_in_tx(tx, queries.ingest.merge_prompt_clusters, rows=clusters)
    if rows.ips:
        run_in_tx(tx, queries.ingest.merge_ips, ips=rows.ips)
    for attribute, query in _BATCH_QUERIES:
        batch: list[dict[str, Any]] = getattr(rows, attribute)
        if batch:
            run_in_tx(tx, query, rows=batch)


def _cluster_row(record: ClusterRecord) -> dict[str, Any]:
    row = dict(vars(record))
    row["signature"] = np.asarray(record.signature, dtype="<u4").tobytes()
    return row


def _cluster_record(row: dict[str, Any]) -> ClusterRecord:
    signature = row["signature"]
    # Transactional writes store the signature's little-endian uint32 bytes; the bulk importer,
    # which cannot write byte[] from Parquet, stores the same bytes as a "0x…" hex string.
    if isinstance(signature, str) and signature[:2] in ("0x", "0X"):
        try:
            signature = bytes.fromhex(signature[2:])
        except ValueError:
            raise ValueError(f"{row['cluster_id']}: signature is not a hex string") from None
    if isinstance(signature, bytes | bytearray):
        signature = np.frombuffer(signature, dtype="<u4").tolist()
    return ClusterRecord(**{**row, "signature": signature})


def default_quarantine_path(var_dir: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return var_dir / "quarantine" / f"ingest-{stamp}.jsonl"
