from __future__ import annotations

from pathlib import Path

import pytest

from scanned import SECRET_PROMPT
from stillwatch.report import ExchangeStore, ReportOptions, Results, build_context
from stillwatch.report.build import cost


@pytest.fixture(scope="module")
def loaded(results_dir: Path) -> Results:
    return Results.load(results_dir)


def _context(loaded: Results, **opts: object) -> dict:
    with ExchangeStore(loaded.db) as store:
        return build_context(loaded, store, ReportOptions(**opts))  # type: ignore[arg-type]


def test_headline_answers_how_many_how_big_how_sure(loaded: Results) -> None:
    h = _context(loaded, price_per_mtok=2.0)["headline"]
    assert h["campaigns"] == len(loaded.campaigns) >= 2
    assert h["campaign_accounts"] == sum(len(c["accounts"]) for c in loaded.campaigns)
    assert h["biggest"]["id"] == max(loaded.campaigns, key=lambda c: len(c["accounts"]))["id"]
    scores = [c["score"] for c in loaded.campaigns]
    assert (h["score_min"], h["score_max"]) == (min(scores), max(scores))
    tokens = sum(c["output_tokens"] + c["reasoning_tokens"] for c in loaded.campaigns)
    assert h["cost"] == pytest.approx(tokens / 1e6 * 2.0)
    assert h["verdicts"]["campaign"] == sum(1 for a in loaded.accounts if a["verdict"] == "campaign")


def test_dossier_has_timeline_tactics_graph_and_policy(loaded: Results) -> None:
    ctx = _context(loaded)
    hydra = next(d for d in ctx["dossiers"] if "hydra000" in d["accounts"])
    assert hydra["timeline"].startswith("data:image/svg+xml;base64,")
    ids = [t["id"] for t in hydra["techniques"]]
    assert ids[:2] == ["AML.T0024.002", "AML.T0005.001"] and "AML.T0021" in ids
    assert all(t["url"] == f"https://atlas.mitre.org/techniques/{t['id']}" for t in hydra["techniques"])
    outside = dict(hydra["linked_outside"])
    assert hydra["graph_nodes"] == 12 + len(outside) and hydra["graph_edges"] > 0
    assert outside and all(v != "campaign" for a, v in outside.items() if a.startswith("proxyuser"))
    assert {p["verdict"]: p["action"] for p in ctx["policy"]}["campaign"] == "block"
    lone = next(d for d in ctx["dossiers"] if d["accounts"] == ["extractor"])
    assert lone["graph"] == "" and lone["graph_edges"] == 0


def test_examples_illustrate_the_reason_and_redact_hides_them(loaded: Results) -> None:
    def elicitation_examples(ctx: dict) -> list[dict]:
        d = next(d for d in ctx["dossiers"] if d["accounts"] == ["extractor"])
        r = next(r for r in d["top_reasons"] if r["signal"] == "reasoning_elicitation")
        return r["examples"]

    shown = elicitation_examples(_context(loaded))
    assert shown and all(SECRET_PROMPT in e["prompt"] for e in shown)
    hidden = elicitation_examples(_context(loaded, redact=True))
    assert hidden and all(SECRET_PROMPT not in e["prompt"] and "redacted" in e["prompt"] for e in hidden)


def test_without_a_store_the_report_still_builds(loaded: Results, tmp_path: Path) -> None:
    with ExchangeStore(tmp_path / "gone.duckdb") as store:
        ctx = build_context(loaded, store, ReportOptions())
    assert "store not found" in ctx["store_problem"]
    assert all(not r["examples"] for d in ctx["dossiers"] for r in d["top_reasons"])


def test_cost_scales_with_price() -> None:
    assert cost(3_000_000, 1.5) == pytest.approx(4.5)


def test_a_campaigns_links_are_summed_per_pair_whichever_way_a_row_names_it(tmp_path: Path) -> None:
    import pyarrow as pa

    from stillwatch.report.build import _links

    links = pa.table({
        "kind": ["ip", "sys", "tpl", "ip"],
        "class": ["infra", "content", "content", "infra"],
        "a": ["m1", "m2", "m1", "x"],
        "b": ["m2", "m1", "out", "y"],   # x-y touches no member
        "weight": [0.25, 0.5, 0.125, 1.0],
    })
    results = Results(tmp_path, [], [], {}, links)
    strength, _, edges = _links(results, {"m1", "m2"}, max_nodes=10)
    assert edges == {("m1", "m2"): (0.75, "content"), ("m1", "out"): (0.125, "content")}
    assert strength == {"m1": 0.875, "m2": 0.75, "out": 0.125}
    assert _links(results, {"nobody"}, max_nodes=10) == ({}, [], {})
    # only the most linked accounts are drawn; the strength still counts every link
    strength, _, edges = _links(results, {"m1", "m2"}, max_nodes=2)
    assert edges == {("m1", "m2"): (0.75, "content")} and strength["out"] == 0.125
