"""Simulate the default scenario at a small scale, scan it through the CLI, score it.

Only directional, statistically safe assertions live here; the quality figures belong to
bench/quality.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from stillwatch.cli import cli
from stillwatch.evaluate import evaluate

HARD_CASES = {"enterprise_batch", "eval_harness", "reseller", "campus_nat", "agent_product"}


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> dict:
    root = tmp_path_factory.mktemp("e2e")
    runner = CliRunner()
    sim = runner.invoke(cli, ["simulate", "--out", str(root / "sim"), "--scale", "0.002",
                              "--seed", "31", "--corpus", str(corpus_dir), "--json"])
    assert sim.exit_code == 0, sim.output
    scan = runner.invoke(cli, ["scan", str(root / "sim" / "log.jsonl"), "--out", str(root / "res"),
                               "--authorized", str(root / "sim" / "authorized.txt"), "--json"])
    assert scan.exit_code == 0, scan.output
    assert (root / "res" / "report.html").stat().st_size > 10_000
    return evaluate(root / "res", root / "sim" / "labels.jsonl")


def test_hard_cases_and_partners_are_never_campaigns(scored: dict) -> None:
    assert not set(scored["hard_case_campaign"]) & HARD_CASES, scored["hard_case_campaign"]
    assert scored["authorized_campaign"] == 0


def test_the_hydra_is_found_as_one_campaign(scored: dict) -> None:
    hydra = next(c for c in scored["per_campaign"].values() if c["kind"] == "hydra")
    assert hydra["tpr"] >= 0.8, hydra
    assert hydra["one_campaign_share"] >= 0.9, hydra


def test_few_legitimate_accounts_are_convicted(scored: dict) -> None:
    assert scored["fpr"] <= 0.03, scored
