"""The `ringscope` command."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from app.config import Settings, get_settings
from app.graph import local_server
from app.graph.queries import queries
from app.graph.runner import DatabaseUnavailable, GraphRunner
from app.graph.schema import apply_schema

app = typer.Typer(
    help="Ringscope: find, score and attribute coordinated distillation-attack account rings.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
neo4j_app = typer.Typer(help="Run the project's local Neo4j 5.26 server.", no_args_is_help=True)
seed_app = typer.Typer(help="Synthetic campaigns with ground truth.", no_args_is_help=True)
app.add_typer(neo4j_app, name="neo4j")
app.add_typer(seed_app, name="seed")

console = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


@contextmanager
def connected(settings: Settings) -> Iterator[GraphRunner]:
    """A runner on the configured Neo4j, with a clear message if it is not there."""
    runner = GraphRunner.from_settings(settings)
    try:
        runner.verify()
    except DatabaseUnavailable as exc:
        hint = (
            "start it with `ringscope neo4j start`"
            if settings.managed_neo4j
            else "check RINGSCOPE_NEO4J_URI"
        )
        runner.close()
        raise fail(f"{exc}\n{hint}") from None
    try:
        yield runner
    finally:
        runner.close()


# --- neo4j -----------------------------------------------------------------------------------


@neo4j_app.command("start")
def neo4j_start(
    timeout: Annotated[float, typer.Option(help="Seconds to wait for Bolt to answer.")] = 180.0,
) -> None:
    """Start the local Neo4j (builds the launcher with Maven the first time) and apply the schema."""
    settings = get_settings()
    try:
        with console.status("starting Neo4j 5.26 (first start fetches it with Maven)..."):
            began = time.perf_counter()
            state = local_server.start(settings, timeout=timeout)
    except local_server.LocalServerError as exc:
        raise fail(str(exc)) from None
    with connected(settings) as runner:
        apply_schema(runner)
    console.print(
        f"Neo4j is up at [bold]{state.uri}[/] (pid {state.pid}, {time.perf_counter() - began:.1f}s); "
        f"user {settings.neo4j_user}, password in {settings.local_secrets_file}"
    )


@neo4j_app.command("stop")
def neo4j_stop() -> None:
    """Stop the local Neo4j."""
    settings = get_settings()
    stopped = local_server.stop(settings)
    console.print("Neo4j stopped." if stopped else "Neo4j was not running.")


@neo4j_app.command("status")
def neo4j_status() -> None:
    """Say whether the configured Neo4j answers, and where its data lives."""
    settings = get_settings()
    if not settings.managed_neo4j:
        runner = GraphRunner.from_settings(settings)
        try:
            runner.verify()
            console.print(f"external Neo4j at {settings.neo4j_uri} answers")
        except DatabaseUnavailable as exc:
            raise fail(str(exc)) from None
        finally:
            runner.close()
        return
    state = local_server.status(settings)
    if not state.running:
        raise fail(f"local Neo4j is not running (data: {state.home}); `ringscope neo4j start`", 3)
    word = "answers" if state.answering else "does NOT answer"
    console.print(f"local Neo4j pid {state.pid} at {state.uri} {word}; data in {state.home}")
    if not state.answering:
        raise typer.Exit(1)


@neo4j_app.command("build")
def neo4j_build() -> None:
    """Fetch Neo4j 5.26 from Maven Central and build the launcher (neo4j-local/)."""
    try:
        with console.status("building neo4j-local with Maven..."):
            local_server.build(force=True)
    except local_server.LocalServerError as exc:
        raise fail(str(exc)) from None
    console.print("neo4j-local built.")


# --- data ------------------------------------------------------------------------------------


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=console,
    )


@app.command()
def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help="JSONL or JSONL.gz files, or directories of them.")
    ],
    quarantine: Annotated[
        Path | None,
        typer.Option(help="Where bad lines go (default var/quarantine/ingest-<time>.jsonl)."),
    ] = None,
    batch_lines: Annotated[int | None, typer.Option(help="Lines per transaction.")] = None,
) -> None:
    """Ingest events: validated, aggregated, written in batches; safe to re-run (idempotent)."""
    from app.ingest.pipeline import IngestError, Ingestor, default_quarantine_path

    settings = get_settings()
    with connected(settings) as runner:
        apply_schema(runner)
        with _progress() as bar:
            task = bar.add_task("ingesting", total=None, rate="")
            began = time.perf_counter()
            done = 0

            def advance(lines: int) -> None:
                nonlocal done
                done += lines
                rate = done / max(time.perf_counter() - began, 1e-9)
                bar.update(task, advance=lines, rate=f"{rate:,.0f} events/s")

            ingestor = Ingestor(
                runner,
                settings.salt(),
                batch_lines or settings.ingest_batch_lines,
                quarantine or default_quarantine_path(settings.var_dir),
                advance,
            )
            try:
                report = ingestor.run(paths)
            except IngestError as exc:
                raise fail(str(exc)) from None
            except DatabaseUnavailable as exc:
                done_report = ingestor.report
                raise fail(
                    f"{exc}\n{done_report.ingested:,} events were committed before it went away; "
                    "re-run the same command to resume (committed lines are skipped, none counted twice)"
                ) from None
    table = Table(title="ingest", show_header=False)
    for label, value in (
        ("files", report.files),
        ("lines read", report.read),
        ("ingested", report.ingested),
        ("quarantined", report.quarantined),
        ("already present (skipped)", report.already_present),
        ("events/s", f"{report.events_per_second:,.0f}"),
        ("Neo4j rows written", report.rows_written),
        ("Neo4j rows/s (write time only)", f"{report.rows_per_second:,.0f}"),
        ("prompt clusters (before → after)", f"{report.clusters_before} → {report.clusters_after}"),
        ("seconds", f"{report.seconds:.1f}"),
    ):
        table.add_row(label, f"{value:,}" if isinstance(value, int) else str(value))
    for kind, count in sorted(report.by_type.items()):
        table.add_row(f"  {kind} events", f"{count:,}")
    console.print(table)
    if report.quarantine_path:
        console.print(f"[yellow]{report.quarantined:,} bad lines[/] → {report.quarantine_path}")
    if not report.reconciles():
        raise fail("counts do not reconcile (read ≠ ingested + quarantined + already present)")
    if report.file_errors:
        for problem in report.file_errors:
            err.print(f"[red]{problem}[/]")
        raise typer.Exit(1)


@app.command()
def stats() -> None:
    """Count nodes and relationships in the graph."""
    settings = get_settings()
    with connected(settings) as runner:
        nodes = runner.read(queries.stats.count_nodes)
        rels = runner.read(queries.stats.count_relationships)
    table = Table("kind", "name", "count", "requests (sum of count)")
    for row in nodes:
        table.add_row("node", row["label"], f"{row['count']:,}", "")
    for row in rels:
        table.add_row("relationship", row["type"], f"{row['count']:,}", f"{row['total']:,}")
    console.print(table)


@app.command()
def reset(
    yes: Annotated[bool, typer.Option("--yes", help="Really delete every node.")] = False,
) -> None:
    """Delete all data in the graph (keeps constraints)."""
    if not yes:
        raise fail("this deletes every node and relationship; pass --yes to confirm", 2)
    settings = get_settings()
    with connected(settings) as runner:
        runner.run_autocommit(queries.stats.wipe_graph)
    console.print("graph wiped.")


@seed_app.command("generate")
def seed_generate(
    out: Annotated[Path, typer.Argument(help="Output folder: events.jsonl.gz and truth.json.")],
    scale: Annotated[
        float,
        typer.Option(help="1.0 = the seeds' magnitude (25k campaign accounts, 28.8M requests)."),
    ] = 0.01,
    seed: Annotated[
        int, typer.Option(help="Random seed; another seed gives another scenario.")
    ] = 7,
) -> None:
    """Generate a synthetic scenario: benign population, hard negatives, distillation campaigns."""
    from seed.generator import generate

    with _progress() as bar:
        task = bar.add_task("generating", total=None, rate="")
        stats = generate(
            out, scale=scale, seed=seed, progress=lambda n: bar.update(task, advance=n)
        )
    console.print(
        f"{stats.events:,} events ({stats.requests:,} requests, {stats.accounts:,} accounts, "
        f"{stats.campaign_accounts:,} in campaigns) in {stats.seconds:.1f}s "
        f"({stats.events_per_second:,.0f} events/s) → {out}"
    )


@app.command()
def demo(
    scale: Annotated[float, typer.Option(help="Scenario size (see `seed generate`).")] = 0.01,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
) -> None:
    """Start Neo4j, generate a small scenario, ingest it, and say what to open next."""
    settings = get_settings()
    began = time.perf_counter()
    if settings.managed_neo4j:
        neo4j_start()
    out = settings.var_dir / "demo"
    seed_generate(out, scale=scale, seed=seed)
    ingest([out], quarantine=None, batch_lines=None)
    console.print(
        f"\n[bold green]demo ready[/] in {time.perf_counter() - began:.0f}s. Next:\n"
        "  ringscope stats                      # what is in the graph\n"
        f"  Neo4j Bolt: {settings.bolt_uri()} (user {settings.neo4j_user}, password in {settings.local_secrets_file})\n"
        f"  ground truth: {out / 'truth.json'}"
    )


if __name__ == "__main__":
    app()
