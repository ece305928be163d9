"""Fold a batch of events into the rows the graph stores (pure: no I/O).

Raw requests are never stored one node each: they become per-(account, ip), (account, device),
(account, prompt cluster) relationships with count / first_seen / last_seen, and hourly activity
per account and day, so tens of millions of requests stay a graph of millions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.ingest.events import (
    AccountEvent,
    Event,
    IpInfoEvent,
    LabelEvent,
    PaymentEvent,
    RequestEvent,
)

_DAY = 86_400


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _span_row(account: str, key_name: str, key: str, entry: list[Any]) -> dict[str, Any]:
    """The common part of an (account, node) relationship row: count and first/last seen."""
    return {
        "account_id": account,
        key_name: key,
        "count": entry[0],
        "first": _when(entry[1]),
        "last": _when(entry[2]),
    }


def hash_email(email: str, salt: str) -> tuple[str | None, str | None]:
    """Split an e-mail into (domain, salted hash of the local part); analysts never see the raw one."""
    local, sep, domain = email.strip().rpartition("@")
    if not sep or not local or not domain:
        return None, hashlib.sha256((salt + email).encode()).hexdigest()[:24]
    return domain.lower(), hashlib.sha256((salt + local.lower()).encode()).hexdigest()[:24]


def salt_fingerprint(salt: str) -> str:
    """Identifies the e-mail salt without revealing it (compare before loading a folder)."""
    return hashlib.sha256(("ringscope-email-salt:" + salt).encode()).hexdigest()[:16]


@dataclass
class BatchRows:
    """Parameter lists for the ingest queries, one list per query."""

    accounts: list[dict[str, Any]] = field(default_factory=list)
    request_accounts: list[dict[str, Any]] = field(default_factory=list)
    ip_info: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    ips: list[str] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)
    ip_usage: list[dict[str, Any]] = field(default_factory=list)
    device_usage: list[dict[str, Any]] = field(default_factory=list)
    cluster_usage: list[dict[str, Any]] = field(default_factory=list)
    cluster_requests: list[dict[str, Any]] = field(default_factory=list)
    activity_days: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)

    def row_count(self) -> int:
        return sum(len(rows) for rows in vars(self).values())


class BatchAggregator:
    """Accumulates one batch of events; `rows()` gives what to write.

    Args:
        assign_cluster: maps a prompt to its PromptCluster id (the clusterer's `assign`).
        salt: salt for hashing e-mail local parts.
    """

    def __init__(self, assign_cluster: Callable[[str], str], salt: str) -> None:
        self._assign = assign_cluster
        self._salt = salt
        self._accounts: dict[str, dict[str, Any]] = {}
        self._ip_info: dict[str, dict[str, Any]] = {}
        self._payments: dict[tuple[str, str], list[Any]] = {}
        self._labels: dict[tuple[str, str], dict[str, Any]] = {}
        # account -> [requests, input_tokens, output_tokens, first, last]
        self._usage: dict[str, list[float]] = {}
        self._ip: dict[tuple[str, str], list[float]] = {}
        self._device: dict[tuple[str, str], list[Any]] = {}
        self._cluster: dict[tuple[str, str], list[float]] = {}
        self._days: dict[tuple[str, int], list[int]] = {}

    def add(self, event: Event) -> None:
        """Fold one validated event into the batch."""
        if isinstance(event, RequestEvent):
            self._add_request(event)
        elif isinstance(event, AccountEvent):
            domain, local_hash = (
                hash_email(event.email, self._salt) if event.email else (None, None)
            )
            self._accounts[event.account_id] = {
                "account_id": event.account_id,
                "created_at": event.created_at,
                "email_domain": domain,
                "email_hash": local_hash,
                "country": event.country,
                "org": event.org,
            }
        elif isinstance(event, PaymentEvent):
            key = (event.account_id, event.payment_id)
            entry = self._touch(self._payments, key, event.ts.timestamp(), extra=3, fill=None)
            entry[3] = event.method or entry[3]
            entry[4] = event.bin or entry[4]
            entry[5] = event.issuer_country or entry[5]
        elif isinstance(event, IpInfoEvent):
            self._ip_info[event.ip] = {
                "ip": event.ip,
                "asn": event.asn,
                "as_org": event.as_org,
                "kind": event.kind,
            }
        elif isinstance(event, LabelEvent):
            self._labels[(event.account_id, event.operator)] = {
                "account_id": event.account_id,
                "operator": event.operator,
                "source": event.source,
                "confidence": event.confidence,
            }

    @staticmethod
    def _touch(
        table: dict[Any, list[Any]], key: Any, ts: float, extra: int = 0, fill: Any = 0
    ) -> list[Any]:
        # Entries are [count, first, last, *extra]: one place keeps count and the time span.
        entry = table.get(key)
        if entry is None:
            entry = table[key] = [0, ts, ts] + [fill] * extra
        else:
            if ts < entry[1]:
                entry[1] = ts
            if ts > entry[2]:
                entry[2] = ts
        entry[0] += 1
        return entry

    def _add_request(self, event: RequestEvent) -> None:
        account = event.account_id
        ts = event.ts.timestamp()
        usage = self._usage.get(account)
        if usage is None:
            self._usage[account] = [1, event.input_tokens, event.output_tokens, ts, ts]
        else:
            usage[0] += 1
            usage[1] += event.input_tokens
            usage[2] += event.output_tokens
            usage[3] = min(usage[3], ts)
            usage[4] = max(usage[4], ts)
        if event.ip is not None:
            self._touch(self._ip, (account, event.ip), ts)
        if event.device_id is not None:
            entry = self._touch(self._device, (account, event.device_id), ts, extra=1, fill=None)
            if event.user_agent:
                entry[3] = event.user_agent
        if event.prompt:
            entry = self._touch(self._cluster, (account, self._assign(event.prompt)), ts, extra=2)
            entry[3] += event.input_tokens
            entry[4] += event.output_tokens
        seconds = int(ts)
        day_key = (account, seconds // _DAY)
        hours = self._days.get(day_key)
        if hours is None:
            hours = self._days[day_key] = [0] * 24
        hours[(seconds % _DAY) // 3600] += 1

    def __len__(self) -> int:
        return sum(
            len(table)
            for table in (self._accounts, self._usage, self._ip_info, self._payments, self._labels)
        )

    def rows(self) -> BatchRows:
        """The batch as parameter rows for the ingest queries."""
        rows = BatchRows()
        rows.accounts = list(self._accounts.values())
        rows.request_accounts = [
            {
                "account_id": account,
                "requests": int(u[0]),
                "input_tokens": int(u[1]),
                "output_tokens": int(u[2]),
                "first": _when(u[3]),
                "last": _when(u[4]),
            }
            for account, u in self._usage.items()
        ]
        rows.ip_info = list(self._ip_info.values())
        rows.payments = [
            {
                **_span_row(account, "payment_id", payment, e),
                "method": e[3],
                "bin": e[4],
                "issuer_country": e[5],
            }
            for (account, payment), e in self._payments.items()
        ]
        rows.ip_usage = [_span_row(a, "ip", ip, e) for (a, ip), e in self._ip.items()]
        rows.ips = sorted({ip for _account, ip in self._ip})
        user_agents: dict[str, str | None] = {}
        for (_account, device), entry in self._device.items():
            user_agents[device] = entry[3] or user_agents.get(device)
        rows.devices = [{"device_id": d, "user_agent": ua} for d, ua in user_agents.items()]
        rows.device_usage = [_span_row(a, "device_id", d, e) for (a, d), e in self._device.items()]
        rows.cluster_usage = [
            {**_span_row(a, "cluster_id", c, e), "input_tokens": e[3], "output_tokens": e[4]}
            for (a, c), e in self._cluster.items()
        ]
        per_cluster: dict[str, int] = {}
        for (_account, cluster), entry in self._cluster.items():
            per_cluster[cluster] = per_cluster.get(cluster, 0) + int(entry[0])
        rows.cluster_requests = [{"cluster_id": c, "count": n} for c, n in per_cluster.items()]
        rows.activity_days = [
            {
                "key": f"{account}|{_when(day * _DAY).date().isoformat()}",
                "account_id": account,
                "day": _when(day * _DAY).date(),
                "epoch_day": day,
                "hours": hours,
            }
            for (account, day), hours in self._days.items()
        ]
        rows.labels = list(self._labels.values())
        return rows
