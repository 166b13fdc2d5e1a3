"""Synchronised activity: lockstep groups measure near 1, independent or always-on ones near 0."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pyarrow as pa
import pytest

from stillwatch.campaigns.timing import group_sync
from stillwatch.engine import DuckDBEngine

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
SPAN = 2000  # ten-minute buckets, about two weeks


def _activity(group: str, accounts: dict[str, list[int]], rng: random.Random) -> list[tuple]:
    return [
        (group, acct, T0 + dt.timedelta(minutes=10 * bucket + 9 * rng.random()))
        for acct, buckets in accounts.items()
        for bucket in buckets
        for _ in range(3)
    ]


@pytest.fixture(scope="module")
def sync() -> dict[str, float]:
    rng = random.Random(7)
    waves = rng.sample(range(SPAN), 60)
    rows = (
        _activity("lockstep", {f"l{i}": waves for i in range(4)}, rng)
        + _activity("independent", {f"i{i}": rng.sample(range(SPAN), 60) for i in range(4)}, rng)
        + _activity("always_on", {f"d{i}": list(range(SPAN)) for i in range(2)}, rng)
        + _activity("half", {f"h{i}": waves[:30] + rng.sample(range(SPAN), 30) for i in range(3)}, rng)
        + _activity("alone", {"solo": waves}, rng)
    )
    table = pa.table({"grp": [r[0] for r in rows], "account": [r[1] for r in rows], "time": [r[2] for r in rows]})
    engine = DuckDBEngine(duckdb.connect())
    engine.register("activity", table)
    return group_sync(engine, "activity", "grp")


def test_accounts_firing_in_the_same_windows_are_in_lockstep(sync: dict[str, float]) -> None:
    assert sync["lockstep"] > 0.95


def test_independent_accounts_are_not_synchronised(sync: dict[str, float]) -> None:
    assert sync["independent"] < 0.1


def test_always_on_accounts_are_not_synchronised(sync: dict[str, float]) -> None:
    # 24/7 backends overlap in every window because they are in every window
    assert sync["always_on"] < 0.1


def test_sharing_half_the_windows_measures_in_between(sync: dict[str, float]) -> None:
    assert 0.3 < sync["half"] < 0.7


def test_a_group_of_one_has_no_measure(sync: dict[str, float]) -> None:
    assert "alone" not in sync
