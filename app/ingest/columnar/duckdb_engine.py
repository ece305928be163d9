"""The DuckDB engine: one process, chunks of lines parsed by the shared SQL, aggregated at the end."""

from __future__ import annotations

import contextlib
import json
import queue
import re
import shutil
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from app.ingest.clustering import ClusterColumns, PromptClusterer
from app.ingest.columnar import requests, scan, shim
from app.ingest.columnar.common import (
    EVENT_COLUMNS,
    AggregateReport,
    PeakRss,
    SlowPath,
    Timer,
    worker_pool,
)
from app.ingest.columnar.firsts import ClusterStream, FirstPrompts, slow_first, slow_firsts_table
from app.ingest.columnar.reader import Chunk, FileDone, read_ahead
from app.ingest.pipeline import discover

_STORED = [c for c in EVENT_COLUMNS if c != "prompt"]  # prompt text goes to the clusterer only
_PARSERS = 2  # chunks parsed concurrently


def connect(db_path: Path, threads: int, memory_limit: str, salt: str) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the shim macros, UTC, explicit limits and the salt parameter."""
    con = duckdb.connect(str(db_path))
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET memory_limit = ?", [memory_limit])
    con.execute("SET temp_directory = ?", [str(db_path.parent / ".duckdb_tmp")])
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET TimeZone = 'UTC'")
    for macro in shim.DUCKDB_MACROS:
        con.execute(macro)
    con.execute("CREATE OR REPLACE TABLE params (salt VARCHAR)")
    con.execute("INSERT INTO params VALUES (?)", [salt])
    return con


def _duck_type(sql_type: str) -> str:
    return sql_type


def run(
    paths: Iterable[Path],
    out_dir: Path,
    salt: str,
    *,
    threads: int = 2,
    memory_limit: str = "6GB",
    cluster_memory_limit: str = "1GB",
    chunk_bytes: int = 192 << 20,
    workers: int = 2,
    clusterer: PromptClusterer | None = None,
    on_progress: Callable[[str, int], None] | None = None,
) -> AggregateReport:
    """Aggregate input files into the Parquet folder `out_dir` (see docs/aggregation.md).

    Args:
        paths: Files or folders, as for `ringscope ingest`.
        out_dir: Output folder (created; existing Parquet files in it are replaced).
        salt: E-mail salt.
        threads: DuckDB threads.
        memory_limit: DuckDB memory limit (it spills to out_dir/.duckdb_tmp beyond it).
        cluster_memory_limit: DuckDB's limit while prompts are clustered (never above
            memory_limit): its buffer pool sits idle then while the clusterer grows, and DuckDB
            hands the difference back to the system at once.
        chunk_bytes: Uncompressed bytes of lines per parse chunk (big enough for DuckDB to
            parallelise within a chunk: more than one 122,880-row group).
        workers: Processes computing prompt skeletons (1: in this process).
        clusterer: Clusterer to continue (loaded with earlier clusters); a new one by default.
        on_progress: Called with (phase, amount): ("lines", n), ("prompts", n).

    Returns:
        The report (also written as manifest.json).
    """
    progress = on_progress or (lambda _phase, _n: None)
    files = discover(paths)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = AggregateReport(engine="duckdb")
    timer = Timer(report)
    # A clusterer made here is dropped (`del` below) once its clusters are written, before the
    # final aggregation queries take DuckDB's memory back; a caller's clusterer is the caller's.
    clusterer = clusterer or PromptClusterer()
    scheme = clusterer.signature_scheme
    report.clusters_loaded = len(clusterer)
    db_path = out_dir / ".work.duckdb"
    db_path.unlink(missing_ok=True)
    (out_dir / ".duckdb_tmp").mkdir(exist_ok=True)
    with PeakRss() as rss, timer.phase("total"), contextlib.ExitStack() as stack:
        pool = stack.enter_context(worker_pool(workers)) if workers > 1 else None
        con = connect(db_path, threads, memory_limit, salt)
        try:
            # Prompts are clustered beside the parse (see firsts.py); "clusters" is the time
            # the clusterer still needs once the parse is done.
            map_path = out_dir / ".prompt_map.tsv"
            stream = ClusterStream(clusterer, pool, map_path, lambda k: progress("prompts", k))
            try:
                _parse(con, files, out_dir, salt, chunk_bytes, report, timer, progress, stream)
            except BaseException:
                stream.abort()
                raise
            with timer.phase("clusters"):
                con.execute("SET memory_limit = ?", [_smaller(cluster_memory_limit, memory_limit)])
                report.distinct_prompt_keys = stream.close()
                _load_prompt_map(con, map_path, report.distinct_prompt_keys)
            with timer.phase("clusters_write"):
                write_clusters(con, out_dir, clusterer.take_new_or_changed_columns(), report)
            del clusterer
            con.execute("SET memory_limit = ?", [memory_limit])
            with timer.phase("aggregate_write"):
                _write_outputs(con, out_dir, report)
        finally:
            con.close()
            db_path.unlink(missing_ok=True)
            Path(str(db_path) + ".wal").unlink(missing_ok=True)
            shutil.rmtree(out_dir / ".duckdb_tmp", ignore_errors=True)
    report.peak_rss_bytes = rss.peak
    (out_dir / "manifest.json").write_text(
        json.dumps(report.manifest(salt, scheme), indent=2) + "\n"
    )
    return report


def _parse(
    con: duckdb.DuckDBPyConnection,
    files: list[Path],
    out_dir: Path,
    salt: str,
    chunk_bytes: int,
    report: AggregateReport,
    timer: Timer,
    progress: Callable[[str, int], None],
    stream: ClusterStream,
) -> None:
    cols = ", ".join(f"{c} {t}" for c, t in EVENT_COLUMNS.items() if c != "prompt")
    con.execute(f"CREATE TABLE events ({cols})")
    parse = shim.load_sql("parse", "duckdb")
    firsts = shim.load_sql("prompt_first", "duckdb")
    stored = ", ".join(_STORED)
    slow = SlowPath(out_dir, files, salt, work_dir=out_dir / ".duckdb_tmp")
    seen = FirstPrompts()
    report.files = [{"path": str(p), "name": p.name} for p in files]
    with timer.phase("read_parse"):
        # Two chunks are parsed at once, each on its own cursor (own temp tables): one chunk's
        # statements alone keep DuckDB on about one core (the line split is a single pipeline,
        # a chunk has few row groups). Order does not matter here: rows carry `ord`, and the
        # slow path sorts its records.
        cursors: queue.Queue[duckdb.DuckDBPyConnection] = queue.Queue()
        for _ in range(_PARSERS):
            cursors.put(_cursor(con))

        def parse_chunk(chunk: Chunk) -> _Parsed:
            cur = cursors.get()
            try:
                return _parse_chunk(cur, chunk, parse, firsts, stored)
            finally:
                cursors.put(cur)

        def collect(parsed: _Parsed) -> None:
            # Called in input order (chunks are collected as they were read): a chunk's first
            # rows of its keys, the slow path's included, are the input's unless an earlier
            # chunk had the key.
            report.read += parsed.nonblank + len(parsed.bad_utf8)
            report.blank_lines += parsed.n_lines - parsed.nonblank - len(parsed.bad_utf8)
            for kind, n in parsed.kinds:
                report.by_type[kind] += n
                report.aggregated += n
            slow_rows = []
            for file_idx, line_no, raw in parsed.bad_utf8 + parsed.slow:
                report.slow_path_lines += 1
                first = slow_first(slow.line(file_idx, line_no, raw))
                if first is not None:
                    slow_rows.append(first)
            stream.put(*seen.take([*parsed.firsts, slow_firsts_table(slow_rows)]))
            progress("lines", parsed.n_lines)

        inflight: deque[Future[_Parsed]] = deque()
        with ThreadPoolExecutor(_PARSERS, thread_name_prefix="ringscope-parse") as parsers:
            for item in read_ahead(files, chunk_bytes):
                if isinstance(item, FileDone):
                    report.files[item.file_idx].update(
                        sha256=item.sha256, bytes=item.size, lines=item.lines
                    )
                    if item.error is not None:
                        slow.file_error(item.file_idx, item.lines, item.error)
                    continue
                inflight.append(parsers.submit(parse_chunk, item))
                while len(inflight) >= _PARSERS:
                    collect(inflight.popleft().result())
            while inflight:
                collect(inflight.popleft().result())
        while not cursors.empty():
            cursors.get().close()
        slow.close()
        report.file_errors = slow.file_errors
        report.aggregated += slow.accepted
        report.quarantined += slow.quarantined
        report.by_type.update(slow.by_type)
        report.quarantine_path = slow.quarantine_path if slow.quarantine_path.exists() else None
        if slow.accepted:
            spec = "{" + ", ".join(f"'{c}': '{t}'" for c, t in EVENT_COLUMNS.items()) + "}"
            source = f"read_json(?, format = 'newline_delimited', columns = {spec})"
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE slow AS SELECT * FROM {source}",  # noqa: S608 - identifiers/SQL from this package, values as parameters
                [str(slow.rows_path)],
            )
            con.execute(f"INSERT INTO events SELECT {stored} FROM slow")  # noqa: S608 - identifiers/SQL from this package, values as parameters
        slow.rows_path.unlink(missing_ok=True)


def _write_outputs(con: duckdb.DuckDBPyConnection, out_dir: Path, report: AggregateReport) -> None:
    for name in shim.OUTPUTS:
        target = out_dir / f"{name}.parquet"
        sql = shim.load_sql(name, "duckdb")
        (count,) = con.execute(
            f"COPY ({sql}) TO ? (FORMAT parquet, COMPRESSION zstd)", [str(target)]
        ).fetchone() or (0,)
        report.rows[name] = int(count)


_SIZE_RE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGT]?)(i?)B?\s*", re.I)


def _bytes(size: str) -> float | None:
    """Bytes in a DuckDB size ("4GB", "1.5 GiB", "500MB"); None if it is not one."""
    match = _SIZE_RE.fullmatch(size)
    if match is None:
        return None
    number, unit, binary = match.groups()
    return float(number) * (1024 if binary else 1000) ** "_KMGT".index(unit.upper() or "_")


def _smaller(a: str, b: str) -> str:
    """The smaller of two DuckDB sizes (b when either does not parse)."""
    size_a, size_b = _bytes(a), _bytes(b)
    return a if size_a is not None and size_b is not None and size_a < size_b else b


@dataclass
class _Parsed:
    """What one chunk's parse left for the driver: counts, the lines for the slow path, and the
    chunk's first row of each prompt key from each pass (prompt_key, ord, prompt)."""

    n_lines: int
    nonblank: int
    kinds: list[tuple[str, int]]
    bad_utf8: list[tuple[int, int, bytes]]
    slow: list[tuple[int, int, bytes]]
    firsts: list[pa.Table]


def _cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    cur = con.cursor()
    cur.execute("SET TimeZone = 'UTC'")
    return cur


def _parse_chunk(
    cur: duckdb.DuckDBPyConnection, chunk: Chunk, parse: str, firsts: str, stored: str
) -> _Parsed:
    """Parse one chunk on `cur` into `events`; its first rows of prompt keys are returned (runs
    in a pool thread)."""
    scanned = scan.scan_chunk(chunk.data, chunk.n_lines)
    # Plain request lines, most of the input, are parsed by the compiled pass; the rest of
    # the chunk takes the SQL fast path (and, from there, the slow path) as before.
    fast = requests.parse_requests(chunk.data, scanned, chunk.file_idx, chunk.first_line)
    kinds: list[tuple[str, int]] = []
    firsts_found = [fast.firsts]
    if fast.count:
        kinds.append(("request", fast.count))
        columns = ", ".join(fast.events.column_names)
        cur.register("request_rows", fast.events)
        try:
            cur.execute(
                f"INSERT INTO events (file_idx, kind, {columns}) "  # noqa: S608 - this package's column names
                f"SELECT ?, 'request', {columns} FROM request_rows",
                [chunk.file_idx],
            )
        finally:
            cur.unregister("request_rows")
    rest = np.flatnonzero((scanned.status != scan.BLANK) & ~fast.taken)
    if rest.size == 0:
        return _Parsed(chunk.n_lines, fast.count, kinds, [], [], firsts_found)
    bad_utf8, nonblank = _load_lines(cur, chunk, scanned, rest)
    cur.execute("CREATE OR REPLACE TEMP VIEW j AS " + scan.fast_extraction_sql("nonblank"))
    # The raw line stays in `nonblank` (fetched back only for slow-path lines): copying every
    # line into `cp` as well cost about 5% of the chunk's parse.
    cur.execute(f"CREATE OR REPLACE TEMP TABLE cp AS SELECT * EXCLUDE (line) FROM ({parse})")  # noqa: S608 - identifiers/SQL from this package, values as parameters
    cur.execute(f"INSERT INTO events SELECT {stored} FROM cp WHERE fast_ok")  # noqa: S608 - identifiers/SQL from this package, values as parameters
    cur.execute("CREATE OR REPLACE TEMP VIEW fast AS SELECT * FROM cp WHERE fast_ok")
    firsts_found.append(cur.sql(firsts).to_arrow_table())
    kinds += cur.execute("SELECT kind, count(*) FROM cp WHERE fast_ok GROUP BY kind").fetchall()
    slow = [
        (file_idx, line_no, line.encode("utf-8"))
        for file_idx, line_no, line in cur.execute(
            "SELECT file_idx, line_no, line FROM nonblank "
            "SEMI JOIN (SELECT line_no FROM cp WHERE NOT fast_ok) USING (line_no) ORDER BY line_no"
        ).fetchall()
    ]
    cur.execute("DROP TABLE cp")
    return _Parsed(chunk.n_lines, nonblank + fast.count, kinds, bad_utf8, slow, firsts_found)


def _load_lines(
    con: duckdb.DuckDBPyConnection, chunk: Chunk, scanned: scan.Scanned, rows: np.ndarray
) -> tuple[list[tuple[int, int, bytes]], int]:
    """Load the chunk's lines `rows` (indexes, none blank) as table `nonblank`; returns the
    lines that are not valid UTF-8 (for the slow path) and the number of the others."""
    data = chunk.data
    parts = [
        data[start:end]
        for start, end in zip(
            scanned.line_start[rows].tolist(), scanned.line_end[rows].tolist(), strict=True
        )
    ]
    line_no = rows.astype(np.int64) + chunk.first_line
    positions = scanned.columns(rows)
    bad: list[tuple[int, int, bytes]] = []
    sql = (
        "CREATE OR REPLACE TEMP TABLE nonblank AS "  # noqa: S608 - constants of this package
        "SELECT ?::INTEGER AS file_idx, line_no, decode(raw) AS line, * EXCLUDE (line_no, raw) "
        f"FROM chunk_lines WHERE status <> {scan.BLANK}"
    )
    try:
        _register_lines(con, line_no, parts, positions)
        con.execute(sql, [chunk.file_idx])
    except duckdb.Error:
        # Rare: invalid UTF-8 somewhere in the chunk. Those lines go to the Python validator
        # (which names the problem) and are blanked here, the rest is loaded as usual.
        for i, raw in enumerate(parts):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                bad.append((chunk.file_idx, int(line_no[i]), raw))
                parts[i] = b""
                positions["status"][i] = scan.BLANK
        _register_lines(con, line_no, parts, positions)
        con.execute(sql, [chunk.file_idx])
    finally:
        con.unregister("chunk_lines")
    (nonblank,) = con.execute("SELECT count(*) FROM nonblank").fetchone() or (0,)
    return bad, int(nonblank)


def _register_lines(
    con: duckdb.DuckDBPyConnection,
    line_no: np.ndarray,
    parts: list[bytes],
    positions: dict[str, np.ndarray],
) -> None:
    raw = np.empty(len(parts), dtype=object)
    raw[:] = parts
    con.register("chunk_lines", {"line_no": line_no, "raw": raw, **positions})


def _load_prompt_map(con: duckdb.DuckDBPyConnection, map_path: Path, n: int) -> None:
    """Table prompt_map (prompt_key, cluster_id) from the stream's TSV file (then removed)."""
    con.execute("CREATE TABLE prompt_map (prompt_key VARCHAR, cluster_id VARCHAR)")
    if n:
        con.execute(
            "INSERT INTO prompt_map SELECT * FROM read_csv(?, delim = '\t', header = false, "
            "quote = '', escape = '', columns = {'prompt_key': 'VARCHAR', 'cluster_id': 'VARCHAR'})",
            [str(map_path)],
        )
    map_path.unlink(missing_ok=True)


def write_clusters(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    columns: ClusterColumns,
    report: AggregateReport,
) -> None:
    """prompt_clusters.parquet from cluster columns (DuckDB is the Parquet writer of both
    engines). The columns go in as numpy arrays; ids and skeleton hashes are formatted in SQL."""
    n = len(columns)
    width = 4 * columns.signatures.shape[1]
    packed = columns.signatures.astype("<u4").tobytes()
    signatures = np.empty(n, dtype=object)
    signatures[:] = [packed[i * width : (i + 1) * width] for i in range(n)]
    samples = np.empty(n, dtype=object)
    samples[:] = columns.samples
    con.register(
        "cluster_main",
        {
            "row_no": np.arange(n, dtype=np.int64),
            "id": columns.ids.astype(np.uint64),
            "signature": signatures,
            "sample": samples,
            "extraction": columns.extraction.astype(bool),
        },
    )
    con.register(
        "cluster_extra",
        {
            "row_no": columns.extra_rows.astype(np.int64),
            "pos": np.arange(len(columns.extra_hashes), dtype=np.int64),
            "h": columns.extra_hashes.astype(np.uint64),
        },
    )
    target = out_dir / "prompt_clusters.parquet"
    try:
        (count,) = con.execute(
            "COPY (SELECT 'pc_' || own AS cluster_id, CAST(signature AS BLOB) AS signature, "
            "list_concat([own], coalesce(e.more, [])) AS skeleton_hashes, "
            "CAST(sample AS VARCHAR) AS sample, extraction "
            "FROM (SELECT *, lpad(lower(hex(id)), 16, '0') AS own FROM cluster_main) LEFT JOIN ("
            "  SELECT row_no, list(lpad(lower(hex(h)), 16, '0') ORDER BY pos) AS more "
            "  FROM cluster_extra GROUP BY row_no) e USING (row_no) "
            "ORDER BY cluster_id) TO ? (FORMAT parquet, COMPRESSION zstd)",
            [str(target)],
        ).fetchone() or (0,)
    finally:
        con.unregister("cluster_main")
        con.unregister("cluster_extra")
    report.rows["prompt_clusters"] = int(count)
    report.clusters_written = int(count)
