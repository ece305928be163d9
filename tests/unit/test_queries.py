from __future__ import annotations

from pathlib import Path

import pytest

from app.graph.queries import Registry, parse_query, queries


def test_registry_loads_every_file_with_header() -> None:
    loaded = queries.all()
    files = sorted(Path("cypher").glob("*/*.cypher"))
    assert len(loaded) == len(files) > 10
    assert queries.ingest.merge_accounts.returns == "none"
    assert "UNWIND $rows" in queries.ingest.merge_accounts.text


def test_unknown_query_is_a_clear_error() -> None:
    with pytest.raises(AttributeError, match=r"no query cypher/ingest/nope\.cypher"):
        _ = queries.ingest.nope


def test_bad_headers_fail_fast(tmp_path: Path) -> None:
    area = tmp_path / "x"
    area.mkdir()
    (area / "a_b.cypher").write_text("// name: other\n// returns: rows\nRETURN 1\n")
    with pytest.raises(ValueError, match="must be snake_case and equal the file name"):
        Registry(tmp_path)
    (area / "a_b.cypher").write_text("// name: a_b\n// returns: many\nRETURN 1\n")
    with pytest.raises(ValueError, match=r"a_b.cypher:2: returns must be"):
        parse_query(area / "a_b.cypher")


def test_no_query_formats_values_into_text() -> None:
    # Values travel as $params: no Python format braces in any query text.
    for _area, query in queries.all():
        assert "{}" not in query.text and "%s" not in query.text, query.name
