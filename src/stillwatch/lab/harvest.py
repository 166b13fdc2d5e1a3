"""What a distiller collects from the teacher through the gateway, under each reasoning policy.

The teacher answers every prompt once (sampled, as a served model does). The policies then
decide what of that answer the distiller gets to keep:

* ``pass``: reasoning and answer;
* ``withhold``: the answer alone;
* ``summarise``: the answer and the gateway's own summary of the reasoning
  (``stillwatch.gateway.watch.summarise``, the function the gateway runs);
* ``logprobs``: reasoning and answer, plus the top-k log-probabilities at every position,
  which a gateway that passes ``logprobs`` exposes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from stillwatch.gateway.watch import summarise
from stillwatch.lab.generate import complete, watermark_processor
from stillwatch.lab.model import TinyGPT
from stillwatch.lab.task import Problem, completion, split_completion
from stillwatch.lab.tokenizer import CharTokenizer
from stillwatch.lab.train import Batchable, encode_pairs
from stillwatch.provenance.watermark import WatermarkKey

POLICIES = ("pass", "withhold", "summarise", "logprobs")
_MARK = " [reasoning summarised by the gateway]"


@dataclass(frozen=True)
class Exchange:
    prompt: str
    reasoning: str
    answer: str


def harvest(teacher: TinyGPT, problems: Sequence[Problem], tok: CharTokenizer, *, seed: int,
            watermark: WatermarkKey | None = None) -> list[Exchange]:
    """The teacher's sampled answer to each problem, split as an API returns it."""
    processor = watermark_processor(watermark) if watermark is not None else None
    texts = complete(teacher, [p.prompt for p in problems], tok, temperature=1.0, seed=seed,
                     processor=processor)
    return [Exchange(p.prompt, *split_completion(t)) for p, t in zip(problems, texts)]


def training_pairs(exchanges: Sequence[Exchange], policy: str) -> list[tuple[str, str]]:
    """(prompt, completion) texts the distiller trains on under ``policy``."""
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; expected one of {POLICIES}")
    out = []
    for ex in exchanges:
        if policy == "withhold":
            kept: str | None = None
        elif policy == "summarise":
            # a distiller drops the gateway's fixed marker: it carries no information
            kept = summarise(ex.reasoning).removesuffix(_MARK).strip() if ex.reasoning else None
        else:
            kept = ex.reasoning
        out.append((ex.prompt, completion(kept, ex.answer)))
    return out


@torch.no_grad()
def with_logprobs(teacher: TinyGPT, data: Batchable, k: int = 5, batch_size: int = 1024) -> Batchable:
    """Attach the teacher's top-k log-probabilities at every position of ``data``."""
    ids_out, logp_out = [], []
    for s in range(0, len(data), batch_size):
        logp = F.log_softmax(teacher(data.ids[s: s + batch_size, :-1]), -1)
        top = logp.topk(k, -1)
        ids_out.append(top.indices)
        logp_out.append(top.values)
    return Batchable(data.ids, data.mask, torch.cat(ids_out), torch.cat(logp_out))


def dataset(exchanges: Sequence[Exchange], policy: str, tok: CharTokenizer, max_len: int,
            teacher: TinyGPT | None = None) -> Batchable:
    data = encode_pairs(training_pairs(exchanges, policy), tok, max_len)
    if policy == "logprobs":
        if teacher is None:
            raise ValueError("the logprobs policy needs the teacher's log-probabilities")
        data = with_logprobs(teacher, data)
    return data
