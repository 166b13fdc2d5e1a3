"""Held-out metrics written into the model files by ``train.py`` (numpy only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from stillwatch.signals._phrases_attack import HELD_OUT_LANGUAGES
from stillwatch.signals._synth import Item


def category_report(truth: Sequence[str], predicted: Sequence[str], classes: Sequence[str]) -> dict[str, Any]:
    """Accuracy and per-class precision, recall and support.

    Examples
    --------
    >>> category_report(["a", "a", "b"], ["a", "b", "b"], ["a", "b"])["per_class"]["a"]
    {'precision': 1.0, 'recall': 0.5, 'support': 2}
    """
    t = np.asarray(truth, dtype=object)
    p = np.asarray(predicted, dtype=object)
    per_class = {}
    for c in classes:
        tp = int(((t == c) & (p == c)).sum())
        per_class[c] = {
            "precision": round(tp / max(int((p == c).sum()), 1), 4),
            "recall": round(tp / max(int((t == c).sum()), 1), 4),
            "support": int((t == c).sum()),
        }
    return {"accuracy": round(float((t == p).mean()) if len(t) else 0.0, 4), "per_class": per_class}


def _auc(pos: np.ndarray, neg: np.ndarray) -> float:
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    scores = np.concatenate([pos, neg])
    ranks = np.empty(len(scores))
    ranks[np.argsort(scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def binary_report(
    items: Sequence[Item], scores: np.ndarray, target: str, thresholds: tuple[float, ...] = (0.5, 0.7, 0.9)
) -> dict[str, Any]:
    """Recall on held-out positives and false-positive rate per negative source.

    Positives are split into phrasings in held-out languages, held-out phrasings of
    training languages, and corpus prompts; negatives by corpus file or synthetic bank.
    ``rate`` is at the first threshold, ``rate@t`` at each.
    """
    labels = np.array([getattr(i, target) for i in items], dtype=bool)
    groups: dict[str, list[int]] = {}
    for k, item in enumerate(items):
        kind, _, lang = item.origin.partition(":")
        if labels[k]:
            key = "corpus" if kind == "corpus" else (
                "held_out_languages" if lang in HELD_OUT_LANGUAGES else "held_out_phrasings"
            )
            groups.setdefault(f"recall/{key}", []).append(k)
        elif kind in ("corpus", "corpus-system"):
            groups.setdefault(f"fpr/{item.origin}", []).append(k)
        else:
            groups.setdefault(f"fpr/synthetic:{kind}", []).append(k)
    out: dict[str, Any] = {"threshold": thresholds[0], "auc": round(_auc(scores[labels], scores[~labels]), 4)}
    for key, idx in sorted(groups.items()):
        s = scores[idx]
        entry: dict[str, Any] = {"rate": round(float((s >= thresholds[0]).mean()), 4)}
        entry.update({f"rate@{t}": round(float((s >= t).mean()), 4) for t in thresholds[1:]})
        out[key] = {**entry, "n": len(idx), "mean_score": round(float(s.mean()), 4)}
    return out
