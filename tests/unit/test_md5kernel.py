"""The compiled folded MD5 equals hashlib's MD5 of the prompt with digits 1-9 made 0."""

from __future__ import annotations

import hashlib
import random

import numpy as np
import pytest

from app.ingest.columnar.common import prompt_key
from app.ingest.columnar.md5kernel import md5_hex_folded

_ZERO = bytes.maketrans(b"123456789", b"000000000")


def md5_hex_folded_bytes(data: bytes) -> str:
    """md5_hex_folded over all of `data`, as a str."""
    buf = np.frombuffer(data, dtype=np.uint8)
    out = np.empty(32, dtype=np.uint8)
    md5_hex_folded(buf, 0, buf.shape[0], out, 0)
    return out.tobytes().decode("ascii")


def reference(data: bytes) -> str:
    return hashlib.md5(data.translate(_ZERO)).hexdigest()


# Around MD5's 64-byte blocks and the 56-byte mark past which the length needs another block.
BOUNDARY_LENGTHS = [0, 1, 3, 4, 5, 55, 56, 57, 63, 64, 65, 119, 120, 121, 127, 128, 129, 400]


@pytest.mark.parametrize("n", BOUNDARY_LENGTHS)
def test_boundary_lengths(n: int) -> None:
    # Every byte value, digits and their neighbours ('0', ':', '/') included.
    data = bytes((i * 37 + 11) % 256 for i in range(n))
    assert md5_hex_folded_bytes(data) == reference(data)
    digits = bytes(b"0123456789:/"[i % 12] for i in range(n))
    assert md5_hex_folded_bytes(digits) == reference(digits)


def test_every_length_up_to_300_random_bytes() -> None:
    rng = random.Random(1321)
    for n in range(301):
        data = rng.randbytes(n)
        assert md5_hex_folded_bytes(data) == reference(data), n


def test_every_byte_value_in_every_word_position() -> None:
    # The fold works on four bytes at a time: each byte of a word must be folded on its own.
    for pos in range(8):
        for value in range(256):
            data = bytearray(b"x" * 70)
            data[pos] = value
            data[64 + pos % 4] = value  # in the tail block too
            assert md5_hex_folded_bytes(bytes(data)) == reference(bytes(data)), (pos, value)


def test_random_utf8_text_with_digits() -> None:
    rng = random.Random(7)
    alphabet = "abc XYZ 0123456789 .,:;/-_ é ß € 中文 😀 \n\t\"'"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 600)))
        data = text.encode("utf-8")
        assert md5_hex_folded_bytes(data) == reference(data)


def test_long_input() -> None:
    rng = random.Random(99)
    data = rng.randbytes(150_000) + b"0123456789" * 15_000 + b"tail 7"
    assert len(data) > 300_000
    assert md5_hex_folded_bytes(data) == reference(data)


def test_range_and_output_position() -> None:
    rng = np.random.default_rng(5)
    buf = rng.integers(0, 256, size=1000, dtype=np.uint8)
    buf[100:200] = np.frombuffer(b"0123456789" * 10, dtype=np.uint8)
    out = rng.integers(0, 256, size=200, dtype=np.uint8)
    before = out.copy()
    for start, end in [(17, 17), (17, 72), (150, 270), (3, 1000)]:
        md5_hex_folded(buf, start, end, out, 77)
        assert out[77:109].tobytes().decode("ascii") == reference(buf[start:end].tobytes())
        assert np.array_equal(out[:77], before[:77])
        assert np.array_equal(out[109:], before[109:])


def test_callable_from_nogil_numba() -> None:
    from numba import njit

    @njit(nogil=True)
    def many(buf, offsets, out):  # type: ignore[no-untyped-def]
        for i in range(offsets.shape[0] - 1):
            md5_hex_folded(buf, offsets[i], offsets[i + 1], out, 32 * i)

    texts = [b"", b"prompt 1", b"a" * 64, "Übersetze 42 Wörter".encode(), b"9" * 130]
    buf = np.frombuffer(b"".join(texts), dtype=np.uint8)
    offsets = np.cumsum([0] + [len(t) for t in texts]).astype(np.int64)
    out = np.zeros(32 * len(texts), dtype=np.uint8)
    many(buf, offsets, out)
    got = [out[32 * i : 32 * i + 32].tobytes().decode("ascii") for i in range(len(texts))]
    assert got == [reference(t) for t in texts]


@pytest.mark.parametrize(
    "prompt",
    [
        "",
        "hello",
        "Summarise order 12345 for customer 987",
        "translate: 2024-06-01 → 01.06.2024, ünïcödé 中文 😀",
        "0000 1111 2222 3333 4444 5555 6666 7777 8888 9999" * 20,
    ],
)
def test_agrees_with_prompt_key(prompt: str) -> None:
    assert prompt_key(prompt) == md5_hex_folded_bytes(prompt.encode("utf-8"))
