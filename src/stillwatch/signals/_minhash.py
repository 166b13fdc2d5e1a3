"""MinHash sketches by one-permutation hashing, vectorised over a whole array of texts.

Classic MinHash (datasketch's ``MinHash``) applies ``num_perm`` hash functions to every
shingle: ``num_perm`` multiply-mod operations per shingle, and a Python call per text.
One-permutation hashing (OPH; Li, Owen and Zhang, "One Permutation Hashing", NIPS 2012)
hashes each shingle once, uses the top bits of the hash to pick one of ``k`` bins and
keeps the minimum of the low 32 bits per bin. Empty bins (texts with few shingles) are
filled by optimal densification (Shrivastava, "Optimal Densification for Fast and
Accurate Minwise Hashing", ICML 2017): an empty bin copies the value of the first
non-empty bin on its own fixed pseudo-random probe sequence. For two texts the chance
that bin ``i`` agrees is then close to their Jaccard similarity, as with ``k`` hash
functions, at the cost of one hash per shingle.

Shingles are the byte 5-grams of the lowercased, whitespace-collapsed text (a text
shorter than 5 bytes is one shingle). Each is packed exactly into a uint64 and finished
with the splitmix64 mixer, a bijection, so distinct shingles never collide before binning.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from stillwatch.signals._hashing import crossing, mix

SHINGLE = 5
EMPTY = np.uint64(1 << 32)  # above every 32-bit value: "bin has no shingle"
_MAX_PROBES = 256
_LOW32 = np.uint64(0xFFFFFFFF)


def shingle_hashes(data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mixed 64-bit hash and row of every shingle.

    Shingles that would run into the next text get row ``len(offsets) - 1``, a dummy row
    the caller drops (cheaper than compressing the arrays).

    Examples
    --------
    >>> data = np.frombuffer(b"hello worldhi", dtype=np.uint8)
    >>> h, rows = shingle_hashes(data, np.array([0, 11, 13]))
    >>> sorted(rows.tolist())
    [0, 0, 0, 0, 0, 0, 0, 1, 2, 2]
    """
    n_rows = len(offsets) - 1
    lengths = np.diff(offsets)
    m = max(len(data) - SHINGLE + 1, 0)
    # Pack data[i : i + SHINGLE] exactly into one integer (big-endian): read the 8 bytes
    # from i as a big-endian uint64 (a view with a 1-byte stride over a padded copy) and
    # shift off the 3 bytes past the shingle, in one pass instead of five.
    padded = np.zeros(len(data) + 8, dtype=np.uint8)
    padded[: len(data)] = data
    eight = np.ndarray((m,), dtype=">u8", buffer=padded, strides=(1,))
    packed = eight.astype(np.uint64)
    packed >>= np.uint64(8 * (8 - SHINGLE))
    rows = np.repeat(np.arange(n_rows), lengths)[:m]
    rows[crossing(offsets, SHINGLE, m)] = n_rows
    # A text shorter than a shingle is one shingle of its own bytes.
    short = np.flatnonzero((lengths > 0) & (lengths < SHINGLE))
    whole = np.zeros(len(short), dtype=np.uint64)
    for j in range(SHINGLE - 1):
        inside = j < lengths[short]
        whole[inside] = (whole[inside] << np.uint64(8)) | data[offsets[short][inside] + j].astype(np.uint64)
    return mix(np.concatenate([packed, whole]), seed=0x5151), np.concatenate([rows, short])


_PROBE_BLOCK = 8


@cache
def _probes(k: int) -> np.ndarray:
    """(k, _MAX_PROBES) probe sequence of each bin: the same for every text."""
    b = np.arange(k, dtype=np.uint64)[:, None] * np.uint64(_MAX_PROBES + 1)
    t = np.arange(1, _MAX_PROBES + 1, dtype=np.uint64)[None, :]
    return (mix(b + t, seed=0xD3) % np.uint64(k)).astype(np.int64)


def sketch(hashes: np.ndarray, rows: np.ndarray, n_rows: int, k: int) -> np.ndarray:
    """(n_rows, k) uint64 OPH sketch, densified; rows without shingles stay ``EMPTY``.

    ``rows == n_rows`` marks shingles to ignore.
    """
    bins = ((hashes >> np.uint64(32)) * np.uint64(k)) >> np.uint64(32)
    flat = np.full((n_rows + 1) * k, EMPTY, dtype=np.uint64)
    np.minimum.at(flat, rows * k + bins.astype(np.int64), hashes & _LOW32)
    original = flat.reshape(n_rows + 1, k)[:n_rows]
    sk = original.copy()
    empty = original == EMPTY
    todo_r, todo_b = np.nonzero(empty & ~empty.all(axis=1)[:, None])
    probes = _probes(k)
    # Try probes a block at a time; the first non-empty bin in probe order wins.
    for first in range(0, _MAX_PROBES, _PROBE_BLOCK):
        if len(todo_r) == 0:
            break
        cand = probes[todo_b, first : first + _PROBE_BLOCK]
        vals = original[todo_r[:, None], cand]
        hit = vals != EMPTY
        found = hit.any(axis=1)
        pick = vals[np.arange(len(vals)), hit.argmax(axis=1)]
        sk[todo_r[found], todo_b[found]] = pick[found]
        todo_r, todo_b = todo_r[~found], todo_b[~found]
    if len(todo_r):  # vanishingly rare: fall back to the row's smallest value
        sk[todo_r, todo_b] = original[todo_r].min(axis=1)
    return sk


def band_keys(sk: np.ndarray, bands: int, rows_per_band: int) -> np.ndarray:
    """(n, bands) int64 keys: a hash of each band's values, salted with the band number."""
    n = len(sk)
    cube = sk[:, : bands * rows_per_band].reshape(n, bands, rows_per_band)
    acc = np.broadcast_to(np.arange(bands, dtype=np.uint64), (n, bands)).copy()
    for r in range(rows_per_band):
        acc = mix(acc ^ cube[:, :, r], seed=r + 1)
    return acc.view(np.int64)
