from __future__ import annotations

import json
from pathlib import Path

import pytest
import stix2

from scanned import HYDRA_PAYMENT, HYDRA_TEMPLATES, HYDRA_UA, SECRET_PROMPT
from stillwatch.errors import StillwatchError
from stillwatch.intel.export import ExportOptions, export_bundle
from stillwatch.intel.keys import Hasher
from stillwatch.report import Results

KEY = bytes.fromhex("5a" * 32)


@pytest.fixture(scope="module")
def results(results_dir: Path) -> Results:
    return Results.load(results_dir)


def _bundle(results: Results, **opts: object) -> tuple[str, list[dict]]:
    text = export_bundle(results, Hasher(KEY), ExportOptions(**opts)).serialize()  # type: ignore[arg-type]
    parsed = stix2.parse(text, allow_custom=True)  # the round trip validates every object
    assert isinstance(parsed, stix2.Bundle)
    return text, json.loads(text)["objects"]


@pytest.mark.parametrize("tlp", ["amber", "green", "clear"])
def test_bundle_parses_and_every_object_is_marked(results: Results, tlp: str) -> None:
    _, objects = _bundle(results, tlp=tlp)
    marking = next(o for o in objects if o["type"] == "marking-definition")
    assert marking["name"] == f"TLP:{'WHITE' if tlp == 'clear' else tlp.upper()}"
    assert all(marking["id"] in o["object_marking_refs"] for o in objects if o["type"] != "marking-definition")


def test_bundle_holds_the_required_objects(results: Results) -> None:
    _, objects = _bundle(results)
    by_type: dict[str, list[dict]] = {}
    for o in objects:
        by_type.setdefault(o["type"], []).append(o)
    assert len(by_type["identity"]) == 1
    assert len(by_type["campaign"]) == len(by_type["intrusion-set"]) == len(results.campaigns)
    for c in by_type["campaign"]:
        assert c["first_seen"] <= c["last_seen"]
    refs = {r["external_references"][0]["external_id"]: r["external_references"][0] for r in by_type["attack-pattern"]}
    assert {"AML.T0024.002", "AML.T0005.001", "AML.T0021"} <= set(refs)
    assert all(r["source_name"] == "mitre-atlas" and r["url"].endswith(i) for i, r in refs.items())
    kinds = {i["x_stillwatch_kind"] for i in by_type["indicator"]}
    assert {"ip", "asn", "user_agent", "prompt_template", "payment", "account"} <= kinds
    assert {f["fingerprint_kind"] for f in by_type["x-stillwatch-fingerprint"]} == {"prompt_template", "payment"}
    rel = {(r["relationship_type"], r["source_ref"].split("--")[0], r["target_ref"].split("--")[0]) for r in by_type["relationship"]}
    assert {("attributed-to", "campaign", "intrusion-set"), ("uses", "campaign", "attack-pattern"),
            ("indicates", "indicator", "campaign")} <= rel


def test_nothing_private_leaves_in_clear(results: Results) -> None:
    text, _ = _bundle(results)
    private = [a["account"] for a in results.accounts] + [HYDRA_PAYMENT, SECRET_PROMPT]
    private += [t.split(":")[0] for t in HYDRA_TEMPLATES]
    assert [p for p in private if p in text] == []
    assert KEY.hex() not in text and KEY.hex().upper() not in text


def test_shared_infrastructure_is_never_an_indicator(results: Results) -> None:
    text, objects = _bundle(results)
    patterns = " ".join(o["pattern"] for o in objects if o["type"] == "indicator")
    assert "198.18.7." in patterns and HYDRA_UA in patterns  # only the hydra used these
    assert "203.0.113." not in patterns  # honest proxy users share this range
    assert "64496" not in patterns
    partner_template = Hasher(KEY).digest("template", "1000")  # the partner sends it too
    assert partner_template not in text


def test_ids_are_stable_across_exports(results: Results) -> None:
    ids = lambda: sorted(o["id"] for o in _bundle(results)[1])  # noqa: E731
    assert ids() == ids()


def test_unknown_tlp_and_missing_store_are_errors(results: Results, tmp_path: Path) -> None:
    with pytest.raises(StillwatchError, match="TLP"):
        export_bundle(results, Hasher(KEY), ExportOptions(tlp="red"))
    gone = Results.load(results.root, db=tmp_path / "gone.duckdb")
    with pytest.raises(StillwatchError, match="store not found"):
        export_bundle(gone, Hasher(KEY))
