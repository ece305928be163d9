"""Operator labels added and removed by analysts in the web app (cypher/labels/).

A UI label is the same edge the ingest writes, `(:Account)-[:LABELED_AS]->(:Operator)`, with
`source = "ui:<username>"`, the analyst's reason and the time; the next detection run reads it
(cypher/detection/project_accounts.cypher) and the scheduler's data fingerprint counts labels, so
a scheduled run is not skipped after a label change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.graph.queries import queries
from app.graph.runner import Runner

MAX_REASON = 2000


class LabelError(ValueError):
    """A label request that cannot be done; the message says why."""


@dataclass(frozen=True)
class AccountLabel:
    operator: str
    source: str | None
    confidence: float | None
    reason: str | None
    at: str | None

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise LabelError("a reason is required (it goes into the audit log and the label)")
    if len(text) > MAX_REASON:
        raise LabelError(f"the reason is longer than {MAX_REASON} characters")
    return text


def add_label(
    runner: Runner,
    account_id: str,
    operator: str,
    reason: str,
    username: str,
    confidence: float = 1.0,
) -> None:
    """Label an existing account as run by `operator`.

    Raises:
        LabelError: empty operator or reason, confidence outside 0..1, or no such account.
    """
    name = operator.strip()
    if not name or len(name) > 200:
        raise LabelError("operator name must be 1-200 characters")
    if not 0.0 < confidence <= 1.0:
        raise LabelError("confidence must be in (0, 1]")
    rows = runner.write(
        queries.labels.add_account_label,
        account_id=account_id,
        operator=name,
        source=f"ui:{username}",
        confidence=float(confidence),
        reason=_reason(reason),
    )
    if not rows:
        raise LabelError(f"no account {account_id!r}")


def remove_label(runner: Runner, account_id: str, operator: str, reason: str) -> dict[str, Any]:
    """Remove an account's label for `operator`; returns the removed label's source/confidence.

    Raises:
        LabelError: empty reason, or no such label.
    """
    _reason(reason)
    rows = runner.write(
        queries.labels.delete_account_label, account_id=account_id, operator=operator
    )
    if not rows:
        raise LabelError(f"account {account_id!r} has no label for operator {operator!r}")
    return dict(rows[0])


def list_labels(runner: Runner, account_id: str) -> list[AccountLabel]:
    """An account's operator labels (any source)."""
    return [
        AccountLabel(**row)
        for row in runner.read(queries.labels.list_account_labels, account_id=account_id)
    ]
