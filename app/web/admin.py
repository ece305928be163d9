"""Admin-only: users (list, add, change role, remove) and the audit log (view, export, verify)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.auth import service
from app.auth.audit import to_csv, to_jsonl
from app.auth.roles import Role
from app.web.deps import AdminDep, AuditDep, RunnerDep, audit_event
from app.web.templating import templates

router = APIRouter(prefix="/admin", include_in_schema=False)
api_router = APIRouter(prefix="/api/admin", tags=["admin"])

AuditFilters = dict[str, Any]


def _filters(actor: str | None, action: str | None, target: str | None, limit: int) -> AuditFilters:
    return {
        "actor": (actor or "").strip() or None,
        "action": (action or "").strip() or None,
        "target": (target or "").strip() or None,
        "limit": limit,
    }


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, runner: RunnerDep, me: AdminDep, error: str = "") -> Response:
    """Users and their roles, with forms to add, change and remove."""
    return templates.TemplateResponse(
        request,
        "admin_users.html",
        {
            "users": service.list_users(runner),
            "tokens": service.list_api_tokens(runner),
            "roles": [r.value for r in Role],
            "error": error,
            "nav": "admin",
        },
    )


@router.post("/users")
def add_user(
    request: Request,
    runner: RunnerDep,
    me: AdminDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    role: Annotated[Role, Form()],
) -> Response:
    """Create a user (admin)."""
    try:
        service.create_user(runner, username, password, role.value)
    except service.AuthError as exc:
        audit_event(request, "user.add", username, outcome="error", error=str(exc))
        return users_page(request, runner, me, error=str(exc))
    audit_event(request, "user.add", username, new_role=role.value)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{username}/role")
def change_role(
    username: str,
    request: Request,
    runner: RunnerDep,
    me: AdminDep,
    role: Annotated[Role, Form()],
) -> Response:
    """Change a user's role (admin)."""
    try:
        previous = service.set_role(runner, username, role.value)
    except service.AuthError as exc:
        raise HTTPException(404, str(exc)) from None
    audit_event(request, "user.set_role", username, new_role=role.value, previous=previous)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{username}/remove")
def remove_user(username: str, request: Request, runner: RunnerDep, me: AdminDep) -> Response:
    """Delete a user with their sessions and tokens (admin)."""
    try:
        sessions, tokens = service.remove_user(runner, username)
    except service.AuthError as exc:
        raise HTTPException(404, str(exc)) from None
    audit_event(request, "user.remove", username, sessions=sessions, tokens=tokens)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    audit: AuditDep,
    me: AdminDep,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    target: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
    verify: bool = False,
) -> Response:
    """The audit log, newest first, filtered by actor, action prefix or target fragment."""
    filters = _filters(actor, action, target, limit)
    return templates.TemplateResponse(
        request,
        "admin_audit.html",
        {
            "entries": audit.search(**filters),
            "filters": filters,
            # Walking the whole chain is O(entries): only on request.
            "chain": audit.verify() if verify else None,
            "nav": "audit",
        },
    )


@api_router.get("/users")
def api_users(runner: RunnerDep, me: AdminDep) -> dict[str, Any]:
    """Users with role, times, sessions and API token names (admin)."""
    return {
        "users": [u.as_json() for u in service.list_users(runner)],
        "tokens": service.list_api_tokens(runner),
    }


@api_router.get("/audit")
def api_audit(
    request: Request,
    audit: AuditDep,
    me: AdminDep,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64, description="Prefix, e.g. 'label'.")] = None,
    target: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    fmt: Annotated[Literal["json", "jsonl", "csv"], Query(alias="format")] = "json",
) -> Response:
    """Audit entries, newest first, as JSON, or downloaded as JSONL / CSV (admin)."""
    entries = audit.search(**_filters(actor, action, target, limit))
    if fmt == "json":
        import orjson

        return Response(
            orjson.dumps({"entries": entries, "count": len(entries)}),
            media_type="application/json",
        )
    audit_event(request, "audit.export", "", format=fmt, entries=len(entries))
    body = to_jsonl(entries) if fmt == "jsonl" else to_csv(entries)
    media = "application/x-ndjson" if fmt == "jsonl" else "text/csv"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="ringscope-audit.{fmt}"'},
    )


@api_router.get("/audit/verify")
def api_audit_verify(audit: AuditDep, me: AdminDep) -> dict[str, Any]:
    """Check the audit log's hash chain (admin)."""
    check = audit.verify()
    return {"entries": check.entries, "ok": check.ok, "problem": check.problem}
