"""Stable ring identity: hand-drawn before / after partitions and the changes they must give."""

from __future__ import annotations

from app.jobs.identity import ChangeKind, RingSnapshot, match_rings


def ring(ring_id: str, members: str | list[str], score: float = 0.6) -> RingSnapshot:
    names = members.split() if isinstance(members, str) else members
    return RingSnapshot(ring_id, frozenset(names), score, score >= 0.5)


def accts(prefix: str, n: int, start: int = 0) -> list[str]:
    return [f"{prefix}{i}" for i in range(start, start + n)]


def by_id(matching):  # type: ignore[no-untyped-def]
    return {c.ring_id: c for c in matching.changes}


def test_first_run_everything_is_new() -> None:
    m = match_rings([], [ring("r-a", "a b c"), ring("r-b", "d e")])
    assert m.ids == {"r-a": "r-a", "r-b": "r-b"}
    assert [c.kind for c in m.changes] == [ChangeKind.NEW, ChangeKind.NEW]
    assert m.counts["new"] == 2 and m.counts["vanished"] == 0


def test_unchanged_grown_and_shrunk_rings_keep_their_ids() -> None:
    prev = [ring("A", accts("a", 10)), ring("B", accts("b", 8)), ring("C", accts("c", 10))]
    cur = [
        ring("det-a", accts("a", 10)),  # same members
        ring("det-b", accts("b", 12)),  # 8 -> 12
        ring("det-c", accts("c", 6)),  # 10 -> 6
    ]
    m = match_rings(prev, cur)
    assert m.ids == {"det-a": "A", "det-b": "B", "det-c": "C"}
    changes = by_id(m)
    assert changes["A"].kind is ChangeKind.STABLE and changes["A"].jaccard == 1.0
    assert changes["B"].kind is ChangeKind.GROWN
    assert (changes["B"].previous_size, changes["B"].size, changes["B"].added) == (8, 12, 4)
    assert changes["C"].kind is ChangeKind.SHRUNK and changes["C"].removed == 4


def test_a_ring_that_quadruples_keeps_its_id() -> None:
    # Jaccard is only 0.25, but every old member is still in it.
    m = match_rings([ring("A", accts("a", 10))], [ring("det", accts("a", 40))])
    assert m.ids == {"det": "A"} and m.changes[0].kind is ChangeKind.GROWN


def test_vanished_and_new() -> None:
    m = match_rings([ring("A", "a b c")], [ring("det-x", "x y z")])
    assert m.ids == {"det-x": "det-x"}
    changes = by_id(m)
    assert changes["det-x"].kind is ChangeKind.NEW
    assert changes["A"].kind is ChangeKind.VANISHED and changes["A"].size == 0
    assert changes["A"].previous_size == 3 and changes["A"].merged_into is None


def test_merge_keeps_the_best_matching_id_and_records_the_other() -> None:
    prev = [ring("A", accts("a", 10)), ring("B", accts("b", 6))]
    m = match_rings(prev, [ring("det", accts("a", 10) + accts("b", 6))])
    assert m.ids == {"det": "A"}
    changes = by_id(m)
    assert changes["A"].kind is ChangeKind.MERGED and changes["A"].merged_from == ("B",)
    assert changes["B"].kind is ChangeKind.VANISHED and changes["B"].merged_into == "A"


def test_split_gives_the_bigger_piece_the_id() -> None:
    prev = [ring("A", accts("a", 12))]
    cur = [ring("det-1", accts("a", 8)), ring("det-2", accts("a", 4, start=8))]
    m = match_rings(prev, cur)
    assert m.ids["det-1"] == "A" and m.ids["det-2"] == "det-2"
    changes = by_id(m)
    assert changes["A"].kind is ChangeKind.SPLIT and changes["A"].split_into == ("det-2",)
    assert changes["det-2"].kind is ChangeKind.SPLIT and changes["det-2"].split_from == "A"


def test_split_into_pieces_none_of_which_is_similar_enough() -> None:
    prev = [ring("A", accts("a", 20))]
    cur = [ring(f"det-{k}", accts("a", 5, start=5 * k)) for k in range(4)]
    m = match_rings(prev, cur)
    changes = by_id(m)
    # Each piece is 5/20: Jaccard 0.25 < 0.3 and only a quarter of A, so no piece inherits.
    assert changes["A"].kind is ChangeKind.VANISHED
    assert changes["A"].split_into == tuple(sorted(m.ids.values()))
    assert all(changes[m.ids[f"det-{k}"]].kind is ChangeKind.SPLIT for k in range(4))


def test_fresh_id_never_reuses_a_previous_ring_id() -> None:
    # The detector's hash id of the new ring equals the id a previous ring still carries.
    prev = [ring("r-same", accts("a", 10)), ring("r-other", accts("b", 5))]
    cur = [ring("r-same", accts("z", 3)), ring("det-a", accts("a", 10))]
    m = match_rings(prev, cur)
    assert m.ids["det-a"] == "r-same"
    assert m.ids["r-same"] not in {"r-same", "r-other"}
    assert len(set(m.ids.values())) == 2


def test_scores_and_flags_are_carried() -> None:
    m = match_rings([ring("A", accts("a", 5), 0.3)], [ring("det", accts("a", 6), 0.7)])
    change = m.changes[0]
    assert (change.previous_score, change.score) == (0.3, 0.7)
    assert (change.previous_flagged, change.flagged) == (False, True)
    assert change.as_json()["kind"] == "grown"
