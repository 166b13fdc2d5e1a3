"""The simulation run: build every group's accounts, then walk the window chunk by chunk.

Each chunk (an hour) asks every group how many sessions its accounts start, builds those
sessions' exchanges, sorts what falls inside the chunk by time and streams it to disk;
exchanges of sessions that run past the chunk's end wait for the next one. Memory therefore
grows with accounts and with one chunk's traffic, never with the length of the log.
Every random number comes from numpy Generators seeded from ``seed`` and fixed indices
(group, chunk), so the same arguments give byte-identical files.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import orjson

from stillwatch.errors import ConfigError
from stillwatch.simulate import identity
from stillwatch.simulate._draws import Draws
from stillwatch.simulate.actors import DAY, build_group, build_pools
from stillwatch.simulate.identity import Addresses
from stillwatch.simulate.output import LogWriter, rfc3339_ms
from stillwatch.simulate.prompts import PromptBank, default_corpus_dir
from stillwatch.simulate.replies import Replies
from stillwatch.simulate.run_context import GroupRun
from stillwatch.simulate.scenario import Scenario, load_scenario
from stillwatch.simulate.sessions import mean_length, session
from stillwatch.simulate.summary import SimulationSummary, Tally
from stillwatch.simulate.text import TextBank
from stillwatch.simulate.timing import Schedule
from stillwatch.simulate.wrappers import Wrappers

CHUNK_S = 3600.0
_TASK_BITS = 6  # records carry (account << _TASK_BITS | task) for the tallies


def simulate(
    out_dir: str | Path,
    scenario: str | Path | Scenario = "reported-2026",
    *,
    scale: float = 0.01,
    seed: int = 0,
    corpus: str | Path | None = None,
    days: int | None = None,
    fmt: str = "jsonl",
    progress: Callable[[float], None] | None = None,
) -> SimulationSummary:
    """Write ``log.jsonl`` (or ``log.parquet``), ``labels.jsonl``, ``authorized.txt`` and
    ``summary.json`` into ``out_dir`` and return the summary."""
    began = time.perf_counter()
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if scale <= 0:
        raise ConfigError("scale must be positive")
    if fmt not in ("jsonl", "parquet"):
        raise ConfigError(f"format must be jsonl or parquet, not {fmt!r}")
    n_days = sc.days if days is None else int(days)
    if n_days < 1:
        raise ConfigError("days must be at least 1")
    if any(len(g.tasks) >= 1 << _TASK_BITS for g in sc.groups):
        raise ConfigError(f"a group may have at most {(1 << _TASK_BITS) - 1} tasks")
    corpus_dir = Path(corpus) if corpus is not None else default_corpus_dir()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    bank = PromptBank(corpus_dir, seed)
    wrappers = Wrappers(sc.wrappers)
    replies = Replies(TextBank(np.random.default_rng([seed, 3])))
    addresses = Addresses()
    pools = build_pools(sc, scale, np.random.default_rng([seed, 2]), addresses)
    window = (sc.start, sc.start + n_days * DAY)
    runs: list[GroupRun] = []
    for gi, g in enumerate(sc.groups):
        rng = np.random.default_rng([seed, 1, gi])
        actors = build_group(g, sc, scale=scale, days=n_days, rng=rng, addresses=addresses, pools=pools)
        runs.append(GroupRun(actors, sc, bank, wrappers, replies, rng))
    schedules = [Schedule(r.actors, window, CHUNK_S, np.random.default_rng([seed, 6, gi]))
                 for gi, r in enumerate(runs)]
    mean_len = [mean_length(r) for r in runs]
    offsets = np.cumsum([0] + [r.actors.n for r in runs]).tolist()
    tally = Tally(runs, offsets, _TASK_BITS)

    writer = LogWriter(out, fmt)
    pend_t: list[float] = []
    pend_r: list[dict[str, object]] = []
    pend_k: list[int] = []
    chunks = np.arange(window[0], window[1], CHUNK_S).tolist()
    d = Draws(np.random.default_rng([seed, 7]))  # per-record choices, consumed in a fixed order
    try:
        for c, t0 in enumerate(chunks):
            t1 = min(t0 + CHUNK_S, window[1])
            out_t, out_r, out_k = pend_t, pend_r, pend_k
            for gi, run in enumerate(runs):
                rng = np.random.default_rng([seed, 4, c, gi])
                counts = schedules[gi].sessions(t0, t1, mean_len[gi], rng)
                accts = np.repeat(np.arange(run.actors.n), counts)
                if len(accts) == 0:
                    continue
                starts = schedules[gi].starts(t0, t1, len(accts), rng)
                tasks = run.task_indices(len(accts), rng)
                base = offsets[gi]
                for a, t, k in zip(accts.tolist(), starts.tolist(), tasks.tolist(), strict=True):
                    before = len(out_r)
                    session(run, replies, addresses, a, k, t, d, out_t, out_r)
                    out_k.extend([((base + a) << _TASK_BITS) | k] * (len(out_r) - before))
            last = c == len(chunks) - 1
            pend_t, pend_r, pend_k = _flush(writer, tally, out_t, out_r, out_k, t1, last,
                                            np.random.default_rng([seed, 5, c]))
            if progress is not None:
                progress((c + 1) / len(chunks))
    finally:
        writer.close()

    files = [writer.path.name, "labels.jsonl", "authorized.txt", "summary.json"]
    labels, authorized = tally.labels()
    (out / "labels.jsonl").write_bytes(b"".join(orjson.dumps(x, option=orjson.OPT_APPEND_NEWLINE) for x in labels))
    (out / "authorized.txt").write_text("".join(f"{x}\n" for x in authorized), encoding="utf-8")
    summary = tally.summary(
        out_dir=str(out), scenario=sc.name, seed=seed, scale=scale, days=n_days, format=fmt, files=files,
        corpus=str(corpus_dir) if corpus_dir else None, corpus_sources=sorted(bank.from_corpus),
        seconds=time.perf_counter() - began,
    )
    (out / "summary.json").write_bytes(orjson.dumps(summary.to_json(), option=orjson.OPT_INDENT_2) + b"\n")
    return summary


def _flush(writer: LogWriter, tally: Tally, out_t: list[float], out_r: list[dict[str, object]],
           out_k: list[int], t1: float, last: bool, rng: np.random.Generator
           ) -> tuple[list[float], list[dict[str, object]], list[int]]:
    """Write what falls before ``t1`` in time order; return the rest for the next chunk."""
    if not out_r:
        return [], [], []
    times = np.asarray(out_t)
    order = np.argsort(times, kind="stable")
    # Later exchanges wait for their chunk; past the window's end they are dropped.
    cut = int(np.searchsorted(times[order], t1, side="left"))
    now, later = order[:cut], order[cut:]
    recs = [out_r[i] for i in now.tolist()]
    keys = np.asarray(out_k, dtype=np.int64)[now]
    ids = identity.opaque_ids(rng, len(recs), "ex_", 12)
    stamps = rfc3339_ms(times[now])
    for rec, i, s in zip(recs, ids, stamps, strict=True):
        rec["id"] = i
        rec["time"] = s
    writer.write(recs, times[now])
    tally.add(keys, recs)
    if last:
        return [], [], []
    rest = later.tolist()
    return [out_t[i] for i in rest], [out_r[i] for i in rest], [out_k[i] for i in rest]
