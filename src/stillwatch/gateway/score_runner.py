"""Where online scoring runs: off the request path, in micro-batches.

The request path only ``submit``s an exchange once it is in the audit log, and reads scores
with ``score_of``, a dictionary lookup. Two runners:

* ``ProcessScoring`` (what ``stillwatch serve`` uses): a child process
  (``python -m stillwatch.gateway.score_worker``) reads the audit lines on its stdin, scores
  them every ``batch_ms`` with ``OnlineScorer.observe_batch`` and writes each batch's
  ``Update`` back on its stdout. Scoring never holds the gateway's event loop or its GIL.
* ``LocalScoring``: the same micro-batches on this event loop (tests, embedding).

How stale a score can be: an exchange reaches its account's score within ``batch_ms`` plus
the time to score one batch (plus any backlog while the scorer is behind). When more than
``max_pending`` exchanges wait, new ones are not scored (``scoring_dropped_total``); they
are still in the audit log for the next batch scan. If the child dies it is restarted, and
scores already known stay in force.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from stillwatch.gateway.scoring import OnlineScorer, Update

log = logging.getLogger("stillwatch.gateway.scoring")
OnUpdate = Callable[[Update], None]
WORKER_ENV = "STILLWATCH_SCORE_WORKER"


class _Board:
    """Scores as the request path reads them, and the counters shared by both runners."""

    def __init__(self, max_pending: int) -> None:
        self.scores: dict[str, float] = {}
        self.reasons: dict[str, list[dict[str, Any]]] = {}
        self.exchanges: dict[str, int] = {}
        self.max_pending = max_pending
        self.pending = 0
        self.dropped = 0
        self.scored = 0
        self.batches = 0
        self.metrics: Any = None
        self.on_update: OnUpdate | None = None

    def score_of(self, account: str) -> float:
        return self.scores.get(account, 0.0)

    def exchanges_of(self, account: str) -> int:
        return self.exchanges.get(account, 0)

    def _room(self) -> bool:
        if self.pending >= self.max_pending:
            self.dropped += 1
            if self.metrics is not None:
                self.metrics.scoring_dropped.inc()
            return False
        self.pending += 1
        return True

    def _apply(self, update: Update, seconds: float) -> None:
        for account, (score, reasons, n) in update.scores.items():
            self.scores[account], self.reasons[account], self.exchanges[account] = score, reasons, n
        done = update.rows + update.bad
        self.pending = max(0, self.pending - done)
        self.scored += update.rows
        self.batches += 1
        for msg in update.errors[:5]:
            log.error("scoring: %s", msg)
        if self.metrics is not None:
            self.metrics.scored.inc(update.rows)
            self.metrics.score_batch.observe(seconds)
            if update.errors:
                self.metrics.scoring_errors.labels("batch").inc(len(update.errors))
        if self.on_update is not None:
            self.on_update(update)


class LocalScoring(_Board):
    """Micro-batches scored by ``scorer`` on this event loop, every ``batch_ms``."""

    def __init__(self, scorer: OnlineScorer, batch_ms: float = 100.0, max_pending: int = 50_000) -> None:
        super().__init__(max_pending)
        self.scorer = scorer
        # the scorer's own dictionaries, so what it learns is visible at once
        self.scores = getattr(scorer, "scores", self.scores)
        self.reasons = getattr(scorer, "reasons", self.reasons)
        self.exchanges = getattr(scorer, "exchanges", self.exchanges)
        self.batch_ms = batch_ms
        self._queue: list[Mapping[str, Any]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def score_of(self, account: str) -> float:
        return float(self.scorer.score_of(account))

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    def submit(self, record: Mapping[str, Any], line: bytes) -> None:
        if self._room():
            self._queue.append(record)
            self._wake.set()

    def flush(self) -> None:
        """Score whatever is queued, now."""
        batch, self._queue = self._queue, []
        if batch:
            loop = asyncio.get_running_loop()
            t = loop.time()
            update = self.scorer.observe_batch(batch)
            self._apply(update, loop.time() - t)

    async def _loop(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(self.batch_ms / 1000.0)
            self._wake.clear()
            try:
                self.flush()
            except Exception as exc:  # scoring must never stop serving
                log.error("scoring batch failed: %s: %s", type(exc).__name__, exc)
                self.pending = 0
                if self.metrics is not None:
                    self.metrics.scoring_errors.labels("batch").inc()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            self.flush()


class ProcessScoring(_Board):
    """Micro-batches scored in a child process; see the module docstring.

    ``settings`` go to the worker as JSON in an environment variable (``batch_ms``, and
    ``redis``/``prefix``/``replica`` to share profiles between replicas).
    """

    def __init__(self, settings: Mapping[str, Any] | None = None, max_pending: int = 50_000) -> None:
        super().__init__(max_pending)
        self.settings = dict(settings or {})
        self.proc: asyncio.subprocess.Process | None = None
        self.ready = asyncio.Event()
        self.restarts = 0
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._outbox: list[bytes] = []

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def submit(self, record: Mapping[str, Any], line: bytes) -> None:
        proc = self.proc
        if proc is None or proc.stdin is None or proc.returncode is not None:
            self.dropped += 1
            if self.metrics is not None:
                self.metrics.scoring_dropped.inc()
            return
        if self._room():
            # One pipe write per turn of the event loop, not per exchange: under load a
            # write(2) per request cost the proxy as much as relaying the response did.
            if not self._outbox:
                asyncio.get_running_loop().call_soon(self._send)
            self._outbox.append(line)

    def _send(self) -> None:
        lines, self._outbox = self._outbox, []
        proc = self.proc
        if proc is not None and proc.stdin is not None and proc.returncode is None:
            proc.stdin.write(b"".join(lines))  # buffered by the transport; never waits

    async def _spawn(self) -> asyncio.subprocess.Process:
        env = {**os.environ, WORKER_ENV: orjson.dumps(self.settings).decode()}
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "stillwatch.gateway.score_worker",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
            limit=1 << 28,
        )

    async def _run(self) -> None:
        while not self._closing:
            try:
                self.proc = proc = await self._spawn()
                assert proc.stdout is not None
                while line := await proc.stdout.readline():
                    doc = orjson.loads(line)
                    if "ready" in doc:
                        log.info("scoring worker ready with signals %s", doc["ready"])
                        self.ready.set()
                        continue
                    self._apply(Update.from_json(doc), float(doc.get("seconds", 0.0)))
                await proc.wait()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.error("scoring worker: %s: %s", type(exc).__name__, exc)
            if self._closing:
                return
            log.error("scoring worker exited (%s); restarting in 1 s", self.proc and self.proc.returncode)
            if self.metrics is not None:
                self.metrics.scoring_errors.labels("worker").inc()
            if self.proc is not None and self.proc.returncode is None:
                self.proc.kill()
            self.pending = 0
            self.restarts += 1
            self.ready.clear()
            await asyncio.sleep(1.0)

    async def stop(self) -> None:
        self._closing = True
        proc = self.proc
        if proc is not None and proc.returncode is None and proc.stdin is not None:
            proc.stdin.close()  # the worker scores what it has, answers, and exits
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 10.0) if self._task else None
            except (asyncio.TimeoutError, Exception):
                proc.kill()
                await proc.wait()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
