"""The signals in a helper process, so that they run on a core of their own.

Ingest has three kinds of work: parsing and normalising (Python, holding the GIL), the
signals (numpy and Arrow, about half the CPU of a run) and DuckDB's insert. In one process
the signals contend with parsing for the GIL; in a helper (``helper``) they overlap with
it, and the writer inserts one batch while the helper scores the next. Only the columns the
signals declare as ``inputs`` go over, as Arrow IPC; only the columns they add come back.
The helper first says which signals it has; a parent with others (a signal class defined in
the caller's own code) keeps scoring in-process.
"""

from __future__ import annotations

from collections import deque

import pyarrow as pa

from stillwatch import signals as signal_registry
from stillwatch.ingest.helper import Helper, from_ipc, serve, to_ipc
from stillwatch.signals.base import Signal


def signal_inputs(signals: list[Signal] | tuple[type[Signal], ...]) -> list[str]:
    """The stored columns any of ``signals`` reads, in a fixed order."""
    return sorted({c for s in signals for c in s.inputs})


def signature(signals: list[Signal] | tuple[type[Signal], ...]) -> bytes:
    """Which signals, in which versions: what parent and helper must agree on."""
    return ",".join(f"{s.name}:{s.version}" for s in signals).encode()


def signal_columns(batch: pa.RecordBatch, signals: list[Signal]) -> pa.RecordBatch:
    """Only the columns ``signals`` add to ``batch``."""
    added = signal_registry.annotate(batch, signals)
    return added.select(list(range(batch.num_columns, added.num_columns)))


def with_columns(batch: pa.RecordBatch, new: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` with the columns of ``new`` (as many rows) appended."""
    return pa.RecordBatch.from_arrays(
        list(batch.columns) + list(new.columns),
        schema=pa.schema(list(batch.schema) + list(new.schema)),
    )


class SignalProcess:
    """One helper process that scores batches with every registered signal, in order.

    ``submit`` sends a batch (at most ``depth`` wait at once); ``result`` waits for the
    oldest one's scores and returns that batch with the signals' columns appended, exactly
    as ``signals.annotate`` would.
    """

    def __init__(self, depth: int = 2) -> None:
        self.depth = depth
        self.inputs = signal_inputs(signal_registry.registered())
        self._helper = Helper("stillwatch.ingest.signal_process", "signal process")
        self._waiting: deque[pa.RecordBatch] = deque()

    def agrees(self, signals: list[Signal]) -> bool:
        """Does the helper run the same signals as ``signals``? Waits for it to start."""
        return self._helper.signature == signature(signals)

    @property
    def pending(self) -> int:
        """Batches submitted whose scores have not been taken yet."""
        return len(self._waiting)

    def submit(self, batch: pa.RecordBatch) -> None:
        if len(self._waiting) >= self.depth:
            raise RuntimeError("take a result from the signal process before submitting more")
        names = set(batch.schema.names)
        self._helper.send(to_ipc(batch.select([c for c in self.inputs if c in names])))
        self._waiting.append(batch)

    def result(self) -> pa.RecordBatch:
        if not self._waiting:
            raise RuntimeError("no batch was submitted to the signal process")
        batch = self._waiting.popleft()
        (scores,) = self._helper.reply(1)
        return with_columns(batch, from_ipc(scores))

    def close(self) -> None:
        self._helper.close()


def main() -> None:
    """The helper's entry point (not ``python -m``: the package imports this module first)."""
    signals = [cls() for cls in signal_registry.registered()]
    serve(signature(signals), 1, lambda frames: [to_ipc(signal_columns(from_ipc(frames[0]), signals))])
