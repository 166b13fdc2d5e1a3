"""The simulation run: build every group's accounts, then walk the window chunk by chunk.

For each chunk (an hour, or less at large scales) the parent draws how many sessions each
account starts and when; the sessions' exchanges are then made, in this process or in worker
processes, as JSON lines sorted by time. Lines made in this process are written as they are;
a worker leaves its chunk's lines in a scratch slot file (``_spool``) and the parent copies
them into the log in the kernel. Exchanges of sessions that run past the chunk's end wait
for the next chunk. Memory (and scratch space) grows with accounts and with a few chunks'
traffic, never with the length of the log.

Every random number comes from numpy Generators seeded from ``seed`` and fixed indices
(group, chunk), and each chunk's exchanges depend only on its plan, so the same arguments
give byte-identical files whatever the number of workers.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import orjson

from stillwatch.errors import ConfigError
from stillwatch.simulate._draws import Draws
from stillwatch.simulate._spool import Spool, write_slot
from stillwatch.simulate.output import LogWriter
from stillwatch.simulate.prompts import default_corpus_dir
from stillwatch.simulate.scenario import Scenario, load_scenario
from stillwatch.simulate.sessions import Batch, session
from stillwatch.simulate.summary import SimulationSummary, Tally
from stillwatch.simulate.world import TASK_BITS, World

Plan = list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
_WORLD: World | None = None  # a worker process's own copy
# Scratch to reserve per exchange of an average chunk: lines average about 3 kB, and a busy
# hour holds a few times the average.
_SLOT_BYTES = 16_384


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
    The default is one process, which needs no scratch files and is safe in hosts with threads
    (workers are forked). Where the cores are free, use as many workers as cores: on the 2-vCPU
    development machine two workers wrote about 1.3-1.6 times as many exchanges per second as
    one; with another job already keeping both cores busy, the two did about the same.
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
            _merge(world, (_make(world, c, plan) for c, plan in world.plans()), writer, tally, None, progress)
        else:
            # The spool outlives the pool, so no worker is still writing when its folder goes.
            need = 2 * workers * _SLOT_BYTES * int(world.expected_exchanges() / len(world.chunks) + 1)
            with Spool(2 * workers, need=need) as spool, _pool(workers, world) as pool:
                _merge(world, _spooled(pool, world, spool, 2 * workers), writer, tally, spool, progress)
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


class Chunk(NamedTuple):
    """One chunk's exchanges as made: its own in time order, and those that fall after it."""

    times: np.ndarray  # times of the chunk's own exchanges, sorted
    lines: list[bytes] | None  # their lines, when made in this process
    ends: np.ndarray | None  # else the end offset of each line in spool slot ``slot``
    slot: int
    spill_t: np.ndarray  # exchanges of sessions still running at the chunk's end
    spill_lines: list[bytes]
    keys: np.ndarray
    out_tok: np.ndarray
    rsn_tok: np.ndarray


def _make(world: World, c: int, plan: Plan) -> Chunk:
    """Make one chunk's exchanges from its plan; depends on nothing but (world, c, plan)."""
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
    later = order[cut:]
    return Chunk(times[order[:cut]], [lines[i] for i in order[:cut].tolist()], None, -1,
                 times[later], [lines[i] for i in later.tolist()], np.asarray(out.keys, dtype=np.int64),
                 np.asarray(out.out, dtype=np.int64), np.asarray(out.rsn, dtype=np.int64))


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


def _work(c: int, plan: Plan, slot: int, path: str) -> Chunk:
    """In a worker: make the chunk and leave its own lines in the spool slot, sending back offsets."""
    assert _WORLD is not None, "worker not initialised"
    chunk = _make(_WORLD, c, plan)
    assert chunk.lines is not None
    return chunk._replace(lines=None, ends=write_slot(path, chunk.lines), slot=slot)


def _spooled(pool: Any, world: World, spool: Spool, window: int) -> Iterator[Chunk]:
    """Chunk results in order, with at most ``window`` chunks (and spool slots) in flight.

    The consumer gives a chunk's slot back before asking for the next chunk, so a slot is
    free whenever one is taken.
    """
    queue: deque[AsyncResult[Chunk]] = deque()
    for c, plan in world.plans():
        slot = spool.take()
        queue.append(pool.apply_async(_work, (c, plan, slot, spool.path(slot))))
        if len(queue) >= window:
            yield queue.popleft().get()
    while queue:
        yield queue.popleft().get()


def _merge(world: World, results: Iterable[Chunk], writer: LogWriter, tally: Tally, spool: Spool | None,
           progress: Callable[[float], None] | None) -> None:
    """Write each chunk's exchanges in time order, slotting in those carried from earlier chunks.

    A chunk arrives sorted; only the few exchanges of sessions that crossed a chunk boundary
    are placed one by one, so the parent's work per exchange stays small.
    """
    pend_t = np.zeros(0)
    pend_lines: list[bytes] = []
    chunks = world.chunks
    for c, ch in enumerate(results):
        tally.add(ch.keys, ch.out_tok, ch.rsn_tok)
        t1 = chunks[c + 1] if c + 1 < len(chunks) else np.inf
        due = int(np.searchsorted(pend_t, t1, side="left"))
        # Carried exchanges go before the chunk's own at equal times: they were made first.
        at = np.searchsorted(ch.times, pend_t[:due], side="left").tolist()
        if ch.lines is not None:
            writer.write(_interleave(ch.lines, at, pend_lines[:due]))
        else:
            assert spool is not None and ch.ends is not None
            ends = ch.ends.tolist()
            segments: list[bytes | tuple[int, int]] = []
            prev = 0
            for pos, line in zip(at, pend_lines[:due], strict=True):
                offset = ends[pos - 1] if pos > 0 else 0
                segments += ((prev, offset), line)
                prev = offset
            segments.append((prev, ends[-1] if ends else 0))
            writer.copy(spool.path(ch.slot), segments)
            spool.give_back(ch.slot)
        rest_t = np.concatenate([pend_t[due:], ch.spill_t])
        rest_lines = pend_lines[due:] + ch.spill_lines
        order = np.argsort(rest_t, kind="stable")
        pend_t = rest_t[order]
        pend_lines = [rest_lines[i] for i in order.tolist()]
        if progress is not None:
            progress((c + 1) / len(chunks))
    if pend_lines:
        writer.write(pend_lines)


def _interleave(lines: list[bytes], at: list[int], inserts: list[bytes]) -> list[bytes]:
    """``lines`` with ``inserts[i]`` placed before ``lines[at[i]]`` (``at`` ascending).

    >>> _interleave([b"a", b"b", b"c"], [0, 2, 3], [b"x", b"y", b"z"])
    [b'x', b'a', b'b', b'y', b'c', b'z']
    """
    if not inserts:
        return lines
    out: list[bytes] = []
    prev = 0
    for pos, line in zip(at, inserts, strict=True):
        out += lines[prev:pos]
        out.append(line)
        prev = pos
    out += lines[prev:]
    return out
