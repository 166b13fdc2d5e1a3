"""``stillwatch scan``: ingest logs (or reuse a store), find campaigns, write the results."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click
import duckdb
import orjson
from rich.console import Console
from rich.table import Table

from stillwatch.config import ScanConfig, load_config
from stillwatch.engine import DuckDBEngine
from stillwatch.errors import StillwatchError
from stillwatch.ingest import Store, ingest_paths
from stillwatch.intel.keys import KEY_FILE_ENV, Hasher
from stillwatch.intel.match import match_indicators
from stillwatch.scan import PeerEvidence, ScanResult, Scanner, load_authorized, write_results


def _peer_evidence(config: ScanConfig) -> PeerEvidence:
    """Imported peer indicators as evidence; hashed ones only with the shared key."""
    key_file = config.intel.key_file or os.environ.get(KEY_FILE_ENV)
    hasher = Hasher.from_file(key_file) if key_file else None
    return lambda engine, source: match_indicators(engine, source, hasher)


def _campaign_table(result: ScanResult) -> Table:
    table = Table(title=f"{len(result.campaigns)} campaign(s)", title_justify="left")
    for name, justify in [
        ("id", "left"),
        ("accounts", "right"),
        ("exchanges", "right"),
        ("tokens harvested", "right"),
        ("capabilities", "left"),
        ("tactics", "left"),
        ("score", "right"),
    ]:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for c in result.campaigns:
        j = c.to_json()
        caps = ", ".join(f"{k} {v:.0%}" for k, v in list(j["capabilities"].items())[:3])
        table.add_row(
            c.id,
            f"{len(c.accounts):,}",
            f"{j['exchanges']:,}",
            f"{j['output_tokens'] + j['reasoning_tokens']:,}",
            caps,
            ", ".join(j["tactics"]),
            f"{c.score:.2f}",
        )
    return table


def _progress(console: Console) -> Callable[[str], None]:
    return lambda step: console.print(f"[dim]scan: {step}[/dim]")


def _on_duckdb(logs: tuple[Path, ...], config: ScanConfig, allowed: set[str], db_path: Path, fmt: str,
               workers: int | None, console: Console) -> ScanResult:  # fmt: skip
    with Store(db_path) as store:
        if logs:
            summary = ingest_paths(list(logs), store, fmt=None if fmt == "auto" else fmt, workers=workers)
            console.print(
                f"ingested {summary.accepted:,} exchanges ({summary.rejected:,} rejected, "
                f"{summary.duplicates:,} already stored) into {db_path}"
            )
        try:
            with store.scanning(config.memory_limit):
                return Scanner(config, allowed, _peer_evidence(config)).run(
                    DuckDBEngine(store.connection), progress=_progress(console)
                )
        except duckdb.Error as exc:
            raise StillwatchError(f"{db_path}: cannot scan this store ({exc})") from None


def _on_spark(logs: tuple[Path, ...], config: ScanConfig, allowed: set[str], out_dir: Path, fmt: str,
              master: str | None, memory: str | None, db: Path | None, console: Console) -> ScanResult:  # fmt: skip
    if importlib.util.find_spec("pyspark") is None:
        raise StillwatchError("--engine spark needs the [spark] extra: pip install 'stillwatch[spark]'")
    from stillwatch.spark.job import scan_on_spark

    run = scan_on_spark(
        [str(p) for p in logs], config, allowed, out_dir, master=master, memory=memory,
        fmt=None if fmt == "auto" else fmt, peer_db=db, peer_evidence=_peer_evidence(config),
        progress=_progress(console),
    )  # fmt: skip
    where = f", reasons in {run.rejects_file}" if run.rejects_file else ""
    console.print(f"read {run.accepted:,} exchanges on Spark ({run.rejected:,} rejected{where})")
    return run.result


@click.command(help="Find distillation campaigns in exchange logs.")
@click.argument("logs", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="DuckDB store to ingest into and scan (default: OUT/stillwatch.duckdb). "
                   "With --engine spark: only where imported peer indicators are read from.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for accounts.jsonl, campaigns.json, summary.json.")
@click.option("--authorized", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Accounts or orgs with an agreement to distil, one a line.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TOML overriding the documented defaults (see default.toml).")
@click.option("--format", "fmt", type=click.Choice(["auto", "exchange", "litellm", "otlp"]),
              default="auto", show_default=True, help="Input format of LOGS.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="duckdb: the embedded store. spark: Apache Spark over LOGS (files or URLs).")
@click.option("--spark-master", metavar="URL", default=None,
              help="Spark master (local[4], spark://host:7077, yarn...); default: spark-submit's, else local[*].")
@click.option("--spark-memory", metavar="SIZE", default=None,
              help="Driver memory of a Spark session the scan starts itself (local mode: all of "
                   "Spark's memory; default 4g); spark-submit's --driver-memory where it starts the JVM.")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="With --engine duckdb: processes parsing large exchange LOGS (0: parse in this one). "
                   "Default: one per core but one, up to 8; none on two cores or fewer.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def command(
    logs: tuple[Path, ...],
    db: Path | None,
    out_dir: Path,
    authorized: Path | None,
    config_file: Path | None,
    fmt: str,
    engine: str,
    spark_master: str | None,
    spark_memory: str | None,
    workers: int | None,
    as_json: bool,
) -> None:
    config = load_config(config_file)
    allowed = load_authorized(authorized)
    out_dir.mkdir(parents=True, exist_ok=True)
    console = Console(stderr=True, quiet=as_json)
    db_path: Path | None = None
    if engine == "spark":
        if not logs:
            raise click.UsageError("--engine spark reads LOG files or URLs; give at least one")
        if workers is not None:
            raise click.UsageError("--workers is for --engine duckdb; Spark runs its own executors")
        result = _on_spark(logs, config, allowed, out_dir, fmt, spark_master, spark_memory, db, console)
    else:
        if spark_master or spark_memory:
            raise click.UsageError("--spark-master and --spark-memory need --engine spark")
        db_path = db or out_dir / "stillwatch.duckdb"
        if not logs and not db_path.exists():
            raise click.UsageError("give LOG files to scan, or --db naming an existing store")
        result = _on_duckdb(logs, config, allowed, db_path, fmt, workers, console)
    paths = write_results(result, out_dir, db=db_path, config=config, engine=engine)
    # The links are in links.parquet now; at 10M they are a gigabyte the report needs back.
    result.links = None
    if importlib.util.find_spec("matplotlib") is not None:
        from stillwatch.report import write_report

        paths["report"] = write_report(out_dir)
    else:
        console.print("no report.html: install the [report] extra for it")
    if as_json:
        click.echo(orjson.dumps(result.summary(), option=orjson.OPT_INDENT_2).decode())
        return
    # Piped output (logs, CI) gets a fixed, wide table rather than 80 wrapped columns.
    out = Console(width=None if sys.stdout.isatty() else 160)
    out.print(_campaign_table(result))
    counts = result.summary()["verdicts"]
    out.print(
        "verdicts: " + ", ".join(f"{k} {counts.get(k, 0):,}" for k in
                                 ("campaign", "suspicious", "clear", "authorized"))
    )
    names = ", ".join(p.name for p in paths.values())
    out.print(f"results in {out_dir}/: {names}")
