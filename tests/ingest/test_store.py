from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from ingest.records import exchange
from stillwatch.errors import StillwatchError
from stillwatch.ingest.columns import rows_to_batch
from stillwatch.ingest.normalize import normalize_row
from stillwatch.ingest.store import Store, Written, _first_in_batch
from stillwatch.types import EXCHANGE_COLUMNS


def _batch(*ids: str, **changes: object) -> pa.RecordBatch:
    return rows_to_batch([normalize_row(exchange(id=i, **changes), f"f:{n}") for n, i in enumerate(ids, 1)])


def test_table_has_the_exchange_columns(db: Path) -> None:
    with Store(db) as store:
        assert store.columns() == [] and store.count() == 0
        store.write(_batch("a"))
        assert store.columns() == list(EXCHANGE_COLUMNS)


def test_ids_are_written_once_across_batches_and_sessions(db: Path) -> None:
    with Store(db) as store:
        assert store.write(_batch("a", "b", "a", "c")) == Written(3, 1)
        assert store.write(_batch("c", "d")) == Written(1, 1)
    with Store(db) as store:
        assert store.write(_batch("a", "e")) == Written(1, 1)
        assert store.count() == 5
        rows = store.connection.execute("SELECT id, source FROM exchanges ORDER BY id").fetchall()
    assert rows[0] == ("a", "f:1")  # the first of the repeated ids won


def test_hash_collisions_are_told_apart_by_id() -> None:
    batch = _batch("a", "b", "a", "c")
    same = np.array([7, 7, 7, 9], dtype=np.uint64)  # pretend a, b and a share a hash
    assert _first_in_batch(batch, same).tolist() == [True, True, False, True]


def test_a_stored_hash_is_confirmed_against_the_table(db: Path) -> None:
    with Store(db) as store:
        store.write(_batch("a"))
        assert store._ids is not None
        fake = store._query("SELECT hash(id) AS h FROM {0}", pa.table({"id": ["zz"]}))["h"]
        store._ids.add(fake)  # "zz" now looks stored, but is not
        assert store.write(_batch("zz")) == Written(1, 0)


def test_new_signal_columns_are_added(db: Path) -> None:
    with Store(db) as store:
        store.write(_batch("a"))
        extra = _batch("b")
        extra = extra.append_column(pa.field("late_signal", pa.float32()), pa.array([0.5], pa.float32()))
        store.write(extra)
        assert store.columns()[-1] == "late_signal"
        store.write(_batch("c"))  # a batch without it still fits
        got = store.connection.execute("SELECT id, late_signal FROM exchanges ORDER BY id").fetchall()
    assert got == [("a", None), ("b", 0.5), ("c", None)]


def test_rows_commit_in_groups_and_on_close(db: Path) -> None:
    store = Store(db, commit_rows=2)
    store.write(_batch("a", "b", "c"))  # over the limit: committed
    store.write(_batch("d"))  # pending
    store.connection.close()  # a crash: the pending transaction is lost, nothing else
    with Store(db) as store:
        assert store.count() == 3
        store.write(_batch("d"))
    with Store(db, read_only=True) as reader:  # close committed it
        assert reader.count() == 4


def test_unopenable_database_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "not.duckdb"
    bad.write_text("this is not a database")
    with pytest.raises(StillwatchError, match="cannot open database"):
        Store(bad)


def test_scans_run_under_a_memory_limit_and_spill_beside_the_store(db: Path) -> None:
    with Store(db) as store:
        store.write(_batch("a", "b"))
        con = store.connection
        before = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        with store.scanning("300MB"):
            limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
            spill = con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
            assert store.count() == 2
        after = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert limit.startswith("286") and after == before  # 300 MB is 286 MiB
    assert spill == f"{db}.tmp"


def test_a_read_only_store_spills_to_a_temporary_folder_it_removes(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.write(_batch("e1"))
    reader = Store(db, read_only=True)
    spill = Path(reader.connection.execute("SELECT current_setting('temp_directory')").fetchall()[0][0])
    assert spill.is_dir() and tmp_path not in spill.parents
    reader.close()
    assert not spill.exists()
