"""Per-exchange signals, computed once at ingest and stored as columns.

A new signal is one new module in this package defining a concrete ``Signal`` subclass;
it is found by scanning the package. Outside packages register theirs under the
``stillwatch.signals`` entry-point group. Names must be unique.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from importlib.metadata import entry_points

import pyarrow as pa

from stillwatch.signals.base import Signal

__all__ = ["Signal", "annotate", "registered", "signal_fields"]


def _subclasses(cls: type[Signal]) -> list[type[Signal]]:
    found: list[type[Signal]] = []
    for sub in cls.__subclasses__():
        if not getattr(sub, "__abstractmethods__", None):
            found.append(sub)
        found.extend(_subclasses(sub))
    return found


@cache
def registered() -> tuple[type[Signal], ...]:
    """Every concrete Signal class: this package's modules, then entry points."""
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_") and info.name != "base":
            importlib.import_module(f"{__name__}.{info.name}")
    for ep in entry_points(group="stillwatch.signals"):
        ep.load()
    classes = sorted(_subclasses(Signal), key=lambda c: c.name)
    names = [c.name for c in classes]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise RuntimeError(f"duplicate signal names: {sorted(dupes)}")
    columns = [f.name for c in classes for f in c.fields]
    clashes = {n for n in columns if columns.count(n) > 1}
    if clashes:
        raise RuntimeError(f"signal columns defined twice: {sorted(clashes)}")
    return tuple(classes)


def signal_fields() -> list[pa.Field]:
    """The Arrow fields all registered signals add to the stored row."""
    return [f for cls in registered() for f in cls.fields]


def annotate(batch: pa.RecordBatch, signals: list[Signal] | None = None) -> pa.RecordBatch:
    """Append every signal's columns to a batch of normalised exchanges."""
    active = signals if signals is not None else [cls() for cls in registered()]
    arrays = list(batch.columns)
    fields = list(batch.schema)
    for sig in active:
        out = sig.score_batch(batch)
        for f in sig.fields:
            arrays.append(out[f.name])
            fields.append(f)
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))
