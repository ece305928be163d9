"""Everything one ring export holds, loaded once, and its redaction for wider sharing."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from app.exports.ring_graph import ACCOUNT, GROUP, GraphEdge, GraphNode, RingGraph, build_ring_graph
from app.graph import web_repo
from app.graph.runner import GraphRunner
from app.graph.web_repo import Member, RingDetail, RunSummary


@dataclass(frozen=True)
class RingReport:
    """A ring in one run with its run, members and full attribution subgraph."""

    run: RunSummary
    ring: RingDetail
    members: list[Member]
    graph: RingGraph
    generated_at: str
    redacted: bool = False


class RingNotFound(LookupError):
    """No such ring in that run (or no such run)."""


def load_ring_report(runner: GraphRunner, ring_id: str, run_id: str | None = None) -> RingReport:
    """Load a ring's report data.

    Args:
        runner: the database seam.
        ring_id: the ring.
        run_id: the run (default: the newest succeeded run, else the newest run).

    Returns:
        The report data.

    Raises:
        RingNotFound: the run or the ring in it does not exist.
    """
    run_id = run_id or web_repo.default_run_id(runner)
    if run_id is None:
        raise RingNotFound("there is no detection run yet")
    run = web_repo.get_run(runner, run_id)
    if run is None:
        raise RingNotFound(f"no detection run {run_id!r}")
    ring = web_repo.get_ring(runner, ring_id, run_id)
    if ring is None:
        raise RingNotFound(f"no ring {ring_id!r} in run {run_id}")
    # The two big reads are independent: run them side by side (the driver is thread-safe).
    with ThreadPoolExecutor(max_workers=2) as pool:
        members_future = pool.submit(web_repo.ring_members, runner, ring_id, run_id)
        shared = web_repo.ring_shared_nodes(runner, ring_id, run_id)
        members = members_future.result()
    graph = build_ring_graph(ring, members, shared)
    return RingReport(run, ring, members, graph, datetime.now(UTC).isoformat(timespec="seconds"))


def load_ring_graph(runner: GraphRunner, ring_id: str, run_id: str | None = None) -> RingReport:
    """Like load_ring_report but light, for drawing: members carry ids and labels only.

    Raises:
        RingNotFound: the run or the ring in it does not exist.
    """
    run_id = run_id or web_repo.default_run_id(runner)
    if run_id is None:
        raise RingNotFound("there is no detection run yet")
    run = web_repo.get_run(runner, run_id)
    ring = web_repo.get_ring(runner, ring_id, run_id) if run else None
    if run is None or ring is None:
        raise RingNotFound(f"no ring {ring_id!r} in run {run_id}")
    with ThreadPoolExecutor(max_workers=2) as pool:
        members_future = pool.submit(web_repo.ring_member_stubs, runner, ring_id, run_id)
        shared = web_repo.ring_shared_nodes(runner, ring_id, run_id)
        members = members_future.result()
    graph = build_ring_graph(ring, members, shared, with_profiles=False)
    return RingReport(run, ring, members, graph, datetime.now(UTC).isoformat(timespec="seconds"))


class Redactor:
    """Stable pseudonyms for one export: acct-1.. for accounts, domain-1.. and org-1.. for
    e-mail domains and organisations; e-mail hashes are dropped. The numbering follows sorted
    members then sorted outsiders, so it is the same for every format of one ring export."""

    def __init__(self, report: RingReport) -> None:
        members = sorted(m.account_id for m in report.members)
        member_set = set(members)
        outsiders = sorted(
            n.key for n in report.graph.nodes if n.kind == ACCOUNT and n.key not in member_set
        )
        self.accounts = {a: f"acct-{i}" for i, a in enumerate(members + outsiders, 1)}
        domains = sorted({m.email_domain for m in report.members if m.email_domain})
        self.domains = {d: f"domain-{i}" for i, d in enumerate(domains, 1)}
        orgs = sorted({m.org for m in report.members if m.org})
        self.orgs = {o: f"org-{i}" for i, o in enumerate(orgs, 1)}
        secrets = {**self.accounts, **self.domains, **self.orgs}
        self._lookup = secrets
        self._pattern = (
            re.compile(
                r"(?<![\w.@-])("
                + "|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True))
                + r")(?![\w-])"
            )
            if secrets
            else None
        )

    def text(self, value: str) -> str:
        """Replace every real account id, domain and org inside free text."""
        if self._pattern is None or not value:
            return value
        return self._pattern.sub(lambda m: self._lookup[m.group(1)], value)

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list | tuple):
            return type(value)(self.value(v) for v in value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items() if k != "email_hash"}
        return value

    def account(self, account_id: str) -> str:
        return self.accounts.get(account_id, self.text(account_id))

    def node_id(self, nid: str) -> str:
        kind, _, key = nid.partition(":")
        return f"{kind}:{self.account(key)}" if kind == ACCOUNT else nid

    def member(self, member: Member) -> Member:
        return replace(
            member,
            account_id=self.account(member.account_id),
            email_domain=self.domains.get(member.email_domain or "", member.email_domain),
            email_hash=None,
            org=self.orgs.get(member.org or "", member.org),
            labels=[self.value(label) for label in member.labels],
        )

    def node(self, node: GraphNode) -> GraphNode:
        if node.kind == ACCOUNT:
            key = self.account(node.key)
            return replace(
                node, id=self.node_id(node.id), key=key, label=key, props=self.value(node.props)
            )
        if node.kind == GROUP:
            return replace(
                node,
                accounts=tuple(sorted(self.account(a) for a in node.accounts)),
                props=self.value(node.props),
            )
        return replace(node, props=self.value(node.props))

    def edge(self, edge: GraphEdge) -> GraphEdge:
        source, target = self.node_id(edge.source), self.node_id(edge.target)
        return replace(edge, id=f"{source}|{edge.rel}|{target}", source=source, target=target)

    def report(self, report: RingReport) -> RingReport:
        ring = replace(
            report.ring,
            signals=self.value(report.ring.signals),
            evidence=[self.text(e) for e in report.ring.evidence],
        )
        graph = replace(
            report.graph,
            nodes=tuple(self.node(n) for n in report.graph.nodes),
            edges=tuple(self.edge(e) for e in report.graph.edges),
        )
        members = sorted((self.member(m) for m in report.members), key=_pseudonym_order)
        return replace(report, ring=ring, members=members, graph=graph, redacted=True)


def _pseudonym_order(member: Member) -> tuple[int, str]:
    number = member.account_id.removeprefix("acct-")
    return (int(number), "") if number.isdigit() else (1 << 30, member.account_id)


def redact(report: RingReport) -> RingReport:
    """The report with account ids, e-mail domains / hashes and organisations pseudonymised."""
    return Redactor(report).report(report)
