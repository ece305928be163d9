"""Admin-only: the jobs page (schedule, schedulers, run lock, runs, "Run now" requests) and the
runtime settings page, with their JSON API. Every change is audited; "Run now" only queues a
request for a scheduler (app/jobs/overview.py), the web process never runs detection."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from app.graph import jobs_repo
from app.jobs import runtime_settings
from app.jobs.overview import jobs_overview, request_run, scheduler_alive
from app.jobs.runtime_settings import SettingChange, SettingError
from app.web.deps import AdminDep, RunnerDep, audit_event, get_settings_dep
from app.web.templating import templates

router = APIRouter(prefix="/admin", include_in_schema=False)
api_router = APIRouter(prefix="/api/admin", tags=["admin"])


# --- jobs ------------------------------------------------------------------------------------


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, runner: RunnerDep, me: AdminDep, requested: str = "") -> Response:
    """Schedule, schedulers, run lock, recent runs and run requests, with "Run now"."""
    overview = jobs_overview(runner, get_settings_dep(request))
    return templates.TemplateResponse(
        request, "admin_jobs.html", {**overview, "requested": requested, "nav": "jobs"}
    )


def _request(request: Request, runner: RunnerDep, me: AdminDep, full: bool, reason: str) -> Any:
    created = request_run(runner, me.username, full=full, reason=reason)
    audit_event(request, "job.run_request", created["request_id"], full=full, reason=reason.strip())
    return created


@router.post("/jobs/run-now")
def run_now_form(
    request: Request,
    runner: RunnerDep,
    me: AdminDep,
    full: Annotated[bool, Form()] = False,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Queue a detection run for the next scheduler poll (admin)."""
    created = _request(request, runner, me, full, reason)
    return RedirectResponse(f"/admin/jobs?requested={created['request_id']}", status_code=303)


@router.post("/jobs/requests/{request_id}/cancel")
def cancel_request_form(
    request_id: str, request: Request, runner: RunnerDep, me: AdminDep
) -> Response:
    """Cancel a run request no scheduler has picked up yet (admin)."""
    if not jobs_repo.cancel_run_request(runner, request_id, me.username):
        raise HTTPException(404, f"no pending run request {request_id!r}")
    audit_event(request, "job.run_request_cancel", request_id)
    return RedirectResponse("/admin/jobs", status_code=303)


@api_router.get("/jobs")
def api_jobs(request: Request, runner: RunnerDep, me: AdminDep) -> dict[str, Any]:
    """Schedule (effective, with sources), schedulers seen, run lock, recent runs and run
    requests (admin)."""
    return jobs_overview(runner, get_settings_dep(request))


class RunRequestIn(BaseModel):
    """A "Run now" request: detection runs on the next scheduler poll."""

    model_config = ConfigDict(extra="forbid")

    full: bool = Field(default=False, description="Recompute everything (not incremental).")
    reason: str = Field(default="", max_length=500, examples=["new labels from case 2026-014"])


@api_router.post("/jobs/run-requests", status_code=202)
def api_run_request(
    body: RunRequestIn, request: Request, runner: RunnerDep, me: AdminDep
) -> dict[str, Any]:
    """Queue a detection run for the next scheduler poll; audited (admin). Poll
    GET /api/admin/jobs for its status and run id."""
    created = _request(request, runner, me, body.full, body.reason)
    alive = scheduler_alive(runner, get_settings_dep(request))
    return {**created, "status": "pending", "scheduler_alive": alive}


# --- settings --------------------------------------------------------------------------------


def _settings_page(
    request: Request, runner: RunnerDep, error: str = "", key: str = "", status: int = 200
) -> Response:
    views = runtime_settings.list_settings(runner, get_settings_dep(request))
    return templates.TemplateResponse(
        request,
        "admin_settings.html",
        {"settings": views, "error": error, "error_key": key, "nav": "settings"},
        status_code=status,
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, runner: RunnerDep, me: AdminDep) -> Response:
    """Runtime settings: effective value, default, override and who changed it last."""
    return _settings_page(request, runner)


def _audit_change(request: Request, change: SettingChange) -> None:
    audit_event(request, f"setting.{change.action}", change.key, **change.audit_details())


def _refused(request: Request, key: str, action: str, exc: SettingError) -> None:
    """Audit a refused change (nothing was stored); unknown keys are a 404."""
    if exc.unknown:
        raise HTTPException(404, str(exc))
    audit_event(request, f"setting.{action}", key, outcome="error", error=str(exc))


@router.post("/settings/{key}")
def set_setting_form(
    key: str,
    request: Request,
    runner: RunnerDep,
    me: AdminDep,
    value: Annotated[str, Form(max_length=2000)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Override a runtime setting (admin; a reason is required)."""
    try:
        change = runtime_settings.set_setting(
            runner, get_settings_dep(request), key, value, me.username, reason
        )
    except SettingError as exc:
        _refused(request, key, "set", exc)
        return _settings_page(request, runner, str(exc), key, status=422)
    _audit_change(request, change)
    return RedirectResponse(f"/admin/settings#setting-{key}", status_code=303)


@router.post("/settings/{key}/reset")
def reset_setting_form(
    key: str,
    request: Request,
    runner: RunnerDep,
    me: AdminDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Remove a runtime setting's override: the environment / default value applies (admin)."""
    try:
        change = runtime_settings.reset_setting(
            runner, get_settings_dep(request), key, me.username, reason
        )
    except SettingError as exc:
        _refused(request, key, "reset", exc)
        return _settings_page(request, runner, str(exc), key, status=422)
    _audit_change(request, change)
    return RedirectResponse(f"/admin/settings#setting-{key}", status_code=303)


@api_router.get("/settings")
def api_settings(request: Request, runner: RunnerDep, me: AdminDep) -> dict[str, Any]:
    """Every runtime setting: effective value, default, override, last change (secrets
    masked; admin)."""
    views = runtime_settings.list_settings(runner, get_settings_dep(request))
    return {"settings": [v.as_json() for v in views]}


class SettingIn(BaseModel):
    """A new value for a runtime setting, with the reason that goes into the audit log."""

    model_config = ConfigDict(extra="forbid")

    value: str | int | float | bool = Field(examples=["*/30 * * * *"])
    reason: str = Field(min_length=1, max_length=2000, examples=["ingest now runs twice an hour"])


def _view(request: Request, runner: RunnerDep, key: str) -> dict[str, Any]:
    views = runtime_settings.list_settings(runner, get_settings_dep(request))
    return next(v for v in views if v.key == key).as_json()


@api_router.put("/settings/{key}")
def api_set_setting(
    key: str,
    body: SettingIn,
    request: Request,
    runner: RunnerDep,
    me: AdminDep,
) -> dict[str, Any]:
    """Override a runtime setting; 422 names the field when the value is refused (nothing is
    stored then); audited with old and new value (admin)."""
    try:
        change = runtime_settings.set_setting(
            runner, get_settings_dep(request), key, body.value, me.username, body.reason
        )
    except SettingError as exc:
        _refused(request, key, "set", exc)
        raise HTTPException(422, str(exc)) from None
    _audit_change(request, change)
    return {"setting": _view(request, runner, key), "change": change.audit_details()}


@api_router.delete("/settings/{key}")
def api_reset_setting(
    key: str,
    request: Request,
    runner: RunnerDep,
    me: AdminDep,
    reason: Annotated[str, Query(min_length=1, max_length=2000)],
) -> dict[str, Any]:
    """Remove a runtime setting's override (the environment / default applies); audited
    (admin)."""
    try:
        change = runtime_settings.reset_setting(
            runner, get_settings_dep(request), key, me.username, reason
        )
    except SettingError as exc:
        _refused(request, key, "reset", exc)
        raise HTTPException(422, str(exc)) from None
    _audit_change(request, change)
    return {"setting": _view(request, runner, key), "change": change.audit_details()}
