"""FastAPI dependencies: the one GraphRunner of the app, and who is asking (roles, CSRF).

Every route declares the role it needs with `Depends(RoleRequirement(role))` (usually through
the `ViewerDep` / `AnalystDep` / `AdminDep` annotations); tests/api/test_access.py walks
app.routes and fails if one does not.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from app.auth.audit import AuditLog
from app.auth.roles import Role
from app.auth.service import Principal, session_principal, token_principal
from app.config import Settings
from app.graph.runner import GraphRunner

SESSION_COOKIE = "ringscope_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def get_runner(request: Request) -> GraphRunner:
    """The app's GraphRunner (created by create_app, closed at shutdown)."""
    runner: GraphRunner = request.app.state.runner
    return runner


RunnerDep = Annotated[GraphRunner, Depends(get_runner)]


class NotAuthenticated(Exception):
    """No valid session or token: pages redirect to /login, the API answers 401."""


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def authenticate(request: Request) -> Principal | None:
    """The caller from `Authorization: Bearer <token>` or the session cookie (cached per
    request). A bearer header that does not match is a failure, never a fall-back to the cookie."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    runner = get_runner(request)
    principal: Principal | None = None
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if header and scheme.lower() == "bearer" and credentials.strip():
        principal = token_principal(runner, credentials.strip())
    elif not header:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            principal = session_principal(runner, cookie)
    request.state.principal = principal
    return principal


async def check_csrf(request: Request, principal: Principal) -> None:
    """Unsafe methods with a session cookie must carry the session's CSRF token (form field or
    X-CSRF-Token header); bearer-token calls are exempt (a browser never adds that header)."""
    if request.method not in UNSAFE_METHODS or principal.via != "session":
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    expected = principal.csrf_token or ""
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(403, "missing or invalid CSRF token: reload the page and try again")


class RoleRequirement:
    """A dependency: the caller must be logged in with at least `role` (and pass CSRF)."""

    def __init__(self, role: Role) -> None:
        self.role = role

    async def __call__(self, request: Request) -> Principal:
        principal = authenticate(request)
        if principal is None:
            raise NotAuthenticated()
        if not principal.allows(self.role):
            raise HTTPException(
                403, f"this needs the {self.role.value} role; you are {principal.role.value}"
            )
        await check_csrf(request, principal)
        return principal

    def __repr__(self) -> str:
        return f"RoleRequirement({self.role.value})"


require_viewer = RoleRequirement(Role.VIEWER)
require_analyst = RoleRequirement(Role.ANALYST)
require_admin = RoleRequirement(Role.ADMIN)

ViewerDep = Annotated[Principal, Depends(require_viewer)]
AnalystDep = Annotated[Principal, Depends(require_analyst)]
AdminDep = Annotated[Principal, Depends(require_admin)]


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_audit(request: Request) -> AuditLog:
    audit: AuditLog = request.app.state.audit
    return audit


AuditDep = Annotated[AuditLog, Depends(get_audit)]


def audit_event(
    request: Request,
    action: str,
    target: str = "",
    outcome: str = "ok",
    **details: object,
) -> None:
    """Append to the audit log as the request's caller."""
    principal: Principal | None = getattr(request.state, "principal", None)
    get_audit(request).record(
        principal.username if principal else "",
        action,
        target,
        role=principal.role.value if principal else "",
        outcome=outcome,
        ip=client_ip(request),
        details={**details, "via": principal.via} if principal else dict(details),
    )
