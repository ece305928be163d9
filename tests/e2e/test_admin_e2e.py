"""End-to-end: an admin changes a runtime setting and queues a run in Chromium under the real
CSP (no JavaScript on these pages: plain forms, <details> for the edit form)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.graph import jobs_repo, settings_repo
from app.graph.runner import GraphRunner
from app.jobs.runtime_settings import effective_settings


@pytest.fixture
def admin_page(
    browser: Any, server: str, users: dict[str, Any], seeded: GraphRunner
) -> Iterator[Any]:
    # Its own small page (not conftest's analyst pages): `conftest` names collide across test
    # folders, so nothing is imported from it.
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, base_url=server)
    tab = context.new_page()
    csp_errors: list[str] = []
    tab.on(
        "console",
        lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    admin = users["admin"]
    tab.goto("/login")
    tab.fill("input[name=username]", admin.username)
    tab.fill("input[name=password]", admin.password)
    tab.click("#login-form button[type=submit]")
    tab.wait_for_url("**/rings")
    yield tab
    context.close()
    assert csp_errors == [], csp_errors
    # Settings survive the graph wipe: leave no override or pending request behind.
    settings_repo.write_setting(seeded, "flag_threshold", None, "tests", "e2e cleanup", "reset")
    for row in jobs_repo.list_run_requests(seeded, limit=100):
        if row["status"] == "pending":
            jobs_repo.cancel_run_request(seeded, row["request_id"], "tests")


def test_admin_edits_a_setting_and_queues_a_run(
    admin_page: Any, seeded: GraphRunner, settings: Any
) -> None:
    page = admin_page
    page.click("nav a[href='/admin/settings']")
    row = page.locator("#setting-flag_threshold")
    row.locator("summary").click()
    row.locator(".setting-form input[name=value]").fill("0.7")
    row.locator(".setting-form input[name=reason]").fill("e2e: fewer flags")
    row.locator(".setting-form button[type=submit]").click()
    page.wait_for_url("**/admin/settings*")
    assert "0.7" in page.locator("#setting-flag_threshold .setting-effective").inner_text()
    assert effective_settings(seeded, settings).flag_threshold == 0.7

    page.click("nav a[href='/admin/jobs']")
    page.fill("#run-now-form input[name=reason]", "e2e")
    page.click("#run-now-form button[type=submit]")
    page.wait_for_url("**/admin/jobs?requested=*")
    assert "queued" in page.inner_text("#request-queued")
    assert page.locator("#requests-table .badge.pending").count() >= 1
