from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stillwatch.errors import ConfigError
from stillwatch.simulate import load_scenario, simulate


def test_every_record_is_valid_exchange_v1(small_run, spec_dir: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((spec_dir / "exchange.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    records = small_run.records()
    assert len(records) > 1000
    for i, rec in enumerate(records):
        errors = list(validator.iter_errors(rec))
        assert not errors, f"record {i}: {errors[0].message}"


def test_log_is_time_ordered_with_unique_ids(small_run) -> None:
    records = small_run.records()
    times = [r["time"] for r in records]
    assert times == sorted(times)
    assert len({r["id"] for r in records}) == len(records)


def test_labels_cover_exactly_the_accounts_in_the_log(small_run) -> None:
    in_log = {r["account"] for r in small_run.records()}
    labels = small_run.labels()
    assert [x["account"] for x in labels].count(labels[0]["account"]) == 1
    assert {x["account"] for x in labels} == in_log
    for x in labels:
        assert x["label"] in ("legit", "authorized", "campaign")
        assert (x["campaign"] is not None) == (x["label"] == "campaign")


def test_campaign_ids_match_the_scenario(small_run) -> None:
    scenario = load_scenario("reported-2026")
    expected = {g.campaign for g in scenario.groups if g.label == "campaign"}
    assert {x["campaign"] for x in small_run.labels() if x["campaign"]} == expected
    assert set(small_run.summary.campaigns) == expected


def test_authorized_file_lists_orgs_of_authorized_accounts(small_run) -> None:
    authorized = (small_run.out / "authorized.txt").read_text().split()
    labelled = {x["account"] for x in small_run.labels() if x["label"] == "authorized"}
    orgs = {r["org"] for r in small_run.records() if r["account"] in labelled}
    assert authorized and set(authorized) == orgs


def test_every_kind_and_campaign_present_at_scale_001(wide_run) -> None:
    scenario = load_scenario("reported-2026")
    kinds = {x["kind"] for x in wide_run.labels()}
    assert kinds == {g.kind for g in scenario.groups}
    assert set(wide_run.summary.campaigns) == {g.campaign for g in scenario.groups if g.campaign}
    assert wide_run.summary.exchanges < 100_000  # two days at 0.01 stays a test-sized fixture


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    a = simulate(tmp_path / "a", scale=0.0005, seed=11, days=2)
    b = simulate(tmp_path / "b", scale=0.0005, seed=11, days=2)
    c = simulate(tmp_path / "c", scale=0.0005, seed=12, days=2)
    assert a.exchanges > 0
    for name in ("log.jsonl", "labels.jsonl", "authorized.txt"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "log.jsonl").read_bytes() != (tmp_path / "c" / "log.jsonl").read_bytes()
    assert c.exchanges > 0


def test_worker_processes_write_the_same_bytes(tmp_path: Path) -> None:
    simulate(tmp_path / "one", scale=0.0005, seed=4, days=2, workers=1)
    simulate(tmp_path / "two", scale=0.0005, seed=4, days=2, workers=2)
    assert (tmp_path / "one" / "log.jsonl").read_bytes() == (tmp_path / "two" / "log.jsonl").read_bytes()


def test_parquet_matches_jsonl(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    simulate(tmp_path / "j", scale=0.0005, seed=5, days=1)
    simulate(tmp_path / "p", scale=0.0005, seed=5, days=1, fmt="parquet")
    table = pq.read_table(tmp_path / "p" / "log.parquet")
    lines = (tmp_path / "j" / "log.jsonl").read_bytes().splitlines()
    assert table.num_rows == len(lines)
    first = json.loads(lines[0])
    assert table.column("id")[0].as_py() == first["id"]
    assert json.loads(table.column("messages")[0].as_py()) == first["messages"]
    assert np.all(np.diff(table.column("time").to_numpy().astype("int64")) >= 0)


def test_bad_arguments_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        simulate(tmp_path, scale=0)
    with pytest.raises(ConfigError):
        simulate(tmp_path, "no-such-scenario")
    with pytest.raises(ConfigError):
        simulate(tmp_path, fmt="csv")
