"""Stable ring identity across detection runs. Pure: rings in, id mapping and changes out.

The detector names a ring after a hash of its members, so any change of membership would give a
new id. Here the rings of a new run are matched to those of the previous run by member overlap,
and a ring that persists keeps the id it had. For a previous ring P and a new ring N with
`o = |P ∩ N|` shared accounts:

- N **continues** P (inherits P's id) when `jaccard(P, N) >= threshold` or when most of P went
  into N (`o / |P| >= majority`). Candidate pairs are taken greedily, best Jaccard first; each
  previous id goes to at most one new ring and each new ring takes at most one id.
- P was **merged** into N when most of P went into N (`o / |P| >= majority`, `o >= min_overlap`)
  and N continues another ring.
- N **split** from P when most of N came from P (`o / |N| >= majority`, `o >= min_overlap`) and
  N does not continue P (nor absorbed P in a merge).

Change kinds (one per ring of the new run, plus one per previous id that does not continue):

| kind | meaning |
|---|---|
| `new` | no previous ring continues into it, and it is not a piece of one |
| `stable` | continues a previous ring, same size (`added` / `removed` say if members swapped) |
| `grown` / `shrunk` | continues a previous ring, more / fewer members |
| `merged` | continues a previous ring and absorbed at least one other (`merged_from`) |
| `split` | a piece that broke away from a previous ring (`split_from`), or the continuation of a ring that pieces broke away from (`split_into`) |
| `vanished` | a previous ring whose id does not continue; `merged_into` / `split_into` say where its members went, if anywhere |
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class ChangeKind(StrEnum):
    """What happened to a ring between two runs."""

    NEW = "new"
    STABLE = "stable"
    GROWN = "grown"
    SHRUNK = "shrunk"
    MERGED = "merged"
    SPLIT = "split"
    VANISHED = "vanished"


@dataclass(frozen=True)
class RingSnapshot:
    """A ring as one run found it: id, members, score, flag."""

    ring_id: str
    members: frozenset[str]
    score: float = 0.0
    flagged: bool = False


@dataclass(frozen=True)
class RingChange:
    """One ring's change between the previous run and this one.

    `ring_id` is the stable id (for `vanished`, the previous id). Sizes and scores of the side
    that does not exist are 0 / None.
    """

    ring_id: str
    kind: ChangeKind
    size: int
    previous_size: int
    added: int
    removed: int
    jaccard: float
    score: float | None
    previous_score: float | None
    flagged: bool
    previous_flagged: bool
    merged_from: tuple[str, ...] = ()
    merged_into: str | None = None
    split_from: str | None = None
    split_into: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "ring_id": self.ring_id,
            "kind": self.kind.value,
            "size": self.size,
            "previous_size": self.previous_size,
            "added": self.added,
            "removed": self.removed,
            "jaccard": self.jaccard,
            "score": self.score,
            "previous_score": self.previous_score,
            "flagged": self.flagged,
            "previous_flagged": self.previous_flagged,
            "merged_from": list(self.merged_from),
            "merged_into": self.merged_into,
            "split_from": self.split_from,
            "split_into": list(self.split_into),
        }


@dataclass(frozen=True)
class Matching:
    """The result of matching a run's rings against the previous run's.

    `ids` maps every detector ring id of the new run to its stable id; `changes` has one entry per
    new ring (in input order) followed by one per vanished previous ring (sorted by id).
    """

    ids: dict[str, str]
    changes: tuple[RingChange, ...]
    counts: dict[str, int] = field(default_factory=dict)


def _fresh_id(candidate: str, taken: set[str]) -> str:
    ring_id, n = candidate, 0
    while ring_id in taken:
        n += 1
        digest = hashlib.sha1(f"{candidate}:{n}".encode(), usedforsecurity=False)
        ring_id = "r-" + digest.hexdigest()[:10]
    return ring_id


def match_rings(
    previous: Iterable[RingSnapshot],
    current: Sequence[RingSnapshot],
    *,
    threshold: float = 0.3,
    majority: float = 0.5,
    min_overlap: int = 2,
) -> Matching:
    """Give the rings of a new run stable ids and say how each ring changed.

    Args:
        previous: the rings of the previous (succeeded) run, with their stable ids.
        current: the rings of the new run, with the detector's ids (unique within the run).
        threshold: Jaccard similarity at or above which a new ring continues a previous one.
        majority: share of a ring's members that makes it "mostly" gone into / come from another.
        min_overlap: fewest shared accounts for a merge or split link.

    Returns:
        The detector-id → stable-id mapping and the changes (see the module docstring).
    """
    prev = {ring.ring_id: ring for ring in previous}
    owner: dict[str, str] = {}
    for ring in prev.values():
        for account in ring.members:
            owner[account] = ring.ring_id

    overlaps: dict[str, Counter[str]] = {}
    pairs: list[tuple[float, int, str, str]] = []
    for ring in current:
        counted = Counter(owner[a] for a in ring.members if a in owner)
        overlaps[ring.ring_id] = counted
        for pid, o in counted.items():
            p_size = len(prev[pid].members)
            jaccard = o / (p_size + len(ring.members) - o)
            if jaccard >= threshold or o / p_size >= majority:
                pairs.append((jaccard, o, pid, ring.ring_id))
    pairs.sort(key=lambda t: (-t[0], -t[1], t[2], t[3]))

    continues: dict[str, str] = {}  # new detector id -> previous id
    continued_by: dict[str, str] = {}  # previous id -> new detector id
    for _jaccard, _o, pid, nid in pairs:
        if pid not in continued_by and nid not in continues:
            continues[nid] = pid
            continued_by[pid] = nid

    merged_from: dict[str, list[str]] = defaultdict(list)
    merged_into: dict[str, str] = {}
    split_from: dict[str, str] = {}
    split_into: dict[str, list[str]] = defaultdict(list)
    for ring in current:
        nid = ring.ring_id
        for pid, o in sorted(overlaps[nid].items(), key=lambda t: (-t[1], t[0])):
            if pid == continues.get(nid) or o < min_overlap:
                continue
            if pid not in continued_by and o / len(prev[pid].members) >= majority:
                if nid in continues:
                    merged_from[nid].append(pid)
                    merged_into.setdefault(pid, nid)
            elif o / len(ring.members) >= majority and nid not in split_from:
                split_from[nid] = pid

    # Stable ids: continued rings keep theirs; others keep the detector's unless it is taken.
    ids: dict[str, str] = {}
    taken = set(prev)
    for nid, pid in continues.items():
        ids[nid] = pid
    for ring in current:
        if ring.ring_id not in ids:
            ids[ring.ring_id] = _fresh_id(ring.ring_id, taken)
            taken.add(ids[ring.ring_id])
    for nid, pid in split_from.items():
        split_into[pid].append(ids[nid])

    changes: list[RingChange] = []
    for ring in current:
        nid, size = ring.ring_id, len(ring.members)
        continued = continues.get(nid)
        if continued is None:
            parent = split_from.get(nid)
            changes.append(
                RingChange(
                    ring_id=ids[nid],
                    kind=ChangeKind.SPLIT if parent else ChangeKind.NEW,
                    size=size,
                    previous_size=0,
                    added=size,
                    removed=0,
                    jaccard=0.0,
                    score=ring.score,
                    previous_score=None,
                    flagged=ring.flagged,
                    previous_flagged=False,
                    split_from=parent,
                )
            )
            continue
        before = prev[continued]
        common = len(before.members & ring.members)
        absorbed = tuple(merged_from.get(nid, ()))
        pieces = tuple(sorted(split_into.get(continued, ())))
        if absorbed:
            kind = ChangeKind.MERGED
        elif pieces:
            kind = ChangeKind.SPLIT
        elif size > len(before.members):
            kind = ChangeKind.GROWN
        elif size < len(before.members):
            kind = ChangeKind.SHRUNK
        else:
            kind = ChangeKind.STABLE
        changes.append(
            RingChange(
                ring_id=continued,
                kind=kind,
                size=size,
                previous_size=len(before.members),
                added=size - common,
                removed=len(before.members) - common,
                jaccard=common / (size + len(before.members) - common),
                score=ring.score,
                previous_score=before.score,
                flagged=ring.flagged,
                previous_flagged=before.flagged,
                merged_from=tuple(sorted(absorbed)),
                split_into=pieces,
            )
        )
    for gone in sorted(set(prev) - set(continued_by)):
        before = prev[gone]
        target = merged_into.get(gone)
        changes.append(
            RingChange(
                ring_id=gone,
                kind=ChangeKind.VANISHED,
                size=0,
                previous_size=len(before.members),
                added=0,
                removed=len(before.members),
                jaccard=0.0,
                score=None,
                previous_score=before.score,
                flagged=False,
                previous_flagged=before.flagged,
                merged_into=ids[target] if target else None,
                split_into=tuple(sorted(split_into.get(gone, ()))),
            )
        )
    counts = Counter(change.kind.value for change in changes)
    return Matching(
        ids, tuple(changes), {kind.value: counts.get(kind.value, 0) for kind in ChangeKind}
    )
