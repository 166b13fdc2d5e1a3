"""Was a suspect model trained on our watermarked text? (Sander et al. 2024, "Watermarking
Makes Language Models Radioactive".)

A model fine-tuned on watermarked text learns the teacher's tilt toward green tokens in the
contexts it saw. Two tests, each returning a p-value under the null "the model never learned
from text watermarked with this key":

* **white-box** (the suspect's next-token distributions on text we feed it): at each scored
  position, the probability mass the model puts on the green list. For a model independent of
  the key the green list is a random ``gamma`` share of the vocabulary, so the mass has mean
  ``gamma`` and a variance known from the distribution itself; the sum over positions gives a
  z-score. Sander et al. count green argmax predictions instead; that count is reported too.
* **black-box** (only text the suspect generated): the watermark detector on that text, with
  each (window, token) tuple counted once; and ``detect.window_test``, the same green-mass test
  with the model's distributions replaced by the observed next-token shares after each window.

Both score each context window once (a repeated window would repeat the same coin flip), and
the white-box test skips positions where the model is nearly certain: whether the model is
certain does not depend on the key, so skipping keeps the null exact while dropping positions
that carry no signal. For the black-box test, ``detect.detect_tokens`` (one count per distinct
(window, token) tuple, Sander et al.'s de-duplication) is the published test;
``detect.window_test`` is the stronger one where the same windows recur many times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from stillwatch.provenance.detect import Detection, binomial_test, detect_tokens, z_to_p
from stillwatch.provenance.watermark import WatermarkKey


@dataclass(frozen=True)
class Radioactivity:
    """``z``/``p_value`` of the green-mass test; ``argmax`` is the green-argmax count test."""

    scored: int
    green_mass: float
    z: float
    p_value: float
    argmax: Detection

    def meaning(self, alpha: float = 1e-3) -> str:
        if self.scored == 0:
            return "nothing to score"
        if self.p_value < alpha:
            return (f"radioactive: the model favours this key's green tokens ({self.green_mass:.3f} mean "
                    f"green mass over {self.scored} contexts); a model that never saw text watermarked "
                    f"with it does so this strongly with p = {self.p_value:.2g}")
        return (f"no evidence the model learned from this key's watermarked text "
                f"(p = {self.p_value:.2g} over {self.scored} contexts)")


@dataclass(frozen=True)
class Readings:
    """What the white-box test reads off a suspect, before any key is involved: per context
    window, the mean next-token distribution, and the distinct (window, argmax) tuples."""

    means: dict[tuple[int, ...], np.ndarray]
    tuples: frozenset[tuple[int, ...]]
    vocab_size: int


def read_suspect(sequences: Sequence[Sequence[int]], probs: Sequence[np.ndarray], context: int,
                 starts: Sequence[int] | None = None, max_confidence: float = 0.98) -> Readings:
    """``probs[i][t]`` is the suspect's next-token distribution after ``sequences[i][: t + 1]``.

    Each window gets the suspect's mean distribution over the positions it precedes: one window
    is one coin flip of the key however often it recurs, and averaging its occurrences keeps a
    learned tilt while evening out what the rest of the context adds. A position counts only
    where its window has not preceded a counted position earlier in the same sequence, so that
    text watermarked with the key can be fed too: no token before such a position was chosen
    under that window's green list (the prompt, before ``starts[i]``, was not generated with
    the watermark).
    """
    sums: dict[tuple[int, ...], np.ndarray] = {}
    counts: dict[tuple[int, ...], int] = {}
    tuples: set[tuple[int, ...]] = set()
    vocab = 0
    for i, seq in enumerate(sequences):
        ids = [int(x) for x in seq]
        dist = np.asarray(probs[i], dtype=np.float64)
        vocab = dist.shape[-1]
        confident = dist.max(-1) > max_confidence
        earlier: set[tuple[int, ...]] = set()
        for j in range(max(context, starts[i] if starts is not None else 0), len(ids)):
            window = tuple(ids[j - context: j])
            if window in earlier:
                continue
            earlier.add(window)
            if confident[j - 1]:
                continue
            p = dist[j - 1]
            if window in sums:
                sums[window] += p
                counts[window] += 1
            else:
                sums[window], counts[window] = p.copy(), 1
            tuples.add((*window, int(p.argmax())))
    return Readings({w: t / counts[w] for w, t in sums.items()}, frozenset(tuples), vocab)


def score_readings(r: Readings, key: WatermarkKey) -> Radioactivity:
    """The green-mass z-test over windows, and Sander et al.'s green-argmax count, one per
    distinct (window, predicted token) tuple."""
    vocab = r.vocab_size
    if not r.means:
        return Radioactivity(0, 0.0, 0.0, 1.0, binomial_test(0, 0, key.gamma))
    share = key.green_share(vocab)
    k = key.green_count(vocab)
    scale = k * (vocab - k) / (vocab * (vocab - 1))
    mass = var = 0.0
    for window, p in r.means.items():
        mass += float(p[key.green_mask(window, vocab)].sum())
        var += scale * float(((p - 1.0 / vocab) ** 2).sum())
    argmax_green = sum(bool(key.green_mask(t[:-1], vocab)[t[-1]]) for t in r.tuples)
    n = len(r.means)
    z = (mass - share * n) / max(1e-12, var ** 0.5)
    return Radioactivity(n, mass / n, z, z_to_p(z), binomial_test(argmax_green, len(r.tuples), share))


def whitebox_test(sequences: Sequence[Sequence[int]], probs: Sequence[np.ndarray], key: WatermarkKey,
                  starts: Sequence[int] | None = None, max_confidence: float = 0.98) -> Radioactivity:
    """``read_suspect`` then ``score_readings``: each context window scored once."""
    return score_readings(read_suspect(sequences, probs, key.context, starts, max_confidence), key)


def blackbox_test(generated: Sequence[Sequence[int]], key: WatermarkKey, vocab_size: int,
                  starts: Sequence[int] | None = None) -> Detection:
    """The watermark detector on the suspect's own generations (prompts excluded via
    ``starts``), each (window, token) tuple counted once (Sander et al.)."""
    return detect_tokens(generated, key, vocab_size, starts)
