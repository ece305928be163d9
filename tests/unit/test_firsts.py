"""First prompts of each key across chunks, and clustering them beside the parse (firsts.py)."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from app.ingest.clustering import PromptClusterer
from app.ingest.columnar.common import cluster_prompts, worker_pool
from app.ingest.columnar.firsts import (
    ClusterStream,
    FirstPrompts,
    slow_first,
    slow_firsts_table,
)


def _key(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # a prompt key is an MD5, as parse.sql makes


def _part(rows: list[tuple[str, int, str]]) -> pa.Table:
    return slow_firsts_table(rows)


def test_keys_are_new_only_the_first_time_across_takes() -> None:
    seen = FirstPrompts()
    a, b, c = _key("a"), _key("b"), _key("c")
    assert seen.take([_part([(a, 1, "pa"), (b, 2, "pb")])]) == ([a, b], ["pa", "pb"])
    assert seen.take([_part([(b, 3, "pb2"), (c, 4, "pc")])]) == ([c], ["pc"])
    assert seen.take([_part([(a, 5, "pa3")])]) == ([], [])
    assert len(seen) == 3


def test_within_a_chunk_the_earliest_ord_wins_whichever_part_it_is_in() -> None:
    # The compiled pass and the SQL pass each hand over their own first rows; the slow path's
    # row for a key can come before both.
    seen = FirstPrompts()
    k, other = _key("k"), _key("other")
    compiled = _part([(k, 20, "late"), (other, 30, "o")])
    sql = _part([(k, 15, "middle")])
    slow = _part([(k, 10, "earliest")])
    assert seen.take([compiled, sql, slow]) == ([k, other], ["earliest", "o"])


def test_hex_case_does_not_make_a_new_key() -> None:
    seen = FirstPrompts()
    k = _key("case")
    seen.take([_part([(k, 1, "x")])])
    assert seen.take([_part([(k.upper(), 2, "y")])]) == ([], [])


def test_the_all_zero_key_is_remembered_like_any_other() -> None:
    seen = FirstPrompts()
    zero = "0" * 32
    assert seen.take([_part([(zero, 1, "z")])]) == ([zero], ["z"])
    assert seen.take([_part([(zero, 2, "z2")])]) == ([], [])
    assert len(seen) == 1


def test_growth_keeps_every_key_seen(tmp_path: Path) -> None:
    seen = FirstPrompts(capacity=16)
    keys = [_key(str(i)) for i in range(5000)]
    for start in range(0, 5000, 700):
        batch = [(k, i, f"p{i}") for i, k in enumerate(keys[start : start + 700], start)]
        got, _ = seen.take([_part(batch)])
        assert got == keys[start : start + 700]
    again, _ = seen.take([_part([(k, 10_000 + i, "again") for i, k in enumerate(keys)])])
    assert again == []
    assert len(seen) == 5000


def test_empty_parts_take_nothing() -> None:
    seen = FirstPrompts()
    assert seen.take([]) == ([], [])
    assert seen.take([_part([]), _part([])]) == ([], [])


@pytest.mark.parametrize("bad", ["abc", "g" * 32, _key("x") + "0"])
def test_a_key_that_is_not_32_hex_characters_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"\(ord 1\) is not an MD5 as 32 hex"):
        FirstPrompts().take([_part([(bad, 1, "p")])])


def test_slow_first_reads_a_typed_row() -> None:
    assert slow_first({"prompt_key": "k", "ord": "7", "prompt": "p"}) == ("k", 7, "p")
    assert slow_first({"prompt_key": None, "ord": 7}) is None
    assert slow_first({}) is None
    assert slow_first(None) is None  # a quarantined line


_PROMPTS = [
    "Translate the following sentence into French: the cat sat on mat number 12.",
    "Translate the following sentence into French: the cat sat on mat number 57.",
    "Write a haiku about distributed systems and consensus under partitions.",
    "Summarise this article about the 2026 distillation campaign in three bullets.",
    "Summarise this article about the 2025 distillation campaign in three bullets.",
    "Explain gradient checkpointing to a new engineer, with a worked example.",
] * 3


def _expected(firsts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(cluster_prompts(iter(firsts), PromptClusterer(), 1))


def test_the_stream_writes_what_cluster_prompts_gives(tmp_path: Path) -> None:
    firsts = [(_key(f"{i}"), p) for i, p in enumerate(_PROMPTS)]
    out = tmp_path / "map.tsv"
    stream = ClusterStream(PromptClusterer(), None, out, depth=1)
    for start in range(0, len(firsts), 4):
        part = firsts[start : start + 4]
        stream.put([k for k, _ in part], [p for _, p in part])
    stream.put([], [])
    assert stream.close() == len(firsts)
    written = [tuple(line.split("\t")) for line in out.read_text().splitlines()]
    assert written == _expected(firsts)
    # Similar prompts share a cluster: the map is not one cluster per key.
    assert len({c for _, c in written}) < len(firsts)


def test_the_stream_with_worker_processes_over_several_batches(tmp_path: Path) -> None:
    # The aggregate's setting: skeletons from a worker pool, more prompts than one batch.
    firsts = [
        (_key(f"w{i}"), f"{_PROMPTS[i % len(_PROMPTS)]} variant {i % 97}") for i in range(9000)
    ]
    out = tmp_path / "map.tsv"
    with worker_pool(2) as pool:
        stream = ClusterStream(PromptClusterer(), pool, out)
        for start in range(0, len(firsts), 1000):
            part = firsts[start : start + 1000]
            stream.put([k for k, _ in part], [p for _, p in part])
        assert stream.close() == len(firsts)
    written = [tuple(line.split("\t")) for line in out.read_text().splitlines()]
    assert written == _expected(firsts)


class _Failing(PromptClusterer):
    def assign_batch(self, *args: Any, **kwargs: Any) -> list[str]:
        raise RuntimeError("clusterer broke")


def test_a_clusterer_error_reaches_the_parse(tmp_path: Path) -> None:
    stream = ClusterStream(_Failing(), None, tmp_path / "map.tsv", depth=1)
    with pytest.raises(RuntimeError, match="clusterer broke"):
        for i in range(50):  # put raises once the thread has failed
            stream.put([_key(str(i))], [f"prompt {i}"])
            time.sleep(0.02)
        stream.close()


def test_abort_returns_while_the_queue_is_full(tmp_path: Path) -> None:
    stream = ClusterStream(PromptClusterer(), None, tmp_path / "map.tsv", depth=1)
    for i in range(3):
        stream.put([_key(str(i))], [f"prompt {i}"])
    done = threading.Event()

    def abort() -> None:
        stream.abort()
        done.set()

    threading.Thread(target=abort, daemon=True).start()
    assert done.wait(30), "abort hung"
