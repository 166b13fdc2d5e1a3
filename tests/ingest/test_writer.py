"""The writer's inserts: whole multiples of its insert size, in the order batches came."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from stillwatch.ingest.store import Written
from stillwatch.ingest.writer import BackgroundWriter


class _Recorder:
    """Stands in for the store: keeps the ids of each insert and counts the commits."""

    def __init__(self) -> None:
        self.inserts: list[list[int]] = []
        self.commits = 0

    def write(self, batch: pa.RecordBatch) -> Written:
        self.inserts.append(batch.column("n").to_pylist())
        return Written(batch.num_rows, 0)

    def commit(self) -> None:
        self.commits += 1


def _batch(start: int, n: int) -> pa.RecordBatch:
    return pa.record_batch({"n": list(range(start, start + n))})


def test_inserts_are_whole_multiples_of_the_insert_size_until_a_commit() -> None:
    store: Any = _Recorder()
    writer = BackgroundWriter(store, [], write_rows=400, signal_process=False)
    for start in range(0, 2100, 150):  # 14 batches of 150 rows
        writer.submit("file", _batch(start, 150))
    writer.commit()
    writer.submit("next", _batch(5000, 30))
    writer.close()
    assert [len(rows) for rows in store.inserts] == [400, 400, 400, 400, 400, 100, 30]
    assert [n for rows in store.inserts for n in rows] == [*range(2100), *range(5000, 5030)]
    assert writer.results == {"file": [2100, 0], "next": [30, 0]} and store.commits == 2
