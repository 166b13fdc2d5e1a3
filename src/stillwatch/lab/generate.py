"""Sampling completions from a lab model, and scoring them against the task's answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from stillwatch.lab.model import TinyGPT
from stillwatch.lab.task import Problem, parse_answer
from stillwatch.lab.tokenizer import Tokenizer
from stillwatch.provenance.watermark import WatermarkKey, green_masks

Processor = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def watermark_processor(key: WatermarkKey) -> Processor:
    """The provenance watermark as a processor for ``TinyGPT.generate``."""

    def process(ids: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        masks = green_masks(ids.numpy(), logits.shape[-1], key)
        return logits + key.delta * torch.from_numpy(masks).to(logits.dtype)

    return process


def complete(model: TinyGPT, prompts: Sequence[str], tok: Tokenizer, *, temperature: float = 1.0,
             seed: int = 0, processor: Processor | None = None, batch_size: int = 512,
             max_new: int = 64) -> list[str]:
    """One completion per prompt (up to and without the end-of-text newline)."""
    gen = torch.Generator().manual_seed(seed)
    out: list[str] = [""] * len(prompts)
    encoded = [tok.encode(p) for p in prompts]
    # generate() wants equal-length prompts in a batch: group them by length
    by_len: dict[int, list[int]] = {}
    for i, p in enumerate(encoded):
        by_len.setdefault(len(p), []).append(i)
    for length, rows in sorted(by_len.items()):
        for s in range(0, len(rows), batch_size):
            chunk = rows[s: s + batch_size]
            ids = torch.tensor([encoded[i] for i in chunk])
            new = model.generate(ids, max_new, tok.eos, temperature=temperature, generator=gen,
                                 processor=processor)[:, length:]
            for i, row in zip(chunk, new.tolist()):
                text = tok.decode(row)
                out[i] = text.split("\n")[0]
    return out


def accuracy(completions: Sequence[str], problems: Sequence[Problem]) -> float:
    """Share of completions whose final answer is right (exact match)."""
    right = sum(parse_answer(c) == p.answer for c, p in zip(completions, problems))
    return right / max(1, len(problems))
