"""Roles of the web app, ordered: viewer < analyst < admin (each has what the lower ones have)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user may do (docs/security.md has the full route table)."""

    VIEWER = "viewer"  # rings, scores, signals, graphs; raw identifiers pseudonymised
    ANALYST = "analyst"  # everything raw: search, entities, exports, operator labels
    ADMIN = "admin"  # analyst + users, the audit log, jobs and settings

    @property
    def rank(self) -> int:
        return _RANK[self]

    def allows(self, required: Role | str) -> bool:
        """Whether this role may use something that requires `required` (templates pass the
        name)."""
        return self.rank >= _RANK[Role(required)]


_RANK = {Role.VIEWER: 1, Role.ANALYST: 2, Role.ADMIN: 3}


def parse_role(value: str) -> Role:
    """A Role from its name; ValueError naming the allowed ones otherwise."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {value!r}: use one of {allowed}") from None
