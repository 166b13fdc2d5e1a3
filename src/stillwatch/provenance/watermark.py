"""A keyed green-list watermark (Kirchenbauer et al. 2023, "A Watermark for Large Language Models").

At each step the previous ``context`` token ids and a secret key seed a pseudo-random split of
the vocabulary; a fraction ``gamma`` of it is "green" and gets ``delta`` added to its logits.
Where the model is sure of the next token the bias changes nothing; where it has a real choice
it tilts the choice toward green, which a holder of the key can count later.

``apply_watermark`` works on plain numpy logits for any serving stack; ``hf_logits_processor``
wraps the same rule as a Hugging Face ``LogitsProcessor`` (transformers is optional).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from stillwatch.errors import StillwatchError


@dataclass(frozen=True)
class WatermarkKey:
    """The secret and the watermark's parameters. ``key_id`` names it without revealing it.

    Examples
    --------
    >>> key = WatermarkKey(b"k" * 32)
    >>> mask = key.green_mask([1, 2, 3, 4], 40)
    >>> int(mask.sum()), bool((key.green_mask([1, 2, 3, 4], 40) == mask).all())
    (10, True)
    """

    secret: bytes
    gamma: float = 0.25
    delta: float = 2.0
    context: int = 4
    _cache: dict[tuple[int, ...], np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @property
    def key_id(self) -> str:
        return hashlib.blake2b(self.secret, digest_size=6, person=b"sw-wm-id").hexdigest()

    @classmethod
    def generate(cls, seed: int | None = None, **params: Any) -> WatermarkKey:
        """A fresh key: random, or derived from ``seed`` for reproducible experiments."""
        if seed is None:
            return cls(secrets.token_bytes(32), **params)
        return cls(hashlib.blake2b(str(seed).encode(), digest_size=32, person=b"sw-wm-sd").digest(), **params)

    def green_mask(self, context: Sequence[int], vocab_size: int) -> np.ndarray:
        """Boolean mask of the green tokens after ``context`` (its last ``self.context`` ids)."""
        window = tuple(int(t) for t in context[len(context) - self.context:])
        cached = self._cache.get(window)
        if cached is not None and len(cached) == vocab_size:
            return cached
        digest = hashlib.blake2b(self.secret + np.asarray(window, dtype="<i8").tobytes(), digest_size=8).digest()
        order = np.random.default_rng(int.from_bytes(digest, "little")).permutation(vocab_size)
        mask = np.zeros(vocab_size, dtype=bool)
        mask[order[: self.green_count(vocab_size)]] = True
        if len(self._cache) < 1_000_000:
            self._cache[window] = mask
        return mask

    def green_count(self, vocab_size: int) -> int:
        return max(1, min(vocab_size - 1, round(self.gamma * vocab_size)))

    def green_share(self, vocab_size: int) -> float:
        """The exact chance share of green tokens (``gamma`` rounded to whole tokens): tests must
        use it, not ``gamma``, or a small vocabulary biases every z-score."""
        return self.green_count(vocab_size) / vocab_size

    # ---- key files ------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        path = Path(path)
        data = {"secret": self.secret.hex(), "gamma": self.gamma, "delta": self.delta, "context": self.context}
        path.write_text(json.dumps(data) + "\n")
        path.chmod(0o600)
        return path

    @classmethod
    def load(cls, path: str | Path) -> WatermarkKey:
        path = Path(path)
        try:
            data = json.loads(path.read_text())
            return cls(bytes.fromhex(data["secret"]), float(data["gamma"]), float(data["delta"]),
                       int(data["context"]))
        except FileNotFoundError:
            raise StillwatchError(f"{path}: watermark key file not found") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StillwatchError(f"{path}: not a watermark key file ({type(exc).__name__}: {exc})") from None


def apply_watermark(logits: np.ndarray, input_ids: np.ndarray, key: WatermarkKey) -> np.ndarray:
    """Add ``key.delta`` to the green logits of each row; rows with a shorter history than
    ``key.context`` are left alone (there is nothing to seed the split with).

    ``logits`` is (vocab,) or (batch, vocab); ``input_ids`` is (t,) or (batch, t).

    Examples
    --------
    >>> key = WatermarkKey(b"k" * 32, delta=2.0)
    >>> out = apply_watermark(np.zeros(40), np.array([5, 6, 7, 8]), key)
    >>> sorted(set(out.tolist()))
    [0.0, 2.0]
    """
    logits = np.asarray(logits, dtype=np.float64)
    ids = np.asarray(input_ids)
    single = logits.ndim == 1
    logits2, ids2 = np.atleast_2d(logits), np.atleast_2d(ids)
    out = logits2 + key.delta * green_masks(ids2, logits2.shape[-1], key)
    return out[0] if single else out


def green_masks(input_ids: Any, vocab_size: int, key: WatermarkKey) -> np.ndarray:
    """(batch, vocab) green masks for the next token after each row of ``input_ids``."""
    ids = np.asarray(input_ids)
    masks = np.zeros((ids.shape[0], vocab_size), dtype=bool)
    if ids.shape[1] >= key.context:
        for row in range(ids.shape[0]):
            masks[row] = key.green_mask(ids[row, ids.shape[1] - key.context:].tolist(), vocab_size)
    return masks


def hf_logits_processor(key: WatermarkKey) -> Any:
    """The watermark as a ``transformers.LogitsProcessor`` (pass it in ``logits_processor=``)."""
    try:
        from transformers import LogitsProcessor
    except ImportError:
        raise StillwatchError(
            "the Hugging Face adapter needs transformers (pip install transformers); "
            "other stacks can call stillwatch.provenance.apply_watermark on their logits"
        ) from None

    class GreenListProcessor(LogitsProcessor):  # type: ignore[misc]
        def __call__(self, input_ids: Any, scores: Any) -> Any:
            import torch

            masks = green_masks(input_ids.detach().cpu().numpy(), scores.shape[-1], key)
            return scores + key.delta * torch.as_tensor(masks, dtype=scores.dtype, device=scores.device)

    return GreenListProcessor()
