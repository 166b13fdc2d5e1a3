"""Training on (prompt, completion) texts: next-token loss on the completion only, optionally
with soft targets (top-k log-probabilities per position) for logit distillation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from stillwatch.lab.model import TinyGPT
from stillwatch.lab.tokenizer import PAD, Tokenizer


@dataclass
class Batchable:
    """Padded token ids (n, t) and a mask of the positions whose *next* token is trained on."""

    ids: torch.Tensor
    mask: torch.Tensor
    soft_ids: torch.Tensor | None = None  # (n, t, k): top-k next-token ids at each position
    soft_logp: torch.Tensor | None = None  # (n, t, k): their log-probabilities

    def __len__(self) -> int:
        return len(self.ids)


def encode_pairs(pairs: Sequence[tuple[str, str]], tok: Tokenizer, max_len: int) -> Batchable:
    rows = [(tok.encode(p), tok.encode(c)) for p, c in pairs]
    width = min(max_len, max(len(p) + len(c) for p, c in rows))
    ids = torch.full((len(rows), width), PAD, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.bool)
    for i, (p, c) in enumerate(rows):
        seq = (p + c)[:width]
        ids[i, : len(seq)] = torch.tensor(seq)
        # position t predicts token t+1: train where the next token belongs to the completion
        mask[i, max(0, len(p) - 1): len(seq) - 1] = True
    return Batchable(ids, mask)


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 1000
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 0.01
    warmup: int = 50
    temperature: float = 2.0  # logit distillation only
    soft_weight: float = 0.8  # share of the loss on soft targets (Hinton et al. 2015)


def fit(model: TinyGPT, data: Batchable, cfg: TrainConfig, seed: int) -> list[float]:
    """Train in place with AdamW and a cosine schedule; returns the loss every 50 steps."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay, betas=(0.9, 0.98))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / cfg.warmup) * 0.5 * (
        1 + torch.cos(torch.tensor(torch.pi * min(s, cfg.steps) / cfg.steps)).item()))
    model.train()
    losses = []
    for step in range(cfg.steps):
        idx = torch.randint(len(data), (min(cfg.batch_size, len(data)),), generator=gen)
        ids, mask = data.ids[idx], data.mask[idx]
        width = int(mask.any(0).nonzero().max()) + 2  # drop all-padding columns
        ids, mask = ids[:, :width], mask[:, : width - 1]
        logits = model(ids[:, :-1])
        hard = F.cross_entropy(logits[mask], ids[:, 1:][mask])
        loss = hard
        if data.soft_ids is not None and data.soft_logp is not None:
            loss = (1 - cfg.soft_weight) * hard + cfg.soft_weight * _soft_loss(
                logits[mask], data.soft_ids[idx][:, : width - 1][mask],
                data.soft_logp[idx][:, : width - 1][mask], cfg.temperature)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 50 == 0 or step == cfg.steps - 1:
            losses.append(round(float(loss.detach()), 4))
    model.eval()
    return losses


def _soft_loss(logits: torch.Tensor, top_ids: torch.Tensor, top_logp: torch.Tensor, t: float) -> torch.Tensor:
    """Cross-entropy to the teacher's top-k distribution softened at temperature ``t``, scaled
    by t^2 so its gradients keep their size as t changes (Hinton et al. 2015). Only the top-k
    log-probabilities are known (what an API exposes), so the teacher's side is renormalised
    over them."""
    target = F.softmax(top_logp / t, -1)
    student = F.log_softmax(logits / t, -1).gather(-1, top_ids)
    return -(target * student).sum(-1).mean() * t * t
