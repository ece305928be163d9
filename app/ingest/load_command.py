"""`ringscope load`: write an aggregate folder (`ringscope aggregate`) into Neo4j (registered in
app/cli.py). Transactional and exactly once by default; `--bulk` uses the offline importer for a
first load into an empty local database."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import neo4j
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.config import get_settings
from app.graph.runner import DatabaseUnavailable, GraphRunner
from app.graph.schema import apply_schema
from app.ingest.load import DEFAULT_CHUNK_ROWS, DEFAULT_WRITERS, LoadConflict, LoadError

console = Console()
err = Console(stderr=True)

_DB_GONE = (
    DatabaseUnavailable,
    neo4j.exceptions.ServiceUnavailable,
    neo4j.exceptions.SessionExpired,
)


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/] {message}")
    return typer.Exit(code)


def load_command(
    folder: Annotated[
        Path, typer.Argument(help="An aggregate folder written by `ringscope aggregate`.")
    ],
    bulk: Annotated[
        bool,
        typer.Option(
            "--bulk",
            help="First load only: stop the local Neo4j, run neo4j-admin's offline importer into "
            "the EMPTY database, start it again (much faster; refused if the graph holds data).",
        ),
    ] = False,
    chunk_rows: Annotated[
        int, typer.Option(help="Rows per transaction (a resumed load keeps its first size).")
    ] = DEFAULT_CHUNK_ROWS,
    writers: Annotated[
        int,
        typer.Option(help="Parallel writers for node kinds (relationship kinds always use one)."),
    ] = DEFAULT_WRITERS,
) -> None:
    """Load an aggregate folder into Neo4j, exactly once; see docs/aggregation.md and docs/scaling.md.

    Safe to re-run: a stopped load resumes, a loaded folder is a no-op.

    Its input files then count as ingested: `ringscope ingest` of them adds nothing.
    """
    from app.ingest.load import load_folder, open_folder

    settings = get_settings()
    try:
        manifest = open_folder(folder)
        manifest.check_salt(settings.salt())
    except LoadError as exc:
        raise _fail(str(exc), 2) from None
    if bulk:
        _bulk(folder)
        return
    logging.getLogger("neo4j").setLevel(logging.CRITICAL)
    runner = GraphRunner.from_settings(settings)
    try:
        runner.verify()
        apply_schema(runner)
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,.0f}/{task.total:,.0f} rows"),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(kind: str, done: int, total: int) -> None:
                if kind not in tasks:
                    tasks[kind] = bar.add_task(kind, total=total)
                bar.update(tasks[kind], completed=done)

            report = load_folder(
                runner,
                folder,
                chunk_rows=chunk_rows,
                writers=writers,
                on_progress=progress,
                salt=settings.salt(),
            )
    except (LoadError, LoadConflict) as exc:
        raise _fail(str(exc)) from None
    except _DB_GONE as exc:
        raise _fail(
            f"Neo4j went away while loading {folder}: {exc}. Every chunk written so far is "
            "committed with its mark; start Neo4j and re-run the same command to resume."
        ) from None
    finally:
        runner.close()
    if report.already_loaded:
        console.print(f"{folder} is already loaded (digest {report.digest[:12]}): nothing to do.")
        return
    table = Table("kind", "rows", "chunks written", "chunks skipped", "rows/s")
    for kind, figures in report.kinds.items():
        table.add_row(
            kind,
            f"{figures.rows:,}",
            f"{figures.chunks_written:,}",
            f"{figures.chunks_skipped:,}",
            f"{figures.rows_per_second:,.0f}",
        )
    console.print(table)
    console.print(
        f"{report.rows_written:,} rows in {report.seconds:.1f}s "
        f"({report.rows_per_second:,.0f} rows/s{', resumed' if report.resumed else ''})"
    )


def _bulk(folder: Path) -> None:
    from app.ingest.bulk_import import BulkImportError, bulk_load

    with console.status("bulk import (the local Neo4j restarts)..."):
        try:
            report = bulk_load(get_settings(), folder)
        except (BulkImportError, LoadError) as exc:
            raise _fail(str(exc)) from None
    table = Table("stage", "seconds")
    for stage, seconds in (
        ("stage Parquet for the importer", report.stage_seconds),
        ("neo4j-admin import", report.import_seconds),
        ("restart Neo4j", report.restart_seconds),
        ("schema (constraints, indexes)", report.schema_seconds),
    ):
        table.add_row(stage, f"{seconds:.1f}")
    console.print(table)
    console.print(f"{report.rows:,} nodes and relationships imported.")
