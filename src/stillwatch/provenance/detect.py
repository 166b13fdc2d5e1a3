"""Is this text watermarked with our key? Two one-sided z-tests.

``detect_tokens``: the count of green tokens. Only tokens with a full context window are scored,
and each (context window, token) tuple once: repeated n-grams would otherwise count the same
coin flip many times (Sander et al. 2024, "Watermarking Makes Language Models Radioactive").
Under the null (text made without the key) each scored token is green with the green share.

``window_test``: for large amounts of text where the same windows recur many times (a narrow
task, a small vocabulary), every option after a window eventually appears at least once, and
the tuple count loses the watermark's tilt. This test instead takes, per window, the observed
share of each next token and sums the green share of it; conditional on the text, only the key
is random, so the null mean and variance are exact whatever the repetition.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from stillwatch.provenance.watermark import WatermarkKey


@dataclass(frozen=True)
class Detection:
    """``green`` of ``scored`` tokens were green; ``z`` and the one-sided ``p_value``."""

    green: int
    scored: int
    gamma: float
    z: float
    p_value: float

    def meaning(self, alpha: float = 1e-3) -> str:
        if self.scored == 0:
            return "nothing to score: the text is shorter than the watermark's context window"
        if self.p_value < alpha:
            return (f"watermarked: {self.green}/{self.scored} green tokens where {self.gamma:.0%} are "
                    f"expected by chance; text this green arises without the key with p = {self.p_value:.2g}")
        return (f"no evidence of the watermark: {self.green}/{self.scored} green tokens, "
                f"{self.gamma:.0%} expected by chance (p = {self.p_value:.2g})")


def z_to_p(z: float) -> float:
    """One-sided p-value of a standard normal statistic."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def binomial_test(green: int, scored: int, gamma: float) -> Detection:
    if scored == 0:
        return Detection(0, 0, gamma, 0.0, 1.0)
    z = (green - gamma * scored) / math.sqrt(scored * gamma * (1 - gamma))
    return Detection(green, scored, gamma, z, z_to_p(z))


def detect_tokens(sequences: Iterable[Sequence[int]], key: WatermarkKey, vocab_size: int,
                  starts: Iterable[int] | None = None) -> Detection:
    """Score every token of ``sequences`` from ``starts[i]`` on (the prompt before it is not the
    model's), deduplicating (context window, token) tuples across all sequences.

    Examples
    --------
    >>> key = WatermarkKey(b"k" * 32)
    >>> detect_tokens([[1, 2, 3]], key, 40).scored   # shorter than the context window
    0
    """
    seen: set[tuple[int, ...]] = set()
    green = 0
    start_list = list(starts) if starts is not None else None
    h = key.context
    for i, seq in enumerate(sequences):
        ids = [int(t) for t in seq]
        first = max(h, start_list[i] if start_list is not None else 0)
        for t in range(first, len(ids)):
            tup = (*ids[t - h:t], ids[t])
            if tup in seen:
                continue
            seen.add(tup)
            green += bool(key.green_mask(ids[t - h:t], vocab_size)[ids[t]])
    return binomial_test(green, len(seen), key.green_share(vocab_size))


def window_test(sequences: Iterable[Sequence[int]], key: WatermarkKey, vocab_size: int,
                starts: Iterable[int] | None = None, max_share: float = 0.98) -> Detection:
    """Per-window next-token frequencies, each window weighted once; windows where one token
    takes more than ``max_share`` of the occurrences carry no choice and are skipped (a rule
    that ignores the key, so the null stays exact). ``green``/``scored`` report the rounded
    green mass and the windows scored.

    Examples
    --------
    >>> key = WatermarkKey(b"k" * 32)
    >>> window_test([[1, 2, 3, 4, 5, 6]], key, 40).scored   # every window seen once: no choice
    0
    """
    counts: dict[tuple[int, ...], dict[int, int]] = {}
    start_list = list(starts) if starts is not None else None
    h = key.context
    for i, seq in enumerate(sequences):
        ids = [int(t) for t in seq]
        for t in range(max(h, start_list[i] if start_list is not None else 0), len(ids)):
            nxt = counts.setdefault(tuple(ids[t - h:t]), {})
            nxt[ids[t]] = nxt.get(ids[t], 0) + 1
    share = key.green_share(vocab_size)
    k = key.green_count(vocab_size)
    scale = k * (vocab_size - k) / (vocab_size * (vocab_size - 1))
    mass = var = 0.0
    n = 0
    for window, nxt in counts.items():
        total = sum(nxt.values())
        if max(nxt.values()) > max_share * total:
            continue
        p = np.zeros(vocab_size)
        for tok, c in nxt.items():
            p[tok] = c / total
        mass += float(p[key.green_mask(window, vocab_size)].sum())
        var += scale * float(((p - 1.0 / vocab_size) ** 2).sum())
        n += 1
    if n == 0:
        return Detection(0, 0, share, 0.0, 1.0)
    z = (mass - share * n) / max(1e-12, var ** 0.5)
    return Detection(round(mass), n, share, z, z_to_p(z))
