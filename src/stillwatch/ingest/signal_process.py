"""The signals in a child process, so that they run on a core of their own.

Ingest has three kinds of work: parsing and normalising (Python, holding the GIL), the
signals (numpy and Arrow, about half the CPU of a run) and DuckDB's insert. In one process
the signals contend with parsing for the GIL; in a child they overlap with it, and the
writer inserts one batch while the child scores the next.

The child is a fresh interpreter running ``main`` of this module, not a
``multiprocessing`` process: ``fork`` does not copy DuckDB's running threads safely, and
``spawn`` re-runs the caller's main script, which a library must not ask of its users.
Frames on its stdin and stdout are a length and Arrow IPC bytes. Only the columns the
signals declare as ``inputs`` go over; only the columns they add come back. The child first
says which signals it has; a parent with others (a signal class defined in the caller's
own code) keeps scoring in-process.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import traceback
from collections import deque
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa

import stillwatch
from stillwatch import signals as signal_registry
from stillwatch.signals.base import Signal

_LEN = 8


def signal_inputs(signals: list[Signal] | tuple[type[Signal], ...]) -> list[str]:
    """The stored columns any of ``signals`` reads, in a fixed order."""
    return sorted({c for s in signals for c in s.inputs})


def signature(signals: list[Signal] | tuple[type[Signal], ...]) -> bytes:
    """Which signals, in which versions: what parent and child must agree on."""
    return ",".join(f"{s.name}:{s.version}" for s in signals).encode()


def _send(out: BinaryIO, data: bytes) -> None:
    out.write(len(data).to_bytes(_LEN, "little"))
    out.write(data)
    out.flush()


def _recv(inp: BinaryIO) -> bytes:
    head = inp.read(_LEN)
    if len(head) < _LEN:
        raise EOFError
    size = int.from_bytes(head, "little")
    data = inp.read(size)
    if len(data) < size:
        raise EOFError
    return data


def _to_ipc(batch: pa.RecordBatch) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as stream:
        stream.write_batch(batch)
    return sink.getvalue().to_pybytes()


def _from_ipc(data: bytes) -> pa.RecordBatch:
    return pa.ipc.open_stream(pa.py_buffer(data)).read_next_batch()


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """The child: score each batch it is sent, in order, until its input ends.

    A thread keeps reading requests while the batch before is scored: the parent sends the
    next batch before it reads the last one's scores, so neither side waits on the other's
    full pipe.
    """
    signals = [cls() for cls in signal_registry.registered()]
    _send(replies, signature(signals))
    inbox: queue.Queue[bytes | None] = queue.Queue()

    def read() -> None:
        try:
            while True:
                inbox.put(_recv(requests))
        except (EOFError, OSError):
            inbox.put(None)

    threading.Thread(target=read, name="stillwatch-signal-requests", daemon=True).start()
    while (data := inbox.get()) is not None:
        try:
            batch = _from_ipc(data)
            added = signal_registry.annotate(batch, signals)
            new = added.select(list(range(batch.num_columns, added.num_columns)))
            _send(replies, b"ok" + _to_ipc(new))
        except Exception:  # reported to the parent, which raises it
            _send(replies, b"er" + traceback.format_exc().encode())


class SignalProcess:
    """One child process that scores batches with every registered signal, in order.

    ``submit`` sends a batch (at most ``depth`` wait at once); ``result`` waits for the
    oldest one's scores and returns that batch with the signals' columns appended, exactly
    as ``signals.annotate`` would.
    """

    def __init__(self, depth: int = 2) -> None:
        self.depth = depth
        self.inputs = signal_inputs(signal_registry.registered())
        env = dict(os.environ)
        # The child imports this same copy of stillwatch, wherever the parent found it.
        source = str(Path(stillwatch.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join([source, *filter(None, [env.get("PYTHONPATH")])])
        self._proc = subprocess.Popen(
            [sys.executable, "-c", "from stillwatch.ingest.signal_process import main; main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
        )  # fmt: skip
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._requests, self._replies = self._proc.stdin, self._proc.stdout
        self._signature: bytes | None = None
        self._waiting: deque[pa.RecordBatch] = deque()

    def agrees(self, signals: list[Signal]) -> bool:
        """Does the child run the same signals as ``signals``? Waits for it to start."""
        if self._signature is None:
            self._signature = self._read()
        return self._signature == signature(signals)

    @property
    def pending(self) -> int:
        """Batches submitted whose scores have not been taken yet."""
        return len(self._waiting)

    def submit(self, batch: pa.RecordBatch) -> None:
        if len(self._waiting) >= self.depth:
            raise RuntimeError("take a result from the signal process before submitting more")
        names = set(batch.schema.names)
        try:
            _send(self._requests, _to_ipc(batch.select([c for c in self.inputs if c in names])))
        except OSError:  # a broken pipe: the child is gone
            raise self._gone() from None
        self._waiting.append(batch)

    def result(self) -> pa.RecordBatch:
        if not self._waiting:
            raise RuntimeError("no batch was submitted to the signal process")
        batch = self._waiting.popleft()
        if self._signature is None:
            self._signature = self._read()
        reply = self._read()
        if reply[:2] != b"ok":
            raise RuntimeError("a signal failed in the signal process:\n" + reply[2:].decode(errors="replace"))
        new = _from_ipc(reply[2:])
        return pa.RecordBatch.from_arrays(
            list(batch.columns) + list(new.columns),
            schema=pa.schema(list(batch.schema) + list(new.schema)),
        )

    def _read(self) -> bytes:
        try:
            return _recv(self._replies)
        except (EOFError, OSError):
            raise self._gone() from None

    def _gone(self) -> RuntimeError:
        return RuntimeError(f"the signal process exited (code {self._proc.poll()})")

    def close(self) -> None:
        for pipe in (self._requests, self._replies):
            try:
                pipe.close()
            except OSError:
                pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


def main() -> None:
    """The child's entry point (not ``python -m``: the package imports this module first)."""
    # Frames go to the real stdout; anything a signal prints goes to stderr instead.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.stdin.buffer, replies)

