"""The teacher: trained from scratch on worked solutions (and, for a share of prompts, on the
answer alone, so that its accuracy without reasoning can be measured on the same model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from stillwatch.lab.model import ModelConfig, TinyGPT
from stillwatch.lab.task import Problem, answer_line, completion, reasoning, sample_problems
from stillwatch.lab.tokenizer import CharTokenizer
from stillwatch.lab.train import TrainConfig, encode_pairs, fit

DIRECT_SHARE = 0.2


def teacher_pairs(problems: list[Problem], seed: int) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    pairs = []
    for p in problems:
        if rng.random() < DIRECT_SHARE:
            pairs.append((p.direct_prompt, completion(None, answer_line(p.answer))))
        else:
            pairs.append((p.prompt, completion(reasoning(p, rng), answer_line(p.answer))))
    return pairs


def train_teacher(model_cfg: ModelConfig, train_cfg: TrainConfig, n_ops: int, n_problems: int,
                  seed: int, cache: Path | None = None) -> TinyGPT:
    """Train (or load from ``cache``, a checkpoint written by an earlier run with the same settings)."""
    if cache is not None and cache.exists():
        model = TinyGPT.load(cache)
        if model.cfg == model_cfg:
            return model
    torch.manual_seed(seed)
    model = TinyGPT(model_cfg)
    tok = CharTokenizer()
    data = encode_pairs(teacher_pairs(sample_problems(n_problems, n_ops, seed), seed), tok, model_cfg.max_len)
    fit(model, data, train_cfg, seed)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        model.save(cache)
    return model
