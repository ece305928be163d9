"""The analyst web app: `create_app()` builds the FastAPI application (pages + JSON API).

Fully offline: every script, style and the API docs (Swagger UI) are served from app/web/static.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import neo4j
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from neo4j import GraphDatabase

from app.config import Settings, get_settings
from app.graph.runner import DatabaseUnavailable, GraphRunner
from app.web import api, pages
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
    return request.url.path.startswith("/api") or request.url.path == "/healthz"


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
        lifespan=lifespan,
    )
    app.state.runner = runner or make_runner(settings or get_settings())
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Ringscope API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
            swagger_ui_parameters={"validatorUrl": None, "tryItOutEnabled": True},
        )

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:
        return RedirectResponse("/static/favicon.svg")

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


_TITLES = {404: "Not found", 422: "Invalid request", 503: "Database unavailable"}


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
    scheduler = None
    if with_scheduler:
        from app.jobs.scheduler import create_scheduler

        scheduler = create_scheduler(settings, background=True)
        scheduler.start()
    try:
        uvicorn.run(create_app(runner=runner), host=host, port=port, log_level="info")
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
