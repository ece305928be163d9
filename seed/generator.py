"""Synthetic distillation-campaign scenario with ground truth.

`generate(out_dir, scale, seed)` writes

- ``out_dir/events.jsonl.gz``: one JSON event per line. Order: all ``account`` events (by
  creation time), all ``payment`` events (by time), one ``ip_info`` per IP that appears in a
  request, the ``request`` events (in chunks of ~150k requests of a random subset of accounts,
  each chunk sorted by time; not globally sorted), then ``label`` events. The file is a
  multi-member gzip (level 1, mtime 0): one member per section and per request chunk, so worker
  processes can format and compress chunks in parallel; every gzip reader (``gzip.open``,
  ``zcat``) reads it as one stream. The same (scale, seed) gives the same bytes, whatever the
  number of workers.
- ``out_dir/truth.json``: operators with their cells and labeled accounts, the benign hard-negative
  groups, the templates, and counts. Any account not in an operator is benign.

Scenario (window 2026-04-22 .. 2026-06-05 UTC; requests all inside it, benign accounts may have
been created before it):

- Campaigns: 3-5 operators, each running >= 2 cells. Cells of one operator share no IP, device
  or payment method, only templates (chain-of-thought and rubric grading, three paraphrases
  each, slot-filled per request) and the operator's timing pattern. Accounts are created in
  waves of a few hours, use disposable mail domains, rotating residential/proxy IPs (a few
  accounts per IP), fresh devices rotated over time, prepaid virtual cards shared by 5-30
  accounts of a cell; they are busy, lockstep within a cell, with long outputs. A few accounts
  per operator are labeled; one operator (when there are >= 4) has no label, and labeled
  operators always have unlabeled cells.
- Benign population (>= 10x the campaign accounts): heavy-tailed usage, diurnal activity in the
  user's time zone, free-form prompts from a large combinatorial grammar, plus hard negatives:
  mobile CGNAT, public VPN exits, a university behind NAT, enterprise tenants (one invoice, one
  egress IP, onboarding burst, working hours; one runs a templated internal tool), families
  sharing a card, a popular third-party app whose users all send one template, and power users.

At scale 1.0: ~25,000 campaign accounts and ~28.8M campaign requests, ~275k benign accounts.
Accounts and requests scale linearly; small scales keep a minimum viable structure.
"""

from __future__ import annotations

import gzip
import json
import math
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from seed import templates as T

__all__ = ["GenerationStats", "generate"]

Arr = npt.NDArray[Any]

WINDOW_START = datetime(2026, 4, 22, tzinfo=UTC)
WINDOW_END = datetime(2026, 6, 5, 23, 59, 59, tzinfo=UTC)
_T0 = int(WINDOW_START.timestamp())
_DAYS = 45
_H = _DAYS * 24
_SPAN = _H * 3600  # seconds in the window; request times are in [0, _SPAN)
_PRE_WINDOW = int(datetime(2025, 9, 1, tzinfo=UTC).timestamp()) - _T0  # oldest benign account
_DOW0 = WINDOW_START.weekday()  # 0 = Monday

# Magnitudes at scale 1.0 (the real case: ~25,000 accounts, 28.8M exchanges in six weeks).
CAMPAIGN_ACCOUNTS_AT_1 = 25_000
CAMPAIGN_REQUESTS_AT_1 = 28_800_000
_REQ_PER_CAMPAIGN_ACCOUNT = CAMPAIGN_REQUESTS_AT_1 / CAMPAIGN_ACCOUNTS_AT_1
_MIN_CELL = 5
_CHUNK_REQUESTS = 150_000
_MULT64 = 0x9E3779B97F4A7C15

_DIURNAL = np.array(
    [0.35, 0.22, 0.15, 0.10, 0.08, 0.10, 0.20, 0.40, 0.70, 0.95, 1.10, 1.15,
     1.05, 1.05, 1.15, 1.20, 1.15, 1.05, 0.95, 1.00, 1.10, 1.05, 0.85, 0.60]
)  # fmt: skip
_STUDENT = np.array(
    [0.80, 0.60, 0.40, 0.25, 0.12, 0.08, 0.08, 0.15, 0.35, 0.60, 0.80, 0.95,
     0.90, 0.95, 1.05, 1.10, 1.10, 1.00, 0.95, 1.05, 1.20, 1.25, 1.20, 1.05]
)  # fmt: skip
_WORK = np.array(
    [0, 0, 0, 0, 0, 0, 0, 0.02, 0.30, 0.90, 1.10, 1.10,
     0.60, 0.90, 1.10, 1.10, 1.00, 0.70, 0.25, 0.05, 0, 0, 0, 0]
)  # fmt: skip


@dataclass(frozen=True)
class GenerationStats:
    """What one `generate` call produced."""

    accounts: int
    campaign_accounts: int
    benign_accounts: int
    requests: int
    events: int
    seconds: float
    events_per_second: float


# --------------------------------------------------------------------------- small helpers


def _esc(text: str) -> str:
    """JSON string body (without quotes) of `text`."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _positional(text: str, fields: Sequence[str]) -> str:
    """Escape `text` and turn its named slots into positional ones (str.format is faster)."""
    out = _esc(text)
    for i, name in enumerate(fields):
        out = out.replace("{" + name + "}", "{" + str(i) + "}")
    return out


def _obj(items: Sequence[str]) -> Arr:
    arr = np.empty(len(items), dtype=object)
    arr[:] = list(items)
    return arr


def _alloc(total: int, props: Arr, minimum: int) -> Arr:
    """Split `total` into len(props) integers >= minimum, roughly proportional to props."""
    k = len(props)
    rest = total - k * minimum
    if rest < 0:
        raise ValueError("total too small for the minimum")
    raw = rest * np.asarray(props, dtype=float) / float(np.sum(props))
    base = np.floor(raw).astype(np.int64)
    left = rest - int(base.sum())
    if left:
        base[np.argsort(-(raw - base), kind="stable")[:left]] += 1
    return base + minimum


def _ts_strings(rel_seconds: Arr) -> list[str]:
    """Window-relative seconds -> 'YYYY-MM-DDTHH:MM:SS' strings (UTC; caller adds 'Z')."""
    abs_s = (np.floor(rel_seconds).astype(np.int64) + _T0).astype("datetime64[s]")
    out: list[str] = np.datetime_as_string(abs_s).tolist()
    return out


class _Ids:
    """Opaque, unique, deterministic ids: a salted odd-multiplier permutation of a counter."""

    def __init__(self, prefix: str, hex_digits: int, salt: int) -> None:
        self.prefix = prefix
        self.digits = hex_digits
        self.mask = (1 << (4 * hex_digits)) - 1
        self.salt = salt & self.mask
        self.next = 0

    def take(self, n: int) -> list[str]:
        idx = np.arange(self.next, self.next + n, dtype=np.uint64)
        self.next += n
        with np.errstate(over="ignore"):
            x = (idx * np.uint64(_MULT64) + np.uint64(self.salt)) & np.uint64(self.mask)
        p, d = self.prefix, self.digits
        return [f"{p}{v:0{d}x}" for v in x.tolist()]


# ------------------------------------------------------------------------------ IP space


@dataclass
class _Block:
    base: int
    size: int  # power of two >= 256
    asn: int
    org: str
    salt: int
    next: int = 0


class _IpTable:
    """Every IP of the scenario with its ASN, AS org and kind."""

    _MULT = 2654435761  # prime, coprime with every block capacity (2^k * 127)

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.blocks: dict[str, _Block] = {}
        self.ip: list[str] = []
        self.asn: list[int] = []
        self.org: list[str] = []
        self.kind: list[str] = []

    def block(self, key: str, base: int, size: int, asn: int, org: str) -> None:
        self.blocks[key] = _Block(base, size, asn, org, int(self.rng.integers(0, 1 << 30)))

    def alloc(self, key: str, n: int, kind: str) -> Arr:
        b = self.blocks[key]
        cap = b.size // 256 * 254
        if b.next + n > cap:
            raise RuntimeError(f"IP block {key} exhausted")
        off = (np.arange(b.next, b.next + n, dtype=np.int64) * self._MULT + b.salt) % cap
        b.next += n
        addr = b.base + (off // 254) * 256 + off % 254 + 1
        first = len(self.ip)
        self.ip.extend(
            f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}" for a in addr.tolist()
        )
        self.asn.extend([b.asn] * n)
        self.org.extend([b.org] * n)
        self.kind.extend([kind] * n)
        return np.arange(first, first + n, dtype=np.int64)


# ------------------------------------------------------------------------- time profiles


class _Profiles:
    """Hourly intensity curves over the window; inverse-CDF sampling within hour ranges."""

    def __init__(self) -> None:
        self.rows: list[Arr] = []
        self._flat: Arr | None = None
        self._cum: Arr | None = None

    def add(self, weights: Arr) -> int:
        w = np.asarray(weights, dtype=float)
        if w.shape != (_H,) or not np.all(w >= 0) or w.sum() <= 0:
            raise ValueError("bad profile")
        self.rows.append(w)
        self._flat = None
        return len(self.rows) - 1

    def _freeze(self) -> tuple[Arr, Arr]:
        if self._flat is None or self._cum is None:
            w = np.stack(self.rows)
            cum = np.zeros((len(self.rows), _H + 1))
            np.cumsum(w, axis=1, out=cum[:, 1:])
            cum /= cum[:, -1:]
            self._cum = cum
            self._flat = (cum + 2.0 * np.arange(len(self.rows))[:, None]).ravel()
        return self._flat, self._cum

    def mass(self, prof: Arr, lo: Arr, hi: Arr) -> Arr:
        _, cum = self._freeze()
        out: Arr = cum[prof, hi] - cum[prof, lo]
        return out

    def sample(self, prof: Arr, lo: Arr, hi: Arr, u: Arr) -> Arr:
        """Hour index in [lo, hi) for each row, drawn from the row's profile."""
        flat, _ = self._freeze()
        base = prof * (_H + 1)
        a = flat[base + lo]
        b = flat[base + hi]
        x = a + u * (b - a)
        h = np.searchsorted(flat, x, side="right") - 1 - base
        out: Arr = np.clip(h, lo, hi - 1)
        return out


def _local_hours(tz: float) -> tuple[Arr, Arr]:
    """(local hour of day, local weekday) for every window hour, for a UTC offset."""
    lt = np.arange(_H) + round(tz)
    return lt % 24, (_DOW0 + np.floor_divide(lt, 24)) % 7


# ------------------------------------------------------------------------ account table


@dataclass
class _Acc:
    """Per-account plan, filled segment by segment, then frozen into arrays."""

    ids: list[str] = field(default_factory=list)
    email: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    org: list[str | None] = field(default_factory=list)
    created: list[float] = field(default_factory=list)  # window-relative seconds
    prof: list[int] = field(default_factory=list)
    lo: list[int] = field(default_factory=list)
    hi: list[int] = field(default_factory=list)
    nreq: list[int] = field(default_factory=list)
    sess_len: list[float] = field(default_factory=list)  # 0 = every request its own session
    sess_dur: list[float] = field(default_factory=list)
    ip_pool: list[Arr] = field(default_factory=list)
    ip_mode: list[int] = field(default_factory=list)  # 0 primary-weighted, 1 uniform
    ip_prim: list[float] = field(default_factory=list)
    dev_pool: list[Arr] = field(default_factory=list)
    dev_mode: list[int] = field(default_factory=list)  # 0 primary, 1 rotate in time, 2 tool
    dev_prim: list[float] = field(default_factory=list)
    pkind: list[int] = field(default_factory=list)  # 0 free-form, 1 app, 2 internal, 3 campaign
    pshare: list[float] = field(default_factory=list)
    cell: list[int] = field(default_factory=list)
    mprof: list[int] = field(default_factory=list)
    tprof: list[int] = field(default_factory=list)  # 0 normal, 1 power user

    def add(self, **cols: Sequence[Any] | Arr) -> Arr:
        n = len(cols["email"])
        first = len(self.email)
        for name, values in cols.items():
            if len(values) != n:
                raise ValueError(f"column {name} has {len(values)} values, expected {n}")
            target: list[Any] = getattr(self, name)
            target.extend(values.tolist() if isinstance(values, np.ndarray) else values)
        return np.arange(first, first + n, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.email)


# Prompt kinds per request.
_FREE, _APP, _INTERNAL, _CAMPAIGN = 0, 1, 2, 3


# ------------------------------------------------------------------------------ prompts


class _Prompts:
    """Vectorised prompt factories; all strings are pre-escaped JSON string bodies."""

    def __init__(self) -> None:
        v = {k: [_esc(x) for x in vals] for k, vals in T.VOCAB.items()}
        tasks = T.FREEFORM_TASKS
        self.n_tasks = len(tasks)
        self.task_fmt = _obj([_esc(t) for t, _ in tasks])
        self.task_fmt_cap = _obj([_esc(t[0].upper() + t[1:]) for t, _ in tasks])
        weights = np.array([0.25 if i >= len(tasks) - 3 else 1.0 for i in range(len(tasks))])
        self.task_cdf = np.cumsum(weights) / weights.sum()
        # flat vocabulary per (task, slot position)
        flat: list[str] = []
        self.slot_off = np.zeros((len(tasks), 3), dtype=np.int64)
        self.slot_size = np.ones((len(tasks), 3), dtype=np.int64)
        for ti, (_, slots) in enumerate(tasks):
            for pos in range(3):
                vals = v[slots[pos]] if pos < len(slots) else [""]
                self.slot_off[ti, pos] = len(flat)
                self.slot_size[ti, pos] = len(vals)
                flat.extend(vals)
        self.slot_flat = _obj(flat)
        self.openers = _obj([_esc(x) for x in T.FREEFORM_OPENERS])
        self.cons = _obj([_esc(x) for x in T.FREEFORM_CONSTRAINTS])
        self.details = _obj([_esc(x) for x in T.FREEFORM_DETAILS])
        # canonical index of each option (duplicates share one) for distinct counting
        self.opener_canon = self._canon(T.FREEFORM_OPENERS)
        self.cons_canon = self._canon(T.FREEFORM_CONSTRAINTS)
        self.detail_canon = self._canon(T.FREEFORM_DETAILS)
        self.ctx_pre = _obj([_esc(x) for x in T.FREEFORM_CONTEXT_PREFIXES])
        self.ctx_who = _obj([_esc(x) for x in T.FREEFORM_CONTEXT_WHO])
        self.ctx_what = _obj([_esc(x) for x in T.FREEFORM_CONTEXT_WHAT])
        self.ctx_n = [len(self.ctx_pre), len(self.ctx_who), len(self.ctx_what), len(v["topic"])]
        self.radix = [
            self.n_tasks,
            2,
            len(T.FREEFORM_OPENERS),
            len(T.FREEFORM_CONSTRAINTS),
            len(T.FREEFORM_DETAILS),
            int(self.slot_size.max()) + 1,
            int(self.slot_size.max()) + 1,
            int(self.slot_size.max()) + 1,
            math.prod(self.ctx_n) + 1,
        ]
        if math.prod(self.radix) >= 2**62:
            raise RuntimeError("free-form grammar too large for int64 codes")

        # campaign templates: ids 0..5 cot, 6..11 rubric; 3 variants each
        # (pre, mid, post) around the slots: concatenation is faster than str.format
        parts = [
            (*_positional(t, ("problem",)).split("{0}"), "")
            for base in T.COT_TEMPLATES
            for t in base
        ] + [
            tuple(_positional(t, ("question", "answer")).replace("{1}", "{0}").split("{0}"))
            for base in T.RUBRIC_TEMPLATES
            for t in base
        ]
        if any(len(p) != 3 for p in parts):
            raise RuntimeError("campaign templates need exactly their slots, once each")
        self.n_cot = 3 * len(T.COT_TEMPLATES)
        self.tpl_pre = _obj([p[0] for p in parts])
        self.tpl_mid = _obj([p[1] for p in parts])
        self.tpl_post = _obj([p[2] for p in parts])
        fields = ("name", "name2", "item", "city", "city2", "a", "b", "c", "d", "topic", "lang")
        self.problem_frames = _obj([_positional(f, fields) for f in T.PROBLEM_FRAMES])
        self.code_frames = _obj([_positional(f, fields) for f in T.CODE_FRAMES])
        self.answer_frames = _obj([_positional(f, fields) for f in T.ANSWER_FRAMES])
        self.names = _obj([_esc(x) for x in T.NAMES])
        self.items = _obj([_esc(x) for x in _ITEMS])
        self.cities = _obj([_esc(x) for x in T.CITIES])
        self.topics = _obj(v["topic"])
        self.langs = _obj([_esc(x) for x in _CODE_LANGS])
        self.app_tpl = _obj([_positional(t, ("tone", "text")) for t in T.APP_TEMPLATES])
        self.tones = _obj(v["tone"])
        self.sent = {k: _obj([_esc(x) for x in vals]) for k, vals in T.APP_SENTENCE.items()}
        self.internal_tpl = _positional(T.INTERNAL_TEMPLATE, ("text",))

    @staticmethod
    def _canon(options: Sequence[str]) -> Arr:
        first: dict[str, int] = {}
        return np.array([first.setdefault(o, i) for i, o in enumerate(options)], dtype=np.int64)

    def freeform(self, m: int, rng: np.random.Generator) -> tuple[list[str], Arr]:
        task = np.searchsorted(self.task_cdf, rng.random(m), side="right")
        task = np.minimum(task, self.n_tasks - 1)
        opener = rng.integers(0, len(self.openers), m)
        cons = rng.integers(0, len(self.cons), m)
        det = rng.integers(0, len(self.details), m)
        cap = (rng.random(m) < 0.5) & (self.opener_canon[opener] == 0)
        slots = (rng.random((3, m)) * self.slot_size[task].T).astype(np.int64)
        vals = [self.slot_flat[self.slot_off[task, k] + slots[k]].tolist() for k in range(3)]
        fmts = np.where(cap, self.task_fmt_cap[task], self.task_fmt[task]).tolist()
        out = [
            o + f.format(a, b, c) + k + d
            for o, f, a, b, c, k, d in zip(
                self.openers[opener].tolist(),
                fmts,
                vals[0],
                vals[1],
                vals[2],
                self.cons[cons].tolist(),
                self.details[det].tolist(),
                strict=True,
            )
        ]
        # an optional sentence of context (half the prompts): more words that differ per user
        has_ctx = rng.random(m) < 0.5
        ctx = [rng.integers(0, k, m) for k in self.ctx_n]
        ctx_text = [
            f"{p}{w} {x} {t}{')' if p == ' (' else '.'}" if h else ""
            for h, p, w, x, t in zip(
                has_ctx.tolist(),
                self.ctx_pre[ctx[0]].tolist(),
                self.ctx_who[ctx[1]].tolist(),
                self.ctx_what[ctx[2]].tolist(),
                self.topics[ctx[3]].tolist(),
                strict=True,
            )
        ]
        out = [a + b for a, b in zip(out, ctx_text, strict=True)]
        ctx_code = np.zeros(m, dtype=np.int64)
        for k, part in zip(self.ctx_n, ctx, strict=True):
            ctx_code = ctx_code * k + part
        ctx_code = np.where(has_ctx, ctx_code + 1, 0)
        code = np.zeros(m, dtype=np.int64)
        used = slots * (self.slot_size[task].T > 1)
        parts = (
            task,
            cap.astype(np.int64),
            self.opener_canon[opener],
            self.cons_canon[cons],
            self.detail_canon[det],
            used[0],
            used[1],
            used[2],
            ctx_code,
        )
        for radix, part in zip(self.radix, parts, strict=True):
            code = code * radix + part
        return out, code

    def _args(self, m: int, rng: np.random.Generator) -> list[list[Any]]:
        nn = len(self.names)
        return [
            self.names[rng.integers(0, nn, m)].tolist(),
            self.names[rng.integers(0, nn, m)].tolist(),
            self.items[rng.integers(0, len(self.items), m)].tolist(),
            self.cities[rng.integers(0, len(self.cities), m)].tolist(),
            self.cities[rng.integers(0, len(self.cities), m)].tolist(),
            rng.integers(2, 21, m).tolist(),
            rng.integers(2, 31, m).tolist(),
            rng.integers(20, 901, m).tolist(),
            rng.integers(1, 100, m).tolist(),
            self.topics[rng.integers(0, len(self.topics), m)].tolist(),
            self.langs[rng.integers(0, len(self.langs), m)].tolist(),
        ]

    def _frames(self, m: int, code_share: Arr, rng: np.random.Generator) -> list[str]:
        is_code = rng.random(m) < code_share
        pf = self.problem_frames[rng.integers(0, len(self.problem_frames), m)]
        cf = self.code_frames[rng.integers(0, len(self.code_frames), m)]
        out: list[str] = np.where(is_code, cf, pf).tolist()
        return out

    def campaign(self, tpl_index: Arr, code_share: Arr, rng: np.random.Generator) -> list[str]:
        """Slot-filled campaign prompts; tpl_index < n_cot is chain-of-thought, else rubric."""
        m = len(tpl_index)
        args = self._args(m, rng)
        frames = self._frames(m, code_share, rng)
        is_cot = (tpl_index < self.n_cot).tolist()
        answers = self.answer_frames[rng.integers(0, len(self.answer_frames), m)].tolist()
        rows = zip(*args, strict=True)
        return [
            pre + f.format(*row) + post
            if cot
            else pre + f.format(*row) + mid + a.format(*row) + post
            for f, pre, mid, post, cot, a, row in zip(
                frames,
                self.tpl_pre[tpl_index].tolist(),
                self.tpl_mid[tpl_index].tolist(),
                self.tpl_post[tpl_index].tolist(),
                is_cot,
                answers,
                rows,
                strict=True,
            )
        ]

    def _sentences(self, m: int, rng: np.random.Generator) -> list[str]:
        s = self.sent
        cols = [s[k][rng.integers(0, len(s[k]), m)].tolist() for k in s]
        return [
            f"{a} {b} {c}{d}.{e}"
            for a, b, c, d, e in zip(cols[0], cols[1], cols[2], cols[3], cols[4], strict=True)
        ]

    def app(self, m: int, rng: np.random.Generator) -> list[str]:
        version = (rng.random(m) < 0.7).astype(np.int64)
        tpls = self.app_tpl[version].tolist()
        tones = self.tones[rng.integers(0, len(self.tones), m)].tolist()
        first = self._sentences(m, rng)
        second = self._sentences(m, rng)
        two = (rng.random(m) < 0.5).tolist()
        return [
            t.format(tone, a + " " + b if w else a)
            for t, tone, a, b, w in zip(tpls, tones, first, second, two, strict=True)
        ]

    def internal(self, m: int, rng: np.random.Generator) -> list[str]:
        text = self._sentences(m, rng)
        ref = rng.integers(100000, 999999, m).tolist()
        tpl = self.internal_tpl
        return [tpl.format(f"{t} (ref {r})") for t, r in zip(text, ref, strict=True)]


_ITEMS: tuple[str, ...] = (
    "apples", "pencils", "marbles", "notebooks", "cookies", "tickets", "bolts", "tiles",
    "candles", "stickers", "batteries", "oranges", "shirts", "chairs", "bricks", "cupcakes",
    "lamps", "bottles", "books", "seedlings",
)  # fmt: skip
_CODE_LANGS: tuple[str, ...] = (
    "Python", "Java", "C++", "Rust", "Go", "TypeScript", "C#", "Kotlin", "JavaScript", "Swift",
)  # fmt: skip


# ------------------------------------------------------------------------------ the scene


@dataclass
class _Cell:
    cell_id: str
    op: int
    accounts: Arr
    cot_share: float
    variant_cdf: Arr


@dataclass
class _Operator:
    name: str
    tz: float
    schedule: str
    cot_base: int
    rubric_base: int
    code_share: float
    source: str
    labeled: bool
    cells: list[int] = field(default_factory=list)
    labeled_accounts: list[int] = field(default_factory=list)


class _Scenario:
    def __init__(self, scale: float, seed: int) -> None:
        if not (scale > 0 and math.isfinite(scale)):
            raise ValueError("scale must be a positive number")
        self.scale = scale
        self.seed = seed
        ss = np.random.SeedSequence([seed % 2**63, round(scale * 1e6)])
        streams = ss.spawn(6)
        self.rng = np.random.default_rng(streams[0])  # planning
        self.req_seq = streams[1]  # requests: one child stream per chunk
        salts = np.random.default_rng(streams[2]).integers(0, 2**62, 4).tolist()
        self.acc_ids = _Ids("a", 10, salts[0])
        self.dev_ids = _Ids("d", 12, salts[1])
        self.pay_ids = _Ids("pm_", 14, salts[2])
        self.ips = _IpTable(np.random.default_rng(streams[3]))
        self.profiles = _Profiles()
        self.prompts = _Prompts()
        self.acc = _Acc()
        # devices: id + user-agent index
        self.uas: list[str] = []
        self.ua_index: dict[str, int] = {}
        self.dev_id: list[str] = []
        self.dev_ua: list[int] = []
        # payment methods and account attachments
        self.pay_id: list[str] = []
        self.pay_method: list[str] = []
        self.pay_bin: list[str | None] = []
        self.pay_country: list[str | None] = []
        self.att_acc: list[int] = []
        self.att_pay: list[int] = []
        self.att_ts: list[float] = []
        # model mixes: rows of probabilities over T.MODELS
        self.model_mix: list[list[float]] = [
            [0.18, 0.45, 0.32, 0.05],  # 0 ordinary
            [0.35, 0.30, 0.05, 0.30],  # 1 developer / power user
            [0.00, 0.10, 0.90, 0.00],  # 2 third-party app
            [0.20, 0.60, 0.15, 0.05],  # 3 enterprise
        ]
        self.operators: list[_Operator] = []
        self.cells: list[_Cell] = []
        self.groups: dict[str, list[list[int]]] = {}
        self.campaign_ip_pool: list[Arr] = []

        c = T.COUNTRIES
        self.cc = [x[0] for x in c]
        self.cc_tz = np.array([x[1] for x in c], dtype=float)
        w = np.array([x[2] for x in c], dtype=float)
        self.cc_cdf = np.cumsum(w) / w.sum()
        self._setup_blocks()
        self.country_prof = [self.profiles.add(self._diurnal(tz)) for tz in self.cc_tz]
        bins_rng = np.random.default_rng(20260422)  # BIN table is a fact of the world
        self.country_bins = [
            [
                f"{int(bins_rng.choice([4, 5]))}{int(bins_rng.integers(10000, 99999)):05d}"
                for _ in range(6)
            ]
            for _ in c
        ]
        self.email_seen: set[str] = set()

    # ---------------------------------------------------------------- infrastructure

    def _setup_blocks(self) -> None:
        ips = self.ips
        for i, (cc, _, _, isp, carrier) in enumerate(T.COUNTRIES):
            ips.block(f"res:{cc}", (10 << 24) + (i << 19), 1 << 19, 64512 + i, isp)
            ips.block(
                f"mob:{cc}", (100 << 24) + (64 << 16) + (i << 17), 1 << 17, 65000 + i, carrier
            )
        ips.block("hosting", (172 << 24) + (16 << 16), 1 << 16, 64500, "Example Hosting")
        ips.block("proxy:0", (172 << 24) + (20 << 16), 1 << 16, 64502, "Northstar Proxy Networks")
        ips.block("proxy:1", (172 << 24) + (21 << 16), 1 << 16, 64503, "Lattice Residential IP")
        vpns = (
            ((203 << 24) + (113 << 8), 64505, "Example VPN"),
            ((198 << 24) + (51 << 16) + (100 << 8), 64506, "Tunnelfox VPN"),
            ((192 << 24) + (2 << 8), 64507, "SafeHarbor VPN"),
        )
        for i, (base, asn, org) in enumerate(vpns):
            ips.block(f"vpn:{i}", base, 256, asn, org)
        for i, (name, _, _) in enumerate(T.UNIVERSITIES):
            ips.block(f"edu:{i}", (198 << 24) + (18 << 16) + (i << 8), 256, 64508 + i, name)
        for i, (name, _) in enumerate(T.COMPANIES):
            ips.block(f"corp:{i}", (198 << 24) + (19 << 16) + (i << 8), 256, 65100 + i, name)

    def _ua(self, ua: str) -> int:
        idx = self.ua_index.get(ua)
        if idx is None:
            idx = self.ua_index[ua] = len(self.uas)
            self.uas.append(ua)
        return idx

    def _devices(self, uas: Sequence[str]) -> Arr:
        first = len(self.dev_id)
        self.dev_id.extend(self.dev_ids.take(len(uas)))
        self.dev_ua.extend(self._ua(u) for u in uas)
        return np.arange(first, first + len(uas), dtype=np.int64)

    def _payment(self, method: str, bin_: str | None, country: str | None) -> int:
        self.pay_id.extend(self.pay_ids.take(1))
        self.pay_method.append(method)
        self.pay_bin.append(bin_)
        self.pay_country.append(country)
        return len(self.pay_id) - 1

    def _attach(self, acc: int, pay: int, ts: float) -> None:
        self.att_acc.append(acc)
        self.att_pay.append(pay)
        self.att_ts.append(min(ts, _SPAN - 1.0))

    def _diurnal(self, tz: float, curve: Arr = _DIURNAL, weekend: float = 0.8) -> Arr:
        hour, dow = _local_hours(tz)
        w = curve[hour] * np.where(dow >= 5, weekend, 1.0)
        out: Arr = w * (1.0 + 0.1 * np.arange(_H) / _H)
        return out

    # ----------------------------------------------------------------- identities

    def _countries(self, n: int) -> Arr:
        out: Arr = np.searchsorted(self.cc_cdf, self.rng.random(n), side="right")
        return np.minimum(out, len(self.cc) - 1)

    def _local_part(self, first: str, last: str) -> str:
        r = self.rng
        last = last.replace(" ", "")
        style = int(r.integers(0, 6))
        num = int(r.integers(1, 9999))
        if style == 0:
            return f"{first}.{last}"
        if style == 1:
            return f"{first}.{last}{num % 100}"
        if style == 2:
            return f"{first}{last}{num}"
        if style == 3:
            return f"{first[0]}{last}{num % 1000}"
        if style == 4:
            return f"{first}_{last}{1960 + num % 50}"
        return f"{last}.{first}{num % 10}"

    def _unique_email(self, local: str, domain: str) -> str:
        email = f"{local}@{domain}"
        k = 2
        while email in self.email_seen:
            email = f"{local}{k}@{domain}"
            k += 1
        self.email_seen.add(email)
        return email

    def _benign_emails(self, n: int, last_names: Sequence[str] | None = None) -> list[str]:
        r = self.rng
        fm = T.FREEMAIL_DOMAINS
        fw = np.array([w for _, w in fm], dtype=float)
        dom_idx = r.choice(len(fm), n, p=fw / fw.sum()).tolist()
        kind = r.random(n).tolist()
        firsts = r.integers(0, len(T.FIRST_NAMES), n).tolist()
        lasts = r.integers(0, len(T.LAST_NAMES), n).tolist()
        out = []
        for i in range(n):
            first = T.FIRST_NAMES[firsts[i]]
            last = last_names[i] if last_names is not None else T.LAST_NAMES[lasts[i]]
            local = self._local_part(first, last)
            if kind[i] < 0.015:
                domain = T.DISPOSABLE_DOMAINS[int(r.integers(0, len(T.DISPOSABLE_DOMAINS)))]
            elif kind[i] < 0.07:
                word = T.CUSTOM_DOMAIN_WORDS[int(r.integers(0, len(T.CUSTOM_DOMAIN_WORDS)))]
                domain = f"{last.replace(' ', '')}{word}.example"
                local = first
            else:
                domain = fm[dom_idx[i]][0]
            out.append(self._unique_email(local, domain))
        return out

    def _orgs(self, n: int, share: float, pool: Sequence[str]) -> list[str | None]:
        r = self.rng
        pick = r.integers(0, len(pool), n).tolist()
        has = (r.random(n) < share).tolist()
        return [pool[p] if h else None for p, h in zip(pick, has, strict=True)]

    def _benign_created(self, n: int, prof: Arr, pre_share: float) -> Arr:
        """Creation times: some before the window, the rest following the diurnal profile."""
        r = self.rng
        pre = r.random(n) < pre_share
        h = self.profiles.sample(prof, np.zeros(n, np.int64), np.full(n, _H), r.random(n))
        inside = h * 3600.0 + r.random(n) * 3600.0
        before = _PRE_WINDOW + r.random(n) * (-_PRE_WINDOW)
        out: Arr = np.where(pre, before, inside)
        return out

    def _activity(self, created: Arr, mean_days: float, min_days: float = 3.0) -> tuple[Arr, Arr]:
        """Active hour range [lo, hi) inside the window: from creation, for a churn lifetime."""
        r = self.rng
        n = len(created)
        lo = np.clip(np.floor(created / 3600.0).astype(np.int64), 0, _H - 1)
        life = (r.exponential(mean_days, n) + min_days) * 24
        hi = np.minimum(_H, lo + np.ceil(life).astype(np.int64))
        return lo, np.maximum(hi, lo + 1)

    def _fix_ranges(self, prof: Arr, lo: Arr, hi: Arr) -> tuple[Arr, Arr]:
        """Extend ranges that have no weight in their profile (e.g. a weekend for office use)."""
        bad = self.profiles.mass(prof, lo, hi) <= 1e-12
        hi = np.where(bad, _H, hi)
        bad = self.profiles.mass(prof, lo, hi) <= 1e-12
        lo = np.where(bad, 0, lo)
        return lo, hi

    # ------------------------------------------------------------------ campaigns

    def plan_campaigns(self) -> None:
        r = self.rng
        a_target = max(30, round(CAMPAIGN_ACCOUNTS_AT_1 * self.scale * r.uniform(0.95, 1.05)))
        n_ops = int(r.integers(3, 6))
        n_ops = max(3, min(n_ops, a_target // (2 * _MIN_CELL)))
        props = np.sort(r.dirichlet(np.full(n_ops, 1.3)))[::-1]
        op_sizes = _alloc(a_target, props, 2 * _MIN_CELL)
        names = [T.OPERATOR_NAMES[i] for i in r.permutation(len(T.OPERATOR_NAMES))[:n_ops]]
        cot_bases = r.permutation(len(T.COT_TEMPLATES))
        rub_bases = r.permutation(len(T.RUBRIC_TEMPLATES))
        unlabeled = int(r.integers(1, n_ops)) if n_ops >= 4 else -1
        case_nums = r.choice(np.arange(10, 99), n_ops, replace=False)
        target_cell = float(np.clip(200 * math.sqrt(self.scale), _MIN_CELL, 400))
        weights: list[Arr] = []
        for oi in range(n_ops):
            tz = float(r.choice([8, 8, 7, 3, 2, 1, 5.5, -3, -5]))
            sched = str(r.choice(["24/7", "shift", "two-shift"], p=[0.4, 0.35, 0.25]))
            cot_base = int(cot_bases[oi % len(cot_bases)])
            op = _Operator(
                name=names[oi],
                tz=tz,
                schedule=sched,
                cot_base=cot_base,
                rubric_base=int(rub_bases[oi % len(rub_bases)]),
                code_share=0.85 if cot_base == 3 else float(r.uniform(0.0, 0.3)),
                source=f"case-2026-{int(case_nums[oi]):03d}",
                labeled=oi != unlabeled,
            )
            self.operators.append(op)
            mix = [float(r.uniform(0.6, 0.85))]
            rest = 1 - mix[0]
            mix += [rest * 0.7, 0.0, rest * 0.3]
            self.model_mix.append(mix)
            mprof = len(self.model_mix) - 1
            size = int(op_sizes[oi])
            n_cells = max(2, round(size / (target_cell * r.uniform(0.6, 1.6))))
            n_cells = min(n_cells, size // _MIN_CELL)
            cell_sizes = _alloc(size, r.dirichlet(np.full(n_cells, 4.0)), _MIN_CELL)
            level = self._op_level(sched)
            style = _OpStyle(self, op)
            vol = r.uniform(0.75, 1.3)
            for ci, cs in enumerate(cell_sizes.tolist()):
                w = self._plan_cell(oi, ci, int(cs), level, style, mprof)
                weights.append(w * vol)
        self._campaign_volumes(weights)
        self._labels()

    def _op_level(self, schedule: str) -> Arr:
        r = self.rng
        if schedule == "24/7":
            return r.uniform(0.85, 1.15, 24)
        level = np.full(24, 0.03)
        if schedule == "shift":
            start, length = int(r.integers(6, 11)), int(r.integers(10, 19))
            level[(start + np.arange(length)) % 24] = 1.0
        else:
            start = int(r.integers(6, 10))
            level[(start + np.arange(8)) % 24] = 1.0
            level[(start + 10 + np.arange(8)) % 24] = 0.8
        return level

    def _plan_cell(
        self, oi: int, ci: int, size: int, level: Arr, style: _OpStyle, mprof: int
    ) -> Arr:
        r = self.rng
        op = self.operators[oi]
        # timing: the operator's daily pattern x lockstep hourly multipliers x outages/pauses
        start_day = int(r.integers(0, 22))
        hour, _ = _local_hours(op.tz)
        w = level[hour] * r.lognormal(0.0, 0.6, _H)
        w[r.random(_H) < 0.04] = 0.0
        day = np.arange(_H) // 24
        w[day < start_day] = 0.0
        pauses = r.integers(start_day + 1, _DAYS, int(r.integers(0, 3)))
        w[np.isin(day, pauses)] = 0.0
        prof = self.profiles.add(w)
        # creation waves
        n_waves = int(min(size, np.clip(1 + r.poisson(size / 150), 1, 6)))
        wave_days = np.sort(
            np.concatenate([[start_day], r.integers(start_day, 40, n_waves - 1)])
        ).astype(np.int64)
        active_hours = np.flatnonzero(level >= 0.5)
        wave_sizes = _alloc(size, r.dirichlet(np.full(n_waves, 2.0)), 1)
        created_parts = []
        for d, k in zip(wave_days.tolist(), wave_sizes.tolist(), strict=True):
            local_h = int(r.choice(active_hours))
            start = d * 86400 + (local_h - op.tz) * 3600 + r.uniform(0, 3600)
            start = max(start, 600.0)
            dur = r.uniform(0.5, 6.0) * 3600
            created_parts.append(np.sort(start + r.random(k) * dur))
        created = np.concatenate(created_parts)
        created = np.minimum(created, _SPAN - 48 * 3600)
        lo = np.floor(created / 3600).astype(np.int64) + 1 + r.integers(0, 3, size)
        life = r.uniform(5, 28, size) * 24
        hi = np.minimum(_H, lo + life.astype(np.int64))
        lo = np.minimum(lo, _H - 1)
        hi = np.maximum(hi, lo + 1)
        prof_arr = np.full(size, prof, dtype=np.int64)
        lo, hi = self._fix_ranges(prof_arr, lo, hi)
        mass = self.profiles.mass(prof_arr, lo, hi) * w.sum()
        # infrastructure of this cell only
        ip_pool = self._proxy_pool(max(3, round(size * r.uniform(1.3, 3.0))), style)
        self.campaign_ip_pool.append(ip_pool)
        pools = []
        for _ in range(size):
            k = min(len(ip_pool), int(r.integers(3, 11)))
            pools.append(ip_pool[r.choice(len(ip_pool), k, replace=False)])
        devs = []
        shared = self._devices(style.uas(2)) if r.random() < 0.25 else None
        for _ in range(size):
            nd = 1 + min(3, int(r.poisson(0.8)))
            d = self._devices(style.uas(nd))
            if shared is not None and r.random() < 0.2:
                d[0] = shared[int(r.integers(0, 2))]
            devs.append(d)
        countries, emails, orgs = style.identities(size)
        first = len(self.acc)
        idx = self.acc.add(
            ids=self.acc_ids.take(size),
            email=emails,
            country=countries,
            org=orgs,
            created=created,
            prof=prof_arr,
            lo=lo,
            hi=hi,
            nreq=[0] * size,
            sess_len=[0.0] * size,
            sess_dur=[0.0] * size,
            ip_pool=pools,
            ip_mode=[1] * size,
            ip_prim=[0.0] * size,
            dev_pool=devs,
            dev_mode=[1] * size,
            dev_prim=[0.0] * size,
            pkind=[_CAMPAIGN] * size,
            pshare=[1.0] * size,
            cell=[len(self.cells)] * size,
            mprof=[mprof] * size,
            tprof=[0] * size,
        )
        # virtual cards shared within the cell
        n_cards = max(1, round(size / r.uniform(5, 30)))
        cards = []
        for _ in range(n_cards):
            if r.random() < 0.08:
                cards.append(self._payment("crypto", None, None))
            else:
                b, cc = style.bin()
                cards.append(self._payment("card", b, cc))
        card_of = r.permutation(size) % n_cards
        for j in range(size):
            a = first + j
            self._attach(a, cards[card_of[j]], float(created[j]) + r.uniform(60, 1800))
            if n_cards > 1 and r.random() < 0.15:
                other = (card_of[j] + 1 + int(r.integers(0, n_cards - 1))) % n_cards
                self._attach(a, cards[other], float(created[j]) + r.uniform(3, 15) * 86400)
        vcdf = np.cumsum(r.dirichlet([1.5, 1.5, 1.5]))
        vcdf[-1] = 1.0
        share = float(np.clip(r.normal(0.6, 0.12), 0.3, 0.85))
        cell_id = f"{op.name.split()[0].lower()}-c{ci + 1:02d}"
        self.cells.append(_Cell(cell_id, oi, idx, share, vcdf))
        op.cells.append(len(self.cells) - 1)
        out: Arr = mass * r.lognormal(0.0, 0.3, size)
        return out

    def _proxy_pool(self, n: int, style: _OpStyle) -> Arr:
        r = self.rng
        kinds = r.random(n)
        exits = style.exit_countries(n)
        out = np.empty(n, dtype=np.int64)
        for i in range(n):
            cc = self.cc[exits[i]]
            if kinds[i] < 0.65:
                out[i] = self.ips.alloc(f"res:{cc}", 1, "residential")[0]
            elif kinds[i] < 0.82:
                out[i] = self.ips.alloc(f"res:{cc}", 1, "proxy")[0]
            else:
                out[i] = self.ips.alloc(f"proxy:{int(r.integers(0, 2))}", 1, "proxy")[0]
        return out

    def _campaign_volumes(self, weights: list[Arr]) -> None:
        r = self.rng
        w = np.concatenate(weights)
        total = round(len(w) * _REQ_PER_CAMPAIGN_ACCOUNT * r.uniform(0.95, 1.05))
        minimum = 30
        n = _alloc(total, w, minimum) if total > minimum * len(w) else np.full(len(w), minimum)
        cells = np.concatenate([c.accounts for c in self.cells])
        for a, k in zip(cells.tolist(), n.tolist(), strict=True):
            self.acc.nreq[a] = int(k)

    def _labels(self) -> None:
        r = self.rng
        for op in self.operators:
            if not op.labeled:
                continue
            nc = len(op.cells)
            k = int(np.clip(round(nc * r.uniform(0.25, 0.5)), 1, nc - 1))
            for ci in sorted(r.choice(op.cells, k, replace=False).tolist()):
                accs = self.cells[ci].accounts
                m = min(len(accs), int(r.integers(1, 3)))
                op.labeled_accounts.extend(r.choice(accs, m, replace=False).tolist())

    # --------------------------------------------------------------------- benign

    def plan_benign(self) -> None:
        r = self.rng
        n_campaign = len(self.acc)
        b_total = math.ceil(n_campaign * r.uniform(10.5, 12.0))
        self.groups = {
            k: []
            for k in (
                "enterprise",
                "university",
                "family",
                "app_users",
                "cgnat",
                "vpn",
                "power_users",
            )
        }
        self._plan_cgnat(b_total)
        self._plan_vpn(b_total)
        self._plan_university(b_total)
        self._plan_enterprise()
        self._plan_app(b_total)
        self._plan_power(b_total)
        self._plan_families(b_total)
        rest = b_total - (len(self.acc) - n_campaign)
        self.ordinary = self._plan_people(max(rest, b_total // 3))
        self._share_proxies_with_benign()

    def _home_ips(self, countries: Arr) -> Arr:
        out = np.empty(len(countries), dtype=np.int64)
        for ci in np.unique(countries).tolist():
            sel = np.flatnonzero(countries == ci)
            out[sel] = self.ips.alloc(f"res:{self.cc[ci]}", len(sel), "residential")
        return out

    def _mobile_ips(self, countries: Arr) -> Arr:
        """Mobile IPs from each country's carrier pool, each shared by a couple of users."""
        r = self.rng
        out = np.empty(len(countries), dtype=np.int64)
        for ci in np.unique(countries).tolist():
            sel = np.flatnonzero(countries == ci)
            pool = self.ips.alloc(f"mob:{self.cc[ci]}", max(1, len(sel) * 10 // 17), "mobile")
            out[sel] = pool[r.integers(0, len(pool), len(sel))]
        return out

    def _person_devices(self, n: int, mobile_first: float, sdk: float) -> list[Arr]:
        r = self.rng
        out = []
        for _ in range(n):
            k = 1 + int(r.random() < 0.5) + int(r.random() < 0.15)
            uas = []
            for j in range(k):
                mobile = r.random() < (mobile_first if j == 0 else 0.6)
                pool = T.MOBILE_UAS if mobile else T.DESKTOP_UAS
                uas.append(pool[int(r.integers(0, len(pool)))])
            if r.random() < sdk:
                uas.append(T.SDK_UAS[int(r.integers(0, len(T.SDK_UAS)))])
            out.append(self._devices(uas))
        return out

    def _benign_nreq(self, lo: Arr, hi: Arr, mu: float, sigma: float, cap: int = 4000) -> Arr:
        r = self.rng
        n = np.ceil(r.lognormal(mu, sigma, len(lo)))
        frac = (hi - lo) / _H
        n = np.round(n * (0.3 + 0.7 * frac))
        out: Arr = np.clip(n, 1, cap).astype(np.int64)
        return out

    def _own_cards(
        self, accs: Arr, countries: Arr, created: Arr, share: float, wallet: float = 0.15
    ) -> None:
        r = self.rng
        for a, ci, c in zip(accs.tolist(), countries.tolist(), created.tolist(), strict=True):
            if r.random() >= share:
                continue
            u = r.random()
            cc = self.cc[ci]
            if u < 0.02:
                b, bcc = T.PREPAID_BINS[int(r.integers(0, len(T.PREPAID_BINS)))]
                pay = self._payment("card", b, bcc)
            elif u < 1 - wallet - 0.04:
                pay = self._payment("card", self.country_bins[ci][int(r.integers(0, 6))], cc)
            elif u < 1 - 0.04:
                pay = self._payment("wallet", None, cc)
            else:
                pay = self._payment("other", None, cc)
            self._attach(a, pay, max(c, _PRE_WINDOW) + r.uniform(0, 10) * 86400)

    def _plan_people(
        self,
        n: int,
        *,
        countries: Arr | None = None,
        pools: list[Arr] | None = None,
        ip_prim: float = 0.7,
        devices: list[Arr] | None = None,
        last_names: Sequence[str] | None = None,
        nreq_mu: float = 2.0,
        nreq_sigma: float = 1.35,
        nreq_cap: int = 4000,
        pkind: int = _FREE,
        pshare: float = 0.0,
        mprof: int = 0,
        tprof: int = 0,
        pay_share: float = 0.55,
        sess: tuple[float, float] = (3.0, 900.0),
        life_days: float = 30.0,
    ) -> Arr:
        """Ordinary people (and the base of most benign groups)."""
        r = self.rng
        if countries is None:
            countries = self._countries(n)
        prof = np.array(self.country_prof)[countries]
        created = self._benign_created(n, prof, pre_share=0.65)
        lo, hi = self._activity(created, mean_days=life_days)
        nreq = self._benign_nreq(lo, hi, nreq_mu, nreq_sigma, nreq_cap)
        if pools is None:
            home = self._home_ips(countries)
            pools = [np.array([h]) for h in home.tolist()]
            mob = r.random(n) < 0.3
            if mob.any():
                mips = self._mobile_ips(countries[mob])
                for j, ip in zip(np.flatnonzero(mob).tolist(), mips.tolist(), strict=True):
                    pools[j] = np.append(pools[j], ip)
            second = r.random(n) < 0.2
            if second.any():
                extra = self._home_ips(countries[second])
                for j, ip in zip(np.flatnonzero(second).tolist(), extra.tolist(), strict=True):
                    pools[j] = np.append(pools[j], ip)
        if devices is None:
            devices = self._person_devices(n, mobile_first=0.3, sdk=0.08)
        idx = self.acc.add(
            ids=self.acc_ids.take(n),
            email=self._benign_emails(n, last_names),
            country=[self.cc[c] for c in countries.tolist()],
            org=self._orgs(n, 0.08, T.ORG_CLAIMS),
            created=created,
            prof=prof,
            lo=lo,
            hi=hi,
            nreq=nreq,
            sess_len=np.maximum(1.0, r.gamma(2.0, sess[0] / 2.0, n)),
            sess_dur=r.uniform(0.3, 1.7, n) * sess[1],
            ip_pool=pools,
            ip_mode=[0] * n,
            ip_prim=[ip_prim] * n,
            dev_pool=devices,
            dev_mode=[0] * n,
            dev_prim=[0.75] * n,
            pkind=[pkind] * n,
            pshare=[pshare] * n,
            cell=[-1] * n,
            mprof=[mprof] * n,
            tprof=[tprof] * n,
        )
        if pay_share > 0:
            self._own_cards(idx, countries, created, pay_share)
        return idx

    def _plan_cgnat(self, b_total: int) -> None:
        r = self.rng
        k = int(r.integers(2, 4))
        carriers = r.choice(["US", "IN", "ID", "BR", "NG", "PH", "MX"], k, replace=False)
        total = b_total * r.uniform(0.03, 0.05)
        for cc in carriers.tolist():
            users = max(20, round(total / k * r.uniform(0.7, 1.3)))
            n_ips = min(int(r.integers(3, 7)), max(2, users // 8))
            nat = self.ips.alloc(f"mob:{cc}", n_ips, "mobile")
            ci = self.cc.index(cc)
            countries = np.full(users, ci, dtype=np.int64)
            home = self._home_ips(countries)
            pools = []
            for h in home.tolist():
                mine = r.choice(nat, 1 + int(r.random() < 0.5), replace=False)
                pools.append(np.concatenate([mine[:1], mine[1:], [h]]))
            devs = self._person_devices(users, mobile_first=0.9, sdk=0.02)
            idx = self._plan_people(
                users, countries=countries, pools=pools, ip_prim=0.8, devices=devs
            )
            self.groups["cgnat"].append(idx.tolist())

    def _plan_vpn(self, b_total: int) -> None:
        r = self.rng
        k = int(r.integers(1, 3))
        total = b_total * r.uniform(0.01, 0.02)
        for pi in r.choice(3, k, replace=False).tolist():
            users = max(15, round(total / k))
            exits = self.ips.alloc(
                f"vpn:{pi}", min(int(r.integers(3, 7)), max(2, users // 6)), "vpn"
            )
            countries = self._countries(users)
            home = self._home_ips(countries)
            pools = []
            for h in home.tolist():
                mine = r.choice(exits, 1 + int(r.random() < 0.4), replace=False)
                pools.append(np.concatenate([mine[:1], [h], mine[1:]]))
            idx = self._plan_people(users, countries=countries, pools=pools, ip_prim=0.7)
            self.groups["vpn"].append(idx.tolist())

    def _plan_university(self, b_total: int) -> None:
        r = self.rng
        ui = int(r.integers(0, len(T.UNIVERSITIES)))
        name, domain, ucc = T.UNIVERSITIES[ui]
        n = max(20, round(b_total * r.uniform(0.002, 0.003)))
        ci = self.cc.index(ucc)
        tz = float(self.cc_tz[ci])
        w = self._diurnal(tz, _STUDENT, weekend=0.7)
        day = np.arange(_H) // 24
        term_day = int(r.integers(3, 9))
        for d in r.integers(term_day + 7, _DAYS, 3).tolist():
            w[day == d] *= 2.5
        w[day >= _DAYS - 7] *= 1.4
        prof_id = self.profiles.add(w)
        prof = np.full(n, prof_id, dtype=np.int64)
        # term-start burst: 75% register within ~36 hours
        u = r.random(n)
        burst = term_day * 86400 + (8 - tz) * 3600 + r.random(n) * 36 * 3600
        other = self._benign_created(n, prof, pre_share=0.6)
        created = np.where(u < 0.75, burst, other)
        lo, hi = self._activity(created, mean_days=60.0, min_days=10.0)
        nreq = self._benign_nreq(lo, hi, 2.4, 1.0, 1500)
        nat = self.ips.alloc(f"edu:{ui}", int(np.clip(n // 100 + 2, 2, 4)), "education")
        intl = r.random(n) < 0.2
        countries = np.where(intl, self._countries(n), ci)
        home = self._home_ips(countries)
        pools = [
            np.concatenate([r.choice(nat, 2 if len(nat) > 1 else 1, replace=False), [h]])
            for h in home.tolist()
        ]
        labs = self._devices([T.DESKTOP_UAS[2]] * max(2, n // 25))
        devs = self._person_devices(n, mobile_first=0.2, sdk=0.05)
        devs = [np.append(d, r.choice(labs)) if r.random() < 0.5 else d for d in devs]
        emails = []
        for _ in range(n):
            first = T.FIRST_NAMES[int(r.integers(0, len(T.FIRST_NAMES)))]
            last = T.LAST_NAMES[int(r.integers(0, len(T.LAST_NAMES)))].replace(" ", "")
            local = (
                f"{first[0]}{last}{int(r.integers(1, 99)):02d}"
                if r.random() < 0.6
                else f"{first}.{last}"
            )
            emails.append(self._unique_email(local, domain))
        idx = self.acc.add(
            ids=self.acc_ids.take(n),
            email=emails,
            country=[self.cc[c] for c in countries.tolist()],
            org=[name if x else None for x in (r.random(n) < 0.6).tolist()],
            created=created,
            prof=prof,
            lo=lo,
            hi=hi,
            nreq=nreq,
            sess_len=np.maximum(1.0, r.gamma(2.0, 2.0, n)),
            sess_dur=r.uniform(600, 2400, n),
            ip_pool=pools,
            ip_mode=[0] * n,
            ip_prim=[0.65] * n,
            dev_pool=devs,
            dev_mode=[0] * n,
            dev_prim=[0.7] * n,
            pkind=[_FREE] * n,
            pshare=[0.0] * n,
            cell=[-1] * n,
            mprof=[0] * n,
            tprof=[0] * n,
        )
        self._own_cards(idx, countries, created, 0.4)
        self.groups["university"].append(idx.tolist())
        self.university = {
            "name": name,
            "domain": domain,
            "country": ucc,
            "term_start": _ts_strings(np.array([term_day * 86400.0]))[0][:10],
        }

    def _plan_enterprise(self) -> None:
        r = self.rng
        n_t = max(2, round(8 * math.sqrt(self.scale) * r.uniform(0.8, 1.2)))
        n_t = min(n_t, len(T.COMPANIES))
        size_factor = min(1.0, math.sqrt(self.scale / 0.1))
        tool_tenant = int(r.integers(0, n_t))
        self.tenants: list[dict[str, Any]] = []
        for ti, comp_i in enumerate(r.choice(len(T.COMPANIES), n_t, replace=False).tolist()):
            name, domain = T.COMPANIES[comp_i]
            n = max(6, round(r.uniform(20, 200) * size_factor))
            ci = int(self._countries(1)[0])
            tz = float(self.cc_tz[ci])
            # office hours, plus tenant-wide rhythm: meetings, release days, an internal hackathon
            w = self._diurnal(tz, _WORK, weekend=0.0) * r.lognormal(0.0, 0.5, _H)
            day = np.arange(_H) // 24
            w[np.isin(day, r.integers(0, _DAYS, 3))] *= 3.0
            prof_id = self.profiles.add(w)
            prof = np.full(n, prof_id, dtype=np.int64)
            onboard_day = int(r.integers(1, 30))
            while (_DOW0 + onboard_day) % 7 >= 5:
                onboard_day += 1
            t_on = onboard_day * 86400 + (10 - tz) * 3600
            late = r.random(n) < 0.15
            created = np.where(
                late, t_on + r.random(n) * (_SPAN - 86400 * 2 - t_on), t_on + r.random(n) * 7200
            )
            lo = np.floor(created / 3600).astype(np.int64)
            hi = np.full(n, _H, dtype=np.int64)
            lo, hi = self._fix_ranges(prof, lo, hi)
            nreq = self._benign_nreq(lo, hi, 3.6, 0.8, 3000)
            egress = self.ips.alloc(f"corp:{comp_i}", 1, "corporate")[0]
            countries = np.where(r.random(n) < 0.9, ci, self._countries(n))
            home = self._home_ips(countries)
            pools = [np.array([egress, h]) for h in home.tolist()]
            laptop_ua = T.DESKTOP_UAS[int(r.integers(0, len(T.DESKTOP_UAS)))]
            tool = ti == tool_tenant
            tool_dev = self._devices(["python-httpx/0.28.1"])[0] if tool else -1
            devs = []
            for _ in range(n):
                d = self._devices([laptop_ua])
                devs.append(np.append(d, tool_dev) if tool else d)
            emails = []
            for _ in range(n):
                first = T.FIRST_NAMES[int(r.integers(0, len(T.FIRST_NAMES)))]
                last = T.LAST_NAMES[int(r.integers(0, len(T.LAST_NAMES)))].replace(" ", "")
                emails.append(self._unique_email(f"{first}.{last}", domain))
            idx = self.acc.add(
                ids=self.acc_ids.take(n),
                email=emails,
                country=[self.cc[c] for c in countries.tolist()],
                org=[name if x else None for x in (r.random(n) < 0.95).tolist()],
                created=created,
                prof=prof,
                lo=lo,
                hi=hi,
                nreq=nreq,
                sess_len=np.maximum(1.0, r.gamma(2.0, 2.5, n)),
                sess_dur=r.uniform(600, 3000, n),
                ip_pool=pools,
                ip_mode=[0] * n,
                ip_prim=[0.92] * n,
                dev_pool=devs,
                dev_mode=[2 if tool else 0] * n,
                dev_prim=[1.0] * n,
                pkind=[_INTERNAL if tool else _FREE] * n,
                pshare=[0.6 if tool else 0.0] * n,
                cell=[-1] * n,
                mprof=[3] * n,
                tprof=[0] * n,
            )
            invoice = self._payment("invoice", None, self.cc[ci])
            for a, c in zip(idx.tolist(), created.tolist(), strict=True):
                self._attach(a, invoice, c + r.uniform(30, 600))
            self.groups["enterprise"].append(idx.tolist())
            self.tenants.append(
                {"org": name, "domain": domain, "accounts": n, "internal_tool": tool}
            )

    def _plan_app(self, b_total: int) -> None:
        r = self.rng
        n = max(25, round(b_total * r.uniform(0.025, 0.04)))
        countries = self._countries(n)
        devs = [
            self._devices(
                [
                    T.APP_UAS[int(r.integers(0, len(T.APP_UAS)))]
                    for _ in range(1 + int(r.random() < 0.3))
                ]
            )
            for _ in range(n)
        ]
        home = self._home_ips(countries)
        pools = [np.array([h]) for h in home.tolist()]
        mob = np.flatnonzero(r.random(n) < 0.5)
        if len(mob):
            for j, ip in zip(mob.tolist(), self._mobile_ips(countries[mob]).tolist(), strict=True):
                pools[j] = np.append(pools[j], ip)
        idx = self._plan_people(
            n, countries=countries, pools=pools, ip_prim=0.6, devices=devs, nreq_mu=2.2,
            nreq_sigma=1.0, pkind=_APP, pshare=0.92, mprof=2, pay_share=0.35,
        )  # fmt: skip
        self.groups["app_users"].append(idx.tolist())

    def _plan_power(self, b_total: int) -> None:
        r = self.rng
        n = max(3, round(b_total * r.uniform(0.003, 0.005)))
        countries = self._countries(n)
        home = self._home_ips(countries)
        hosting = self.ips.alloc("hosting", n, "hosting")
        pools = [
            np.array([h, v]) if r.random() < 0.5 else np.array([h])
            for h, v in zip(home.tolist(), hosting.tolist(), strict=True)
        ]
        devs = self._person_devices(n, mobile_first=0.0, sdk=1.0)
        idx = self._plan_people(
            n, countries=countries, pools=pools, ip_prim=0.6, devices=devs, nreq_mu=6.8,
            nreq_sigma=0.8, nreq_cap=12000, mprof=1, tprof=1, pay_share=1.0, sess=(25.0, 5400.0),
            life_days=120.0,
        )  # fmt: skip
        self.groups["power_users"].append(idx.tolist())

    def _plan_families(self, b_total: int) -> None:
        r = self.rng
        n_fam = max(4, round(b_total * r.uniform(0.02, 0.04) / 3.0))
        sizes = r.choice([2, 3, 4, 5], n_fam, p=[0.45, 0.3, 0.15, 0.1])
        for k in sizes.tolist():
            ci = int(self._countries(1)[0])
            countries = np.full(k, ci, dtype=np.int64)
            house = int(self._home_ips(countries[:1])[0])
            last = T.LAST_NAMES[int(r.integers(0, len(T.LAST_NAMES)))]
            lasts = [
                last if r.random() < 0.8 else T.LAST_NAMES[int(r.integers(0, len(T.LAST_NAMES)))]
                for _ in range(k)
            ]
            pools = [np.array([house]) for _ in range(k)]
            mob = self._mobile_ips(countries)
            pools = [
                np.append(p, m) if r.random() < 0.5 else p
                for p, m in zip(pools, mob.tolist(), strict=True)
            ]
            idx = self._plan_people(
                k, countries=countries, pools=pools, last_names=lasts, pay_share=0.0
            )
            card = self._payment("card", self.country_bins[ci][int(r.integers(0, 6))], self.cc[ci])
            for a in idx.tolist():
                c = self.acc.created[a]
                self._attach(a, card, max(c, _PRE_WINDOW) + r.uniform(0, 20) * 86400)
            self.groups["family"].append(idx.tolist())

    def _share_proxies_with_benign(self) -> None:
        """A few campaign proxy exits are also used by a few ordinary users."""
        r = self.rng
        cand = self.ordinary[np.array(self.acc.nreq)[self.ordinary] >= 4]
        if not len(cand):
            return
        for pool in self.campaign_ip_pool:
            for ip in pool[r.random(len(pool)) < 0.05].tolist():
                for a in r.choice(cand, int(r.integers(1, 4))).tolist():
                    p = self.acc.ip_pool[a]
                    if len(p) < self.acc.nreq[a]:
                        self.acc.ip_pool[a] = np.append(p, ip)

    # -------------------------------------------------------------------- freeze

    def freeze(self) -> None:
        a = self.acc
        n = len(a)
        self.n_accounts = n
        self.id_arr = _obj(a.ids)
        self.created = np.array(a.created)
        self.prof = np.array(a.prof, dtype=np.int64)
        self.lo = np.array(a.lo, dtype=np.int64)
        self.hi = np.array(a.hi, dtype=np.int64)
        self.nreq = np.array(a.nreq, dtype=np.int64)
        sl = np.array(a.sess_len)
        self.nsess = np.where(
            sl <= 0, self.nreq, np.maximum(1, np.round(self.nreq / np.maximum(sl, 1.0)))
        ).astype(np.int64)
        self.sess_dur = np.array(a.sess_dur)
        pools = [p[: max(1, k)] for p, k in zip(a.ip_pool, a.nreq, strict=True)]
        self.ip_len = np.array([len(p) for p in pools], dtype=np.int64)
        self.ip_ptr = np.cumsum(self.ip_len) - self.ip_len
        self.ip_flat = np.concatenate(pools).astype(np.int64)
        self.ip_mode = np.array(a.ip_mode, dtype=np.int64)
        self.ip_prim = np.array(a.ip_prim)
        self.dev_len = np.array([len(p) for p in a.dev_pool], dtype=np.int64)
        self.dev_ptr = np.cumsum(self.dev_len) - self.dev_len
        self.dev_flat = np.concatenate(a.dev_pool).astype(np.int64)
        self.dev_mode = np.array(a.dev_mode, dtype=np.int64)
        self.dev_prim = np.array(a.dev_prim)
        self.pkind = np.array(a.pkind, dtype=np.int64)
        self.pshare = np.array(a.pshare)
        self.cell = np.array(a.cell, dtype=np.int64)
        self.mprof = np.array(a.mprof, dtype=np.int64)
        self.tprof = np.array(a.tprof, dtype=np.int64)
        mix = np.array(self.model_mix)
        self.model_cdf = np.cumsum(mix / mix.sum(axis=1, keepdims=True), axis=1)
        self.model_cdf[:, -1] = 1.0
        # cells and operators as lookup tables
        nc = len(self.cells)
        self.cell_op = np.array([c.op for c in self.cells], dtype=np.int64)
        self.cell_share = np.array([c.cot_share for c in self.cells])
        self.cell_vcdf = np.array([c.variant_cdf for c in self.cells]).reshape(nc, 3)
        self.op_cot = np.array([o.cot_base for o in self.operators], dtype=np.int64)
        self.op_rub = np.array([o.rubric_base for o in self.operators], dtype=np.int64)
        self.op_code = np.array([o.code_share for o in self.operators])
        self.op_out = np.array([self.rng.uniform(0.85, 1.2) for _ in self.operators])
        self.ip_used = np.zeros(len(self.ips.ip), dtype=bool)
        self.ip_used[self.ip_flat] = True
        self.dev_id_arr = _obj(self.dev_id)
        self.dev_ua_arr = np.array(self.dev_ua, dtype=np.int64)
        self.ua_arr = _obj([_esc(u) for u in self.uas])
        self.ip_arr = _obj(self.ips.ip)
        self.model_arr = _obj(list(T.MODELS))

    # ------------------------------------------------------------------ requests

    def request_lines(self, ax: Arr, rng: np.random.Generator) -> tuple[list[str], Arr]:
        """Request lines of the accounts `ax` (time-sorted within the chunk), and the
        distinct-prompt codes of the free-form prompts among them."""
        codes: Arr = np.zeros(0, dtype=np.int64)
        n = self.nreq[ax]
        tot = int(n.sum())
        acc = np.repeat(ax, n)
        first = np.cumsum(n) - n
        ordinal = np.arange(tot) - np.repeat(first, n)
        # sessions -> times
        ns = self.nsess[ax]
        s_acc = np.repeat(ax, ns)
        s_first = np.cumsum(ns) - ns
        s_hour = self.profiles.sample(
            self.prof[s_acc], self.lo[s_acc], self.hi[s_acc], rng.random(len(s_acc))
        )
        s_start = s_hour * 3600.0 + rng.random(len(s_acc)) * 3600.0
        ns_r = np.repeat(ns, n)
        direct = ns_r == np.repeat(n, n)
        sl = np.where(direct, ordinal, (rng.random(tot) * ns_r).astype(np.int64))
        t = s_start[np.repeat(s_first, n) + sl] + rng.random(tot) * self.sess_dur[acc]
        t = np.where(t >= _SPAN, 2.0 * _SPAN - 1.0 - t, t)  # reflect, don't pile up at the end
        t = np.clip(t, self.created[acc] + 20.0, _SPAN - 1.0)
        # IPs: every pool entry used once, then primary-weighted or uniform
        pl = self.ip_len[acc]
        r1, r2 = rng.random(tot), rng.random(tot)
        prim = np.where(r1 < self.ip_prim[acc], 0, 1 + (r2 * (pl - 1)).astype(np.int64))
        pos = np.where(self.ip_mode[acc] == 1, (r2 * pl).astype(np.int64), prim)
        pos = np.where(pl == 1, 0, pos)
        pos = np.where(ordinal < pl, ordinal, pos)
        ip = self.ip_flat[self.ip_ptr[acc] + pos]
        # prompt kinds
        kind = self.pkind[acc]
        special = rng.random(tot) < self.pshare[acc]
        kind = np.where((kind == _APP) | (kind == _INTERNAL), np.where(special, kind, _FREE), kind)
        # devices
        dl = self.dev_len[acc]
        mode = self.dev_mode[acc]
        r3 = rng.random(tot)
        dprim = np.where(
            r3 < self.dev_prim[acc], 0, 1 + (rng.random(tot) * (dl - 1)).astype(np.int64)
        )
        span = np.maximum(1.0, (self.hi[acc] - self.lo[acc]) * 3600.0)
        rot = ((t - self.lo[acc] * 3600.0) / span * dl).astype(np.int64)
        tool = (kind == _INTERNAL).astype(np.int64)
        dpos = np.select([mode == 1, mode == 2], [rot, tool], dprim)
        dpos = np.clip(np.where(dl == 1, 0, dpos), 0, dl - 1)
        dev = self.dev_flat[self.dev_ptr[acc] + dpos]
        # prompts
        prompts = np.empty(tot, dtype=object)
        is_cot = np.zeros(tot, dtype=bool)
        sel = np.flatnonzero(kind == _FREE)
        if len(sel):
            texts, codes = self.prompts.freeform(len(sel), rng)
            prompts[sel] = texts
        sel = np.flatnonzero(kind == _APP)
        if len(sel):
            prompts[sel] = self.prompts.app(len(sel), rng)
        sel = np.flatnonzero(kind == _INTERNAL)
        if len(sel):
            prompts[sel] = self.prompts.internal(len(sel), rng)
        sel = np.flatnonzero(kind == _CAMPAIGN)
        if len(sel):
            cell = self.cell[acc[sel]]
            op = self.cell_op[cell]
            cot = rng.random(len(sel)) < self.cell_share[cell]
            variant = (rng.random(len(sel))[:, None] > self.cell_vcdf[cell]).sum(axis=1)
            base = np.where(cot, self.op_cot[op], len(T.COT_TEMPLATES) + self.op_rub[op])
            prompts[sel] = self.prompts.campaign(base * 3 + variant, self.op_code[op], rng)
            is_cot[sel] = cot
        plen = np.fromiter(map(len, prompts.tolist()), dtype=np.int64, count=tot)
        # tokens
        extra = np.where(
            (kind == _FREE) & (rng.random(tot) < 0.3), rng.lognormal(5.5, 1.0, tot), 0.0
        )
        in_tok = (plen / 3.9 * rng.uniform(0.95, 1.1, tot) + 8 + extra).astype(np.int64)
        median = np.select(
            [
                kind == _APP,
                kind == _INTERNAL,
                (kind == _CAMPAIGN) & is_cot,
                kind == _CAMPAIGN,
                self.tprof[acc] == 1,
            ],
            [110.0, 140.0, 2600.0, 1500.0, 900.0],
            380.0,
        )
        sigma = np.where(kind == _CAMPAIGN, 0.35, np.where(kind == _FREE, 0.85, 0.4))
        scale = np.ones(tot)
        if len(sel):
            scale[sel] = self.op_out[self.cell_op[self.cell[acc[sel]]]]
        out_tok = np.clip(
            median * scale * np.exp(sigma * rng.standard_normal(tot)), 3, 8192
        ).astype(np.int64)
        # models
        model = (rng.random(tot)[:, None] > self.model_cdf[self.mprof[acc]]).sum(axis=1)
        model = np.minimum(model, len(T.MODELS) - 1)
        # sort by time and format
        order = np.argsort(t, kind="stable")
        acc, ip, dev, model = acc[order], ip[order], dev[order], model[order]
        lines = [
            f'{{"type":"request","account_id":"{a}","ts":"{s}Z","ip":"{i}","device_id":"{d}",'
            f'"user_agent":"{u}","prompt":"{p}","model":"{m}","input_tokens":{x},'
            f'"output_tokens":{y}}}\n'
            for a, s, i, d, u, p, m, x, y in zip(
                self.id_arr[acc].tolist(),
                _ts_strings(t[order]),
                self.ip_arr[ip].tolist(),
                self.dev_id_arr[dev].tolist(),
                self.ua_arr[self.dev_ua_arr[dev]].tolist(),
                prompts[order].tolist(),
                self.model_arr[model].tolist(),
                in_tok[order].tolist(),
                out_tok[order].tolist(),
                strict=True,
            )
        ]
        return lines, codes

    def chunks(self) -> list[Arr]:
        """Accounts in a random order, cut into chunks of about _CHUNK_REQUESTS requests."""
        order = self.rng.permutation(self.n_accounts)
        cum = np.cumsum(self.nreq[order])
        cut = np.searchsorted(cum, np.arange(_CHUNK_REQUESTS, int(cum[-1]), _CHUNK_REQUESTS))
        return [c for c in np.split(order, np.unique(cut + 1)) if len(c)]

    # ------------------------------------------------------------- other events

    def account_lines(self) -> list[str]:
        a = self.acc
        order = np.argsort(self.created, kind="stable")
        ts = _ts_strings(self.created[order])
        lines = []
        for i, s in zip(order.tolist(), ts, strict=True):
            org = a.org[i]
            tail = f',"org":"{_esc(org)}"}}\n' if org else "}\n"
            lines.append(
                f'{{"type":"account","account_id":"{a.ids[i]}","created_at":"{s}Z",'
                f'"email":"{_esc(a.email[i])}","country":"{a.country[i]}"{tail}'
            )
        return lines

    def payment_lines(self) -> list[str]:
        ts_rel = np.array(self.att_ts)
        order = np.argsort(ts_rel, kind="stable")
        ts = _ts_strings(ts_rel[order])
        lines = []
        for j, s in zip(order.tolist(), ts, strict=True):
            p = self.att_pay[j]
            extra = ""
            if self.pay_bin[p]:
                extra += f',"bin":"{self.pay_bin[p]}"'
            if self.pay_country[p]:
                extra += f',"issuer_country":"{self.pay_country[p]}"'
            lines.append(
                f'{{"type":"payment","account_id":"{self.acc.ids[self.att_acc[j]]}","ts":"{s}Z",'
                f'"payment_id":"{self.pay_id[p]}","method":"{self.pay_method[p]}"{extra}}}\n'
            )
        return lines

    def ip_lines(self) -> list[str]:
        ips = self.ips
        return [
            f'{{"type":"ip_info","ip":"{ips.ip[i]}","asn":{ips.asn[i]},'
            f'"as_org":"{_esc(ips.org[i])}","kind":"{ips.kind[i]}"}}\n'
            for i in np.flatnonzero(self.ip_used).tolist()
        ]

    def label_lines(self) -> list[str]:
        r = self.rng
        lines = []
        for op in self.operators:
            for a in op.labeled_accounts:
                conf = round(float(r.uniform(0.8, 1.0)), 2)
                lines.append(
                    f'{{"type":"label","account_id":"{self.acc.ids[a]}",'
                    f'"operator":"{_esc(op.name)}","source":"{op.source}","confidence":{conf}}}\n'
                )
        return lines

    # --------------------------------------------------------------------- truth

    def truth(self, stats: GenerationStats, freeform_prompts: int) -> dict[str, Any]:
        ids = self.acc.ids
        templates: list[dict[str, Any]] = []
        for kind, bases, attr in (
            ("cot", T.COT_TEMPLATES, "cot_base"),
            ("rubric", T.RUBRIC_TEMPLATES, "rubric_base"),
        ):
            for bi, base in enumerate(bases):
                users = [o.name for o in self.operators if getattr(o, attr) == bi]
                if users:
                    templates.append(
                        {"template_id": f"{kind}-{bi + 1:02d}", "kind": kind, "variants": len(base),
                         "operators": users, "text": base[0]}
                    )  # fmt: skip
        templates.append(
            {"template_id": "app-quillpad", "kind": "app", "variants": len(T.APP_TEMPLATES),
             "app": T.APP_NAME, "text": T.APP_TEMPLATES[0]}
        )  # fmt: skip
        if any(t["internal_tool"] for t in self.tenants):
            org = next(t["org"] for t in self.tenants if t["internal_tool"])
            templates.append(
                {"template_id": "internal-ticket-triage", "kind": "internal", "variants": 1,
                 "org": org, "text": T.INTERNAL_TEMPLATE}
            )  # fmt: skip
        campaign = sum(len(c.accounts) for c in self.cells)
        return {
            "seed": self.seed,
            "scale": self.scale,
            "window": [
                WINDOW_START.strftime("%Y-%m-%dT%H:%M:%SZ"),
                WINDOW_END.strftime("%Y-%m-%dT%H:%M:%SZ"),
            ],
            "files": ["events.jsonl.gz"],
            "operators": [
                {
                    "name": op.name,
                    "schedule": op.schedule,
                    "activity_utc_offset": op.tz,
                    "label_source": op.source if op.labeled else None,
                    "templates": [f"cot-{op.cot_base + 1:02d}", f"rubric-{op.rubric_base + 1:02d}"],
                    "cells": [
                        {
                            "cell_id": self.cells[c].cell_id,
                            "accounts": [ids[a] for a in self.cells[c].accounts.tolist()],
                        }
                        for c in op.cells
                    ],
                    "labeled_accounts": [ids[a] for a in op.labeled_accounts],
                }
                for op in self.operators
            ],
            "benign_groups": {
                k: [[ids[a] for a in g] for g in groups] for k, groups in self.groups.items()
            },
            "benign_group_notes": {
                "university": self.university,
                "enterprise": self.tenants,
            },
            "campaign_accounts": campaign,
            "benign_accounts": self.n_accounts - campaign,
            "templates": templates,
            "freeform_prompts": freeform_prompts,
            "counts": {
                "accounts": stats.accounts,
                "requests": stats.requests,
                "events": stats.events,
                "campaign_requests": int(self.nreq[self.pkind == _CAMPAIGN].sum()),
            },
        }


class _OpStyle:
    """An operator's habits: claimed countries, mail domains, user agents, card BINs."""

    def __init__(self, sc: _Scenario, op: _Operator) -> None:
        r = sc.rng
        self.sc = sc
        self.r = r
        k = int(r.integers(3, 7))
        self.countries = r.choice(len(sc.cc), k, replace=False, p=_cc_weights())
        self.country_p = r.dirichlet(np.full(k, 2.0))
        self.domains = list(r.choice(T.DISPOSABLE_DOMAINS, 3, replace=False))
        nb = int(r.integers(1, 3))
        self.bins = [T.PREPAID_BINS[i] for i in r.choice(len(T.PREPAID_BINS), nb, replace=False)]
        style = int(r.integers(0, 3))
        if style == 0:
            pool: Sequence[str] = T.SDK_UAS
        elif style == 1:
            pool = T.DESKTOP_UAS
        else:
            pool = tuple(T.SDK_UAS) + tuple(T.DESKTOP_UAS[:6])
        self.ua_pool = [
            pool[i]
            for i in r.choice(len(pool), min(len(pool), int(r.integers(3, 7))), replace=False)
        ]
        self.email_style = int(r.integers(0, 3))
        self.org_share = float(r.uniform(0.0, 0.12))

    def uas(self, n: int) -> list[str]:
        return [self.ua_pool[int(i)] for i in self.r.integers(0, len(self.ua_pool), n)]

    def bin(self) -> tuple[str, str]:
        return self.bins[int(self.r.integers(0, len(self.bins)))]

    def exit_countries(self, n: int) -> Arr:
        r = self.r
        own = self.countries[r.choice(len(self.countries), n, p=self.country_p)]
        out: Arr = np.where(r.random(n) < 0.7, own, self.sc._countries(n))
        return out

    def identities(self, n: int) -> tuple[list[str], list[str], list[str | None]]:
        r, sc = self.r, self.sc
        cidx = self.countries[r.choice(len(self.countries), n, p=self.country_p)]
        countries = [sc.cc[c] for c in cidx.tolist()]
        cell_domains = r.choice(self.domains, int(r.integers(1, 3)), replace=False).tolist()
        emails = []
        letters = "abcdefghijklmnopqrstuvwxyz0123456789"
        for _ in range(n):
            if r.random() < 0.15:
                fm = T.FREEMAIL_DOMAINS
                domain = fm[int(r.integers(0, 3))][0]
            else:
                domain = cell_domains[int(r.integers(0, len(cell_domains)))]
            if self.email_style == 0:
                local = "".join(letters[int(i)] for i in r.integers(0, 36, int(r.integers(8, 13))))
            elif self.email_style == 1:
                first = T.FIRST_NAMES[int(r.integers(0, len(T.FIRST_NAMES)))]
                last = T.LAST_NAMES[int(r.integers(0, len(T.LAST_NAMES)))].replace(" ", "")
                local = f"{first}{last}{int(r.integers(1000, 9999))}"
            else:
                first = T.FIRST_NAMES[int(r.integers(0, len(T.FIRST_NAMES)))]
                local = f"{first}.{int(r.integers(100000, 999999))}"
            emails.append(sc._unique_email(local, domain))
        orgs = sc._orgs(n, self.org_share, T.CAMPAIGN_ORG_CLAIMS)
        return countries, emails, orgs


def _cc_weights() -> Arr:
    # claimed countries of campaign accounts lean to the big API markets
    big = {"US": 6.0, "GB": 3.0, "SG": 3.0, "DE": 2.0, "CA": 2.0, "JP": 2.0, "KR": 2.0, "AU": 2.0}
    w = np.array([big.get(c[0], 0.3) for c in T.COUNTRIES])
    out: Arr = w / w.sum()
    return out


# ----------------------------------------------------------------------------- writing


def _member(lines: list[str]) -> bytes:
    """One gzip member (level 1, mtime 0: deterministic bytes) holding `lines`."""
    return gzip.compress("".join(lines).encode("utf-8"), compresslevel=1, mtime=0)


# The scenario a forked worker reads (inherited copy-on-write from the parent).
_FORK_SCENARIO: _Scenario | None = None


def _request_member(
    sc: _Scenario, job: tuple[Arr, np.random.SeedSequence]
) -> tuple[bytes, int, Arr]:
    lines, codes = sc.request_lines(job[0], np.random.default_rng(job[1]))
    return _member(lines), len(lines), np.unique(codes)


def _forked_request_member(job: tuple[Arr, np.random.SeedSequence]) -> tuple[bytes, int, Arr]:
    if _FORK_SCENARIO is None:  # pragma: no cover - only reachable if the fork went wrong
        raise RuntimeError("worker has no scenario")
    return _request_member(_FORK_SCENARIO, job)


def _request_members(
    sc: _Scenario, jobs: list[tuple[Arr, np.random.SeedSequence]], workers: int
) -> Iterator[tuple[bytes, int, Arr]]:
    """Compressed request chunks in order; formatted and compressed by `workers` processes.

    Every chunk has its own random stream, so the bytes do not depend on the worker count.
    """
    if workers <= 1 or len(jobs) <= 1 or "fork" not in mp.get_all_start_methods():
        for job in jobs:
            yield _request_member(sc, job)
        return
    global _FORK_SCENARIO
    _FORK_SCENARIO = sc
    try:
        with mp.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_forked_request_member, jobs)
    finally:
        _FORK_SCENARIO = None


def _dump(obj: Any, indent: int = 0) -> str:
    """JSON with dicts and nested lists indented, lists of scalars on one line."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {_dump(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and any(isinstance(x, dict | list) for x in obj):
        items = [inner + _dump(x, indent + 1) for x in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj, ensure_ascii=False)


def generate(
    out_dir: Path,
    scale: float,
    seed: int = 7,
    progress: Callable[[int], None] | None = None,
    *,
    workers: int | None = None,
) -> GenerationStats:
    """Write a synthetic scenario (events.jsonl.gz + truth.json) into `out_dir`.

    events.jsonl.gz is a multi-member gzip (one member per section / request chunk; every
    gzip reader, `gzip.open` included, reads it as one stream).

    Args:
        out_dir: Output folder (created if missing); existing files are overwritten.
        scale: 1.0 = ~25,000 campaign accounts and ~28.8M campaign requests; linear in
            accounts and requests, with a minimum viable structure at tiny scales.
        seed: Random seed; the output is byte-for-byte determined by (scale, seed).
        progress: Called with the number of events written since the previous call.
        workers: Processes formatting and compressing request chunks (default: the CPU
            count, at most 4). The output does not depend on it.

    Returns:
        Counts and timing of the run.
    """
    began = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sc = _Scenario(scale, seed)
    sc.plan_campaigns()
    sc.plan_benign()
    sc.freeze()
    chunks = sc.chunks()
    jobs = list(zip(chunks, sc.req_seq.spawn(len(chunks)), strict=True))
    if workers is None:
        workers = min(4, os.cpu_count() or 1)
    events = 0
    requests = 0
    codes: list[Arr] = []
    with (out_dir / "events.jsonl.gz").open("wb") as fh:

        def emit(data: bytes, n: int) -> None:
            nonlocal events
            fh.write(data)
            events += n
            if progress is not None and n:
                progress(n)

        for lines in (sc.account_lines(), sc.payment_lines(), sc.ip_lines()):
            emit(_member(lines), len(lines))
        for data, n, chunk_codes in _request_members(sc, jobs, workers):
            emit(data, n)
            requests += n
            codes.append(chunk_codes)
        labels = sc.label_lines()
        emit(_member(labels), len(labels))
    seconds = time.perf_counter() - began
    campaign = sum(len(c.accounts) for c in sc.cells)
    stats = GenerationStats(
        accounts=sc.n_accounts,
        campaign_accounts=campaign,
        benign_accounts=sc.n_accounts - campaign,
        requests=requests,
        events=events,
        seconds=round(seconds, 3),
        events_per_second=round(events / seconds, 1) if seconds > 0 else 0.0,
    )
    distinct = len(np.unique(np.concatenate(codes))) if codes else 0
    truth = sc.truth(stats, freeform_prompts=distinct)
    (out_dir / "truth.json").write_text(_dump(truth) + "\n", encoding="utf-8")
    return stats
