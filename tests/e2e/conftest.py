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
sys.modules[_spec.name] = _api  # dataclasses in it look their module up there
_spec.loader.exec_module(_api)
seeded = _api.seeded
users = _api.users


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


def log_in(tab: Any, user: Any) -> None:
    """Log in through the login form, as a person would."""
    tab.goto("/rings")
    tab.wait_for_url("**/login?next=*")
    tab.fill("input[name=username]", user.username)
    tab.fill("input[name=password]", user.password)
    tab.click("#login-form button[type=submit]")
    tab.wait_for_url("**/rings")
    assert user.username in tab.inner_text("#current-user")


@pytest.fixture
def page(browser: Any, server: str, users: dict[str, Any]) -> Iterator[Any]:
    """A page logged in as an analyst that may only talk to the app: any other request is
    recorded and aborted. Playwright's wait_for_function evaluates strings, which the app's
    Content-Security-Policy forbids, so this page bypasses the CSP; `strict_page` does not."""
    yield from _page(browser, server, users["analyst"], bypass_csp=True)


@pytest.fixture
def strict_page(browser: Any, server: str, users: dict[str, Any]) -> Iterator[Any]:
    """An analyst's page under the real CSP: any CSP violation fails the test."""
    yield from _page(browser, server, users["analyst"], bypass_csp=False)


@pytest.fixture
def viewer_page(browser: Any, server: str, users: dict[str, Any]) -> Iterator[Any]:
    """A viewer's page under the real CSP."""
    yield from _page(browser, server, users["viewer"], bypass_csp=False)


def _page(browser: Any, server: str, user: Any, bypass_csp: bool) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1440, "height": 1000},
        accept_downloads=True,
        base_url=server,
        bypass_csp=bypass_csp,
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
    tab.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    log_in(tab, user)
    yield tab
    context.close()
    assert outside == [], f"the page tried to reach outside the app: {outside}"
    assert errors == [], f"JavaScript errors: {errors}"
