"""End-to-end: real headless Chromium (Debian's, via Playwright's Python package) against the app
served by uvicorn in a thread on a free loopback port, over the seeded web scenario."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from app.exports.chromium import CHROMIUM_ARGS, GRAPH_SCRIPTS, chromium_path
from app.graph.runner import GraphRunner
from app.web.main import create_app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = chromium_path()

# The api tests' fixtures (Neo4j runner, seeded scenario) are shared, not copied.
_spec = importlib.util.spec_from_file_location(
    "web_api_conftest", Path(__file__).resolve().parents[1] / "api" / "conftest.py"
)
assert _spec and _spec.loader
_api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_api)
seeded = _api.seeded


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)
            if CHROMIUM is None:
                item.add_marker(
                    pytest.mark.skip(reason="no /usr/bin/chromium: apt-get install chromium")
                )


@pytest.fixture(scope="session")
def vendor_assets() -> None:
    """Build app/web/static/vendor from node_modules if needed (npm ci is a setup step)."""
    if all(p.exists() for p in GRAPH_SCRIPTS):
        return
    if not (ROOT / "node_modules").is_dir():
        pytest.fail("graph scripts missing and node_modules/ absent: run `npm ci --ignore-scripts`")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_web_assets.py")], check=True)


@pytest.fixture
def server(seeded: GraphRunner, vendor_assets: None) -> Iterator[str]:
    port = _api.free_port()
    config = uvicorn.Config(
        create_app(runner=seeded), host="127.0.0.1", port=port, log_level="warning"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A page that may only talk to the app: any other request is recorded and aborted."""
    context = browser.new_context(
        viewport={"width": 1440, "height": 1000}, accept_downloads=True, base_url=server
    )
    outside: list[str] = []
    errors: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(server) or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    tab = context.new_page()
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.outside_requests = outside
    tab.js_errors = errors
    yield tab
    context.close()
    assert outside == [], f"the page tried to reach outside the app: {outside}"
    assert errors == [], f"JavaScript errors: {errors}"
