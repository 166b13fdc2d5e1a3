from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from stillwatch.ingest.ids import HashRuns

_batches = st.lists(st.lists(st.integers(0, 2**64 - 1), max_size=40), max_size=12)


@settings(max_examples=200, deadline=None)
@given(_batches, st.lists(st.integers(0, 2**64 - 1), max_size=40))
def test_same_answers_as_a_set(batches: list[list[int]], probe: list[int]) -> None:
    runs, seen = HashRuns(), set()
    for batch in batches:
        runs.add(np.array(batch, dtype=np.uint64))
        seen.update(batch)
    queries = probe + [h for b in batches for h in b[:2]]
    assert runs.contains(np.array(queries, dtype=np.uint64)).tolist() == [q in seen for q in queries]
    assert len(runs) <= sum(len(b) for b in batches)


def test_runs_stay_logarithmic() -> None:
    runs = HashRuns()
    for i in range(1000):
        runs.add(np.arange(i * 10, i * 10 + 10, dtype=np.uint64))
    assert len(runs._runs) <= 11 and len(runs) == 10_000 and runs.nbytes == 80_000


def test_runs_are_capped_so_no_merge_copies_the_whole_set(monkeypatch) -> None:
    monkeypatch.setattr("stillwatch.ingest.ids.MAX_RUN", 64)
    runs = HashRuns()
    runs.add(np.arange(1000, 1300, dtype=np.uint64)[::-1])  # one large add is split too
    for i in range(100):
        runs.add(np.arange(i * 10, i * 10 + 10, dtype=np.uint64))
    assert all(len(run) <= 64 for run in runs._runs)
    assert len(runs) == 1300 and len(runs._runs) <= 1300 // 32 + 8
    assert all((np.diff(run.astype(np.int64)) > 0).all() for run in runs._runs)
    assert runs.contains(np.array([0, 999, 1000, 1299, 1300], dtype=np.uint64)).tolist() == [True] * 4 + [False]
