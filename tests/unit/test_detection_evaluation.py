"""evaluate(): account-level metrics against a generator-shaped ground truth."""

from __future__ import annotations

import pytest

from app.detection import evaluate
from app.detection.model import Attribution, DetectionParams, DetectionResult, Ring


def _ring(rid: str, members: list[str], flagged: bool, op: str | None = None) -> Ring:
    attr = Attribution(op, 0.8, ("test",)) if op else None
    return Ring(rid, tuple(members), 0.9 if flagged else 0.1, flagged, (), attr)


TRUTH = {
    "operators": [
        {
            "name": "Op-A",
            "cells": [
                {"cell_id": "a1", "accounts": ["a1", "a2", "a3", "a4"]},
                {"cell_id": "a2", "accounts": ["a5", "a6"]},
            ],
            "labeled_accounts": ["a1"],
        },
        {
            "name": "Op-B",
            "cells": [{"cell_id": "b1", "accounts": ["b1", "b2"]}],
            "labeled_accounts": [],
        },
    ],
    "benign_groups": {
        "enterprise": [["e1", "e2", "e3"]],
        "family": [["f1", "f2"], ["f3", "f4"]],
        "cgnat": [],
    },
    "benign_accounts": 20,
}


def test_evaluate_hand_made_result() -> None:
    result = DetectionResult(
        rings=(
            _ring("r1", ["a1", "a2", "a3", "e1"], True, "Op-A"),  # 3 TP, 1 FP (enterprise)
            _ring("r2", ["a5"], True, "Op-B"),  # 1 TP, wrongly attributed
            _ring("r3", ["b1", "b2"], True),  # Op-B, no labels anywhere
            _ring("r4", ["f1", "f2"], False),  # not flagged: does not count
            _ring("r5", ["f3", "x9"], True),  # 2 FP (family + ordinary)
        ),
        params=DetectionParams(),
    )
    rep = evaluate(result, TRUTH)
    assert (rep["tp"], rep["fp"], rep["fn"]) == (6, 3, 2)
    assert rep["precision"] == pytest.approx(6 / 9)
    assert rep["recall"] == pytest.approx(6 / 8)
    assert rep["f1"] == pytest.approx(2 * (6 / 9) * (6 / 8) / (6 / 9 + 6 / 8))
    op_a = rep["per_operator"]["Op-A"]
    assert op_a["recall"] == pytest.approx(4 / 6)
    assert op_a["flagged_rings"] == 2
    assert op_a["cell_recall"] == {"a1": 0.75, "a2": 0.5}
    assert op_a["attribution_accuracy"] == pytest.approx(3 / 4)
    op_b = rep["per_operator"]["Op-B"]
    assert op_b["recall"] == 1.0 and op_b["flagged_rings"] == 1
    assert op_b["attribution_accuracy"] is None  # no labels: not part of attribution accuracy
    assert rep["attribution_accuracy"] == pytest.approx(3 / 4)
    assert rep["benign_flagged"] == 3
    assert rep["benign_flagged_fraction"] == pytest.approx(3 / 20)
    fp = rep["false_positives_by_group"]
    assert fp["enterprise"] == {
        "groups": 1,
        "accounts": 3,
        "flagged": 1,
        "fraction": pytest.approx(1 / 3),
        "groups_touched": 1,
    }
    assert fp["family"]["flagged"] == 1 and fp["family"]["groups_touched"] == 1
    assert fp["cgnat"]["accounts"] == 0 and fp["cgnat"]["fraction"] is None
    assert rep["mixed_operator_rings"] == 0
    assert rep["flagged_rings"] == 4


def test_evaluate_empty_result() -> None:
    rep = evaluate(DetectionResult(rings=(), params=DetectionParams()), TRUTH)
    assert rep["tp"] == 0 and rep["recall"] == 0.0 and rep["precision"] is None
    assert rep["f1"] is None and rep["attribution_accuracy"] is None
    assert rep["benign_flagged"] == 0


def test_mixed_operator_ring_is_counted() -> None:
    result = DetectionResult(
        rings=(_ring("r1", ["a1", "b1"], True, "Op-A"),), params=DetectionParams()
    )
    assert evaluate(result, TRUTH)["mixed_operator_rings"] == 1
