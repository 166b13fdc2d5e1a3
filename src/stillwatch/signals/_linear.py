"""Linear text models over hashed features: the shipped file format, loading and scoring.

A model is two files in ``signals/models/``: ``<name>.json`` (feature recipe, output names,
bias, training metadata and metrics) and ``<name>.npy.gz`` (the weight table, float16,
one row per output and one column per hash bucket, gzip with a zero timestamp so the
bytes depend only on the weights). Inference needs numpy only.
"""

from __future__ import annotations

import gzip
import io
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from stillwatch.errors import StillwatchError
from stillwatch.signals._features import Features, FeatureSpec, featurise


@dataclass(frozen=True, slots=True)
class LinearModel:
    """``logits = X @ table.T + bias`` over :func:`featurise` features of one or more texts."""

    name: str
    spec: FeatureSpec
    outputs: tuple[str, ...]
    table: np.ndarray  # (outputs, 2**bits) float32, column 0 zero
    bias: np.ndarray  # (outputs,) float64
    meta: dict[str, Any]

    def features(self, texts: pa.Array, namespace: int = 0) -> Features:
        return featurise(texts, self.spec, namespace)

    def partial_logits(self, texts: pa.Array, namespace: int = 0) -> np.ndarray:
        """``X @ table.T`` for one text field (no bias): (len(texts), outputs)."""
        return self.features(texts, namespace).dot(self.table)


def _dump_table(table: np.ndarray) -> bytes:
    raw = io.BytesIO()
    np.save(raw, np.ascontiguousarray(table, dtype=np.float16), allow_pickle=False)
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def save_model(
    directory: Path,
    name: str,
    spec: FeatureSpec,
    outputs: tuple[str, ...],
    table: np.ndarray,
    bias: np.ndarray,
    meta: dict[str, Any],
) -> LinearModel:
    """Write ``<name>.json`` and ``<name>.npy.gz``; return the model as inference sees it."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.npy.gz").write_bytes(_dump_table(table))
    doc = {
        "name": name,
        "features": spec.to_json(),
        "outputs": list(outputs),
        "bias": [float(b) for b in bias],
        **meta,
    }
    text = json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    (directory / f"{name}.json").write_text(text, encoding="utf-8")
    return _parse(name, text, (directory / f"{name}.npy.gz").read_bytes())


def _parse(name: str, meta_text: str, table_gz: bytes) -> LinearModel:
    try:
        doc = json.loads(meta_text)
        spec = FeatureSpec.from_json(doc["features"])
        outputs = tuple(str(o) for o in doc["outputs"])
        bias = np.asarray(doc["bias"], dtype=np.float64)
        table = np.load(io.BytesIO(gzip.decompress(table_gz)), allow_pickle=False)
    except (ValueError, KeyError, TypeError, OSError, AssertionError) as exc:
        raise StillwatchError(f"signal model {name!r} is unreadable: {exc}") from None
    if table.shape != (len(outputs), 1 << spec.bits) or bias.shape != (len(outputs),):
        raise StillwatchError(f"signal model {name!r}: weight table shape {table.shape} does not match")
    table = table.astype(np.float32)
    table[:, 0] = 0.0  # bucket 0 means "no feature"
    return LinearModel(name, spec, outputs, table, bias, doc)


@cache
def load_model(name: str) -> LinearModel:
    """The shipped model ``signals/models/<name>``, read once per process."""
    base = resources.files("stillwatch.signals").joinpath("models")
    try:
        meta = base.joinpath(f"{name}.json").read_text(encoding="utf-8")
        table = base.joinpath(f"{name}.npy.gz").read_bytes()
    except OSError as exc:
        raise StillwatchError(
            f"signal model {name!r} is missing ({exc}); retrain with "
            "python -m stillwatch.signals.train"
        ) from None
    return _parse(name, meta, table)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function, safe for large magnitudes."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    z = np.exp(x - x.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)
