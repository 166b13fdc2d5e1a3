"""Load a suspect model for the white-box test: a lab checkpoint, or a local Hugging Face model
directory (``local_files_only``: nothing is downloaded; needs transformers)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from stillwatch.errors import StillwatchError


class Suspect(Protocol):
    vocab_size: int

    def encode(self, text: str) -> list[int]: ...

    def next_token_probs(self, seqs: Sequence[Sequence[int]]) -> list[np.ndarray]: ...


class LabSuspect:
    """A ``TinyGPT`` checkpoint (``model.pt``) with the lab tokenizer it was trained with."""

    def __init__(self, path: Path) -> None:
        from stillwatch.lab.model import TinyGPT

        self.model = TinyGPT.load(path)
        self.tok = lab_tokenizer(TinyGPT.tokenizer_name(path))
        self.vocab_size = self.tok.vocab_size

    def default_feed(self, n: int = 1000, seed: int = 424242) -> tuple[list[str], list[int]]:
        """Fresh texts of the task this model was trained on, to read its predictions on, and
        where each text's prompt ends (in tokens): stories for the word tokenizer, worked
        solutions for the character one."""
        from stillwatch.lab.tokenizer import WordTokenizer

        rng = np.random.default_rng(0)
        if isinstance(self.tok, WordTokenizer):
            from stillwatch.lab.story import sample_stories, write_story

            stories = sample_stories(n, seed)
            return ([s.prompt + " " + write_story(s, rng) for s in stories],
                    [len(self.encode(s.prompt)) for s in stories])
        from stillwatch.lab.task import answer_line, completion, reasoning, sample_problems

        problems = sample_problems(n, 2, seed)
        return ([p.prompt + completion(reasoning(p, rng), answer_line(p.answer)) for p in problems],
                [len(self.encode(p.prompt)) for p in problems])

    def encode(self, text: str) -> list[int]:
        return self.tok.encode(text)

    def next_token_probs(self, seqs: Sequence[Sequence[int]]) -> list[np.ndarray]:
        from stillwatch.lab.radioactivity import next_token_probs

        return next_token_probs(self.model, seqs)


def lab_tokenizer(name: str) -> Any:
    """The lab tokenizer called ``name`` (``Tokenizer.name``)."""
    from stillwatch.lab.tokenizer import CharTokenizer, WordTokenizer

    for tok in (CharTokenizer, WordTokenizer):
        if tok.name == name:
            return tok()
    raise StillwatchError(f"unknown lab tokenizer {name!r}")


class HFSuspect:
    """A local Hugging Face causal LM (``local_files_only``: nothing is downloaded)."""

    def __init__(self, path: Path) -> None:
        try:
            import torch

            from stillwatch.lab.sources import load_hf
        except ImportError:
            raise StillwatchError(f"{path} is a Hugging Face model: install transformers and torch") from None
        self.torch = torch
        self.model, self.tok = load_hf(path)
        self.vocab_size = int(self.model.config.vocab_size)

    def encode(self, text: str) -> list[int]:
        return list(self.tok(text)["input_ids"])

    def next_token_probs(self, seqs: Sequence[Sequence[int]]) -> list[np.ndarray]:
        out = []
        with self.torch.no_grad():
            for seq in seqs:  # one at a time: no padding conventions to get wrong
                logits: Any = self.model(self.torch.tensor([list(seq)])).logits[0]
                out.append(self.torch.softmax(logits.float(), -1).numpy())
        return out


def load_suspect(path: str | Path) -> Suspect:
    path = Path(path)
    if (path / "model.pt").is_file():
        return LabSuspect(path / "model.pt")
    if (path / "config.json").is_file():
        return HFSuspect(path)
    raise StillwatchError(f"{path}: neither a lab checkpoint (model.pt) nor a Hugging Face model (config.json)")
