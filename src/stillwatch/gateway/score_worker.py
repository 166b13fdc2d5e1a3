"""The scoring child process: audit lines in on stdin, one ``Update`` per batch out on stdout.

Started by ``ProcessScoring`` (see score_runner.py) as ``python -m
stillwatch.gateway.score_worker`` with its settings as JSON in ``STILLWATCH_SCORE_WORKER``:
``batch_ms`` (how long a batch collects after its first record), ``max_batch``, and, to
share per-account profiles between replicas, ``redis``, ``prefix`` and ``replica``.
The first line out is ``{"ready": [signal names]}``. It exits when stdin closes, after
scoring what it has.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import sys
import threading
import time
from typing import Any

import orjson

from stillwatch.gateway.scoring import OnlineScorer, Update

log = logging.getLogger("stillwatch.gateway.score_worker")


def _read(stream: Any, q: queue.SimpleQueue[bytes | None]) -> None:
    for line in stream:
        q.put(line)
    q.put(None)


def collect(q: queue.SimpleQueue[bytes | None], batch_ms: float, max_batch: int) -> tuple[list[bytes], bool]:
    """Block for one line, then gather more for up to ``batch_ms``; (lines, input ended)."""
    first = q.get()
    if first is None:
        return [], True
    lines = [first]
    deadline = time.monotonic() + batch_ms / 1000.0
    while len(lines) < max_batch:
        wait = deadline - time.monotonic()
        try:
            item = q.get(timeout=wait) if wait > 0 else q.get_nowait()
        except queue.Empty:
            break
        if item is None:
            return lines, True
        lines.append(item)
    return lines, False


def main() -> int:
    settings = orjson.loads(os.environ.get("STILLWATCH_SCORE_WORKER", "{}"))
    # Scoring is best effort and may lag by a batch; the requests it protects may not. On a
    # busy machine the scheduler should hand the CPU to the proxy first.
    with contextlib.suppress(OSError):
        os.nice(int(settings.get("nice", 0)))
    logging.basicConfig(level=settings.get("log_level", "WARNING").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    profiles = None
    if settings.get("redis"):
        from stillwatch.gateway.profiles import RedisProfiles

        profiles = RedisProfiles(settings["redis"], settings.get("prefix", "stillwatch:"),
                                 settings.get("replica") or f"{os.uname().nodename}:{os.getppid()}")
    scorer = OnlineScorer(profiles=profiles)
    out = sys.stdout.buffer
    out.write(orjson.dumps({"ready": [s.name for s in scorer.signals]}) + b"\n")
    out.flush()
    q: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    threading.Thread(target=_read, args=(sys.stdin.buffer, q), daemon=True).start()
    batch_ms, max_batch = float(settings.get("batch_ms", 100)), int(settings.get("max_batch", 8192))
    ended = False
    while not ended:
        lines, ended = collect(q, batch_ms, max_batch)
        if not lines:
            continue
        t = time.perf_counter()
        records, bad = [], 0
        for line in lines:
            try:
                records.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                bad += 1
        try:
            update = scorer.observe_batch(records)
        except Exception as exc:  # report, drop this batch, keep going
            log.exception("batch of %d failed", len(records))
            update = Update(bad=len(records), errors=[f"batch failed: {type(exc).__name__}: {exc}"])
        update.bad += bad
        doc = update.to_json()
        doc["seconds"] = round(time.perf_counter() - t, 6)
        out.write(orjson.dumps(doc) + b"\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
