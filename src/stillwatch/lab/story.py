"""The free-text task: short stories in a synthetic language from a probabilistic grammar.

The prompt names a hero, its animal, a lost object and a place; the story opens and closes with
sentences that must carry those four facts, and between them two to four sentences drawn from
templates whose open slots (adjectives, nouns, verbs, adverbs, determiners, prepositions) each
offer tens to hundreds of interchangeable words::

    fomvulil kamfluk brikvai skurstan ?
    fomvulil the kamfluk lived in the skurstan . still every kamfluk vivi the flukos behind
    the vaidon dromprak . ... at last fomvulil found the brikvai .

Nearly every position of a story is a real choice of word, as in a served model's prose, and
that is what a watermark needs to act on; the arithmetic task leaves it a few connectives. The
content words are made up (syllables drawn from a fixed seed), so the language is the same on
every machine and nothing is downloaded. A story is right when every sentence fits a template
and the opening and closing sentences carry the prompt's facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

#: Open classes and how many made-up words each has.
CLASS_SIZES = {"name": 60, "animal": 40, "object": 60, "place": 40, "adj": 250, "noun": 400, "verb": 200,
               "adv": 120}
#: Closed classes: real English function words.
CLOSED = {
    "det": ("the", "a", "this", "that", "every", "some", "one", "his", "her", "its", "their", "our"),
    "prep": ("near", "under", "over", "behind", "beside", "inside", "past", "across", "through", "along",
             "around", "beyond", "with", "toward"),
    "conn": ("then", "later", "soon", "meanwhile", "next", "still", "so", "once"),
    "int": ("very", "quite", "rather", "truly", "too", "most"),
}
#: Middle sentences; ``@name`` and ``@animal`` are the prompt's hero and animal, not free slots.
TEMPLATES = (
    ("conn", "@name", "verb", "det", "adj", "noun", "prep", "det", "noun"),
    ("det", "adj", "noun", "verb", "adv", "prep", "det", "adj", "noun"),
    ("conn", "det", "noun", "verb", "det", "noun"),
    ("@name", "verb", "adv", "and", "verb", "det", "int", "adj", "noun"),
    ("conn", "det", "@animal", "verb", "det", "noun", "prep", "det", "adj", "noun"),
    ("det", "int", "adj", "noun", "verb", "prep", "det", "noun"),
)
#: Zipf exponent of word choice within a class: real prose is skewed, but not so much that one
#: word takes every slot.
ZIPF = 0.5
_FREE = ("adj", "noun", "verb", "adv", "det", "prep", "conn", "int")
_LANGUAGE_SEED = 20240611
_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "fl", "gr", "pl",
           "st", "tr", "sk", "pr", "kl")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "oo")
_CODAS = ("", "", "n", "r", "s", "l", "k", "m")


@cache
def lexicon() -> dict[str, tuple[str, ...]]:
    """Every class's words: the made-up open classes (fixed seed) and the closed ones."""
    rng = np.random.default_rng(_LANGUAGE_SEED)
    taken = {w for words in CLOSED.values() for w in words} | {"and", "at", "last", "found", "lived", "in"}
    out: dict[str, tuple[str, ...]] = {}
    for cls, n in CLASS_SIZES.items():
        words: list[str] = []
        while len(words) < n:
            w = "".join(_ONSETS[rng.integers(len(_ONSETS))] + _VOWELS[rng.integers(len(_VOWELS))]
                        + _CODAS[rng.integers(len(_CODAS))] for _ in range(2 + int(rng.random() < 0.3)))
            if w not in taken:
                taken.add(w)
                words.append(w)
        out[cls] = tuple(words)
    return out | dict(CLOSED)


@cache
def _weights(cls: str) -> np.ndarray:
    w = 1.0 / np.arange(1, len(lexicon()[cls]) + 1) ** ZIPF
    return w / w.sum()


@cache
def word_class() -> dict[str, str]:
    """Word -> its class (the classes share no word)."""
    return {w: cls for cls, words in lexicon().items() for w in words}


@dataclass(frozen=True)
class Story:
    """One prompt: the facts a right story carries."""

    name: str
    animal: str
    obj: str
    place: str

    @property
    def prompt(self) -> str:
        return f"{self.name} {self.animal} {self.obj} {self.place} ?"

    @property
    def opening(self) -> str:
        return f"{self.name} the {self.animal} lived in the {self.place} ."

    @property
    def closing(self) -> str:
        return f"at last {self.name} found the {self.obj} ."


def sample_stories(n: int, seed: int) -> list[Story]:
    rng = np.random.default_rng(seed)
    lex = lexicon()
    pick = {c: rng.integers(len(lex[c]), size=n) for c in ("name", "animal", "object", "place")}
    return [Story(lex["name"][pick["name"][i]], lex["animal"][pick["animal"][i]], lex["object"][pick["object"][i]],
                  lex["place"][pick["place"][i]]) for i in range(n)]


def _word(cls: str, rng: np.random.Generator) -> str:
    words = lexicon()[cls]
    return words[int(rng.choice(len(words), p=_weights(cls)))]


def write_story(s: Story, rng: np.random.Generator) -> str:
    """A right story for ``s``: the opening, two to four template sentences, the closing."""
    middle = []
    for _ in range(int(rng.integers(2, 5))):
        slots = TEMPLATES[int(rng.integers(len(TEMPLATES)))]
        words = [s.name if x == "@name" else s.animal if x == "@animal" else _word(x, rng) if x in lexicon() else x
                 for x in slots]
        middle.append(" ".join(words) + " .")
    return " ".join([s.opening, *middle, s.closing])


def _fits(words: list[str], slots: tuple[str, ...], s: Story) -> bool:
    if len(words) != len(slots):
        return False
    classes = word_class()
    for w, x in zip(words, slots):
        want = s.name if x == "@name" else s.animal if x == "@animal" else None
        if want is not None:
            if w != want:
                return False
        elif x in lexicon():
            if classes.get(w) != x:
                return False
        elif w != x:
            return False
    return True


def story_correct(text: str, s: Story) -> bool:
    """Every sentence fits a template, and the opening and closing carry the prompt's facts.

    Examples
    --------
    >>> s = sample_stories(1, seed=0)[0]
    >>> story_correct(write_story(s, np.random.default_rng(0)), s)
    True
    >>> story_correct(s.opening + " " + s.closing.replace(s.obj, s.animal), s)
    False
    """
    sentences = [x.split() for x in text.split("\n")[0].split(" .")]
    if sentences[-1]:  # the story must end with a full stop
        return False
    sentences = sentences[:-1]
    if len(sentences) < 3 or " ".join(sentences[0]) + " ." != s.opening or " ".join(sentences[-1]) + " ." != s.closing:
        return False
    return all(any(_fits(words, t, s) for t in TEMPLATES) for words in sentences[1:-1])


def paraphrase_story(text: str, rate: float, rng: np.random.Generator) -> str:
    """The distiller's rewording: each free word (not the prompt's facts, not the fixed words of
    the opening and closing) is redrawn from its class with probability ``rate``."""
    classes = word_class()
    words = text.split(" ")
    # the opening's and closing's words are facts or fixed; only the middle is free wording
    # (a malformed answer without them is reworded throughout)
    stops = [i for i, w in enumerate(words) if w == "."]
    first, last = (stops[0], stops[-2]) if len(stops) >= 2 else (-1, len(words) - 1)
    for i in range(first + 1, last + 1):
        cls = classes.get(words[i])
        if cls in _FREE and rng.random() < rate:
            words[i] = _word(cls, rng)
    return " ".join(words)
