"""One parsed record of any supported format into stored rows.

Shared by the file pipeline (``ingest.pipeline``) and the Spark reader
(``stillwatch.spark.exchanges``), so both accept and reject exactly the same records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from stillwatch.errors import BadRecord
from stillwatch.ingest.adapters import ADAPTERS
from stillwatch.ingest.normalize import normalize_row


def record_rows(obj: Any, fmt: str, where: str) -> Iterator[tuple[Any, ...] | BadRecord]:
    """``normalize_row`` tuples of one record in format ``fmt``, or a BadRecord per item
    that cannot be stored (an OTLP export holds many spans; each stands or falls alone)."""
    items: Iterable[Any] = (obj,) if fmt == "exchange" else ADAPTERS[fmt].convert(obj, where)
    for item in items:
        if isinstance(item, BadRecord):
            yield item
            continue
        try:
            yield normalize_row(item, where)
        except BadRecord as error:
            yield error
