from __future__ import annotations

import stillwatch.ingest as ingest


def test_exported_names_resolve_and_are_documented() -> None:
    assert ingest.__all__ == sorted(set(ingest.__all__))
    assert {"Store", "ingest_paths", "normalize_record", "IngestSummary"} <= set(ingest.__all__)
    for name in ingest.__all__:
        assert getattr(ingest, name).__doc__, name
