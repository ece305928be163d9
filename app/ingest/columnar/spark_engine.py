"""The Spark engine: the same shared SQL run by Spark SQL, for inputs that do not fit one machine.

Locally: `ringscope aggregate INPUT... --out DIR --engine spark --spark-master 'local[2]'`.
On a cluster: `spark-submit --master yarn ... -m app.ingest.columnar.spark_engine`-style, see
docs/aggregation.md: `python -m app.ingest.columnar.spark_engine INPUT... --out DIR --master URL`
run as the driver (the input paths must be readable by driver and executors, e.g. a shared file
system; the Python slow path, prompt clustering and the small prompt_clusters file run on the
driver).

Line numbers: Spark reads a file in splits, one partition each, in file order. A line's number
is its index within its partition (the low 33 bits of `monotonically_increasing_id`) plus the
line counts of the file's earlier partitions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from app.ingest.clustering import PromptClusterer
from app.ingest.columnar import shim
from app.ingest.columnar.common import (
    EVENT_COLUMNS,
    AggregateReport,
    PeakRss,
    SlowPath,
    Timer,
    cluster_prompts,
)
from app.ingest.pipeline import discover

_SPARK_TYPES = {"VARCHAR": "string", "BIGINT": "bigint", "INTEGER": "int", "DOUBLE": "double"}
_BLANK = r"^[ \t\r\n\x0b\x0c]*\z"


def session(master: str, driver_memory: str = "2g") -> Any:
    """A SparkSession with the shim's settings (see shim.SPARK_CONF)."""
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName("ringscope-aggregate")
        .config("spark.driver.memory", driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
    )
    for key, value in shim.SPARK_CONF.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run(
    paths: Iterable[Path],
    out_dir: Path,
    salt: str,
    *,
    master: str = "local[2]",
    workers: int = 2,
    clusterer: PromptClusterer | None = None,
    on_progress: Callable[[str, int], None] | None = None,
    spark: Any = None,
) -> AggregateReport:
    """Aggregate input files into the Parquet folder `out_dir` with Spark (same rows as DuckDB).

    Args:
        paths: Files or folders, as for `ringscope ingest`.
        out_dir: Output folder.
        salt: E-mail salt.
        master: Spark master URL (ignored when `spark` is given).
        workers: Processes computing prompt skeletons on the driver.
        clusterer: Clusterer to continue; a new one by default.
        on_progress: Called with (phase, amount).
        spark: An existing SparkSession to use (it is left running).

    Returns:
        The report (also written as manifest.json).
    """
    progress = on_progress or (lambda _phase, _n: None)
    files = discover(paths)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = AggregateReport(engine="spark")
    timer = Timer(report)
    clusterer = clusterer or PromptClusterer()
    report.clusters_loaded = len(clusterer)
    own = spark is None
    with PeakRss() as rss, timer.phase("total"):
        spark = spark or session(master)
        try:
            _aggregate(spark, files, out_dir, salt, clusterer, workers, report, timer, progress)
        finally:
            if own:
                spark.stop()
    report.peak_rss_bytes = rss.peak
    (out_dir / "manifest.json").write_text(
        json.dumps(report.manifest(salt, clusterer.signature_scheme), indent=2) + "\n"
    )
    return report


def _lines(spark: Any, files: list[Path]) -> Any:
    from pyspark.sql import functions as F

    frames = []
    for idx, path in enumerate(files):
        frame = spark.read.option("lineSep", "\n").text(str(path))
        frames.append(
            frame.select(
                F.lit(idx).cast("int").alias("file_idx"),
                F.monotonically_increasing_id().alias("_mid"),
                F.col("value").alias("line"),
            )
        )
    lines = frames[0]
    for frame in frames[1:]:
        lines = lines.unionByName(frame)
    lines = lines.withColumn("_part", F.shiftright("_mid", 33)).withColumn(
        "_idx", F.col("_mid").bitwiseAND((1 << 33) - 1)
    )
    counts = lines.groupBy("file_idx", "_part").count().collect()
    offsets: dict[tuple[int, int], int] = {}
    seen: dict[int, int] = {}
    for row in sorted(counts, key=lambda r: (r["file_idx"], r["_part"])):
        offsets[(row["file_idx"], row["_part"])] = seen.get(row["file_idx"], 0)
        seen[row["file_idx"]] = seen.get(row["file_idx"], 0) + row["count"]
    offset_rows = [(f, p, o) for (f, p), o in offsets.items()]
    table = spark.createDataFrame(
        offset_rows or [(0, 0, 0)], "file_idx int, _part bigint, _off bigint"
    )
    numbered = lines.join(F.broadcast(table), ["file_idx", "_part"]).select(
        "file_idx", (F.col("_off") + F.col("_idx") + 1).alias("line_no"), "line"
    )
    return numbered, seen


def _aggregate(
    spark: Any,
    files: list[Path],
    out_dir: Path,
    salt: str,
    clusterer: PromptClusterer,
    workers: int,
    report: AggregateReport,
    timer: Timer,
    progress: Callable[[str, int], None],
) -> None:
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    spark.createDataFrame([(salt,)], "salt string").createOrReplaceTempView("params")
    # Spark skips files whose names start with "." or "_": driver-side temp files live here.
    work = out_dir / "spark-work"
    work.mkdir(exist_ok=True)
    slow = SlowPath(out_dir, files, salt, work_dir=work)
    with timer.phase("read_parse"):
        report.files = [
            {"path": str(p), "name": p.name, "sha256": _digest(p), "bytes": p.stat().st_size}
            for p in files
        ]
        lines, per_file = _lines(spark, files)
        for idx, entry in enumerate(report.files):
            entry["lines"] = per_file.get(idx, 0)
        lines = lines.withColumn("blank", F.expr(f"regexp_like(line, '{_BLANK}')"))
        lines.filter("NOT blank").drop("blank").createOrReplaceTempView("nonblank")
        # Cached: cuts the plan, so the JSON is parsed once and parse.sql compiles quickly.
        j = spark.sql(shim.extraction_sql("spark", "nonblank")).persist(
            StorageLevel.MEMORY_AND_DISK
        )
        j.createOrReplaceTempView("j")
        parsed = spark.sql(shim.load_sql("parse", "spark")).persist(StorageLevel.MEMORY_AND_DISK)
        parsed.createOrReplaceTempView("cp")
        total_lines = sum(per_file.values())
        for row in spark.sql(
            "SELECT fast_ok, kind, count(*) AS n FROM cp GROUP BY fast_ok, kind"
        ).collect():
            report.read += row["n"]
            if row["fast_ok"]:
                report.by_type[row["kind"]] += row["n"]
                report.aggregated += row["n"]
        report.blank_lines = total_lines - report.read
        bad = spark.sql(
            "SELECT file_idx, line_no, CAST(line AS BINARY) AS raw FROM cp WHERE NOT fast_ok "
            "ORDER BY file_idx, line_no"
        )
        for row in bad.toLocalIterator():
            report.slow_path_lines += 1
            slow.line(row["file_idx"], row["line_no"], bytes(row["raw"]))
        progress("lines", total_lines)
        slow.close()
        report.file_errors = slow.file_errors
        report.aggregated += slow.accepted
        report.quarantined += slow.quarantined
        report.by_type.update(slow.by_type)
        report.quarantine_path = slow.quarantine_path if slow.quarantine_path.exists() else None
        cols = list(EVENT_COLUMNS)
        events = parsed.filter("fast_ok").select(*cols)
        if slow.accepted:
            schema = ", ".join(f"{c} {_SPARK_TYPES[t]}" for c, t in EVENT_COLUMNS.items())
            slow_rows = spark.read.schema(schema).json(str(slow.rows_path))
            events = events.unionByName(slow_rows.select(*cols))
        events = events.persist(StorageLevel.MEMORY_AND_DISK)
        events.createOrReplaceTempView("events")
        events.createOrReplaceTempView("fast")
        events.count()
        parsed.unpersist()
        j.unpersist()
    with timer.phase("clusters"):
        firsts = spark.sql(shim.load_sql("prompt_first", "spark")).orderBy("ord")

        def pairs() -> Iterator[tuple[str, str]]:
            for row in firsts.toLocalIterator():
                yield row["prompt_key"], row["prompt"]

        map_path = work / "prompt_map.tsv"
        n = 0
        with map_path.open("w", encoding="ascii") as handle:
            for key, cluster_id in cluster_prompts(
                pairs(), clusterer, workers, lambda k: progress("prompts", k)
            ):
                handle.write(f"{key}\t{cluster_id}\n")
                n += 1
        report.distinct_prompt_keys = n
        prompt_map = (
            spark.read.schema("prompt_key string, cluster_id string")
            .option("sep", "\t")
            .csv(str(map_path))
        )
        prompt_map.persist(StorageLevel.MEMORY_AND_DISK).createOrReplaceTempView("prompt_map")
        prompt_map.count()
    with timer.phase("aggregate_write"):
        for name in shim.OUTPUTS:
            frame = spark.sql(shim.load_sql(name, "spark"))
            report.rows[name] = _write_single(frame, out_dir, name)
        _write_clusters(out_dir, clusterer, report)
    events.unpersist()
    prompt_map.unpersist()
    shutil.rmtree(work, ignore_errors=True)


def _write_single(frame: Any, out_dir: Path, name: str) -> int:
    """Write a sorted frame as exactly one Parquet file `name.parquet`; returns its rows."""
    tmp = out_dir / "spark-work" / name
    shutil.rmtree(tmp, ignore_errors=True)
    frame.coalesce(1).write.mode("overwrite").option("compression", "zstd").parquet(str(tmp))
    parts = sorted(tmp.glob("part-*.parquet"))
    target = out_dir / f"{name}.parquet"
    if parts:
        shutil.move(str(parts[0]), target)
    shutil.rmtree(tmp, ignore_errors=True)
    import duckdb

    if not parts:  # an empty result writes no part file with some Spark versions
        return 0
    con = duckdb.connect()
    try:
        (count,) = con.execute(
            "SELECT count(*) FROM read_parquet(?)", [str(target)]
        ).fetchone() or (0,)
    finally:
        con.close()
    return int(count)


def _write_clusters(out_dir: Path, clusterer: PromptClusterer, report: AggregateReport) -> None:
    import duckdb

    from app.ingest.columnar.duckdb_engine import write_clusters

    con = duckdb.connect()
    try:
        write_clusters(con, out_dir, clusterer.take_new_or_changed_columns(), report)
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    """Driver entry point for spark-submit / python -m on a cluster."""
    from app.config import get_settings

    parser = argparse.ArgumentParser(description="Ringscope columnar aggregation on Spark.")
    parser.add_argument("inputs", nargs="+", type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--master", default=None, help="default: what spark-submit configured")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    spark = None
    if args.master is None:
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.appName("ringscope-aggregate")
        for key, value in shim.SPARK_CONF.items():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
    salt = get_settings().salt()
    report = run(
        args.inputs,
        args.out,
        salt,
        master=args.master or "local[2]",
        workers=args.workers,
        spark=spark,
    )
    print(json.dumps(report.manifest(salt, "")["counts"]))
    return 0 if report.reconciles() and not report.file_errors else 1


if __name__ == "__main__":
    sys.exit(main())
