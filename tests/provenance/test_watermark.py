import numpy as np
import pytest

from stillwatch.errors import StillwatchError
from stillwatch.provenance import WatermarkKey, apply_watermark, detect_tokens, hf_logits_processor

V = 40


def sample(n_seqs: int, length: int, key: WatermarkKey | None, seed: int) -> list[list[int]]:
    """Text from a 'model' with a fresh random distribution at every step, optionally watermarked."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_seqs):
        ids = list(rng.integers(0, V, size=4))
        for _ in range(length):
            logits = rng.normal(0, 1.0, size=V)
            if key is not None:
                logits = apply_watermark(logits, np.array(ids), key)
            p = np.exp(logits - logits.max())
            ids.append(int(rng.choice(V, p=p / p.sum())))
        out.append(ids)
    return out


def test_green_list_is_keyed_sized_and_deterministic() -> None:
    a, b = WatermarkKey(b"a" * 32), WatermarkKey(b"b" * 32)
    m = a.green_mask([1, 2, 3, 4], V)
    assert m.sum() == 10 and (WatermarkKey(b"a" * 32).green_mask([9, 1, 2, 3, 4], V) == m).all()
    assert not (b.green_mask([1, 2, 3, 4], V) == m).all()
    assert not (a.green_mask([1, 2, 3, 5], V) == m).all()


def test_apply_watermark_biases_green_only_and_needs_full_context() -> None:
    key = WatermarkKey(b"k" * 32, delta=1.5)
    logits = np.zeros((2, V))
    out = apply_watermark(logits, np.array([[1, 2, 3, 4], [5, 6, 7, 8]]), key)
    assert (out[0] == 1.5 * key.green_mask([1, 2, 3, 4], V)).all()
    assert (apply_watermark(np.zeros(V), np.array([1, 2]), key) == 0).all()


def test_watermarked_text_detected_clean_text_not() -> None:
    key = WatermarkKey.generate(seed=3)
    marked = detect_tokens(sample(10, 40, key, 1), key, V, starts=[4] * 10)
    clean = detect_tokens(sample(10, 40, None, 7), key, V, starts=[4] * 10)
    assert marked.z > 4 and marked.p_value < 1e-4
    assert clean.z < 2
    assert "watermarked" in marked.meaning() and "no evidence" in clean.meaning()


def test_null_z_is_standard_normal() -> None:
    text = sample(10, 40, None, 2)
    zs = [detect_tokens(text, WatermarkKey.generate(seed=1000 + i), V, starts=[4] * 10).z for i in range(100)]
    assert abs(float(np.mean(zs))) < 0.5 and 0.6 < float(np.std(zs)) < 1.4


def test_repeated_text_is_scored_once() -> None:
    key = WatermarkKey.generate(seed=3)
    one = sample(1, 40, key, 1)
    assert detect_tokens(one * 20, key, V).scored == detect_tokens(one, key, V).scored


def test_key_file_round_trip_and_errors(tmp_path) -> None:
    key = WatermarkKey.generate(seed=1, gamma=0.5, delta=1.0, context=3)
    loaded = WatermarkKey.load(key.save(tmp_path / "k.json"))
    assert loaded == key and loaded.key_id == key.key_id
    with pytest.raises(StillwatchError, match="not found"):
        WatermarkKey.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(StillwatchError, match="not a watermark key file"):
        WatermarkKey.load(tmp_path / "bad.json")


def test_hf_adapter_matches_plain_function_or_says_what_is_missing() -> None:
    key = WatermarkKey.generate(seed=2)
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError:
        with pytest.raises(StillwatchError, match="transformers"):
            hf_logits_processor(key)
        return
    proc = hf_logits_processor(key)
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    scores = torch.zeros(1, V)
    assert np.allclose(proc(ids, scores).numpy(), apply_watermark(np.zeros((1, V)), ids.numpy(), key))


def test_window_test_sees_a_tilt_the_tuple_count_cannot() -> None:
    """A narrow 'task': after window (1, 2, 3) one of four options follows, many times over.
    Every option appears, so deduplicated tuples carry no tilt; the observed shares still do."""
    key = WatermarkKey.generate(seed=4, context=3)
    rng = np.random.default_rng(0)

    def text(marked: bool) -> list[list[int]]:
        out = []
        for w in range(30):
            window = [w, w + 1, w + 2]
            options = [5, 6, 7, 8]
            logits = np.zeros(V)
            logits[options] = 5.0
            if marked:
                logits = apply_watermark(logits, np.array(window), key)
            p = np.exp(logits - logits.max())
            for tok in rng.choice(V, size=40, p=p / p.sum()):
                out.append([*window, int(tok)])
        return out

    from stillwatch.provenance.detect import window_test

    assert window_test(text(True), key, V).z > 4
    nulls = [window_test(text(False), WatermarkKey.generate(seed=200 + i, context=3), V).z for i in range(30)]
    assert max(nulls) < 4 and abs(float(np.mean(nulls))) < 0.8
