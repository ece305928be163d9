"""Hand-writable JSON scenarios (seed/fixtures/*.json) turned into `Projection`s.

A fixture is one JSON object::

    {
      "description": "what the scenario shows",
      "nodes": {"PaymentMethod:pm-1": {"method": "virtual_card", "bin": "537410"}, ...},
      "accounts": [                       # single accounts, all keys optional except id
        {"id": "alice", "created_at": "2025-03-01T10:00:00Z", "requests": 40,
         "output_tokens": 30000, "activity": {...}, "templates": {...}, "attach": [...],
         "labels": [{"operator": "Op", "confidence": 0.9, "source": "case-1"}],
         "role": {"benign": "family"}}
      ],
      "groups": [                         # `count` similar accounts "<prefix>-000".."-NNN"
        {"prefix": "ring", "count": 40, "created_at": "2026-01-12T03:00:00Z",
         "created_every_minutes": 4, ...same keys as an account...,
         "labels": [{"member": 3, "operator": "Op", "confidence": 0.9, "source": "case-1"}],
         "role": {"operator": "Op", "cell": "A"}}
      ],
      "attachments": [{"account": "alice", "node": "IP:198.51.100.4", "count": 3}]
    }

Times are ISO strings (UTC when no offset; an hour may be written "2026-01-12T06").
Node kind comes from the key prefix ("PaymentMethod", "IP", "Device", "PromptCluster",
"EmailDomain"). Per account (or group member):

* requests / input_tokens / output_tokens: a number, or [low, high] drawn per member
  (deterministic: seeded by the fixture's "seed", the group prefix and the member index);
  tokens default to 400 / 600 per request.
* activity: where the requests fall, spread evenly over the active hours:
  {"hours": [iso, ...]} explicit; {"schedule": {"start": iso, "every_hours": 3, "count": 30},
  "participation": 0.9} a shared campaign schedule each member follows with that probability;
  {"random": {"start": iso, "days": 14, "active_hours": 30, "diurnal": true}} independent hours
  (diurnal: 08-21 UTC). first_request / last_request come from the activity.
* templates: {"PromptCluster:pc-x": 0.9, ...} shares of the requests per prompt cluster.
* attach: [{"node": key, "count": n}, {"nodes": [k1, k2], "assign": "round_robin"},
  {"node": key, "members": [start, stop]}]; count defaults to the member's requests.
  "round_robin" gives member i nodes[i % len]; without it every listed node is attached.
  "{i}" in a key is replaced by the member index (three digits): one node per member.
* email_domain: also attaches the member to "EmailDomain:<domain>".
* role: {"operator": name, "cell": id} or {"benign": group_type}; used to derive a ground truth
  in the generator's shape (see `fixture_truth`). A top-level "truth" overrides it.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.detection.model import (
    AccountInfo,
    Attachment,
    Attachments,
    Label,
    NodeKind,
    Projection,
    SharedNode,
)

FIXTURE_DIR = Path(__file__).resolve().parents[2] / "seed" / "fixtures"
DEFAULT_INPUT_PER_REQUEST = 400
DEFAULT_OUTPUT_PER_REQUEST = 600
DIURNAL_HOURS = range(8, 22)


def parse_time(value: str | float | int | None) -> float | None:
    """ISO string (UTC if naive) or epoch seconds to epoch seconds; None stays None."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _hour(value: str | float | int) -> int:
    t = parse_time(value)
    assert t is not None
    return int(t // 3600)


def _kind(key: str) -> NodeKind:
    prefix = key.split(":", 1)[0]
    for kind in NodeKind:
        if kind.value == prefix:
            return kind
    raise ValueError(f"node key {key!r} does not start with a known kind")


def _draw(spec: Any, rng: random.Random, default: int) -> int:
    if spec is None:
        return default
    if isinstance(spec, list):
        return rng.randint(int(spec[0]), int(spec[1]))
    return int(spec)


def _activity(spec: dict[str, Any] | None, rng: random.Random, requests: int) -> dict[int, int]:
    if not spec or requests <= 0:
        return {}
    hours: list[int]
    if "hours" in spec:
        hours = sorted({_hour(h) for h in spec["hours"]})
    elif "schedule" in spec:
        sch = spec["schedule"]
        start = _hour(sch["start"])
        every = int(sch.get("every_hours", 1))
        planned = [start + i * every for i in range(int(sch["count"]))]
        p = float(spec.get("participation", 1.0))
        hours = [h for h in planned if rng.random() < p] or planned[:1]
    elif "random" in spec:
        rnd = spec["random"]
        start = _hour(rnd["start"])
        span = int(rnd.get("days", 14)) * 24
        pool = list(range(start, start + span))
        if rnd.get("diurnal", True):
            pool = [h for h in pool if h % 24 in DIURNAL_HOURS]
        k = min(int(rnd.get("active_hours", 20)), len(pool))
        hours = sorted(rng.sample(pool, k))
    else:
        raise ValueError(f"unknown activity spec {spec!r}")
    base, extra = divmod(requests, len(hours))
    return {h: base + (1 if i < extra else 0) for i, h in enumerate(hours) if base or i < extra}


class _Builder:
    def __init__(self, data: dict[str, Any]) -> None:
        self.seed = int(data.get("seed", 7))
        self.nodes: dict[str, SharedNode] = {
            key: SharedNode(key, _kind(key), dict(attrs or {}))
            for key, attrs in data.get("nodes", {}).items()
        }
        self.accounts: dict[str, AccountInfo] = {}
        self.attachments: list[Attachment] = []
        self.roles: dict[str, dict[str, Any]] = {}

    def _node(self, key: str, index: int = 0) -> str:
        key = key.replace("{i}", f"{index:03d}")
        if key not in self.nodes:
            self.nodes[key] = SharedNode(key, _kind(key), {})
        return key

    def add(
        self,
        acct_id: str,
        spec: dict[str, Any],
        rng: random.Random,
        index: int,
        created: float | None,
        labels: tuple[Label, ...],
    ) -> None:
        if acct_id in self.accounts:
            raise ValueError(f"duplicate account id {acct_id!r}")
        requests = _draw(spec.get("requests"), rng, 0)
        hourly = _activity(spec.get("activity"), rng, requests)
        requests = sum(hourly.values()) if hourly else requests
        first = min(hourly) * 3600.0 if hourly else parse_time(spec.get("first_request"))
        last = max(hourly) * 3600.0 + 3599 if hourly else parse_time(spec.get("last_request"))
        self.accounts[acct_id] = AccountInfo(
            account_id=acct_id,
            created_at=created,
            declared=bool(spec.get("declared", created is not None)),
            request_count=requests,
            input_tokens=_draw(spec.get("input_tokens"), rng, requests * DEFAULT_INPUT_PER_REQUEST),
            output_tokens=_draw(
                spec.get("output_tokens"), rng, requests * DEFAULT_OUTPUT_PER_REQUEST
            ),
            first_request=first,
            last_request=last,
            email_domain=spec.get("email_domain"),
            country=spec.get("country"),
            org=spec.get("org"),
            labels=labels,
            hourly=hourly,
        )
        if "role" in spec:
            self.roles[acct_id] = dict(spec["role"])
        for key, share in (spec.get("templates") or {}).items():
            count = max(1, round(requests * float(share)))
            self.attachments.append(Attachment(acct_id, self._node(key), count))
        domain = spec.get("email_domain")
        if domain and spec.get("attach_email_domain", True):
            key = self._node(f"{NodeKind.EMAIL_DOMAIN.value}:{domain}")
            if not self.nodes[key].attrs:
                self.nodes[key] = SharedNode(key, NodeKind.EMAIL_DOMAIN, {"domain": domain})
            self.attachments.append(Attachment(acct_id, key, max(requests, 1)))
        for entry in spec.get("attach") or []:
            lo, hi = entry.get("members", [0, 1 << 30])
            if not lo <= index < hi:
                continue
            keys = list(entry["nodes"]) if "nodes" in entry else [entry["node"]]
            if entry.get("assign") == "round_robin":
                keys = [keys[index % len(keys)]]
            count = int(entry.get("count", max(requests, 1)))
            for key in keys:
                self.attachments.append(Attachment(acct_id, self._node(key, index), count))


def _labels(raw: list[dict[str, Any]]) -> tuple[Label, ...]:
    return tuple(
        Label(str(x["operator"]), float(x.get("confidence", 1.0)), str(x.get("source", "")))
        for x in raw
    )


def _build(data: dict[str, Any]) -> _Builder:
    b = _Builder(data)
    for spec in data.get("accounts", []):
        rng = random.Random(f"{b.seed}:{spec['id']}")
        b.add(
            spec["id"],
            spec,
            rng,
            0,
            parse_time(spec.get("created_at")),
            _labels(spec.get("labels", [])),
        )
    for group in data.get("groups", []):
        prefix = group["prefix"]
        start = parse_time(group.get("created_at"))
        step = float(group.get("created_every_minutes", 0)) * 60.0
        between = group.get("created_between")
        labels_by_member: dict[int, list[dict[str, Any]]] = {}
        for lab in group.get("labels", []):
            labels_by_member.setdefault(int(lab["member"]), []).append(lab)
        for i in range(int(group["count"])):
            rng = random.Random(f"{b.seed}:{prefix}:{i}")
            if between:
                lo, hi = parse_time(between[0]), parse_time(between[1])
                assert lo is not None and hi is not None
                created: float | None = lo + rng.random() * (hi - lo)
            else:
                created = None if start is None else start + i * step
            b.add(
                f"{prefix}-{i:03d}",
                group,
                rng,
                i,
                created,
                _labels(labels_by_member.get(i, [])),
            )
    for att in data.get("attachments", []):
        b.attachments.append(
            Attachment(att["account"], b._node(att["node"]), int(att.get("count", 1)))
        )
    return b


def projection_from_dict(data: dict[str, Any]) -> Projection:
    """Build a projection from an already parsed fixture.

    Args:
        data: The fixture object (see module docstring).

    Returns:
        The projection.
    """
    b = _build(data)
    return Projection(accounts=b.accounts, nodes=b.nodes, attachments=Attachments.of(b.attachments))


def resolve(path: str | Path) -> Path:
    """A fixture path, or a bare scenario name looked up in seed/fixtures/."""
    p = Path(path)
    if p.exists():
        return p
    candidate = FIXTURE_DIR / (p.name if p.suffix == ".json" else f"{p.name}.json")
    if candidate.exists():
        return candidate
    raise FileNotFoundError(path)


def load_fixture(path: str | Path) -> Projection:
    """Read seed/fixtures/<scenario>.json (or any path) into a `Projection`.

    Args:
        path: File path or bare scenario name ("card_ring").

    Returns:
        The projection.
    """
    with resolve(path).open(encoding="utf-8") as fh:
        return projection_from_dict(json.load(fh))


def truth_from_dict(data: dict[str, Any]) -> dict[str, Any]:
    """Ground truth in the generator's shape, from "truth" or from accounts' roles.

    Args:
        data: The fixture object.

    Returns:
        {"operators": [...], "benign_groups": {...}, "benign_accounts": N}.
    """
    if "truth" in data:
        return dict(data["truth"])
    b = _build(data)
    ops: dict[str, dict[str, list[str]]] = {}
    labeled: dict[str, list[str]] = {}
    benign: dict[str, dict[str, list[str]]] = {}
    for acct in sorted(b.accounts):
        role = b.roles.get(acct, {})
        if "operator" in role:
            op = str(role["operator"])
            ops.setdefault(op, {}).setdefault(str(role.get("cell", "1")), []).append(acct)
            if any(lab.operator == op for lab in b.accounts[acct].labels):
                labeled.setdefault(op, []).append(acct)
        elif "benign" in role:
            group = str(role.get("group", acct.rsplit("-", 1)[0]))
            benign.setdefault(str(role["benign"]), {}).setdefault(group, []).append(acct)
    n_op = sum(len(a) for cells in ops.values() for a in cells.values())
    return {
        "operators": [
            {
                "name": op,
                "cells": [{"cell_id": c, "accounts": accts} for c, accts in sorted(cells.items())],
                "labeled_accounts": labeled.get(op, []),
            }
            for op, cells in sorted(ops.items())
        ],
        "benign_groups": {k: [g for _, g in sorted(v.items())] for k, v in sorted(benign.items())},
        "benign_accounts": len(b.accounts) - n_op,
    }


def load_truth(path: str | Path) -> dict[str, Any]:
    """Ground truth of a fixture file (see `truth_from_dict`).

    Args:
        path: File path or bare scenario name.

    Returns:
        The ground truth dict.
    """
    with resolve(path).open(encoding="utf-8") as fh:
        return truth_from_dict(json.load(fh))
