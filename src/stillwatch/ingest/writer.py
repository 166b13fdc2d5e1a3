"""A background thread that annotates batches with signals and writes them to the store.

Parsing and normalising hold the GIL; DuckDB's insert and most Arrow compute release it.
Handing finished batches to one writer thread lets the two overlap on separate cores. For
large inputs the signals run in a child process (``signal_process``), a third stream of work
beside parsing and inserting. The queue is short (``depth`` batches, and two in the child),
so memory stays bounded: when the store falls behind, the reader waits.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Sequence

import pyarrow as pa

from stillwatch import signals as signal_registry
from stillwatch.ingest.signal_process import SignalProcess
from stillwatch.ingest.store import Store
from stillwatch.signals.base import Signal

_STOP = object()
log = logging.getLogger(__name__)


class BackgroundWriter:
    """Write ``(key, batch)`` items in order; ``results[key]`` sums inserted/duplicates.

    Batches of the same key are gathered into inserts of a whole multiple of ``write_rows``
    rows (the rest waits for the next batch, or a commit): the reader's batches are small for
    cache locality, while DuckDB inserts fastest in large pieces. Whole multiples keep the
    store's transactions filling DuckDB's row groups exactly; inserts of any size from 4,096
    rows up (chunks of about 2,200 rows, joined) left DuckDB a checkpoint at the file's close
    that rewrote the whole table: 12.8 s after 955k exchanges, the file twice its size, and
    4.8 GB resident. The signals run once per insert too: their per-call costs (deduplicating
    texts, numpy and Arrow call overhead) are paid less often, and a system prompt repeated
    across the joined batches is scored once. Larger inserts were a little faster still
    (8k rows: 6% on a 200k log), but with the signals' child the two processes then peaked
    over 1 GB together, against 0.99 GB at 4k.
    """

    def __init__(self, store: Store, signals: Sequence[Signal] | None = None, *, depth: int = 8,
                 write_rows: int = 4_096, signal_process: bool = True) -> None:  # fmt: skip
        self.store = store
        # Built once per run: a signal may hold a loaded model or compiled patterns.
        self.signals = list(signals) if signals is not None else [cls() for cls in signal_registry.registered()]
        self.write_rows = write_rows
        # The registered signals move to a child process once the input proves large (a
        # full insert batch); signals passed in by the caller always run here.
        self._may_fork = signal_process and signals is None
        self._process: SignalProcess | None = None
        self._scoring: deque[object] = deque()  # the key of each batch the child is scoring
        self.scored_apart = 0  # batches the child scored
        self.results: dict[object, list[int]] = {}
        self.error: BaseException | None = None
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._pending: list[pa.RecordBatch] = []
        self._pending_key: object = None
        self._thread = threading.Thread(target=self._run, name="stillwatch-writer", daemon=True)
        self._thread.start()

    def submit(self, key: object, batch: pa.RecordBatch | None, *, scored: bool = False) -> None:
        """Queue a batch (None: a commit); re-raises a writer failure here, in the caller.

        A ``scored`` batch already has the signals' columns (a parse helper added them).
        """
        self._raise_if_failed()
        while True:
            try:
                self._queue.put((key, batch, scored), timeout=0.5)
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
        if self._process is not None:
            self._process.close()
            self._process = None
        self._raise_if_failed()

    def _raise_if_failed(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def _flush(self, *, whole: bool = False) -> None:
        """Insert the pending batches; ``whole``: only whole multiples of ``write_rows``."""
        if not self._pending:
            return
        key, scored = self._pending_key  # type: ignore[misc]
        self.results.setdefault(key, [0, 0])
        joined = pa.Table.from_batches(self._pending).combine_chunks()
        self._pending = []
        if whole and joined.num_rows % self.write_rows:
            cut = joined.num_rows - joined.num_rows % self.write_rows
            self._pending = joined.slice(cut).to_batches()
            joined = joined.slice(0, cut)
        if joined.num_rows == 0:
            return
        batch = joined.to_batches()[0]
        if scored:
            self._drain()  # batches the child still scores were read before this one
            self._store(key, batch)
            return
        if self._process is None and self._may_fork and batch.num_rows >= self.write_rows:
            self._may_fork = False
            try:
                self._process = SignalProcess(depth=1)  # it starts while this batch is scored here
            except OSError as exc:  # no interpreter to start (an embedded Python): score here
                log.warning("signals stay in the ingest process: %s", exc)
        elif self._process is not None and not self._process.agrees(self.signals):
            self._process.close()  # a signal only this process knows: keep scoring here
            self._process, self._may_fork = None, False
        elif self._process is not None:
            # Take the last batch's scores, hand this one over, then store the last one
            # while the child scores: one batch in the child at a time bounds memory.
            done = (self._scoring.popleft(), self._process.result()) if self._scoring else None
            self._process.submit(batch)
            self._scoring.append(key)
            self.scored_apart += 1
            if done is not None:
                self._store(*done)
            return
        self._store(key, signal_registry.annotate(batch, self.signals))

    def _drain(self) -> None:
        """Store every batch the child still holds (before a commit)."""
        while self._scoring:
            assert self._process is not None
            self._store(self._scoring.popleft(), self._process.result())

    def _store(self, key: object, batch: pa.RecordBatch) -> None:
        written = self.store.write(batch)
        totals = self.results[key]
        totals[0] += written.inserted
        totals[1] += written.duplicates

    def _step(self, item: object) -> bool:
        if item is _STOP:
            self._flush()
            self._drain()
            self.store.commit()
            return False
        key, batch, scored = item  # type: ignore[misc]
        if batch is None:
            self._flush()
            self._drain()
            self.store.commit()
            return True
        if (key, scored) != self._pending_key:  # keys are ints (id of a summary): equal, not identical
            self._flush()
            self._pending_key = (key, scored)
        self._pending.append(batch)
        if sum(b.num_rows for b in self._pending) >= self.write_rows:
            self._flush(whole=True)
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
