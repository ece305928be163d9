"""Access control, route by route: every route declares a role; each role gets 401/403/200 as
the table says; pages send anonymous users to /login; CSRF, security headers, login rate limit,
viewer redaction, audit entries and UI labels."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import scenario
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from web_auth import ROLES, WebUser, login, make_client

from app.auth.audit import AuditLog
from app.config import Settings
from app.graph import jobs_repo
from app.graph.queries import queries
from app.graph.runner import GraphRunner
from app.web.deps import RoleRequirement
from app.web.main import create_app

pytestmark = pytest.mark.integration

A, RUN = scenario.ALPHA, scenario.RUN_ID
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/healthz"), ("GET", "/favicon.ico")}

# (method, path, minimum role, request path used to try it). POSTs point at things that do not
# exist, so a permitted call is a harmless 404/422, never a change.
ROUTES: list[tuple[str, str, str, str]] = [
    ("GET", "/", "viewer", "/"),
    ("GET", "/runs", "viewer", "/runs"),
    ("GET", "/runs/{run_id}", "viewer", f"/runs/{RUN}"),
    ("GET", "/rings", "viewer", "/rings"),
    ("GET", "/rings/{ring_id}", "viewer", f"/rings/{A}"),
    ("GET", "/search", "analyst", "/search?q=KR7"),
    ("GET", "/entity/{kind}/{key:path}", "analyst", "/entity/IP/203.0.113.7"),
    ("POST", "/entity/Account/{account_id}/labels", "analyst", "/entity/Account/none/labels"),
    (
        "POST",
        "/entity/Account/{account_id}/labels/remove",
        "analyst",
        "/entity/Account/none/labels/remove",
    ),
    ("POST", "/logout", "viewer", "/logout"),
    ("GET", "/docs", "viewer", "/docs"),
    ("GET", "/openapi.json", "viewer", "/openapi.json"),
    ("GET", "/admin/users", "admin", "/admin/users"),
    ("POST", "/admin/users", "admin", "/admin/users"),
    ("POST", "/admin/users/{username}/role", "admin", "/admin/users/no-such-user/role"),
    ("POST", "/admin/users/{username}/remove", "admin", "/admin/users/no-such-user/remove"),
    ("GET", "/admin/audit", "admin", "/admin/audit"),
    ("GET", "/admin/jobs", "admin", "/admin/jobs"),
    # The one POST that changes something when permitted: it queues a run request (no scheduler
    # runs in these tests); test_route_by_role cancels it again.
    ("POST", "/admin/jobs/run-now", "admin", "/admin/jobs/run-now"),
    (
        "POST",
        "/admin/jobs/requests/{request_id}/cancel",
        "admin",
        "/admin/jobs/requests/no-such-request/cancel",
    ),
    ("GET", "/admin/settings", "admin", "/admin/settings"),
    ("POST", "/admin/settings/{key}", "admin", "/admin/settings/no_such_setting"),
    ("POST", "/admin/settings/{key}/reset", "admin", "/admin/settings/no_such_setting/reset"),
    ("GET", "/api/runs", "viewer", "/api/runs"),
    ("GET", "/api/runs/{run_id}", "viewer", f"/api/runs/{RUN}"),
    ("GET", "/api/runs/{run_id}/changes", "viewer", f"/api/runs/{RUN}/changes"),
    ("GET", "/api/alerts", "analyst", "/api/alerts"),
    ("GET", "/api/rings", "viewer", "/api/rings"),
    ("GET", "/api/rings/{ring_id}", "viewer", f"/api/rings/{A}"),
    ("GET", "/api/rings/{ring_id}/history", "viewer", f"/api/rings/{A}/history"),
    ("GET", "/api/rings/{ring_id}/members", "viewer", f"/api/rings/{A}/members"),
    ("GET", "/api/rings/{ring_id}/graph", "viewer", f"/api/rings/{A}/graph"),
    ("GET", "/api/rings/{ring_id}/export/{fmt}", "analyst", f"/api/rings/{A}/export/json"),
    ("GET", "/api/search", "analyst", "/api/search?q=KR7"),
    (
        "GET",
        "/api/entities/{kind}/{key:path}/neighbours",
        "analyst",
        "/api/entities/IP/203.0.113.7/neighbours",
    ),
    ("GET", "/api/entities/{kind}/{key:path}", "analyst", "/api/entities/IP/203.0.113.7"),
    ("GET", "/api/accounts/{account_id}/labels", "analyst", "/api/accounts/KR7-acct-01/labels"),
    ("POST", "/api/accounts/{account_id}/labels", "analyst", "/api/accounts/none/labels"),
    (
        "DELETE",
        "/api/accounts/{account_id}/labels/{operator}",
        "analyst",
        "/api/accounts/none/labels/x?reason=r",
    ),
    ("GET", "/api/admin/users", "admin", "/api/admin/users"),
    ("GET", "/api/admin/audit", "admin", "/api/admin/audit?limit=5"),
    ("GET", "/api/admin/audit/verify", "admin", "/api/admin/audit/verify"),
    ("GET", "/api/admin/jobs", "admin", "/api/admin/jobs"),
    ("POST", "/api/admin/jobs/run-requests", "admin", "/api/admin/jobs/run-requests"),
    ("GET", "/api/admin/settings", "admin", "/api/admin/settings"),
    ("PUT", "/api/admin/settings/{key}", "admin", "/api/admin/settings/no_such_setting"),
    (
        "DELETE",
        "/api/admin/settings/{key}",
        "admin",
        "/api/admin/settings/no_such_setting?reason=r",
    ),
]
RANK = {role: i for i, role in enumerate(ROLES)}


def _requirements(dependant: Any) -> list[RoleRequirement]:
    found = [dependant.call] if isinstance(dependant.call, RoleRequirement) else []
    for sub in dependant.dependencies:
        found += _requirements(sub)
    return found


def _flatten(routes: list[Any]) -> list[APIRoute]:
    # FastAPI >= 0.16x keeps included routers as one wrapper route each (original_router).
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found += _flatten(route.original_router.routes)
    return found


def _app_routes(runner: GraphRunner) -> list[APIRoute]:
    return _flatten(list(create_app(runner=runner).routes))


def test_every_route_declares_a_role(neo4j_runner: GraphRunner) -> None:
    missing = []
    routes = _app_routes(neo4j_runner)
    assert len(routes) >= len(ROUTES)  # the walk sees the included routers' routes
    for route in routes:
        for method in route.methods or ():
            if (method, route.path) in PUBLIC:
                assert not _requirements(route.dependant), f"{route.path} should be public"
                continue
            if not _requirements(route.dependant):
                missing.append(f"{method} {route.path}")
    assert missing == [], f"routes without a role requirement: {missing}"


def test_route_table_covers_every_route(neo4j_runner: GraphRunner) -> None:
    """So a new route cannot skip the per-role tests below."""
    actual = {
        (m, r.path) for r in _app_routes(neo4j_runner) for m in (r.methods or ()) if m != "HEAD"
    } - PUBLIC
    table = {(method, path) for method, path, _, _ in ROUTES}
    assert actual == table
    for method, path, role, _ in ROUTES:
        route = next(
            r for r in _app_routes(neo4j_runner) if r.path == path and method in (r.methods or ())
        )
        assert {req.role.value for req in _requirements(route.dependant)} == {role}, path


def _call(client: TestClient, method: str, url: str) -> Any:
    if method == "POST":
        body: dict[str, Any] = (
            {"json": {"operator": "x", "reason": "r"}}
            if url.startswith("/api/")
            else {"data": {"operator": "x", "reason": "r", "role": "viewer"}}
        )
        return client.post(url, follow_redirects=False, **body)
    return client.request(method, url, follow_redirects=False)


@pytest.mark.parametrize(("method", "path", "role", "url"), ROUTES, ids=[r[3] for r in ROUTES])
def test_route_by_role(
    seeded: GraphRunner,
    users: dict[str, WebUser],
    method: str,
    path: str,
    role: str,
    url: str,
) -> None:
    with make_client(seeded) as anon:
        response = _call(anon, method, url)
        if url.startswith(("/api/", "/openapi.json")):
            assert response.status_code == 401, (url, response.status_code)
            assert response.headers["www-authenticate"] == "Bearer"
        else:
            assert response.status_code == 303, (url, response.status_code)
            assert response.headers["location"].startswith("/login?next=")
    for name in ROLES:
        if name == "viewer" and path == "/logout":
            continue  # a bearer caller has no session to end; covered below
        with make_client(seeded, users[name]) as client:
            response = _call(client, method, url)
            if RANK[name] < RANK[role]:
                assert response.status_code == 403, (name, url, response.status_code)
            else:
                assert response.status_code in (200, 201, 303, 307, 404, 422), (
                    name,
                    url,
                    response.status_code,
                    response.text[:200],
                )
    if path == "/admin/jobs/run-now":
        for row in jobs_repo.list_run_requests(seeded, limit=100):
            if row["status"] == "pending":
                jobs_repo.cancel_run_request(seeded, row["request_id"], "test_access")


def test_bad_token_is_401_and_no_cookie_fallback(seeded: GraphRunner) -> None:
    with make_client(seeded) as client:
        assert (
            client.get("/api/rings", headers={"Authorization": "Bearer rsk_nope"}).status_code
            == 401
        )
        assert client.get("/api/rings", headers={"Authorization": "Basic abc"}).status_code == 401


def test_login_logout_and_csrf(seeded: GraphRunner, users: dict[str, WebUser]) -> None:
    with make_client(seeded) as client:
        csrf = login(client, users["analyst"])
        cookie = next(c for c in client.cookies.jar if c.name == "ringscope_session")
        assert not cookie.secure  # loopback over http: "auto" leaves Secure off
        assert client.get("/api/rings").status_code == 200
        # Cookie-authenticated unsafe calls need the session's CSRF token.
        body = {"operator": "x", "reason": "r"}
        assert client.post("/api/accounts/none/labels", json=body).status_code == 403
        response = client.post(
            "/api/accounts/none/labels", json=body, headers={"X-CSRF-Token": "forged"}
        )
        assert response.status_code == 403
        response = client.post(
            "/api/accounts/none/labels", json=body, headers={"X-CSRF-Token": csrf}
        )
        assert response.status_code == 404  # passed CSRF; the account does not exist
        form = {"operator": "x", "reason": "r"}
        assert client.post("/entity/Account/none/labels", data=form).status_code == 403
        assert (
            client.post(
                "/entity/Account/none/labels", data={**form, "csrf_token": csrf}
            ).status_code
            == 404
        )
        assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
        out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert client.get("/rings", follow_redirects=False).status_code == 303


def test_login_form_needs_its_csrf_cookie_and_redirects_only_locally(
    seeded: GraphRunner, users: dict[str, WebUser]
) -> None:
    user = users["viewer"]
    with make_client(seeded) as client:
        data = {"username": user.username, "password": user.password, "csrf_token": "guess"}
        assert client.post("/login", data=data).status_code == 403
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]  # type: ignore[index]
        response = client.post(
            "/login",
            data={**data, "csrf_token": token, "next": "//evil.example/x"},
            follow_redirects=False,
        )
        assert response.status_code == 303 and response.headers["location"] == "/rings"


def test_cookie_is_secure_off_loopback(seeded: GraphRunner, users: dict[str, WebUser]) -> None:
    user = users["viewer"]
    with TestClient(create_app(runner=seeded), base_url="https://ringscope.example") as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]  # type: ignore[index]
        response = client.post(
            "/login",
            data={"username": user.username, "password": user.password, "csrf_token": token},
            follow_redirects=False,
        )
        set_cookie = response.headers["set-cookie"]
        assert "ringscope_session=" in set_cookie
        assert "Secure" in set_cookie and "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie
    with TestClient(create_app(runner=seeded), base_url="http://10.1.2.3") as client:
        assert "insecure-transport" in client.get("/login").text


def test_login_rate_limit(seeded: GraphRunner, users: dict[str, WebUser]) -> None:
    user = users["viewer"]
    with make_client(seeded) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]  # type: ignore[index]
        bad = {"username": user.username, "password": "wrong password!", "csrf_token": token}
        for _ in range(5):
            assert client.post("/login", data=bad).status_code == 401
        blocked = client.post("/login", data={**bad, "password": user.password})
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
        assert "Too many failed logins" in blocked.text


def test_security_headers(client: TestClient) -> None:
    for path in ("/rings", "/api/rings", f"/rings/{A}", "/docs"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/static/css/app.css").headers.get("cache-control", "")


def test_no_inline_scripts(client: TestClient) -> None:
    for path in ("/rings", f"/rings/{A}", "/entity/IP/203.0.113.7", "/docs", "/runs"):
        html = client.get(path).text
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert "javascript:" not in html and " onclick=" not in html


def _all_text(client: TestClient, urls: list[str]) -> str:
    parts = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:200])
        parts.append(response.text)
    return "\n".join(parts)


def test_viewer_sees_no_raw_identifier(seeded: GraphRunner, users: dict[str, WebUser]) -> None:
    raw = (
        *scenario.ALPHA_MEMBERS,
        scenario.OUTSIDER,
        "203.0.113.7",
        "pm_krait_01",
        "dev-krait-A",
        "krait-mail.example",
    )
    urls = [
        f"/rings/{A}",
        f"/api/rings/{A}",
        f"/api/rings/{A}/members",
        f"/api/rings/{A}/graph?collapse=never",
        f"/api/rings/{A}/graph?collapse=always",
    ]
    with make_client(seeded, users["viewer"]) as viewer:
        text = _all_text(viewer, urls)
        for value in raw:
            assert value not in text, value
        members = viewer.get(f"/api/rings/{A}/members").json()["members"]
        assert [m["account_id"] for m in members] == [f"acct-{i}" for i in range(1, 7)]
        graph = viewer.get(f"/api/rings/{A}/graph?collapse=never").json()
        ids = {e["data"]["id"] for e in graph["elements"] if e["group"] == "nodes"}
        assert {"IP:ip-1", "PaymentMethod:pm-1", "Device:dev-1", "Account:acct-7"} <= ids
        assert f"Operator:{scenario.OPERATOR}" in ids  # the conclusion stays visible
        evidence = " ".join(viewer.get(f"/api/rings/{A}").json()["evidence"])
        assert "acct-2" in evidence
        assert viewer.get("/api/search?q=203.0.113").status_code == 403
    with make_client(seeded, users["analyst"]) as analyst:
        assert "203.0.113.7" in _all_text(analyst, [f"/api/rings/{A}/graph?collapse=never"])


@pytest.fixture
def audited(
    seeded: GraphRunner, users: dict[str, WebUser], tmp_path: Path
) -> Iterator[tuple[TestClient, AuditLog]]:
    settings = Settings(audit_dir=tmp_path)
    app = create_app(runner=seeded, settings=settings)
    with TestClient(app, base_url="http://localhost") as client:
        yield client, AuditLog(tmp_path)


def test_audit_records_views_exports_labels_and_logins(
    audited: tuple[TestClient, AuditLog], users: dict[str, WebUser], seeded: GraphRunner
) -> None:
    client, log = audited
    analyst, admin = users["analyst"], users["admin"]
    csrf = login(client, analyst)
    client.get(f"/rings/{A}")
    client.get(f"/api/rings/{A}/export/json?redact=true", headers={"X-CSRF-Token": csrf})
    added = client.post(
        "/api/accounts/KR7-acct-05/labels",
        json={
            "operator": "Operator Krait",
            "reason": "same card as case-2026-014",
            "confidence": 0.9,
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert added.status_code == 201
    label = next(lb for lb in added.json()["labels"] if lb["operator"] == "Operator Krait")
    assert label["source"] == f"ui:{analyst.username}" and label["reason"].startswith("same card")
    removed = client.delete(
        "/api/accounts/KR7-acct-05/labels/Operator Krait?reason=wrong%20account",
        headers={"X-CSRF-Token": csrf},
    )
    assert removed.status_code == 200 and removed.json()["labels"] == []
    # Bad password for the admin, then the admin reads and exports the log.
    client.cookies.clear()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]  # type: ignore[index]
    client.post(
        "/login",
        data={"username": admin.username, "password": "not it at all", "csrf_token": token},
    )
    actions = [(e["actor"], e["action"], e["target"]) for e in log.entries()]
    assert (analyst.username, "login.success", analyst.username) in actions
    assert (analyst.username, "ring.view", A) in actions
    assert (analyst.username, "export", A) in actions
    assert (analyst.username, "label.add", "KR7-acct-05") in actions
    assert (analyst.username, "label.remove", "KR7-acct-05") in actions
    assert (admin.username, "login.failure", admin.username) in actions
    export = next(e for e in log.entries() if e["action"] == "export")
    assert export["details"]["format"] == "json" and export["details"]["redacted"] is True
    with make_client(seeded, admin) as admin_client:
        admin_client.app.state.audit = log  # type: ignore[attr-defined]
        page = admin_client.get("/admin/audit?action=label").text
        assert "label.add" in page and "Verify chain" in page and "login.success" not in page
        assert "chain intact" in admin_client.get("/admin/audit?verify=true").text
        jsonl = admin_client.get("/api/admin/audit?format=jsonl")
        assert "attachment" in jsonl.headers["content-disposition"]
        rows = [json.loads(line) for line in jsonl.text.splitlines()]
        assert {"label.add", "label.remove", "export"} <= {r["action"] for r in rows}
        csv_text = admin_client.get("/api/admin/audit?format=csv").text
        assert csv_text.startswith("seq,at,actor,role,action,target")
        assert admin_client.get("/api/admin/audit/verify").json()["ok"] is True
    assert log.entries().__next__()["prev"] == "0" * 64


def test_label_form_requires_reason_and_feeds_detection(
    seeded: GraphRunner, users: dict[str, WebUser]
) -> None:
    with make_client(seeded) as client:
        csrf = login(client, users["analyst"])
        empty = client.post(
            "/entity/Account/KR7-acct-06/labels",
            data={"operator": "Operator Viper", "reason": "  ", "csrf_token": csrf},
        )
        assert empty.status_code == 422 and "reason is required" in empty.text
        done = client.post(
            "/entity/Account/KR7-acct-06/labels",
            data={"operator": "Operator Viper", "reason": "shared device", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert done.status_code == 303
        page = client.get("/entity/Account/KR7-acct-06").text
        assert "Operator Viper" in page and "shared device" in page
        # The detection projection (cypher/detection/project_accounts.cypher) reads it.
        rows = seeded.read(queries.detection.project_accounts)
        labels = next(r["labels"] for r in rows if r["account_id"] == "KR7-acct-06")
        assert {
            "operator": "Operator Viper",
            "confidence": 1.0,
            "source": f"ui:{users['analyst'].username}",
        } in labels
        gone = client.post(
            "/entity/Account/KR7-acct-06/labels/remove",
            data={"operator": "Operator Viper", "reason": "mistake", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert gone.status_code == 303
        rows = seeded.read(queries.detection.project_accounts)
        labels = next(r["labels"] for r in rows if r["account_id"] == "KR7-acct-06")
        assert all(lb["operator"] != "Operator Viper" for lb in labels)


def test_role_change_and_removal_apply_to_live_sessions(
    seeded: GraphRunner, users: dict[str, WebUser]
) -> None:
    from app.auth.service import AuthError, create_user, remove_user, set_role

    with contextlib.suppress(AuthError):
        remove_user(seeded, "t-temp")
    create_user(seeded, "t-temp", "temporary password", "analyst")
    temp = WebUser("t-temp", "analyst", "", "temporary password")
    with make_client(seeded) as client:
        login(client, temp)
        assert client.get("/api/search?q=KR7").status_code == 200
        set_role(seeded, "t-temp", "viewer")
        assert client.get("/api/search?q=KR7").status_code == 403
        remove_user(seeded, "t-temp")
        assert client.get("/api/rings").status_code == 401


def test_viewer_pages_link_to_no_analyst_page(
    seeded: GraphRunner, users: dict[str, WebUser]
) -> None:
    with make_client(seeded, users["viewer"]) as viewer:
        for path in ("/rings", f"/rings/{A}", "/runs", f"/runs/{RUN}"):
            html = viewer.get(path).text
            assert "/entity/" not in html and 'href="/search' not in html, path
            assert scenario.OPERATOR in viewer.get("/rings").text
    with make_client(seeded, users["analyst"]) as analyst:
        assert "/entity/Operator/" in analyst.get("/rings").text
