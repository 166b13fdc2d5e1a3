"""The lab's own character tokenizer: a fixed vocabulary, nothing to download."""

from __future__ import annotations

from collections.abc import Sequence

PAD = 0
#: Id 0 pads batches and is never generated; "\n" ends every completion.
CHARS = "\n ?!.+-*=0123456789abcdefghijklmnopqrstuvwxyz"


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
