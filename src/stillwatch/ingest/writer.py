"""A background thread that annotates batches with signals and writes them to the store.

Parsing and normalising hold the GIL; DuckDB's insert and most Arrow compute release it.
Handing finished batches to one writer thread lets the two overlap on separate cores. The
queue is short (``depth`` batches), so memory stays bounded: when the store falls behind,
the reader waits.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence

import pyarrow as pa

from stillwatch import signals as signal_registry
from stillwatch.ingest.store import Store
from stillwatch.signals.base import Signal

_STOP = object()


class BackgroundWriter:
    """Write ``(key, batch)`` items in order; ``results[key]`` sums inserted/duplicates.

    Batches of the same key are gathered into one insert of at least ``write_rows`` rows:
    the reader's batches are small for cache locality, while DuckDB inserts fastest in
    large pieces. The signals run once per insert too: their per-call costs (deduplicating
    texts, numpy and Arrow call overhead) then shrink eightfold, and a system prompt
    repeated across the joined batches is scored once.
    """

    def __init__(self, store: Store, signals: Sequence[Signal] | None = None, *, depth: int = 8, write_rows: int = 16_384) -> None:
        self.store = store
        # Built once per run: a signal may hold a loaded model or compiled patterns.
        self.signals = list(signals) if signals is not None else [cls() for cls in signal_registry.registered()]
        self.write_rows = write_rows
        self.results: dict[object, list[int]] = {}
        self.error: BaseException | None = None
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._pending: list[pa.RecordBatch] = []
        self._pending_key: object = None
        self._thread = threading.Thread(target=self._run, name="stillwatch-writer", daemon=True)
        self._thread.start()

    def submit(self, key: object, batch: pa.RecordBatch | None) -> None:
        """Queue a batch (None: a commit); re-raises a writer failure here, in the caller."""
        self._raise_if_failed()
        while True:
            try:
                self._queue.put((key, batch), timeout=0.5)
                return
            except queue.Full:
                self._raise_if_failed()

    def commit(self) -> None:
        """Queue a commit of everything submitted so far."""
        self.submit(None, None)

    def close(self) -> None:
        """Wait for every queued batch to be written, then re-raise any failure."""
        while self._thread.is_alive():
            try:
                self._queue.put(_STOP, timeout=0.5)
                break
            except queue.Full:
                continue
        self._thread.join()
        self._raise_if_failed()

    def _raise_if_failed(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def _flush(self) -> None:
        if not self._pending:
            return
        totals = self.results.setdefault(self._pending_key, [0, 0])
        joined = pa.Table.from_batches(self._pending).combine_chunks()
        self._pending = []
        if joined.num_rows == 0:
            return
        written = self.store.write(signal_registry.annotate(joined.to_batches()[0], self.signals))
        totals[0] += written.inserted
        totals[1] += written.duplicates

    def _step(self, item: object) -> bool:
        if item is _STOP:
            self._flush()
            self.store.commit()
            return False
        key, batch = item  # type: ignore[misc]
        if batch is None:
            self._flush()
            self.store.commit()
            return True
        if key is not self._pending_key:
            self._flush()
            self._pending_key = key
        self._pending.append(batch)
        if sum(b.num_rows for b in self._pending) >= self.write_rows:
            self._flush()
        return True

    def _run(self) -> None:
        running = True
        while running:
            item = self._queue.get()
            if self.error is not None:
                running = item is not _STOP  # drain without writing after a failure
                continue
            try:
                running = self._step(item)
            except BaseException as exc:  # handed to the submitting thread
                self.error = exc
                running = item is not _STOP
