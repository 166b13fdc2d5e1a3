"""A small causal transformer (pre-norm GPT) with a key/value cache for fast sampling."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int
    d_model: int = 64
    n_layers: int = 2
    n_heads: int = 4
    max_len: int = 96


class _Block(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.n_heads = cfg.n_heads
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.mlp = nn.Sequential(nn.Linear(cfg.d_model, 4 * cfg.d_model), nn.GELU(),
                                 nn.Linear(4 * cfg.d_model, cfg.d_model))

    def forward(self, x: torch.Tensor, cache: list[torch.Tensor] | None) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.n_heads, d // self.n_heads).transpose(1, 2) for z in (q, k, v))
        if cache is not None:
            if cache:
                k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
            cache[:] = [k, v]
        # With a cache the new positions come last, so causality only matters for the prompt pass.
        att = F.scaled_dot_product_attention(q, k, v, is_causal=t > 1)
        x = x + self.proj(att.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(self.ln2(x))


class TinyGPT(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos = nn.Embedding(cfg.max_len, cfg.d_model)
        self.blocks = nn.ModuleList(_Block(cfg) for _ in range(cfg.n_layers))
        self.ln = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, cfg.vocab_size)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids: torch.Tensor, caches: list[list[torch.Tensor]] | None = None,
                offset: int = 0) -> torch.Tensor:
        """(batch, t) ids -> (batch, t, vocab) logits; ``offset`` is the position of ids[:, 0]."""
        pos = torch.arange(offset, offset + ids.shape[1])
        x = self.tok(ids) + self.pos(pos)
        for i, block in enumerate(self.blocks):
            x = block(x, caches[i] if caches is not None else None)
        return self.head(self.ln(x))

    @property
    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @torch.no_grad()
    def generate(self, prompts: torch.Tensor, max_new: int, eos: int, *, temperature: float = 1.0,
                 generator: torch.Generator | None = None,
                 processor: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None) -> torch.Tensor:
        """Continue equal-length ``prompts`` (batch, p); returns (batch, p + new), eos-padded.

        ``temperature`` 0 is greedy. ``processor(ids, logits) -> logits`` sees the ids so far
        (a watermark hooks in here, as a LogitsProcessor does in transformers).
        """
        self.eval()
        caches: list[list[torch.Tensor]] = [[] for _ in self.blocks]
        ids = prompts
        logits = self(prompts, caches)[:, -1]
        done = torch.zeros(len(prompts), dtype=torch.bool)
        for step in range(max_new):
            if processor is not None:
                logits = processor(ids, logits)
            if temperature <= 0:
                nxt = logits.argmax(-1)
            else:
                nxt = torch.multinomial(F.softmax(logits / temperature, -1), 1, generator=generator)[:, 0]
            nxt = torch.where(done, torch.full_like(nxt, eos), nxt)
            ids = torch.cat([ids, nxt[:, None]], 1)
            done |= nxt == eos
            if bool(done.all()) or ids.shape[1] >= self.cfg.max_len:
                break
            logits = self(nxt[:, None], caches, offset=ids.shape[1] - 1)[:, -1]
        return ids

    def save(self, path: str | Path, tokenizer: str = "stillwatch-char-v1") -> None:
        """``tokenizer`` names the tokenizer the model reads (``Tokenizer.name``)."""
        torch.save({"config": asdict(self.cfg), "state": self.state_dict(), "tokenizer": tokenizer}, path)

    @staticmethod
    def tokenizer_name(path: str | Path) -> str:
        """The tokenizer a checkpoint was trained with (checkpoints without one are the char model's)."""
        return str(torch.load(path, weights_only=True).get("tokenizer", "stillwatch-char-v1"))

    @classmethod
    def load(cls, path: str | Path) -> TinyGPT:
        data: dict[str, Any] = torch.load(path, weights_only=True)
        model = cls(ModelConfig(**data["config"]))
        model.load_state_dict(data["state"])
        model.eval()
        return model
