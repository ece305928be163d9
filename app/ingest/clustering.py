"""Prompt clustering at ingest: near-duplicate prompts map to one stable PromptCluster id.

Pipeline for one prompt (`PromptClusterer.assign`):

1. `normalise` turns the prompt into a *skeleton*: slot values (numbers, quoted text, URLs,
   e-mails, code and JSON blocks, long ids, capitalised names mid-sentence, the body after
   an input label such as "Question:") become slot tokens, case and punctuation go away.
   Prompts from one template with other slot values share the skeleton.
2. Fast path: a 64-bit blake2b hash of the skeleton is looked up in a hot dict, then in the
   compact skeleton index. Repeated-template traffic never gets past this step.
3. Slow path (a skeleton never seen): a MinHash (datasketch, affine32 scheme) over word
   shingles of the skeleton is matched against one signature per cluster through banded LSH;
   candidates are verified on the full signature (estimated Jaccard >= threshold, and at
   least `min_shared` shingles in common so that short prompts one word apart stay apart)
   and the most similar one wins. No match creates a new cluster whose id is derived from
   the skeleton hash ("pc_" + 16 hex chars), so ids depend only on the sequence of prompts,
   and a prompt whose cluster was never loaded comes back under the same id.

Each cluster keeps only the signature of its *first* prompt. Joining prompts do not move it,
so clusters do not drift through chains of paraphrases, and the behaviour after a reload from
persisted records is the same as within one run.

Memory: millions of distinct benign prompts each become a singleton cluster, so the
per-cluster state is kept in flat arrays instead of Python objects: the signature as uint32
rows of one numpy array (grown by half when full), the id as one uint64, one byte of flags, one
pending byte, and the skeleton index and LSH band table as sorted uint64/uint32 arrays fronted by
a small buffer (`_U64Index`: a dict; `_BandIndex`: numpy arrays the compiled search reads).
Sample texts (UTF-8 in one bytearray, `_Samples`) are kept only until they are handed out for
persistence, except for clusters with more than one skeleton. See bench/clustering.py and
bench/cluster_prompts.py for measured figures.

Speed: the sequential part of the slow path (LSH candidates, ranking, verification, new
clusters' bands into the buffer) runs in one numba-compiled loop per batch (`_lsh_assign`),
which gives the same result as checking every skeleton in order in Python.

The clusterer is not thread-safe; one ingest process owns one instance.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
from datasketch import MinHash
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = [
    "DEFAULT_MIN_SHARED",
    "DEFAULT_NUM_PERM",
    "DEFAULT_SHINGLE_SIZE",
    "DEFAULT_THRESHOLD",
    "MAX_SKELETON_HASHES",
    "SAMPLE_CHARS",
    "ClusterColumns",
    "ClusterRecord",
    "PromptClusterer",
    "looks_like_extraction",
    "lsh_bands",
    "normalise",
    "skeleton_hash",
]

DEFAULT_THRESHOLD = 0.5
DEFAULT_NUM_PERM = 64
DEFAULT_SHINGLE_SIZE = 2
DEFAULT_MIN_SHARED = 6
# Bumped whenever normalise() or the signature recipe changes: persisted signatures and
# skeleton hashes are only comparable between clusterers with the same scheme string.
NORMALISER_VERSION = 1
SAMPLE_CHARS = 300
MAX_SKELETON_HASHES = 32

_ID_PREFIX = "pc_"
_ID_RE = re.compile(r"pc_[0-9a-f]{16}")
_SEED = 1
# Pinned explicitly: datasketch 1.x only had "legacy", 2.x defaults to "affine32"; a silent
# default change would make persisted signatures incomparable with new ones.
_MINHASH_SCHEME = "affine32"
_SIG_CHUNK = 4096  # signatures per band-key computation when clusters are loaded
_SIG_MIN_ROWS = 4096  # the signature array's first allocation
_HOT_CAP = 1 << 16  # skeletons seen at least twice, kept in a plain dict for speed
_HEAD_WORDS = 256  # MinHash only looks at the head and tail of very long skeletons
_TAIL_WORDS = 128
_HEAD_CHARS = 16_000  # normalise() cost is linear; huge pastes are cut to head + tail
_TAIL_CHARS = 4_000
_EXTRACTION_CHARS = 4_000
# Query cost bounds for the slow path at millions of clusters: popular LSH buckets (many
# clusters sharing a band, e.g. short prompts with common openers) are read only this far,
# and at most this many candidates (most shared bands first) are verified.
_BUCKET_CAP = 256
_MAX_CANDIDATES = 48
_SMALL_FOUND = 64

# ----------------------------------------------------------------------------- normalise

# Slot tokens are written with control-character delimiters so that the final punctuation
# strip cannot eat them and literal "<"/">" in prompts cannot forge them.
_OPEN, _CLOSE = "\x01", "\x02"


def _tok(name: str) -> str:
    return f" {_OPEN}{name}{_CLOSE} "


_T_CODE, _T_URL, _T_EMAIL, _T_JSON = _tok("code"), _tok("url"), _tok("email"), _tok("json")
_T_STR, _T_ID, _T_NUM, _T_NAME = _tok("str"), _tok("id"), _tok("num"), _tok("name")
_T_TEXT = _tok("text")

_FENCED_RE = re.compile(r"```.*?(?:```|\Z)|<code>.*?(?:</code>|\Z)", re.S | re.I)
_URL_RE = re.compile(r"[a-zA-Z][\w+.-]{0,10}://[^\s<>\"'`]+|www\.[^\s<>\"'`]+", re.I)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Innermost {...} only; applied repeatedly so nested JSON collapses from the inside out.
_JSON_RE = re.compile(r"\{[^{}]*\}")
_JSON_ROUNDS = 6
# A label introduces a free-text slot: a known input word ("Question:", "Passage:" ...
# anywhere), a short label of one to three words that starts a line ("Task:", "Response A:"),
# or any colon that ends a line ("Summarise the article below:\n\n<article>"). Labels are
# searched only in a short window before each colon, with endpos at the colon. The slot runs
# to the next line that starts with a short label, or to the end of the prompt.
_LABEL_RE = re.compile(
    r"\b(?:question|problem|input|passage|context|document|article|text|excerpt|snippet|"
    r"query|statement|claim|review|essay|story|email|message|conversation|transcript|"
    r"dialogue|paragraph|sentence|q)[ \t]*\d*[ \t]*\Z"
    r"|(?:\A|\n)[ \t]*[^\W\d_][\w'-]*(?:[ \t]+[\w'-]+){0,2}[ \t]*\Z",
    re.I,
)
_LABEL_WINDOW = 32
_LINE_END_RE = re.compile(r"[ \t]*\r?\n")
_NEXT_LABEL_RE = re.compile(r"\n[ \t]*[^\W\d_][\w'-]*(?:[ \t]+[\w'-]+){0,2}[ \t]*:")
# Labels alone must not turn unrelated one-line questions ("Question: <anything>") into one
# cluster: the label slot is kept only when this many words of template text remain.
_LABEL_MIN_CONTEXT_WORDS = 6
# Every branch starts with a literal so the regex engine can skip ahead quickly; the
# single-quote branch checks the character before the quote after the fact, so that
# apostrophes (don't, it's) are not taken for quotes. Double and typographic quotes may
# enclose a whole pasted document; single quotes and backticks only a line.
_QUOTED_RE = re.compile(
    r"\"[^\"]+\"|“[^”]+”|«[^»]+»|„[^“”]+[“”]|‘[^’]+’"
    r"|`[^`\n]{1,300}`|'(?<!\w')[^'\n]{1,300}'(?!\w)"
)
_NUMBER_RE = re.compile(r"\d+(?:[.,:/-]\d+)*")
_TOKEN_TAIL_RE = re.compile(r"[\w-]*")
_OPAQUE_MIN = 10  # a token this long with digits and letters is an id / digest / key
# Capitalised words not at a sentence start: the two characters before are a word
# character / comma / closing bracket / slot end, then a space. The first-letter class
# comes first so the engine can skip ahead; the context is checked by a lookbehind.
_NAME_RE = re.compile(r"[A-Z](?<=[\w,;)\x02] [A-Z])[a-z]+(?:[ -][A-Z][a-z]+)*")
_PUNCT_RE = re.compile(r"[^\w\x01\x02]+")


def _ascii_table() -> bytes:
    # ASCII fast path: one bytes.translate lower-cases, blanks out punctuation and writes the
    # slot delimiters as "<" and ">" (the prompt's own "<" and ">" are blanked).
    table = bytearray(
        c + 32 if 65 <= c <= 90 else c if (chr(c).isalnum() or c == 0x5F) else 0x20
        for c in range(256)
    )
    table[ord(_OPEN)], table[ord(_CLOSE)] = ord("<"), ord(">")
    return bytes(table)


_ASCII_TABLE = _ascii_table()
_REPEAT_RE = re.compile(r"(<[a-z]+>)(?: \1)+")
_WORD_RE = re.compile(r"\w+")


def _truncate(text: str) -> str:
    if len(text) <= _HEAD_CHARS + _TAIL_CHARS:
        return text
    return text[:_HEAD_CHARS] + "\n" + text[-_TAIL_CHARS:]


# _LABEL_RE.search(text, lo, colon) reads only text[lo - 1:colon] (the character before lo for
# \b) and whether lo is the start of the text (\A), so its result is cached on those: prompts
# from one template repeat the same few label windows, and the search tries every start
# position of the window against every alternative (~5 us a colon).
_LABEL_CACHE: dict[str, bool] = {}
_LABEL_CACHE_AT_START: dict[str, bool] = {}
_LABEL_CACHE_CAP = 1 << 17


def _is_label(text: str, lo: int, colon: int) -> bool:
    if lo:
        cache, window = _LABEL_CACHE, text[lo - 1 : colon]
    else:
        cache, window = _LABEL_CACHE_AT_START, text[:colon]
    hit = cache.get(window)
    if hit is None:
        if len(cache) >= _LABEL_CACHE_CAP:
            cache.clear()
        hit = cache[window] = _LABEL_RE.search(text, lo, colon) is not None
    return hit


def _enough_words(text: str, n: int) -> bool:
    # Stops at the n-th word instead of listing every word of a long prompt.
    return next(islice(_WORD_RE.finditer(text), n - 1, None), None) is not None


def _slot_labels(text: str) -> str:
    parts: list[str] = []
    last = 0
    colon = text.find(":")
    while colon >= 0:
        if _LINE_END_RE.match(text, colon + 1) or _is_label(
            text, max(last, colon - _LABEL_WINDOW), colon
        ):
            following = _NEXT_LABEL_RE.search(text, colon + 1)
            end = following.start() if following else len(text)
            if colon + 1 < end and not text[colon + 1 : end].isspace():
                parts += (text[last : colon + 1], _T_TEXT)
                last = end
                colon = text.find(":", end)
                continue
        colon = text.find(":", colon + 1)
    if not parts:
        return text
    parts.append(text[last:])
    rest = "".join(p for p in parts if p is not _T_TEXT)
    if not _enough_words(rest, _LABEL_MIN_CONTEXT_WORDS):
        return text
    return "".join(parts)


def _slot_digits(text: str) -> str:
    # Walks digit runs instead of scanning every word with a regex: numbers become <num>,
    # a run inside a long token with letters (hex digest, UUID, API key) makes the whole
    # token <id>, shorter mixed tokens keep their letters ("user42" -> "user <num>").
    if text.isascii():
        # Most prompts hold no digit, and finding that out with the regex walks every
        # character (~3.5 us a prompt); ten substring searches take ~0.2 us.
        for digit in "0123456789":
            if digit in text:
                break
        else:
            return text
    parts: list[str] = []
    last = 0
    size = len(text)
    for m in _NUMBER_RE.finditer(text):
        start, end = m.span()
        if start < last:
            continue
        left = start
        while left > last and (text[left - 1].isalnum() or text[left - 1] in "_-"):
            left -= 1
        # \w is isalnum() or "_": the tail regex only runs when the token goes on.
        right = end
        if end < size and (text[end].isalnum() or text[end] in "_-"):
            right = _TOKEN_TAIL_RE.match(text, end).end()  # type: ignore[union-attr]
        if right - left >= _OPAQUE_MIN and any(c.isalpha() for c in text[left:right]):
            parts += (text[last:left], _T_ID)
            last = right
        else:
            parts += (text[last:start], _T_NUM)
            last = end
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def normalise(prompt: str) -> str:
    """Reduce a prompt to its template skeleton.

    Slot values become tokens (<code> <url> <email> <text> <json> <str> <id> <num> <name>),
    everything is lower-cased, punctuation becomes whitespace and whitespace is collapsed;
    runs of the same slot token collapse into one ("2024-05-01" and "7" both give <num>).
    <text> is the body after an input label, up to the next line that starts with a short
    label or the end: a known input word such as "Question:" or "Passage:", a label of up to
    three words at the start of a line, or a colon that ends a line; used only when at least
    six words of other text remain. <name> is a capitalised word
    that does not start a sentence.

    This is the specification; `skeleton_kernel.normalise_many` computes the same skeletons
    for a batch, compiled for ASCII prompts, and a change here must be made there too (its
    tests compare the two).

    Args:
        prompt: The prompt text as sent to the API.

    Returns:
        The skeleton: lower-case words and slot tokens separated by single spaces.
    """
    s = _truncate(prompt)
    if "```" in s or "<code>" in s or "<CODE>" in s:
        s = _FENCED_RE.sub(_T_CODE, s)
    if "://" in s or "www." in s or "WWW." in s:
        s = _URL_RE.sub(_T_URL, s)
    if "@" in s:
        s = _EMAIL_RE.sub(_T_EMAIL, s)
    if ":" in s:
        s = _slot_labels(s)
    if "{" in s:
        for _ in range(_JSON_ROUNDS):
            s, n = _JSON_RE.subn(_T_JSON, s)
            if not n:
                break
    if '"' in s or "'" in s or "`" in s or not s.isascii():
        s = _QUOTED_RE.sub(_T_STR, s)
    s = _slot_digits(s)
    s = _NAME_RE.sub(_T_NAME, s)
    if s.isascii():
        s = " ".join(s.encode("ascii").translate(_ASCII_TABLE).decode("ascii").split())
    else:
        s = _PUNCT_RE.sub(" ", s.lower()).strip().replace(_OPEN, "<").replace(_CLOSE, ">")
    # A run of one slot token needs two tokens side by side; most skeletons have none.
    if "> <" in s:
        s = _REPEAT_RE.sub(r"\1", s)
    return s


# ----------------------------------------------------------------- extraction heuristic

# Patterns run on the lower-cased prompt, each only when one of its anchor substrings occurs:
# one big case-insensitive alternation tried at every position cost ~100 us a prompt.
_Rule = tuple[tuple[str, ...], re.Pattern[str] | None]

# Each one alone is a strong sign of distillation-style harvesting: chain-of-thought
# elicitation, rubric / judge grading, answer harvesting in machine-readable form.
# The result does not depend on the order of the rules (any strong one, or two different weak
# ones), so both lists put the cheap checks that often decide first: on real prompts this
# halves the cost (the "reasoning" pattern, with no literal prefix, ~15 us a search, now runs
# only on prompts no other strong rule caught).
_EXTRACTION_STRONG: tuple[_Rule, ...] = (
    (("rubric",), None),
    (("chain",), re.compile(r"chain[ -]of[ -]thought")),
    (
        ("grade", "score", "rate", "evaluat", "judge", "assess", "compare", "which"),
        re.compile(
            r"\b(?:grade|score|rate|evaluate|judge|assess|compare) "
            r"(?:the |this |each |these |both |two )?(?:following )?"
            r"(?:model |ai |assistant |candidate |student )?(?:response|answer|completion|output)s?\b"
            r"|which (?:response|answer|completion|output) is (?:better|more)"
        ),
    ),
    (("show",), re.compile(r"show (?:all (?:of )?)?your (?:work|steps)")),
    (("scratchpad", "monologue"), None),
    (("grading", "scoring"), re.compile(r"(?:grading|scoring) (?:criteria|scale|guide|rubric)")),
    (
        ('"',),
        re.compile(r"\"(?:reasoning|rationale|thoughts?|chain_of_thought|explanation|steps)\"\s*:"),
    ),
    (
        ("json", "yaml"),
        re.compile(
            r"\b(?:json|yaml)\b[^.\n]{0,80}\b(?:reasoning|rationale|explanation|thoughts?)\b"
            r"|\b(?:reasoning|rationale|explanation)\b[^.\n]{0,60}\b(?:json|yaml)\b"
        ),
    ),
    (
        ("training", "tuning", "distill"),
        re.compile(
            r"(?:generate|create|produce|write|synthesi[sz]e)\b[^.\n]{0,80}"
            r"\b(?:training|fine-?tuning|distillation) (?:data|dataset|examples|samples|pairs)"
        ),
    ),
    (("think",), re.compile(r"think (?:out loud|aloud)|<think>")),
    (
        ("reasoning", "thought", "thinking"),
        re.compile(
            r"(?:reasoning|thought) (?:trace|chain|process|steps)"
            r"|(?:full|complete|entire|detailed|whole|internal|step-by-step) "
            r"(?:reasoning|thought process|thinking)"
            r"|(?:show|explain|describe|walk (?:me )?through|write out|include|provide|give)"
            r"(?: me)? (?:all (?:of )?)?(?:your|the) (?:full )?"
            r"(?:reasoning|thinking|thought process)"
        ),
    ),
)
# Weak signs, common in ordinary prompts too; two different ones are needed.
_EXTRACTION_WEAK: tuple[_Rule, ...] = (
    (("final answer", "answer:", "solution:"), None),
    (("reasoning", "rationale", "justify your"), None),
    (("step", "think"), re.compile(r"step[ -]by[ -]step|let'?s think")),
    (("json", "yaml", "csv"), re.compile(r"\b(?:json|yaml|csv)\b")),
    (
        ("score", "grade", "criteria", "scale"),
        re.compile(r"\bscore\b|\bgrade\b|\bcriteria\b|on a scale (?:of|from) \d+ to \d+"),
    ),
    (
        ("format", "respond", "output"),
        re.compile(r"\bformat\b|respond (?:only )?with\b|output (?:only|exactly)\b"),
    ),
)


def _rule_hits(text: str, rule: _Rule) -> bool:
    # Plain loops, no generator expressions: this runs ~17 times on every prompt.
    anchors, pattern = rule
    for anchor in anchors:
        if anchor in text:
            return pattern is None or pattern.search(text) is not None
    return False


def looks_like_extraction(prompt: str) -> bool:
    """Heuristic: does the prompt look like distillation-style capability extraction?

    True when the prompt contains one strong sign or at least two different weak ones.
    Strong: chain-of-thought elicitation ("show your full reasoning", "chain of thought",
    "think out loud", "<think>", "scratchpad"), rubric / judge grading ("rubric", "grade the
    response", "which answer is better"), answer harvesting in machine-readable form
    ("output your answer as JSON with reasoning", a "reasoning": key), or a request to
    generate training / distillation data. Weak: "step by step", "final answer",
    "reasoning", JSON/YAML/CSV output, scoring words ("on a scale of 1 to 10"), strict output
    formats. Ordinary questions ("explain step by step how to bake bread") carry at most one
    weak sign.

    Args:
        prompt: The prompt text (only the first and last few thousand characters are read).

    Returns:
        Whether the prompt looks like extraction traffic.
    """
    text = prompt
    if len(text) > 2 * _EXTRACTION_CHARS:
        text = text[:_EXTRACTION_CHARS] + "\n" + text[-_EXTRACTION_CHARS:]
    text = text.lower()
    for rule in _EXTRACTION_STRONG:
        if _rule_hits(text, rule):
            return True
    weak = 0
    for rule in _EXTRACTION_WEAK:
        if _rule_hits(text, rule):
            weak += 1
            if weak >= 2:
                return True
    return False


# ------------------------------------------------------------------------ compact index

_U64 = np.uint64
# Fixed odd multipliers, one per position in a shingle (these define persisted signatures).
_SHINGLE_MULT = np.array(
    [
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0x27D4EB2F165667C5,
        0x85EBCA77C2B2AE63,
        0xFF51AFD7ED558CCD,
        0xC4CEB9FE1A85EC53,
        0x94D049BB133111EB,
    ],
    dtype=np.uint64,
)
_EMPTY_KEYS = np.empty(0, dtype=np.uint64)
_EMPTY_VALS = np.empty(0, dtype=np.uint32)
_EMPTY_FLAGS = np.empty(0, dtype=np.uint8)


@njit(cache=True, nogil=True)
def _merge_backward(
    keys_buf: np.ndarray, vals_buf: np.ndarray, n: int, keys: np.ndarray, vals: np.ndarray
) -> None:
    # From the end, so that the buffers' first n entries are read before they are overwritten.
    i, j, w = n - 1, len(keys) - 1, n + len(keys) - 1
    while j >= 0:
        if i >= 0 and keys_buf[i] > keys[j]:
            keys_buf[w], vals_buf[w] = keys_buf[i], vals_buf[i]
            i -= 1
        else:
            keys_buf[w], vals_buf[w] = keys[j], vals[j]
            j -= 1
        w -= 1


def _merge_sorted(
    keys_buf: np.ndarray, vals_buf: np.ndarray, n: int, keys: np.ndarray, vals: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Merge sorted entries into the n sorted entries at the head of two buffers, in place.

    An equal key's new entries go after its old ones, in their order (where np.insert at
    searchsorted(side="right") put them). The buffers grow by a quarter when full, so a merge
    neither allocates nor faults in fresh pages for the whole array, as np.insert did at every
    merge (~11% of the in-order assignment at scale 1.0).

    Returns:
        The buffers (new ones if they grew); the merged entries are their first n + len(keys).
    """
    need = n + len(keys)
    if need > len(keys_buf):
        capacity = max(need, len(keys_buf) + len(keys_buf) // 4)
        grown_keys = np.empty(capacity, dtype=keys_buf.dtype)
        grown_vals = np.empty(capacity, dtype=vals_buf.dtype)
        grown_keys[:n], grown_vals[:n] = keys_buf[:n], vals_buf[:n]
        keys_buf, vals_buf = grown_keys, grown_vals
    _merge_backward(keys_buf, vals_buf, n, keys, vals)
    return keys_buf, vals_buf


class _U64Index:
    """Multimap uint64 -> uint32 costing ~12 bytes an entry instead of ~100 for a dict.

    New entries go to a dict buffer; when the buffer reaches 1/16 of the sorted arrays (at
    least `min_buffer` entries) it is merged into them (`_merge_sorted`: in place, the arrays
    are views of buffers with up to a quarter spare), so each entry is moved ~16 times over its
    life (amortised O(1)).
    """

    __slots__ = (
        "_buf",
        "_keys",
        "_keys_buf",
        "_min_buffer",
        "_multi",
        "_n_buf",
        "_vals",
        "_vals_buf",
    )

    def __init__(self, min_buffer: int = 1 << 15) -> None:
        self._buf: dict[int, int] = {}
        self._multi: dict[int, list[int]] = {}  # further values of keys already in _buf
        self._n_buf = 0
        self._keys: np.ndarray = _EMPTY_KEYS
        self._vals: np.ndarray = _EMPTY_VALS
        self._keys_buf, self._vals_buf = _EMPTY_KEYS, _EMPTY_VALS
        self._min_buffer = min_buffer

    def __len__(self) -> int:
        return len(self._keys) + self._n_buf

    @property
    def nbytes(self) -> int:
        """Bytes held by the sorted arrays' buffers (the buffer dict is not counted)."""
        return int(self._keys_buf.nbytes + self._vals_buf.nbytes)

    def add(self, key: int, val: int) -> None:
        if key in self._buf:
            self._multi.setdefault(key, []).append(val)
        else:
            self._buf[key] = val
        self._n_buf += 1
        if self._n_buf >= max(self._min_buffer, len(self._keys) >> 4):
            self.flush()

    def add_many(self, keys: np.ndarray, vals: np.ndarray) -> None:
        """Merge many entries straight into the sorted arrays (bulk load)."""
        if len(keys):
            self._merge(keys.astype(np.uint64, copy=False), vals.astype(np.uint32, copy=False))

    def get(self, key: int) -> list[int]:
        out: list[int] = []
        first = self._buf.get(key)
        if first is not None:
            out.append(first)
            more = self._multi.get(key)
            if more:
                out.extend(more)
        keys = self._keys
        if len(keys):
            k = _U64(key)
            i = int(keys.searchsorted(k))
            n = len(keys)
            while i < n and keys[i] == k:
                out.append(int(self._vals[i]))
                i += 1
        return out

    def flush(self) -> None:
        if not self._n_buf:
            return
        keys = np.fromiter(self._buf.keys(), dtype=np.uint64, count=len(self._buf))
        vals = np.fromiter(self._buf.values(), dtype=np.uint32, count=len(self._buf))
        if self._multi:
            mk = [k for k, vs in self._multi.items() for _ in vs]
            mv = [v for vs in self._multi.values() for v in vs]
            keys = np.concatenate([keys, np.array(mk, dtype=np.uint64)])
            vals = np.concatenate([vals, np.array(mv, dtype=np.uint32)])
        self._buf = {}
        self._multi = {}
        self._n_buf = 0
        self._merge(keys, vals)

    def _merge(self, keys: np.ndarray, vals: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        n = len(self._keys)
        self._keys_buf, self._vals_buf = _merge_sorted(
            self._keys_buf, self._vals_buf, n, keys[order], vals[order]
        )
        self._keys, self._vals = self._keys_buf[: n + len(keys)], self._vals_buf[: n + len(keys)]


@njit(cache=True)
def _slot_of(slot_key: np.ndarray, slot_head: np.ndarray, key: np.uint64) -> np.int64:
    """Slot of `key` in the buffer's open-addressing table, or of the empty slot it would take."""
    mask = np.uint64(len(slot_key) - 1)
    s = np.int64(key & mask)
    while slot_head[s] >= 0 and slot_key[s] != key:
        s = np.int64(np.uint64(s + 1) & mask)
    return s


@njit(cache=True)
def _buffer_add(
    key: np.uint64,
    val: int,
    ent_key: np.ndarray,
    ent_val: np.ndarray,
    ent_next: np.ndarray,
    slot_key: np.ndarray,
    slot_head: np.ndarray,
    slot_tail: np.ndarray,
    n_ent: int,
) -> None:
    # Entries of one key are chained in insertion order (head to tail), as the dict buffer of
    # _U64Index kept them: a capped read takes the oldest ones.
    s = _slot_of(slot_key, slot_head, key)
    if slot_head[s] < 0:
        slot_key[s] = key
        slot_head[s] = n_ent
    else:
        ent_next[slot_tail[s]] = n_ent
    slot_tail[s] = n_ent
    ent_key[n_ent] = key
    ent_val[n_ent] = val
    ent_next[n_ent] = -1


@njit(cache=True)
def _buffer_rebuild(
    n_ent: int,
    ent_key: np.ndarray,
    ent_val: np.ndarray,
    ent_next: np.ndarray,
    slot_key: np.ndarray,
    slot_head: np.ndarray,
    slot_tail: np.ndarray,
) -> None:
    """Re-adds the first n_ent entries (in order) into empty, larger arrays."""
    keys = ent_key[:n_ent].copy()
    vals = ent_val[:n_ent].copy()
    for e in range(n_ent):
        _buffer_add(keys[e], vals[e], ent_key, ent_val, ent_next, slot_key, slot_head, slot_tail, e)


@intrinsic
def _prefetch_intrinsic(typingctx, arr, idx):  # type: ignore[no-untyped-def]
    """Hint the CPU to load arr[idx]'s cache line (LLVM's prefetch; never faults, no bounds
    check needed). The LSH search reads candidates' signature rows scattered over hundreds of
    megabytes; asking for all of them before reading any lets their memory loads overlap."""
    sig = types.void(arr, types.intp)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        array = context.make_array(signature.args[0])(context, builder, args[0])
        address = builder.gep(array.data, [args[1]])
        i32 = ir.IntType(32)
        ptr = ir.PointerType()
        prefetch = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [ptr, i32, i32, i32]), "llvm.prefetch.p0"
        )
        # read (0), keep in all cache levels (3), data cache (1)
        builder.call(
            prefetch,
            [
                builder.bitcast(address, ptr),
                ir.Constant(i32, 0),
                ir.Constant(i32, 3),
                ir.Constant(i32, 1),
            ],
        )
        return context.get_dummy_value()

    return sig, codegen


# Called as _prefetch(array, index) in compiled code (numba passes the typing context itself).
_prefetch: Any = _prefetch_intrinsic


@njit(cache=True)
def _take_smallest_ids(
    at_level: np.ndarray,
    level_ids: np.ndarray,
    n_level: int,
    want: int,
    chosen: np.ndarray,
    n_chosen: int,
) -> None:
    """Put into chosen[n_chosen:] the `want` entries of at_level[:n_level] with the smallest
    ids, without sorting them all. Cluster ids are unique, but should two be equal at the cut,
    the earlier entries are taken and never more than `want` (`chosen` has no room for more)."""
    if want >= n_level:
        chosen[n_chosen : n_chosen + n_level] = at_level[:n_level]
        return
    cut = np.partition(level_ids[:n_level], want - 1)[want - 1]  # the want-th smallest id
    at_cut = want
    for t in range(n_level):
        if level_ids[t] < cut:
            at_cut -= 1
    for t in range(n_level):
        i = level_ids[t]
        if i < cut or (i == cut and at_cut > 0):
            if i == cut:
                at_cut -= 1
            chosen[n_chosen] = at_level[t]
            n_chosen += 1


# nogil: the aggregate clusters in a thread beside the parse's (columnar/firsts.py).
@njit(cache=True, nogil=True)
def _lsh_assign(
    start: int,
    band_keys: np.ndarray,
    sigs: np.ndarray,
    need: np.ndarray,
    item_ids: np.ndarray,
    keys: np.ndarray,
    vals: np.ndarray,
    directory: np.ndarray,
    dir_shift: np.uint64,
    ent_key: np.ndarray,
    ent_val: np.ndarray,
    ent_next: np.ndarray,
    slot_key: np.ndarray,
    slot_head: np.ndarray,
    slot_tail: np.ndarray,
    buf_state: np.ndarray,
    flush_at: int,
    table: np.ndarray,
    ids: np.ndarray,
    n0: int,
    scratch: np.ndarray,
    touched: np.ndarray,
    result: np.ndarray,
    created: np.ndarray,
    created_item: np.ndarray,
    n_created: int,
    cap: int,
    max_cand: int,
) -> tuple[int, int, int]:
    """The LSH match of batch items start.. in order, each one looked up after the ones before
    it were assigned (what `_BandIndex.get_many` followed by a ranking and a check of each
    candidate's signature in Python would give; tests/unit/test_clustering.py has that).

    `directory[p]` is the first position in the sorted arrays of the keys whose top bits
    (key >> dir_shift) are p, so a lookup bisects a few dozen entries. Per item: the values under each of its band keys, at most
    `cap` from the sorted arrays and at most `cap` from the buffer (each part oldest first),
    counted per cluster; when more than `max_cand` clusters are hit, the ones with most hits,
    then smallest id; the one of those with most agreeing signature values (then smallest id)
    is the match if it reaches the item's `need`. An item without a match becomes cluster
    n0 + n_created: its bands go into the buffer. Stops after the item whose bands make the
    buffer due for a merge (`flush_at` entries), so that the caller merges before the next
    item is looked up.

    Returns:
        (end, n_created, candidates checked) for items start..end-1; result[j] is the
        cluster index of item j, created[j] whether it was created.
    """
    n_items, n_bands = band_keys.shape
    n_perm = sigs.shape[1]
    n_keys = len(keys)
    checked = 0
    hist = np.zeros(2 * n_bands * cap + 1, dtype=np.int64)
    band_lo = np.empty(n_bands, dtype=np.int64)  # each band's bucket in the sorted arrays
    band_hi = np.empty(n_bands, dtype=np.int64)
    # The ranking's work arrays, allocated once: it runs for most items at full scale.
    chosen = np.empty(max_cand, dtype=np.int64)
    at_level = np.empty(2 * n_bands * cap, dtype=np.int64)
    level_ids = np.empty(2 * n_bands * cap, dtype=np.uint64)
    slot_mask = np.uint64(len(slot_key) - 1)  # a key's first slot in the buffer's table
    for j in range(start, n_items):
        match = -1
        if need[j] <= n_perm:
            m = 0
            # Each band's bucket sits somewhere in arrays of hundreds of megabytes: ask for
            # every band's directory entry, then key range, then values before reading any.
            for b in range(n_bands):
                k = band_keys[j, b]
                _prefetch(directory, np.int64(k >> dir_shift))
                _prefetch(slot_head, np.int64(k & slot_mask))
                _prefetch(slot_key, np.int64(k & slot_mask))
            for b in range(n_bands):
                pre = np.int64(band_keys[j, b] >> dir_shift)
                band_lo[b] = directory[pre]
                band_hi[b] = directory[pre + 1]
                _prefetch(keys, band_lo[b])
            for b in range(n_bands):
                lo = band_lo[b]
                lo += np.searchsorted(keys[lo : band_hi[b]], band_keys[j, b])
                band_lo[b] = lo
                _prefetch(vals, lo)
            for b in range(n_bands):
                k = band_keys[j, b]
                lo = band_lo[b]
                e = lo
                while e < n_keys and keys[e] == k and e - lo < cap:
                    v = vals[e]
                    if scratch[v] == 0:
                        touched[m] = v
                        m += 1
                    scratch[v] += 1
                    e += 1
                s = _slot_of(slot_key, slot_head, k)
                e = slot_head[s]
                c = 0
                while e >= 0 and c < cap:
                    v = ent_val[e]
                    if scratch[v] == 0:
                        touched[m] = v
                        m += 1
                    scratch[v] += 1
                    e = ent_next[e]
                    c += 1
            if m:
                # Ranking: all hit clusters, or the max_cand best (most hits, then smallest id).
                cands = touched[:m]
                if m > max_cand:
                    top_hits = 0
                    for t in range(m):
                        h = scratch[cands[t]]
                        hist[h] += 1
                        if cands[t] < n0:
                            _prefetch(ids, cands[t])  # read below for the tied ones
                        top_hits = max(top_hits, h)
                    level = top_hits
                    above = 0
                    while above + hist[level] < max_cand:
                        above += hist[level]
                        level -= 1
                    for h in range(top_hits + 1):
                        hist[h] = 0
                    n_chosen = 0
                    n_level = 0
                    for t in range(m):
                        c_idx = cands[t]
                        h = scratch[c_idx]
                        if h > level:
                            chosen[n_chosen] = c_idx
                            n_chosen += 1
                        elif h == level:
                            at_level[n_level] = c_idx
                            level_ids[n_level] = (
                                ids[c_idx] if c_idx < n0 else item_ids[created_item[c_idx - n0]]
                            )
                            n_level += 1
                    _take_smallest_ids(
                        at_level, level_ids, n_level, max_cand - n_chosen, chosen, n_chosen
                    )
                    cands = chosen
                for t in range(m):
                    scratch[touched[t]] = 0
                checked += len(cands)
                for t in range(len(cands)):
                    c_idx = cands[t]
                    if c_idx < n0:
                        row = table[c_idx]
                        _prefetch(ids, c_idx)
                    else:
                        row = sigs[created_item[c_idx - n0]]
                    for p in range(0, n_perm, 16):  # 16 uint32: one 64-byte line
                        _prefetch(row, p)
                best_agree = -1
                best_id = np.uint64(0)
                for t in range(len(cands)):
                    c_idx = cands[t]
                    if c_idx < n0:
                        row = table[c_idx]
                        c_id = ids[c_idx]
                    else:
                        row = sigs[created_item[c_idx - n0]]
                        c_id = item_ids[created_item[c_idx - n0]]
                    agree = 0
                    for p in range(n_perm):
                        if row[p] == sigs[j, p]:
                            agree += 1
                    if agree > best_agree or (agree == best_agree and c_id < best_id):
                        best_agree = agree
                        best_id = c_id
                        match = c_idx
                if best_agree < need[j]:
                    match = -1
        if match >= 0:
            result[j] = match
            created[j] = False
            continue
        idx = n0 + n_created
        created_item[n_created] = j
        n_created += 1
        result[j] = idx
        created[j] = True
        n_ent = buf_state[0]
        for b in range(n_bands):
            _buffer_add(
                band_keys[j, b],
                idx,
                ent_key,
                ent_val,
                ent_next,
                slot_key,
                slot_head,
                slot_tail,
                n_ent,
            )
            n_ent += 1
        buf_state[0] = n_ent
        if n_ent >= flush_at:
            return j + 1, n_created, checked
    return n_items, n_created, checked


class _BandIndex:
    """The LSH band table: band key (uint64) -> cluster index, read by `_lsh_assign`.

    Same layout and merge rule as `_U64Index` (sorted arrays, merged into when the buffer
    reaches 1/16 of them, at least `min_buffer` entries), but the buffer is an insertion-order
    entry list chained per key through an open-addressing table in numpy arrays, so that the
    compiled kernel can read and extend it: 16 bytes an entry and 16 a table slot (2 to 4 slots
    an entry), allocated for a full buffer at each merge.
    """

    __slots__ = (
        "_ent_key",
        "_ent_next",
        "_ent_val",
        "_keys",
        "_keys_buf",
        "_min_buffer",
        "_slot_head",
        "_slot_key",
        "_slot_tail",
        "_spare",
        "_vals",
        "_vals_buf",
        "dir_shift",
        "directory",
        "generation",
        "state",
    )

    def __init__(self, bands: int, min_buffer: int = 1 << 15) -> None:
        self._keys: np.ndarray = _EMPTY_KEYS
        self._vals: np.ndarray = _EMPTY_VALS
        self._keys_buf, self._vals_buf = _EMPTY_KEYS, _EMPTY_VALS
        self._min_buffer = min_buffer
        self._spare = bands  # one cluster's entries may go past the flush mark
        self.state = np.zeros(1, dtype=np.int64)  # [buffered entries], updated by the kernel
        self.generation = 0
        self._index_prefixes()
        self._alloc(self.flush_at() + bands)

    def __len__(self) -> int:
        return len(self._keys) + int(self.state[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the sorted arrays and the buffer's arrays."""
        return int(
            self._keys_buf.nbytes
            + self._vals_buf.nbytes
            + self._ent_key.nbytes
            + self._ent_val.nbytes
            + self._ent_next.nbytes
            + self._slot_key.nbytes
            + self._slot_head.nbytes
            + self._slot_tail.nbytes
        )

    def flush_at(self) -> int:
        """Buffered entries at which the buffer is merged into the arrays."""
        return max(self._min_buffer, len(self._keys) >> 4)

    def kernel_args(
        self,
    ) -> tuple[
        np.ndarray,
        np.ndarray,
        np.ndarray,
        np.uint64,
        np.ndarray,
        np.ndarray,
        np.ndarray,
        np.ndarray,
        np.ndarray,
        np.ndarray,
        np.ndarray,
    ]:
        """The arrays `_lsh_assign` reads and extends (sorted arrays, buffer, state)."""
        return (
            self._keys,
            self._vals,
            self.directory,
            self.dir_shift,
            self._ent_key,
            self._ent_val,
            self._ent_next,
            self._slot_key,
            self._slot_head,
            self._slot_tail,
            self.state,
        )

    def add_many(self, keys: np.ndarray, vals: np.ndarray) -> None:
        """Merge many entries straight into the sorted arrays (bulk load)."""
        if len(keys):
            self._merge(keys.astype(np.uint64, copy=False), vals.astype(np.uint32, copy=False))
            self._grow()

    def _prefix_bits(self) -> int:
        return max(1, (len(self._keys) // 16).bit_length())

    def _index_prefixes(self) -> None:
        # Band keys are uniform 64-bit hashes: a directory of ~16 keys per top-bits prefix
        # turns a lookup's bisection of the whole array (a cache miss a step at tens of
        # millions of entries) into one of a few dozen entries.
        bits = self._prefix_bits()
        self.dir_shift = np.uint64(64 - bits)
        counts = np.bincount((self._keys >> self.dir_shift).astype(np.intp), minlength=1 << bits)
        self.directory = np.zeros((1 << bits) + 1, dtype=np.int64)
        np.cumsum(counts, out=self.directory[1:])

    def get_many(self, keys: np.ndarray, cap: int) -> np.ndarray:
        """Values stored under any of `keys`, at most `cap` per key from the buffer and `cap`
        from the arrays (a value found under several keys appears several times)."""
        found: list[int] = []
        for key in keys.tolist():
            k = _U64(key)
            e = int(self._slot_head[_slot_of(self._slot_key, self._slot_head, k)])
            for _ in range(cap):
                if e < 0:
                    break
                found.append(int(self._ent_val[e]))
                e = int(self._ent_next[e])
            lo = int(self._keys.searchsorted(k))
            hi = int(self._keys.searchsorted(k, side="right"))
            found += self._vals[lo : min(hi, lo + cap)].tolist()
        return np.array(found, dtype=np.uint32)

    def flush(self) -> None:
        n = int(self.state[0])
        if not n:
            return
        keys, vals = self._ent_key[:n].copy(), self._ent_val[:n].copy()
        self._merge(keys, vals)
        self.state[0] = 0
        self._alloc(self.flush_at() + self._spare)

    def _alloc(self, entries: int) -> None:
        # Entry numbers and cluster indices fit 32 bits (the buffer holds at most 1/16 of the
        # arrays, and cluster indices are uint32 in them too).
        self._ent_key = np.zeros(entries, dtype=np.uint64)
        self._ent_val = np.zeros(entries, dtype=np.uint32)
        self._ent_next = np.full(entries, -1, dtype=np.int32)
        slots = 1 << max(4, (2 * entries - 1).bit_length())  # load factor <= 1/2
        self._slot_key = np.zeros(slots, dtype=np.uint64)
        self._slot_head = np.full(slots, -1, dtype=np.int32)
        self._slot_tail = np.full(slots, -1, dtype=np.int32)

    def _grow(self) -> None:
        # A bulk merge raises the flush mark: the buffer must hold up to the new one.
        entries = self.flush_at() + self._spare
        if entries <= len(self._ent_key):
            return
        n = int(self.state[0])
        old_key, old_val = self._ent_key[:n].copy(), self._ent_val[:n].copy()
        self._alloc(entries)
        self._ent_key[:n], self._ent_val[:n] = old_key, old_val
        _buffer_rebuild(
            n,
            self._ent_key,
            self._ent_val,
            self._ent_next,
            self._slot_key,
            self._slot_head,
            self._slot_tail,
        )

    def _merge(self, keys: np.ndarray, vals: np.ndarray) -> None:
        self.generation += 1
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        n = len(self._keys)
        self._keys_buf, self._vals_buf = _merge_sorted(
            self._keys_buf, self._vals_buf, n, keys, vals[order]
        )
        self._keys, self._vals = self._keys_buf[: n + len(keys)], self._vals_buf[: n + len(keys)]
        if n and self._prefix_bits() == 64 - int(self.dir_shift):
            # Same prefixes: the directory moves by the new keys' counts alone, instead of
            # counting every key again.
            added = np.bincount(
                (keys >> self.dir_shift).astype(np.intp), minlength=len(self.directory) - 1
            )
            self.directory[1:] += np.cumsum(added)
        else:
            self._index_prefixes()


_SAMPLE_SLACK = 1 << 20  # dead sample bytes tolerated before a compaction


class _Samples:
    """Sample texts by cluster index: UTF-8 in one bytearray, an offset and a length per cluster
    in arrays (10 bytes a cluster plus the text, instead of a str object and a dict item: about
    120 bytes less a pending cluster, 1.66M of them at scale 1.0).

    Replaced or dropped texts stay in the bytearray until the dead part outweighs the live
    one; then the live texts are copied into a new one (on a write, so that dropping every
    sample after an aggregate's single `take_new_or_changed` costs nothing)."""

    __slots__ = ("_count", "_data", "_dead", "_len", "_off")

    def __init__(self) -> None:
        self._data = bytearray()
        self._off = array("Q")
        self._len = array("H")  # byte length + 1; 0: no sample
        self._count = 0
        self._dead = 0

    def __len__(self) -> int:
        return self._count

    def __contains__(self, idx: int) -> bool:
        return idx < len(self._len) and self._len[idx] > 0

    def get(self, idx: int) -> str:
        """The sample of cluster `idx`, "" if it has none."""
        if idx >= len(self._len) or not self._len[idx]:
            return ""
        start = self._off[idx]
        return self._data[start : start + self._len[idx] - 1].decode("utf-8", "surrogatepass")

    def texts(self) -> list[str]:
        return [self.get(idx) for idx in range(len(self._len)) if self._len[idx]]

    def set(self, idx: int, text: str) -> None:
        raw = text.encode("utf-8", "surrogatepass")  # SAMPLE_CHARS chars: < 2**16 - 1 bytes
        if self._dead > max(_SAMPLE_SLACK, len(self._data) - self._dead):
            self._compact()
        if idx >= len(self._len):
            grow = idx + 1 - len(self._len)
            self._off.frombytes(bytes(8 * grow))
            self._len.frombytes(bytes(2 * grow))
        self.pop(idx)
        self._off[idx] = len(self._data)
        self._len[idx] = len(raw) + 1
        self._data += raw
        self._count += 1

    def setdefault(self, idx: int, text: str) -> None:
        if idx not in self:
            self.set(idx, text)

    def pop(self, idx: int) -> None:
        if idx < len(self._len) and self._len[idx]:
            self._dead += self._len[idx] - 1
            self._len[idx] = 0
            self._count -= 1
            if not self._count:
                self._data = bytearray()
                self._dead = 0

    @property
    def nbytes(self) -> int:
        return len(self._data) + 8 * len(self._off) + 2 * len(self._len)

    def _compact(self) -> None:
        data, off, lens = bytearray(), self._off, self._len
        old = self._data
        for idx in range(len(lens)):
            if lens[idx]:
                start = off[idx]
                off[idx] = len(data)
                data += old[start : start + lens[idx] - 1]
        self._data = data
        self._dead = 0


# ------------------------------------------------------------------------- clusterer


@dataclass(frozen=True)
class ClusterRecord:
    """Plain data to persist one cluster and restore it with `PromptClusterer.load`.

    Attributes:
        cluster_id: "pc_" + 16 hex chars, the hash of the cluster's first skeleton.
        signature: MinHash hash values (uint32 range) of the first prompt's skeleton.
        skeleton_hashes: Exact skeleton hashes (16 hex chars) known to map to the cluster,
            the first skeleton's included; at most MAX_SKELETON_HASHES.
        sample: A member prompt, truncated to SAMPLE_CHARS characters. The first prompt
            while the cluster has one skeleton; a singleton that later gains a second
            skeleton reports that prompt instead (singleton samples are not kept in memory).
        extraction: Any of the cluster's distinct skeletons looked like extraction traffic
            (see `looks_like_extraction`).
    """

    cluster_id: str
    signature: list[int]
    skeleton_hashes: list[str]
    sample: str
    extraction: bool


@dataclass(frozen=True)
class ClusterColumns:
    """`take_new_or_changed` field by field, for writers that take whole columns: at millions
    of clusters, building a record or a dict for each was most of the cost of writing them.

    Attributes:
        ids: The id hash of each cluster (uint64; the id is "pc_" and its 16 hex digits).
        signatures: The MinHash signature of each cluster, one uint32 row each.
        extra_rows: For each further skeleton hash, the row it belongs to (ascending).
        extra_hashes: The further skeleton hashes (uint64), each row's in stored order; a
            row's first skeleton hash is its id hash.
        samples: The sample of each cluster ("" if it has none).
        extraction: The extraction flag of each cluster.
    """

    ids: np.ndarray
    signatures: np.ndarray
    extra_rows: np.ndarray
    extra_hashes: np.ndarray
    samples: list[str]
    extraction: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self) -> list[dict[str, object]]:
        """As rows of the aggregate folder's prompt_clusters file: {"cluster_id", "signature"
        (the hex of its little-endian uint32 values), "skeleton_hashes", "sample",
        "extraction"} per cluster."""
        sig_hex = self.signatures.astype("<u4").tobytes().hex()
        width = 8 * self.signatures.shape[1]
        cuts = np.searchsorted(self.extra_rows, np.arange(len(self.ids) + 1)).tolist()
        extra = self.extra_hashes.tolist()
        return [
            {
                "cluster_id": _format_id(key),
                "signature": sig_hex[n * width : (n + 1) * width],
                "skeleton_hashes": [f"{h:016x}" for h in (key, *extra[cuts[n] : cuts[n + 1]])],
                "sample": self.samples[n],
                "extraction": bool(self.extraction[n]),
            }
            for n, key in enumerate(self.ids.tolist())
        ]


def skeleton_hash(skeleton: str) -> int:
    """The 64-bit key of a skeleton (cluster ids and skeleton hashes are derived from it)."""
    return int.from_bytes(hashlib.blake2b(skeleton.encode(), digest_size=8).digest(), "big")


_skeleton_hash = skeleton_hash


def _format_id(key: int) -> str:
    return f"{_ID_PREFIX}{key:016x}"


def _shingle_hashes(words: list[str], size: int) -> np.ndarray:
    """32-bit hashes of the word shingles of `words` (a skeleton with fewer words: one shingle).

    Words are hashed once each with CRC-32 (stable across processes and versions, unlike
    hash(); ~10x cheaper than a SHA-1 per shingle) and combined per shingle with fixed odd
    multipliers and a 64-bit finaliser.
    """
    crc = np.fromiter((zlib.crc32(w.encode()) for w in words), dtype=np.uint64, count=len(words))
    n = max(1, len(words) - size + 1)
    acc = np.zeros(n, dtype=np.uint64)
    for i in range(min(size, len(words))):
        acc += crc[i : i + n] * _SHINGLE_MULT[i]
    return (_mix64(acc) >> _U64(32)).astype(np.uint32)


_U32_MAX = np.uint32(0xFFFFFFFF)
_MIX_C1, _MIX_C2 = _U64(0xBF58476D1CE4E5B9), _U64(0x94D049BB133111EB)
_S30, _S27, _S31 = _U64(30), _U64(27), _U64(31)


def _mix64(x: np.ndarray) -> np.ndarray:
    # splitmix64 finaliser (in place on a fresh array): spreads keys and shingle hashes.
    x = x ^ (x >> _S30)
    x *= _MIX_C1
    x ^= x >> _S27
    x *= _MIX_C2
    x ^= x >> _S31
    return x


def _crc_table() -> np.ndarray:
    # zlib's CRC-32 (reflected polynomial 0xEDB88320), one entry per byte value.
    table = np.empty(256, dtype=np.uint64)
    for byte in range(256):
        c = byte
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table[byte] = c
    return table


_CRC_TABLE = _crc_table()
_ASCII_SPACE = np.zeros(128, dtype=np.bool_)
_ASCII_SPACE[[c for c in range(128) if chr(c).isspace()]] = True


@njit(cache=True, nogil=True)
def _minhash_rows(
    data: np.ndarray,
    offsets: np.ndarray,
    size: int,
    perm_a: np.ndarray,
    perm_b: np.ndarray,
    sigs: np.ndarray,
    counts: np.ndarray,
) -> None:
    """Signature rows and distinct-shingle counts of skeletons given as UTF-8 bytes.

    Skeleton k is data[offsets[k]:offsets[k + 1]]. Its words are separated by ASCII whitespace
    (as `str.split()` separates an ASCII string), cut to the head and tail of a long skeleton
    as `PromptClusterer._signature` does, each hashed with zlib's CRC-32. Its shingles are as
    `_shingle_hashes` makes them (a skeleton shorter than a shingle has one, of all its
    words); each shingle hash h is pre-mixed with fmix32 and permuted (a * h + b mod 2**32)
    as datasketch's affine32 scheme does, and row k takes the minimum per permutation. `sigs`
    must come filled with 0xFFFFFFFF (an empty skeleton keeps that row) and `counts` with 0.
    """
    mask32 = np.uint64(0xFFFFFFFF)
    n_perm = len(perm_a)
    a = perm_a.astype(np.uint64)
    b = perm_b.astype(np.uint64)
    widest = 1
    for k in range(len(offsets) - 1):
        widest = max(widest, offsets[k + 1] - offsets[k])
    crcs = np.empty(widest // 2 + 1, dtype=np.uint64)  # a word and a space at least
    hashes = np.empty(widest // 2 + 1, dtype=np.uint64)
    best = np.empty(n_perm, dtype=np.uint64)
    for k in range(len(offsets) - 1):
        pos, end = offsets[k], offsets[k + 1]
        n_words = 0
        while pos < end:
            if data[pos] < 0x80 and _ASCII_SPACE[data[pos]]:
                pos += 1
                continue
            c = mask32
            while pos < end and not (data[pos] < 0x80 and _ASCII_SPACE[data[pos]]):
                c = _CRC_TABLE[(c ^ data[pos]) & np.uint64(0xFF)] ^ (c >> np.uint64(8))
                pos += 1
            crcs[n_words] = c ^ mask32
            n_words += 1
        if n_words == 0:
            continue
        if n_words > _HEAD_WORDS + _TAIL_WORDS:
            # The tail moves forward onto the head's end (the source never lies behind it).
            for i in range(_TAIL_WORDS):
                crcs[_HEAD_WORDS + i] = crcs[n_words - _TAIL_WORDS + i]
            n_words = _HEAD_WORDS + _TAIL_WORDS
        n_sh = max(1, n_words - size + 1)
        width = min(size, n_words)
        best[:] = mask32
        for j in range(n_sh):
            acc = np.uint64(0)
            for i in range(width):
                acc += crcs[j + i] * _SHINGLE_MULT[i]
            # splitmix64's finaliser, then the top 32 bits (as _mix64 and _shingle_hashes).
            acc ^= acc >> _S30
            acc *= _MIX_C1
            acc ^= acc >> _S27
            acc *= _MIX_C2
            acc ^= acc >> _S31
            h = acc >> np.uint64(32)
            hashes[j] = h
            # MurmurHash3's 32-bit finaliser, as datasketch's affine32 scheme pre-mixes its
            # inputs (in 64-bit arithmetic masked to 32 bits).
            h ^= h >> np.uint64(16)
            h = (h * np.uint64(0x85EBCA6B)) & mask32
            h ^= h >> np.uint64(13)
            h = (h * np.uint64(0xC2B2AE35)) & mask32
            h ^= h >> np.uint64(16)
            for p in range(n_perm):
                best[p] = min(best[p], (a[p] * h + b[p]) & mask32)
        sigs[k] = best
        run = np.sort(hashes[:n_sh])
        distinct = 1
        for j in range(1, n_sh):
            if run[j] != run[j - 1]:
                distinct += 1
        counts[k] = distinct


def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """Pick (bands, rows) for banded LSH at a Jaccard threshold.

    Minimises the area of false negatives above the threshold plus half the area of false
    positives below it: candidates are verified on the full signature, so a false positive
    only costs one comparison while a false negative loses a join.

    Args:
        threshold: Jaccard similarity at which prompts should share a cluster.
        num_perm: Number of MinHash permutations available.

    Returns:
        (bands, rows) with bands * rows <= num_perm.
    """
    s = np.linspace(0.0, 1.0, 401)
    below, above = s <= threshold, s >= threshold
    best = (1, num_perm)
    best_cost = float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            p = 1.0 - (1.0 - s**r) ** b
            fp = float(np.trapezoid(p[below], s[below]))
            fn = float(np.trapezoid(1.0 - p[above], s[above]))
            cost = 0.5 * fp + fn
            if cost < best_cost - 1e-12:
                best, best_cost = (b, r), cost
    return best


class PromptClusterer:
    """Assigns prompts to stable PromptCluster ids (see the module docstring).

    Args:
        threshold: Estimated Jaccard similarity of skeleton shingles needed to join a cluster.
        num_perm: MinHash permutations (signature length).
        shingle_size: Words per shingle.
        bands: LSH bands; rows per band is num_perm // bands. Default: `lsh_bands`.
        min_shared: A new skeleton joins a cluster only if it shares at least this many
            shingles with it (estimated as Jaccard x its own shingle count, a lower bound).
            Short prompts that differ in a word ("how do I cook rice" / "... pasta") are
            different questions, not paraphrases; merging them would link unrelated users.
    """

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        num_perm: int = DEFAULT_NUM_PERM,
        *,
        shingle_size: int = DEFAULT_SHINGLE_SIZE,
        bands: int | None = None,
        min_shared: int = DEFAULT_MIN_SHARED,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if num_perm < 2 or not 1 <= shingle_size <= len(_SHINGLE_MULT):
            raise ValueError(f"num_perm must be >= 2 and shingle_size in 1..{len(_SHINGLE_MULT)}")
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle_size = shingle_size
        self.min_shared = min_shared
        if bands is None:
            self.bands, self.rows = lsh_bands(threshold, num_perm)
        else:
            if not 1 <= bands <= num_perm:
                raise ValueError("bands must be in [1, num_perm]")
            self.bands, self.rows = bands, num_perm // bands
        # Persisted signatures and skeleton hashes are only meaningful under the same scheme;
        # the ingest layer can store this string once and compare it before load().
        self.signature_scheme = (
            f"v{NORMALISER_VERSION}:minhash-{_MINHASH_SCHEME}-crc32shingle-seed{_SEED}"
            f":p{num_perm}:w{shingle_size}"
        )
        self._min_agree = int(np.ceil(threshold * num_perm - 1e-9))
        # One MinHash reused for every prompt: building one costs more than hashing a prompt.
        # Shingles arrive already hashed to 32 bits (`_shingle_hashes`), hence hashfunc=int.
        self._minhash = MinHash(num_perm=num_perm, seed=_SEED, scheme=_MINHASH_SCHEME, hashfunc=int)
        self._empty_hashvalues = self._minhash.hashvalues.copy()
        self._perm_a = np.asarray(self._minhash.permutations[0], dtype=np.uint32)
        self._perm_b = np.asarray(self._minhash.permutations[1], dtype=np.uint32)
        rng = np.random.RandomState(0x5EED)
        # Odd multipliers for the linear band hash; band keys are never persisted, so the
        # only requirement is a good spread within one process.
        half = rng.randint(0, 1 << 62, size=self.rows, dtype=np.uint64)
        self._band_mult = half * _U64(2) + _U64(1)
        self._band_salt = rng.randint(0, 1 << 62, size=self.bands, dtype=np.uint64)

        self._ids = array("Q")  # cluster index -> id hash (the first skeleton's hash)
        self._flags = bytearray()  # cluster index -> extraction flag
        # Cluster index -> signature row. One array, not a list of blocks: the compiled LSH
        # search reads rows of scattered clusters, and a typed list's item access cost about
        # ten times a row of a plain array (it blocked the overlap of the memory loads).
        self._sigs = np.empty((0, num_perm), dtype=np.uint32)
        self._skeletons = _U64Index()  # skeleton hash -> cluster index
        self._lsh = _BandIndex(self.bands)  # band key -> cluster index
        # Per-cluster hit counters of the LSH kernel (zero between items) and its hit list.
        self._scratch = np.zeros(0, dtype=np.int32)
        self._touched = np.zeros(2 * self.bands * _BUCKET_CAP, dtype=np.int64)
        self._hot: dict[int, str] = {}  # skeleton hash -> cluster id, for repeat skeletons
        self._extra: dict[int, list[int]] = {}  # further skeleton hashes, bounded
        self._samples = _Samples()  # pending and multi-skeleton clusters only
        # Cluster index -> created or changed since the last take (one byte, not a dict item).
        self._pending = bytearray()
        self.fast_hits = 0  # assign() calls answered from a known skeleton
        self.joins = 0  # new skeletons that joined an existing cluster through LSH
        self.candidates_checked = 0  # LSH candidates verified on the full signature

    def __len__(self) -> int:
        return len(self._ids)

    # -------------------------------------------------------------------- public API

    def assign(self, prompt: str) -> str:
        """Return the cluster id for a prompt, creating a cluster if nothing matches.

        Args:
            prompt: The prompt text.

        Returns:
            The cluster id, "pc_" followed by 16 hex chars.
        """
        return self.assign_skeleton(prompt, normalise(prompt))

    def assign_skeleton(self, prompt: str, skeleton: str) -> str:
        """`assign` with the skeleton already computed (`normalise(prompt)`, e.g. in worker
        processes: normalising is the costly, order-independent part; assigning is sequential).

        Args:
            prompt: The prompt text.
            skeleton: `normalise(prompt)`.

        Returns:
            The cluster id, as `assign(prompt)` would return it.
        """
        key = _skeleton_hash(skeleton)
        cid = self._hot.get(key)
        if cid is not None:
            self.fast_hits += 1
            return cid
        known = self._skeletons.get(key)
        if known:
            self.fast_hits += 1
            cid = _format_id(self._ids[self._pick(key, known)])
            # Only second sightings enter the hot dict, so one-off benign prompts never do.
            if len(self._hot) >= _HOT_CAP:
                self._hot.clear()
            self._hot[key] = cid
            return cid
        sig, shingles = self._signature(skeleton)
        out = [""]
        self._assign_new([0], [key], [prompt], sig[None, :], np.array([shingles]), None, None, out)
        return out[0]

    def assign_batch(
        self,
        prompts: list[str],
        skeletons: list[str],
        keys: list[int] | None = None,
        extraction: list[bool] | None = None,
    ) -> list[str]:
        """`assign_skeleton` on each (prompt, skeleton) in order, with the same results and the
        same final state, at a fraction of the cost for large batches.

        Only the first occurrence of a skeleton that is not yet indexed needs the slow path;
        assigning one new skeleton never indexes another, so those can be found up front and
        their MinHash signatures and band keys computed together (vectorised), and their LSH
        buckets in the sorted index looked up in one search. The sequential part that remains,
        the candidate check (compiled, `_lsh_assign`) and the bookkeeping, runs in input order.

        Args:
            prompts: Prompt texts.
            skeletons: `normalise(prompt)` of each.
            keys: `skeleton_hash(skeleton)` of each, if already computed (e.g. by workers).
            extraction: `looks_like_extraction(prompt)` of each, if already computed.

        Returns:
            The cluster id of each prompt.
        """
        if keys is None:
            keys = [_skeleton_hash(s) for s in skeletons]
        out: list[str] = [""] * len(prompts)
        hot, index = self._hot, self._skeletons
        first_new: dict[int, int] = {}  # skeleton hash -> position of its first occurrence
        later: list[int] = []  # positions whose skeleton is new here but seen before in the batch
        for i, key in enumerate(keys):
            cid = hot.get(key)
            if cid is None:
                if key in first_new:
                    later.append(i)
                    continue
                known = index.get(key)
                if not known:
                    first_new[key] = i
                    continue
                cid = _format_id(self._ids[self._pick(key, known)])
                if len(hot) >= _HOT_CAP:
                    hot.clear()
                hot[key] = cid
            self.fast_hits += 1
            out[i] = cid
        if first_new:
            order = list(first_new.values())
            sigs, shingles = self._signatures([skeletons[i] for i in order])
            band_keys = self._band_keys(sigs)
            flags = None if extraction is None else [extraction[i] for i in order]
            self._assign_new(order, keys, prompts, sigs, shingles, band_keys, flags, out)
        for i in later:
            # What assign_skeleton does on a second sighting: the (now indexed) skeleton's
            # cluster, and the hot dict entry.
            key = keys[i]
            cid = hot.get(key)
            if cid is None:
                cid = _format_id(self._ids[self._pick(key, index.get(key))])
                if len(hot) >= _HOT_CAP:
                    hot.clear()
                hot[key] = cid
            self.fast_hits += 1
            out[i] = cid
        return out

    def _assign_new(
        self,
        order: list[int],
        keys: list[int],
        prompts: list[str],
        sigs: np.ndarray,
        shingles: np.ndarray,
        band_keys: np.ndarray | None,
        flags: list[bool] | None,
        out: list[str],
    ) -> None:
        """Assign the new skeletons at positions `order` (signatures `sigs`) in order: the LSH
        search runs in `_lsh_assign`, stopping only where the band index is due for a merge;
        the bookkeeping of each stretch follows in input order."""
        n = len(order)
        if band_keys is None:
            band_keys = self._band_keys(sigs)
        num_perm = self.num_perm
        counts = np.asarray(shingles, dtype=np.int64)
        need = np.where(
            counts > 0,
            np.maximum(self._min_agree, -(-num_perm * self.min_shared // np.maximum(counts, 1))),
            self._min_agree,
        ).astype(np.int64)
        item_ids = np.fromiter((keys[i] for i in order), dtype=np.uint64, count=n)
        result = np.empty(n, dtype=np.int64)
        created = np.zeros(n, dtype=np.bool_)
        created_item = np.empty(n, dtype=np.int64)
        sigs = np.ascontiguousarray(sigs, dtype=np.uint32)
        band_keys = np.ascontiguousarray(band_keys, dtype=np.uint64)
        lsh = self._lsh
        j = 0
        while j < n:
            n0 = len(self._ids)
            if len(self._scratch) < n0 + n:
                self._scratch = np.zeros(max(n0 + n, 2 * len(self._scratch)), dtype=np.int32)
            ids = np.frombuffer(self._ids, dtype=np.uint64) if n0 else _EMPTY_KEYS
            end, _, checked = _lsh_assign(
                j,
                band_keys,
                sigs,
                need,
                item_ids,
                *lsh.kernel_args(),
                lsh.flush_at(),
                self._sigs,
                ids,
                n0,
                self._scratch,
                self._touched,
                result,
                created,
                created_item,
                0,
                _BUCKET_CAP,
                _MAX_CANDIDATES,
            )
            del ids  # a live view of the id array would forbid appending to it
            self.candidates_checked += checked
            for jj in range(j, end):
                i = order[jj]
                flag = None if flags is None else flags[jj]
                if created[jj]:
                    self._create(keys[i], sigs[jj], prompts[i], flag)
                else:
                    self.joins += 1
                    self._join(int(result[jj]), keys[i], prompts[i], flag)
                out[i] = _format_id(self._ids[int(result[jj])])
            if end < n or lsh.state[0] >= lsh.flush_at():
                lsh.flush()
            j = end

    def load(self, records: Iterable[ClusterRecord]) -> None:
        """Restore persisted clusters (may be called more than once; duplicates merge).

        Args:
            records: Records as produced by `take_new_or_changed` in an earlier run.

        Raises:
            ValueError: A record has a malformed id or skeleton hash, or a signature whose
                length differs from num_perm.
        """
        chunk_keys: list[np.ndarray] = []
        chunk_rows: list[np.ndarray] = []
        first_new = len(self._ids)
        for rec in records:
            if not _ID_RE.fullmatch(rec.cluster_id):
                raise ValueError(f"malformed cluster id {rec.cluster_id!r}")
            key = int(rec.cluster_id[len(_ID_PREFIX) :], 16)
            # Properties missing on a node come back from Neo4j as None.
            hashes = [_parse_skeleton_hash(h) for h in rec.skeleton_hashes or ()]
            sample = rec.sample or ""
            existing = self._find(key)
            if existing is not None:
                self._merge_loaded(existing, hashes, bool(rec.extraction), sample)
                continue
            sig = _parse_signature(rec.cluster_id, rec.signature, self.num_perm)
            idx = self._append(key, sig, bool(rec.extraction))
            self._skeletons.add(key, idx)
            extra = [h for h in dict.fromkeys(hashes) if h != key][: MAX_SKELETON_HASHES - 1]
            for h in extra:
                self._skeletons.add(h, idx)
            if extra:
                self._extra[idx] = extra
                if sample:
                    self._samples.set(idx, sample[:SAMPLE_CHARS])
            chunk_rows.append(sig)
            if len(chunk_rows) >= _SIG_CHUNK:
                chunk_keys.append(self._band_keys(np.stack(chunk_rows)).ravel())
                chunk_rows = []
        if chunk_rows:
            chunk_keys.append(self._band_keys(np.stack(chunk_rows)).ravel())
        if chunk_keys:
            keys = np.concatenate(chunk_keys)
            owners = np.repeat(np.arange(first_new, len(self._ids), dtype=np.uint32), self.bands)
            self._lsh.add_many(keys, owners)
        self._hot.clear()

    def take_new_or_changed(self) -> list[ClusterRecord]:
        """Records of clusters created or changed since the last call; clears that set.

        A change is a new skeleton hash (while fewer than MAX_SKELETON_HASHES are stored) or
        the extraction flag turning true.

        Returns:
            The records, in cluster creation order.
        """
        order = self._take_pending()
        records = [self._record(idx) for idx in order]
        for idx in order:
            if idx not in self._extra:
                self._samples.pop(idx)
        return records

    def take_new_or_changed_rows(self) -> list[dict[str, object]]:
        """`take_new_or_changed` as rows of the aggregate folder's prompt_clusters file (see
        `ClusterColumns.rows`), in cluster creation order."""
        return self.take_new_or_changed_columns().rows()

    def take_new_or_changed_columns(self) -> ClusterColumns:
        """`take_new_or_changed` as columns, in cluster creation order; clears that set."""
        order = self._take_pending()
        idxs = np.array(order, dtype=np.intp)
        extra, samples = self._extra, self._samples
        extra_rows: list[int] = []
        extra_hashes: list[int] = []
        for n, idx in enumerate(order):
            more = extra.get(idx)
            if more:
                extra_rows.extend([n] * len(more))
                extra_hashes.extend(more)
        columns = ClusterColumns(
            ids=np.frombuffer(self._ids, dtype=np.uint64)[idxs],
            signatures=self._sig_rows(idxs),
            extra_rows=np.array(extra_rows, dtype=np.int64),
            extra_hashes=np.array(extra_hashes, dtype=np.uint64),
            samples=[samples.get(idx) for idx in order],
            extraction=np.frombuffer(self._flags, dtype=np.uint8)[idxs].astype(bool),
        )
        for idx in order:
            if idx not in extra:
                samples.pop(idx)
        return columns

    def _take_pending(self) -> list[int]:
        """Indices of the clusters created or changed since the last call, ascending."""
        flags = np.frombuffer(self._pending, dtype=np.uint8) if self._pending else _EMPTY_FLAGS
        order: list[int] = np.flatnonzero(flags).tolist()
        del flags  # a live view would forbid growing the bytearray
        if order:
            self._pending = bytearray(len(self._pending))
        return order

    def memory_bytes(self) -> int:
        """Approximate bytes held by the numpy/array state, samples included (dicts not counted)."""
        return (
            self._ids.buffer_info()[1] * self._ids.itemsize
            + len(self._flags)
            + len(self._pending)
            + len(self._ids) * self.num_perm * 4  # rows beyond these are never touched
            + self._skeletons.nbytes
            + self._lsh.nbytes
            + self._samples.nbytes
        )

    # ------------------------------------------------------------------- internals

    def _signature(self, skeleton: str) -> tuple[np.ndarray, int]:
        """The MinHash signature and the number of distinct shingles."""
        words = skeleton.split()
        if len(words) > _HEAD_WORDS + _TAIL_WORDS:
            words = words[:_HEAD_WORDS] + words[-_TAIL_WORDS:]
        mh = self._minhash
        mh.hashvalues = self._empty_hashvalues
        shingles = 0
        if words:
            hashes = _shingle_hashes(words, self.shingle_size).tolist()
            shingles = len(set(hashes))
            mh.update_batch(hashes)
        return np.asarray(mh.hashvalues, dtype=np.uint32), shingles

    def _signatures(self, skeletons: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """`_signature` of many skeletons at once: (n x num_perm uint32, n shingle counts).

        Bit-identical to datasketch's affine32 `update_batch` per skeleton: the skeletons go to
        the compiled `_minhash_rows` as one buffer of UTF-8 bytes, which splits, hashes and
        permutes them (in Python, splitting and looking up each word's CRC-32 cost three times
        the arithmetic).
        """
        n = len(skeletons)
        sigs = np.full((n, self.num_perm), _U32_MAX, dtype=np.uint32)
        counts = np.zeros(n, dtype=np.int64)
        # str.split() also splits on non-ASCII whitespace (U+00A0, U+2028 ...): such a skeleton
        # goes in with its words rejoined by ASCII spaces, so the kernel splits on ASCII alone.
        encoded = [(s if s.isascii() else " ".join(s.split())).encode() for s in skeletons]
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=n), out=offsets[1:])
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        _minhash_rows(
            data,
            offsets,
            self.shingle_size,
            self._perm_a,
            self._perm_b,
            sigs,
            counts,
        )
        return sigs, counts

    def _band_keys(self, sigs: np.ndarray) -> np.ndarray:
        n = sigs.shape[0]
        bands = sigs[:, : self.bands * self.rows].reshape(n, self.bands, self.rows)
        mixed = (bands.astype(np.uint64) * self._band_mult).sum(axis=2, dtype=np.uint64)
        return _mix64(mixed + self._band_salt)

    def _sig_rows(self, idxs: np.ndarray) -> np.ndarray:
        """Signature rows of many clusters (a copy)."""
        return self._sigs[np.asarray(idxs, dtype=np.intp)]

    def _sig_row(self, idx: int) -> np.ndarray:
        return self._sigs[idx]

    def _pick(self, key: int, candidates: list[int]) -> int:
        if len(candidates) == 1:
            return candidates[0]
        # Only records merged from divergent runs map one skeleton to several clusters: the
        # cluster founded on that skeleton wins, else the smallest id (order-independent).
        ids = self._ids
        for idx in candidates:
            if ids[idx] == key:
                return idx
        return min(candidates, key=lambda i: ids[i])

    def _find(self, key: int) -> int | None:
        for idx in self._skeletons.get(key):
            if self._ids[idx] == key:
                return idx
        return None

    def _append(self, key: int, sig: np.ndarray, extraction: bool) -> int:
        idx = len(self._ids)
        if idx == len(self._sigs):
            # Grow by half: the copy is amortised, and np.empty leaves the spare rows
            # untouched (no memory until they are written).
            grown = np.empty((max(_SIG_MIN_ROWS, idx + idx // 2), self.num_perm), dtype=np.uint32)
            grown[:idx] = self._sigs
            self._sigs = grown
        self._sigs[idx] = sig
        self._ids.append(key)
        self._flags.append(1 if extraction else 0)
        self._pending.append(0)
        return idx

    def _create(self, key: int, sig: np.ndarray, prompt: str, extraction: bool | None) -> int:
        # Its LSH bands are already in the band index (`_lsh_assign` put them there).
        if extraction is None:
            extraction = looks_like_extraction(prompt)
        idx = self._append(key, sig, extraction)
        self._skeletons.add(key, idx)
        self._samples.set(idx, prompt[:SAMPLE_CHARS])
        self._pending[idx] = 1
        return idx

    def _join(self, idx: int, key: int, prompt: str, extraction: bool | None = None) -> None:
        self._skeletons.add(key, idx)
        changed = False
        extra = self._extra.get(idx)
        if extra is None:
            self._extra[idx] = [key]
            changed = True
        elif len(extra) < MAX_SKELETON_HASHES - 1:
            extra.append(key)
            changed = True
        if not self._flags[idx] and (
            looks_like_extraction(prompt) if extraction is None else extraction
        ):
            self._flags[idx] = 1
            changed = True
        if changed:
            self._samples.setdefault(idx, prompt[:SAMPLE_CHARS])
            self._pending[idx] = 1

    def _merge_loaded(self, idx: int, hashes: list[int], extraction: bool, sample: str) -> None:
        own = self._ids[idx]
        extra = self._extra.setdefault(idx, [])
        for h in hashes:
            if h != own and h not in extra and len(extra) < MAX_SKELETON_HASHES - 1:
                extra.append(h)
                self._skeletons.add(h, idx)
        if not extra:
            del self._extra[idx]
        elif sample and idx not in self._samples:
            self._samples.set(idx, sample[:SAMPLE_CHARS])
        if extraction:
            self._flags[idx] = 1

    def _record(self, idx: int) -> ClusterRecord:
        key = self._ids[idx]
        hashes = [key, *self._extra.get(idx, ())]
        return ClusterRecord(
            cluster_id=_format_id(key),
            signature=self._sig_row(idx).tolist(),
            skeleton_hashes=[f"{h:016x}" for h in hashes],
            sample=self._samples.get(idx),
            extraction=bool(self._flags[idx]),
        )


def _parse_signature(cluster_id: str, values: list[int] | None, num_perm: int) -> np.ndarray:
    if values is None or len(values) != num_perm:
        got = "no" if values is None else len(values)
        raise ValueError(f"{cluster_id}: signature has {got} values, expected num_perm={num_perm}")
    try:
        sig = np.array(values, dtype=np.int64)
    except (OverflowError, TypeError, ValueError):
        raise ValueError(f"{cluster_id}: signature values are not 32-bit integers") from None
    if sig.min() < 0 or sig.max() > 0xFFFFFFFF:
        raise ValueError(f"{cluster_id}: signature values are not 32-bit integers")
    return sig.astype(np.uint32)


def _parse_skeleton_hash(text: str) -> int:
    if len(text) != 16:
        raise ValueError(f"malformed skeleton hash {text!r}")
    try:
        return int(text, 16)
    except ValueError:
        raise ValueError(f"malformed skeleton hash {text!r}") from None
