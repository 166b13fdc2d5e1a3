"""Adapters rewrite other log formats into exchange v1 records, one module each.

An adapter module has ``name``, ``detect(obj) -> bool`` (does this parsed record look like
my format?) and ``convert(obj, where) -> list[dict | BadRecord]`` (the exchange v1 records it
holds, or the reason each cannot be one). Its records then go through the same normaliser
as native exchange v1, so every check is made in one place. ``exchange`` itself needs no
adapter.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from stillwatch.ingest.adapters import litellm, otlp

#: Adapters by format name, in the order auto-detection tries them.
ADAPTERS: dict[str, ModuleType] = {"otlp": otlp, "litellm": litellm}
FORMATS: tuple[str, ...] = ("exchange", *ADAPTERS)


def detect(obj: Any) -> str:
    """The format of a parsed record: an adapter's name, else ``"exchange"``.

    >>> detect({"resourceSpans": []}), detect({"startTime": 1.0, "call_type": "completion"})
    ('otlp', 'litellm')
    >>> detect({"id": "e1"})
    'exchange'
    """
    for fmt, adapter in ADAPTERS.items():
        if adapter.detect(obj):
            return fmt
    return "exchange"
