"""The embedded store: one DuckDB file holding the ``exchanges`` table.

Columns are ``EXCHANGE_SCHEMA`` then whatever signal columns ``signals.annotate`` adds; a
signal registered after the table was made gets its column on the next write, and a column
no longer produced is left null. Writes are idempotent by exchange id: an id already
stored, or repeated within the batch, is counted as a duplicate and dropped (the first one
wins). ``ids.py`` says why dedupe is a hash index rather than a DuckDB key.

Rows are committed in transactions of ``commit_rows`` and whenever ``commit`` or ``close``
is called (ingest commits at the end of every file, a damaged one too), so a crash loses
at most the last uncommitted rows and never leaves half a row. Transactions are short
because DuckDB keeps each inserted Arrow batch alive until the commit: at 65,536 rows a
transaction held 200 MB of Arrow buffers, at one row group's worth about 50 MB, with no
loss of speed. The file is attached with row groups of ``ROW_GROUP_ROWS``: DuckDB writes
a transaction's full row groups straight to the file, and at ~3 KB an exchange its default
(122,880 rows) held over 1 GB in memory. The bulky text columns (``ZSTD_COLUMNS``) are
stored with zstd: DuckDB's default choice for them was FSST or none, and zstd made a
simulated log's store about a quarter the size while inserting no slower.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

import duckdb
import numpy as np
import pyarrow as pa

from stillwatch.errors import StillwatchError
from stillwatch.ingest.ids import HashRuns

TABLE = "exchanges"
ROW_GROUP_ROWS = 16_384
COMMIT_ROWS = 16_384
_REQUIRED = ("id", "time", "account", "model")
#: Columns kept whole for evidence and rarely scanned: stored with zstd compression.
ZSTD_COLUMNS = frozenset({"messages", "response", "reasoning"})
_INPUT = "_stillwatch_input"


class Written(NamedTuple):
    inserted: int
    duplicates: int


class Store:
    """A DuckDB database file with the ``exchanges`` table; a context manager.

    Parameters
    ----------
    path:
        The database file, created when absent (``":memory:"`` for a throwaway store).
    read_only:
        Open without write access (other processes may read at the same time).
    commit_rows:
        Rows written per transaction.

    Examples
    --------
    >>> from stillwatch.ingest.columns import rows_to_batch
    >>> from stillwatch.ingest.normalize import normalize_row
    >>> rows = [normalize_row({"id": i, "time": 0, "account": "k", "model": "m",
    ...     "messages": []}, "f:1") for i in ("a", "b", "a")]
    >>> with Store(":memory:") as store:
    ...     store.write(rows_to_batch(rows)), store.write(rows_to_batch(rows[:1])), store.count()
    (Written(inserted=2, duplicates=1), Written(inserted=0, duplicates=1), 2)
    """

    def __init__(self, path: str | Path = "stillwatch.duckdb", *, read_only: bool = False, commit_rows: int = COMMIT_ROWS) -> None:
        self.path = str(path)
        self.commit_rows = commit_rows
        self._spill: tempfile.TemporaryDirectory[str] | None = None
        options = "READ_ONLY" if read_only else f"ROW_GROUP_SIZE {ROW_GROUP_ROWS}"
        quoted = self.path.replace("'", "''")
        try:
            self.connection = duckdb.connect()
            self.connection.execute("SET enable_progress_bar = false")
            # Where queries larger than memory spill; DuckDB fixes it at first use. A reader
            # may not write beside the store, and DuckDB's default is the working directory.
            if read_only:
                self._spill = spill_to_temporary(self.connection)
            elif self.path != ":memory:":
                _spill_to(self.connection, f"{self.path}.tmp")
            self.connection.execute(f"ATTACH '{quoted}' AS store ({options})")
            self.connection.execute("USE store")
        except duckdb.Error as exc:
            raise StillwatchError(f"cannot open database {self.path}: {exc}") from None
        self._ids: HashRuns | None = None
        self._columns: set[str] | None = None
        self._uncommitted = 0

    # -- reading -------------------------------------------------------------------------

    def has_table(self) -> bool:
        # fetchall, not fetchone: DuckDB wants a result finished before the next statement.
        found = self.connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_catalog = current_database() "
            "AND table_schema = current_schema() AND table_name = ?",
            [TABLE],
        ).fetchall()
        return bool(found[0][0])

    def columns(self) -> list[str]:
        """Names of the stored columns, in table order ([] before the first write)."""
        if not self.has_table():
            return []
        return [row[0] for row in self.connection.execute(f"DESCRIBE {TABLE}").fetchall()]

    def count(self) -> int:
        """Exchanges stored."""
        if not self.has_table():
            return 0
        return int(self.connection.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0])

    # -- writing -------------------------------------------------------------------------

    @contextmanager
    def bulk(self, memory_limit: str = "128MB") -> Iterator[None]:
        """Settings for a long write: leave a core to the thread feeding DuckDB and keep
        its buffers small; both are put back afterwards. (With 256 MB, the resident memory
        of an ingest grew by about 16 bytes an exchange besides the id index; with 128 MB by
        about 6, and no slower.)"""
        con = self.connection
        con.execute(f"SET threads = {max(1, (os.cpu_count() or 2) - 1)}")
        con.execute(f"SET memory_limit = '{memory_limit}'")
        try:
            yield
        finally:
            con.execute("RESET threads")
            con.execute("RESET memory_limit")

    @contextmanager
    def scanning(self, memory_limit: str = "1GB") -> Iterator[None]:
        """Settings for the scan's queries: at most ``memory_limit``, spilling the rest to
        ``<store>.tmp`` (a temporary folder when read-only), and no promise of row order,
        which lets aggregates stream."""
        con = self.connection
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute("SET preserve_insertion_order = false")
        try:
            yield
        finally:
            for name in ("memory_limit", "preserve_insertion_order"):
                con.execute(f"RESET {name}")

    def write(self, batch: pa.RecordBatch | pa.Table) -> Written:
        """Store the rows whose ids are new; committed every ``commit_rows`` rows."""
        if batch.num_rows == 0:
            return Written(0, 0)
        try:
            return self._write(batch)
        except duckdb.Error as exc:
            self._abort()
            raise StillwatchError(f"cannot write to {self.path}: {exc}") from None

    def commit(self) -> None:
        """Make every row written so far durable."""
        if self._uncommitted:
            self._uncommitted = 0
            try:
                self.connection.execute("COMMIT")
            except duckdb.Error as exc:
                raise StillwatchError(f"cannot commit to {self.path}: {exc}") from None

    def _abort(self) -> None:
        if self._uncommitted:
            self._uncommitted = 0
            try:
                self.connection.execute("ROLLBACK")
            except duckdb.Error:
                pass  # the transaction is already gone

    def _write(self, batch: pa.RecordBatch | pa.Table) -> Written:
        self._prepare(batch.schema)
        assert self._ids is not None
        if self._uncommitted == 0:
            self.connection.execute("BEGIN TRANSACTION")
            self._uncommitted = 1  # marks the open transaction until rows are counted
        hashes = self._query("SELECT hash(id) AS h FROM {0}", batch)["h"]
        keep = _first_in_batch(batch, hashes)
        maybe = keep & self._ids.contains(hashes)
        if maybe.any():
            keep &= ~self._stored(batch, maybe)
        kept = int(keep.sum())
        if kept:
            fresh = batch.filter(pa.array(keep)) if kept < batch.num_rows else batch
            self._query(f"INSERT INTO {TABLE} BY NAME SELECT * FROM {{0}}", fresh)
            self._ids.add(hashes[keep])
        self._uncommitted += batch.num_rows
        if self._uncommitted > self.commit_rows:
            self.commit()
        return Written(kept, batch.num_rows - kept)

    def _stored(self, batch: pa.RecordBatch | pa.Table, maybe: np.ndarray) -> np.ndarray:
        """Which of the rows flagged ``maybe`` (hash seen before) really have a stored id."""
        candidates = pa.table({"id": batch.column("id").filter(pa.array(maybe))})
        found = self._query(f"SELECT id FROM {TABLE} WHERE id IN (SELECT id FROM {{0}})", candidates)["id"]
        known = set(found.tolist())
        ids = batch.column("id").to_pylist()
        return np.fromiter((bool(m) and ids[i] in known for i, m in enumerate(maybe)), dtype=bool, count=len(ids))

    def _prepare(self, schema: pa.Schema) -> None:
        con = self.connection
        if self._columns is None:
            if not self.has_table():
                self._create(schema)
            self._columns = set(self.columns())
            self._ids = HashRuns()
            self._ids.add(con.execute(f"SELECT hash(id) AS h FROM {TABLE}").fetchnumpy()["h"])
        missing = [name for name in schema.names if name not in self._columns]
        if missing:
            # A signal registered since the table was made: add its columns.
            described = self._query("DESCRIBE SELECT * FROM {0}", schema.empty_table())
            for name, kind in zip(described["column_name"], described["column_type"], strict=True):
                if name in missing:
                    con.execute(f'ALTER TABLE {TABLE} ADD COLUMN "{name}" {kind}')
            self._columns.update(missing)

    def _create(self, schema: pa.Schema) -> None:
        # DuckDB's own names for the Arrow types, so the columns are typed as a
        # CREATE TABLE AS would type them; only the compression of some is chosen here.
        described = self._query("DESCRIBE SELECT * FROM {0}", schema.empty_table())
        columns = []
        for name, kind in zip(described["column_name"], described["column_type"], strict=True):
            required = " NOT NULL" if name in _REQUIRED else ""
            packed = " USING COMPRESSION zstd" if name in ZSTD_COLUMNS else ""
            quoted = name.replace('"', '""')
            columns.append(f'"{quoted}" {kind}{required}{packed}')
        self.connection.execute(f"CREATE TABLE {TABLE} ({', '.join(columns)})")

    def _query(self, sql: str, data: pa.RecordBatch | pa.Table) -> dict[str, Any]:
        """Run ``sql`` with ``{0}`` naming ``data``; the result's columns as numpy arrays.

        The data is registered explicitly: DuckDB's own lookup of Python variables by name
        depends on the caller's frame.
        """
        self.connection.register(_INPUT, data)
        try:
            result = self.connection.execute(sql.format(_INPUT))
            return result.fetchnumpy() if result.description else {}
        finally:
            self.connection.unregister(_INPUT)

    # -- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        """Commit what was written and close the database."""
        try:
            self.commit()
        finally:
            self.connection.close()
            if self._spill is not None:
                self._spill.cleanup()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None:
            self._abort_quietly()
        self.close()

    def _abort_quietly(self) -> None:
        # Leaving on an error: keep what was written (commit), but never mask the error.
        try:
            self.commit()
        except StillwatchError:
            self._abort()


def spill_to_temporary(con: duckdb.DuckDBPyConnection) -> tempfile.TemporaryDirectory[str]:
    """Send ``con``'s spill files to a new temporary folder; the caller cleans it up."""
    folder = tempfile.TemporaryDirectory(prefix="stillwatch-spill-")
    _spill_to(con, folder.name)
    return folder


def _spill_to(con: duckdb.DuckDBPyConnection, folder: str) -> None:
    quoted = folder.replace("'", "''")
    con.execute(f"SET temp_directory = '{quoted}'")


def _first_in_batch(batch: pa.RecordBatch | pa.Table, hashes: np.ndarray) -> np.ndarray:
    """Mask of the first row for each id in the batch."""
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    first = np.ones(len(hashes), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    keep = np.zeros(len(hashes), dtype=bool)
    keep[order[first]] = True
    if not first.all():
        # Equal hashes are nearly always equal ids; compare the ids to be exact.
        ids = batch.column("id").to_pylist()
        groups = {int(hashes[i]): {ids[i]} for i in order[first]}
        for i in order[~first]:  # stable order: earlier rows come first
            group = groups[int(hashes[i])]
            if ids[i] not in group:
                group.add(ids[i])
                keep[i] = True
    return keep
