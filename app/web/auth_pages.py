"""Login and logout. The login form is protected against login CSRF by a double-submit cookie
(there is no session yet); failures are rate limited per username and per client IP."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.auth import service
from app.auth.ratelimit import LoginRateLimiter
from app.config import Settings
from app.web.deps import (
    SESSION_COOKIE,
    ViewerDep,
    audit_event,
    client_ip,
    get_runner,
    get_settings_dep,
)
from app.web.templating import templates

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "ringscope_login_csrf"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def safe_next(value: str | None) -> str:
    """Only same-site paths: no open redirect to another host."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/rings"
    return value


def cookie_secure(settings: Settings, request: Request) -> bool:
    """Whether the session cookie is Secure (docs/security.md, RINGSCOPE_COOKIE_SECURE)."""
    mode = settings.cookie_secure.strip().lower()
    if mode == "always":
        return True
    if mode == "never":
        return False
    return not (request.url.scheme == "http" and (request.url.hostname or "") in LOOPBACK)


def _login_page(
    request: Request, error: str = "", next_path: str = "/rings", status_code: int = 200
) -> Response:
    # Reuse the browser's token while it lasts, so a second tab or a retry keeps working.
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    settings = get_settings_dep(request)
    insecure = cookie_secure(settings, request) and request.url.scheme == "http"
    response = templates.TemplateResponse(
        request,
        "login.html",
        {
            "error": error,
            "next": next_path,
            "login_csrf": token,
            "insecure_transport": insecure,
            "no_users": service.count_users(get_runner(request)) == 0,
        },
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(settings, request),
        path="/login",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    """The login form (public)."""
    return _login_page(request, next_path=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/rings",
) -> Response:
    """Check the password, start a server-side session, set the cookie (public)."""
    settings = get_settings_dep(request)
    limiter: LoginRateLimiter = request.app.state.login_limiter
    next_path = safe_next(next)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), csrf_token.encode()):
        return _login_page(request, "The form expired; please try again.", next_path, 403)
    ip = client_ip(request)
    keys = (f"user:{username.lower()}", f"ip:{ip}")
    wait = limiter.retry_after(*keys)
    if wait:
        request.app.state.audit.record(username, "login.blocked", username, outcome="denied", ip=ip)
        response = _login_page(
            request, f"Too many failed logins. Try again in {wait} s.", next_path, 429
        )
        response.headers["Retry-After"] = str(wait)
        return response
    runner = get_runner(request)
    # argon2 takes ~50-100 ms of CPU: off the event loop.
    role = await run_in_threadpool(service.check_login, runner, username, password)
    if role is None:
        limiter.failed(*keys)
        request.app.state.audit.record(username, "login.failure", username, outcome="denied", ip=ip)
        return _login_page(request, "Wrong username or password.", next_path, 401)
    limiter.succeeded(keys[0])
    token, _ = await run_in_threadpool(
        service.create_session, runner, username, settings.session_ttl_minutes * 60
    )
    request.app.state.audit.record(username, "login.success", username, role=role.value, ip=ip)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_ttl_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(settings, request),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, me: ViewerDep) -> Response:
    """End the session (needs the session's CSRF token)."""
    if me.session_hash:
        service.end_session(get_runner(request), me.session_hash)
    audit_event(request, "logout", me.username)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
