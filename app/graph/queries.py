"""Loads cypher/<area>/<verb_noun>.cypher once into a frozen registry: `queries.<area>.<name>`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from app.config import PROJECT_ROOT

CYPHER_DIR = PROJECT_ROOT / "cypher"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
Returns = Literal["rows", "one", "none"]


@dataclass(frozen=True)
class Query:
    """One named Cypher statement and what it returns."""

    name: str
    text: str
    doc: str
    returns: Returns


class Area:
    """The queries of one cypher/ sub-folder, as attributes."""

    def __init__(self, name: str, items: dict[str, Query]) -> None:
        self._name = name
        self._items = MappingProxyType(dict(items))

    def __getattr__(self, item: str) -> Query:
        try:
            return self._items[item]
        except KeyError:
            raise AttributeError(f"no query cypher/{self._name}/{item}.cypher") from None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._items.values())


def parse_query(path: Path) -> Query:
    """Parse one .cypher file; raise ValueError naming the file and the line at fault."""
    header: dict[str, str] = {}
    doc: list[str] = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.startswith("//"):
            break
        body = line[2:].strip()
        key, sep, value = body.partition(":")
        if sep and key in ("name", "returns"):
            header[key] = value.strip()
        elif body:
            doc.append(body)
        if key == "returns" and header.get("returns") not in ("rows", "one", "none"):
            raise ValueError(f"{path}:{number}: returns must be rows, one or none")
    name = header.get("name")
    if name is None or "returns" not in header:
        raise ValueError(f"{path}:1: header needs '// name:' and '// returns:' lines")
    if name != path.stem or not _NAME.match(name):
        raise ValueError(f"{path}:1: name {name!r} must be snake_case and equal the file name")
    return Query(name, path.read_text(), " ".join(doc), header["returns"])  # type: ignore[arg-type]


class Registry:
    """Every query under cypher/, grouped by area; frozen after loading."""

    def __init__(self, root: Path = CYPHER_DIR) -> None:
        areas: dict[str, dict[str, Query]] = {}
        for path in sorted(root.glob("*/*.cypher")):
            query = parse_query(path)
            area = areas.setdefault(path.parent.name, {})
            if query.name in area:
                raise ValueError(f"{path}: duplicate query name {query.name}")
            area[query.name] = query
        self._areas = MappingProxyType({name: Area(name, items) for name, items in areas.items()})

    def __getattr__(self, item: str) -> Area:
        try:
            return self._areas[item]
        except KeyError:
            raise AttributeError(f"no query area cypher/{item}/") from None

    def all(self) -> list[tuple[str, Query]]:
        """Every query as (area, query), sorted: for docs and tests."""
        return [(name, query) for name, area in self._areas.items() for query in area]


queries = Registry()
