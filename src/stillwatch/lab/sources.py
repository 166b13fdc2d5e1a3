"""Teachers of free text for the radioactivity experiment: the lab's story teacher, or a local
Hugging Face model. Each writes completions (optionally watermarked) and says how many of them
do the task right, where the task has a right answer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from stillwatch.errors import StillwatchError
from stillwatch.lab.generate import complete, watermark_processor
from stillwatch.lab.model import TinyGPT
from stillwatch.lab.story import Story, sample_stories, story_correct
from stillwatch.lab.tokenizer import Tokenizer, WordTokenizer
from stillwatch.provenance.watermark import WatermarkKey, hf_logits_processor


class Teacher(Protocol):
    tok: Tokenizer
    max_len: int

    def prompts(self, n: int, seed: int) -> list[str]: ...

    def complete(self, prompts: Sequence[str], *, seed: int, watermark: WatermarkKey | None = None,
                 temperature: float = 1.0) -> list[str]: ...

    def task_scores(self, prompts: Sequence[str], completions: Sequence[str]) -> dict[str, float]: ...


class StoryTeacher:
    """The lab's own teacher of the story language."""

    def __init__(self, model: TinyGPT) -> None:
        self.model = model
        self.tok: Tokenizer = WordTokenizer()
        self.max_len = model.cfg.max_len
        self._stories: dict[str, Story] = {}

    def prompts(self, n: int, seed: int) -> list[str]:
        stories = sample_stories(n, seed)
        self._stories.update((s.prompt, s) for s in stories)
        return [s.prompt for s in stories]

    def complete(self, prompts: Sequence[str], *, seed: int, watermark: WatermarkKey | None = None,
                 temperature: float = 1.0) -> list[str]:
        proc = watermark_processor(watermark) if watermark is not None else None
        return complete(self.model, prompts, self.tok, temperature=temperature, seed=seed, processor=proc,
                        max_new=self.max_len)

    def task_scores(self, prompts: Sequence[str], completions: Sequence[str]) -> dict[str, float]:
        """``facts``: the opening and closing carry the prompt's facts (the task's answer);
        ``grammatical``: that and every sentence fits a template."""
        stories = [self._stories[p] for p in prompts]
        facts = [c.startswith(s.opening + " ") and c.endswith(" " + s.closing) for c, s in zip(completions, stories)]
        return {"facts": float(np.mean(facts)),
                "grammatical": float(np.mean([story_correct(c, s) for c, s in zip(completions, stories)]))}


class HFTokenizer:
    """A local Hugging Face tokenizer behind the lab's tokenizer interface."""

    def __init__(self, tok: Any, vocab_size: int) -> None:
        self.hf = tok
        self.name = f"hf:{getattr(tok, 'name_or_path', '')}"
        self.vocab_size = vocab_size
        eos = tok.eos_token_id
        if eos is None:
            raise StillwatchError("the Hugging Face tokenizer has no end-of-text token (eos_token)")
        self.eos = int(eos)

    def encode(self, text: str) -> list[int]:
        return list(self.hf(text, add_special_tokens=False)["input_ids"])

    def decode(self, ids: Sequence[int]) -> str:
        return str(self.hf.decode([int(i) for i in ids if int(i) != self.eos], skip_special_tokens=True))


def _transformers(path: Path) -> Any:
    """The transformers module, once ``path`` is known to be a model folder."""
    try:
        import transformers
    except ImportError:
        raise StillwatchError(f"{path} is a Hugging Face model: pip install 'stillwatch[lab]'") from None
    if not (Path(path) / "config.json").is_file():
        raise StillwatchError(f"{path}: not a Hugging Face model folder (no config.json)")
    return transformers


def load_hf(path: Path) -> tuple[Any, Any]:
    """Model and tokenizer from a local folder; never downloads (``local_files_only``)."""
    tf = _transformers(path)
    tf.utils.logging.disable_progress_bar()  # its bars would interleave with --json output
    tok = tf.AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = tf.AutoModelForCausalLM.from_pretrained(path, local_files_only=True).eval()
    return model, tok


def load_hf_tokenizer(path: Path) -> HFTokenizer:
    """A local model folder's tokenizer, with the width of the model's logits (its config's
    ``vocab_size``, which the green lists were drawn over; it may exceed the tokenizer's size)."""
    tf = _transformers(path)
    config = tf.AutoConfig.from_pretrained(path, local_files_only=True)
    return HFTokenizer(tf.AutoTokenizer.from_pretrained(path, local_files_only=True), int(config.vocab_size))


class HFTeacher:
    """A local Hugging Face causal LM as teacher: it answers the lines of a prompts file, and the
    watermark goes in through ``generate(logits_processor=...)`` as on a serving stack. There is
    no right answer to check, so ``task_scores`` is empty."""

    def __init__(self, path: Path, prompts: Sequence[str], max_new: int = 64) -> None:
        self.model, hf_tok = load_hf(path)
        self.tok: Tokenizer = HFTokenizer(hf_tok, int(self.model.config.vocab_size))
        self.pool = [p for p in prompts if p.strip()]
        if not self.pool:
            raise StillwatchError("a Hugging Face teacher needs prompts (--prompts FILE, one per line)")
        self.max_new = max_new
        self.max_len = max(len(self.tok.encode(p)) for p in self.pool) + max_new + 1

    def prompts(self, n: int, seed: int) -> list[str]:
        rng = np.random.default_rng(seed)
        return [self.pool[i] for i in rng.integers(len(self.pool), size=n)]

    @torch.no_grad()
    def complete(self, prompts: Sequence[str], *, seed: int, watermark: WatermarkKey | None = None,
                 temperature: float = 1.0) -> list[str]:
        from transformers import LogitsProcessorList

        torch.manual_seed(seed)
        procs = LogitsProcessorList([hf_logits_processor(watermark)] if watermark is not None else [])
        out: list[str] = []
        for p in prompts:  # one prompt per call: no padding side to get wrong with any model
            ids = torch.tensor([self.tok.encode(p)])
            gen = self.model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=self.max_new,
                                      do_sample=temperature > 0, temperature=temperature or None, top_k=0,
                                      logits_processor=procs, pad_token_id=self.tok.eos)
            out.append(self.tok.decode(gen[0, ids.shape[1]:].tolist()).split("\n")[0])
        return out

    def task_scores(self, prompts: Sequence[str], completions: Sequence[str]) -> dict[str, float]:
        return {}
