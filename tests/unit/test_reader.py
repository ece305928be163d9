"""The DuckDB engine's raw reader (app/ingest/columnar/reader.py): files → chunks of whole lines."""

from __future__ import annotations

import gzip
import hashlib
import random
from pathlib import Path

import pytest

from app.ingest.columnar import reader
from app.ingest.columnar.reader import Chunk, FileDone, iter_file


def _lines(n: int, seed: int) -> bytes:
    rng = random.Random(seed)
    # Lines of very different lengths, so chunk ends fall inside, between and across pieces.
    return b"".join(b"x" * rng.choice((0, 1, 7, 300, 5000)) + b"%d\n" % i for i in range(n))


def _read(path: Path, chunk_bytes: int) -> tuple[list[Chunk], FileDone]:
    items = list(iter_file(path, 3, chunk_bytes))
    done = items.pop()
    assert isinstance(done, FileDone)
    assert all(isinstance(item, Chunk) for item in items)
    return items, done  # type: ignore[return-value]


@pytest.mark.parametrize("read_bytes", [1 << 20, 1000, 97])
@pytest.mark.parametrize("chunk_bytes", [1, 4096, 1 << 16, 1 << 30])
@pytest.mark.parametrize("ending", [b"", b"tail without newline"])
def test_chunks_are_whole_lines_that_add_up_to_the_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    read_bytes: int,
    chunk_bytes: int,
    ending: bytes,
) -> None:
    monkeypatch.setattr(reader, "_READ", read_bytes)
    text = _lines(400, chunk_bytes) + ending
    path = tmp_path / "events.jsonl.gz"
    # Two gzip members: a multi-member file reads as the concatenation.
    path.write_bytes(gzip.compress(text[:12345]) + gzip.compress(text[12345:]))
    chunks, done = _read(path, chunk_bytes)
    assert b"".join(c.data for c in chunks) == text
    expected_lines = text.count(b"\n") + (1 if ending else 0)
    assert done.lines == expected_lines == sum(c.n_lines for c in chunks)
    assert done.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert done.error is None and done.file_idx == 3
    line = 1
    for chunk in chunks[:-1]:
        assert chunk.data.endswith(b"\n")  # only the file's end may cut a line
        assert chunk.first_line == line
        line += chunk.n_lines
    assert chunks[-1].first_line == line
    if read_bytes < 1000 and chunk_bytes <= 4096:
        assert len(chunks) > 2  # small pieces: the file is cut many times


def test_a_truncated_gzip_keeps_its_whole_lines_and_reports_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "_READ", 500)
    text = _lines(300, 1)
    packed = gzip.compress(text)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    chunks, done = _read(path, 2048)
    data = b"".join(c.data for c in chunks)
    assert data and text.startswith(data) and data.endswith(b"\n")
    assert done.lines == data.count(b"\n") == sum(c.n_lines for c in chunks)
    assert isinstance(done.error, EOFError | OSError)
