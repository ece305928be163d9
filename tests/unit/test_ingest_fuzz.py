"""Fuzzing the ingest contract (hypothesis): malformed, truncated, huge, wrongly typed and non-UTF-8
lines never crash the parser or the pipeline, and every line is accounted for: ingested, or
quarantined with a reason that names what is wrong.

The pipeline runs against a recording runner (no database): these tests are about parsing,
validation, aggregation and bookkeeping; tests/integration/test_faults.py covers the real Neo4j.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.graph.runner import GraphRunner
from app.ingest.events import Event, InvalidEvent, parse_line
from app.ingest.pipeline import MAX_LINE_BYTES, Ingestor, IngestReport

# CI runs a bounded number of examples; RINGSCOPE_FUZZ_EXAMPLES=5000 for a long local run.
FUZZ = settings(
    max_examples=int(os.environ.get("RINGSCOPE_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# --- strategies ------------------------------------------------------------------------------

TYPES = ["account", "payment", "ip_info", "request", "label"]
FIELDS = [
    "account_id",
    "created_at",
    "email",
    "country",
    "org",
    "ts",
    "payment_id",
    "method",
    "bin",
    "issuer_country",
    "ip",
    "asn",
    "as_org",
    "kind",
    "device_id",
    "user_agent",
    "prompt",
    "model",
    "input_tokens",
    "output_tokens",
    "operator",
    "source",
    "confidence",
]

timestamps = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),  # no zone: must be refused
    st.sampled_from(
        [
            "2026-04-22T10:03:00Z",
            "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
            "9999-12-31T23:59:59-14:00",  # after year 9999 in UTC
            "2026-02-30T00:00:00Z",
            "2026-04-22",
            "yesterday",
            "",
        ]
    ),
)
ips = st.one_of(
    st.ip_addresses().map(str),
    st.sampled_from(["300.1.1.1", "::ffff:1.2.3.4", "1.2.3", "fe80::1%eth0", " 1.2.3.4", ""]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.text(min_size=250, max_size=300),  # around the 256-character id limit
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
)
field_values = st.one_of(json_values, timestamps, ips, st.sampled_from(["card", "vpn", "hosting"]))


def _valid_lines() -> list[bytes]:
    events = [
        {
            "type": "account",
            "account_id": "a1",
            "created_at": "2026-04-22T10:00:00Z",
            "email": "x@m.ex",
        },
        {"type": "ip_info", "ip": "203.0.113.7", "asn": 64500, "kind": "hosting"},
        {
            "type": "payment",
            "account_id": "a1",
            "ts": "2026-04-22T10:02:00Z",
            "payment_id": "pm_1",
            "method": "card",
        },
        {
            "type": "request",
            "account_id": "a1",
            "ts": "2026-04-22T11:00:00+02:00",
            "ip": "2001:db8::1",
            "device_id": "d1",
            "user_agent": "UA",
            "prompt": "Grade the following answer on a 1-10 rubric: 'Paris'",
            "input_tokens": 20,
            "output_tokens": 400,
        },
        {"type": "label", "account_id": "a1", "operator": "Op", "confidence": 0.5},
    ]
    return [json.dumps(event).encode() for event in events]


VALID = _valid_lines()


@st.composite
def event_objects(draw: st.DrawFn) -> dict[str, Any]:
    """An object that looks like an event: usually a valid one with a few fields replaced by
    anything (wrong types, out-of-range values) or removed, sometimes a free mix of fields."""
    if draw(st.integers(min_value=0, max_value=3)):
        obj = dict(json.loads(draw(st.sampled_from(VALID))))
        for name in draw(st.lists(st.sampled_from(["type", *FIELDS]), max_size=3, unique=True)):
            if draw(st.booleans()):
                obj[name] = draw(field_values)
            else:
                obj.pop(name, None)
        return obj
    obj = {}
    if draw(st.integers(min_value=0, max_value=9)):  # one in ten has no type at all
        obj["type"] = draw(st.one_of(st.sampled_from(TYPES), json_values))
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=10, unique=True)):
        obj[name] = draw(field_values)
    return obj


@st.composite
def mutated_lines(draw: st.DrawFn) -> bytes:
    """A valid line cut short, with bytes flipped, or with invalid UTF-8 spliced in."""
    line = draw(st.sampled_from(VALID))
    how = draw(st.sampled_from(["truncate", "flip", "splice", "pad"]))
    at = draw(st.integers(min_value=0, max_value=len(line)))
    if how == "truncate":
        return line[:at]
    if how == "flip":
        byte = draw(st.integers(min_value=0, max_value=255))
        return line[:at] + bytes([byte]) + line[at + 1 :]
    if how == "splice":
        junk = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xe2\x82"]))
        return line[:at] + junk + line[at:]
    return line + draw(st.sampled_from([b" ", b"\r", b"\t", b"{}", b"\x00"]))


any_line = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    event_objects().map(lambda o: json.dumps(o).encode("utf-8", "surrogatepass")),
    json_values.map(lambda v: json.dumps(v).encode("utf-8", "surrogatepass")),
    mutated_lines(),
    st.sampled_from(VALID),
)


def _classify(raw: bytes) -> Event | InvalidEvent:
    try:
        return parse_line(raw)
    except InvalidEvent as exc:
        return exc


# --- the parser alone ------------------------------------------------------------------------


@FUZZ
@given(any_line)
@example(b"\xff\xfe\x00garbage")
@example(b'{"type":"request","account_id":"a","ts":"0001-01-01T00:00:00+14:00"}')
@example(
    b'{"type":"payment","account_id":"a","ts":"2026-04-22T10:00:00Z","payment_id":"p","method":[1]}'
)
@example(b'{"type":"ip_info","ip":"1.2.3.4","kind":{"a":1}}')
@example(b'{"type":"request","account_id":"a","ts":"2026-04-22T10:00:00Z","input_tokens":1e3}')
@example(b'{"type":"label","account_id":"a","operator":"o","confidence":18446744073709551615}')
@example(b'{"type":"request","account_id":"a","ts":"2026-04-22T10:00:00Z","prompt":"\\ud800"}')
def test_parser_never_crashes(raw: bytes) -> None:
    outcome = _classify(raw)  # anything but InvalidEvent escaping is a crash
    if isinstance(outcome, InvalidEvent):
        assert outcome.reason.strip(), "a refusal must say why"
        assert len(outcome.reason) < 400, "reasons are one short line, not the whole input"
        json.dumps(outcome.reason)  # the quarantine file must be able to hold it


@FUZZ
@given(event_objects())
def test_wrongly_typed_fields_are_refused_by_name(obj: dict[str, Any]) -> None:
    raw = json.dumps(obj).encode("utf-8", "surrogatepass")
    outcome = _classify(raw)
    if isinstance(outcome, InvalidEvent):
        named = [name for name in ["type", *FIELDS] if f"'{name}'" in outcome.reason]
        generic = ("not valid JSON", "not valid UTF-8", "JSON object")
        assert named or outcome.reason.startswith(generic), outcome.reason


# --- the pipeline, no database ---------------------------------------------------------------


class _RecordingTx:
    """Stands in for a Neo4j transaction: accepts every statement, claims every batch."""

    def __init__(self, log: list[tuple[str, dict[str, Any]]]) -> None:
        self.log = log

    def run(self, text: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.log.append((text, params))
        json.dumps(params, default=str)  # parameters must be plain, serialisable values
        return [{"claimed": True}]


class _RecordingRunner:
    """The parts of GraphRunner the Ingestor uses, recording what would be written."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, dict[str, Any]]] = []
        self.batches = 0

    def stream(self, query: Any, **params: Any) -> Iterator[dict[str, Any]]:
        return iter(())

    def read(self, query: Any, **params: Any) -> list[dict[str, Any]]:
        return []

    def write_transaction(self, work: Callable[[Any], Any]) -> Any:
        self.batches += 1
        return work(_RecordingTx(self.statements))


def _run(
    tmp_path: Path, source: Path, batch_lines: int = 7
) -> tuple[IngestReport, list[dict[str, Any]]]:
    quarantine = tmp_path / f"{source.name}.quarantine.jsonl"
    quarantine.unlink(missing_ok=True)
    runner = cast(GraphRunner, _RecordingRunner())
    report = Ingestor(runner, "salt", batch_lines, quarantine).run([source])
    records = (
        [json.loads(line) for line in quarantine.read_text(encoding="utf-8").splitlines()]
        if quarantine.exists()
        else []
    )
    return report, records


def _expected(lines: list[bytes]) -> tuple[int, int, list[int]]:
    """(read, ingested, quarantined line numbers) computed line by line from the parser."""
    read = ingested = 0
    bad: list[int] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        read += 1
        if len(line) + 1 > MAX_LINE_BYTES or isinstance(_classify(line), InvalidEvent):
            bad.append(number)
        else:
            ingested += 1
    return read, ingested, bad


def _split(lines: list[bytes]) -> list[bytes]:
    # What the file reader will see: a line never contains a newline byte.
    return [part for line in lines for part in line.split(b"\n")]


@FUZZ
@given(st.lists(any_line, min_size=1, max_size=40), st.integers(min_value=1, max_value=12))
@example(
    lines=[
        VALID[3].replace(b"2026-04-22T11:00:00+02:00", b"0001-01-01T00:00:00+14:00"),
        VALID[2].replace(b"2026-04-22T10:02:00Z", b"9999-12-31T23:59:59-14:00"),
        VALID[0].replace(b"2026-04-22T10:00:00Z", b"0001-01-01T00:30:00+01:00"),
    ],
    batch_lines=1,
)
@example(lines=['{"type": "\u2028\u2029\x85"}'.encode(), "\x85 not json".encode()], batch_lines=1)
def test_every_line_is_ingested_or_quarantined(
    tmp_path_factory: Any, lines: list[bytes], batch_lines: int
) -> None:
    tmp_path = tmp_path_factory.mktemp("fuzz")
    lines = _split(lines)
    source = tmp_path / "events.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    report, records = _run(tmp_path, source, batch_lines)

    read, ingested, bad = _expected(lines)
    assert report.reconciles()
    assert (report.read, report.ingested, report.quarantined) == (read, ingested, len(bad))
    assert [record["line"] for record in records] == bad
    assert all(record["reason"] and record["file"] == str(source) for record in records)
    assert not report.file_errors


@FUZZ
@given(st.lists(st.sampled_from(VALID), min_size=5, max_size=60), st.data())
def test_truncated_gzip_keeps_what_was_read_and_says_where(
    tmp_path_factory: Any, lines: list[bytes], data: st.DataObject
) -> None:
    tmp_path = tmp_path_factory.mktemp("gz")
    whole = gzip.compress(b"\n".join(lines) + b"\n")
    cut = data.draw(st.integers(min_value=1, max_value=len(whole) - 1), label="cut")
    source = tmp_path / "events.jsonl.gz"
    source.write_bytes(whole[:cut])
    report, records = _run(tmp_path, source)

    assert report.reconciles()
    assert report.read <= len(lines)
    bad_lines = [r for r in records if "unreadable after line" not in r["reason"]]
    assert report.quarantined == len(bad_lines) <= 1  # at most the line the cut went through
    assert report.ingested >= report.read - 1
    if report.file_errors:
        # The cut is one note (not a line) naming the line after the last one read.
        assert len(report.file_errors) == 1 and report.quarantine_path is not None
        assert "unreadable after line" in records[-1]["reason"]
        assert records[-1]["line"] == report.read + 1
    # A cut inside the stream must be reported, never silently taken as the end of the file.
    decompressor = zlib.decompressobj(wbits=31)
    try:
        decompressor.decompress(whole[:cut])
        complete = decompressor.eof
    except zlib.error:
        complete = False
    if not complete:
        assert report.file_errors, "a truncated gzip must be reported"


def test_huge_lines_are_quarantined_not_loaded(tmp_path: Path) -> None:
    prompt = "x" * 200_001
    huge_prompt = json.dumps(
        {"type": "request", "account_id": "a1", "ts": "2026-04-22T10:00:00Z", "prompt": prompt}
    ).encode()
    huge_line = b'{"type":"account","account_id":"a1","org":"' + b"y" * MAX_LINE_BYTES + b'"}'
    huge_junk = b"\xff" * (MAX_LINE_BYTES + 10)
    lines = [VALID[0], huge_prompt, huge_line, VALID[3], huge_junk, VALID[4]]
    source = tmp_path / "huge.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    report, records = _run(tmp_path, source, batch_lines=2)

    assert (report.read, report.ingested, report.quarantined) == (6, 3, 3)
    assert [r["line"] for r in records] == [2, 3, 5]
    assert "'prompt' is longer than 200000" in records[0]["reason"]
    assert all(f"longer than {MAX_LINE_BYTES} bytes" in r["reason"] for r in records[1:])
