"""Admin jobs and runtime settings pages and API on the real Neo4j: changes take effect, are
validated (nothing stored on error), audited with old → new and reason (secrets masked), reset;
"Run now" only queues a request; viewers and analysts get 403."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_auth import WebUser, login

from app.auth.audit import AuditLog
from app.config import Settings
from app.graph import jobs_repo, settings_repo
from app.graph.runner import GraphRunner
from app.jobs.runtime_settings import SPECS, effective_settings, list_settings
from app.web.main import create_app

pytestmark = pytest.mark.integration


def _clear_overrides(runner: GraphRunner) -> None:
    # Settings survive the graph wipe (like users): leave none behind for other tests.
    for key in SPECS:
        settings_repo.write_setting(runner, key, None, "tests", "test cleanup", "reset")


@pytest.fixture
def admin_app(
    seeded: GraphRunner, users: dict[str, WebUser], tmp_path: Path
) -> Iterator[tuple[TestClient, AuditLog, Settings]]:
    """An admin (bearer token) on an app whose audit log is this test's own."""
    _clear_overrides(seeded)
    settings = Settings(audit_dir=tmp_path)
    app = create_app(runner=seeded, settings=settings)
    with TestClient(app, base_url="http://localhost", headers=users["admin"].bearer) as client:
        yield client, AuditLog(tmp_path), settings
    _clear_overrides(seeded)
    for row in jobs_repo.list_run_requests(seeded, limit=100):
        if row["status"] == "pending":
            jobs_repo.cancel_run_request(seeded, row["request_id"], "tests")


def _setting(client: TestClient, key: str) -> dict[str, object]:
    rows = client.get("/api/admin/settings").json()["settings"]
    return next(r for r in rows if r["key"] == key)


def test_admin_changes_a_setting_audited_and_resets_it(
    admin_app: tuple[TestClient, AuditLog, Settings], seeded: GraphRunner
) -> None:
    client, log, settings = admin_app
    before = _setting(client, "flag_threshold")
    assert before["effective"] == "0.5" and before["source"] == "default"
    changed = client.put(
        "/api/admin/settings/flag_threshold",
        json={"value": 0.65, "reason": "too many benign rings flagged"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["change"] == {
        "key": "flag_threshold",
        "old": "0.5",
        "new": "0.65",
        "old_source": "default",
        "reason": "too many benign rings flagged",
    }
    after = _setting(client, "flag_threshold")
    assert after["effective"] == "0.65" and after["source"] == "override"
    assert after["updated_by"] == "t-admin" and after["reason"] == "too many benign rings flagged"
    # What the scheduler and run-now read.
    assert effective_settings(seeded, settings).flag_threshold == 0.65

    reset = client.delete("/api/admin/settings/flag_threshold?reason=back%20to%20normal")
    assert reset.status_code == 200, reset.text
    assert reset.json()["change"]["old"] == "0.65" and reset.json()["change"]["new"] == "0.5"
    assert _setting(client, "flag_threshold")["source"] == "default"
    assert effective_settings(seeded, settings).flag_threshold == 0.5

    entries = [e for e in log.entries() if e["action"].startswith("setting.")]
    assert [(e["action"], e["target"], e["actor"], e["outcome"]) for e in entries] == [
        ("setting.set", "flag_threshold", "t-admin", "ok"),
        ("setting.reset", "flag_threshold", "t-admin", "ok"),
    ]
    assert entries[0]["details"]["old"] == "0.5" and entries[0]["details"]["new"] == "0.65"
    assert entries[0]["details"]["reason"] == "too many benign rings flagged"
    assert entries[1]["details"]["reason"] == "back to normal"
    assert log.verify().ok
    assert client.get("/api/admin/audit/verify").json()["ok"] is True


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("schedule_interval_minutes", "0", "schedule_interval_minutes: must be >= 1"),
        ("schedule_interval_minutes", "soon", "schedule_interval_minutes: expected a number"),
        ("schedule_cron", "61 * * * *", "schedule_cron: not a valid 5-field cron"),
        ("incremental_max_share", 0, "incremental_max_share: must be > 0"),
        ("schedule_full_every", "2.5", "schedule_full_every: expected an integer"),
        ("schedule_incremental", "maybe", "schedule_incremental: expected true or false"),
        ("webhook_url", "ftp://x.example/hook", "webhook_url: expected an http:// or https://"),
    ],
)
def test_bad_values_are_refused_naming_the_field_and_nothing_is_stored(
    admin_app: tuple[TestClient, AuditLog, Settings],
    seeded: GraphRunner,
    key: str,
    value: object,
    message: str,
) -> None:
    client, log, settings = admin_app
    response = client.put(f"/api/admin/settings/{key}", json={"value": value, "reason": "try"})
    assert response.status_code == 422 and message in response.json()["detail"], response.text
    view = next(v for v in list_settings(seeded, settings) if v.key == key)
    assert view.override is None and view.source != "override"
    refused = [e for e in log.entries() if e["action"] == "setting.set"]
    assert (
        refused and refused[-1]["outcome"] == "error" and message in refused[-1]["details"]["error"]
    )


def test_reason_is_required_and_unknown_keys_are_404(
    admin_app: tuple[TestClient, AuditLog, Settings], seeded: GraphRunner
) -> None:
    client, _, settings = admin_app
    blank = client.put("/api/admin/settings/schedule_cron", json={"value": "", "reason": "  "})
    assert blank.status_code == 422 and "schedule_cron: a reason is required" in blank.text
    assert client.put("/api/admin/settings/schedule_cron", json={"value": ""}).status_code == 422
    unknown = client.put("/api/admin/settings/neo4j_password", json={"value": "x", "reason": "r"})
    assert unknown.status_code == 404 and "not a runtime setting" in unknown.text
    assert client.delete("/api/admin/settings/flag_threshold?reason=").status_code == 422
    assert effective_settings(seeded, settings) is settings  # no override anywhere


def test_settings_page_form_masks_the_webhook_secret(
    seeded: GraphRunner, users: dict[str, WebUser], tmp_path: Path
) -> None:
    _clear_overrides(seeded)
    settings = Settings(audit_dir=tmp_path)
    secret_url = "https://hooks.example.net/services/T000/B000/s3cr3t-t0ken"
    try:
        with TestClient(
            create_app(runner=seeded, settings=settings), base_url="http://localhost"
        ) as client:
            csrf = login(client, users["admin"])
            page = client.get("/admin/settings")
            assert page.status_code == 200 and 'id="settings-table"' in page.text
            assert 'href="/admin/settings"' in page.text and 'href="/admin/jobs"' in page.text
            # No CSRF token: refused before anything happens.
            form = {"value": secret_url, "reason": "new incident channel"}
            assert client.post("/admin/settings/webhook_url", data=form).status_code == 403
            done = client.post(
                "/admin/settings/webhook_url",
                data={**form, "csrf_token": csrf},
                follow_redirects=False,
            )
            assert done.status_code == 303
            assert effective_settings(seeded, settings).webhook_url == secret_url
            page = client.get("/admin/settings").text
            assert "https://hooks.example.net/…" in page and "s3cr3t" not in page
            assert "s3cr3t" not in json.dumps(client.get("/api/admin/settings").json())
            bad = client.post(
                "/admin/settings/schedule_interval_minutes",
                data={"value": "-5", "reason": "oops", "csrf_token": csrf},
            )
            assert bad.status_code == 422
            assert "schedule_interval_minutes: must be &gt;= 1" in bad.text
            assert "nothing was saved" in bad.text
            no_reason = client.post(
                "/admin/settings/webhook_url/reset", data={"reason": "", "csrf_token": csrf}
            )
            assert no_reason.status_code == 422 and "a reason is required" in no_reason.text
            reset = client.post(
                "/admin/settings/webhook_url/reset",
                data={"reason": "channel retired", "csrf_token": csrf},
                follow_redirects=False,
            )
            assert reset.status_code == 303
            assert effective_settings(seeded, settings).webhook_url == settings.webhook_url
        log = AuditLog(tmp_path)
        text = log.path.read_text()
        assert "s3cr3t" not in text
        set_entry = next(e for e in log.entries() if e["action"] == "setting.set")
        assert set_entry["details"]["new"] == "https://hooks.example.net/…"
        assert set_entry["details"]["old"] == ""
        assert set_entry["details"]["via"] == "session"
        assert any(e["action"] == "setting.reset" for e in log.entries())
        assert log.verify().ok
    finally:
        _clear_overrides(seeded)


def test_jobs_page_queues_run_requests_and_never_runs_detection(
    admin_app: tuple[TestClient, AuditLog, Settings], seeded: GraphRunner
) -> None:
    client, log, _ = admin_app
    runs_before = len(jobs_repo.job_runs(seeded, limit=1000))
    page = client.get("/admin/jobs")
    assert page.status_code == 200
    assert 'id="no-scheduler"' in page.text  # no scheduler polls the API tests' database
    assert 'id="run-now-form"' in page.text and 'id="lock-holder"' in page.text
    queued = client.post("/api/admin/jobs/run-requests", json={"full": True, "reason": "check"})
    assert queued.status_code == 202, queued.text
    body = queued.json()
    assert body["status"] == "pending" and body["scheduler_alive"] is False
    overview = client.get("/api/admin/jobs").json()
    request = next(r for r in overview["requests"] if r["request_id"] == body["request_id"])
    assert request["status"] == "pending" and request["full"] is True
    assert request["requested_by"] == "t-admin"
    assert overview["schedule"]["description"] and overview["pending_requests"] >= 1
    assert overview["schedule"]["interval_source"] in ("env", "default")
    assert len(jobs_repo.job_runs(seeded, limit=1000)) == runs_before  # nothing ran
    page = client.get(f"/admin/jobs?requested={body['request_id']}").text
    assert body["request_id"] in page and "no scheduler is running" in page
    assert client.post("/api/admin/jobs/run-requests", json={"full": "often"}).status_code == 422
    audit = [e for e in log.entries() if e["action"] == "job.run_request"]
    assert audit[-1]["target"] == body["request_id"] and audit[-1]["details"]["full"] is True


def test_run_now_form_and_cancel(
    seeded: GraphRunner, users: dict[str, WebUser], tmp_path: Path
) -> None:
    with TestClient(
        create_app(runner=seeded, settings=Settings(audit_dir=tmp_path)),
        base_url="http://localhost",
    ) as client:
        csrf = login(client, users["admin"])
        assert client.post("/admin/jobs/run-now", data={"full": "true"}).status_code == 403
        done = client.post(
            "/admin/jobs/run-now",
            data={"full": "true", "reason": "after the new labels", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert done.status_code == 303
        request_id = re.search(r"requested=(req-[\w-]+)", done.headers["location"])[1]  # type: ignore[index]
        page = client.get(done.headers["location"]).text
        assert f'data-request="{request_id}"' in page and "after the new labels" in page
        cancel = client.post(
            f"/admin/jobs/requests/{request_id}/cancel",
            data={"csrf_token": csrf},
            follow_redirects=False,
        )
        assert cancel.status_code == 303
        row = next(r for r in jobs_repo.list_run_requests(seeded) if r["request_id"] == request_id)
        assert row["status"] == "cancelled" and row["error"] == "cancelled by t-admin"
        again = client.post(f"/admin/jobs/requests/{request_id}/cancel", data={"csrf_token": csrf})
        assert again.status_code == 404  # only pending requests can be cancelled
    actions = [e["action"] for e in AuditLog(tmp_path).entries()]
    assert "job.run_request" in actions and "job.run_request_cancel" in actions


def test_viewers_and_analysts_get_403(seeded: GraphRunner, users: dict[str, WebUser]) -> None:
    for role in ("viewer", "analyst"):
        with TestClient(
            create_app(runner=seeded), base_url="http://localhost", headers=users[role].bearer
        ) as client:
            for path in (
                "/admin/jobs",
                "/admin/settings",
                "/api/admin/jobs",
                "/api/admin/settings",
            ):
                assert client.get(path).status_code == 403, (role, path)
            body = {"value": "0.9", "reason": "r"}
            assert client.put("/api/admin/settings/flag_threshold", json=body).status_code == 403
            assert client.post("/api/admin/jobs/run-requests", json={}).status_code == 403
            nav = client.get("/rings").text
            assert 'href="/admin/jobs"' not in nav and 'href="/admin/settings"' not in nav
    assert all(v.override is None for v in list_settings(seeded, Settings()))
