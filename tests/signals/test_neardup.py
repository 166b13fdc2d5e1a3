"""Near-duplicate band keys: edited copies share a band, unrelated prompts do not."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pytest

from stillwatch.signals._corpus import CorpusRecord
from stillwatch.signals._features import window
from stillwatch.signals._minhash import shingle_hashes, sketch
from stillwatch.signals._text import squeeze_spaces, utf8_bytes
from stillwatch.signals.neardup import BANDS, MAX_CHARS, NearDuplicate, band_matrix, prompt_bands

FILLER = ("foo", "bar", "apple", "seven", "blue", "quickly")


def _edit(text: str, frac: float, rng: random.Random) -> str:
    words = text.split()
    return " ".join(rng.choice(FILLER) if rng.random() < frac else w for w in words)


def _shingles(text: str) -> set[bytes]:
    b = " ".join(text.lower().split()).encode()
    return {b[i : i + 5] for i in range(max(len(b) - 4, 1))}


def _sketch(texts: list[str]) -> np.ndarray:
    data, offs = squeeze_spaces(*utf8_bytes(window(pa.array(texts), MAX_CHARS, 0)))
    h, rows = shingle_hashes(data, offs)
    return sketch(h, rows, len(texts), 96)


@pytest.mark.parametrize(
    ("a", "b", "shared"),
    [
        ("Summarise the attached report in five bullet points for the board.",
         "Summarise the attached report in six bullet points for the board.", True),
        ("You are a helpful assistant that answers in JSON.", "You are a helpful assistant that answers in JSON!", True),
        ("Write a limerick about a cat.", "Explain quantum tunnelling to a child.", False),
        ("hi", "hi", True),
        ("hi", "ho", False),
    ],
)
def test_band_sharing_table(a: str, b: str, shared: bool) -> None:
    ka, kb = prompt_bands(pa.array([a, b])).to_pylist()
    assert len(ka) == len(kb) == BANDS
    assert bool(set(ka) & set(kb)) is shared


def test_empty_and_null_texts_have_no_bands() -> None:
    assert prompt_bands(pa.array(["", None, "x"])).to_pylist()[:2] == [None, None]
    assert NearDuplicate().score_one({"prompt_text": "x"})["system_bands"] is None


def test_sketch_agreement_estimates_jaccard() -> None:
    rng = random.Random(3)
    base = [" ".join(rng.choice(FILLER + ("the", "of", "model", "data", "x", "y")) + str(rng.randint(0, 99))
                     for _ in range(rng.randint(5, 120))) for _ in range(300)]
    edited = [_edit(t, rng.choice((0.05, 0.2, 0.4)), rng) for t in base]
    est = (_sketch(base) == _sketch(edited)).mean(axis=1)
    true = np.array([len(_shingles(a) & _shingles(b)) / len(_shingles(a) | _shingles(b))
                     for a, b in zip(base, edited, strict=True)])
    assert abs(float((est - true).mean())) < 0.02
    assert float(np.abs(est - true).mean()) < 0.06


def test_corpus_edits_share_bands_and_unrelated_prompts_do_not(corpus: dict[str, list[CorpusRecord]]) -> None:
    rng = random.Random(11)
    texts = sorted({r.text for s in ("benign_chat", "math_reasoning", "coding") for r in corpus.get(s, [])
                    if 100 < len(r.text) < 2000})
    sample = rng.sample(texts, 400)
    keys, _ = band_matrix(pa.array(sample))
    light, _ = band_matrix(pa.array([_edit(t, 0.05, rng) for t in sample]))
    heavy, _ = band_matrix(pa.array([_edit(t, 0.5, rng) for t in sample]))
    other = keys[rng.sample(range(len(sample)), len(sample))]
    assert (keys == light).any(axis=1).mean() > 0.9
    assert (keys == heavy).any(axis=1).mean() < 0.3
    assert (keys == other).any(axis=1).mean() < 0.05
