"""Server-rendered pages (Jinja2); the ring and entity graphs load from the JSON API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from app.auth import labels
from app.auth.redaction import redact_for_viewer
from app.exports.report import load_ring_report
from app.exports.ring_graph import KIND_TITLES
from app.exports.service import ExportFormat
from app.exports.signals import SIGNALS, explain_all, top_signals
from app.graph import jobs_repo, web_repo
from app.graph.web_repo import EntityKind, RingSort
from app.web.api import MAX_PAGE, MAX_SIZE, is_viewer, resolve_run, ring_filter
from app.web.deps import AnalystDep, RunnerDep, ViewerDep, audit_event
from app.web.templating import entity_url, templates

router = APIRouter(include_in_schema=False)

SORTABLE = {
    "ring_id": "Ring",
    "score": "Score",
    "size": "Members",
    "operator": "Operator",
    "confidence": "Confidence",
}


@router.get("/healthz")
def healthz(runner: RunnerDep) -> JSONResponse:
    """Liveness and database reachability."""
    runner.verify()
    return JSONResponse({"status": "ok", "database": "up"})


@router.get("/")
def home(me: ViewerDep) -> RedirectResponse:
    """The rings of the newest run."""
    return RedirectResponse("/rings", status_code=307)


@router.get("/runs", response_class=HTMLResponse)
def runs_page(request: Request, runner: RunnerDep, me: ViewerDep) -> Response:
    """Detection runs with status, duration and counts."""
    runs = web_repo.list_runs(runner, limit=200)
    return templates.TemplateResponse(
        request,
        "runs.html",
        {"runs": runs, "default_run": web_repo.default_run_id(runner), "nav": "runs"},
    )


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: str, request: Request, runner: RunnerDep, me: ViewerDep) -> Response:
    """One run: its parameters and figures, then its rings."""
    if web_repo.get_run(runner, run_id) is None:
        raise HTTPException(404, f"no detection run {run_id!r}")
    # The run's ring changes (since the previous succeeded run), read by _run_changes.html.
    request.state.run_changes = jobs_repo.run_changes(runner, run_id)
    return rings_page(request, runner, me, run=run_id, show_run=True)


@router.get("/rings", response_class=HTMLResponse)
def rings_page(
    request: Request,
    runner: RunnerDep,
    me: ViewerDep,
    run: str | None = None,
    flagged: Literal["", "true", "false"] = "",
    attributed: Literal["", "true", "false"] = "",
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    min_size: Annotated[int | None, Query(ge=0, le=MAX_SIZE)] = None,
    max_size: Annotated[int | None, Query(ge=0, le=MAX_SIZE)] = None,
    operator: Annotated[str | None, Query(max_length=200)] = None,
    signal: Annotated[str | None, Query(max_length=100)] = None,
    ring: Annotated[str | None, Query(max_length=200)] = None,
    sort: RingSort = RingSort.SCORE,
    order: Literal["asc", "desc"] = "desc",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
    show_run: bool = False,
) -> Response:
    """The rings of a run: sortable, filterable, paged on the server."""
    run_id = run or web_repo.default_run_id(runner)
    if run_id is None:
        return templates.TemplateResponse(
            request, "rings.html", {"run": None, "page": None, "nav": "rings"}
        )
    current = web_repo.get_run(runner, run_id)
    if current is None:
        raise HTTPException(404, f"no detection run {run_id!r}")
    flt = ring_filter(
        {"": None, "true": True, "false": False}[flagged],
        {"": None, "true": True, "false": False}[attributed],
        min_score,
        None,
        min_size,
        max_size,
        operator,
        signal,
        ring,
        sort,
        order,
        page,
        per_page,
    )
    result = web_repo.list_rings_page(runner, run_id, flt)
    params: dict[str, Any] = {
        "run": run_id,
        "flagged": flagged,
        "attributed": attributed,
        "min_score": min_score,
        "min_size": min_size,
        "max_size": max_size,
        "operator": operator,
        "signal": signal,
        "ring": ring,
        "sort": sort.value,
        "order": order,
        "per_page": per_page if per_page != 50 else None,
    }
    rows = [{**item.as_json(), "top_signals": top_signals(item.signals)} for item in result.rings]
    return templates.TemplateResponse(
        request,
        "rings.html",
        {
            "run": current,
            "show_run": show_run,
            "page": result,
            "rows": rows,
            "params": params,
            "path": "/rings",
            "sortable": SORTABLE,
            "signal_names": sorted(n for n in SIGNALS if ":" not in n),
            "nav": "rings",
        },
    )


@router.get("/rings/{ring_id}", response_class=HTMLResponse)
def ring_page(
    ring_id: str, request: Request, runner: RunnerDep, me: ViewerDep, run: str | None = None
) -> Response:
    """A ring: summary, explained signals, attribution, members and the interactive graph."""
    run_id = resolve_run(runner, run)
    ring = web_repo.get_ring(runner, ring_id, run_id)
    if ring is None:
        raise HTTPException(404, f"no ring {ring_id!r} in run {run_id}")
    viewer = is_viewer(me)
    if viewer:
        ring = redact_for_viewer(load_ring_report(runner, ring_id, run_id)).ring
    audit_event(request, "ring.view", ring_id, run=run_id, redacted=viewer)
    return templates.TemplateResponse(
        request,
        "ring.html",
        {
            "ring": ring,
            "run": web_repo.get_run(runner, run_id),
            "signals": explain_all(ring.signals),
            "formats": [f.value for f in ExportFormat],
            "kind_titles": KIND_TITLES,
            "nav": "rings",
            "history": ring_history_view(jobs_repo.ring_history(runner, ring_id)),
            "viewer": viewer,
            "graph_config": {
                "ringId": ring.ring_id,
                "runId": ring.run_id,
                "kindTitles": KIND_TITLES,
                "viewer": viewer,
            },
        },
    )


def ring_history_view(history: list[dict[str, Any]]) -> dict[str, Any]:
    """A ring's history rows plus SVG polyline points for size and score (oldest → newest)."""
    found = [row for row in history if row["found"]]
    width, height = 240.0, 40.0
    biggest = max((row["size"] for row in found), default=0) or 1
    step = width / max(len(found) - 1, 1)

    def points(values: list[float], top: float) -> str:
        return " ".join(
            f"{i * step:.1f},{height - (v / top) * (height - 4) - 2:.1f}"
            for i, v in enumerate(values)
        )

    return {
        "rows": list(reversed(history)),
        "size_points": points([float(row["size"]) for row in found], float(biggest)),
        "score_points": points([float(row["score"] or 0.0) for row in found], 1.0),
        "width": width,
        "height": height,
        "runs": len(found),
    }


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    runner: RunnerDep,
    me: AnalystDep,
    q: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    """Search by account id, IP, payment id, device id, operator or prompt text."""
    hits = web_repo.search(runner, q, limit=20) if q.strip() else []
    exact = [h for h in hits if h.exact]
    if len(exact) == 1 or (len(hits) == 1 and q.strip()):
        hit = exact[0] if len(exact) == 1 else hits[0]
        return RedirectResponse(entity_url(hit.kind, hit.key), status_code=303)
    return templates.TemplateResponse(
        request,
        "search.html",
        {"q": q, "hits": hits, "kind_titles": {**KIND_TITLES, "Ring": "Ring"}, "nav": "search"},
    )


@router.get("/entity/{kind}/{key:path}", response_class=HTMLResponse)
def entity_page(
    kind: EntityKind,
    key: str,
    request: Request,
    runner: RunnerDep,
    me: AnalystDep,
    run: str | None = None,
    label_error: str = "",
) -> Response:
    """A node: properties, neighbourhood graph and neighbours, and the rings it belongs to."""
    entity = web_repo.get_entity(runner, kind, key)
    if entity is None:
        raise HTTPException(404, f"no {kind.value} {key!r}")
    run_id = run or web_repo.default_run_id(runner)
    rings = web_repo.entity_rings(runner, kind, key, run_id) if run_id else []
    neighbours = web_repo.entity_neighbours(runner, kind, key, 0, 25)
    return templates.TemplateResponse(
        request,
        "entity.html",
        {
            "entity": entity,
            "kind_title": KIND_TITLES.get(kind.value, kind.value),
            "run_id": run_id,
            "rings": rings,
            "neighbours": neighbours,
            "kind_titles": KIND_TITLES,
            "nav": "search",
            "labels": labels.list_labels(runner, key) if kind == EntityKind.ACCOUNT else None,
            "label_error": label_error,
            "graph_config": {
                "kind": entity.kind,
                "key": entity.key,
                "props": entity.props,
                "kindTitles": KIND_TITLES,
            },
        },
        status_code=422 if label_error else 200,
    )


@router.post("/entity/Account/{account_id}/labels")
def add_label_form(
    account_id: str,
    request: Request,
    runner: RunnerDep,
    me: AnalystDep,
    operator: Annotated[str, Form(max_length=200)],
    reason: Annotated[str, Form(max_length=2000)],
    confidence: Annotated[float, Form(gt=0, le=1)] = 1.0,
) -> Response:
    """Label the account as run by an operator (form on the account page; needs a reason)."""
    try:
        labels.add_label(runner, account_id, operator, reason, me.username, confidence)
    except labels.LabelError as exc:
        if str(exc).startswith("no account"):
            raise HTTPException(404, str(exc)) from None
        return entity_page(EntityKind.ACCOUNT, account_id, request, runner, me, None, str(exc))
    audit_event(
        request,
        "label.add",
        account_id,
        operator=operator.strip(),
        confidence=confidence,
        reason=reason.strip(),
    )
    return RedirectResponse(entity_url("Account", account_id) + "#labels", status_code=303)


@router.post("/entity/Account/{account_id}/labels/remove")
def remove_label_form(
    account_id: str,
    request: Request,
    runner: RunnerDep,
    me: AnalystDep,
    operator: Annotated[str, Form(max_length=200)],
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    """Remove one of the account's operator labels (needs a reason)."""
    try:
        removed = labels.remove_label(runner, account_id, operator, reason)
    except labels.LabelError as exc:
        if "reason" not in str(exc):
            raise HTTPException(404, str(exc)) from None
        return entity_page(EntityKind.ACCOUNT, account_id, request, runner, me, None, str(exc))
    audit_event(request, "label.remove", account_id, operator=operator, reason=reason, **removed)
    return RedirectResponse(entity_url("Account", account_id) + "#labels", status_code=303)
