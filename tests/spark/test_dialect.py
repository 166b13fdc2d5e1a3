"""The stage SQL, written once for DuckDB, translated for Spark SQL."""

from __future__ import annotations

import duckdb
import pytest

pytest.importorskip("sqlglot")

from stillwatch.accounts.features import MODELS_SQL, ProfileOptions, profile_sql  # noqa: E402
from stillwatch.campaigns.timing import sync_sql  # noqa: E402
from stillwatch.links.fingerprint import chance_sql, parts_sql  # noqa: E402
from stillwatch.links.pairs import LinkConfig, few_sql, ids_sql, kept_sql, keys_sql, links_sql, pairs_sql  # noqa: E402
from stillwatch.spark.dialect import split_create, to_spark  # noqa: E402

STAGE_SQL = {
    "profile": profile_sql("exchanges", "account", ProfileOptions()),
    "keys": keys_sql("exchanges", LinkConfig(), "sw_client_parts"),
    "ids": ids_sql("sw_keys"),
    "parts": parts_sql("exchanges"),
    "chance": chance_sql("sw_client_parts", 100, 50, 0.001),
    "pairs": pairs_sql("sw_keys", "sw_ids", 100, LinkConfig(), "sw_quiet"),
    "few": few_sql("sw_keys", "sw_ids", 100, LinkConfig(), "sw_quiet"),
    "kept": kept_sql("sw_pairs_raw", "sw_kind_weights", LinkConfig()),
    "links": links_sql("sw_kept", "sw_ids", "sw_few", "sw_kind_weights", LinkConfig()),
    "sync": sync_sql("sw_grouped", "grp"),
}


@pytest.mark.parametrize("name", sorted(STAGE_SQL))
def test_every_stage_query_translates(name: str) -> None:
    out = to_spark(STAGE_SQL[name])
    assert "VARCHAR" not in out  # Spark calls it STRING
    assert "UNNEST" not in out.upper()
    assert "MATERIALIZED" not in out.upper()  # DuckDB's planner hint; Spark cannot parse it


def test_epoch_keeps_fractions_of_a_second() -> None:
    # sqlglot's stock mapping is UNIX_TIMESTAMP, whole seconds; inter-arrival gaps need more.
    out = to_spark("SELECT epoch(time) AS t FROM x")
    assert "UNIX_MICROS" in out and "UNIX_TIMESTAMP" not in out
    assert duckdb.sql("SELECT epoch(TIMESTAMPTZ '2026-01-01 00:00:00.25+00') AS t").fetchall()[0][0] % 1 == 0.25


def test_regex_backslashes_survive_spark_string_escaping() -> None:
    out = to_spark(STAGE_SQL["keys"])
    assert r"'^\\d+\\.\\d+\\.\\d+\\.\\d+$'" in out


def test_temp_tables_are_split_for_the_engine_to_materialise() -> None:
    temp = split_create(MODELS_SQL.format(source="exchanges", grace_hours=24))
    assert temp is not None and temp.name == "sw_models"
    assert temp.query.startswith("SELECT model")
    assert "INTERVAL '24' HOUR" in temp.query
    assert split_create("CREATE OR REPLACE TEMP VIEW v AS SELECT 1") is None
    assert split_create("SELECT 1") is None
