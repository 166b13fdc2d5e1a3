"""A cheap stream of uniform numbers for per-record choices inside Python loops.

Calling a numpy Generator once per choice costs far more than the choice itself; drawing
blocks of uniforms and handing them out one at a time keeps every random number coming from
the seeded Generator (so output stays deterministic) at a fraction of the cost.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")

_BLOCK = 1 << 13
_sqrt, _log, _cos, _exp, _TAU = math.sqrt, math.log, math.cos, math.exp, math.tau


def _blocks(rng: np.random.Generator) -> Iterator[list[float]]:
    while True:
        yield rng.random(_BLOCK).tolist()


class Draws:
    """Uniforms in [0, 1) drawn in blocks from ``rng``.

    ``u`` is the C-level ``__next__`` of an endless iterator, so a draw costs a few tens of
    nanoseconds; hot loops may bind it to a local.

    >>> d = Draws(np.random.default_rng(3))
    >>> 0 <= d.u() < 1, d.below(10) in range(10), d.pick("ab") in ("a", "b")
    (True, True, True)
    """

    __slots__ = ("u",)

    def __init__(self, rng: np.random.Generator) -> None:
        self.u = itertools.chain.from_iterable(_blocks(rng)).__next__

    def below(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        return int(self.u() * n)

    def pick(self, seq: Sequence[T]) -> T:
        return seq[int(self.u() * len(seq))]

    def lognormal(self, median: float, sigma: float) -> float:
        """Median times exp(sigma * z), z standard normal (Box-Muller from two uniforms)."""
        u = self.u
        z = _sqrt(-2.0 * _log(u() or 1e-12)) * _cos(_TAU * u())
        return median * _exp(sigma * z)
