"""The simulation run: build every group's accounts, then walk the window chunk by chunk.

For each chunk (an hour, or less at large scales) the parent draws how many sessions each
account starts and when; the sessions' exchanges are then made, in this process or in worker
processes, and come back as JSON lines. The parent sorts what falls inside the chunk by time
and streams it to disk; exchanges of sessions that run past the chunk's end wait for the next.
Memory grows with accounts and with a few chunks' traffic, never with the length of the log.

Every random number comes from numpy Generators seeded from ``seed`` and fixed indices
(group, chunk), and each chunk's exchanges depend only on its plan, so the same arguments
give byte-identical files whatever the number of workers.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from stillwatch.errors import ConfigError
from stillwatch.simulate._draws import Draws
from stillwatch.simulate.output import LogWriter
from stillwatch.simulate.prompts import default_corpus_dir
from stillwatch.simulate.scenario import Scenario, load_scenario
from stillwatch.simulate.sessions import Batch, session
from stillwatch.simulate.summary import SimulationSummary, Tally
from stillwatch.simulate.world import TASK_BITS, World

Plan = list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
Made = tuple[np.ndarray, bytes, np.ndarray, np.ndarray, list[bytes], np.ndarray, np.ndarray, np.ndarray]
_WORLD: World | None = None  # a worker process's own copy


def simulate(
    out_dir: str | Path,
    scenario: str | Path | Scenario = "reported-2026",
    *,
    scale: float = 0.01,
    seed: int = 0,
    corpus: str | Path | None = None,
    days: int | None = None,
    fmt: str = "jsonl",
    workers: int = 1,
    progress: Callable[[float], None] | None = None,
) -> SimulationSummary:
    """Write ``log.jsonl`` (or ``log.parquet``), ``labels.jsonl``, ``authorized.txt`` and
    ``summary.json`` into ``out_dir`` and return the summary.

    ``workers`` > 1 makes the exchanges in that many processes; the files do not depend on it.
    The default is one: on the 2-vCPU development machine two workers ran slower than one
    (each worker's CPU time per exchange doubled), so use more only where cores are real.
    """
    began = time.perf_counter()
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if not scale > 0:
        raise ConfigError("scale must be positive")
    if fmt not in ("jsonl", "parquet"):
        raise ConfigError(f"format must be jsonl or parquet, not {fmt!r}")
    n_days = sc.days if days is None else int(days)
    if n_days < 1:
        raise ConfigError("days must be at least 1")
    corpus_dir = Path(corpus) if corpus is not None else default_corpus_dir()
    world = World(sc, scale, seed, corpus_dir, n_days, fmt)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tally = Tally(world.runs, world.offsets, TASK_BITS)
    writer = LogWriter(out, fmt)
    try:
        if workers <= 1:
            results = (_make(world, c, plan) for c, plan in world.plans())
            _merge(world, results, writer, tally, progress)
        else:
            with _pool(workers, world) as pool:
                _merge(world, _bounded(pool, world, 2 * workers), writer, tally, progress)
    finally:
        writer.close()

    labels, authorized = tally.labels()
    (out / "labels.jsonl").write_bytes(b"".join(orjson.dumps(x, option=orjson.OPT_APPEND_NEWLINE) for x in labels))
    (out / "authorized.txt").write_text("".join(f"{x}\n" for x in authorized), encoding="utf-8")
    summary = tally.summary(
        out_dir=str(out), scenario=sc.name, seed=seed, scale=scale, days=n_days, format=fmt,
        files=[writer.path.name, "labels.jsonl", "authorized.txt", "summary.json"],
        corpus=str(corpus_dir) if corpus_dir else None, corpus_sources=world.corpus_sources(),
        workers=workers, seconds=time.perf_counter() - began,
    )
    (out / "summary.json").write_bytes(orjson.dumps(summary.to_json(), option=orjson.OPT_INDENT_2) + b"\n")
    return summary


def _make(world: World, c: int, plan: Plan) -> Made:
    """Make one chunk's exchanges from its plan; depends on nothing but (world, c, plan).

    Returns the exchanges inside the chunk already in time order, as one blob with the end
    offset of each line, and those that fall after the chunk (sessions still running) apart.
    """
    d = Draws(np.random.default_rng([world.seed, 7, c]))
    out = Batch()
    for gi, accts, starts, tasks, seqs in plan:
        run = world.runs[gi]
        base = world.offsets[gi]
        for a, t, k, s in zip(accts.tolist(), starts.tolist(), tasks.tolist(), seqs.tolist(), strict=True):
            session(run, a, k, t, s, d, out, ((base + a) << TASK_BITS) | k)
    times = np.asarray(out.t, dtype=np.float64)
    order = np.argsort(times, kind="stable")
    t1 = world.chunks[c + 1] if c + 1 < len(world.chunks) else np.inf
    cut = int(np.searchsorted(times[order], t1, side="left"))
    lines = out.lines
    now = [lines[i] for i in order[:cut].tolist()]
    ends = np.cumsum(np.fromiter((len(x) for x in now), dtype=np.int64, count=len(now)))
    later = order[cut:]
    return (times[order[:cut]], b"".join(now), ends, times[later], [lines[i] for i in later.tolist()],
            np.asarray(out.keys, dtype=np.int64), np.asarray(out.out, dtype=np.int64),
            np.asarray(out.rsn, dtype=np.int64))


def _pool(workers: int, world: World) -> Any:
    """Worker processes holding the same World: inherited where fork exists, else rebuilt.

    Fork needs no ``if __name__ == "__main__"`` guard in the caller's script; other start
    methods rebuild the World from its arguments, which gives the same one.
    """
    global _WORLD
    if "fork" in multiprocessing.get_all_start_methods():
        _WORLD = world
        return multiprocessing.get_context("fork").Pool(workers)
    args = (world.scenario, world.scale, world.seed, world.bank.corpus, world.days, world.fmt)
    return multiprocessing.get_context("spawn").Pool(workers, initializer=_init_worker, initargs=args)


def _init_worker(sc: Scenario, scale: float, seed: int, corpus: Path | None, days: int, fmt: str) -> None:
    global _WORLD
    _WORLD = World(sc, scale, seed, corpus, days, fmt)


def _work(c: int, plan: Plan) -> Made:
    assert _WORLD is not None, "worker not initialised"
    return _make(_WORLD, c, plan)


def _bounded(pool: Any, world: World, window: int) -> Any:
    """Chunk results in order, with at most ``window`` chunks in flight."""
    queue: deque[AsyncResult[Made]] = deque()
    for c, plan in world.plans():
        queue.append(pool.apply_async(_work, (c, plan)))
        if len(queue) >= window:
            yield queue.popleft().get()
    while queue:
        yield queue.popleft().get()


def _merge(world: World, results: Any, writer: LogWriter, tally: Tally,
           progress: Callable[[float], None] | None) -> None:
    """Write each chunk's exchanges in time order, slotting in those carried from earlier chunks.

    A chunk arrives sorted; only the few exchanges of sessions that crossed a chunk boundary
    are merged one by one, so the parent's work per exchange stays small.
    """
    pend_t = np.zeros(0)
    pend_lines: list[bytes] = []
    chunks = world.chunks
    for c, (times, blob, ends, spill_t, spill_lines, keys, out_tok, rsn_tok) in enumerate(results):
        tally.add(keys, out_tok, rsn_tok)
        t1 = chunks[c + 1] if c + 1 < len(chunks) else np.inf
        due = int(np.searchsorted(pend_t, t1, side="left"))
        pieces: list[bytes] = []
        prev = 0
        # Carried exchanges go before the chunk's own at equal times: they were made first.
        for pos, line in zip(np.searchsorted(times, pend_t[:due], side="left").tolist(), pend_lines[:due],
                             strict=True):
            offset = int(ends[pos - 1]) if pos > 0 else 0
            pieces.append(blob[prev:offset])
            pieces.append(line)
            prev = offset
        pieces.append(blob[prev:])
        writer.write(pieces)
        rest_t = np.concatenate([pend_t[due:], spill_t])
        rest_lines = pend_lines[due:] + spill_lines
        order = np.argsort(rest_t, kind="stable")
        pend_t = rest_t[order]
        pend_lines = [rest_lines[i] for i in order.tolist()]
        if progress is not None:
            progress((c + 1) / len(chunks))
    if pend_lines:
        writer.write(pend_lines)
