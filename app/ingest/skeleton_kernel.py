"""`normalise` compiled for ASCII prompts: the same skeletons, about four times faster.

`clustering.normalise` is the specification: Python regular expressions over `str`. At scale
1.0 the aggregate normalises 8.2 million first prompts (~12 us each in Python), and that work
kept the prompt workers behind the in-order assignment. For a prompt made only of ASCII
characters every rule of `normalise` reduces to byte tests (`\\w` is `[A-Za-z0-9_]`, `\\s` the
ASCII whitespace set Python uses, `re.I` a fold of `A-Z`), so each step is written here as one
pass over bytes that reproduces the regular expression's leftmost, non-overlapping matches,
including what its back-tracking can and cannot reach. Prompts with any other character go
through `normalise` itself.

`normalise_many` is what callers use. tests/unit/test_skeleton_kernel.py compares it with
`normalise` on hand-picked edge cases of every rule and on random strings drawn from the
characters the rules react to.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from app.ingest.clustering import (
    _CLOSE,
    _JSON_ROUNDS,
    _LABEL_MIN_CONTEXT_WORDS,
    _LABEL_WINDOW,
    _OPAQUE_MIN,
    _OPEN,
    _T_CODE,
    _T_EMAIL,
    _T_ID,
    _T_JSON,
    _T_NAME,
    _T_NUM,
    _T_STR,
    _T_TEXT,
    _T_URL,
    _truncate,
    normalise,
)

__all__ = ["normalise_many"]


def _bytes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8).copy()


_CODE, _URL, _EMAIL, _JSON = _bytes(_T_CODE), _bytes(_T_URL), _bytes(_T_EMAIL), _bytes(_T_JSON)
_STR, _ID, _NUM, _NAME, _TEXT = (
    _bytes(_T_STR),
    _bytes(_T_ID),
    _bytes(_T_NUM),
    _bytes(_T_NAME),
    _bytes(_T_TEXT),
)
_LONGEST_TOKEN = max(len(t) for t in (_CODE, _URL, _EMAIL, _JSON, _STR, _ID, _NUM, _NAME, _TEXT))
_OPEN_BYTE, _CLOSE_BYTE = ord(_OPEN), ord(_CLOSE)
_FENCE, _CODE_OPEN, _CODE_OPEN_UPPER, _CODE_CLOSE = (
    _bytes("```"),
    _bytes("<code>"),
    _bytes("<CODE>"),
    _bytes("</code>"),
)
_SCHEME_SEP, _WWW, _WWW_UPPER, _TOKEN_GAP = (
    _bytes("://"),
    _bytes("www."),
    _bytes("WWW."),
    _bytes("> <"),
)
# _LABEL_RE's known input words, and their lengths (numba wants one flat array).
_LABEL_WORDS_TEXT = [
    "question", "problem", "input", "passage", "context", "document", "article", "text",
    "excerpt", "snippet", "query", "statement", "claim", "review", "essay", "story", "email",
    "message", "conversation", "transcript", "dialogue", "paragraph", "sentence", "q",
]  # fmt: skip
_LABEL_WORDS = _bytes("".join(_LABEL_WORDS_TEXT))
_LABEL_WORD_ENDS = np.cumsum([len(w) for w in _LABEL_WORDS_TEXT]).astype(np.int64)
_LABEL_WORD_ENDS.setflags(write=False)

# No step writes more than this many bytes per byte read (the worst case is seven: a one-digit
# number becomes the token " \x01num\x02 "), plus one token.
_GROWTH = _LONGEST_TOKEN
_SPACE, _TAB, _NL, _CR = 32, 9, 10, 13


def _ascii_table() -> np.ndarray:
    # The last step of normalise: lower-case, keep letters, digits and "_", slot delimiters
    # as "<" and ">", everything else a space.
    table = np.full(128, _SPACE, dtype=np.uint8)
    for c in range(128):
        if chr(c).isalnum() or c == 0x5F:
            table[c] = c + 32 if 65 <= c <= 90 else c
    table[_OPEN_BYTE], table[_CLOSE_BYTE] = ord("<"), ord(">")
    return table


_FINAL_TABLE = _ascii_table()


# ------------------------------------------------------------------------ character tests


@njit(inline="always")
def _digit(c):  # type: ignore[no-untyped-def]
    return 48 <= c <= 57


@njit(inline="always")
def _upper(c):  # type: ignore[no-untyped-def]
    return 65 <= c <= 90


@njit(inline="always")
def _lower(c):  # type: ignore[no-untyped-def]
    return 97 <= c <= 122


@njit(inline="always")
def _alpha(c):  # type: ignore[no-untyped-def]
    return _upper(c) or _lower(c)


@njit(inline="always")
def _alnum(c):  # type: ignore[no-untyped-def]
    return _alpha(c) or _digit(c)


@njit(inline="always")
def _word(c):  # type: ignore[no-untyped-def]
    # \w of a str pattern, restricted to ASCII
    return _alnum(c) or c == 95


@njit(inline="always")
def _space(c):  # type: ignore[no-untyped-def]
    # \s of a str pattern and str.isspace(), restricted to ASCII (0x1c-0x1f included)
    return c == 32 or 9 <= c <= 13 or 28 <= c <= 31


@njit(inline="always")
def _blank(c):  # type: ignore[no-untyped-def]
    return c in (_SPACE, _TAB)


@njit(inline="always")
def _label_char(c):  # type: ignore[no-untyped-def]
    # [\w'-]
    return _word(c) or c == 39 or c == 45


@njit(inline="always")
def _fold(c):  # type: ignore[no-untyped-def]
    return c + 32 if _upper(c) else c


# ------------------------------------------------------------------------ byte helpers


@njit
def _find(src, start, n, pat):  # type: ignore[no-untyped-def]
    k = len(pat)
    last = n - k
    first = pat[0]
    i = start
    while i <= last:
        if src[i] == first:
            j = 1
            while j < k and src[i + j] == pat[j]:
                j += 1
            if j == k:
                return i
        i += 1
    return -1


@njit
def _find_folded(src, start, n, pat):  # type: ignore[no-untyped-def]
    # pat is lower-case; re.I matching of ASCII letters
    k = len(pat)
    i = start
    while i <= n - k:
        j = 0
        while j < k and _fold(src[i + j]) == pat[j]:
            j += 1
        if j == k:
            return i
        i += 1
    return -1


@njit
def _find_byte(src, start, n, byte):  # type: ignore[no-untyped-def]
    for i in range(start, n):
        if src[i] == byte:
            return i
    return -1


@njit
def _copy(src, a, b, dst, m):  # type: ignore[no-untyped-def]
    for i in range(a, b):
        dst[m] = src[i]
        m += 1
    return m


@njit
def _put(token, dst, m):  # type: ignore[no-untyped-def]
    for c in token:
        dst[m] = c
        m += 1
    return m


# ---------------------------------------------------------------------------- the steps
# Each step reads src[:n] and returns the new length of dst, or -1 when the text is unchanged
# (dst is then not written).


@njit
def _fenced(src, n, dst):  # type: ignore[no-untyped-def]
    # ```.*?(?:```|\Z)|<code>.*?(?:</code>|\Z), re.S | re.I
    if (
        _find(src, 0, n, _FENCE) < 0
        and _find(src, 0, n, _CODE_OPEN) < 0
        and _find(src, 0, n, _CODE_OPEN_UPPER) < 0
    ):
        return -1
    m = last = p = 0
    while p < n:
        c = src[p]
        if c == 96 and p + 2 < n and src[p + 1] == 96 and src[p + 2] == 96:
            q = _find(src, p + 3, n, _FENCE)
            end = n if q < 0 else q + 3
        elif c == 60 and _find_folded(src, p, min(n, p + 6), _CODE_OPEN) == p:
            q = _find_folded(src, p + 6, n, _CODE_CLOSE)
            end = n if q < 0 else q + 7
        else:
            p += 1
            continue
        m = _copy(src, last, p, dst, m)
        m = _put(_CODE, dst, m)
        last = p = end
    return _copy(src, last, n, dst, m)


@njit(inline="always")
def _url_body(c):  # type: ignore[no-untyped-def]
    # [^\s<>"'`]
    return not (_space(c) or c == 60 or c == 62 or c == 34 or c == 39 or c == 96)


@njit
def _url(src, n, dst):  # type: ignore[no-untyped-def]
    # [a-zA-Z][\w+.-]{0,10}://[^\s<>"'`]+|www\.[^\s<>"'`]+, re.I
    if (
        _find(src, 0, n, _SCHEME_SEP) < 0
        and _find(src, 0, n, _WWW) < 0
        and _find(src, 0, n, _WWW_UPPER) < 0
    ):
        return -1
    m = last = p = 0
    while p < n:
        c = src[p]
        end = -1
        if _alpha(c):
            # The scheme class holds no ":", so only its longest run (if at most ten) can be
            # followed by "://"; back-tracking to a shorter run cannot succeed.
            i = p + 1
            while (
                i < n
                and i - p - 1 < 10
                and (_word(src[i]) or src[i] == 43 or src[i] == 46 or src[i] == 45)
            ):
                i += 1
            if i + 2 < n and src[i] == 58 and src[i + 1] == 47 and src[i + 2] == 47:
                j = i + 3
                while j < n and _url_body(src[j]):
                    j += 1
                if j > i + 3:
                    end = j
        www = p + 3 < n and (c | 32) == 119 and (src[p + 1] | 32) == 119
        if end < 0 and www and (src[p + 2] | 32) == 119 and src[p + 3] == 46:
            j = p + 4
            while j < n and _url_body(src[j]):
                j += 1
            if j > p + 4:
                end = j
        if end < 0:
            p += 1
            continue
        m = _copy(src, last, p, dst, m)
        m = _put(_URL, dst, m)
        last = p = end
    return _copy(src, last, n, dst, m)


@njit(inline="always")
def _email_local(c):  # type: ignore[no-untyped-def]
    # [\w.+-]
    return _word(c) or c == 46 or c == 43 or c == 45


@njit(inline="always")
def _email_domain(c):  # type: ignore[no-untyped-def]
    # [\w-]
    return _word(c) or c == 45


@njit
def _email(src, n, dst):  # type: ignore[no-untyped-def]
    # [\w.+-]+@[\w-]+(?:\.[\w-]+)+
    if _find_byte(src, 0, n, 64) < 0:
        return -1
    m = last = p = 0
    while p < n:
        if not _email_local(src[p]):
            p += 1
            continue
        r = p
        while r < n and _email_local(src[r]):
            r += 1
        end = -1
        if r < n and src[r] == 64:
            d = r + 1
            while d < n and _email_domain(src[d]):
                d += 1
            if d > r + 1:
                e = d
                while e + 1 < n and src[e] == 46 and _email_domain(src[e + 1]):
                    e += 1
                    while e < n and _email_domain(src[e]):
                        e += 1
                if e > d:
                    end = e
        if end < 0:
            # every start inside this run ends at the same place and fails the same way
            p = r
            continue
        m = _copy(src, last, p, dst, m)
        m = _put(_EMAIL, dst, m)
        last = p = end
    return _copy(src, last, n, dst, m)


@njit
def _line_end(src, n, i):  # type: ignore[no-untyped-def]
    # _LINE_END_RE.match(text, i): [ \t]*\r?\n
    while i < n and _blank(src[i]):
        i += 1
    if i < n and src[i] == _CR:
        i += 1
    return i < n and src[i] == _NL


@njit
def _short_label(src, a, b):  # type: ignore[no-untyped-def]
    # Does src[a:b] match [ \t]*[^\W\d_][\w'-]*(?:[ \t]+[\w'-]+){0,2}[ \t]* as a whole? Runs of
    # [\w'-] and of [ \t] cannot share a character, so the match is a tokenisation.
    i = a
    while i < b and _blank(src[i]):
        i += 1
    if i >= b or not _alpha(src[i]):
        return False
    words = 0
    while True:
        while i < b and _label_char(src[i]):
            i += 1
        words += 1
        j = i
        while j < b and _blank(src[j]):
            j += 1
        if j == b:
            return True
        if j == i or not _label_char(src[j]) or words == 3:
            return False
        i = j


@njit
def _is_label(src, lo, colon):  # type: ignore[no-untyped-def]
    # _LABEL_RE.search(text, lo, colon) is not None
    # Second branch: (?:\A|\n) then a short label up to the colon (\Z at endpos).
    if lo == 0 and _short_label(src, 0, colon):
        return True
    for p in range(lo, colon):
        if src[p] == _NL and _short_label(src, p + 1, colon):
            return True
    # First branch: \b<word>[ \t]*\d*[ \t]*\Z. Any suffix of a match of that tail also
    # matches it, and a word ends in a letter, so the word must end exactly where the
    # longest such tail before the colon starts.
    e = colon
    while e > lo and _blank(src[e - 1]):
        e -= 1
    while e > lo and _digit(src[e - 1]):
        e -= 1
    while e > lo and _blank(src[e - 1]):
        e -= 1
    begin = 0
    for end in _LABEL_WORD_ENDS:
        k = end - begin
        p = e - k
        if p >= lo and (p == 0 or not _word(src[p - 1])):
            j = 0
            while j < k and _fold(src[p + j]) == _LABEL_WORDS[begin + j]:
                j += 1
            if j == k:
                return True
        begin = end
    return False


@njit
def _next_label(src, n, start):  # type: ignore[no-untyped-def]
    # Start of _NEXT_LABEL_RE.search(text, start), or n:
    # \n[ \t]*[^\W\d_][\w'-]*(?:[ \t]+[\w'-]+){0,2}[ \t]*:
    p = start
    while True:
        p = _find_byte(src, p, n, _NL)
        if p < 0:
            return n
        i = p + 1
        while i < n and _blank(src[i]):
            i += 1
        if i < n and _alpha(src[i]):
            words = 0
            while True:
                while i < n and _label_char(src[i]):
                    i += 1
                words += 1
                j = i
                while j < n and _blank(src[j]):
                    j += 1
                if j < n and src[j] == 58:
                    return p
                if j == i or j >= n or not _label_char(src[j]) or words == 3:
                    break
                i = j
        p += 1


@njit
def _count_words(src, a, b):  # type: ignore[no-untyped-def]
    count = 0
    inside = False
    for i in range(a, b):
        w = _word(src[i])
        if w and not inside:
            count += 1
        inside = w
    return count


@njit
def _all_space(src, a, b):  # type: ignore[no-untyped-def]
    while a < b and _space(src[a]):
        a += 1
    return a == b


@njit
def _labels(src, n, dst):  # type: ignore[no-untyped-def]
    # _slot_labels: the body after an input label becomes <text>, kept only when enough
    # words of the rest remain. The kept parts each end in ":", so their words never join.
    colon = _find_byte(src, 0, n, 58)
    if colon < 0:
        return -1
    m = last = words = slots = 0
    while colon >= 0:
        if _line_end(src, n, colon + 1) or _is_label(src, max(last, colon - _LABEL_WINDOW), colon):
            end = _next_label(src, n, colon + 1)
            if colon + 1 < end and not _all_space(src, colon + 1, end):
                words += _count_words(src, last, colon + 1)
                m = _copy(src, last, colon + 1, dst, m)
                m = _put(_TEXT, dst, m)
                slots += 1
                last = end
                colon = _find_byte(src, end, n, 58)
                continue
        colon = _find_byte(src, colon + 1, n, 58)
    if slots == 0:
        return -1
    words += _count_words(src, last, n)
    if words < _LABEL_MIN_CONTEXT_WORDS:
        return -1
    return _copy(src, last, n, dst, m)


@njit
def _json_round(src, n, dst):  # type: ignore[no-untyped-def]
    # one _JSON_RE.subn: \{[^{}]*\}
    m = last = p = 0
    count = 0
    while p < n:
        if src[p] == 123:
            q = p + 1
            while q < n and src[q] != 123 and src[q] != 125:
                q += 1
            if q < n and src[q] == 125:
                m = _copy(src, last, p, dst, m)
                m = _put(_JSON, dst, m)
                count += 1
                last = p = q + 1
                continue
            p = q
            continue
        p += 1
    return _copy(src, last, n, dst, m), count


@njit
def _quoted(src, n, dst):  # type: ignore[no-untyped-def]
    # The ASCII branches of _QUOTED_RE: "[^"]+" | `[^`\n]{1,300}` | '(?<!\w')[^'\n]{1,300}'(?!\w)
    if (
        _find_byte(src, 0, n, 34) < 0
        and _find_byte(src, 0, n, 39) < 0
        and _find_byte(src, 0, n, 96) < 0
    ):
        return -1
    m = last = p = 0
    while p < n:
        c = src[p]
        end = -1
        if c == 34:
            q = _find_byte(src, p + 1, n, 34)
            if q > p + 1:
                end = q + 1
        elif c == 96 or (c == 39 and not (p >= 1 and _word(src[p - 1]))):
            # the run holds no closing quote, so only its longest version (at most 300) can
            # be followed by one
            q = p + 1
            while q < n and q - p - 1 < 300 and src[q] != c and src[q] != _NL:
                q += 1
            closed = q > p + 1 and q < n and src[q] == c
            if closed and (c == 96 or not (q + 1 < n and _word(src[q + 1]))):
                end = q + 1
        if end < 0:
            p += 1
            continue
        m = _copy(src, last, p, dst, m)
        m = _put(_STR, dst, m)
        last = p = end
    return _copy(src, last, n, dst, m)


@njit(inline="always")
def _token_char(c):  # type: ignore[no-untyped-def]
    # what _slot_digits walks over: isalnum() or "_-"
    return _alnum(c) or c == 95 or c == 45


@njit(inline="always")
def _number_joint(c):  # type: ignore[no-untyped-def]
    # [.,:/-]
    return c == 46 or c == 44 or c == 58 or c == 47 or c == 45


@njit
def _digits(src, n, dst):  # type: ignore[no-untyped-def]
    # _slot_digits over the matches of \d+(?:[.,:/-]\d+)*
    m = last = i = 0
    changed = False
    while i < n:
        if not _digit(src[i]):
            i += 1
            continue
        start = e = i
        while e < n and _digit(src[e]):
            e += 1
        while e + 1 < n and _number_joint(src[e]) and _digit(src[e + 1]):
            e += 1
            while e < n and _digit(src[e]):
                e += 1
        i = end = e
        if start < last:
            continue
        changed = True
        left = start
        while left > last and _token_char(src[left - 1]):
            left -= 1
        right = end
        while right < n and _token_char(src[right]):
            right += 1
        opaque = False
        if right - left >= _OPAQUE_MIN:
            for k in range(left, right):
                if _alpha(src[k]):
                    opaque = True
                    break
        if opaque:
            m = _copy(src, last, left, dst, m)
            m = _put(_ID, dst, m)
            last = right
        else:
            m = _copy(src, last, start, dst, m)
            m = _put(_NUM, dst, m)
            last = end
    if not changed:
        return -1
    return _copy(src, last, n, dst, m)


@njit
def _names(src, n, dst):  # type: ignore[no-untyped-def]
    # [A-Z](?<=[\w,;)\x02] [A-Z])[a-z]+(?:[ -][A-Z][a-z]+)*
    m = last = 0
    changed = False
    p = 2
    while p < n:
        c = src[p]
        if not (_upper(c) and src[p - 1] == _SPACE and p + 1 < n and _lower(src[p + 1])):
            p += 1
            continue
        b = src[p - 2]
        if not (_word(b) or b == 44 or b == 59 or b == 41 or b == _CLOSE_BYTE):
            p += 1
            continue
        e = p + 1
        while e < n and _lower(src[e]):
            e += 1
        while e + 2 < n and (src[e] == _SPACE or src[e] == 45):
            if not (_upper(src[e + 1]) and _lower(src[e + 2])):
                break
            e += 2
            while e < n and _lower(src[e]):
                e += 1
        changed = True
        m = _copy(src, last, p, dst, m)
        m = _put(_NAME, dst, m)
        last = p = e
    if not changed:
        return -1
    return _copy(src, last, n, dst, m)


@njit
def _final(src, n, dst):  # type: ignore[no-untyped-def]
    # translate through the ASCII table, then " ".join(s.split())
    m = 0
    gap = False
    for i in range(n):
        c = _FINAL_TABLE[src[i]]
        if c == _SPACE:
            gap = m > 0
        else:
            if gap:
                dst[m] = _SPACE
                m += 1
                gap = False
            dst[m] = c
            m += 1
    return m


@njit
def _repeats(src, n, dst):  # type: ignore[no-untyped-def]
    # (<[a-z]+>)(?: \1)+ -> \1
    if _find(src, 0, n, _TOKEN_GAP) < 0:
        return -1
    m = last = p = 0
    changed = False
    while p < n:
        if src[p] == 60:
            q = p + 1
            while q < n and _lower(src[q]):
                q += 1
            if q > p + 1 and q < n and src[q] == 62:
                size = q + 1 - p
                e = q + 1
                while e + 1 + size <= n and src[e] == _SPACE:
                    j = 0
                    while j < size and src[e + 1 + j] == src[p + j]:
                        j += 1
                    if j < size:
                        break
                    e += 1 + size
                if e > q + 1:
                    changed = True
                    m = _copy(src, last, q + 1, dst, m)
                    last = p = e
                    continue
        p += 1
    if not changed:
        return -1
    return _copy(src, last, n, dst, m)


# ---------------------------------------------------------------------------- the driver

# Which steps can apply, from the bytes of the prompt as given: a step's substitutions only
# ever add tokens (spaces, letters, \x01, \x02), so a byte absent from the prompt is absent
# at every later step too, and a step that needs it is skipped without its own search.
_NEEDS_FENCE, _NEEDS_URL, _NEEDS_EMAIL, _NEEDS_LABEL = 1, 2, 4, 8
_NEEDS_JSON, _NEEDS_QUOTE, _NEEDS_DIGIT, _NEEDS_NAME = 16, 32, 64, 128


def _needs_table() -> np.ndarray:
    table = np.zeros(128, dtype=np.int64)
    for chars, bit in (
        ("`<", _NEEDS_FENCE),
        (":.", _NEEDS_URL),
        ("@", _NEEDS_EMAIL),
        (":", _NEEDS_LABEL),
        ("{", _NEEDS_JSON),
        ("\"'`", _NEEDS_QUOTE),
        ("0123456789", _NEEDS_DIGIT),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", _NEEDS_NAME),
    ):
        for c in chars:
            table[ord(c)] |= bit
    return table


_NEEDS = _needs_table()


@njit
def _room(buf, n):  # type: ignore[no-untyped-def]
    need = _GROWTH * n + _GROWTH
    if len(buf) >= need:
        return buf
    return np.empty(max(need, 2 * len(buf)), dtype=np.uint8)


@njit(nogil=True, cache=True)
def _normalise_ascii(data, offsets):  # type: ignore[no-untyped-def]
    """Skeletons of the ASCII prompts data[offsets[i]:offsets[i + 1]], as one byte array and
    offsets of the same form."""
    count = len(offsets) - 1
    out = np.empty(max(16, len(data)), dtype=np.uint8)
    out_offsets = np.zeros(count + 1, dtype=np.int64)
    cur = np.empty(4096, dtype=np.uint8)
    other = np.empty(4096, dtype=np.uint8)
    at = 0
    for k in range(count):
        a, b = offsets[k], offsets[k + 1]
        n = b - a
        cur = _room(cur, n)
        cur[:n] = data[a:b]
        needs = 0
        for i in range(n):
            needs |= _NEEDS[cur[i]]
        for step in range(8):
            if not needs & (1 << step):
                continue
            other = _room(other, n)
            if step == 0:
                m = _fenced(cur, n, other)
            elif step == 1:
                m = _url(cur, n, other)
            elif step == 2:
                m = _email(cur, n, other)
            elif step == 3:
                m = _labels(cur, n, other)
            elif step == 4:
                m = -1
                for _ in range(_JSON_ROUNDS):
                    other = _room(other, n)
                    size, found = _json_round(cur, n, other)
                    if found == 0:
                        break
                    cur, other, n = other, cur, size
            elif step == 5:
                m = _quoted(cur, n, other)
            elif step == 6:
                m = _digits(cur, n, other)
            else:
                m = _names(cur, n, other)
            if m >= 0:
                cur, other, n = other, cur, m
        other = _room(other, n)
        n = _final(cur, n, other)
        cur, other = other, cur
        m = _repeats(cur, n, other)
        if m >= 0:
            cur, other, n = other, cur, m
        if at + n > len(out):
            grown = np.empty(max(2 * len(out), at + n), dtype=np.uint8)
            grown[:at] = out[:at]
            out = grown
        out[at : at + n] = cur[:n]
        at += n
        out_offsets[k + 1] = at
    return out[:at], out_offsets


def normalise_many(prompts: list[str]) -> list[str]:
    """`normalise(p)` for each prompt: ASCII prompts in one compiled pass, others in Python.

    Args:
        prompts: Prompt texts.

    Returns:
        Their skeletons, in order.
    """
    skeletons: list[str | None] = [None] * len(prompts)
    ascii_at: list[int] = []
    ascii_texts: list[str] = []
    for at, prompt in enumerate(prompts):
        if prompt.isascii():
            ascii_at.append(at)
            ascii_texts.append(_truncate(prompt))
        else:
            skeletons[at] = normalise(prompt)
    if ascii_texts:
        offsets = np.zeros(len(ascii_texts) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, ascii_texts), np.int64, len(ascii_texts)), out=offsets[1:])
        data = np.frombuffer("".join(ascii_texts).encode("ascii"), dtype=np.uint8)
        out, out_offsets = _normalise_ascii(data, offsets)
        text = out.tobytes().decode("ascii")
        bounds = out_offsets.tolist()
        for k, at in enumerate(ascii_at):
            skeletons[at] = text[bounds[k] : bounds[k + 1]]
    return skeletons  # type: ignore[return-value]
