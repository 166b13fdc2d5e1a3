from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from scanned import HOSTILE, SECRET_PROMPT
from stillwatch.cli import cli


def _run(*args: str) -> tuple[int, str]:
    done = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["explain", *args])
    return done.exit_code, done.output


def test_explain_shows_reasons_links_sparkline_and_prompts(results_dir: Path) -> None:
    code, out = _run("hydra000", "--results", str(results_dir))
    assert code == 0, out
    assert "campaign_member" in out and "output_appetite" in out and "gateway: block" in out
    assert "hydra0" in out.split("Linked accounts")[1]
    assert any(ch in out for ch in "▁▂▃▄▅▆▇█")
    assert "Implement the following function" in out


def test_explain_redacts_prompts(results_dir: Path) -> None:
    code, out = _run("extractor", "--results", str(results_dir))
    assert code == 0 and SECRET_PROMPT in out and "reasoning_elicitation" in out
    code, out = _run("extractor", "--results", str(results_dir), "--redact")
    assert code == 0 and SECRET_PROMPT not in out and "redacted" in out


def test_clear_account_without_links(results_dir: Path) -> None:
    code, out = _run("legit000", "--results", str(results_dir))
    assert code == 0 and "clear" in out and "gateway: allow" in out


def test_markup_in_prompts_is_shown_verbatim(results_dir: Path) -> None:
    code, out = _run("extractor", "--results", str(results_dir))
    assert code == 0 and HOSTILE in out


def test_unknown_account_is_an_error(results_dir: Path) -> None:
    done = CliRunner().invoke(cli, ["explain", "nobody", "--results", str(results_dir)])
    assert done.exit_code != 0 and "not in these results" in str(done.exception)
