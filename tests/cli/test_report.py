from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from scanned import SECRET_PROMPT
from stillwatch.cli import cli


def test_report_writes_html_with_price_and_redaction(results_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    done = CliRunner().invoke(cli, ["report", str(results_dir), "--out", str(out),
                                    "--price-per-mtok", "3", "--currency", "EUR", "--redact"])
    assert done.exit_code == 0, done.output
    html = out.read_text(encoding="utf-8")
    assert "3.00 EUR per million tokens" in html
    assert SECRET_PROMPT not in html


def test_report_usage_errors_exit_2(tmp_path: Path) -> None:
    done = CliRunner().invoke(cli, ["report", str(tmp_path / "absent")])
    assert done.exit_code == 2
    done = CliRunner().invoke(cli, ["report", str(tmp_path), "--price-per-mtok", "-1"])
    assert done.exit_code == 2
