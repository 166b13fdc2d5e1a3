from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stillwatch.errors import StillwatchError
from stillwatch.report import Results


def test_loads_contract_files_links_and_store(results_dir: Path) -> None:
    r = Results.load(results_dir)
    assert r.db is not None and r.db.exists()
    assert r.links is not None and r.links.num_rows > 0
    assert {c["id"] for c in r.campaigns} == {c["id"] for c in r.summary["campaigns"]}
    assert r.verdict_of("hydra000") == "campaign"
    assert r.verdict_of("nobody") == "unknown"


def test_neighbours_are_strongest_first(results_dir: Path) -> None:
    r = Results.load(results_dir)
    near = r.neighbours("hydra000")
    assert all(n.startswith("hydra") for n, _, _ in near[:11])
    # links reach the honest proxy users too; the report shows them, never convicts them
    assert any(n.startswith("proxyuser") for n, _, _ in near)
    weights = [w for _, _, w in near]
    assert weights == sorted(weights, reverse=True)


def test_bad_account_line_names_file_and_line(results_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(results_dir, bad)
    with (bad / "accounts.jsonl").open("a") as fh:
        fh.write("{not json\n")
    with pytest.raises(StillwatchError, match=r"accounts\.jsonl:\d+: not valid JSON"):
        Results.load(bad)


def test_missing_folder_and_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(StillwatchError, match="not a results folder"):
        Results.load(tmp_path / "absent")
    with pytest.raises(StillwatchError, match="accounts.jsonl: cannot read"):
        Results.load(tmp_path)
