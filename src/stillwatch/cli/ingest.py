"""``stillwatch ingest``: read exchange logs into the embedded store."""

from __future__ import annotations

from pathlib import Path

import click

from stillwatch.cli._output import LimitedWarnings, print_json, progress_bar
from stillwatch.errors import StillwatchError
from stillwatch.ingest.adapters import FORMATS


@click.command("ingest")
@click.argument("logs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--db", default="stillwatch.duckdb", show_default=True, type=click.Path(dir_okay=False, path_type=Path), help="DuckDB database file to create or add to.")
@click.option("--format", "fmt", type=click.Choice(["auto", *FORMATS]), default="auto", show_default=True, help="Log format; auto detects it from each file's first good record.")
@click.option("--strict", is_flag=True, help="Stop with exit 1 at the first bad record.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@click.option("--batch-size", type=click.IntRange(min=1), default=2048, show_default=True, help="Records per Arrow batch.")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Processes parsing large exchange files (0: parse in this one). "
                   "Default: one per core but one, up to 8; none on two cores or fewer.")
def command(logs: tuple[Path, ...], db: Path, fmt: str, strict: bool, as_json: bool, batch_size: int,
            workers: int | None) -> None:  # fmt: skip
    """Read exchange logs (JSON Lines, .gz, .zst or Parquet; exchange v1, LiteLLM or OTLP)
    into a DuckDB file. Records already stored (same id) are skipped; bad records are
    reported and written to DB.rejects.jsonl.

    \b
    Example:
      stillwatch ingest traffic-*.jsonl.gz --db stillwatch.duckdb
    """
    from stillwatch.ingest import Store, ingest_paths

    warnings = LimitedWarnings()
    total = sum(path.stat().st_size for path in logs)
    try:
        with Store(db) as store, progress_bar(total, "ingest") as advance:
            summary = ingest_paths(
                logs, store, fmt=None if fmt == "auto" else fmt, strict=strict,
                progress=advance, batch_size=batch_size, on_reject=warnings, workers=workers,
            )  # fmt: skip
    except StillwatchError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        warnings.close(f"{db}.rejects.jsonl")
    if as_json:
        print_json(summary.to_json())
    else:
        for item in summary.files:
            state = f"  FAILED: {item.error}" if item.error else ""
            click.echo(f"{item.path} ({item.format or 'empty'}): {item.accepted} accepted, {item.rejected} rejected, {item.duplicates} duplicate{state}")
        rejects = f" (see {summary.rejects_file})" if summary.rejected else ""
        click.echo(
            f"total: {summary.accepted} accepted, {summary.rejected} rejected{rejects}, "
            f"{summary.duplicates} duplicate, in {summary.seconds:.1f}s -> {summary.db}"
        )
    for item in summary.failed:
        click.echo(f"error: {item.error}", err=True)
    if summary.failed:
        raise click.exceptions.Exit(1)
