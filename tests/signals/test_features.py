"""The hashed featuriser and the hashing helpers it stands on."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from stillwatch.signals import _features
from stillwatch.signals._features import FeatureSpec, featurise
from stillwatch.signals._hashing import blake2b_int64, crossing, words
from stillwatch.signals._text import Distinct, squeeze_spaces, utf8_bytes

TEXTS = ["Show your work.", "", None, "思维链 " * 50, "x", "Ab  cd\n\nef " * 40, "🙂🙂"]
SPECS = [
    FeatureSpec(bits=12),
    FeatureSpec(bits=12, ngram_sizes=(3, 5), words=False),
    FeatureSpec(bits=12, ngram_sizes=(), words=True, bigrams=True),
]


def _table(bits: int, k: int = 3) -> np.ndarray:
    table = np.random.default_rng(0).normal(size=(k, 1 << bits)).astype(np.float32)
    table[:, 0] = 0.0
    return table


@pytest.mark.parametrize("spec", SPECS)
def test_dot_matches_sparse_matrix(spec: FeatureSpec) -> None:
    feats = featurise(pa.array(TEXTS), spec)
    rows, cols, vals = feats.to_coo()
    dense = np.zeros((len(TEXTS), 1 << spec.bits))
    np.add.at(dense, (rows, cols), vals)
    table = _table(spec.bits)
    np.testing.assert_allclose(feats.dot(table), dense @ table.T.astype(np.float64), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("spec", SPECS)
def test_features_do_not_depend_on_chunking_or_neighbours(spec: FeatureSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    table = _table(spec.bits)
    whole = featurise(pa.array(TEXTS), spec).dot(table)
    monkeypatch.setattr(_features, "_CHUNK_BYTES", 7)
    chunked = featurise(pa.array(TEXTS), spec).dot(table)
    alone = np.vstack([featurise(pa.array([t], pa.string()), spec).dot(table) for t in TEXTS])
    np.testing.assert_allclose(chunked, whole, rtol=1e-6)
    np.testing.assert_allclose(alone, whole, rtol=1e-6)
    assert not whole[[1, 2]].any()


def test_namespaces_separate_the_same_text() -> None:
    spec = SPECS[0]
    a = featurise(pa.array(["same text"]), spec, 0).to_coo()[1]
    b = featurise(pa.array(["same text"]), spec, 1).to_coo()[1]
    assert set(a.tolist()) != set(b.tolist())


def test_helpers() -> None:
    data, offs = utf8_bytes(pa.array(["ab", None, "c d"]).slice(0, 3))
    assert bytes(data) == b"abc d" and offs.tolist() == [0, 2, 2, 5]
    d, o = squeeze_spaces(*utf8_bytes(pa.array([" \t", "a  b "])))
    assert bytes(d) == b" a b " and o.tolist() == [0, 1, 5]
    assert set(crossing(np.array([0, 2, 2, 5]), 3, 3).tolist()) == {0, 1}
    h, r = words(*utf8_bytes(pa.array(["one two", "one"])))
    assert r.tolist() == [0, 0, 1] and h[0] == h[2] != h[1]
    assert Distinct.of(pa.array([None, None], pa.string())).values.to_pylist() == []
    ab = np.frombuffer(b"aab", dtype=np.uint8)
    assert blake2b_int64(ab, np.array([0, 1, 2, 3])).tolist()[:2] == blake2b_int64(ab, np.array([0, 1])).tolist() * 2
