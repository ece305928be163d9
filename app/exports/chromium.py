"""Headless Chromium (Debian's, driven by Playwright's Python package) for PNG / SVG / PDF.

Nothing is downloaded: the browser is the system's `chromium` (RINGSCOPE_CHROMIUM_PATH or
/usr/bin/chromium) and the graph is drawn by the vendored Cytoscape.js in app/web/static/vendor.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
GRAPH_SCRIPTS = (
    VENDOR_DIR / "cytoscape.min.js",
    VENDOR_DIR / "layout-base.js",
    VENDOR_DIR / "cose-base.js",
    VENDOR_DIR / "cytoscape-fcose.js",
    VENDOR_DIR / "cytoscape-svg.js",
    STATIC_DIR / "js" / "graph-style.js",
)
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
RENDER_TIMEOUT_MS = 60_000


class ChromiumUnavailable(RuntimeError):
    """Headless Chromium, Playwright or the vendored graph scripts are missing."""


def chromium_path() -> str | None:
    """The Chromium executable: $RINGSCOPE_CHROMIUM_PATH, /usr/bin/chromium, or on $PATH."""
    configured = os.environ.get("RINGSCOPE_CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def headless_page(width: int = 1200, height: int = 800) -> Iterator[Any]:
    """A page in a fresh headless Chromium, with every network request blocked."""
    executable = chromium_path()
    if executable is None:
        raise ChromiumUnavailable(
            "headless Chromium not found: install Debian's `chromium` or set RINGSCOPE_CHROMIUM_PATH"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a pinned dependency
        raise ChromiumUnavailable("the `playwright` Python package is not installed") from exc
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            # Offline by construction: the report and render pages inline everything they need.
            context.route("**/*", lambda route: route.abort())
            yield context.new_page()
        finally:
            browser.close()


@lru_cache(maxsize=1)
def _graph_scripts() -> str:
    missing = [p for p in GRAPH_SCRIPTS if not p.exists()]
    if missing:
        raise ChromiumUnavailable(
            f"graph scripts missing ({', '.join(p.name for p in missing)}): run `npm ci` and "
            "`python scripts/build_web_assets.py`"
        )
    escaped = (
        p.read_text(encoding="utf-8").replace("</script", "<\\/script") for p in GRAPH_SCRIPTS
    )
    return "\n".join(f"<script>{text}</script>" for text in escaped)


def _render_page(elements: list[dict[str, Any]], layout: str) -> str:
    payload = json.dumps({"elements": elements, "layout": layout}).replace("</", "<\\/")
    return f"""<!doctype html><html><head><meta charset="utf-8">
<style>html,body{{margin:0;background:#fff}}#cy{{width:1200px;height:800px}}</style>
{_graph_scripts()}</head><body><div id="cy"></div>
<script>
const input = {payload};
const cy = cytoscape({{container: document.getElementById('cy'), elements: input.elements,
  style: RingscopeGraphStyle.style}});
window.cy = cy;
const layout = cy.layout(RingscopeGraphStyle.layoutOptions(input.layout, cy.nodes().length, false));
layout.one('layoutstop', () => {{ cy.fit(undefined, 30); window.__ready = true; }});
layout.run();
</script></body></html>"""


def render_graph(elements: list[dict[str, Any]], fmt: str, layout: str = "fcose") -> bytes:
    """Draw Cytoscape elements headlessly and return PNG bytes or SVG text (as bytes).

    Args:
        elements: Cytoscape.js elements (see ring_graph.to_elements).
        fmt: "png" or "svg".
        layout: a layout name known to graph-style.js.

    Returns:
        The picture.
    """
    if fmt not in ("png", "svg"):
        raise ValueError(f"render_graph: unknown format {fmt!r}")
    html = _render_page(elements, layout)
    with headless_page() as page:
        page.set_content(html, wait_until="load")
        page.wait_for_function("window.__ready === true", timeout=RENDER_TIMEOUT_MS)
        if fmt == "png":
            data = page.evaluate(
                "cy.png({output: 'base64', full: true, scale: 2, bg: '#ffffff',"
                " maxWidth: 4000, maxHeight: 4000})"
            )
            return base64.b64decode(data)
        svg = page.evaluate("cy.svg({full: true, bg: '#ffffff', scale: 1})")
        return str(svg).encode()


def html_to_pdf(html: str) -> bytes:
    """Print a self-contained HTML document to an A4 PDF."""
    with headless_page() as page:
        page.set_content(html, wait_until="load")
        page.emulate_media(media="print")
        pdf: bytes = page.pdf(
            format="A4",
            print_background=True,
            margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"},
        )
        return pdf
