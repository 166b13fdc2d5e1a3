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

import numpy as np

from stillwatch.signals._hashing import mix

SHINGLE = 5
EMPTY = np.uint64(1 << 32)  # above every 32-bit value: "bin has no shingle"
_MAX_PROBES = 400
_LOW32 = np.uint64(0xFFFFFFFF)


def shingle_hashes(data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mixed 64-bit hash of every shingle and its row; rows without bytes have none.

    Examples
    --------
    >>> data = np.frombuffer(b"hello worldhi", dtype=np.uint8)
    >>> h, rows = shingle_hashes(data, np.array([0, 11, 13]))
    >>> sorted(rows.tolist())
    [0, 0, 0, 0, 0, 0, 0, 1]
    """
    n_rows = len(offsets) - 1
    lengths = np.diff(offsets)
    starts = offsets[:-1]
    hashes, rows = [], []
    h = np.zeros(len(data), dtype=np.uint64)
    for size in range(1, SHINGLE + 1):
        # h[i] packs data[i : i + size] exactly (big-endian), for i + size <= len(data).
        m = max(len(data) - size + 1, 0)
        h = (h[:m] << np.uint64(8)) | data[size - 1 : size - 1 + m].astype(np.uint64)
        short = np.flatnonzero(lengths == size) if size < SHINGLE else np.zeros(0, np.int64)
        hashes.append(h[starts[short]])
        rows.append(short)
    if len(h):
        ends = np.repeat(offsets[1:], lengths)[: len(h)]
        keep = np.arange(len(h)) + SHINGLE <= ends
        hashes.append(h[keep])
        rows.append(np.repeat(np.arange(n_rows), lengths)[: len(h)][keep])
    return mix(np.concatenate(hashes), seed=0x5151), np.concatenate(rows)


def sketch(hashes: np.ndarray, rows: np.ndarray, n_rows: int, k: int) -> np.ndarray:
    """(n_rows, k) uint64 OPH sketch, densified; rows without shingles stay ``EMPTY``."""
    bins = ((hashes >> np.uint64(32)) * np.uint64(k)) >> np.uint64(32)
    flat = np.full(n_rows * k, EMPTY, dtype=np.uint64)
    np.minimum.at(flat, rows * k + bins.astype(np.int64), hashes & _LOW32)
    sk = flat.reshape(n_rows, k)
    original = sk.copy()
    todo_r, todo_b = np.nonzero(sk == EMPTY)
    has_any = (original != EMPTY).any(axis=1)
    alive = has_any[todo_r]
    todo_r, todo_b = todo_r[alive], todo_b[alive]
    for attempt in range(1, _MAX_PROBES + 1):
        if len(todo_r) == 0:
            break
        probe = mix(todo_b.astype(np.uint64) * np.uint64(_MAX_PROBES + 1) + np.uint64(attempt), seed=0xD3)
        j = (probe % np.uint64(k)).astype(np.int64)
        got = original[todo_r, j]
        hit = got != EMPTY
        sk[todo_r[hit], todo_b[hit]] = got[hit]
        todo_r, todo_b = todo_r[~hit], todo_b[~hit]
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
