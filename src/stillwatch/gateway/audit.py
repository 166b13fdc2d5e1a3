"""The append-only audit log: every exchange, as exchange v1 JSON Lines, in segment files.

Layout: ``DIR/exchanges-000001.jsonl``, ``-000002``, ... A new segment starts at each open
and whenever the current one passes ``segment_bytes`` or ``segment_seconds``. Segments are
plain exchange v1, so ``stillwatch ingest DIR/*.jsonl`` reads them as they are.

Durability, as documented in docs/gateway.md:

* a record is handed to the kernel with ``write(2)`` *before* the last byte of its response
  goes to the client, so an exchange the client saw complete survives ``kill -9`` of the
  gateway;
* ``fsync(2)`` runs on a background thread at most every ``fsync_interval_ms`` (group commit),
  so a power cut or kernel crash loses at most that window of acknowledged exchanges.

On open, the newest existing segment is checked: a torn last record (no final newline, or a
last line that is not valid JSON, as a crash mid-write leaves it) is cut, so the log stays
readable. One process owns a directory at a time (an exclusive ``flock`` on ``DIR/.lock``).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from stillwatch.errors import ConfigError
from stillwatch.gateway.config import AuditConfig

log = logging.getLogger("stillwatch.gateway.audit")
PREFIX, SUFFIX = "exchanges-", ".jsonl"
_TAIL_CHUNK = 1 << 16


def segments(directory: str | Path) -> list[Path]:
    """The directory's segment files, oldest first."""
    return sorted(Path(directory).glob(f"{PREFIX}*{SUFFIX}"))


def repair_tail(path: str | Path) -> int:
    """Cut a torn last record from one segment; returns the number of bytes cut.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "exchanges-000001.jsonl"
    >>> _ = p.write_bytes(b'{"id": "a"}\\n{"id": "b"')
    >>> repair_tail(p), p.read_bytes()
    (10, b'{"id": "a"}\\n')
    >>> _ = p.write_bytes(b'{"id": "a"}\\n{"id": \\x00\\x00\\n')
    >>> repair_tail(p), p.read_bytes()
    (10, b'{"id": "a"}\\n')
    """
    with open(path, "r+b") as fh:
        size = fh.seek(0, os.SEEK_END)
        keep = _last_newline_end(fh, size)
        if keep > 0:
            start = _last_newline_end(fh, keep - 1)
            fh.seek(start)
            try:
                orjson.loads(fh.read(keep - start))
            except orjson.JSONDecodeError:
                keep = start
        if keep < size:
            fh.truncate(keep)
            fh.flush()
            os.fsync(fh.fileno())
        return size - keep


def _last_newline_end(fh: Any, end: int) -> int:
    """Offset just after the last ``\\n`` before ``end`` (0 when there is none)."""
    pos = end
    while pos > 0:
        start = max(0, pos - _TAIL_CHUNK)
        fh.seek(start)
        chunk = fh.read(pos - start)
        i = chunk.rfind(b"\n")
        if i >= 0:
            return start + i + 1
        pos = start
    return 0


class AuditLog:
    """Appends exchange records to rotating segment files with batched fsync."""

    def __init__(self, directory: str | Path, config: AuditConfig | None = None) -> None:
        self.directory = Path(directory)
        self.config = config or AuditConfig()
        self.records = 0
        self.fsyncs = 0
        self.repaired_bytes = 0
        self._fd = -1
        self._lock_fd = -1
        self._size = 0
        self._opened_at = 0.0
        self._seq = 0
        self._dirty = False
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def open(self) -> AuditLog:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._lock_fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ConfigError(f"{self.directory}: cannot open audit directory ({exc.strerror})") from None
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise ConfigError(
                f"{self.directory}: audit directory is in use by another gateway process"
            ) from None
        existing = segments(self.directory)
        if existing:
            self.repaired_bytes = repair_tail(existing[-1])
            if self.repaired_bytes:
                log.warning("audit: cut a torn record (%d bytes) from %s", self.repaired_bytes, existing[-1])
            self._seq = int(existing[-1].name[len(PREFIX) : -len(SUFFIX)])
        self._rotate()
        self._thread = threading.Thread(target=self._fsync_loop, name="audit-fsync", daemon=True)
        self._thread.start()
        return self

    def append(self, record: Mapping[str, Any]) -> bytes:
        """Write one record; it is in the kernel's hands when this returns. Returns the line."""
        line = orjson.dumps(record) + b"\n"
        with self._mutex:
            if self._size >= self.config.segment_bytes or (
                time.monotonic() - self._opened_at >= self.config.segment_seconds
            ):
                self._rotate()
            view = memoryview(line)
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
            self._size += len(line)
            self._dirty = True
            self.records += 1
        return line

    def sync(self) -> None:
        """fsync now (the background thread does this every ``fsync_interval_ms``)."""
        # fsync a duplicate descriptor outside the lock, so appends on the event loop never
        # wait for the disk; rotation may close the original meanwhile.
        with self._mutex:
            if not self._dirty or self._fd < 0:
                return
            fd = os.dup(self._fd)
            self._dirty = False
        try:
            os.fsync(fd)
            self.fsyncs += 1
        finally:
            os.close(fd)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sync()
        with self._mutex:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = -1

    @property
    def current(self) -> Path:
        return self.directory / f"{PREFIX}{self._seq:06d}{SUFFIX}"

    def _rotate(self) -> None:
        if self._fd >= 0:
            os.fsync(self._fd)
            os.close(self._fd)
            self._dirty = False
        self._seq += 1
        self._fd = os.open(self.current, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL, 0o600)
        # make the new file's directory entry durable too
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self._size = 0
        self._opened_at = time.monotonic()

    def _fsync_loop(self) -> None:
        interval = max(self.config.fsync_interval_ms, 1) / 1000.0
        while not self._stop.wait(interval):
            try:
                self.sync()
            except OSError as exc:  # keep serving; the error is loud in the log
                log.error("audit: fsync failed: %s", exc)
