"""Exchange-log ingestion: log files in, normalised and annotated rows in DuckDB out.

Modules, in the order a record passes through them: ``reader`` (files, compression,
Parquet, chunks of whole lines), ``adapters`` (LiteLLM and OTLP rewritten as exchange v1),
``normalize`` (the one check of exchange v1, and the per-record entry point the gateway
uses), ``chunks`` (a chunk of exchange lines to rows), ``tokens`` (the token estimator),
``columns`` (rows to Arrow batches), ``writer`` and ``store`` (signals, dedupe, DuckDB),
``rejects``, and ``pipeline`` tying them together (with ``files``, which reads each file, and
``run``, which holds what the files of one run share). ``helper`` runs work in processes of its
own: the signals (``signal_process``) and, on larger machines, parsing (``parse_process``).
"""

from stillwatch.ingest.normalize import normalize_record
from stillwatch.ingest.pipeline import FileSummary, IngestSummary, ingest_paths
from stillwatch.ingest.store import Store

__all__ = ["FileSummary", "IngestSummary", "Store", "ingest_paths", "normalize_record"]
