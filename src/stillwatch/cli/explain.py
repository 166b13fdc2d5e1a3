"""``stillwatch explain``: the evidence for one account, in the terminal."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from stillwatch.report.exchanges import ExchangeStore
from stillwatch.report.explain import explain
from stillwatch.report.results import Results


@click.command(help="Show the evidence for one account: reasons, links, activity, prompts.")
@click.argument("account")
@click.option("--results", "results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Results folder written by `scan --out`.")
@click.option("--db", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="DuckDB store the scan read (default: the one summary.json names).")
@click.option("--redact", is_flag=True, help="Hide prompt text.")
def command(account: str, results_dir: Path, db: Path | None, redact: bool) -> None:
    results = Results.load(results_dir, db)
    with ExchangeStore(results.db) as store:
        Console().print(explain(results, store, account, redact=redact))
