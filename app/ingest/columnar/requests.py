"""Compiled typed parse of plain request lines, the bulk of every input (DuckDB engine).

After the pre-scan (`scan.py`) has located each field of a plain line, the SQL fast path
(`sql/parse.sql`) still slices every value out of the line, checks it and converts it in
DuckDB, and the line itself has to be loaded into DuckDB first: about two thirds of the
parse's CPU on request lines. This module does that work for request lines in one numba pass:
it applies parse.sql's rules for a request to the scanned values, decodes JSON escapes, converts
the timestamp, computes the prompt key (md5 of the prompt with digits 1-9 made 0) and hands
DuckDB finished columns as Arrow arrays, plus the chunk's first line of each prompt key.

A line is taken here only when parse.sql would give it `fast_ok` with exactly these values;
whatever this pass is not sure of (another kind, an escaped timestamp or type, a value at a
limit it cannot decide without decoding, invalid UTF-8, a `\\u0000` escape, ...) is left to the
SQL path, which decides as before. So the rows are the same either way; the unit tests run both
on the same lines and compare.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numba import njit

from app.ingest.columnar.common import ORD_FILE_SHIFT
from app.ingest.columnar.md5kernel import md5_hex_folded
from app.ingest.columnar.scan import ESCAPED, INTEGER, NULL, PLAIN, STRING, Scanned
from app.ingest.columnar.shim import FIELDS

_F = {name: i for i, name in enumerate(FIELDS)}
_TYPE, _ACCOUNT, _TS, _IP = _F["type"], _F["account_id"], _F["ts"], _F["ip"]
_DEVICE, _UA, _PROMPT, _MODEL = _F["device_id"], _F["user_agent"], _F["prompt"], _F["model"]
_IN, _OUT = _F["input_tokens"], _F["output_tokens"]

# parse.sql's limits (bytes of the decoded value; a line's bytes).
_ID_MAX = 256
_UA_MAX = 1000
_PROMPT_MAX = 200_000
_MODEL_MAX = 200
_TOKENS_MAX = 1_000_000_000
_LINE_MAX = 4_194_304
_KEY = 32  # hex digits of the md5 prompt key

# The output string columns, in this order in the kernel's offset/valid arrays.
_C_ACCOUNT, _C_IP, _C_DEVICE, _C_UA, _C_KEY = range(5)
_STRING_COLUMNS = ("account_id", "ip", "device_id", "user_agent", "prompt_key")
_REQUEST = np.frombuffer(b"request", dtype=np.uint8)


@njit(cache=True, inline="always")
def _hex(b):  # type: ignore[no-untyped-def]
    if 48 <= b <= 57:
        return b - 48
    if 97 <= b <= 102:
        return b - 87
    if 65 <= b <= 70:
        return b - 55
    return -1


@njit(cache=True)
def _utf8_ok(data, start, end):  # type: ignore[no-untyped-def]
    """Is data[start:end] UTF-8 as Python decodes it (no overlong forms, surrogates or code
    points beyond U+10FFFF)?"""
    p = start
    while p < end:
        b = data[p]
        if b < 128:
            p += 1
            continue
        if 0xC2 <= b <= 0xDF:
            n, lo, hi = 1, 0x80, 0xBF
        elif b == 0xE0:
            n, lo, hi = 2, 0xA0, 0xBF
        elif b == 0xED:
            n, lo, hi = 2, 0x80, 0x9F
        elif 0xE1 <= b <= 0xEF:
            n, lo, hi = 2, 0x80, 0xBF
        elif b == 0xF0:
            n, lo, hi = 3, 0x90, 0xBF
        elif 0xF1 <= b <= 0xF3:
            n, lo, hi = 3, 0x80, 0xBF
        elif b == 0xF4:
            n, lo, hi = 3, 0x80, 0x8F
        else:
            return False
        if p + n >= end:
            return False
        c = data[p + 1]
        if c < lo or c > hi:
            return False
        for k in range(2, n + 1):
            c = data[p + k]
            if c < 0x80 or c > 0xBF:
                return False
        p += n + 1
    return True


@njit(cache=True)
def _decode(data, start, size, escaped, out, at):  # type: ignore[no-untyped-def]
    """Write the JSON string text data[start:start + size] decoded into out[at:]; returns the
    decoded length, or -1 for what this pass leaves to SQL (a \\u0000 escape)."""
    if not escaped:
        out[at : at + size] = data[start : start + size]
        return size
    p = start
    end = start + size
    q = at
    while p < end:
        b = data[p]
        if b != 92:
            out[q] = b
            q += 1
            p += 1
            continue
        e = data[p + 1]
        if e == 117:  # \uXXXX: the scan let through no surrogate, so 1 to 3 UTF-8 bytes
            c = 0
            for k in range(2, 6):
                c = c * 16 + _hex(data[p + k])
            if c == 0:
                return -1
            if c < 0x80:
                out[q] = c
                q += 1
            elif c < 0x800:
                out[q] = 0xC0 | (c >> 6)
                out[q + 1] = 0x80 | (c & 0x3F)
                q += 2
            else:
                out[q] = 0xE0 | (c >> 12)
                out[q + 1] = 0x80 | ((c >> 6) & 0x3F)
                out[q + 2] = 0x80 | (c & 0x3F)
                q += 3
            p += 6
            continue
        if e == 98:
            out[q] = 8
        elif e == 102:
            out[q] = 12
        elif e == 110:
            out[q] = 10
        elif e == 114:
            out[q] = 13
        elif e == 116:
            out[q] = 9
        else:  # \" \\ \/
            out[q] = e
        q += 1
        p += 2
    return q - at


@njit(cache=True, inline="always")
def _has_alnum(buf, start, end):  # type: ignore[no-untyped-def]
    for p in range(start, end):
        b = buf[p]
        if (48 <= b <= 57) or (65 <= b <= 90) or (97 <= b <= 122):
            return True
    return False


@njit(cache=True, inline="always")
def _digits(data, p, n):  # type: ignore[no-untyped-def]
    """The value of the n ASCII digits at data[p:], or -1 if one is not a digit."""
    v = 0
    for k in range(n):
        b = data[p + k]
        if b < 48 or b > 57:
            return -1
        v = v * 10 + (b - 48)
    return v


_NO_TIME = np.iinfo(np.int64).min


@njit(cache=True)
def _timestamp_us(data, p, size):  # type: ignore[no-untyped-def]
    """parse.sql's `when_us` for the text data[p:p + size], or _NO_TIME where it has no value
    (`YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|±HH:MM)`, a real date, years 1971-9998)."""
    if size < 20:
        return _NO_TIME
    if data[p + 4] != 45 or data[p + 7] != 45 or data[p + 10] != 84:
        return _NO_TIME
    if data[p + 13] != 58 or data[p + 16] != 58:
        return _NO_TIME
    y = _digits(data, p, 4)
    mo = _digits(data, p + 5, 2)
    d = _digits(data, p + 8, 2)
    hh = _digits(data, p + 11, 2)
    mi = _digits(data, p + 14, 2)
    ss = _digits(data, p + 17, 2)
    if y < 0 or mo < 0 or d < 0 or hh < 0 or mi < 0 or ss < 0:
        return _NO_TIME
    q = p + 19
    end = p + size
    frac = 0
    if data[q] == 46:  # "."
        q += 1
        n = 0
        while q < end and 48 <= data[q] <= 57:
            if n == 6:
                return _NO_TIME
            frac = frac * 10 + (data[q] - 48)
            n += 1
            q += 1
        if n == 0:
            return _NO_TIME
        for _ in range(6 - n):
            frac *= 10
    if q >= end:
        return _NO_TIME
    zone = 0
    if data[q] == 90:  # "Z"
        if q + 1 != end:
            return _NO_TIME
    elif data[q] == 43 or data[q] == 45:
        if q + 6 != end or data[q + 3] != 58:
            return _NO_TIME
        zh = _digits(data, q + 1, 2)
        zm = _digits(data, q + 4, 2)
        if zh < 0 or zm < 0 or zh > 23 or zm > 59:
            return _NO_TIME
        zone = (zh * 3600 + zm * 60) * (-1 if data[q] == 45 else 1)
    else:
        return _NO_TIME
    if y < 1971 or y > 9998 or mo < 1 or mo > 12 or d < 1 or hh > 23 or mi > 59 or ss > 59:
        return _NO_TIME
    if mo == 2:
        leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
        days_in = 29 if leap else 28
    elif mo == 4 or mo == 6 or mo == 9 or mo == 11:
        days_in = 30
    else:
        days_in = 31
    if d > days_in:
        return _NO_TIME
    # Days from the civil date (H. Hinnant's algorithm), as parse.sql computes them.
    yy = y - 1 if mo <= 2 else y
    mp = mo - 3 if mo > 2 else mo + 9
    era = yy // 400
    yoe = yy - era * 400
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + (153 * mp + 2) // 5 + d - 1 - 719468
    return (days * 86400 + hh * 3600 + mi * 60 + ss - zone) * 1_000_000 + frac


@njit(cache=True, inline="always")
def _ipv4_canonical(data, p, size):  # type: ignore[no-untyped-def]
    """Four dot-separated decimal octets 0-255 without leading zeros."""
    end = p + size
    octets = 0
    while True:
        start = p
        v = 0
        while p < end and 48 <= data[p] <= 57:
            v = v * 10 + (data[p] - 48)
            p += 1
        n = p - start
        if n == 0 or n > 3 or v > 255 or (n > 1 and data[start] == 48):
            return False
        octets += 1
        if octets == 4:
            return p == end
        if p >= end or data[p] != 46:
            return False
        p += 1


@njit(cache=True, inline="always")
def _tokens(data, kind, base, offset, size):  # type: ignore[no-untyped-def]
    """parse.sql's token count (0 when absent or null), or -1 where it would not accept it."""
    if kind == 0 or kind == NULL:
        return 0
    if kind != INTEGER or data[base + offset] == 45:
        return -1
    v = _digits(data, base + offset, size)
    return v if v <= _TOKENS_MAX else -1


@njit(cache=True, inline="always")
def _text(data, kind, base, offset, size, limit, out, at):  # type: ignore[no-untyped-def]
    """Decode a string value into out[at:]: its length, -1 for null/absent, -2 where this pass
    leaves the line to SQL (not a string, or possibly over `limit` bytes)."""
    if kind == 0 or kind == NULL:
        return -1
    if kind != STRING and kind != ESCAPED:
        return -2
    n = _decode(data, base + offset, size, kind == ESCAPED, out, at)
    if n < 0 or n > limit:
        return -2
    return n


@njit(cache=True, inline="always")
def _key_slot(keys, at, mask):  # type: ignore[no-untyped-def]
    h = np.uint64(1469598103934665603)
    for k in range(16):
        h = (h ^ np.uint64(keys[at + k])) * np.uint64(1099511628211)
    return np.int64(h & np.uint64(mask))


@njit(cache=True, nogil=True)
def _parse_requests(  # type: ignore[no-untyped-def]
    data,
    status,
    kind,
    offset,
    size,
    line_start,
    line_end,
    taken,
    rows,
    ts_us,
    tokens_in,
    tokens_out,
    str_off,
    str_valid,
    account_buf,
    ip_buf,
    device_buf,
    ua_buf,
    key_buf,
    first_rows,
    prompt_off,
    prompt_buf,
    table,
):
    """Fill the outputs for the request lines this pass takes (see the module docstring);
    returns (rows taken, firsts of a prompt key among them)."""
    n = 0
    n_first = 0
    mask = table.shape[0] - 1
    for row in range(status.shape[0]):
        if status[row] != PLAIN or kind[_TYPE, row] != STRING or size[_TYPE, row] != 7:
            continue
        base = line_start[row]
        t = base + offset[_TYPE, row]
        same = True
        for k in range(7):
            if data[t + k] != _REQUEST[k]:
                same = False
        if not same:
            continue
        if line_end[row] - base >= _LINE_MAX or not _utf8_ok(data, base, line_end[row]):
            continue
        if kind[_TS, row] != STRING:
            continue
        when = _timestamp_us(data, base + offset[_TS, row], size[_TS, row])
        if when == _NO_TIME:
            continue
        t_in = _tokens(data, kind[_IN, row], base, offset[_IN, row], size[_IN, row])
        t_out = _tokens(data, kind[_OUT, row], base, offset[_OUT, row], size[_OUT, row])
        if t_in < 0 or t_out < 0:
            continue
        k = kind[_MODEL, row]
        # Decoding never lengthens a value: within the limit undecoded is within it.
        if (k != 0 and k != NULL) and (
            (k != STRING and k != ESCAPED) or size[_MODEL, row] > _MODEL_MAX
        ):
            continue
        # account_id: a string of at most 256 bytes with a letter or digit
        a0 = str_off[_C_ACCOUNT, n]
        la = _text(
            data,
            kind[_ACCOUNT, row],
            base,
            offset[_ACCOUNT, row],
            size[_ACCOUNT, row],
            _ID_MAX,
            account_buf,
            a0,
        )
        if la < 0 or not _has_alnum(account_buf, a0, a0 + la):
            continue
        # ip: absent, null or canonical IPv4
        i0 = str_off[_C_IP, n]
        k = kind[_IP, row]
        li = -1
        if k != 0 and k != NULL:
            if k != STRING or not _ipv4_canonical(data, base + offset[_IP, row], size[_IP, row]):
                continue
            li = _text(data, k, base, offset[_IP, row], size[_IP, row], 64, ip_buf, i0)
        d0 = str_off[_C_DEVICE, n]
        ld = _text(
            data,
            kind[_DEVICE, row],
            base,
            offset[_DEVICE, row],
            size[_DEVICE, row],
            _ID_MAX,
            device_buf,
            d0,
        )
        if ld == -2 or (ld >= 0 and not _has_alnum(device_buf, d0, d0 + ld)):
            continue
        u0 = str_off[_C_UA, n]
        lu = _text(
            data, kind[_UA, row], base, offset[_UA, row], size[_UA, row], _UA_MAX, ua_buf, u0
        )
        if lu == -2:
            continue
        p0 = prompt_off[n_first]
        lp = _text(
            data,
            kind[_PROMPT, row],
            base,
            offset[_PROMPT, row],
            size[_PROMPT, row],
            _PROMPT_MAX,
            prompt_buf,
            p0,
        )
        if lp == -2:
            continue
        # Taken. The prompt key, and whether it is the chunk's first line with it.
        k0 = str_off[_C_KEY, n]
        first = False
        if lp > 0:
            md5_hex_folded(prompt_buf, p0, p0 + lp, key_buf, k0)
            slot = _key_slot(key_buf, k0, mask)
            while True:
                other = table[slot]
                if other < 0:
                    table[slot] = n
                    first = True
                    break
                o0 = str_off[_C_KEY, other]
                same = True
                for j in range(_KEY):
                    if key_buf[o0 + j] != key_buf[k0 + j]:
                        same = False
                        break
                if same:
                    break
                slot = (slot + 1) & mask
        taken[row] = 1
        rows[n] = row
        ts_us[n] = when
        tokens_in[n] = t_in
        tokens_out[n] = t_out
        str_off[_C_ACCOUNT, n + 1] = a0 + la
        str_valid[_C_ACCOUNT, n] = 1
        str_off[_C_IP, n + 1] = i0 + max(li, 0)
        str_valid[_C_IP, n] = li >= 0
        str_off[_C_DEVICE, n + 1] = d0 + max(ld, 0)
        str_valid[_C_DEVICE, n] = ld >= 0
        str_off[_C_UA, n + 1] = u0 + max(lu, 0)
        str_valid[_C_UA, n] = lu >= 0
        str_off[_C_KEY, n + 1] = k0 + (_KEY if lp > 0 else 0)
        str_valid[_C_KEY, n] = lp > 0
        if first:
            first_rows[n_first] = n
            prompt_off[n_first + 1] = p0 + lp
            n_first += 1
        n += 1
    return n, n_first


@dataclass
class Requests:
    """The request lines of a chunk this pass took: `taken` per line of the chunk, the rows for
    `events` and the chunk's first row of each prompt key (for `prompt_first`)."""

    taken: np.ndarray
    events: pa.Table
    firsts: pa.Table

    @property
    def count(self) -> int:
        return self.events.num_rows


def _strings(n: int, offsets: np.ndarray, valid: np.ndarray, buf: np.ndarray) -> pa.Array:
    nulls = int(n - np.count_nonzero(valid[:n]))
    bitmap = pa.py_buffer(np.packbits(valid[:n], bitorder="little")) if nulls else None
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets[: n + 1]), pa.py_buffer(buf[: offsets[n]]), bitmap, nulls
    )


def parse_requests(data: bytes, scanned: Scanned, file_idx: int, first_line: int) -> Requests:
    """Take the plain request lines of a scanned chunk that parse.sql would accept."""
    lines = scanned.status.shape[0]
    buffer = np.frombuffer(data, dtype=np.uint8)
    plain = scanned.status == PLAIN
    candidates = int(np.count_nonzero(plain))

    def room(field: int) -> int:
        return int(scanned.size[field][plain].sum(dtype=np.int64))

    taken = np.zeros(lines, dtype=np.uint8)
    rows = np.empty(candidates, dtype=np.int64)
    ts_us = np.empty(candidates, dtype=np.int64)
    tokens_in = np.empty(candidates, dtype=np.int64)
    tokens_out = np.empty(candidates, dtype=np.int64)
    str_off = np.zeros((len(_STRING_COLUMNS), candidates + 1), dtype=np.int64)
    str_valid = np.zeros((len(_STRING_COLUMNS), candidates), dtype=np.uint8)
    account_buf = np.empty(room(_ACCOUNT), dtype=np.uint8)
    ip_buf = np.empty(room(_IP), dtype=np.uint8)
    device_buf = np.empty(room(_DEVICE), dtype=np.uint8)
    ua_buf = np.empty(room(_UA), dtype=np.uint8)
    key_buf = np.empty(_KEY * candidates, dtype=np.uint8)
    first_rows = np.empty(candidates, dtype=np.int64)
    prompt_off = np.zeros(candidates + 1, dtype=np.int64)
    prompt_buf = np.empty(room(_PROMPT), dtype=np.uint8)
    table = np.full(1 << max(4, (2 * candidates).bit_length()), -1, dtype=np.int64)
    n, n_first = _parse_requests(
        buffer,
        scanned.status,
        scanned.kind,
        scanned.offset,
        scanned.size,
        scanned.line_start,
        scanned.line_end,
        taken,
        rows,
        ts_us,
        tokens_in,
        tokens_out,
        str_off,
        str_valid,
        account_buf,
        ip_buf,
        device_buf,
        ua_buf,
        key_buf,
        first_rows,
        prompt_off,
        prompt_buf,
        table,
    )
    line_no = rows[:n] + first_line
    ords = line_no + file_idx * ORD_FILE_SHIFT
    bufs = (account_buf, ip_buf, device_buf, ua_buf, key_buf)
    strings = {
        name: _strings(n, str_off[c], str_valid[c], bufs[c])
        for c, name in enumerate(_STRING_COLUMNS)
    }
    events = pa.table(
        {
            "line_no": line_no,
            "ord": ords,
            "account_id": strings["account_id"],
            "ts_us": ts_us[:n],
            "ip": strings["ip"],
            "device_id": strings["device_id"],
            "user_agent": strings["user_agent"],
            "prompt_key": strings["prompt_key"],
            "input_tokens": tokens_in[:n],
            "output_tokens": tokens_out[:n],
        }
    )
    firsts_at = first_rows[:n_first]
    firsts = pa.table(
        {
            "prompt_key": strings["prompt_key"].take(pa.array(firsts_at)),
            "ord": ords[firsts_at],
            "prompt": _strings(n_first, prompt_off, np.ones(n_first, np.uint8), prompt_buf),
        }
    )
    return Requests(taken.view(bool), events, firsts)
