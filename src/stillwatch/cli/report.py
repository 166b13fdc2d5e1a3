"""``stillwatch report``: the HTML campaign dossier for a results folder."""

from __future__ import annotations

from pathlib import Path

import click

from stillwatch.report import ReportOptions, write_report


@click.command(help="Write the HTML campaign report for a scan's results folder.")
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="HTML file to write (default: RESULTS_DIR/report.html).")
@click.option("--db", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="DuckDB store the scan read (default: the one summary.json names).")
@click.option("--price-per-mtok", type=click.FloatRange(min=0.0), default=10.0, show_default=True,
              help="Cost of serving a million output or reasoning tokens, for the cost estimate.")
@click.option("--currency", default="USD", show_default=True, help="Label for --price-per-mtok.")
@click.option("--redact", is_flag=True, help="Hide prompt text in example exchanges.")
def command(
    results_dir: Path,
    out: Path | None,
    db: Path | None,
    price_per_mtok: float,
    currency: str,
    redact: bool,
) -> None:
    options = ReportOptions(price_per_mtok=price_per_mtok, currency=currency, redact=redact)
    path = write_report(results_dir, out, options, db=db)
    click.echo(f"report: {path}")
