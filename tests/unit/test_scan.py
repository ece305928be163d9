"""The compiled pre-scan (app/ingest/columnar/scan.py) must give the DuckDB parse the same
relation `j` as the general JSON extraction, line for line, whatever the line holds."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.ingest.columnar import duckdb_engine, scan, shim
from app.ingest.columnar.reader import Chunk

EXAMPLES = settings(
    max_examples=int(os.environ.get("RINGSCOPE_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

REQUEST = (
    '{"type":"request","account_id":"a932aaf2dfa","ts":"2026-04-22T00:12:30Z",'
    '"ip":"10.49.231.205","device_id":"d2c00939425ef","user_agent":"Mozilla/5.0 (X11)",'
    '"prompt":"Score my answer.\\n\\nText: ok","model":"nova-pro-2026-03",'
    '"input_tokens":57,"output_tokens":141}'
)


def _load_chunk(con: Any, chunk: Chunk) -> tuple[list[tuple[int, int, bytes]], int]:
    """Every non-blank line of the chunk into `nonblank`, as the SQL path loads its lines."""
    scanned = scan.scan_chunk(chunk.data, chunk.n_lines)
    rows = np.flatnonzero(scanned.status != scan.BLANK)
    return duckdb_engine._load_lines(con, chunk, scanned, rows)


def _relations(tmp_path: Path, lines: list[str]) -> tuple[list[tuple], list[tuple], list[int]]:
    """(j by the scan, j by the general extraction, status per line) for one chunk."""
    data = "\n".join(lines).encode("utf-8") + b"\n"
    con = duckdb_engine.connect(tmp_path / "scan.duckdb", 1, "1GB", "salt")
    try:
        _load_chunk(con, Chunk(0, 1, len(lines), data))
        order = " ORDER BY line_no"
        fast = con.execute(scan.fast_extraction_sql("nonblank") + order).fetchall()
        general = con.execute(shim.extraction_sql("duckdb", "nonblank") + order).fetchall()
    finally:
        con.close()
        (tmp_path / "scan.duckdb").unlink(missing_ok=True)
    return fast, general, [int(s) for s in scan.scan_chunk(data, len(lines)).status]


def test_a_request_line_is_scanned_and_sliced_as_extracted(tmp_path: Path) -> None:
    fast, general, status = _relations(tmp_path, [REQUEST])
    assert status == [scan.PLAIN]
    assert fast == general
    row = dict(zip(["file_idx", "line_no", "line", "json_ok"], fast[0][:4], strict=True))
    assert row["json_ok"] is True
    by_field = dict(zip(shim.FIELDS, zip(fast[0][4::2], fast[0][5::2], strict=True), strict=True))
    assert by_field["prompt"] == ("s", "Score my answer.\n\nText: ok")
    assert by_field["input_tokens"] == ("i", "57")
    assert by_field["email"] == ("m", None)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"type":"request","prompt":"ünïcode 😀 中文","ip":"1.2.3.4"}', scan.PLAIN),
        ('{"type":"label","confidence":0.5}', scan.GENERAL),  # not an integer
        ('{"type":"request","extra":1}', scan.GENERAL),  # unknown key
        ('{"type":"request","type":"label"}', scan.GENERAL),  # repeated key
        ('{"type":"request","prompt":"a, } b"}', scan.GENERAL),  # the trailing-comma screen
        ('{"type":"request","prompt":"\\ud800"}', scan.GENERAL),  # the surrogate screen
        ('{"type":"request","prompt":"\\\\ud800"}', scan.GENERAL),  # the screen's own text
        ('{"type":"request","nested":{"a":1}}', scan.GENERAL),
        ('{"type":"request",}', scan.GENERAL),
        ('{"type":"request","input_tokens":-0}', scan.GENERAL),
        ('{"type":"request","input_tokens":1234567890123456789}', scan.GENERAL),
        ('\ufeff{"type":"request"}', scan.GENERAL),
        (' \t{"type" : "request" , "org" : null, "x_ok": true}\r', scan.GENERAL),
        (' \t{"type" : "request" , "org" : null }\r', scan.PLAIN),
        ("{}", scan.PLAIN),
        (" \t\x0b\x0c\r", scan.BLANK),
        ("", scan.BLANK),
    ],
)
def test_status_and_relation(tmp_path: Path, line: str, expected: int) -> None:
    fast, general, status = _relations(tmp_path, [line, REQUEST])
    assert status == [expected, scan.PLAIN]
    assert fast == general


# --- any line: tokens put together without a JSON writer, so invalid lines come out too -------

WS = ["", "", "", " ", "\t", "\r", "\x0b", "  "]
KEYS = [*shim.FIELDS, *shim.FIELDS[:6], "extra", "Type", "ty\\u0070e", ""]
STRING_PIECES = [
    "a", "Z9", " ", ", }", ",]", ",\t]", "é", "😀", "中", "\\n", '\\"', "\\\\", "\\/",
    "\\u00e9", "\\ud83d\\ude00", "\\ud800", "\\\\ud8", "\\x", "\t", "\x7f", "\\u12",
    "2026-04-22T00:12:30Z", "10.0.0.1", "@", "0",
]  # fmt: skip
NUMBERS = [
    "0", "-0", "7", "-12", "007", "1.5", "-1.0", "1e5", "1E400", "NaN", "-Infinity",
    "123456789012345678", "1234567890123456789", "18446744073709551616", "-", "+1",
]  # fmt: skip
WORDS = ["true", "false", "null", "tru", "nul", "True"]
NESTED = ["{}", "[]", '{"a":[1,2]}', "[1,]"]
SEPARATORS = [",", ",", ",", ", ", ";"]
BRACES = [("{", "}"), ("{", "}"), ("{", "},"), ("[", "]"), ("{", "")]


def _line(pick: Callable[[list[Any]], Any], count: int) -> str:
    """A line of `count` members put together from the token lists (by `pick`), without a
    JSON writer, so that invalid lines come out too."""

    def value() -> str:
        kind = pick(["string", "string", "number", "word", "nested"])
        if kind == "string":
            return '"' + "".join(pick(STRING_PIECES) for _ in range(pick(list(range(6))))) + '"'
        return str(pick({"number": NUMBERS, "word": WORDS, "nested": NESTED}[kind]))

    members = [
        pick(WS) + '"' + pick(KEYS) + '"' + pick(WS) + ":" + pick(WS) + value()
        for _ in range(count)
    ]
    body = pick(SEPARATORS).join(m + pick(WS) for m in members)
    open_, close = pick(BRACES)
    return str(pick(WS) + open_ + body + close + pick(WS))


@st.composite
def _lines(draw: st.DrawFn) -> str:
    return _line(lambda options: draw(st.sampled_from(options)), draw(st.integers(0, 6)))


@EXAMPLES
@given(st.lists(_lines(), min_size=1, max_size=12))
@example([REQUEST, '{"type":"request","prompt":"x", }', "   "])
def test_scan_gives_the_general_extraction_s_relation(tmp_path: Path, lines: list[str]) -> None:
    fast, general, _status = _relations(tmp_path, lines)
    assert fast == general


def test_the_fuzzed_lines_reach_both_paths(tmp_path: Path) -> None:
    """The property above is only worth something if its lines take both paths."""
    rng = random.Random(7)
    lines = [_line(rng.choice, rng.randint(0, 6)) for _ in range(400)]
    _fast, _general, status = _relations(tmp_path, lines)
    assert status.count(scan.PLAIN) >= 10
    assert status.count(scan.GENERAL) >= 10


def test_lines_with_invalid_utf8_leave_the_scan(tmp_path: Path) -> None:
    data = (
        REQUEST.encode()
        + b"\n"
        + b'{"type":"request","prompt":"\xff"}\n'
        + REQUEST.encode()
        + b"\n"
    )
    con = duckdb_engine.connect(tmp_path / "scan.duckdb", 1, "1GB", "salt")
    try:
        bad, nonblank = _load_chunk(con, Chunk(0, 1, 3, data))
        rows = con.execute(scan.fast_extraction_sql("nonblank") + " ORDER BY line_no").fetchall()
    finally:
        con.close()
    assert [line_no for _f, line_no, _raw in bad] == [2]
    assert nonblank == 2
    assert [row[1] for row in rows] == [1, 3]
