from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from stillwatch.cli import cli
from stillwatch.errors import ConfigError
from stillwatch.simulate import builtin_scenarios, load_scenario, simulate

_USER = """
name = "tiny"
days = 2
[[models]]
name = "m1"
[[groups]]
id = "people"
accounts = 30
exchanges = 400
[[groups.tasks]]
source = "benign_chat"
[[groups]]
id = "bots"
label = "campaign"
accounts = 5
exchanges = 300
timing = { mode = "uniform" }
[[groups.tasks]]
source = "math_reasoning"
wrapper = "reasoning_elicit"
"""


def test_builtin_scenarios_load_and_cite_their_sources() -> None:
    names = builtin_scenarios()
    assert {"reported-2026", "robust", "holdout-needle", "holdout-lowslow"} <= set(names)
    for name in names:
        assert load_scenario(name).groups
    text = (Path(__file__).parents[2] / "src/stillwatch/simulate/scenarios/reported-2026.toml").read_text()
    for figure in ("150,000", "3.4 million", "13 million", "20,000", "24,000", "100,000"):
        assert figure in text


def test_variant_merges_onto_its_base() -> None:
    base, robust = load_scenario("reported-2026"), load_scenario("robust")
    b = {g.id: g for g in base.groups}
    r = {g.id: g for g in robust.groups}
    assert set(b) == set(r)
    assert r["hydra"].paraphrase == 1.0 and b["hydra"].paraphrase == 0.0
    assert r["hydra"].timing["mode"] == "diurnal" and r["hydra"].timing["weekend"] == 0.85
    assert r["hydra"].exchanges == b["hydra"].exchanges
    assert r["individuals"].spec == b["individuals"].spec and r["individuals"].tasks == b["individuals"].tasks


def test_user_scenario_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(_USER)
    summary = simulate(tmp_path / "out", path, scale=1.0, seed=1, corpus=tmp_path)  # no corpus files
    assert set(summary.kinds) == {"people", "bots"}
    assert summary.campaigns["bots"]["exchanges"] > 100
    assert summary.corpus_sources == []  # procedural fallback only


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ('accounts = 30', 'acounts = 30'),
        ('exchanges = 400', 'exchanges = -1'),
        ('source = "benign_chat"', 'source = "benign_chat"\nshape = "loop"'),
        ('timing = { mode = "uniform" }', 'timing = { mode = "uniform", speed = 2 }'),
        ('[[models]]\nname = "m1"', '[[models]]\nname = "m1"\n[[groups]]\nid = "x"\nmodels = { nope = 1.0 }\n'
         'accounts = 1\nexchanges = 1\n[[groups.tasks]]\nsource = "coding"'),
    ],
)
def test_bad_scenarios_name_the_problem(tmp_path: Path, patch: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(_USER.replace(patch, message, 1))
    with pytest.raises(ConfigError, match="bad.toml"):
        load_scenario(path)


def test_cli_writes_files_and_reports_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "o"
    result = runner.invoke(cli, ["simulate", "--out", str(out), "--scale", "0.0005", "--days", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert '"exchanges"' in result.output
    for name in ("log.jsonl", "labels.jsonl", "authorized.txt", "summary.json"):
        assert (out / name).is_file()
    bad = runner.invoke(cli, ["simulate", "--out", str(out), "--scenario", "nope"])
    assert bad.exit_code == 1 and "unknown scenario" in bad.output
    assert runner.invoke(cli, ["simulate"]).exit_code == 2
    listed = runner.invoke(cli, ["simulate", "--list"])
    assert "reported-2026" in listed.output
