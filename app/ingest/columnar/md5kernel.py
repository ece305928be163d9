"""MD5 of a byte range with the digits 1-9 read as 0, compiled with numba.

The DuckDB engine's compiled request parse computes each request's prompt key (the md5 of the
prompt with every digit 1-9 replaced by 0, as parse.sql's `md5(replace(...))` and
`common.prompt_key` do) without leaving numba, so this kernel hashes the bytes in place.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

# numba has no 32-bit arithmetic (it widens to 64 bits, and mixing uint64 with int64 gives
# floats), so the state is held in int64 below 2**32 and masked after every sum.
_MASK = 0xFFFFFFFF


@intrinsic
def _rotl(typingctx, x, s):  # type: ignore[no-untyped-def]
    """Rotate the low 32 bits of x left by s: LLVM finds no rotate in the 64-bit shifts."""
    sig = types.int64(types.int64, types.int64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        i32 = ir.IntType(32)
        fshl = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(i32, [i32, i32, i32]), "llvm.fshl.i32"
        )
        v = builder.trunc(args[0], i32)
        return builder.zext(builder.call(fshl, [v, v, builder.trunc(args[1], i32)]), args[0].type)

    return sig, codegen


@njit(cache=True)
def _fold(b):  # type: ignore[no-untyped-def]
    x = np.int64(b)
    return 0x30 if 0x31 <= x <= 0x39 else x


@njit(cache=True)
def _word(buf, p):  # type: ignore[no-untyped-def]
    """The folded little-endian 32-bit word at buf[p], MD5's unit of input."""
    # An unsigned index spares numba's negative-index check, so LLVM makes the four byte
    # loads one 32-bit load.
    i = np.uint64(p)
    w = (
        np.int64(buf[i])
        | (np.int64(buf[i + np.uint64(1)]) << 8)
        | (np.int64(buf[i + np.uint64(2)]) << 16)
        | (np.int64(buf[i + np.uint64(3)]) << 24)
    )
    # Fold the four bytes at once: t's byte is 1..9 exactly where w's is '1'..'9'. Bit 7 of
    # each byte of `nonzero` / `above9` says t's byte is > 0 / > 9 (no carry crosses a byte).
    t = w ^ 0x30303030
    nonzero = ((t & 0x7F7F7F7F) + 0x7F7F7F7F) | t
    above9 = ((t & 0x7F7F7F7F) + 0x76767676) | t
    digit = nonzero & ~above9 & 0x80808080
    return w & ~((digit >> 7) * 0x0F)


@njit(cache=True)
def _tail_word(buf, start, n, q, padded):  # type: ignore[no-untyped-def]
    """The word at offset q of the padded message (RFC 1321 3.1-3.2) of n data bytes.

    Built from the data, the 0x80 marker and the bit length directly, so the last one or two
    blocks need no buffer of their own."""
    if q + 4 <= n:
        return _word(buf, start + q)
    bits = n * 8
    if q == padded - 8:
        return bits & _MASK
    if q == padded - 4:
        return (bits >> 32) & _MASK
    w = 0
    for k in range(4):
        o = q + k
        if o < n:
            w |= _fold(buf[start + o]) << (8 * k)
        elif o == n:
            w |= 0x80 << (8 * k)
    return w


@njit(cache=True, nogil=True)
def md5_hex_folded(buf, start, end, out, out_pos):  # type: ignore[no-untyped-def]
    """Write the lowercase hex MD5 (32 ASCII bytes) of buf[start:end], with every byte '1'..'9' (0x31..0x39) read as '0' (0x30), into out[out_pos:out_pos + 32]."""
    n = end - start
    # The data, 0x80, zeros up to 56 mod 64, then the 64-bit bit length: one or two blocks
    # past the last full block of data.
    padded = ((n + 8) // 64 + 1) * 64
    a0 = 0x67452301
    b0 = 0xEFCDAB89
    c0 = 0x98BADCFE
    d0 = 0x10325476
    for q in range(0, padded, 64):
        if q + 64 <= n:
            p = start + q
            m0 = _word(buf, p)
            m1 = _word(buf, p + 4)
            m2 = _word(buf, p + 8)
            m3 = _word(buf, p + 12)
            m4 = _word(buf, p + 16)
            m5 = _word(buf, p + 20)
            m6 = _word(buf, p + 24)
            m7 = _word(buf, p + 28)
            m8 = _word(buf, p + 32)
            m9 = _word(buf, p + 36)
            m10 = _word(buf, p + 40)
            m11 = _word(buf, p + 44)
            m12 = _word(buf, p + 48)
            m13 = _word(buf, p + 52)
            m14 = _word(buf, p + 56)
            m15 = _word(buf, p + 60)
        else:
            m0 = _tail_word(buf, start, n, q, padded)
            m1 = _tail_word(buf, start, n, q + 4, padded)
            m2 = _tail_word(buf, start, n, q + 8, padded)
            m3 = _tail_word(buf, start, n, q + 12, padded)
            m4 = _tail_word(buf, start, n, q + 16, padded)
            m5 = _tail_word(buf, start, n, q + 20, padded)
            m6 = _tail_word(buf, start, n, q + 24, padded)
            m7 = _tail_word(buf, start, n, q + 28, padded)
            m8 = _tail_word(buf, start, n, q + 32, padded)
            m9 = _tail_word(buf, start, n, q + 36, padded)
            m10 = _tail_word(buf, start, n, q + 40, padded)
            m11 = _tail_word(buf, start, n, q + 44, padded)
            m12 = _tail_word(buf, start, n, q + 48, padded)
            m13 = _tail_word(buf, start, n, q + 52, padded)
            m14 = _tail_word(buf, start, n, q + 56, padded)
            m15 = _tail_word(buf, start, n, q + 60, padded)
        a = a0
        b = b0
        c = c0
        d = d0
        # Written out rather than through per-step helpers: numba compiles a helper anew for
        # each distinct literal argument, and the 64 steps' constants made that seconds of
        # compiling. F and G are in their xor forms, one operation shorter than RFC 1321's.
        a = (_rotl(a + (d ^ (b & (c ^ d))) + m0 + 0xD76AA478, 7) + b) & _MASK
        d = (_rotl(d + (c ^ (a & (b ^ c))) + m1 + 0xE8C7B756, 12) + a) & _MASK
        c = (_rotl(c + (b ^ (d & (a ^ b))) + m2 + 0x242070DB, 17) + d) & _MASK
        b = (_rotl(b + (a ^ (c & (d ^ a))) + m3 + 0xC1BDCEEE, 22) + c) & _MASK
        a = (_rotl(a + (d ^ (b & (c ^ d))) + m4 + 0xF57C0FAF, 7) + b) & _MASK
        d = (_rotl(d + (c ^ (a & (b ^ c))) + m5 + 0x4787C62A, 12) + a) & _MASK
        c = (_rotl(c + (b ^ (d & (a ^ b))) + m6 + 0xA8304613, 17) + d) & _MASK
        b = (_rotl(b + (a ^ (c & (d ^ a))) + m7 + 0xFD469501, 22) + c) & _MASK
        a = (_rotl(a + (d ^ (b & (c ^ d))) + m8 + 0x698098D8, 7) + b) & _MASK
        d = (_rotl(d + (c ^ (a & (b ^ c))) + m9 + 0x8B44F7AF, 12) + a) & _MASK
        c = (_rotl(c + (b ^ (d & (a ^ b))) + m10 + 0xFFFF5BB1, 17) + d) & _MASK
        b = (_rotl(b + (a ^ (c & (d ^ a))) + m11 + 0x895CD7BE, 22) + c) & _MASK
        a = (_rotl(a + (d ^ (b & (c ^ d))) + m12 + 0x6B901122, 7) + b) & _MASK
        d = (_rotl(d + (c ^ (a & (b ^ c))) + m13 + 0xFD987193, 12) + a) & _MASK
        c = (_rotl(c + (b ^ (d & (a ^ b))) + m14 + 0xA679438E, 17) + d) & _MASK
        b = (_rotl(b + (a ^ (c & (d ^ a))) + m15 + 0x49B40821, 22) + c) & _MASK
        a = (_rotl(a + (c ^ (d & (b ^ c))) + m1 + 0xF61E2562, 5) + b) & _MASK
        d = (_rotl(d + (b ^ (c & (a ^ b))) + m6 + 0xC040B340, 9) + a) & _MASK
        c = (_rotl(c + (a ^ (b & (d ^ a))) + m11 + 0x265E5A51, 14) + d) & _MASK
        b = (_rotl(b + (d ^ (a & (c ^ d))) + m0 + 0xE9B6C7AA, 20) + c) & _MASK
        a = (_rotl(a + (c ^ (d & (b ^ c))) + m5 + 0xD62F105D, 5) + b) & _MASK
        d = (_rotl(d + (b ^ (c & (a ^ b))) + m10 + 0x02441453, 9) + a) & _MASK
        c = (_rotl(c + (a ^ (b & (d ^ a))) + m15 + 0xD8A1E681, 14) + d) & _MASK
        b = (_rotl(b + (d ^ (a & (c ^ d))) + m4 + 0xE7D3FBC8, 20) + c) & _MASK
        a = (_rotl(a + (c ^ (d & (b ^ c))) + m9 + 0x21E1CDE6, 5) + b) & _MASK
        d = (_rotl(d + (b ^ (c & (a ^ b))) + m14 + 0xC33707D6, 9) + a) & _MASK
        c = (_rotl(c + (a ^ (b & (d ^ a))) + m3 + 0xF4D50D87, 14) + d) & _MASK
        b = (_rotl(b + (d ^ (a & (c ^ d))) + m8 + 0x455A14ED, 20) + c) & _MASK
        a = (_rotl(a + (c ^ (d & (b ^ c))) + m13 + 0xA9E3E905, 5) + b) & _MASK
        d = (_rotl(d + (b ^ (c & (a ^ b))) + m2 + 0xFCEFA3F8, 9) + a) & _MASK
        c = (_rotl(c + (a ^ (b & (d ^ a))) + m7 + 0x676F02D9, 14) + d) & _MASK
        b = (_rotl(b + (d ^ (a & (c ^ d))) + m12 + 0x8D2A4C8A, 20) + c) & _MASK
        a = (_rotl(a + (b ^ c ^ d) + m5 + 0xFFFA3942, 4) + b) & _MASK
        d = (_rotl(d + (a ^ b ^ c) + m8 + 0x8771F681, 11) + a) & _MASK
        c = (_rotl(c + (d ^ a ^ b) + m11 + 0x6D9D6122, 16) + d) & _MASK
        b = (_rotl(b + (c ^ d ^ a) + m14 + 0xFDE5380C, 23) + c) & _MASK
        a = (_rotl(a + (b ^ c ^ d) + m1 + 0xA4BEEA44, 4) + b) & _MASK
        d = (_rotl(d + (a ^ b ^ c) + m4 + 0x4BDECFA9, 11) + a) & _MASK
        c = (_rotl(c + (d ^ a ^ b) + m7 + 0xF6BB4B60, 16) + d) & _MASK
        b = (_rotl(b + (c ^ d ^ a) + m10 + 0xBEBFBC70, 23) + c) & _MASK
        a = (_rotl(a + (b ^ c ^ d) + m13 + 0x289B7EC6, 4) + b) & _MASK
        d = (_rotl(d + (a ^ b ^ c) + m0 + 0xEAA127FA, 11) + a) & _MASK
        c = (_rotl(c + (d ^ a ^ b) + m3 + 0xD4EF3085, 16) + d) & _MASK
        b = (_rotl(b + (c ^ d ^ a) + m6 + 0x04881D05, 23) + c) & _MASK
        a = (_rotl(a + (b ^ c ^ d) + m9 + 0xD9D4D039, 4) + b) & _MASK
        d = (_rotl(d + (a ^ b ^ c) + m12 + 0xE6DB99E5, 11) + a) & _MASK
        c = (_rotl(c + (d ^ a ^ b) + m15 + 0x1FA27CF8, 16) + d) & _MASK
        b = (_rotl(b + (c ^ d ^ a) + m2 + 0xC4AC5665, 23) + c) & _MASK
        a = (_rotl(a + (c ^ (b | (~d & _MASK))) + m0 + 0xF4292244, 6) + b) & _MASK
        d = (_rotl(d + (b ^ (a | (~c & _MASK))) + m7 + 0x432AFF97, 10) + a) & _MASK
        c = (_rotl(c + (a ^ (d | (~b & _MASK))) + m14 + 0xAB9423A7, 15) + d) & _MASK
        b = (_rotl(b + (d ^ (c | (~a & _MASK))) + m5 + 0xFC93A039, 21) + c) & _MASK
        a = (_rotl(a + (c ^ (b | (~d & _MASK))) + m12 + 0x655B59C3, 6) + b) & _MASK
        d = (_rotl(d + (b ^ (a | (~c & _MASK))) + m3 + 0x8F0CCC92, 10) + a) & _MASK
        c = (_rotl(c + (a ^ (d | (~b & _MASK))) + m10 + 0xFFEFF47D, 15) + d) & _MASK
        b = (_rotl(b + (d ^ (c | (~a & _MASK))) + m1 + 0x85845DD1, 21) + c) & _MASK
        a = (_rotl(a + (c ^ (b | (~d & _MASK))) + m8 + 0x6FA87E4F, 6) + b) & _MASK
        d = (_rotl(d + (b ^ (a | (~c & _MASK))) + m15 + 0xFE2CE6E0, 10) + a) & _MASK
        c = (_rotl(c + (a ^ (d | (~b & _MASK))) + m6 + 0xA3014314, 15) + d) & _MASK
        b = (_rotl(b + (d ^ (c | (~a & _MASK))) + m13 + 0x4E0811A1, 21) + c) & _MASK
        a = (_rotl(a + (c ^ (b | (~d & _MASK))) + m4 + 0xF7537E82, 6) + b) & _MASK
        d = (_rotl(d + (b ^ (a | (~c & _MASK))) + m11 + 0xBD3AF235, 10) + a) & _MASK
        c = (_rotl(c + (a ^ (d | (~b & _MASK))) + m2 + 0x2AD7D2BB, 15) + d) & _MASK
        b = (_rotl(b + (d ^ (c | (~a & _MASK))) + m9 + 0xEB86D391, 21) + c) & _MASK
        a0 = (a0 + a) & _MASK
        b0 = (b0 + b) & _MASK
        c0 = (c0 + c) & _MASK
        d0 = (d0 + d) & _MASK
    # The digest is the state words' bytes in little-endian order.
    for j in range(16):
        w = a0 if j < 4 else b0 if j < 8 else c0 if j < 12 else d0
        byte = (w >> (8 * (j & 3))) & 0xFF
        hi = byte >> 4
        lo = byte & 0xF
        out[out_pos + 2 * j] = hi + 48 if hi < 10 else hi + 87
        out[out_pos + 2 * j + 1] = lo + 48 if lo < 10 else lo + 87
