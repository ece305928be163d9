"""The analyst web app: `create_app()` builds the FastAPI application (pages + JSON API).

Fully offline: every script, style and the API docs (Swagger UI) are served from app/web/static.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

import neo4j
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from neo4j import GraphDatabase
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth.audit import AuditLog
from app.auth.ratelimit import LoginRateLimiter
from app.config import Settings, get_settings
from app.graph.runner import DatabaseUnavailable, GraphRunner
from app.web import admin, admin_ops, api, auth_pages, pages
from app.web.deps import NotAuthenticated, ViewerDep
from app.web.templating import WEB_DIR, templates, vendor_ready

log = logging.getLogger("ringscope.web")

_DB_ERRORS: tuple[type[Exception], ...] = (
    DatabaseUnavailable,
    neo4j.exceptions.ServiceUnavailable,
    neo4j.exceptions.SessionExpired,
    neo4j.exceptions.AuthError,
)


def make_runner(settings: Settings) -> GraphRunner:
    """A runner that fails fast (a few seconds, not the driver's 30 s of retries) when Neo4j is
    down, so pages answer 503 promptly."""
    uri = settings.bolt_uri()
    driver = GraphDatabase.driver(
        uri,
        auth=(settings.neo4j_user, settings.password()),
        max_transaction_retry_time=2.0,
        connection_timeout=3.0,
        connection_acquisition_timeout=5.0,
        notifications_min_severity="OFF",
    )
    return GraphRunner(driver, settings.neo4j_database, uri)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or request.url.path in ("/healthz", "/openapi.json")


# Self only: no inline script (page data travels in <script type="application/json"> blocks,
# which are not executed), no framing. Inline style attributes stay allowed (templates and
# Cytoscape / Swagger UI use them; style injection cannot run code).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """Pure ASGI middleware (no BaseHTTPMiddleware overhead): security headers on every
    response, and `Cache-Control: no-store` on everything but static assets, so sensitive
    pages and API answers are never kept by browsers or proxies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if static or k.lower() != b"cache-control"
                ]
                headers += SECURITY_HEADERS
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(runner: GraphRunner | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the app.

    Args:
        runner: the GraphRunner to use (tests pass one); default: one from the settings.
        settings: configuration (default: get_settings()).

    Returns:
        The FastAPI application.
    """
    owns_runner = runner is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not vendor_ready():
            log.warning(
                "graph scripts are not built: run `npm ci --ignore-scripts` and "
                "`python scripts/build_web_assets.py` (graphs and /docs need them)"
            )
        yield
        if owns_runner:
            app.state.runner.close()

    app = FastAPI(
        title="Ringscope",
        summary="Coordinated distillation-attack rings: runs, rings, attribution graphs, exports.",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    settings = settings or get_settings()
    app.state.settings = settings
    app.state.runner = runner or make_runner(settings)
    app.state.audit = AuditLog(settings.audit_path)
    app.state.login_limiter = LoginRateLimiter(
        settings.login_max_failures, settings.login_window_seconds
    )
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    app.include_router(auth_pages.router)
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(admin.router)
    app.include_router(admin.api_router)
    app.include_router(admin_ops.router)
    app.include_router(admin_ops.api_router)

    def openapi_with_auth() -> dict[str, object]:
        # Declare the bearer scheme so /docs offers "Authorize" and API clients (schemathesis)
        # know how to authenticate; every /api route requires it.
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes
            )
            components = schema.setdefault("components", {})
            components["securitySchemes"] = {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from `ringscope users token NAME --name X`.",
                }
            }
            schema["security"] = [{"bearer": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi_with_auth  # type: ignore[method-assign]

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_schema(me: ViewerDep) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request, me: ViewerDep) -> Response:
        # Swagger UI is started by /static/js/swagger-init.js: the CSP forbids inline scripts.
        return templates.TemplateResponse(request, "docs.html", {})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:
        return RedirectResponse("/static/favicon.svg")

    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"detail": "not authenticated: log in, or send Authorization: Bearer <token>"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    for error in _DB_ERRORS:
        app.add_exception_handler(error, _unavailable_async)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return templates.TemplateResponse(
            request,
            "error.html",
            {"title": _TITLES.get(exc.status_code, "Error"), "message": str(exc.detail)},
            status_code=exc.status_code,
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": jsonable_errors(exc)}, status_code=422)
        message = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
        )
        return templates.TemplateResponse(
            request,
            "error.html",
            {"title": "Invalid request", "message": message},
            status_code=422,
        )

    return app


_TITLES = {
    403: "Forbidden",
    404: "Not found",
    422: "Invalid request",
    503: "Database unavailable",
}


def jsonable_errors(exc: RequestValidationError) -> list[dict[str, object]]:
    return [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]


def _unavailable(request: Request, exc: Exception) -> Response:
    log.warning("database unavailable: %s", exc)
    message = (
        "The graph database (Neo4j) is not answering, so this page cannot be shown. "
        "Start it with `ringscope neo4j start` (or check RINGSCOPE_NEO4J_URI) and reload."
    )
    if _wants_json(request):
        return JSONResponse({"detail": "database unavailable", "hint": message}, status_code=503)
    return templates.TemplateResponse(
        request,
        "error.html",
        {"title": "Database unavailable", "message": message, "unavailable": True},
        status_code=503,
        headers={"Retry-After": "10"},
    )


async def _unavailable_async(request: Request, exc: Exception) -> Response:
    return _unavailable(request, exc)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: Settings | None = None,
    with_scheduler: bool = False,
) -> None:
    """Run the web app with uvicorn until interrupted (what `ringscope serve` does); with
    `with_scheduler`, scheduled detection runs in a background thread of the same process."""
    import uvicorn

    settings = settings or get_settings()
    runner = make_runner(settings)
    runner.verify()  # fail early with a clear DatabaseUnavailable
    from app.auth.service import count_users

    if count_users(runner) == 0:
        log.warning(
            "no users yet: nobody can log in. Create the first administrator with "
            "`ringscope users add NAME --role admin` (the server need not be restarted)"
        )
        print(
            "ringscope: no users yet, nobody can log in. Create the first administrator with:\n"
            "  ringscope users add NAME --role admin"
        )
    scheduler = None
    if with_scheduler:
        from app.jobs.scheduler import create_scheduler

        scheduler = create_scheduler(settings, background=True)
        scheduler.start()
    try:
        web_app = create_app(runner=runner)
        # A big ring's graph makes ~50k short-lived objects per request; without this every
        # full collection also walks the long-lived app (drivers, templates, routes): ~30% of
        # the request's Python time (bench/web.py, 2,000-member ring).
        gc.collect()
        gc.freeze()
        # Keep idle connections longer than clients keep them (httpx and many proxies: 5 s,
        # uvicorn's own default): with equal timeouts a client can reuse a connection in the
        # instant the server closes it, and that request fails with an empty read (seen once in
        # ~2,000 requests under bench/load.py). 75 s is nginx's default.
        uvicorn.run(web_app, host=host, port=port, log_level="info", timeout_keep_alive=75)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
