"""Read side of the analyst web app: runs, ring pages, ring subgraphs, search and entities.

Every function takes the GraphRunner seam and returns frozen dataclasses or plain dicts; sort
columns and node kinds come from allow-lists (Enums) and travel to Cypher only as `$params`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from app.graph.queries import queries
from app.graph.runner import GraphRunner

LABELED_OUTSIDERS_CAP = 50
NEIGHBOURS_PAGE = 25


class EntityKind(StrEnum):
    """Node kinds an analyst can open; the value is the Neo4j label."""

    ACCOUNT = "Account"
    PAYMENT = "PaymentMethod"
    IP = "IP"
    DEVICE = "Device"
    PROMPT_CLUSTER = "PromptCluster"
    OPERATOR = "Operator"


class RingSort(StrEnum):
    """Columns the rings table may be sorted by (the allow-list)."""

    SCORE = "score"
    SIZE = "size"
    CONFIDENCE = "confidence"
    RING_ID = "ring_id"
    OPERATOR = "operator"


SHARED_KINDS: tuple[EntityKind, ...] = (
    EntityKind.PAYMENT,
    EntityKind.IP,
    EntityKind.DEVICE,
    EntityKind.PROMPT_CLUSTER,
)


def _json_field(value: str | None, default: Any) -> Any:
    if not value:
        return default
    try:
        return json.loads(value)
    except ValueError:
        return default


def _signals(value: str | None) -> list[dict[str, Any]]:
    signals = _json_field(value, [])
    if not isinstance(signals, list):
        return []
    cleaned = [
        {
            "name": str(s.get("name", "")),
            "weight": float(s.get("weight") or 0.0),
            "detail": str(s.get("detail", "")),
        }
        for s in signals
        if isinstance(s, dict)
    ]
    return sorted(cleaned, key=lambda s: -s["weight"])


def _plain(value: Any) -> Any:
    """Neo4j temporal values as ISO strings; lists and maps recursively."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


# --- runs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSummary:
    """A detection run as listed and shown in the web app."""

    run_id: str
    status: str
    started_at: str | None
    finished_at: str | None
    duration_s: float | None
    params: dict[str, Any]
    counts: dict[str, Any]
    stages: dict[str, Any]
    error: str | None
    ring_count: int
    flagged_count: int
    mode: str | None = None
    mode_reason: str | None = None
    region_accounts: int | None = None

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _run(row: dict[str, Any]) -> RunSummary:
    duration = row.get("duration_ms")
    return RunSummary(
        run_id=row["run_id"],
        status=row.get("status") or "unknown",
        started_at=row.get("started_at"),
        finished_at=row.get("finished_at"),
        duration_s=None if duration is None else float(duration) / 1000.0,
        params=_json_field(row.get("params"), {}),
        counts=_json_field(row.get("counts"), {}),
        stages=_json_field(row.get("stages"), {}),
        error=row.get("error"),
        ring_count=int(row.get("ring_count") or 0),
        flagged_count=int(row.get("flagged_count") or 0),
        mode=row.get("mode"),
        mode_reason=row.get("mode_reason"),
        region_accounts=row.get("region_accounts"),
    )


def list_runs(runner: GraphRunner, skip: int = 0, limit: int = 100) -> list[RunSummary]:
    """Detection runs, newest first.

    Args:
        runner: the database seam.
        skip: runs to skip (paging).
        limit: most runs to return.

    Returns:
        The runs with status, duration, counts and ring numbers.
    """
    rows = runner.read(queries.web.list_runs_overview, skip=skip, limit=limit)
    return [_run(row) for row in rows]


def get_run(runner: GraphRunner, run_id: str) -> RunSummary | None:
    """One run by id, or None."""
    rows = runner.read(queries.web.get_run, run_id=run_id)
    return _run(rows[0]) if rows else None


def default_run_id(runner: GraphRunner) -> str | None:
    """The run the web app opens by default: the newest succeeded run, else the newest run."""
    rows = runner.read(queries.rings.get_latest_succeeded_run)
    if rows:
        return str(rows[0]["run_id"])
    runs = list_runs(runner, limit=1)
    return runs[0].run_id if runs else None


# --- rings table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RingFilter:
    """Filters, sort and page of the rings table; None means "no filter"."""

    flagged: bool | None = None
    attributed: bool | None = None
    min_score: float | None = None
    max_score: float | None = None
    min_size: int | None = None
    max_size: int | None = None
    operator: str | None = None
    signal: str | None = None
    ring: str | None = None
    sort: RingSort = RingSort.SCORE
    descending: bool = True
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class RingListItem:
    """One row of the rings table."""

    ring_id: str
    score: float
    flagged: bool
    size: int
    operator: str | None
    confidence: float | None
    signals: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class RingPage:
    """A page of rings plus the size of the filtered set."""

    run_id: str
    total: int
    flagged: int
    page: int
    per_page: int
    rings: list[RingListItem]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "total": self.total,
            "flagged": self.flagged,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "rings": [ring.as_json() for ring in self.rings],
        }


def list_rings_page(runner: GraphRunner, run_id: str, flt: RingFilter) -> RingPage:
    """One page of a run's rings, filtered and sorted in Cypher.

    Args:
        runner: the database seam.
        run_id: the detection run.
        flt: filters, sort column (allow-listed) and page.

    Returns:
        The page and the filtered totals.
    """
    per_page = max(1, min(flt.per_page, 500))
    page = max(1, flt.page)
    rows = runner.read(
        queries.web.list_rings_page,
        run_id=run_id,
        flagged=flt.flagged,
        attributed=flt.attributed,
        min_score=flt.min_score,
        max_score=flt.max_score,
        min_size=flt.min_size,
        max_size=flt.max_size,
        operator=flt.operator or None,
        signal=flt.signal or None,
        ring=flt.ring or None,
        sort=RingSort(flt.sort).value,
        descending=flt.descending,
        skip=(page - 1) * per_page,
        limit=per_page,
    )
    row: dict[str, Any] = rows[0] if rows else {"total": 0, "flagged": 0, "rings": []}
    items = [
        RingListItem(
            ring_id=r["ring_id"],
            score=float(r["score"] or 0.0),
            flagged=bool(r["flagged"]),
            size=int(r["size"] or 0),
            operator=r["operator"],
            confidence=None if r["confidence"] is None else float(r["confidence"]),
            signals=_signals(r["signals"]),
        )
        for r in row["rings"]
    ]
    return RingPage(run_id, int(row["total"]), int(row["flagged"]), page, per_page, items)


# --- one ring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RingDetail:
    """A ring as found in one run, with its attribution."""

    ring_id: str
    run_id: str
    score: float
    flagged: bool
    size: int
    signals: list[dict[str, Any]]
    operator: str | None
    confidence: float | None
    evidence: list[str]
    runs: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def get_ring(runner: GraphRunner, ring_id: str, run_id: str) -> RingDetail | None:
    """The ring's summary in one run, or None when the run has no such ring."""
    rows = runner.read(queries.web.get_ring, ring_id=ring_id, run_id=run_id)
    if not rows:
        return None
    row = rows[0]
    return RingDetail(
        ring_id=row["ring_id"],
        run_id=run_id,
        score=float(row["score"] or 0.0),
        flagged=bool(row["flagged"]),
        size=int(row["size"] or 0),
        signals=_signals(row["signals"]),
        operator=row["operator"],
        confidence=None if row["confidence"] is None else float(row["confidence"]),
        evidence=[str(e) for e in (row["evidence"] or [])],
        runs=list(row["runs"] or []),
    )


@dataclass(frozen=True)
class Member:
    """A member account of a ring, as shown in the member table."""

    account_id: str
    declared: bool
    created_at: float | None
    email_domain: str | None
    email_hash: str | None
    country: str | None
    org: str | None
    request_count: int
    input_tokens: int
    output_tokens: int
    first_request: float | None
    last_request: float | None
    labels: list[dict[str, Any]]
    ip_count: int
    device_count: int
    payment_count: int
    cluster_count: int

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def ring_members(runner: GraphRunner, ring_id: str, run_id: str) -> list[Member]:
    """The ring's member accounts, by account id."""
    rows = runner.read(queries.web.list_ring_members, ring_id=ring_id, run_id=run_id)
    return [
        Member(
            account_id=r["account_id"],
            declared=bool(r["declared"]),
            created_at=r["created_at"],
            email_domain=r["email_domain"],
            email_hash=r["email_hash"],
            country=r["country"],
            org=r["org"],
            request_count=int(r["request_count"]),
            input_tokens=int(r["input_tokens"]),
            output_tokens=int(r["output_tokens"]),
            first_request=r["first_request"],
            last_request=r["last_request"],
            labels=[label for label in r["labels"] if label],
            ip_count=int(r["ip_count"]),
            device_count=int(r["device_count"]),
            payment_count=int(r["payment_count"]),
            cluster_count=int(r["cluster_count"]),
        )
        for r in rows
    ]


def ring_member_stubs(runner: GraphRunner, ring_id: str, run_id: str) -> list[Member]:
    """The ring's members with ids and labels only (no profile): what the graph view needs."""
    rows = runner.read(queries.web.list_ring_member_labels, ring_id=ring_id, run_id=run_id)
    if not rows:
        return []
    labels = {row["account_id"]: row["labels"] for row in rows[0]["labeled"]}
    return [
        Member(
            account,
            False,
            None,
            None,
            None,
            None,
            None,
            0,
            0,
            0,
            None,
            None,
            labels.get(account, []),
            0,
            0,
            0,
            0,
        )
        for account in sorted(rows[0]["accounts"])
    ]


class Link(NamedTuple):
    """An account's aggregated relationship to a shared node (a tuple: thousands per ring)."""

    account_id: str
    rel: str
    requests: int
    first_seen: float | None
    last_seen: float | None
    operator: str | None = None
    confidence: float | None = None
    source: str | None = None


@dataclass(frozen=True)
class SharedNodeRow:
    """A node of a ring's attribution subgraph and the accounts tied to it."""

    kind: str
    key: str
    props: dict[str, Any]
    degree: int
    links: list[Link]
    outsiders: list[Link] = field(default_factory=list)


def _link(row: dict[str, Any]) -> Link:
    return Link(
        account_id=row["account_id"],
        rel=row["rel"],
        requests=int(row.get("count") or 0),
        first_seen=row.get("first_seen"),
        last_seen=row.get("last_seen"),
        operator=row.get("operator"),
        confidence=row.get("confidence"),
        source=row.get("source"),
    )


def ring_shared_nodes(
    runner: GraphRunner, ring_id: str, run_id: str, labeled_cap: int = LABELED_OUTSIDERS_CAP
) -> list[SharedNodeRow]:
    """Nodes shared by two or more members, or by a member and a labeled outsider.

    Args:
        runner: the database seam.
        ring_id: the ring.
        run_id: the run whose membership is used.
        labeled_cap: most labeled outsider accounts per node.

    Returns:
        The shared nodes with their member and outsider links.
    """
    rows = runner.read(
        queries.web.list_ring_shared_nodes,
        ring_id=ring_id,
        run_id=run_id,
        labeled_cap=labeled_cap,
    )
    result = []
    for r in rows:
        rel = r["rel"]
        # One comprehension, positional tuples: a 2,000-member ring has ~10k links to decode.
        links = [
            Link(
                account,
                rel,
                int(count),
                None if first == "-1" else int(first),
                None if last == "-1" else int(last),
            )
            for count, first, last, account in (packed.split("\t", 3) for packed in r["links"])
        ]
        result.append(
            SharedNodeRow(
                kind=r["kind"],
                key=str(r["key"]),
                props={k: _plain(v) for k, v in (r["props"] or {}).items() if v is not None},
                degree=int(r["degree"]),
                links=links,
                outsiders=[_link(link) for link in r["outsiders"]],
            )
        )
    return result


# --- search and entities -----------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    """One search result."""

    kind: str
    key: str
    detail: str
    exact: bool

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def search(runner: GraphRunner, q: str, limit: int = 10) -> list[SearchHit]:
    """Find accounts, IPs, payment methods, devices, operators, prompt clusters and rings.

    Args:
        runner: the database seam.
        q: the text typed (an id prefix, an operator or prompt fragment).
        limit: most hits per kind.

    Returns:
        Hits, exact key matches first.
    """
    q = q.strip()
    if not q:
        return []
    rows = runner.read(queries.web.search_entities, q=q, limit=limit)
    hits = [
        SearchHit(r["kind"], str(r["key"]), r["detail"].strip(), bool(r["exact"])) for r in rows
    ]
    return sorted(hits, key=lambda h: (not h.exact, h.kind, h.key))


@dataclass(frozen=True)
class Entity:
    """A node opened on the entity page."""

    kind: str
    key: str
    props: dict[str, Any]
    degree: int

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


_HIDDEN_PROPS = frozenset({"skeleton_hashes", "signature"})


def get_entity(runner: GraphRunner, kind: EntityKind, key: str) -> Entity | None:
    """A node by kind and key, or None."""
    rows = runner.read(queries.web.get_entity, kind=EntityKind(kind).value, key=key)
    if not rows:
        return None
    props = {k: _plain(v) for k, v in rows[0]["props"].items() if k not in _HIDDEN_PROPS}
    return Entity(rows[0]["kind"], key, props, int(rows[0]["degree"]))


@dataclass(frozen=True)
class Neighbour:
    """A node next to an entity and the relationship between them."""

    kind: str
    key: str
    rel: str
    outgoing: bool
    count: int | None
    first_seen: float | None
    last_seen: float | None
    confidence: float | None
    source: str | None
    props: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class NeighbourPage:
    """A capped page of neighbours and how many there are in all."""

    total: int
    skip: int
    neighbours: list[Neighbour]

    @property
    def remaining(self) -> int:
        return max(0, self.total - self.skip - len(self.neighbours))

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "skip": self.skip,
            "remaining": self.remaining,
            "neighbours": [n.as_json() for n in self.neighbours],
        }


def entity_neighbours(
    runner: GraphRunner, kind: EntityKind, key: str, skip: int = 0, limit: int = NEIGHBOURS_PAGE
) -> NeighbourPage | None:
    """A page of a node's neighbours, busiest links first; None if the node does not exist.

    Args:
        runner: the database seam.
        kind: the node's kind.
        key: the node's key.
        skip: neighbours already shown.
        limit: most neighbours to return.

    Returns:
        The page, with the total and how many remain.
    """
    rows = runner.read(
        queries.web.list_entity_neighbours,
        kind=EntityKind(kind).value,
        key=key,
        skip=max(0, skip),
        limit=max(1, min(limit, 500)),
    )
    if not rows:
        return None
    neighbours = [
        Neighbour(
            kind=n["kind"],
            key=str(n["key"]),
            rel=n["rel"],
            outgoing=bool(n["outgoing"]),
            count=n["count"],
            first_seen=n["first_seen"],
            last_seen=n["last_seen"],
            confidence=n["confidence"],
            source=n["source"],
            props={k: _plain(v) for k, v in (n["props"] or {}).items() if v is not None},
        )
        for n in rows[0]["neighbours"]
    ]
    return NeighbourPage(int(rows[0]["total"]), max(0, skip), neighbours)


@dataclass(frozen=True)
class EntityRing:
    """A ring an entity belongs to (directly, through its accounts, or by attribution)."""

    ring_id: str
    score: float
    flagged: bool
    size: int
    operator: str | None
    confidence: float | None
    linked: int
    attributed: bool

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def entity_rings(
    runner: GraphRunner, kind: EntityKind, key: str, run_id: str, limit: int = 100
) -> list[EntityRing]:
    """The rings of one run an entity belongs to, best first."""
    rows = runner.read(
        queries.web.list_entity_rings,
        kind=EntityKind(kind).value,
        key=key,
        run_id=run_id,
        limit=limit,
    )
    return [
        EntityRing(
            ring_id=r["ring_id"],
            score=float(r["score"] or 0.0),
            flagged=bool(r["flagged"]),
            size=int(r["size"] or 0),
            operator=r["operator"],
            confidence=None if r["confidence"] is None else float(r["confidence"]),
            linked=int(r["linked"]),
            attributed=bool(r["attributed"]),
        )
        for r in rows
    ]
