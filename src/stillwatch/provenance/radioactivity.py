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
* **black-box** (only text the suspect generated): ``detect.window_test`` on that text, the
  same green-mass test with the model's distributions replaced by the observed next-token
  shares after each window (the tuple count of ``detect_tokens`` is reported too).

Both score each context window once (a repeated window would repeat the same coin flip), and
the white-box test skips positions where the model is nearly certain: whether the model is
certain does not depend on the key, so skipping keeps the null exact while dropping positions
that carry no signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from stillwatch.provenance.detect import Detection, binomial_test, window_test, z_to_p
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


def whitebox_test(sequences: Sequence[Sequence[int]], probs: Sequence[np.ndarray], key: WatermarkKey,
                  starts: Sequence[int] | None = None, max_confidence: float = 0.98) -> Radioactivity:
    """``probs[i][t]`` is the suspect's next-token distribution after ``sequences[i][: t + 1]``."""
    seen: set[tuple[int, ...]] = set()
    gains, variances, argmax_green = [], [], 0
    share = key.gamma
    for i, seq in enumerate(sequences):
        ids = [int(x) for x in seq]
        dist = np.asarray(probs[i], dtype=np.float64)
        vocab = dist.shape[-1]
        k = key.green_count(vocab)
        share = k / vocab
        scale = k * (vocab - k) / (vocab * (vocab - 1))
        for j in range(max(key.context, starts[i] if starts is not None else 0), len(ids)):
            window = tuple(ids[j - key.context: j])
            if window in seen:
                continue
            p = dist[j - 1]
            if p.max() > max_confidence:
                continue
            seen.add(window)
            mask = key.green_mask(window, vocab)
            gains.append(float(p[mask].sum()))
            variances.append(scale * float(((p - 1.0 / vocab) ** 2).sum()))
            argmax_green += bool(mask[int(p.argmax())])
    n = len(gains)
    if n == 0:
        return Radioactivity(0, 0.0, 0.0, 1.0, binomial_test(0, 0, share))
    z = (sum(gains) - share * n) / max(1e-12, float(np.sqrt(sum(variances))))
    return Radioactivity(n, sum(gains) / n, z, z_to_p(z), binomial_test(argmax_green, n, share))


def blackbox_test(generated: Sequence[Sequence[int]], key: WatermarkKey, vocab_size: int,
                  starts: Sequence[int] | None = None) -> Detection:
    """The window test on the suspect's own generations (prompts excluded via ``starts``)."""
    return window_test(generated, key, vocab_size, starts)
