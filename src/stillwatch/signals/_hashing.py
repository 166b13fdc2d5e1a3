"""Vectorised hashing of byte n-grams and words over a whole buffer of texts.

Arithmetic is on numpy unsigned arrays, which wrap modulo 2**32 or 2**64 without warning
(scalar numpy integers would warn, so constants are 0-d values used only with arrays).

* Byte n-grams for the text models: a 32-bit polynomial rolling hash (FNV prime as the
  base), bucketed by Knuth's multiplicative hashing (:func:`bucket32`).
* Words: a 64-bit polynomial hash of each run of word bytes, summed with ``reduceat``;
  word bigrams combine two word hashes through :func:`mix`.
* :func:`mix` is the splitmix64 finaliser (Steele, Lea and Flood, "Fast splittable
  pseudorandom number generators", OOPSLA 2014), a bijection on 64 bits.

These are fingerprints, not cryptographic hashes: a collision only adds noise to a
feature. Identifiers stored for later comparison use BLAKE2b (:func:`blake2b_int64`).
"""

from __future__ import annotations

import hashlib

import numpy as np

MASK64 = (1 << 64) - 1
#: Multiplier of the rolling hash: odd, with no short period modulo 2**64.
P = 0x100000001B3  # the 64-bit FNV prime
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_P = np.uint64(P)


def mix(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """splitmix64 finaliser of ``x ^ seed`` (a new uint64 array).

    Examples
    --------
    >>> mix(np.array([0, 1], dtype=np.uint64), seed=7).tolist() != [0, 1]
    True
    """
    z = x ^ np.uint64(seed & MASK64)
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


_P32 = np.uint32(0x01000193)  # the 32-bit FNV prime
_GOLDEN32 = np.uint32(0x9E3779B1)  # odd multiplier of Knuth's multiplicative hashing


def byte_ngrams32(data: np.ndarray, sizes: tuple[int, ...]) -> list[tuple[int, np.ndarray]]:
    """32-bit rolling hashes of the byte n-grams starting at every position, per size.

    Position ``i`` of the size-``n`` array hashes ``data[i:i + n]`` (``len(data) - n + 1``
    positions, including those that run into the next text: see :func:`crossing`).

    Examples
    --------
    >>> data = np.frombuffer(b"abcab", dtype=np.uint8)
    >>> [(n, len(h), bool(h[0] == h[-1])) for n, h in byte_ngrams32(data, (2, 3))]
    [(2, 4, True), (3, 3, False)]
    """
    out: list[tuple[int, np.ndarray]] = []
    shifted = data.astype(np.uint32) + np.uint32(1)  # +1 so that NUL bytes still count
    h = shifted
    order = 1
    for n in sorted(sizes):
        while order < n and len(h):
            h = h[:-1] * _P32
            h += shifted[order:]
            order += 1
        out.append((n, h if order == n else np.zeros(0, np.uint32)))
    return out


def crossing(offsets: np.ndarray, n: int, positions: int) -> np.ndarray:
    """Positions (below ``positions``) whose n-gram runs past the end of its text.

    Examples
    --------
    >>> crossing(np.array([0, 3, 5]), 2, 4).tolist()
    [2]
    """
    pos = (offsets[1:, None] - np.arange(1, n)[None, :]).ravel()
    return pos[(pos >= offsets[0]) & (pos < positions)]


def bucket32(h: np.ndarray, salt: int, bits: int, pad: int = 0) -> np.ndarray:
    """Multiplicative hashing (Knuth) of ``h + salt`` down to ``bits`` bits, as intp.

    64-bit input is folded to 32 bits first. ``pad`` zero buckets follow the result
    (cheaper than appending them to it afterwards).

    Examples
    --------
    >>> bucket32(np.array([1, 2], dtype=np.uint32), salt=5, bits=8, pad=1).tolist()
    [181, 83, 0]
    """
    if h.dtype == np.uint64:
        h = (h ^ (h >> np.uint64(32))).astype(np.uint32)
    b = h + np.uint32(salt & 0xFFFFFFFF)
    b *= _GOLDEN32
    b >>= np.uint32(32 - bits)
    out = np.empty(len(b) + pad, dtype=np.intp)
    out[: len(b)] = b
    out[len(b) :] = 0
    return out


#: Word bytes are ASCII letters, digits and ``_``, and every byte >= 0x80, so non-Latin
#: words are kept whole (CJK runs become one long "word", which the byte n-grams cover
#: instead); ASCII whitespace and punctuation separate words.
_A, _Z_SPAN, _ZERO, _D_SPAN = np.uint8(ord("a")), np.uint8(25), np.uint8(ord("0")), np.uint8(9)
_UNDERSCORE, _HIGH, _CASE = np.uint8(ord("_")), np.uint8(0x80), np.uint8(0x20)
_MAX_WORD = 64
_POWERS = np.cumprod(np.full(_MAX_WORD, P, dtype=np.uint64), dtype=np.uint64)


def words(data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unmixed hashes and rows of every word (maximal run of word bytes within a row).

    Bytes past the 64th of a word weigh as the 64th; such words are rare and only need
    to hash consistently.

    Examples
    --------
    >>> data = np.frombuffer(b"to be, to", dtype=np.uint8)
    >>> h, r = words(data, np.array([0, 9]))
    >>> len(h), h[0] == h[2], r.tolist()
    (3, np.True_, [0, 0, 0])
    """
    if len(data) == 0:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    # Range tests by uint8 wraparound: a handful of vector passes beat a table lookup.
    is_word = (data >= _HIGH) | ((data | _CASE) - _A <= _Z_SPAN) | ((data - _ZERO) <= _D_SPAN) | (data == _UNDERSCORE)
    n = len(data)
    starts = np.empty(n, dtype=bool)
    starts[0] = is_word[0]
    np.greater(is_word[1:], is_word[:-1], out=starts[1:])
    row_starts = offsets[:-1][offsets[:-1] < n]
    starts[row_starts] = is_word[row_starts]
    wb = np.flatnonzero(is_word)
    if len(wb) == 0:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    # Work over the word bytes only: a word's bytes are consecutive there, so a byte's
    # place in its word is its index less the index where the word starts.
    seg = np.flatnonzero(starts[wb])
    rel = np.arange(len(wb)) - np.repeat(seg, np.diff(seg, append=len(wb)))
    np.minimum(rel, _MAX_WORD - 1, out=rel)
    contrib = (data[wb].astype(np.uint64) + np.uint64(1)) * _POWERS[rel]
    hashes = np.add.reduceat(contrib, seg)
    rows = np.searchsorted(offsets, wb[seg], side="right") - 1
    return hashes, rows


def pairs(hashes: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of consecutive items (word bigrams) that belong to the same row."""
    if len(hashes) < 2:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    same = rows[1:] == rows[:-1]
    return (hashes[:-1] * _P + mix(hashes[1:]))[same], rows[1:][same]


def blake2b_int64(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """First 8 bytes of BLAKE2b of each text's bytes, read as little-endian int64.

    ``data[offsets[i]:offsets[i + 1]]`` is text ``i`` (see ``_text.utf8_bytes``). A stable,
    documented identifier: anyone can recompute it from the same bytes.

    Examples
    --------
    >>> data = np.frombuffer(b"hellohello!", dtype=np.uint8)
    >>> ids = blake2b_int64(data, np.array([0, 5, 11]))
    >>> int(ids[0]) == int.from_bytes(
    ...     hashlib.blake2b(b"hello", digest_size=8).digest(), "little", signed=True)
    True
    """
    raw = data.tobytes()
    bounds = offsets.tolist()
    out = np.empty(len(bounds) - 1, dtype=np.int64)
    for i in range(len(out)):
        digest = hashlib.blake2b(raw[bounds[i] : bounds[i + 1]], digest_size=8).digest()
        out[i] = int.from_bytes(digest, "little", signed=True)
    return out
