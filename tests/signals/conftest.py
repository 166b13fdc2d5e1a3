"""Fixtures for the signal tests: corpus records and batches built from row dicts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from stillwatch.signals._corpus import CorpusRecord, read_all
from stillwatch.signals.train import CORPORA
from stillwatch.types import EXCHANGE_SCHEMA


def make_batch(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> pa.RecordBatch:
    """A batch typed like the stored row, holding ``columns`` (default: every key seen)."""
    names = list(columns) if columns is not None else sorted({k for r in rows for k in r})
    schema = pa.schema([EXCHANGE_SCHEMA.field(c) for c in names])
    return pa.RecordBatch.from_pylist([{c: r.get(c) for c in names} for r in rows], schema=schema)


@pytest.fixture(scope="session")
def corpus(corpus_dir: Path) -> dict[str, list[CorpusRecord]]:
    return read_all(corpus_dir, CORPORA)


@pytest.fixture(scope="session")
def batch_of() -> Any:
    """:func:`make_batch`, as a fixture so test modules need no import path tricks."""
    return make_batch
