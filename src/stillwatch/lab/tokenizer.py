"""The lab's own tokenizers, fixed vocabularies with nothing to download: characters for the
arithmetic task, whole words for the stories (a word is what a real tokenizer's token mostly
is, and the watermark's window is then the previous word, as with a served model)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

PAD = 0
#: Id 0 pads batches and is never generated; "\n" ends every completion.
CHARS = "\n ?!.+-*=0123456789abcdefghijklmnopqrstuvwxyz"


class Tokenizer(Protocol):
    name: str
    vocab_size: int
    eos: int

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...


class CharTokenizer:
    """Characters to ids and back; characters outside the vocabulary become spaces.

    Examples
    --------
    >>> tok = CharTokenizer()
    >>> tok.decode(tok.encode("3+4?so 3+4 is 7.\\n"))
    '3+4?so 3+4 is 7.\\n'
    """

    name = "stillwatch-char-v1"

    def __init__(self) -> None:
        self.index = {c: i + 1 for i, c in enumerate(CHARS)}
        self.vocab_size = len(CHARS) + 1
        self.eos = self.index["\n"]

    def encode(self, text: str) -> list[int]:
        space = self.index[" "]
        return [self.index.get(c, space) for c in text.lower()]

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(CHARS[i - 1] for i in ids if 0 < i <= len(CHARS))


_WORDS = re.compile(r"\n|[^\s.?!,]+|[.?!,]")


class WordTokenizer:
    """Words and punctuation of the story language to ids; unknown words become ``<unk>``.
    Text is canonical with one space between tokens, so ``decode(encode(t)) == t`` for it.

    Examples
    --------
    >>> tok = WordTokenizer()
    >>> tok.encode("the a?") == tok.encode("the a ?")
    True
    >>> tok.decode(tok.encode("at last the zqzq found .\\n"))
    'at last the <unk> found .\\n'
    """

    name = "stillwatch-story-words-v1"

    def __init__(self) -> None:
        from stillwatch.lab.story import lexicon

        words = ["\n", "<unk>", ".", "?", "!", ",", "and", "at", "last", "found", "lived", "in"]
        words += [w for cls in lexicon().values() for w in cls if w not in words]
        self.words = ["<pad>", *words]
        self.index = {w: i for i, w in enumerate(self.words)}
        self.vocab_size = len(self.words)
        self.eos = self.index["\n"]
        self.unk = self.index["<unk>"]

    def encode(self, text: str) -> list[int]:
        return [self.index.get(w, self.unk) for w in _WORDS.findall(text.lower())]

    def decode(self, ids: Sequence[int]) -> str:
        out = ""
        for i in ids:
            if 0 < i < self.vocab_size:
                w = self.words[i]
                out += w if not out or out.endswith("\n") or w == "\n" else " " + w
        return out
