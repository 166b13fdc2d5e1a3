"""The synthetic reasoning task: a chain of one-digit operations, evaluated left to right, mod 10.

``3+4*2?`` asks for ((3 + 4) * 2) mod 10. The worked solution is one paragraph with a sentence
per step, then the answer line::

    3+4*2?so 3+4 is 7. then 7*2 makes 4. ans 4

Each step is a table lookup a small model learns easily once the previous result is written
down; answering without the steps means composing every lookup in one forward pass, which is
what makes the reasoning worth harvesting. Each sentence opens with a connective and names its
result with a verb chosen at random: the free choices a real model's prose also has, and where
a watermark can leave its mark without changing any number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

OPS = "+-*"
CONNECTIVES = ("so", "then", "now", "and")
VERBS = ("is", "gives", "makes", "yields")
_ANSWER = re.compile(r"ans (\d)")


@dataclass(frozen=True)
class Problem:
    digits: tuple[int, ...]
    ops: str

    @property
    def prompt(self) -> str:
        """The question; ``?`` asks for the worked solution."""
        return _expr(self) + "?"

    @property
    def direct_prompt(self) -> str:
        """The same question with ``!``: the answer line alone (the teacher learns both)."""
        return _expr(self) + "!"

    def steps(self) -> list[tuple[int, str, int, int]]:
        acc, out = self.digits[0], []
        for op, b in zip(self.ops, self.digits[1:]):
            new = (acc + b if op == "+" else acc - b if op == "-" else acc * b) % 10
            out.append((acc, op, b, new))
            acc = new
        return out

    @property
    def answer(self) -> int:
        return self.steps()[-1][3]


def _expr(p: Problem) -> str:
    return str(p.digits[0]) + "".join(op + str(d) for op, d in zip(p.ops, p.digits[1:]))


def sample_problems(n: int, n_ops: int, seed: int) -> list[Problem]:
    rng = np.random.default_rng(seed)
    digits = rng.integers(0, 10, size=(n, n_ops + 1))
    ops = rng.integers(0, len(OPS), size=(n, n_ops))
    return [Problem(tuple(int(d) for d in digits[i]), "".join(OPS[o] for o in ops[i])) for i in range(n)]


def reasoning(p: Problem, rng: np.random.Generator) -> str:
    """A worked solution with randomly chosen connectives and verbs."""
    return " ".join(
        f"{CONNECTIVES[rng.integers(len(CONNECTIVES))]} {a}{op}{b} {VERBS[rng.integers(len(VERBS))]} {c}."
        for a, op, b, c in p.steps()
    )


def answer_line(value: int | str) -> str:
    return f"ans {value}"


def completion(reasoning_text: str | None, answer_text: str) -> str:
    """What a student is trained to write after the prompt: reasoning (if any), answer, end."""
    return f"{reasoning_text} {answer_text}\n" if reasoning_text else f"{answer_text}\n"


def split_completion(text: str) -> tuple[str, str]:
    """(reasoning, answer line) of a generated completion, as an API would return them apart.

    Examples
    --------
    >>> split_completion("so 3+4 is 7. ans 7\\n")
    ('so 3+4 is 7.', 'ans 7')
    """
    text = text.split("\n")[0]
    at = text.rfind("ans ")
    if at < 0:
        return text.strip(), ""
    return text[:at].strip(), text[at:].strip()


def parse_answer(text: str) -> int | None:
    """The final answer in a completion, or None when there is none."""
    found = _ANSWER.findall(text.split("\n")[0])
    return int(found[-1]) if found else None
