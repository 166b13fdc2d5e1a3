"""Throughput of the per-exchange signals on realistic mixes built from the corpora.

    .venv/bin/python bench/signals/run.py [--rows 200000] [--batch 8192] [--corpus DIR]

Mixes (rows are exchanges, texts come from ``../shared/corpora``):

* ``repeats``: 60% of prompts drawn (Zipf-like) from a pool of 3,000 corpus prompts, 40%
  made unique by re-filling the digits of a corpus prompt (templated campaign traffic);
  system prompts from a pool of 40, absent on a third of rows; tools on agentic rows.
* ``unique``: every prompt distinct (worst case for deduplication).

For each mix it prints rows/s per signal and for all signals together, with the normal
per-batch deduplication and with deduplication disabled (every row computed), and the
same-run baseline: orjson parsing the same rows as JSON lines. Last, it compares the
near-duplicate sketcher with datasketch's MinHash on the same shingles. ``ratio`` is signal time
over orjson time. Times are the best of three runs; one thread, except the last line
(all signals on each batch over a pool of two threads). Batches are the size ingest
makes them (8,192 rows by default).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from stillwatch.signals import registered
from stillwatch.signals._corpus import CorpusRecord, read_all
from stillwatch.signals._text import Distinct
from stillwatch.signals.train import CORPORA
from stillwatch.types import EXCHANGE_SCHEMA

INPUTS = ("prompt_text", "system_text", "tools", "n_tool", "n_images")


def _refill(text: str, rng: random.Random) -> str:
    out = "".join(str(rng.randint(0, 9)) if ch.isdigit() else ch for ch in text)
    return out if out != text else f"{text} ({rng.randint(0, 10**9)})"


def build_rows(records: list[CorpusRecord], n: int, mix: str, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    pool = rng.sample(records, min(3000, len(records)))
    weights = 1.0 / np.arange(1, len(pool) + 1) ** 0.8
    picks = rng.choices(range(len(pool)), weights=weights.tolist(), k=n)
    systems = [r.system for r in records if r.system][:20] + [f"You are assistant #{i}. Be concise." for i in range(20)]
    rows = []
    for i in range(n):
        rec = pool[picks[i]]
        if mix == "unique" or rng.random() < 0.4:
            rec = rng.choice(records)
            prompt = f"{_refill(rec.text, rng)} [{i}]" if mix == "unique" else _refill(rec.text, rng)
        else:
            prompt = rec.text
        rows.append({
            "prompt_text": prompt,
            "system_text": rec.system or (rng.choice(systems) if rng.random() < 0.66 else None),
            "tools": list(rec.tools) or None,
            "n_tool": 0,
            "n_images": 1 if rng.random() < 0.02 else 0,
        })
    return rows


def batches(rows: list[dict[str, Any]], size: int) -> list[pa.RecordBatch]:
    schema = pa.schema([EXCHANGE_SCHEMA.field(c) for c in INPUTS])
    return [pa.RecordBatch.from_pylist(rows[i : i + size], schema=schema) for i in range(0, len(rows), size)]


@contextmanager
def no_dedup() -> Iterator[None]:
    """Make every signal compute every row: Distinct becomes the identity mapping."""
    original = Distinct.__dict__["of"]

    def identity(cls: type[Distinct], arr: pa.Array) -> Distinct:
        valid = np.asarray(arr.is_valid())
        index = np.full(len(arr), -1, dtype=np.int64)
        index[valid] = np.arange(int(valid.sum()))
        return cls(arr.filter(pa.array(valid)), index)

    Distinct.of = classmethod(identity)  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        Distinct.of = original  # type: ignore[method-assign]


def time_signals(parts: list[pa.RecordBatch], repeat: int = 3) -> dict[str, float]:
    """Best of ``repeat`` wall times per signal (the machine is shared and noisy)."""
    out: dict[str, float] = {}
    for cls in registered():
        sig = cls()
        sig.score_batch(parts[0].slice(0, 10))  # load models outside the timing
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            for b in parts:
                sig.score_batch(b)
            best = min(best, time.perf_counter() - t)
        out[cls.name] = best
    out["all"] = sum(out.values())
    return out


def time_threaded(parts: list[pa.RecordBatch], threads: int = 2, repeat: int = 3) -> float:
    """All signals on each batch, spread over a thread pool (numpy and Arrow release the GIL)."""
    sigs = [cls() for cls in registered()]
    best = float("inf")
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(repeat):
            t = time.perf_counter()
            for b in parts:
                list(pool.map(lambda s, b=b: s.score_batch(b), sigs))
            best = min(best, time.perf_counter() - t)
    return best


def time_orjson(rows: list[dict[str, Any]]) -> float:
    lines = [orjson.dumps({"id": str(i), "account": "a", "model": "m", "time": 0,
                           "messages": [{"role": "system", "content": r["system_text"] or ""},
                                        {"role": "user", "content": r["prompt_text"]}]})
             for i, r in enumerate(rows)]
    t = time.perf_counter()
    for line in lines:
        orjson.loads(line)
    return time.perf_counter() - t


def time_datasketch(texts: list[str]) -> tuple[float, float]:
    """Seconds to sketch ``texts`` with datasketch's MinHash (96 permutations, same
    shingles: byte 5-grams of the lowercased, whitespace-collapsed first 2,048 chars) and
    with ours; the choice of one-permutation hashing rests on this comparison."""
    from datasketch import MinHash

    from stillwatch.signals.neardup import band_matrix

    t = time.perf_counter()
    for text in texts:
        b = " ".join(text[:2048].lower().split()).encode()
        m = MinHash(num_perm=96, seed=1)
        m.update_batch([b[i : i + 5] for i in range(max(len(b) - 4, 1))])
    ours = time.perf_counter()
    band_matrix(pa.array(texts))
    return ours - t, time.perf_counter() - ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=8192)
    shared = Path(os.environ.get("STILLWATCH_SHARED", Path(__file__).resolve().parents[3] / "shared"))
    parser.add_argument("--corpus", type=Path, default=shared / "corpora")
    args = parser.parse_args()
    corpus = read_all(args.corpus, CORPORA)
    if not corpus:
        raise SystemExit(f"no corpora under {args.corpus}")
    records = [r for rs in corpus.values() for r in rs]
    print(f"signals bench: {args.rows:,} rows per mix, batches of {args.batch:,}, one process\n")
    for mix in ("repeats", "unique"):
        rows = build_rows(records, args.rows, mix)
        parts = batches(rows, args.batch)
        distinct = len({r["prompt_text"] for r in rows})
        mb = sum(len(r["prompt_text"].encode()) for r in rows) / 1e6
        base = time_orjson(rows)
        with_dedup = time_signals(parts)
        with no_dedup():
            without = time_signals(parts)
        print(f"mix={mix}: {distinct:,} distinct prompts, {mb:.0f} MB of prompt text; "
              f"orjson baseline {args.rows / base:,.0f} rows/s")
        print(f"  {'signal':<12}{'dedup rows/s':>14}{'ratio':>8}{'no-dedup rows/s':>18}{'ratio':>8}")
        for name in with_dedup:
            print(f"  {name:<12}{args.rows / with_dedup[name]:>14,.0f}{with_dedup[name] / base:>8.1f}"
                  f"{args.rows / without[name]:>18,.0f}{without[name] / base:>8.1f}")
        threaded = time_threaded(parts)
        print(f"  {'all, 2 threads':<12}{args.rows / threaded:>12,.0f}{threaded / base:>8.1f}\n")
    sample = sorted({r.text for r in records})[:5000]
    theirs, ours = time_datasketch(sample)
    print(f"MinHash of {len(sample):,} distinct corpus prompts: datasketch {len(sample) / theirs:,.0f} texts/s, "
          f"stillwatch one-permutation {len(sample) / ours:,.0f} texts/s ({theirs / ours:.0f}x)")


if __name__ == "__main__":
    main()
