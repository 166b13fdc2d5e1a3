"""Column access, deduplication and UTF-8 byte views shared by the text signals.

Every text signal follows the same plan: read a string column (absent means all null),
collapse it to its distinct values, do the per-text work once per distinct value, and
spread the results back to the rows. Repeated prompts and, above all, repeated system
prompts then cost one computation however many rows carry them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from stillwatch.errors import StillwatchError


class BadColumn(StillwatchError):
    """A signal input column has a type the signal cannot read."""


def string_column(batch: pa.RecordBatch, name: str) -> pa.Array:
    """The named column as a ``string`` array; all null when the batch lacks it.

    Examples
    --------
    >>> b = pa.record_batch({"prompt_text": ["hi", None]})
    >>> string_column(b, "prompt_text").to_pylist()
    ['hi', None]
    >>> string_column(b, "system_text").null_count
    2
    """
    idx = batch.schema.get_field_index(name)
    if idx < 0:
        return pa.nulls(batch.num_rows, pa.string())
    col = batch.column(idx)
    if pa.types.is_string(col.type):
        return col
    if pa.types.is_large_string(col.type) or pa.types.is_string_view(col.type):
        return col.cast(pa.string())
    if pa.types.is_null(col.type):
        return pa.nulls(batch.num_rows, pa.string())
    raise BadColumn(f"column {name!r} has Arrow type {col.type}, expected string")


def int_column(batch: pa.RecordBatch, name: str) -> np.ndarray:
    """The named integer column as int64, nulls and absence read as 0."""
    idx = batch.schema.get_field_index(name)
    if idx < 0:
        return np.zeros(batch.num_rows, dtype=np.int64)
    col = batch.column(idx)
    if not (pa.types.is_integer(col.type) or pa.types.is_null(col.type)):
        raise BadColumn(f"column {name!r} has Arrow type {col.type}, expected integer")
    return np.asarray(pc.fill_null(col.cast(pa.int64()), 0), dtype=np.int64)


def list_column(batch: pa.RecordBatch, name: str) -> pa.Array:
    """The named ``list<string>`` column; all null when the batch lacks it."""
    idx = batch.schema.get_field_index(name)
    if idx < 0 or pa.types.is_null(batch.column(idx).type):
        return pa.nulls(batch.num_rows, pa.list_(pa.string()))
    col = batch.column(idx)
    if not (pa.types.is_list(col.type) or pa.types.is_large_list(col.type)):
        raise BadColumn(f"column {name!r} has Arrow type {col.type}, expected list<string>")
    return col


@dataclass(frozen=True, slots=True)
class Distinct:
    """A string column collapsed to its distinct non-null values.

    ``values[index[i]]`` is row ``i``'s text; ``index[i]`` is -1 where the row is null.
    """

    values: pa.Array
    index: np.ndarray

    @classmethod
    def of(cls, arr: pa.Array) -> Distinct:
        """Examples
        --------
        >>> d = Distinct.of(pa.array(["a", None, "b", "a"]))
        >>> d.values.to_pylist(), d.index.tolist()
        (['a', 'b'], [0, -1, 1, 0])
        """
        enc = pc.dictionary_encode(arr)
        index = np.asarray(pc.fill_null(enc.indices, -1), dtype=np.int64)
        return cls(enc.dictionary, index)

    def spread(self, per_value: np.ndarray, type_: pa.DataType) -> pa.Array:
        """Row-aligned Arrow array of ``per_value[index]``, null where the row was null."""
        if len(per_value) == 0:
            return pa.nulls(len(self.index), type_)
        taken = per_value[np.maximum(self.index, 0)]
        return pa.array(taken, type=type_, mask=self.index < 0)

    def map(self, fn: Callable[[pa.Array], np.ndarray], type_: pa.DataType) -> pa.Array:
        """Apply ``fn`` to the distinct values once and spread its result to the rows."""
        return self.spread(fn(self.values), type_)


def utf8_bytes(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Zero-copy view of a ``string`` array: its UTF-8 bytes and ``len + 1`` offsets.

    Offsets are rebased so that ``data[offsets[i]:offsets[i + 1]]`` is value ``i``.
    Null values read as empty.

    Examples
    --------
    >>> data, offs = utf8_bytes(pa.array(["ab", "", "é"]))
    >>> bytes(data).decode(), offs.tolist()
    ('abé', [0, 2, 2, 4])
    """
    n = len(arr)
    validity, offsets_buf, data_buf = arr.buffers()[:3]
    offs = np.frombuffer(offsets_buf, dtype=np.int32, count=n + 1, offset=arr.offset * 4)
    offs = offs.astype(np.int64)
    start, end = int(offs[0]), int(offs[-1])
    data = (
        np.frombuffer(data_buf, dtype=np.uint8, count=end - start, offset=start)
        if data_buf is not None and end > start
        else np.zeros(0, dtype=np.uint8)
    )
    return data, offs - start


_TAB, _FOUR, _BLANK = np.uint8(0x09), np.uint8(4), np.uint8(0x20)


def squeeze_spaces(data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Collapse each run of ASCII whitespace to one space, within each text.

    Works on the byte view of :func:`utf8_bytes` (a regex replace over the Arrow array
    costs several times more). Returns new bytes and offsets.

    Examples
    --------
    >>> data, offs = utf8_bytes(pa.array(["a \\n b", "  ", "c"]))
    >>> d, o = squeeze_spaces(data, offs)
    >>> bytes(d), o.tolist()
    (b'a b c', [0, 3, 4, 5])
    """
    if len(data) == 0:
        return data, offsets
    # ASCII whitespace is 0x09-0x0D and 0x20: two vector comparisons cost less than a
    # table lookup per byte.
    space = (data - _TAB) <= _FOUR  # uint8 arithmetic wraps, so bytes below 0x09 fail
    out = np.where(space, _BLANK, data)
    space |= data == _BLANK
    # A byte goes when it and the one before are both whitespace, unless it starts a
    # text (a run never continues across two texts).
    drop = np.empty(len(data), dtype=bool)
    drop[0] = False
    np.logical_and(space[1:], space[:-1], out=drop[1:])
    drop[offsets[:-1][offsets[:-1] < len(data)]] = False
    gone = np.flatnonzero(drop)
    if len(gone) == 0:
        return out, offsets
    # Few bytes go, so each text's new start is its old one less the drops before it.
    return np.delete(out, gone), offsets - np.searchsorted(gone, offsets)
