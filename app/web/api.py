"""The JSON API under /api (documented at /docs, schema at /openapi.json)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.auth import labels
from app.auth.redaction import ViewerRedactor, redact_for_viewer
from app.auth.roles import Role
from app.auth.service import Principal
from app.exports import chromium
from app.exports.report import RingNotFound, _pseudonym_order, load_ring_graph, load_ring_report
from app.exports.ring_graph import collapse, to_elements
from app.exports.service import ExportFormat, build_export
from app.exports.signals import explain_all, top_signals
from app.graph import jobs_repo, web_repo
from app.graph.runner import GraphRunner
from app.graph.web_repo import EntityKind, RingFilter, RingSort
from app.web.deps import AnalystDep, RunnerDep, ViewerDep, audit_event

# Upper bounds on paging/size parameters: Neo4j takes SKIP/LIMIT as 32-bit and the driver sends
# at most 64-bit integers, so an unbounded value would fail in the database (a 500) instead of
# being a clear 422 here. Far above any real ring count or ring size.
MAX_SKIP = 100_000_000
MAX_PAGE = 1_000_000
MAX_SIZE = 100_000_000

router = APIRouter(prefix="/api", tags=["api"])

CollapseMode = Literal["auto", "always", "never"]


def json_response(payload: dict[str, Any]) -> Response:
    """Large payloads (a 2,000-member ring) serialised straight to bytes with orjson."""
    return Response(orjson.dumps(payload), media_type="application/json")


def resolve_run(runner: GraphRunner, run: str | None) -> str:
    """The requested run, or the default one; 404 when there is none."""
    run_id = run or web_repo.default_run_id(runner)
    if run_id is None:
        raise HTTPException(404, "there is no detection run yet: run `ringscope detect`")
    return run_id


def ring_filter(
    flagged: bool | None = None,
    attributed: bool | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
    min_size: int | None = None,
    max_size: int | None = None,
    operator: str | None = None,
    signal: str | None = None,
    ring: str | None = None,
    sort: RingSort = RingSort.SCORE,
    order: Literal["asc", "desc"] = "desc",
    page: int = 1,
    per_page: int = 50,
) -> RingFilter:
    """Query parameters of the rings table as a RingFilter."""
    return RingFilter(
        flagged=flagged,
        attributed=attributed,
        min_score=min_score,
        max_score=max_score,
        min_size=min_size,
        max_size=max_size,
        operator=(operator or "").strip() or None,
        signal=(signal or "").strip() or None,
        ring=(ring or "").strip() or None,
        sort=sort,
        descending=order == "desc",
        page=page,
        per_page=per_page,
    )


@router.get("/runs")
def list_runs(
    runner: RunnerDep,
    me: ViewerDep,
    skip: Annotated[int, Query(ge=0, le=MAX_SKIP)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Detection runs, newest first, with status, duration and counts."""
    runs = web_repo.list_runs(runner, skip=skip, limit=limit)
    return {"runs": [run.as_json() for run in runs], "default_run": web_repo.default_run_id(runner)}


@router.get("/runs/{run_id}")
def get_run(run_id: str, runner: RunnerDep, me: ViewerDep) -> dict[str, Any]:
    """One detection run: parameters, counts and per-stage figures."""
    run = web_repo.get_run(runner, run_id)
    if run is None:
        raise HTTPException(404, f"no detection run {run_id!r}")
    return run.as_json()


@router.get("/runs/{run_id}/changes")
def run_changes(run_id: str, runner: RunnerDep, me: ViewerDep) -> dict[str, Any]:
    """How the run's rings changed since the previous succeeded run (new, grown, merged, ...)."""
    run = web_repo.get_run(runner, run_id)
    if run is None:
        raise HTTPException(404, f"no detection run {run_id!r}")
    changes = jobs_repo.run_changes(runner, run_id)
    counts: dict[str, int] = {}
    for change in changes:
        counts[change["kind"]] = counts.get(change["kind"], 0) + 1
    previous = changes[0]["previous_run"] if changes else None
    return {"run_id": run_id, "previous_run": previous, "counts": counts, "changes": changes}


@router.get("/alerts")
def list_alerts(
    runner: RunnerDep,
    me: AnalystDep,
    delivery: Literal["pending", "failed", "delivered", "disabled"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Alerts (newly flagged rings, scores crossing the threshold), newest first."""
    return {"alerts": jobs_repo.list_alerts(runner, delivery=delivery, limit=limit)}


@router.get("/rings")
def list_rings(
    runner: RunnerDep,
    me: ViewerDep,
    run: Annotated[str | None, Query(description="Run id (default: newest succeeded run).")] = None,
    flagged: bool | None = None,
    attributed: bool | None = None,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    min_size: Annotated[int | None, Query(ge=0, le=MAX_SIZE)] = None,
    max_size: Annotated[int | None, Query(ge=0, le=MAX_SIZE)] = None,
    operator: Annotated[str | None, Query(max_length=200)] = None,
    signal: Annotated[str | None, Query(max_length=100)] = None,
    ring: Annotated[str | None, Query(max_length=200, description="Ring id fragment.")] = None,
    sort: RingSort = RingSort.SCORE,
    order: Literal["asc", "desc"] = "desc",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """One page of a run's rings: filtered, sorted and paged in the database."""
    run_id = resolve_run(runner, run)
    flt = ring_filter(
        flagged,
        attributed,
        min_score,
        max_score,
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
    result = web_repo.list_rings_page(runner, run_id, flt).as_json()
    for row in result["rings"]:
        row["top_signals"] = top_signals(row["signals"])
    result["sort"] = flt.sort.value
    result["order"] = order
    return result


def _account_order(report: Any) -> list[str]:
    """Member ids then outsider ids, in the order the page numbers them acct-1, acct-2, ..."""
    if report.redacted:
        return [m.account_id for m in sorted(report.members, key=_pseudonym_order)] + sorted(
            (n.key for n in report.graph.nodes if n.kind == "Account" and not n.member),
            key=lambda key: int(key.removeprefix("acct-")) if key[5:].isdigit() else 1 << 30,
        )
    return sorted(m.account_id for m in report.members) + sorted(
        n.key for n in report.graph.nodes if n.kind == "Account" and not n.member
    )


def _ring_or_404(runner: GraphRunner, ring_id: str, run: str | None) -> web_repo.RingDetail:
    run_id = resolve_run(runner, run)
    ring = web_repo.get_ring(runner, ring_id, run_id)
    if ring is None:
        raise HTTPException(404, f"no ring {ring_id!r} in run {run_id}")
    return ring


def is_viewer(me: Principal) -> bool:
    """Viewers see pseudonyms instead of raw identifiers (app/auth/redaction.py)."""
    return not me.allows(Role.ANALYST)


@router.get("/rings/{ring_id}")
def get_ring(
    ring_id: str, request: Request, runner: RunnerDep, me: ViewerDep, run: str | None = None
) -> dict[str, Any]:
    """A ring's summary: score, explained signals, attribution and the run."""
    ring = _ring_or_404(runner, ring_id, run)
    if is_viewer(me):
        # The full report: its member profiles give the e-mail domain / org pseudonyms too.
        ring = redact_for_viewer(load_ring_report(runner, ring_id, ring.run_id)).ring
    audit_event(request, "ring.view", ring_id, run=ring.run_id, redacted=is_viewer(me))
    payload = ring.as_json()
    payload["signals"] = explain_all(ring.signals)
    found = web_repo.get_run(runner, ring.run_id)
    payload["run"] = found.as_json() if found else None
    return payload


@router.get("/rings/{ring_id}/history")
def ring_history(ring_id: str, runner: RunnerDep, me: ViewerDep) -> dict[str, Any]:
    """The ring across succeeded runs, oldest first: size, score, flag and change kind."""
    history = jobs_repo.ring_history(runner, ring_id)
    if not history:
        raise HTTPException(404, f"no ring {ring_id!r} in any succeeded run")
    return {"ring_id": ring_id, "history": history}


@router.get("/rings/{ring_id}/members")
def ring_members(
    ring_id: str, runner: RunnerDep, me: ViewerDep, run: str | None = None
) -> Response:
    """The ring's member accounts with profile, volume, labels and attachment counts."""
    ring = _ring_or_404(runner, ring_id, run)
    if is_viewer(me):
        report = load_ring_report(runner, ring_id, ring.run_id)
        members = ViewerRedactor(report).members(report.members)
    else:
        members = web_repo.ring_members(runner, ring_id, ring.run_id)
    return json_response(
        {
            "ring_id": ring_id,
            "run_id": ring.run_id,
            "total": len(members),
            "members": [m.as_json() for m in members],
        }
    )


@router.get("/rings/{ring_id}/graph")
def ring_graph(
    ring_id: str,
    runner: RunnerDep,
    me: ViewerDep,
    run: str | None = None,
    collapse_mode: Annotated[
        CollapseMode,
        Query(
            alias="collapse",
            description="Group accounts with identical attachments: auto (large rings), always, never.",
        ),
    ] = "auto",
) -> Response:
    """The ring's attribution subgraph as Cytoscape.js elements (nodes shared by 2+ members)."""
    try:
        report = load_ring_graph(runner, ring_id, run)
    except RingNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    if is_viewer(me):
        report = redact_for_viewer(report)
    view = collapse(report.graph, collapse_mode)
    lo, hi = view.time_range()
    return json_response(
        {
            "ring_id": ring_id,
            "run_id": report.run.run_id,
            "collapsed": view.collapsed,
            "counts": view.node_counts(),
            "time_range": {"min": lo, "max": hi},
            "accounts": _account_order(report),
            "elements": to_elements(view),
        }
    )


@router.get(
    "/rings/{ring_id}/export/{fmt}",
    responses={200: {"content": {m: {} for m in ("application/octet-stream",)}}},
)
async def export_ring(
    ring_id: str,
    fmt: ExportFormat,
    request: Request,
    runner: RunnerDep,
    me: AnalystDep,
    run: str | None = None,
    redact: Annotated[
        bool, Query(description="Replace account ids / e-mail domains / orgs by pseudonyms.")
    ] = False,
) -> Response:
    """Download the ring as GraphML, JSON, CSV (zip), PNG, SVG, HTML report or PDF report."""

    def build() -> Any:
        report = load_ring_report(runner, ring_id, run)
        return build_export(report, fmt, redacted=redact)

    try:
        export = await run_in_threadpool(build)
    except RingNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except chromium.ChromiumUnavailable as exc:
        raise HTTPException(501, f"{fmt.value} export needs headless Chromium: {exc}") from None
    audit_event(request, "export", ring_id, format=fmt.value, redacted=redact, run=run or "default")
    return Response(
        export.content,
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )


@router.get("/search")
def search(
    runner: RunnerDep,
    me: AnalystDep,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    """Search accounts, IPs, payment methods, devices, operators, prompt text and rings."""
    hits = web_repo.search(runner, q, limit)
    return {"q": q, "hits": [h.as_json() for h in hits]}


def _entity_or_404(runner: GraphRunner, kind: EntityKind, key: str) -> web_repo.Entity:
    entity = web_repo.get_entity(runner, kind, key)
    if entity is None:
        raise HTTPException(404, f"no {kind.value} {key!r}")
    return entity


@router.get("/entities/{kind}/{key:path}/neighbours")
def entity_neighbours(
    kind: EntityKind,
    key: str,
    runner: RunnerDep,
    me: AnalystDep,
    skip: Annotated[int, Query(ge=0, le=MAX_SKIP)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 25,
) -> dict[str, Any]:
    """A capped page of a node's neighbours (busiest links first), with how many remain."""
    page = web_repo.entity_neighbours(runner, kind, key, skip, limit)
    if page is None:
        raise HTTPException(404, f"no {kind.value} {key!r}")
    return {"kind": kind.value, "key": key, **page.as_json()}


@router.get("/entities/{kind}/{key:path}")
def get_entity(
    kind: EntityKind, key: str, runner: RunnerDep, me: AnalystDep, run: str | None = None
) -> dict[str, Any]:
    """A node's properties and the rings (of one run) it belongs to."""
    entity = _entity_or_404(runner, kind, key)
    run_id = web_repo.default_run_id(runner) if run is None else run
    rings = web_repo.entity_rings(runner, kind, key, run_id) if run_id else []
    return {**entity.as_json(), "run_id": run_id, "rings": [r.as_json() for r in rings]}


# --- operator labels (analyst) ---------------------------------------------------------------


class LabelIn(BaseModel):
    """An operator label for an account, with the analyst's reason."""

    operator: str = Field(min_length=1, max_length=200, examples=["Operator Krait"])
    reason: str = Field(min_length=1, max_length=2000, examples=["same card as case 2026-014"])
    confidence: float = Field(default=1.0, gt=0, le=1)


@router.get("/accounts/{account_id}/labels")
def account_labels(account_id: str, runner: RunnerDep, me: AnalystDep) -> dict[str, Any]:
    """An account's operator labels (from ingest or the web app)."""
    return {
        "account_id": account_id,
        "labels": [label.as_json() for label in labels.list_labels(runner, account_id)],
    }


@router.post("/accounts/{account_id}/labels", status_code=201)
def add_account_label(
    account_id: str, body: LabelIn, request: Request, runner: RunnerDep, me: AnalystDep
) -> dict[str, Any]:
    """Label an account as run by an operator (used by the next detection run); audited."""
    try:
        labels.add_label(
            runner, account_id, body.operator, body.reason, me.username, body.confidence
        )
    except labels.LabelError as exc:
        code = 404 if str(exc).startswith("no account") else 422
        raise HTTPException(code, str(exc)) from None
    audit_event(
        request,
        "label.add",
        account_id,
        operator=body.operator.strip(),
        confidence=body.confidence,
        reason=body.reason.strip(),
    )
    return account_labels(account_id, runner, me)


@router.delete("/accounts/{account_id}/labels/{operator}")
def remove_account_label(
    account_id: str,
    operator: str,
    request: Request,
    runner: RunnerDep,
    me: AnalystDep,
    reason: Annotated[str, Query(min_length=1, max_length=2000)],
) -> dict[str, Any]:
    """Remove an account's operator label (with a reason); audited."""
    try:
        removed = labels.remove_label(runner, account_id, operator, reason)
    except labels.LabelError as exc:
        raise HTTPException(422 if "reason" in str(exc) else 404, str(exc)) from None
    audit_event(request, "label.remove", account_id, operator=operator, reason=reason, **removed)
    return account_labels(account_id, runner, me)
