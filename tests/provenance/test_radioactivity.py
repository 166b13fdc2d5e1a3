import numpy as np

from stillwatch.provenance import WatermarkKey
from stillwatch.provenance.radioactivity import whitebox_test

V = 40


def fake_model(seqs: list[list[int]], key: WatermarkKey | None, tilt: float, seed: int) -> list[np.ndarray]:
    """Next-token distributions; with ``key``, every distribution leans toward its green list."""
    rng = np.random.default_rng(seed)
    out = []
    for seq in seqs:
        logits = rng.normal(0, 1.0, size=(len(seq), V))
        if key is not None:
            for t in range(key.context - 1, len(seq)):
                logits[t] += tilt * key.green_mask(seq[t - key.context + 1: t + 1], V)
        p = np.exp(logits - logits.max(-1, keepdims=True))
        out.append(p / p.sum(-1, keepdims=True))
    return out


def test_learned_tilt_is_found_and_null_is_not() -> None:
    rng = np.random.default_rng(0)
    seqs = [list(rng.integers(0, V, size=30)) for _ in range(20)]
    key = WatermarkKey.generate(seed=5)
    radioactive = whitebox_test(seqs, fake_model(seqs, key, 0.5, 1), key)
    assert radioactive.p_value < 1e-5 and "radioactive" in radioactive.meaning()
    clean = fake_model(seqs, None, 0.0, 2)
    pvals = [whitebox_test(seqs, clean, WatermarkKey.generate(seed=100 + i)).p_value for i in range(40)]
    # under the null p-values are uniform: none tiny, and not all on one side
    assert min(pvals) > 1e-4 and 0.2 < float(np.mean(pvals)) < 0.8


def test_confident_positions_are_skipped() -> None:
    seqs = [[1, 2, 3, 4, 5, 6, 7, 8]]
    certain = np.zeros((8, V))
    certain[:, 0] = 1.0
    assert whitebox_test(seqs, [certain], WatermarkKey.generate(seed=1)).scored == 0
