"""The compiled request pass (app/ingest/columnar/requests.py) may take a line only where the
SQL fast path (parse.sql) accepts it, and must then give exactly parse.sql's values."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.ingest.columnar import duckdb_engine, requests, scan, shim
from app.ingest.columnar.common import prompt_key
from app.ingest.columnar.reader import Chunk

EXAMPLES = settings(
    max_examples=int(os.environ.get("RINGSCOPE_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

VALUES = ("account_id", "ts_us", "ip", "device_id", "user_agent", "prompt_key")
VALUES += ("input_tokens", "output_tokens")

REQUEST = (
    '{"type":"request","account_id":"a932aaf2dfa","ts":"2026-04-22T00:12:30.25+02:00",'
    '"ip":"10.49.231.205","device_id":"d2c00939425ef","user_agent":"Mozilla/5.0 (X11)",'
    '"prompt":"Score my answer 42.\\n\\nText: \\u00e9t\\u00e9 \\"ok\\"","model":"nova-pro-2026-03",'
    '"input_tokens":57,"output_tokens":141}'
)


def _both(
    tmp_path: Path, lines: list[str]
) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]], dict[str, tuple[int, str]]]:
    """(parse.sql's rows by line number, the compiled pass's rows by line number, its first
    line and prompt by prompt key) for one chunk of `lines`."""
    data = "\n".join(lines).encode("utf-8") + b"\n"
    chunk = Chunk(0, 1, len(lines), data)
    scanned = scan.scan_chunk(data, len(lines))
    taken = requests.parse_requests(data, scanned, 0, 1)
    con = duckdb_engine.connect(tmp_path / "requests.duckdb", 1, "1GB", "salt")
    try:
        rows = np.flatnonzero(scanned.status != scan.BLANK)
        duckdb_engine._load_lines(con, chunk, scanned, rows)
        con.execute("CREATE TEMP VIEW j AS " + scan.fast_extraction_sql("nonblank"))
        cursor = con.execute(
            f"SELECT line_no, fast_ok, kind, prompt, {', '.join(VALUES)} "  # noqa: S608 - test constants
            f"FROM ({shim.load_sql('parse', 'duckdb')})"
        )
        names = [d[0] for d in cursor.description]
        sql = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    finally:
        con.close()
        (tmp_path / "requests.duckdb").unlink(missing_ok=True)
    fast = {row["line_no"]: row for row in taken.events.to_pylist()}
    firsts = {row["prompt_key"]: (row["ord"], row["prompt"]) for row in taken.firsts.to_pylist()}
    assert int(taken.taken.sum()) == len(fast)
    assert [i + 1 for i in np.flatnonzero(taken.taken)] == sorted(fast)
    return sql, fast, firsts


def _check(sql: dict[int, dict[str, Any]], fast: dict[int, dict[str, Any]], firsts: Any) -> None:
    for line_no, row in fast.items():
        expected = sql[line_no]
        assert expected["fast_ok"] is True, (line_no, row)
        assert expected["kind"] == "request"
        assert {k: row[k] for k in VALUES} == {k: expected[k] for k in VALUES}, line_no
    # The chunk's first line of each prompt key, with its prompt.
    keys: dict[str, tuple[int, str]] = {}
    for line_no in sorted(fast):
        key = sql[line_no]["prompt_key"]
        if key is not None and key not in keys:
            keys[key] = (line_no, sql[line_no]["prompt"])
    assert firsts == keys


def test_a_request_line_is_taken_with_parse_sql_s_values(tmp_path: Path) -> None:
    sql, fast, firsts = _both(tmp_path, [REQUEST, REQUEST.replace("42", "17"), ""])
    assert sorted(fast) == [1, 2]
    _check(sql, fast, firsts)
    row = fast[1]
    assert row["ts_us"] == 1776809550250000  # 2026-04-21T22:12:30.25Z
    assert row["prompt_key"] == prompt_key('Score my answer 42.\n\nText: été "ok"')
    # Digits fold: both lines share one key, whose first line is line 1.
    assert list(firsts.values()) == [(1, 'Score my answer 42.\n\nText: été "ok"')]


# --- request lines put together from edge-case values, valid and not --------------------------

TIMES = [
    "2026-04-22T00:12:30Z", "2024-02-29T23:59:59.123456-11:30", "2023-02-29T00:00:00Z",
    "1970-12-31T23:59:59Z", "1971-01-01T00:00:00+23:59", "9998-12-31T23:59:59Z",
    "9999-01-01T00:00:00Z", "2026-04-22T00:12:30.1234567Z", "2026-04-22T00:12:30.Z",
    "2026-04-22T24:00:00Z", "2026-04-22T00:60:00Z", "2026-04-22T00:00:60Z",
    "2026-04-22T00:00:00+24:00", "2026-04-22T00:00:00+01:60", "2026-04-22t00:00:00Z",
    "2026-04-22T00:00:00z", "2026-04-22 00:00:00Z", "2026-04-22T00:00:00", "2026-13-01T00:00:00Z",
    "2026-04-31T00:00:00Z", "2026-00-10T00:00:00Z", "2100-02-29T00:00:00Z",
    "2000-02-29T00:00:00.5Z", "2026-04-22T00:00:00+0100", "2026-04-22T00:00:00-00:00",
    "2026-04-22T00:12:30\\u005a", "",
]  # fmt: skip
IPS = [
    "10.0.0.1", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "0.0.0.0",
    "1.2.3.4 ", "::1", "2001:db8::1", "1..2.3", "", "10.0.0.\\u0031",
]  # fmt: skip
IDS = [
    "a", "_", "-x-", "  ", "", "é", "\\u0041", "\\u0000a", "a" * 256, "a" * 257, "-" * 255 + "z",
    "\\n" * 3 + "b", "é" * 128, "é" * 129, "\\u00e9" * 127 + "z",
]  # fmt: skip
TEXTS = [
    "", "Mozilla/5.0", "x" * 1000, "x" * 1001, "\\n" * 1000, "\\\\" * 600, "é" * 500, "é" * 501,
    "a\\u0000b", "tab\\tand \\\"quote\\\" \\/ \\b\\f\\r", "\\u4e2d\\u6587 😀", "0123456789",
    "Explain 3 things about 1984.", "Explain 7 things about 2001.",
]  # fmt: skip
TOKENS = ["0", "57", "1000000000", "1000000001", "-1", "true", "null", '"5"', "123456789012345678"]
MODELS = ['"nova"', '"' + "m" * 200 + '"', '"' + "m" * 201 + '"', '"' + "\\n" * 200 + '"', "7"]


def _request(pick: Callable[[list[Any]], Any]) -> str:
    """A request line from the edge-case lists: any field may be missing, null or odd."""

    def string(options: list[str]) -> str:
        return '"' + pick(options) + '"'

    def usual(value: str, odd: str) -> str:
        """Mostly a value parse.sql accepts, so that whole lines come out valid too."""
        return str(pick([value, value, value, odd]))

    fields = {
        "type": usual('"request"', pick(['"requesT"', '"requ\\u0065st"'])),
        "account_id": usual('"acc-1"', pick([string(IDS), "null", "12"])),
        "ts": usual('"2026-04-22T00:12:30Z"', pick([string(TIMES), "null", "1"])),
        "ip": usual('"10.0.0.1"', pick([string(IPS), "null", "true"])),
        "device_id": usual('"dev"', pick([string(IDS), "null", "false"])),
        "user_agent": usual('"UA"', pick([string(TEXTS), "null", "3"])),
        "prompt": pick([string(TEXTS), string(TEXTS), "null", "0"]),
        "model": usual('"nova"', pick([*MODELS, "null"])),
        "input_tokens": usual("5", pick(TOKENS)),
        "output_tokens": usual("7", pick(TOKENS)),
        "email": pick(['"a@b.c"', '"\\u00e9@x"', "null"]),
    }
    chosen = [(k, v) for k, v in fields.items() if k in ("type", "account_id") or pick([1, 1, 0])]
    order = pick([0, 1])
    if order:
        chosen.reverse()
    return "{" + ",".join(f'"{k}":{v}' for k, v in chosen) + "}"


@st.composite
def _requests(draw: st.DrawFn) -> str:
    return _request(lambda options: draw(st.sampled_from(options)))


@EXAMPLES
@given(st.lists(_requests(), min_size=1, max_size=12))
@example([REQUEST, REQUEST.replace("10.49.231.205", "10.049.231.205"), "  "])
def test_taken_lines_get_parse_sql_s_values(tmp_path: Path, lines: list[str]) -> None:
    sql, fast, firsts = _both(tmp_path, lines)
    _check(sql, fast, firsts)


def test_the_edge_cases_reach_both_paths(tmp_path: Path) -> None:
    """The property above only means something if its lines are taken and left, and if the
    lines left include ones that parse.sql accepts (the pass is allowed to leave them)."""
    rng = random.Random(7)
    lines = [_request(rng.choice) for _ in range(600)]
    sql, fast, firsts = _both(tmp_path, lines)
    _check(sql, fast, firsts)
    accepted = {n for n, row in sql.items() if row["fast_ok"]}
    assert len(fast) >= 30
    assert len(set(sql) - accepted) >= 100
    assert len(fast) <= len(accepted)


def test_every_plain_valid_request_line_is_taken(tmp_path: Path) -> None:
    """What parse.sql accepts and the pass is sure of must not be left to SQL: a line of plain
    values, escapes included, is taken whatever fields it leaves out."""
    base = {
        "type": '"request"',
        "account_id": '"acc-1"',
        "ts": '"2026-04-22T00:12:30Z"',
        "ip": '"192.168.0.1"',
        "device_id": '"d\\u00e9v"',
        "user_agent": '"Mozilla \\"5\\""',
        "prompt": '"Line 1\\nLine 2 \\u4e2d"',
        "model": '"nova"',
        "input_tokens": "1000000000",
        "output_tokens": "0",
    }
    lines = ["{" + ",".join(f'"{k}":{v}' for k, v in base.items()) + "}"]
    for optional in ("ip", "device_id", "user_agent", "prompt", "model", "input_tokens"):
        for value in (None, "null"):
            fields = {k: v for k, v in base.items() if k != optional}
            if value is not None:
                fields[optional] = value
            lines.append("{" + ",".join(f'"{k}":{v}' for k, v in fields.items()) + "}")
    sql, fast, firsts = _both(tmp_path, lines)
    assert all(row["fast_ok"] for row in sql.values())
    assert sorted(fast) == list(range(1, len(lines) + 1))
    _check(sql, fast, firsts)


def test_invalid_utf8_and_other_kinds_are_left_to_sql(tmp_path: Path) -> None:
    data = (
        REQUEST.encode()
        + b"\n"
        + REQUEST.encode().replace(b"Mozilla", b"Mo\xffzilla")
        + b"\n"
        + REQUEST.encode().replace(b"Mozilla", b"Mo\xed\xa0\x80zilla")  # a UTF-8 surrogate
        + b"\n"
        + b'{"type":"account","account_id":"a1","created_at":"2026-04-22T00:12:30Z"}\n'
    )
    scanned = scan.scan_chunk(data, 4)
    taken = requests.parse_requests(data, scanned, 3, 10)
    assert taken.taken.tolist() == [True, False, False, False]
    assert taken.events.column("line_no").to_pylist() == [10]
    assert taken.events.column("ord").to_pylist() == [3 * (1 << 40) + 10]


def test_each_edge_case_alone_in_a_valid_line(tmp_path: Path) -> None:
    """Every edge-case value once, in a line that is otherwise accepted: what the fuzzing above
    reaches only by chance (a leap day of 2100, an IP octet with a leading zero) is checked
    here every time."""
    valid = {
        "type": '"request"',
        "account_id": '"acc-1"',
        "ts": '"2026-04-22T00:12:30Z"',
        "ip": '"10.0.0.1"',
        "device_id": '"dev"',
        "user_agent": '"UA"',
        "prompt": '"Explain 3 things."',
        "model": '"nova"',
        "input_tokens": "5",
        "output_tokens": "7",
    }
    odd: list[tuple[str, str]] = [("ts", f'"{t}"') for t in TIMES]
    odd += [("ip", f'"{ip}"') for ip in IPS]
    odd += [(field, f'"{v}"') for field in ("account_id", "device_id") for v in IDS]
    odd += [(field, f'"{v}"') for field in ("user_agent", "prompt") for v in TEXTS]
    odd += [(field, v) for field in ("input_tokens", "output_tokens") for v in TOKENS]
    odd += [("model", m) for m in MODELS]
    lines = [
        "{" + ",".join(f'"{k}":{value if k == field else v}' for k, v in valid.items()) + "}"
        for field, value in odd
    ]
    sql, fast, firsts = _both(tmp_path, lines)
    _check(sql, fast, firsts)
    assert len(fast) >= len(lines) // 3
