"""Scratch slot files through which worker processes hand their chunks' log lines to the parent.

Sending a chunk's megabytes back through the pool's pipe means pickling them in the worker,
two kernel copies through the pipe and unpickling in the parent, all of it in the parent's
serial path. Instead a worker writes its chunk into a slot file in ``/dev/shm`` (memory, not
disk) and sends back only the line offsets; the parent copies byte ranges of the slot into
the log with ``sendfile``, so the bytes never pass through Python in the parent.

There are as many slots as chunks in flight; a slot is taken when its chunk is handed out and
given back once the parent has copied it, so scratch space stays bounded by the window.

Examples
--------
>>> with Spool(1) as spool:
...     slot = spool.take()
...     ends = write_slot(spool.path(slot), [b"ab\\n", b"c\\n"])
...     spool.give_back(slot)
...     ends.tolist(), spool.take() == slot
([3, 5], True)
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections import deque
from typing import BinaryIO

import numpy as np

_SHM = "/dev/shm"
_BUFFER = 1 << 20  # one system call per megabyte of a chunk's few-kB lines
_SENDFILE = sys.platform.startswith("linux") and hasattr(os, "sendfile")


def scratch_root(need: int = 0) -> str:
    """Where slot folders go: shared memory where the system has it with ``need`` bytes free
    (containers often mount a small one), else the temp folder."""
    try:
        if os.access(_SHM, os.W_OK | os.X_OK):
            st = os.statvfs(_SHM)
            if st.f_bavail * st.f_frsize >= need:
                return _SHM
    except OSError:
        pass
    return tempfile.gettempdir()


class Spool:
    """A private folder of ``slots`` slot files, removed on close (also after an error).

    ``need`` is how many bytes the slots may hold at once, to choose where they go.
    """

    def __init__(self, slots: int, root: str | None = None, need: int = 0) -> None:
        if slots < 1:
            raise ValueError("a spool needs at least one slot")
        self.dir = tempfile.mkdtemp(prefix="stillwatch-spool-", dir=root or scratch_root(need))
        self._free: deque[int] = deque(range(slots))

    def path(self, slot: int) -> str:
        return os.path.join(self.dir, f"slot-{slot}")

    def take(self) -> int:
        """A free slot; running out means more chunks are in flight than the spool was sized for."""
        if not self._free:
            raise RuntimeError("no free spool slot")
        return self._free.popleft()

    def give_back(self, slot: int) -> None:
        self._free.append(slot)

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_slot(path: str, lines: list[bytes]) -> np.ndarray:
    """Write ``lines`` into the slot at ``path`` (replacing what it held); their end offsets."""
    with open(path, "wb", buffering=_BUFFER) as fh:
        fh.writelines(lines)
    return np.cumsum(np.fromiter(map(len, lines), dtype=np.int64, count=len(lines)))


def copy_range(src: BinaryIO, dst: BinaryIO, start: int, stop: int) -> None:
    """Append bytes ``start:stop`` of ``src`` to ``dst``; ``dst``'s buffer must be flushed."""
    if stop <= start:
        return
    if _SENDFILE:
        out, inp = dst.fileno(), src.fileno()
        while start < stop:
            sent = os.sendfile(out, inp, start, stop - start)
            if sent <= 0:
                raise OSError(f"sendfile stopped at byte {start} of {stop}")
            start += sent
        return
    src.seek(start)
    while start < stop:
        block = src.read(min(stop - start, 1 << 22))
        if not block:
            raise OSError(f"slot ended at byte {start} of {stop}")
        dst.write(block)
        start += len(block)
