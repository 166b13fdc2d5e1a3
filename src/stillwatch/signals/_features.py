"""Hashed word and byte n-gram features of texts, computed for a whole array at once.

The same code featurises for training and for inference, so a model file only has to
store its weights and the :class:`FeatureSpec` they were trained with. The recipe:

* each text is cut to a window: its first ``head`` code points and, when longer, its last
  ``tail`` (instructions sit at the start or the end of long prompts), then lowercased,
  with ASCII whitespace runs collapsed to one space;
* its features are the byte n-grams for n in ``ngram_sizes`` (over UTF-8, so Chinese,
  Arabic or Hindi text needs no tokeniser), and optionally its words and word bigrams
  (words are runs of bytes other than ASCII whitespace and punctuation);
* each feature is hashed (:mod:`._hashing`), salted per kind and per ``namespace``, and
  bucketed into ``2**bits`` columns; bucket 0 is reserved and ignored, because positions
  whose n-gram would cross into the next text are sent there;
* every feature occurrence weighs ``1 / sqrt(number of feature occurrences in the text)``,
  an L2-style length normalisation that needs no per-text sort.

Scoring is a gather from a (k, 2**bits) weight table per class and a segmented sum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from stillwatch.signals._hashing import bucket32, byte_ngrams32, crossing, pairs, words
from stillwatch.signals._text import squeeze_spaces, utf8_bytes

#: Rough bytes of text per chunk: keeps the per-byte temporaries inside the CPU caches.
_CHUNK_BYTES = 1 << 17


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """How texts become hashed features; stored beside the weights trained with it."""

    bits: int = 16
    ngram_sizes: tuple[int, ...] = (4,)
    words: bool = True
    bigrams: bool = False
    head: int = 384
    tail: int = 128

    def to_json(self) -> dict[str, object]:
        return {
            "bits": self.bits,
            "ngram_sizes": list(self.ngram_sizes),
            "words": self.words,
            "bigrams": self.bigrams,
            "head": self.head,
            "tail": self.tail,
        }

    @classmethod
    def from_json(cls, d: dict[str, object]) -> FeatureSpec:
        sizes = d["ngram_sizes"]
        assert isinstance(sizes, list)
        return cls(
            bits=int(str(d["bits"])),
            ngram_sizes=tuple(int(s) for s in sizes),
            words=bool(d["words"]),
            bigrams=bool(d["bigrams"]),
            head=int(str(d["head"])),
            tail=int(str(d["tail"])),
        )


def window(texts: pa.Array, head: int, tail: int) -> pa.Array:
    """Head and tail of each text, lowercased.

    Examples
    --------
    >>> window(pa.array(["Abc  DEF ghi", "hi"]), 3, 3).to_pylist()
    ['abc ghi', 'hi']
    """
    if tail > 0:
        long = pc.greater(pc.utf8_length(texts), head + tail)
        joined = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(texts, 0, head),
            pc.utf8_slice_codeunits(texts, -tail),
            " ",
        )
        texts = pc.if_else(long, joined, texts)
    else:
        texts = pc.utf8_slice_codeunits(texts, 0, head)
    return pc.utf8_lower(texts)


@dataclass(frozen=True, slots=True)
class _Kind:
    """One kind of feature over a run of texts: a bucket per occurrence, grouped by text.

    ``starts[i]`` is where text ``i``'s occurrences begin in ``buckets``, and ``present``
    marks the texts that have any (``np.add.reduceat`` cannot express an empty segment).
    Bucket 0 means "no feature" and always weighs 0; ``buckets`` ends with one.
    """

    buckets: np.ndarray
    starts: np.ndarray
    present: np.ndarray

    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(row, bucket) of every occurrence; for building training matrices."""
        ends = np.append(self.starts[1:], len(self.buckets))
        lengths = np.where(self.present, ends - self.starts, 0)
        rows = np.repeat(np.arange(len(self.starts)), lengths)
        return rows, np.concatenate(
            [self.buckets[s : s + m] for s, m in zip(self.starts, lengths, strict=True)]
            or [np.zeros(0, np.intp)]
        )


@dataclass(frozen=True, slots=True)
class _Part:
    """Features of texts ``first .. first + len(weight) - 1``."""

    first: int
    kinds: tuple[_Kind, ...]
    weight: np.ndarray  # 1/sqrt(occurrences) per text, 0 for texts without any


@dataclass(frozen=True, slots=True)
class Features:
    """Hashed features of ``n`` texts, ready to score against weight tables."""

    n: int
    parts: tuple[_Part, ...]

    def dot(self, table: np.ndarray) -> np.ndarray:
        """``X @ table.T`` for a (k, 2**bits) float32 table with ``table[:, 0] == 0``.

        Returns an (n, k) float64 array.
        """
        out = np.zeros((self.n, table.shape[0]), dtype=np.float64)
        for part in self.parts:
            block = out[part.first : part.first + len(part.weight)]
            for kind in part.kinds:
                for j in range(table.shape[0]):
                    sums = np.add.reduceat(np.take(table[j], kind.buckets), kind.starts)
                    block[:, j] += np.where(kind.present, sums, 0.0)
            block *= part.weight[:, None]
        return out

    def to_coo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, columns, values) of the sparse matrix, duplicates unsummed (training)."""
        rows, cols, vals = [np.zeros(0, np.int64)], [np.zeros(0, np.intp)], [np.zeros(0)]
        for part in self.parts:
            for kind in part.kinds:
                r, c = kind.rows()
                keep = c != 0
                rows.append(r[keep] + part.first)
                cols.append(c[keep])
                vals.append(part.weight[r[keep]])
        return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)


def featurise(texts: pa.Array, spec: FeatureSpec, namespace: int = 0) -> Features:
    """Hashed features of a ``string`` array; nulls and empty texts have none.

    Examples
    --------
    >>> spec = FeatureSpec(bits=10)
    >>> f = featurise(pa.array(["Show your work", None, "show  YOUR work"]), spec)
    >>> table = np.arange(2 * 1024, dtype=np.float32).reshape(2, 1024)
    >>> table[:, 0] = 0
    >>> s = f.dot(table)
    >>> bool((s[0] == s[2]).all()), s[1].tolist()
    (True, [0.0, 0.0])
    """
    data_all, offs_all = squeeze_spaces(*utf8_bytes(window(texts, spec.head, spec.tail)))
    parts: list[_Part] = []
    start = 0
    while start < len(texts):
        stop = int(np.searchsorted(offs_all, offs_all[start] + _CHUNK_BYTES, side="right")) - 1
        stop = min(max(stop, start + 1), len(texts))
        offs = offs_all[start : stop + 1] - offs_all[start]
        data = data_all[offs_all[start] : offs_all[stop]]
        kinds, counts = _chunk(data, offs, spec, namespace)
        weight = np.where(counts > 0, 1.0 / np.sqrt(np.maximum(counts, 1)), 0.0)
        parts.append(_Part(start, tuple(kinds), weight))
        start = stop
    return Features(len(texts), tuple(parts))


def _chunk(
    data: np.ndarray, offs: np.ndarray, spec: FeatureSpec, namespace: int
) -> tuple[list[_Kind], np.ndarray]:
    n_rows = len(offs) - 1
    lengths = np.diff(offs)
    salt = 0x5EED + 0x1000 * namespace
    kinds: list[_Kind] = []
    counts = np.zeros(n_rows, dtype=np.int64)
    for n, hashes in byte_ngrams32(data, spec.ngram_sizes):
        buckets = _buckets(hashes, salt + n, spec.bits)
        positions = len(buckets) - 1
        buckets[crossing(offs, n, positions)] = 0
        kinds.append(_Kind(buckets, np.minimum(offs[:-1], positions), lengths >= n))
        counts += np.maximum(lengths - n + 1, 0)
    if spec.words or spec.bigrams:
        wh, wr = words(data, offs)
        seqs = []
        if spec.words:
            seqs.append((wh, wr, 100))
        if spec.bigrams:
            bh, br = pairs(wh, wr)
            seqs.append((bh, br, 200))
        for h, r, tag in seqs:
            per_row = np.bincount(r, minlength=n_rows)
            starts = np.searchsorted(r, np.arange(n_rows))
            kinds.append(_Kind(_buckets(h, salt + tag, spec.bits), starts, per_row > 0))
            counts += per_row
    return kinds, counts


def _buckets(hashes: np.ndarray, salt: int, bits: int) -> np.ndarray:
    # A trailing bucket 0 lets an empty last segment start one past the real data
    # without cutting the segment before it short (reduceat needs in-range starts).
    return bucket32(hashes, salt, bits, pad=1)
