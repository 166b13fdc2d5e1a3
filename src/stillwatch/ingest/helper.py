"""Helper processes for ingest, and the frames a parent and its helper exchange.

A helper is a fresh interpreter running ``main`` of one of our modules, not a
``multiprocessing`` process: ``fork`` does not copy DuckDB's running threads safely, and
``spawn`` re-runs the caller's main script, which a library must not ask of its users.

It reads requests on its stdin and writes replies on its stdout. A message is one or more
frames, each a length and then bytes. The helper's first message is its signature (which
signals it runs); each reply then starts with ``ok`` and the reply's frames, or with ``er``
and the helper's traceback, which the parent raises.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa

import stillwatch
from stillwatch.errors import StillwatchError

_LEN = 8


class HelperFailed(StillwatchError, RuntimeError):
    """A helper process failed or exited, so the run cannot go on (the CLI says so in a line)."""


def send(out: BinaryIO, *frames: bytes) -> None:
    for data in frames:
        out.write(len(data).to_bytes(_LEN, "little"))
        out.write(data)
    out.flush()


def recv(inp: BinaryIO) -> bytes:
    head = inp.read(_LEN)
    if len(head) < _LEN:
        raise EOFError
    size = int.from_bytes(head, "little")
    data = inp.read(size)
    if len(data) < size:
        raise EOFError
    return data


def to_ipc(batch: pa.RecordBatch) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as stream:
        stream.write_batch(batch)
    return sink.getvalue().to_pybytes()


def from_ipc(data: bytes) -> pa.RecordBatch:
    return pa.ipc.open_stream(pa.py_buffer(data)).read_next_batch()


class Helper:
    """The parent's side of one helper running ``main()`` of ``module``."""

    def __init__(self, module: str, what: str) -> None:
        self.what = what
        env = dict(os.environ)
        # The helper imports this same copy of stillwatch, wherever the parent found it.
        source = str(Path(stillwatch.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join([source, *filter(None, [env.get("PYTHONPATH")])])
        self._proc = subprocess.Popen(
            [sys.executable, "-c", f"from {module} import main; main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
        )  # fmt: skip
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._requests, self._replies = self._proc.stdin, self._proc.stdout
        self._signature: bytes | None = None

    @property
    def signature(self) -> bytes:
        """The helper's first message; waits for it to start."""
        if self._signature is None:
            self._signature = self._read()
        return self._signature

    def send(self, *frames: bytes) -> None:
        try:
            send(self._requests, *frames)
        except OSError:  # a broken pipe: the helper is gone
            raise self._gone() from None

    def reply(self, frames: int) -> list[bytes]:
        """The next reply's ``frames`` frames, or the helper's failure raised here."""
        if self._signature is None:
            self._signature = self._read()  # the first message comes before any reply
        status = self._read()
        if status != b"ok":
            raise HelperFailed(f"{self.what} failed:\n" + self._read().decode(errors="replace"))
        return [self._read() for _ in range(frames)]

    def _read(self) -> bytes:
        try:
            return recv(self._replies)
        except (EOFError, OSError):
            raise self._gone() from None

    def _gone(self) -> HelperFailed:
        return HelperFailed(f"the {self.what} exited (code {self._proc.poll()})")

    def kill(self) -> None:
        self._proc.kill()
        self._proc.wait()

    def close(self) -> None:
        for pipe in (self._requests, self._replies):
            try:
                pipe.close()
            except OSError:
                pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


def serve(signature: bytes, frames: int, handle: Callable[[list[bytes]], list[bytes]]) -> None:
    """The helper's side: answer each request of ``frames`` frames with ``handle``, in order.

    A thread keeps reading requests while the one before is handled: the parent sends the
    next request before it reads the last reply, so neither side waits on the other's full
    pipe.
    """
    # Frames go to the real stdout; anything the work prints goes to stderr instead.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    send(replies, signature)
    inbox: queue.Queue[list[bytes] | None] = queue.Queue()

    def read() -> None:
        try:
            while True:
                inbox.put([recv(requests) for _ in range(frames)])
        except (EOFError, OSError):
            inbox.put(None)

    threading.Thread(target=read, name="stillwatch-helper-requests", daemon=True).start()
    while (request := inbox.get()) is not None:
        try:
            answer = handle(request)
        except Exception:  # reported to the parent, which raises it
            send(replies, b"er", traceback.format_exc().encode())
        else:
            send(replies, b"ok", *answer)
