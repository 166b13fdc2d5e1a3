"""``stillwatch export``: a scan's campaigns as a STIX 2.1 bundle to share with peers."""

from __future__ import annotations

from pathlib import Path

import click

from stillwatch.intel.export import TLP, ExportOptions, write_bundle
from stillwatch.intel.keys import KEY_FILE_ENV, Hasher, new_key_file, resolve_key_file
from stillwatch.report.results import Results


@click.command(help="Export a scan's campaigns as a STIX 2.1 bundle (account ids, payment "
               "fingerprints and templates only as keyed HMACs).")
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--stix", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Bundle file to write (JSON).")
@click.option("--tlp", type=click.Choice(sorted(TLP)), default="amber", show_default=True,
              help="Traffic Light Protocol marking on every object.")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), envvar=KEY_FILE_ENV,
              help=f"HMAC key shared with your peers (or ${KEY_FILE_ENV}).")
@click.option("--new-key-file", "new_key", type=click.Path(dir_okay=False, path_type=Path),
              help="Create this key file with a fresh random key and use it.")
@click.option("--provider", default="stillwatch operator", show_default=True,
              help="Name of the reporting organisation (the bundle's Identity).")
@click.option("--db", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="DuckDB store the scan read (default: the one summary.json names).")
def command(
    results_dir: Path,
    out: Path,
    tlp: str,
    key_file: Path | None,
    new_key: Path | None,
    provider: str,
    db: Path | None,
) -> None:
    if new_key is not None:
        if key_file is not None:
            raise click.UsageError("give --key-file or --new-key-file, not both")
        key_file = new_key_file(new_key)
        click.echo(f"new HMAC key: {key_file} (share it only with your peers, out of band)", err=True)
    hasher = Hasher.from_file(resolve_key_file(key_file))
    results = Results.load(results_dir, db)
    path = write_bundle(results, out, hasher, ExportOptions(provider=provider, tlp=tlp))
    click.echo(f"STIX bundle: {path} ({len(results.campaigns)} campaigns, TLP:{tlp.upper()}, key id {hasher.key_id})")
