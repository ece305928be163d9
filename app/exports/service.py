"""One entry point for every ring export, shared by the web app and the CLI."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.exports import chromium, formats, picture
from app.exports.report import RingReport, load_ring_report, redact
from app.exports.ring_graph import collapse, to_elements
from app.exports.signals import explain_all
from app.graph.runner import GraphRunner

TEMPLATES = Path(__file__).resolve().parent / "templates"
REPORT_MEMBER_CAP = 2_000


class ExportFormat(StrEnum):
    """Export formats (the allow-list)."""

    GRAPHML = "graphml"
    JSON = "json"
    CSV = "csv"
    PNG = "png"
    SVG = "svg"
    HTML = "html"
    PDF = "pdf"


MEDIA_TYPES = {
    ExportFormat.GRAPHML: "application/graphml+xml",
    ExportFormat.JSON: "application/json",
    ExportFormat.CSV: "application/zip",
    ExportFormat.PNG: "image/png",
    ExportFormat.SVG: "image/svg+xml",
    ExportFormat.HTML: "text/html; charset=utf-8",
    ExportFormat.PDF: "application/pdf",
}
EXTENSIONS = {ExportFormat.CSV: "zip"}


@dataclass(frozen=True)
class ExportFile:
    """An export ready to be written or sent."""

    filename: str
    media_type: str
    content: bytes


def _iso(epoch: float | None) -> str:
    if epoch is None:
        return ""
    return datetime.fromtimestamp(float(epoch), UTC).strftime("%Y-%m-%d %H:%M")


def _when(value: str | None) -> str:
    """An ISO / Neo4j datetime string as "YYYY-MM-DD HH:MM:SS UTC"."""
    if not value:
        return ""
    head = value.replace("T", " ").split(".")[0].split("+")[0].rstrip("Z")
    return f"{head[:19]} UTC"


_env = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), trim_blocks=True
)
_env.filters["iso"] = _iso
_env.filters["when"] = _when


def report_html(report: RingReport) -> str:
    """A self-contained HTML report: inline CSS, the graph inlined as an SVG data URI."""
    view = collapse(report.graph)
    svg = picture.render_svg(view, title=f"Ring {report.ring.ring_id}")
    caption = (
        f"{len(view.nodes)} nodes, {len(view.edges)} links"
        + (
            " — member accounts with identical attachments drawn as one group"
            if view.collapsed
            else ""
        )
        + ". Blue: accounts; amber: payment methods; green: IPs; cyan: devices; "
        "pink: prompt clusters; red star: operator; purple ring: analyst-labeled account."
    )
    return _env.get_template("report.html").render(
        ring=report.ring,
        run=report.run,
        members=report.members,
        member_cap=REPORT_MEMBER_CAP,
        signals=explain_all(report.ring.signals),
        picture=picture.svg_data_uri(svg),
        caption=caption,
        generated_at=_when(report.generated_at),
        redacted=report.redacted,
    )


def export_filename(report: RingReport, fmt: ExportFormat) -> str:
    """e.g. ring-<id>-<run>[-redacted].graphml, with only safe characters."""
    stem = f"ring-{report.ring.ring_id}-{report.run.run_id}" + (
        "-redacted" if report.redacted else ""
    )
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)
    return f"{stem}.{EXTENSIONS.get(fmt, fmt.value)}"


def build_export(report: RingReport, fmt: ExportFormat | str, redacted: bool = False) -> ExportFile:
    """Build one export of a ring.

    Args:
        report: the ring's data (see report.load_ring_report).
        fmt: one of ExportFormat.
        redacted: replace account ids, e-mail domains and organisations by pseudonyms.

    Returns:
        The file name, media type and bytes.

    Raises:
        ValueError: unknown format.
        chromium.ChromiumUnavailable: PNG / PDF need headless Chromium (SVG falls back to the
            Python drawing without it).
    """
    fmt = ExportFormat(fmt)
    if redacted and not report.redacted:
        report = redact(report)
    if fmt is ExportFormat.GRAPHML:
        content = formats.to_graphml(report)
    elif fmt is ExportFormat.JSON:
        content = formats.to_json(report)
    elif fmt is ExportFormat.CSV:
        content = formats.to_csv_zip(report)
    elif fmt is ExportFormat.HTML:
        content = report_html(report).encode()
    elif fmt is ExportFormat.PDF:
        content = chromium.html_to_pdf(report_html(report))
    elif fmt is ExportFormat.PNG:
        content = chromium.render_graph(to_elements(collapse(report.graph)), "png")
    else:
        try:
            content = chromium.render_graph(to_elements(collapse(report.graph)), "svg")
        except chromium.ChromiumUnavailable:
            content = picture.render_svg(collapse(report.graph)).encode()
    return ExportFile(export_filename(report, fmt), MEDIA_TYPES[fmt], content)


def write_ring_export(
    runner: GraphRunner,
    ring_id: str,
    fmt: ExportFormat | str,
    out: Path,
    redacted: bool = False,
    run_id: str | None = None,
) -> ExportFile:
    """Load a ring and write one export of it to `out` (a file, or a folder to put it in).

    Args:
        runner: the database seam.
        ring_id: the ring.
        fmt: one of ExportFormat.
        out: target file, or an existing directory (the file is then named for the ring).
        redacted: pseudonymise account ids, e-mail domains and organisations.
        run_id: the run (default: the newest succeeded run).

    Returns:
        What was written (its filename is the path written).

    Raises:
        report.RingNotFound: no such ring / run.
        chromium.ChromiumUnavailable: PNG / PDF without headless Chromium.
    """
    export = build_export(load_ring_report(runner, ring_id, run_id), fmt, redacted=redacted)
    target = out / export.filename if out.is_dir() else out
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(export.content)
    return ExportFile(str(target), export.media_type, export.content)
