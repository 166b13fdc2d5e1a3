"""The distiller's counter-move: reword harvested text before training on it.

On this task the free wording is the connective opening each step and the verb naming its
result; the paraphraser redraws each of them, with probability ``rate``, from the other
choices, and leaves every number alone so the solution stays right.
"""

from __future__ import annotations

import numpy as np

from stillwatch.lab.harvest import Exchange
from stillwatch.lab.task import CONNECTIVES, VERBS

_SWAPS = {w: tuple(x for x in group if x != w) for group in (CONNECTIVES, VERBS) for w in group}


def paraphrase(text: str, rate: float, rng: np.random.Generator) -> str:
    """
    Examples
    --------
    >>> paraphrase("so 3+4 is 7.", 1.0, np.random.default_rng(0)) != "so 3+4 is 7."
    True
    """
    words = text.split(" ")
    for i, w in enumerate(words):
        if w in _SWAPS and rng.random() < rate:
            words[i] = _SWAPS[w][int(rng.integers(len(_SWAPS[w])))]
    return " ".join(words)


def paraphrase_all(exchanges: list[Exchange], rate: float, seed: int) -> list[Exchange]:
    rng = np.random.default_rng(seed)
    return [Exchange(e.prompt, paraphrase(e.reasoning, rate, rng), e.answer) for e in exchanges]
