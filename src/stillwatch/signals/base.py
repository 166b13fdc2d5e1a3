"""The Signal contract: one kernel, two entry points.

A signal turns exchanges into feature columns. ``score_batch`` is the vectorised form the
batch pipeline runs at ingest; ``score_one`` is the streaming form the gateway runs per
request. By default ``score_one`` wraps the record in a one-row batch and calls
``score_batch``, so both paths share the same code; a subclass may override it for speed,
and the contract test in ``tests/signals/test_contract.py`` holds the two to agreement.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

import pyarrow as pa

from stillwatch.types import EXCHANGE_SCHEMA


class Signal(ABC):
    """A per-exchange feature computed once and stored as columns.

    Class attributes
    ----------------
    name:
        Stable code, used as the reason code and as the prefix of its columns.
    version:
        Bumped whenever the output for the same input changes, so stored columns can be
        recomputed.
    inputs:
        Stored exchange columns the signal reads.
    fields:
        The Arrow fields it adds. Their names must be unique across all signals.
    """

    name: ClassVar[str]
    version: ClassVar[int] = 1
    inputs: ClassVar[tuple[str, ...]] = ()
    fields: ClassVar[tuple[pa.Field, ...]] = ()

    @abstractmethod
    def score_batch(self, batch: pa.RecordBatch) -> dict[str, pa.Array]:
        """Return one array per field in ``fields``, each as long as ``batch``."""

    def score_one(self, x: Mapping[str, Any]) -> dict[str, Any]:
        """Score one normalised exchange (a dict keyed like the stored row)."""
        schema = pa.schema([EXCHANGE_SCHEMA.field(c) for c in self.inputs])
        row = pa.RecordBatch.from_pylist([{c: x.get(c) for c in self.inputs}], schema=schema)
        return {name: col[0].as_py() for name, col in self.score_batch(row).items()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, version={self.version})"
