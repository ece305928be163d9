"""The projection's attachment columns and what build_context makes of them."""

from __future__ import annotations

import numpy as np
import pytest

from app.detection.context import build_context
from app.detection.model import AccountInfo, Attachment, Attachments, Projection


def _account(account_id: str) -> AccountInfo:
    return AccountInfo(account_id, None, True, 10, 0, 0, None, None)


def test_rows_go_in_and_come_out_as_they_were() -> None:
    rows = [Attachment("a", "IP:1", 3), Attachment("b", "IP:1", 0), Attachment("a", "Device:x", 7)]
    columns = Attachments.of(rows)
    assert len(columns) == 3
    assert list(columns) == rows
    assert columns.account_ids == ["a", "b", "a"]


def test_a_node_extends_all_three_columns_together() -> None:
    columns = Attachments.of([Attachment("a", "IP:1", 1)])
    columns.extend_node("PromptCluster:p", ["b", "c"], [4, 5])
    assert list(columns)[1:] == [
        Attachment("b", "PromptCluster:p", 4),
        Attachment("c", "PromptCluster:p", 5),
    ]
    both = columns + Attachments.of([Attachment("d", "IP:2", 2)])
    assert [a.account_id for a in both] == ["a", "b", "c", "d"]
    assert len(columns) == 3, "+ leaves its operands alone"


def test_columns_of_different_lengths_are_refused_with_the_node() -> None:
    with pytest.raises(ValueError, match="PromptCluster:p: 2 accounts but 1 counts"):
        Attachments().extend_node("PromptCluster:p", ["b", "c"], [4])
    with pytest.raises(ValueError, match="1 accounts, 0 nodes, 0 counts"):
        Attachments(["a"], [], [])


def test_context_sums_duplicate_pairs_and_skips_unknown_accounts() -> None:
    accounts = {a: _account(a) for a in ("a", "b")}
    columns = Attachments.of(
        [
            Attachment("a", "IP:1", 2),
            Attachment("a", "IP:1", 3),
            Attachment("b", "IP:1", 0),  # no count: counts as one request
            Attachment("ghost", "IP:1", 9),
        ]
    )
    ctx = build_context(Projection(accounts, {}, columns))
    assert ctx.skipped_attachments == 1
    node = ctx.node_pos["IP:1"]
    members = ctx.node_acct[ctx.node_ptr[node] : ctx.node_ptr[node + 1]]
    counts = ctx.node_count[ctx.node_ptr[node] : ctx.node_ptr[node + 1]]
    assert dict(zip((ctx.ids[i] for i in members), counts.tolist(), strict=True)) == {
        "a": 5,
        "b": 1,
    }
    assert np.array_equal(ctx.degree, [2])
