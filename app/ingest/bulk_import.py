"""First load of an aggregate folder with `neo4j-admin database import full` (server stopped).

The transactional loader (`app.ingest.load`) writes a few thousand rows/s on the shared 2-core
machine; scale 1.0 is ~15M rows. The offline importer writes the store files directly, so a first
load into an EMPTY database takes a minute or two instead of hours. It builds exactly the graph the
merge queries build (same nodes, relationships and properties; see tests/integration/test_load.py):
DuckDB turns the aggregate folder into one Parquet file per node label / relationship type, with
the importer's header conventions (`key:ID(Label)`, `:START_ID(Label)`, `:END_ID(Label)`) as column
names; then the schema (constraints, indexes) is applied by the running server, and the load is
recorded (`AggregateLoad` complete, input files as `IngestedFile`s) like a transactional load.

Only for an empty database: the importer replaces the store (`--overwrite-destination`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from app.config import Settings
from app.graph import local_server, settings_repo
from app.graph.local_server import LAUNCHER_DIR
from app.graph.queries import queries
from app.graph.runner import GraphRunner
from app.graph.schema import apply_schema
from app.ingest.load import AggregateFolder, LoadError, open_folder

# Node label -> SELECT over the folder's kinds (registered as views of the same name). touched_at
# ($touched: the import's time) is set where the merge queries would set it on a first load: every
# account, an IP with metadata, a payment method with a method or BIN (incremental detection).
NODE_SQL: dict[str, str] = {
    "Account": """
        WITH ids AS (
            SELECT account_id FROM accounts UNION SELECT account_id FROM request_accounts
            UNION SELECT account_id FROM payments UNION SELECT account_id FROM labels
        )
        SELECT i.account_id AS "account_id:ID(Account)",
               a.account_id IS NOT NULL AS declared, $touched AS touched_at,
               a.created_at, a.email_domain, a.email_hash, a.country, a.org,
               r.requests AS request_count, r.input_tokens, r.output_tokens,
               r."first" AS first_request, r."last" AS last_request
        FROM ids i LEFT JOIN accounts a USING (account_id)
                   LEFT JOIN request_accounts r USING (account_id)
    """,
    "EmailDomain": """
        SELECT DISTINCT email_domain AS "domain:ID(EmailDomain)"
        FROM accounts WHERE email_domain IS NOT NULL
    """,
    # The merge query keeps the last non-null value per field; one payment method's events agree.
    "PaymentMethod": """
        SELECT payment_id AS "payment_id:ID(PaymentMethod)", max(method) AS method,
               max(bin) AS bin, max(issuer_country) AS issuer_country,
               CASE WHEN max(method) IS NOT NULL OR max(bin) IS NOT NULL THEN $touched END
                 AS touched_at
        FROM payments GROUP BY payment_id
    """,
    "IP": """
        WITH ids AS (SELECT ip FROM ips UNION SELECT ip FROM ip_info)
        SELECT i.ip AS "ip:ID(IP)", n.asn, n.as_org, n.kind,
               CASE WHEN n.asn IS NOT NULL OR n.as_org IS NOT NULL OR n.kind IS NOT NULL
                    THEN $touched END AS touched_at
        FROM ids i LEFT JOIN ip_info n USING (ip)
    """,
    "Device": 'SELECT device_id AS "device_id:ID(Device)", user_agent FROM devices',
    # The importer stores a Parquet BINARY as a "0x…" hex string; the signature goes in that way
    # (`_cluster_record` decodes it). As a list of its 64 values (long[]) it cost about 6 s more
    # to stage (DuckDB has no cheap BLOB → list conversion) and 11 s more to import at scale 1.0.
    "PromptCluster": """
        SELECT c.cluster_id AS "cluster_id:ID(PromptCluster)", c.signature, c.skeleton_hashes,
               c.sample, c.extraction, r."count" AS request_count
        FROM prompt_clusters c LEFT JOIN cluster_requests r USING (cluster_id)
    """,
    "ActivityDay": """
        SELECT "key" AS "key:ID(ActivityDay)", account_id, "day", epoch_day, hours
        FROM activity_days
    """,
    "Operator": 'SELECT DISTINCT operator AS "name:ID(Operator)" FROM labels',
}

REL_SQL: dict[str, str] = {
    "HAS_EMAIL_DOMAIN": """
        SELECT account_id AS ":START_ID(Account)", email_domain AS ":END_ID(EmailDomain)"
        FROM accounts WHERE email_domain IS NOT NULL
    """,
    "PAID_WITH": """
        SELECT account_id AS ":START_ID(Account)", payment_id AS ":END_ID(PaymentMethod)", "count", "first" AS first_seen, "last" AS last_seen
        FROM payments
    """,
    "USED_IP": """
        SELECT account_id AS ":START_ID(Account)", ip AS ":END_ID(IP)", "count", "first" AS first_seen, "last" AS last_seen FROM ip_usage
    """,
    "USED_DEVICE": """
        SELECT account_id AS ":START_ID(Account)", device_id AS ":END_ID(Device)", "count", "first" AS first_seen, "last" AS last_seen
        FROM device_usage
    """,
    "SENT": """
        SELECT account_id AS ":START_ID(Account)", cluster_id AS ":END_ID(PromptCluster)", "count", "first" AS first_seen, "last" AS last_seen,
               input_tokens, output_tokens
        FROM cluster_usage
    """,
    "LABELED_AS": """
        SELECT account_id AS ":START_ID(Account)", operator AS ":END_ID(Operator)", source, confidence
        FROM labels
    """,
}


IMPORT_LIB = LAUNCHER_DIR / "target" / "import-lib"


# Web-app access nodes and runtime settings: kept by a data reset, so not "data" for the
# empty-database check.
_ACCESS_LABELS = frozenset({"User", "Session", "ApiToken", "Setting"})


class BulkImportError(RuntimeError):
    """The offline import failed; the message has the importer's last lines."""


@dataclass
class BulkReport:
    """Figures of one bulk import."""

    stage_seconds: float = 0.0
    import_seconds: float = 0.0
    restart_seconds: float = 0.0
    schema_seconds: float = 0.0
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    importer_output: str = ""

    @property
    def rows(self) -> int:
        return sum(self.nodes.values()) + sum(self.relationships.values())


def stage_import_files(
    folder: AggregateFolder, staging: Path, threads: int = 2, touched_at: datetime | None = None
) -> BulkReport:
    """Write one Parquet file per node label and relationship type in the importer's conventions.

    Args:
        folder: the aggregate folder.
        staging: an empty (or disposable) folder for the files.
        threads: DuckDB threads.
        touched_at: the time stamped as touched_at (default: now).

    Returns:
        A report with the row count of every file.
    """
    began = time.perf_counter()
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    report = BulkReport()
    touched = touched_at or datetime.now(UTC)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET threads = {max(1, threads)}")
    try:
        for kind, source in folder.sources.items():
            # The relational API takes the path as a value (a view cannot hold a parameter).
            con.read_parquet(str(source)).create_view(kind)
        for group, sqls in (("nodes", NODE_SQL), ("relationships", REL_SQL)):
            counts = report.nodes if group == "nodes" else report.relationships
            for name, sql in sqls.items():
                target = staging / f"{group}-{name}.parquet"
                params: dict[str, Any] = {"target": str(target)}
                if "$touched" in sql:
                    params["touched"] = touched
                con.execute(f"COPY ({sql}) TO $target (FORMAT parquet)", params)
                counts[name] = int(
                    con.execute("SELECT count(*) FROM read_parquet(?)", [str(target)]).fetchone()[0]  # type: ignore[index]
                )
    except duckdb.Error as exc:
        raise LoadError(f"{folder.path}: cannot stage the import files: {exc}") from exc
    finally:
        con.close()
    report.stage_seconds = time.perf_counter() - began
    return report


def _ensure_import_lib() -> None:
    """Fetch the importer's extra Parquet jars once (only into target/import-lib: the running
    servers' target/lib is never rewritten)."""
    if IMPORT_LIB.is_dir() and len(list(IMPORT_LIB.glob("*.jar"))) >= 4:
        return
    mvn = shutil.which("mvn")
    if not mvn:
        raise BulkImportError("mvn not found on PATH: needed once to fetch the importer's jars")
    result = subprocess.run(
        [mvn, "-q", "-B", "-f", str(LAUNCHER_DIR / "pom.xml"), "dependency:copy@import-lib"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise BulkImportError(f"could not fetch the importer's jars:\n{tail}")


def run_import(
    staging: Path,
    neo4j_home: Path,
    report: BulkReport,
    database: str = "neo4j",
    heap: str = "1g",
    threads: int = 2,
    max_off_heap: str = "2g",
) -> BulkReport:
    """Run `neo4j-admin database import full` into the (stopped) local DBMS home.

    Args:
        staging: the files from `stage_import_files`.
        neo4j_home: the embedded DBMS home (`<var>/neo4j/dbms`), data under `data/`.
        report: the staging report, completed with the import time.
        database: the database to replace.
        heap: the importer JVM's heap.
        threads: importer threads.
        max_off_heap: the importer's off-heap memory cap.

    Returns:
        The report with import seconds and the importer's output.
    """
    conf = staging / "conf"
    conf.mkdir(exist_ok=True)
    (conf / "neo4j.conf").write_text(f"server.directories.data={neo4j_home / 'data'}\n")
    java = shutil.which("java")
    if not java:
        raise BulkImportError("java not found on PATH: a Java 17 runtime runs the importer")
    _ensure_import_lib()
    classpath = f"{LAUNCHER_DIR / 'target' / 'lib' / '*'}:{IMPORT_LIB / '*'}"
    args = [
        java,
        f"-Xmx{heap}",
        "-cp",
        classpath,
        "org.neo4j.cli.AdminTool",
        "database",
        "import",
        "full",
        # The database first: --nodes / --relationships take a variable number of files.
        database,
        "--input-type=parquet",
        "--overwrite-destination=true",
        f"--threads={threads}",
        f"--max-off-heap-memory={max_off_heap}",
        f"--report-file={staging / 'import.report'}",
    ]
    for name in report.nodes:
        args.append(f"--nodes={name}={staging / f'nodes-{name}.parquet'}")
    for name in report.relationships:
        args.append(f"--relationships={name}={staging / f'relationships-{name}.parquet'}")
    env = {**os.environ, "NEO4J_HOME": str(neo4j_home), "NEO4J_CONF": str(conf)}
    began = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True, env=env)
    report.import_seconds = time.perf_counter() - began
    report.importer_output = (result.stdout + result.stderr)[-4000:]
    if result.returncode != 0:
        raise BulkImportError(
            f"neo4j-admin import failed (exit {result.returncode}):\n{report.importer_output}"
        )
    return report


def bulk_load(
    settings: Settings,
    path: Path,
    staging: Path | None = None,
    threads: int = 2,
    heap: str = "1g",
    max_off_heap: str = "2g",
    importer_threads: int = 4,
) -> BulkReport:
    """First load of an aggregate folder into the EMPTY local database with the offline importer.

    Stops the local server, imports, starts it again, applies the schema (constraints and indexes
    are built over the imported data) and records the load like `load_folder` does.

    Args:
        settings: the local server's settings (managed Neo4j only).
        path: the aggregate folder.
        staging: where the importer's files go (default: `<var>/bulk-staging`, removed after).
        threads: DuckDB threads (staging).
        heap: the importer JVM's heap.
        max_off_heap: the importer's off-heap cap.
        importer_threads: the importer's threads; 4, twice this machine's cores: its stages also
            wait on reading Parquet and writing store files (scale 1.0 on 2 cores: 79.2 / 82.8 s
            with 2 threads, 74.3 / 75.0 s with 4; the same peak memory, 1.08 GiB).

    Returns:
        Staging, import, restart and schema seconds, rows per label and type.

    Raises:
        BulkImportError: not a managed server, the database is not empty, or the importer failed.
    """
    if not settings.managed_neo4j:
        raise BulkImportError("bulk import needs the local server (RINGSCOPE_NEO4J_URI is set)")
    folder = open_folder(path)
    kept: list[dict[str, Any]] = []
    kept_settings: list[dict[str, Any]] = []
    if local_server.status(settings).answering:
        runner = GraphRunner.from_settings(settings)
        try:
            present = sum(
                int(row["count"])
                for row in runner.read(queries.stats.count_nodes)
                if row["label"] not in _ACCESS_LABELS
            )
            # Users and API tokens survive a data reset (docs/security.md), so the "empty"
            # database a first load needs may hold them: carry them across the new store.
            kept = runner.read(queries.auth.dump_users_and_tokens)
            # So are the admins' runtime settings (schedule, thresholds, webhook).
            kept_settings = settings_repo.dump_settings(runner)
        finally:
            runner.close()
        if present:
            raise BulkImportError(
                f"the database holds {present:,} data nodes: bulk import replaces the store, so it "
                "is only for a first load (use the transactional loader, or `ringscope reset`)"
            )
    staging = staging or settings.var_dir / "bulk-staging"
    report = stage_import_files(folder, staging, threads=threads)
    local_server.stop(settings)
    run_import(
        staging,
        settings.neo4j_home / "dbms",
        report,
        database=settings.neo4j_database,
        heap=heap,
        threads=importer_threads,
        max_off_heap=max_off_heap,
    )
    began = time.perf_counter()
    local_server.start(settings)
    report.restart_seconds = time.perf_counter() - began
    runner = GraphRunner.from_settings(settings)
    try:
        began = time.perf_counter()
        apply_schema(runner)
        runner.run_autocommit(queries.schema.await_indexes)
        report.schema_seconds = time.perf_counter() - began
        # Sessions are not carried over: everyone logs in again after a bulk import.
        for kind, query in (
            ("User", queries.auth.restore_users),
            ("ApiToken", queries.auth.restore_api_tokens),
        ):
            rows = [row["props"] for row in kept if row["kind"] == kind]
            if rows:
                runner.write(query, rows=rows)
        settings_repo.restore_settings(runner, kept_settings)
        runner.write(
            queries.ingest.start_aggregate_load,
            digest=folder.digest,
            name=path.name,
            chunk_rows=0,
            mode="bulk",
        )
        runner.write(
            queries.ingest.finish_aggregate_load,
            digest=folder.digest,
            rows=report.rows,
            inputs=folder.inputs,
        )
    finally:
        runner.close()
    shutil.rmtree(staging, ignore_errors=True)
    return report
