"""``stillwatch scan`` argument handling (the scan itself: tests/test_end_to_end.py, tests/spark)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stillwatch.cli import cli
from stillwatch.cli import scan as scan_command


def test_spark_needs_logs_to_read(tmp_path: Path) -> None:
    run = CliRunner().invoke(cli, ["scan", "--out", str(tmp_path), "--engine", "spark"])
    assert run.exit_code == 2
    assert "--engine spark reads LOG files" in run.output


def test_a_spark_master_needs_the_spark_engine(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text("")
    for option, value in (("--spark-master", "local[2]"), ("--spark-memory", "8g")):
        run = CliRunner().invoke(cli, ["scan", str(log), "--out", str(tmp_path / "o"), option, value])
        assert run.exit_code == 2
        assert "--spark-master and --spark-memory need --engine spark" in run.output


def test_a_store_is_needed_without_logs(tmp_path: Path) -> None:
    run = CliRunner().invoke(cli, ["scan", "--out", str(tmp_path)])
    assert run.exit_code == 2
    assert "give LOG files to scan" in run.output


def test_workers_reach_the_ingest_and_are_refused_with_spark(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    log = tmp_path / "log.jsonl"
    log.write_text("")
    out = ["--out", str(tmp_path / "o")]
    run = CliRunner().invoke(cli, ["scan", str(log), *out, "--engine", "spark", "--workers", "2"])
    assert run.exit_code == 2 and "--workers is for --engine duckdb" in run.output
    seen: dict[str, Any] = {}

    def ingest(*args: Any, **options: Any) -> Any:
        seen.update(options)
        raise scan_command.StillwatchError("stop here")

    monkeypatch.setattr(scan_command, "ingest_paths", ingest)
    run = CliRunner().invoke(cli, ["scan", str(log), *out, "--workers", "3"])
    assert seen["workers"] == 3 and str(run.exception) == "stop here"
