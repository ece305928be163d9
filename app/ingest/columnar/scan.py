"""A compiled pre-scan of a chunk's lines: where each known field's value sits, for plain lines.

The DuckDB engine's general JSON extraction (`shim.extraction_sql`) parses every line four
times with yyjson and screens it with three regular expressions: about a third of the parse
phase's CPU. Almost every line of real traffic is a flat object of known fields, so this
module scans the bytes once (numba) and, for a line it fully understands, records per field
a kind code and the value's position in the line. `fast_extraction_sql` turns those into the
same `t_F` / `s_F` columns by slicing the line. Every other line (nested values, non-integer
numbers, unknown or repeated keys, anything not strictly JSON) keeps the general extraction,
so the relation `j` is the same for every line either way; the tests compare the two.

A line the scan takes must also be one the general extraction would have passed as `json_ok`:
the scan therefore turns down the lines that extraction's screens send to the slow path even
where they are valid JSON (a trailing-comma or lone-surrogate pattern inside a string).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from app.ingest.columnar.shim import FIELDS, extraction_sql

# Line status.
GENERAL = 0  # the general extraction decides
PLAIN = 1  # scanned: every known field's kind and position recorded
BLANK = 2  # only [ \t\r\n\v\f]: not a line to parse

# Per-field kinds for PLAIN lines (0: the field is absent).
STRING = 1  # no escapes: the value is the text between the quotes
ESCAPED = 2  # with escapes: the position covers the quotes, JSON decodes it
INTEGER = 3  # -?(0|[1-9][0-9]*), at most 18 digits, not -0: the text is the value
BOOLEAN = 4  # true / false: the text is the value
NULL = 5

_SIMPLE_ESCAPES = (34, 92, 47, 98, 102, 110, 114, 116)  # \" \\ \/ \b \f \n \r \t
_MAX_DIGITS = 18  # within 64 bits, and the text is what json_extract_string prints
_KEYS = np.frombuffer("".join(FIELDS).encode("ascii"), dtype=np.uint8)
_KEY_ENDS = np.cumsum([len(f) for f in FIELDS]).astype(np.int64)
# A field's (length, second character) is unique among FIELDS: the one candidate to compare.
_KEY_TABLE = np.full((max(map(len, FIELDS)) + 1, 128), -1, dtype=np.int16)
for _i, _f in enumerate(FIELDS):
    if _KEY_TABLE[len(_f), ord(_f[1])] != -1:
        raise RuntimeError(f"{_f!r} shares its length and second character: rework _KEY_TABLE")
    _KEY_TABLE[len(_f), ord(_f[1])] = _i


@njit(cache=True, inline="always")
def _is_ws(b: int) -> bool:
    return b == 32 or b == 9 or b == 13


@njit(cache=True, inline="always")
def _is_hex(b: int) -> bool:
    return (48 <= b <= 57) or (65 <= b <= 70) or (97 <= b <= 102)


@njit(cache=True, inline="always")
def _surrogate_like(data, p, end):  # type: ignore[no-untyped-def]
    """Does data[p:] start with the general extraction's lone-surrogate screen, \\u[dD][89a-fA-F]?"""
    if p + 3 >= end or data[p + 1] != 117 or (data[p + 2] != 100 and data[p + 2] != 68):
        return False
    c = data[p + 3]
    return (56 <= c <= 57) or (97 <= c <= 102) or (65 <= c <= 70)


@njit(cache=True, inline="always")
def _field(data, start, end):  # type: ignore[no-untyped-def]
    """Index of the key data[start:end] in FIELDS, or -1."""
    n = end - start
    if n < 2 or n >= _KEY_TABLE.shape[0]:
        return -1
    f = _KEY_TABLE[n, data[start + 1]]
    if f < 0:
        return -1
    lo = _KEY_ENDS[f - 1] if f > 0 else 0
    for k in range(n):
        if data[start + k] != _KEYS[lo + k]:
            return -1
    return f


@njit(cache=True)
def _skip_ws(data, p, end):  # type: ignore[no-untyped-def]
    while p < end and _is_ws(data[p]):
        p += 1
    return p


@njit(cache=True)
def _scan_line(data, pos, kind, at, length, offset, size, row):  # type: ignore[no-untyped-def]
    """Scan the line from data[pos] (up to a newline), filling row `row` of kind/at/length
    (characters, for DuckDB's substring) and offset/size (bytes from the line's start, of the
    text between a string's quotes or of the other values' text).

    Returns PLAIN and the position of the line's end, or GENERAL and where the scan stopped
    (a newline is neither JSON whitespace nor any expected character, so the scan stops at
    the line's end at the latest)."""
    end = data.shape[0]
    # Only string values hold non-ASCII bytes, so byte p is character p - pos - cont (0-based),
    # where cont counts the UTF-8 continuation bytes passed so far.
    cont = 0
    p = _skip_ws(data, pos, end)
    if p == end or data[p] != 123:  # "{"
        return GENERAL, p
    p = _skip_ws(data, p + 1, end)
    if p < end and data[p] == 125:  # "}": an empty object
        p += 1
    else:
        while True:
            # key
            if p >= end or data[p] != 34:
                return GENERAL, p
            p += 1
            key_start = p
            while p < end and data[p] != 34:
                b = data[p]
                if b == 92 or b < 32 or b >= 128:  # escapes or non-ASCII: not a known field
                    return GENERAL, p
                p += 1
            if p >= end:
                return GENERAL, p
            f = _field(data, key_start, p)
            if f < 0 or kind[f, row] != 0:  # unknown or repeated key
                return GENERAL, p
            p = _skip_ws(data, p + 1, end)
            if p >= end or data[p] != 58:  # ":"
                return GENERAL, p
            p = _skip_ws(data, p + 1, end)
            if p >= end:
                return GENERAL, p
            b = data[p]
            if b == 34:  # string
                quote = p
                cont_before = cont
                p += 1
                escaped = False
                while True:
                    if p >= end:
                        return GENERAL, p
                    b = data[p]
                    if b == 34:
                        break
                    if b < 32:
                        return GENERAL, p
                    if b == 92:
                        # The general extraction sends any text that looks like a lone
                        # surrogate escape to the slow path, even one that starts at an
                        # escaped backslash ("\\\\ud8.."): so does this scan.
                        if _surrogate_like(data, p, end) or (
                            p + 1 < end and data[p + 1] == 92 and _surrogate_like(data, p + 1, end)
                        ):
                            return GENERAL, p
                        if p + 1 >= end:
                            return GENERAL, p
                        e = data[p + 1]
                        if e == 117:  # \uXXXX
                            if p + 5 >= end:
                                return GENERAL, p
                            for k in range(2, 6):
                                if not _is_hex(data[p + k]):
                                    return GENERAL, p
                            p += 6
                        elif e in _SIMPLE_ESCAPES:
                            p += 2
                        else:
                            return GENERAL, p
                        escaped = True
                        continue
                    if b == 44:  # "," then [ \t\r]* then "}" or "]": a trailing-comma screen
                        q = _skip_ws(data, p + 1, end)
                        if q < end and (data[q] == 125 or data[q] == 93):
                            return GENERAL, p
                    if (b & 0xC0) == 0x80:
                        cont += 1
                    p += 1
                # The quotes are ASCII: from `quote` to `p` (the closing quote) the characters
                # are the bytes less the continuation bytes in between.
                if escaped:
                    kind[f, row] = ESCAPED
                    at[f, row] = quote - pos - cont_before + 1
                    length[f, row] = p + 1 - quote - (cont - cont_before)
                else:
                    kind[f, row] = STRING
                    at[f, row] = quote - pos - cont_before + 2
                    length[f, row] = p - quote - 1 - (cont - cont_before)
                offset[f, row] = quote + 1 - pos
                size[f, row] = p - quote - 1
                p += 1
            elif b == 45 or (48 <= b <= 57):  # integer
                start = p
                if b == 45:
                    p += 1
                digits_start = p
                while p < end and 48 <= data[p] <= 57:
                    p += 1
                digits = p - digits_start
                if digits == 0 or digits > _MAX_DIGITS:
                    return GENERAL, p
                if data[digits_start] == 48 and (digits > 1 or b == 45):  # leading zero, -0
                    return GENERAL, p
                if p < end and (data[p] == 46 or data[p] == 101 or data[p] == 69):
                    return GENERAL, p  # fraction or exponent: not an integer
                kind[f, row] = INTEGER
                at[f, row] = start - pos - cont + 1
                length[f, row] = p - start
                offset[f, row] = start - pos
                size[f, row] = p - start
            elif b == 116 or b == 102 or b == 110:  # true, false, null
                word = 4 if b != 102 else 5
                if p + word > end:
                    return GENERAL, p
                if b == 116 and not (
                    data[p + 1] == 114 and data[p + 2] == 117 and data[p + 3] == 101
                ):
                    return GENERAL, p
                if b == 102 and not (
                    data[p + 1] == 97
                    and data[p + 2] == 108
                    and data[p + 3] == 115
                    and data[p + 4] == 101
                ):
                    return GENERAL, p
                if b == 110 and not (
                    data[p + 1] == 117 and data[p + 2] == 108 and data[p + 3] == 108
                ):
                    return GENERAL, p
                kind[f, row] = NULL if b == 110 else BOOLEAN
                at[f, row] = p - pos - cont + 1
                length[f, row] = word
                offset[f, row] = p - pos
                size[f, row] = word
                p += word
            else:  # object, array or not JSON
                return GENERAL, p
            p = _skip_ws(data, p, end)
            if p >= end:
                return GENERAL, p
            if data[p] == 44:  # ","
                p = _skip_ws(data, p + 1, end)
                continue
            if data[p] == 125:  # "}"
                p += 1
                break
            return GENERAL, p
    p = _skip_ws(data, p, end)
    if p == end or data[p] == 10:
        return PLAIN, p
    return GENERAL, p


# nogil: two parser threads scan and run DuckDB side by side.
@njit(cache=True, nogil=True)
def _scan(data, n_lines, status, kind, at, length, offset, size, line_start, line_end):  # type: ignore[no-untyped-def]
    pos = 0
    end = data.shape[0]
    for row in range(n_lines):
        line_start[row] = pos
        p = pos
        while p < end and (data[p] == 32 or (9 <= data[p] <= 13 and data[p] != 10)):
            p += 1
        if p == end or data[p] == 10:
            status[row] = BLANK
        else:
            s, p = _scan_line(data, pos, kind, at, length, offset, size, row)
            if s != PLAIN:
                for f in range(kind.shape[0]):
                    kind[f, row] = 0
                while p < end and data[p] != 10:
                    p += 1
            status[row] = s
        line_end[row] = p
        pos = p + 1


@dataclass
class Scanned:
    """A chunk's scan: per line `status` and [line_start, line_end) in bytes (the newline
    excluded); per field (rows of FIELDS) and line the value's kind, its character position
    and length (`at`, 1-based, and `length`) and its byte offset from the line's start and
    byte size (`offset`, `size`; for strings the text between the quotes)."""

    status: np.ndarray
    kind: np.ndarray
    at: np.ndarray
    length: np.ndarray
    offset: np.ndarray
    size: np.ndarray
    line_start: np.ndarray
    line_end: np.ndarray

    def columns(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """The columns `fast_extraction_sql` reads (`status`, per field F `k_F`, `a_F`,
        `n_F`) for the line indexes `rows`, as copies."""
        columns = {"status": self.status[rows]}
        for i, f in enumerate(FIELDS):
            columns[f"k_{f}"] = self.kind[i, rows]
            columns[f"a_{f}"] = self.at[i, rows]
            columns[f"n_{f}"] = self.length[i, rows]
        return columns


def scan_chunk(data: bytes, n_lines: int) -> Scanned:
    """Scan the first `n_lines` lines of `data`."""
    fields = len(FIELDS)
    status = np.zeros(n_lines, dtype=np.uint8)
    kind = np.zeros((fields, n_lines), dtype=np.uint8)
    at = np.zeros((fields, n_lines), dtype=np.int32)
    length = np.zeros((fields, n_lines), dtype=np.int32)
    offset = np.zeros((fields, n_lines), dtype=np.int32)
    size = np.zeros((fields, n_lines), dtype=np.int32)
    line_start = np.zeros(n_lines, dtype=np.int64)
    line_end = np.zeros(n_lines, dtype=np.int64)
    _scan(
        np.frombuffer(data, dtype=np.uint8),
        n_lines,
        status,
        kind,
        at,
        length,
        offset,
        size,
        line_start,
        line_end,
    )
    return Scanned(status, kind, at, length, offset, size, line_start, line_end)


def fast_extraction_sql(source: str) -> str:
    """The relation `j` (as `shim.extraction_sql` builds it) over `source`, which has the
    columns file_idx, line_no, line and those of `scan`: PLAIN lines from their positions,
    the others by the general extraction."""
    cols = ",\n  ".join(
        f"CASE k_{f} WHEN {STRING} THEN 's' WHEN {ESCAPED} THEN 's' WHEN {INTEGER} THEN 'i' "
        f"WHEN {BOOLEAN} THEN 'b' WHEN {NULL} THEN 'n' ELSE 'm' END AS t_{f},\n  "
        f"CASE WHEN k_{f} IN ({STRING}, {INTEGER}, {BOOLEAN}) THEN substring(line, a_{f}, n_{f}) "
        f"WHEN k_{f} = {ESCAPED} THEN json_extract_string(substring(line, a_{f}, n_{f}), '$') "
        f"END AS s_{f}"
        for f in FIELDS
    )
    general = extraction_sql(
        "duckdb",
        f"(SELECT file_idx, line_no, line FROM {source} WHERE status = {GENERAL})",  # noqa: S608 - constants of this package
    )
    return (
        f"SELECT file_idx, line_no, line, true AS json_ok,\n  {cols}\n"
        f"FROM {source} WHERE status = {PLAIN}\nUNION ALL\n{general}"
    )
