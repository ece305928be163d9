"""Scoring a detection result against a generator's ground truth."""

from __future__ import annotations

from typing import Any

from app.detection.model import DetectionResult, Ring


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _attributed(ring: Ring) -> str | None:
    return ring.attribution.operator if ring.attribution is not None else None


def evaluate(result: DetectionResult, truth: dict[str, Any]) -> dict[str, Any]:
    """Account-level quality of the flagged rings.

    An account is predicted positive when it is a member of a flagged ring, and truly positive
    when it belongs to an operator's cell (or is listed among its labeled accounts). Everything
    else is benign.

    Args:
        result: A detection result.
        truth: {"operators": [{"name", "cells": [{"cell_id", "accounts"}], "labeled_accounts"}],
            "benign_groups": {type: [[account, ...], ...]}, "benign_accounts": N}.

    Returns:
        A dict with precision, recall, f1, tp/fp/fn, flagged ring counts, per-operator recall
        and split (number of flagged rings its accounts fall in), attribution accuracy overall
        and per operator (over operators with labels; a campaign account in a flagged ring
        counts as correct when that ring's attributed operator is its true operator),
        benign accounts flagged (count and fraction of all benign) and false positives per
        benign group type. Ratios with an empty denominator are None.
    """
    true_op: dict[str, str] = {}
    operators = truth.get("operators", [])
    for op in operators:
        for cell in op.get("cells", []):
            for acct in cell.get("accounts", []):
                true_op[acct] = op["name"]
        for acct in op.get("labeled_accounts", []):
            true_op.setdefault(acct, op["name"])

    flagged_rings = [r for r in result.rings if r.flagged]
    ring_of: dict[str, Ring] = {}
    for ring in flagged_rings:
        for acct in ring.members:
            ring_of.setdefault(acct, ring)

    predicted = set(ring_of)
    positives = set(true_op)
    tp = len(predicted & positives)
    fp = len(predicted - positives)
    fn = len(positives - predicted)
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall > 0
        else (0.0 if precision is not None and recall is not None else None)
    )

    per_operator: dict[str, dict[str, Any]] = {}
    attr_total = 0
    attr_correct = 0
    for op in operators:
        name = op["name"]
        accts = sorted(a for a, o in true_op.items() if o == name)
        caught = [a for a in accts if a in ring_of]
        rings = {ring_of[a].ring_id for a in caught}
        has_labels = bool(op.get("labeled_accounts"))
        correct = sum(1 for a in caught if _attributed(ring_of[a]) == name)
        cells = op.get("cells", [])
        per_operator[name] = {
            "accounts": len(accts),
            "cells": len(cells),
            "flagged_accounts": len(caught),
            "recall": _ratio(len(caught), len(accts)),
            "flagged_rings": len(rings),
            "cell_recall": {
                c.get("cell_id", str(i)): _ratio(
                    sum(1 for a in c.get("accounts", []) if a in ring_of),
                    len(c.get("accounts", [])),
                )
                for i, c in enumerate(cells)
            },
            "labeled": has_labels,
            "attribution_accuracy": _ratio(correct, len(caught)) if has_labels else None,
        }
        if has_labels:
            attr_total += len(caught)
            attr_correct += correct

    benign_total = truth.get("benign_accounts")
    benign_flagged = len(predicted - positives)
    if benign_total is None:
        universe = {a for r in result.rings for a in r.members}
        benign_total = len(universe - positives)

    by_group: dict[str, dict[str, Any]] = {}
    for gtype, groups in sorted(truth.get("benign_groups", {}).items()):
        accts = [a for g in groups for a in g]
        hit = [a for a in accts if a in ring_of]
        by_group[gtype] = {
            "groups": len(groups),
            "accounts": len(accts),
            "flagged": len(hit),
            "fraction": _ratio(len(hit), len(accts)),
            "groups_touched": sum(1 for g in groups if any(a in ring_of for a in g)),
        }

    mixed = 0
    for ring in flagged_rings:
        ops = {true_op[a] for a in ring.members if a in true_op}
        if len(ops) > 1:
            mixed += 1

    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "flagged_rings": len(flagged_rings),
        "flagged_accounts": len(predicted),
        "mixed_operator_rings": mixed,
        "per_operator": per_operator,
        "attribution_accuracy": _ratio(attr_correct, attr_total),
        "attribution_accounts": attr_total,
        "benign_flagged": benign_flagged,
        "benign_flagged_fraction": _ratio(benign_flagged, benign_total),
        "benign_accounts": benign_total,
        "false_positives_by_group": by_group,
    }
