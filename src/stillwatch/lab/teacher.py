"""The teachers, trained from scratch: on worked arithmetic solutions (and, for a share of
prompts, on the answer alone, so that its accuracy without reasoning can be measured on the
same model), or on stories of the free-text task."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from stillwatch.lab.model import ModelConfig, TinyGPT
from stillwatch.lab.story import sample_stories, write_story
from stillwatch.lab.task import Problem, answer_line, completion, reasoning, sample_problems
from stillwatch.lab.tokenizer import CharTokenizer, Tokenizer, WordTokenizer
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


def story_pairs(n: int, seed: int) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed + 1)
    return [(s.prompt, write_story(s, rng) + "\n") for s in sample_stories(n, seed)]


def train_on(model_cfg: ModelConfig, train_cfg: TrainConfig, pairs: Sequence[tuple[str, str]], tok: Tokenizer,
             seed: int, cache: Path | None = None) -> TinyGPT:
    """Train (or load from ``cache``, a checkpoint written by an earlier run with the same settings)."""
    if cache is not None and cache.exists():
        model = TinyGPT.load(cache)
        if model.cfg == model_cfg:
            return model
    torch.manual_seed(seed)
    model = TinyGPT(model_cfg)
    fit(model, encode_pairs(pairs, tok, model_cfg.max_len), train_cfg, seed)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        model.save(cache, tokenizer=tok.name)
    return model


def train_teacher(model_cfg: ModelConfig, train_cfg: TrainConfig, n_ops: int, n_problems: int,
                  seed: int, cache: Path | None = None) -> TinyGPT:
    """The arithmetic teacher."""
    return train_on(model_cfg, train_cfg, teacher_pairs(sample_problems(n_problems, n_ops, seed), seed),
                    CharTokenizer(), seed, cache)


def train_story_teacher(model_cfg: ModelConfig, train_cfg: TrainConfig, n_stories: int, seed: int,
                        cache: Path | None = None) -> TinyGPT:
    """The free-text teacher (word tokens)."""
    return train_on(model_cfg, train_cfg, story_pairs(n_stories, seed), WordTokenizer(), seed, cache)
