"""Constraints and indexes (cypher/schema/), applied idempotently."""

from __future__ import annotations

from app.graph.queries import queries
from app.graph.runner import GraphRunner


def apply_schema(runner: GraphRunner) -> int:
    """Create every constraint and index that is missing; returns how many statements ran."""
    statements = [query for query in queries.schema if query.returns == "none"]
    for query in statements:
        runner.write(query)
    return len(statements)


def list_constraints(runner: GraphRunner) -> list[dict[str, object]]:
    """The constraints present in the database."""
    return runner.read(queries.schema.list_constraints)
