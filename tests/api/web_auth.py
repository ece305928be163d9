"""Logged-in clients for the web tests (a module of its own: `conftest` names collide across
test folders)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.testclient import TestClient

from app.graph.runner import GraphRunner
from app.web.main import create_app

PASSWORD = "correct horse battery staple"
ROLES = ("viewer", "analyst", "admin")


@dataclass(frozen=True)
class WebUser:
    username: str
    role: str
    token: str
    password: str = PASSWORD

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def login(client: TestClient, user: WebUser) -> str:
    """Log in through the form like a browser; returns the session's CSRF token."""
    form = client.get("/login")
    assert form.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf, "login form without CSRF token"
    response = client.post(
        "/login",
        data={"username": user.username, "password": user.password, "csrf_token": csrf[1]},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]
    page = client.get("/rings")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on a logged-in page"
    return token[1]


def make_client(runner: GraphRunner, user: WebUser | None = None) -> TestClient:
    """A TestClient on http://localhost (loopback: the session cookie is not Secure there),
    authenticated by the user's bearer token when a user is given."""
    headers = user.bearer if user else {}
    return TestClient(create_app(runner=runner), base_url="http://localhost", headers=headers)
