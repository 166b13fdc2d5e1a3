"""A peer exports, we import, and our next scan gets evidence for the matching accounts only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from stillwatch.engine import DuckDBEngine
from stillwatch.errors import StillwatchError
from stillwatch.intel.export import ExportOptions, write_bundle
from stillwatch.intel.keys import Hasher
from stillwatch.intel.match import match_indicators
from stillwatch.intel.peer import pattern_values, read_bundle, store_indicators
from stillwatch.report import Results

SHARED_KEY = Hasher(bytes.fromhex("a1" * 32))


@pytest.fixture()
def imported(results_dir: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """Our store holds the same traffic the peer saw; the peer's bundle is imported into it."""
    results = Results.load(results_dir)
    bundle = write_bundle(results, tmp_path / "peer.json", SHARED_KEY, ExportOptions(provider="Peer Labs"))
    assert results.db is not None
    ours = shutil.copy(results.db, tmp_path / "ours.duckdb")
    con = duckdb.connect(str(ours))
    store_indicators(con, read_bundle(bundle))
    yield con
    con.close()


def test_matches_give_reasons_for_campaign_accounts_only(imported, results_dir: Path) -> None:
    results = Results.load(results_dir)
    reasons = match_indicators(DuckDBEngine(imported), hasher=SHARED_KEY)
    campaign = {a["account"] for a in results.accounts if a["verdict"] == "campaign"}
    assert set(reasons) == campaign
    for account, rs in reasons.items():
        assert all(r.signal == "peer_indicator" and r.evidence["peer"] == "Peer Labs" for r in rs)
        assert [r.weight for r in rs] == sorted((r.weight for r in rs), reverse=True)
    kinds = {r.evidence["kind"] for r in reasons["hydra000"]}
    assert {"account", "payment", "template", "ip", "user_agent", "asn"} <= kinds
    assert "payment" not in {r.evidence["kind"] for r in reasons["hydra001"]}  # no card on file


def test_hmac_indicators_need_the_same_key(imported) -> None:
    other = Hasher(bytes.fromhex("b2" * 32))
    for hasher in (None, other):
        reasons = match_indicators(DuckDBEngine(imported), hasher=hasher)
        kinds = {r.evidence["kind"] for rs in reasons.values() for r in rs}
        assert kinds and kinds <= {"ip", "asn", "user_agent"}


def test_reimport_replaces_rather_than_duplicates(imported, tmp_path: Path) -> None:
    before = imported.sql("SELECT count(*) FROM intel_indicators").fetchall()[0][0]
    store_indicators(imported, read_bundle(tmp_path / "peer.json"))
    assert imported.sql("SELECT count(*) FROM intel_indicators").fetchall()[0][0] == before


def test_no_imports_no_reasons(results_dir: Path) -> None:
    db = Results.load(results_dir).db
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert match_indicators(DuckDBEngine(con), hasher=SHARED_KEY) == {}
    finally:
        con.close()


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[ipv6-addr:value = '2001:db8::1']", [("ip", "2001:db8::1")]),
        ("[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'a\\'b']",
         [("user_agent", "a'b")]),
        ("[x-stillwatch-fingerprint:fingerprint_kind = 'account' AND "
         "x-stillwatch-fingerprint:hmac_sha256 IN ('AA', 'bb')]", [("account", "aa"), ("account", "bb")]),
        ("[file:hashes.'SHA-256' = 'ff']", []),
    ],
)
def test_pattern_values(pattern: str, expected: list[tuple[str, str]]) -> None:
    assert pattern_values(pattern) == expected


def test_bad_bundles_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(StillwatchError, match=r"x\.json: not a valid STIX"):
        read_bundle(tmp_path / "x.json")
    (tmp_path / "y.json").write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": [{"type": "indicator"}]}))
    with pytest.raises(StillwatchError, match=r"y\.json"):
        read_bundle(tmp_path / "y.json")
