"""``stillwatch import``: a peer's STIX indicators become evidence in the store.

The next scan (and the gateway) turn matches into ``peer_indicator`` reasons; nothing here
changes a verdict.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click
import duckdb

from stillwatch.errors import StillwatchError
from stillwatch.intel.peer import TABLE, read_bundle, store_indicators

DEFAULT_DB = Path("stillwatch.duckdb")


@click.command(help="Store a peer's STIX 2.1 indicators as evidence for the next scan.")
@click.option("--stix", "bundle", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The peer's bundle (JSON).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=f"DuckDB store to add them to (default: ./{DEFAULT_DB} if it exists).")
def command(bundle: Path, db: Path | None) -> None:
    if db is None:
        if not DEFAULT_DB.exists():
            raise click.UsageError(f"name the store with --db (no ./{DEFAULT_DB} here)")
        db = DEFAULT_DB
    indicators = read_bundle(bundle)
    try:
        con = duckdb.connect(str(db))
    except duckdb.Error as exc:
        raise StillwatchError(f"{db}: cannot open the store ({exc})") from None
    try:
        n = store_indicators(con, indicators)
    finally:
        con.close()
    kinds = Counter(i.kind for i in indicators)
    peers = sorted({i.peer_name for i in indicators})
    what = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "nothing matchable"
    click.echo(f"imported {n} indicator values from {', '.join(peers) or bundle} into {db} ({TABLE}): {what}")
