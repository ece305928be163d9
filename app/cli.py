"""The `ringscope` command."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import neo4j
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

from app.auth.commands import users_app
from app.config import Settings, get_settings
from app.detection.model import Attribution, DetectionParams, DetectionResult, Ring, Signal
from app.graph import local_server
from app.graph.queries import queries
from app.graph.runner import DatabaseUnavailable, GraphRunner
from app.graph.schema import apply_schema
from app.ingest.columnar.command import aggregate_command
from app.ingest.load_command import load_command
from app.jobs.commands import jobs_app, scheduler_command
from app.jobs.settings_commands import settings_app

if TYPE_CHECKING:
    from app.ingest.pipeline import IngestReport

app = typer.Typer(
    help="Ringscope: find, score and attribute coordinated distillation-attack account rings.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
neo4j_app = typer.Typer(help="Run the project's local Neo4j 5.26 server.", no_args_is_help=True)
seed_app = typer.Typer(help="Synthetic campaigns with ground truth.", no_args_is_help=True)
app.add_typer(neo4j_app, name="neo4j")
app.add_typer(seed_app, name="seed")
app.add_typer(jobs_app, name="jobs")
app.add_typer(users_app, name="users")
app.add_typer(settings_app, name="settings")
app.command("scheduler")(scheduler_command)
app.command("aggregate")(aggregate_command)
app.command("load")(load_command)

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


# Neo4j going away mid-ingest surfaces as any of these, depending on when it happens: the
# runner's own error, or the driver's when a connection dies inside a transaction function.
_DB_GONE: tuple[type[Exception], ...] = (
    DatabaseUnavailable,
    neo4j.exceptions.ServiceUnavailable,
    neo4j.exceptions.SessionExpired,
    neo4j.exceptions.DatabaseUnavailable,
)


def _ingest_interrupted(report: IngestReport, exc: Exception, settings: Settings) -> str:
    """One paragraph: what failed, where the ingest stood, and how to finish it."""
    where = "before the first file was opened"
    if report.current_file is not None:
        where = (
            f"while ingesting {report.current_file}; lines 1-{report.current_committed:,} of it "
            "are committed"
            if report.current_committed
            else f"while ingesting {report.current_file}; none of its lines are committed yet"
        )
    if report.files:
        where += f" ({report.files} earlier file(s) are complete)"
    cause = " ".join(str(exc).split())[:300].rstrip(":. ") or type(exc).__name__
    hint = "`ringscope neo4j start`" if settings.managed_neo4j else "check RINGSCOPE_NEO4J_URI"
    return (
        f"Neo4j stopped answering {where}. Cause: {cause}. Start it again ({hint}) and re-run "
        "the same command: committed lines are skipped and the rest is ingested, so no event is "
        "lost or counted twice."
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
    # The driver logs each retry while Neo4j is away (for up to ~30 s); the one message below
    # says what happened and what to do, so those lines would only bury it.
    logging.getLogger("neo4j").setLevel(logging.CRITICAL)
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
            except _DB_GONE as exc:
                raise fail(_ingest_interrupted(ingestor.report, exc, settings)) from None
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
    scale: Annotated[float, typer.Option(help="Scenario size (see `seed generate`).")] = 0.005,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
) -> None:
    """Start Neo4j, generate a small scenario, ingest it, detect rings, say what to open next."""
    settings = get_settings()
    began = time.perf_counter()
    if settings.managed_neo4j:
        neo4j_start()
    out = settings.var_dir / "demo"
    seed_generate(out, scale=scale, seed=seed)
    ingest([out], quarantine=None, batch_lines=None)
    detect(
        resolution=1.0,
        seed=42,
        algorithm=DetectionParams().algorithm,
        threshold=DetectionParams().flag_threshold,
    )
    console.print(
        f"\n[bold green]demo ready[/] in {time.perf_counter() - began:.0f}s. Next:\n"
        "  ringscope rings                      # the rings it found\n"
        f"  ringscope evaluate --truth {out / 'truth.json'}   # against the ground truth\n"
        "  ringscope users add NAME --role admin  # the first web app user (password prompted)\n"
        "  ringscope serve                      # the analyst web app on http://127.0.0.1:8000\n"
        "  ringscope stats                      # what is in the graph\n"
        f"  Neo4j Bolt: {settings.bolt_uri()} (user {settings.neo4j_user}, password in {settings.local_secrets_file})\n"
        f"  ground truth: {out / 'truth.json'}"
    )


# --- detection -------------------------------------------------------------------------------


@app.command()
def detect(
    resolution: Annotated[
        float, typer.Option(help="Louvain resolution (higher → smaller rings).")
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="Louvain random seed (fixed → repeatable runs).")] = 42,
    algorithm: Annotated[
        str,
        typer.Option(
            help="networkit-plm (default: NetworKit's Louvain with refinement, every core, "
            "repeatable), networkit-leiden, leiden (igraph + leidenalg), python-louvain, "
            "networkx-louvain, or gds-louvain / gds-leiden (in Neo4j, needs the Graph Data "
            "Science plugin); see docs/algorithms.md."
        ),
    ] = DetectionParams().algorithm,
    threshold: Annotated[
        float | None,
        typer.Option(
            help="Score at or above which a ring is flagged for an analyst "
            "(default: the flag_threshold runtime setting, `ringscope settings list`)."
        ),
    ] = None,
    incremental: Annotated[
        bool,
        typer.Option(
            "--incremental",
            help="Recompute only the accounts ingested since the last run and what they connect "
            "to; carry the other rings over (falls back to a full run when it cannot; docs/jobs.md).",
        ),
    ] = False,
) -> None:
    """Run one detection run: project the graph, find and score rings, attribute, write back."""
    from app.jobs.detection_run import run_detection
    from app.jobs.lock import RunLocked
    from app.jobs.runtime_settings import effective_settings

    with connected(get_settings()) as runner, console.status("detecting rings..."):
        # The admins' runtime settings (thresholds) apply here too, not only to scheduled runs.
        settings = effective_settings(runner, get_settings())
        params = DetectionParams(
            algorithm=algorithm,
            resolution=resolution,
            seed=seed,
            flag_threshold=settings.flag_threshold if threshold is None else threshold,
        )
        try:
            outcome = run_detection(
                runner, params, settings=settings, mode="incremental" if incremental else "full"
            )
        except DatabaseUnavailable as exc:
            raise fail(
                f"{exc}\nthe run did not finish; the previous run's results stay in place"
            ) from None
        except RunLocked as exc:
            raise fail(f"{exc}; try again when it has finished", 3) from None
        except Exception as exc:
            raise fail(
                f"detection run failed: {type(exc).__name__}: {exc}\n"
                "it is recorded as failed; the previous run's results stay in place"
            ) from None
    table = Table("stage", "seconds", "peak RSS (MB)", title=f"run {outcome.run_id}")
    for stage, figures in outcome.stages.items():
        rss = figures.get("peak_rss_mb")
        table.add_row(stage, f"{figures['seconds']:.2f}", f"{rss:,.0f}" if rss else "")
    console.print(table)
    counts = outcome.counts
    if incremental:
        console.print(f"{outcome.mode} run: {outcome.mode_reason}")
    console.print(
        f"{counts['accounts']:,} accounts → {counts['rings']:,} rings, "
        f"[bold]{counts['flagged']:,} flagged[/], {counts['attributed']:,} attributed"
    )


def _resolve_run(runner: GraphRunner, run: str | None) -> str:
    from app.graph.detection_repo import latest_run_id

    run_id = run or latest_run_id(runner)
    if run_id is None:
        raise fail("no succeeded detection run yet; run `ringscope detect`")
    return run_id


@app.command()
def rings(
    output_format: Annotated[str, typer.Option("--format", help="json, table or csv.")] = "table",
    run: Annotated[
        str | None, typer.Option(help="Run id (default: the latest succeeded run).")
    ] = None,
    flagged_only: Annotated[
        bool, typer.Option("--flagged-only", help="Only flagged rings.")
    ] = False,
) -> None:
    """Print the rings of a detection run."""
    import csv
    import json
    import sys

    from app.graph.detection_repo import run_rings

    if output_format not in ("json", "table", "csv"):
        raise fail(f"--format must be json, table or csv, not {output_format!r}", 2)
    settings = get_settings()
    with connected(settings) as runner:
        run_id = _resolve_run(runner, run)
        found = [r for r in run_rings(runner, run_id) if r.flagged or not flagged_only]
    if output_format == "json":
        payload = {"run_id": run_id, "rings": [r.as_json() for r in found]}
        sys.stdout.write(json.dumps(payload, indent=1) + "\n")
    elif output_format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(
            ["ring_id", "score", "flagged", "size", "operator", "confidence", "top_signals"]
        )
        for r in found:
            writer.writerow(
                [
                    r.ring_id,
                    f"{r.score:.3f}",
                    r.flagged,
                    r.size,
                    r.operator["name"] if r.operator else "",
                    f"{r.operator['confidence']:.2f}" if r.operator else "",
                    "; ".join(s["name"] for s in r.signals[:3]),
                ]
            )
    else:
        table = Table(
            "ring", "score", "flagged", "size", "operator", "top signals", title=f"run {run_id}"
        )
        for r in found:
            operator = (
                f"{r.operator['name']} ({r.operator['confidence']:.2f})" if r.operator else ""
            )
            top = ", ".join(s["name"] for s in sorted(r.signals, key=lambda s: -s["weight"])[:3])
            table.add_row(
                r.ring_id, f"{r.score:.2f}", "yes" if r.flagged else "", str(r.size), operator, top
            )
        console.print(table)


@app.command()
def evaluate(
    truth: Annotated[Path, typer.Option(help="truth.json written by `ringscope seed generate`.")],
    run: Annotated[
        str | None, typer.Option(help="Run id (default: the latest succeeded run).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Score a run against a generator's ground truth (precision, recall, F1, attribution)."""
    import json

    from app.detection.evaluation import evaluate as evaluate_result
    from app.graph.detection_repo import run_rings

    try:
        truth_data = json.loads(truth.read_text())
    except (OSError, ValueError) as exc:
        raise fail(f"{truth}: cannot read ground truth: {exc}") from None
    settings = get_settings()
    with connected(settings) as runner:
        run_id = _resolve_run(runner, run)
        stored = run_rings(runner, run_id)
    metrics = evaluate_result(rings_from_rows(stored), truth_data)
    if as_json:
        console.print_json(json.dumps({"run_id": run_id, **metrics}))
        return
    table = Table("metric", "value", title=f"run {run_id} vs {truth}")
    for key, value in metrics.items():
        table.add_row(key, json.dumps(value) if isinstance(value, dict | list) else f"{value}")
    console.print(table)


def rings_from_rows(rows: list[Any]) -> DetectionResult:
    """Rebuild a DetectionResult from stored rings, for evaluation."""
    built = []
    for row in rows:
        attribution = None
        if row.operator:
            attribution = Attribution(
                row.operator["name"],
                float(row.operator["confidence"]),
                tuple(row.operator["evidence"]),
            )
        signals = tuple(Signal(s["name"], float(s["weight"]), s["detail"]) for s in row.signals)
        built.append(
            Ring(row.ring_id, tuple(row.accounts), row.score, row.flagged, signals, attribution)
        )
    return DetectionResult(tuple(built), DetectionParams())


# --- web and exports -------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Interface to listen on (0.0.0.0 for every one).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    with_scheduler: Annotated[
        bool,
        typer.Option(
            "--with-scheduler",
            help="Also run scheduled detection (RINGSCOPE_SCHEDULE_*) in this process.",
        ),
    ] = False,
) -> None:
    """Serve the analyst web app and its JSON API (fully offline: no CDN) until Ctrl-C."""
    from app.web.main import serve as serve_web
    from app.web.templating import vendor_ready

    settings = get_settings()
    if not vendor_ready():
        err.print(
            "[yellow]graph scripts are not built:[/] run `npm ci --ignore-scripts && "
            "python scripts/build_web_assets.py` (pages work, graphs and /docs need them)"
        )
    if with_scheduler:
        from app.jobs.scheduler import describe_trigger

        try:
            # The scheduler applies an admin's runtime override on its first tick; connecting to
            # Neo4j here just to print it would delay the server's start.
            console.print(
                f"scheduled detection: {describe_trigger(settings)} from the environment "
                "(an admin's runtime setting wins: /admin/jobs)"
            )
        except ValueError as exc:
            raise fail(f"bad schedule: {exc}", 2) from None
    console.print(f"Ringscope web app on [bold]http://{host}:{port}/[/] (API docs at /docs)")
    try:
        serve_web(host, port, settings, with_scheduler=with_scheduler)
    except DatabaseUnavailable as exc:
        raise fail(f"{exc}\nstart it with `ringscope neo4j start`") from None


export_app = typer.Typer(help="Export detection results for sharing.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("ring")
def export_ring(
    ring_id: Annotated[str, typer.Argument(help="The ring id (see `ringscope rings`).")],
    out: Annotated[Path, typer.Option("--out", help="Output file, or an existing folder.")],
    output_format: Annotated[
        str, typer.Option("--format", help="graphml, json, csv (zip), png, svg, html or pdf.")
    ] = "html",
    redact: Annotated[
        bool,
        typer.Option(
            "--redact", help="Pseudonymise account ids, e-mail domains and orgs (acct-1, ...)."
        ),
    ] = False,
    run: Annotated[
        str | None, typer.Option(help="Run id (default: the latest succeeded run).")
    ] = None,
) -> None:
    """Export one ring: GraphML / JSON / CSV data, a PNG / SVG picture, or an HTML / PDF report."""
    from app.exports.chromium import ChromiumUnavailable
    from app.exports.report import RingNotFound
    from app.exports.service import ExportFormat, write_ring_export

    try:
        fmt = ExportFormat(output_format)
    except ValueError:
        raise fail(
            f"--format must be one of {', '.join(f.value for f in ExportFormat)}, not {output_format!r}",
            2,
        ) from None
    settings = get_settings()
    with connected(settings) as runner:
        try:
            written = write_ring_export(runner, ring_id, fmt, out, redacted=redact, run_id=run)
        except RingNotFound as exc:
            raise fail(str(exc)) from None
        except ChromiumUnavailable as exc:
            raise fail(f"{fmt.value} needs headless Chromium: {exc}") from None
    console.print(f"wrote {written.filename} ({len(written.content):,} bytes)")


if __name__ == "__main__":
    app()
