"""Jinja2 templates of the web app and their display filters."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi.templating import Jinja2Templates

from app.exports.chromium import GRAPH_SCRIPTS

WEB_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=WEB_DIR / "templates")


def fmt_epoch(epoch: float | None) -> str:
    """Epoch seconds as "YYYY-MM-DD HH:MM" UTC."""
    if epoch is None:
        return ""
    return datetime.fromtimestamp(float(epoch), UTC).strftime("%Y-%m-%d %H:%M")


def fmt_iso(value: str | None) -> str:
    """A Neo4j / ISO datetime string as "YYYY-MM-DD HH:MM:SS UTC"."""
    if not value:
        return ""
    text = value.replace("T", " ").replace("Z", "")
    head, _, _ = text.partition(".")
    head = head.split("+")[0]
    return f"{head[:19]} UTC"


def fmt_duration(seconds: float | None) -> str:
    """1.2 s, 3 min 4 s, 1 h 2 min."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def fmt_int(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return ""


def entity_url(kind: str, key: str) -> str:
    """The entity page of a node (the ring page for a Ring)."""
    if kind == "Ring":
        return f"/rings/{quote(key, safe='')}"
    return f"/entity/{quote(kind, safe='')}/{quote(key, safe='')}"


def query_url(path: str, params: dict[str, Any], **changes: Any) -> str:
    """`path` with the current query parameters, some changed (None drops one)."""
    merged = {**params, **changes}
    clean = {k: v for k, v in merged.items() if v is not None and v != ""}
    return f"{path}?{urlencode(clean)}" if clean else path


def vendor_ready() -> bool:
    """Whether the vendored graph scripts are built (npm ci + scripts/build_web_assets.py)."""
    return all(p.exists() for p in GRAPH_SCRIPTS)


templates.env.filters["epoch"] = fmt_epoch
templates.env.filters["iso"] = fmt_iso
templates.env.filters["duration"] = fmt_duration
templates.env.filters["int"] = fmt_int
templates.env.globals["entity_url"] = entity_url
templates.env.globals["query_url"] = query_url
templates.env.globals["vendor_ready"] = vendor_ready
