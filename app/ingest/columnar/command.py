"""`ringscope aggregate`: the columnar aggregation as a command (registered in app/cli.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.config import get_settings

console = Console()


def aggregate_command(
    inputs: Annotated[
        list[Path], typer.Argument(help="JSONL or JSONL.gz files, or directories of them.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder for the Parquet files.")],
    engine: Annotated[
        str, typer.Option(help="duckdb (one machine) or spark (same SQL on Spark).")
    ] = "duckdb",
    spark_master: Annotated[
        str, typer.Option(help="Spark master URL for --engine spark, e.g. local[2] or yarn.")
    ] = "local[2]",
    threads: Annotated[int, typer.Option(help="DuckDB threads.")] = 2,
    memory_limit: Annotated[
        str, typer.Option(help="DuckDB memory limit; it spills to disk beyond it.")
    ] = "6GB",
    workers: Annotated[
        int, typer.Option(help="Processes normalising prompts for clustering (1 = inline).")
    ] = 2,
) -> None:
    """Aggregate events into one Parquet file per row kind (no Neo4j needed); see docs/aggregation.md.

    Same rows as `ringscope ingest` would write for the whole input, plus the prompt clusters;
    bad lines go to OUT/quarantine.jsonl with file, line and reason.
    """
    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter("--engine must be duckdb or spark")
    from app.ingest.pipeline import IngestError, discover

    try:
        files = discover(inputs)
    except IngestError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    salt = get_settings().salt()
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} {task.fields[unit]}"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        tasks = {
            "lines": bar.add_task("reading + parsing", total=None, unit="lines", rate=""),
            "prompts": bar.add_task("clustering prompts", total=None, unit="prompt keys", rate=""),
        }
        began = {"lines": started, "prompts": 0.0}

        def progress(phase: str, n: int) -> None:
            if not began[phase]:
                began[phase] = time.perf_counter()
            task = tasks[phase]
            done = bar.tasks[task].completed + n
            rate = done / max(time.perf_counter() - began[phase], 1e-9)
            bar.update(task, completed=done, rate=f"{rate:,.0f}/s")

        if engine == "duckdb":
            from app.ingest.columnar import duckdb_engine

            report = duckdb_engine.run(
                files, out, salt, threads=threads, memory_limit=memory_limit,
                workers=workers, on_progress=progress,
            )  # fmt: skip
        else:
            from app.ingest.columnar import spark_engine

            report = spark_engine.run(
                files, out, salt, master=spark_master, workers=workers, on_progress=progress
            )
    table = Table(title=f"aggregate ({engine})", show_header=False)
    summary = [
        ("files", f"{len(report.files)}"),
        ("lines read", f"{report.read:,}"),
        ("aggregated", f"{report.aggregated:,}"),
        ("quarantined", f"{report.quarantined:,}"),
        ("slow-path lines", f"{report.slow_path_lines:,}"),
        (
            "prompt keys / clusters",
            f"{report.distinct_prompt_keys:,} / {report.clusters_written:,}",
        ),
        ("rows written", f"{sum(report.rows.values()):,}"),
        ("seconds", " · ".join(f"{k} {v:,.1f}" for k, v in report.seconds.items())),
        ("events/s", f"{report.events_per_second:,.0f}"),
        ("peak RSS", f"{report.peak_rss_bytes / 2**30:.2f} GiB"),
        ("output", str(out)),
    ]
    for name, value in summary:
        table.add_row(name, value)
    console.print(table)
    if report.quarantine_path:
        console.print(f"bad lines: {report.quarantine_path}")
    for error in report.file_errors:
        console.print(f"[red]{error}[/red]")
    if not report.reconciles():
        console.print("[red]counts do not reconcile (read ≠ aggregated + quarantined)[/red]")
        raise typer.Exit(1)
    if report.file_errors:
        raise typer.Exit(1)
