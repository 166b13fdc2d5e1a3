from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from click.testing import CliRunner

from stillwatch.cli import cli
from stillwatch.report import Results


def test_import_stores_indicators_in_the_named_store(results_dir: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "b.json"
    runner = CliRunner()
    assert runner.invoke(cli, ["export", str(results_dir), "--stix", str(bundle),
                               "--new-key-file", str(tmp_path / "k")]).exit_code == 0
    db = Results.load(results_dir).db
    assert db is not None
    ours = Path(shutil.copy(db, tmp_path / "ours.duckdb"))
    done = runner.invoke(cli, ["import", "--stix", str(bundle), "--db", str(ours)])
    assert done.exit_code == 0, done.output
    assert "imported" in done.output and "user_agent 1" in done.output
    con = duckdb.connect(str(ours), read_only=True)
    try:
        kinds = {r[0] for r in con.sql("SELECT DISTINCT kind FROM intel_indicators").fetchall()}
    finally:
        con.close()
    assert {"ip", "asn", "user_agent", "template", "account", "payment"} <= kinds


def test_import_without_store_is_usage_error(tmp_path: Path, monkeypatch) -> None:
    bundle = tmp_path / "b.json"
    bundle.write_text("{}")
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(cli, ["import", "--stix", str(bundle)])
    assert done.exit_code == 2 and "--db" in done.output
