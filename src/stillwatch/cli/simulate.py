"""``stillwatch simulate``: write a labelled exchange log with legitimate traffic and campaigns."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

from stillwatch.errors import StillwatchError


@click.command("simulate")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write log.jsonl (or log.parquet), labels.jsonl, authorized.txt, summary.json.")
@click.option("--scenario", default="reported-2026", show_default=True,
              help="A built-in scenario name or a path to a scenario TOML file.")
@click.option("--scale", default=0.01, show_default=True, type=float,
              help="Multiplies every volume: 1.0 is the reported campaign sizes (~24M exchanges).")
@click.option("--seed", default=0, show_default=True, type=int, help="Same seed and options, same files.")
@click.option("--corpus", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Folder of real prompt corpora (default: $STILLWATCH_SHARED/corpora or ../shared/corpora).")
@click.option("--days", type=click.IntRange(min=1), help="Length of the window (default: the scenario's).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "parquet"]), default="jsonl", show_default=True)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Processes making exchanges (output identical for any number).")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.option("--list", "list_only", is_flag=True, help="List the built-in scenarios and exit.")
def command(out_dir: Path | None, scenario: str, scale: float, seed: int, corpus: Path | None, days: int | None,
            fmt: str, workers: int, as_json: bool, list_only: bool) -> None:
    """Generate labelled API traffic: legitimate users, hard cases and distillation campaigns."""
    from stillwatch.simulate import builtin_scenarios, simulate

    if list_only:
        for name in builtin_scenarios():
            click.echo(name)
        return
    if out_dir is None:
        raise click.UsageError("Missing option '--out'.")
    if scale <= 0:
        raise click.BadParameter("must be positive", param_hint="--scale")
    try:
        summary = simulate(out_dir, scenario, scale=scale, seed=seed, corpus=corpus, days=days, fmt=fmt,
                           workers=workers)
    except StillwatchError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(orjson.dumps(summary.to_json(), option=orjson.OPT_INDENT_2).decode())
        return
    click.echo(f"wrote {summary.exchanges:,} exchanges from {summary.accounts:,} accounts to {out_dir} "
               f"in {summary.seconds:.1f}s ({summary.rate:,.0f}/s)")
    for kind, k in summary.kinds.items():
        click.echo(f"  {kind:<24} {k['label']:<10} {k['accounts']:>8,} accounts {k['exchanges']:>11,} exchanges")
