"""The pair store: every link kept per pair, read back per account, in both directions."""

from __future__ import annotations

import pyarrow as pa

from stillwatch.links.edges import PairEvidence, Partner


def _links(rows: list[tuple[str, str, str, float, int]], shared: bool = True) -> pa.Table:
    a, b, kind, weight, keys = zip(*rows)
    cols = {"kind": list(kind), "a": list(a), "b": list(b), "weight": list(weight)}
    if shared:
        cols["shared"] = list(keys)
    return pa.table(cols)


def P(other: str, weights: dict, shared: dict) -> Partner:
    return Partner(other, weights, shared)


def test_a_pair_reads_the_same_from_either_side_whichever_way_its_rows_name_it() -> None:
    pairs = PairEvidence.from_links(_links([
        ("b", "a", "ip", 0.25, 1),   # one engine wrote it b-a, the other a-b
        ("a", "b", "sys", 0.5, 7),
        ("a", "c", "tpl", 0.125, 2),
    ]))
    assert len(pairs) == 2
    assert pairs.partners("a") == [
        P("b", {"ip": 0.25, "sys": 0.5}, {"ip": 1, "sys": 7}),
        P("c", {"tpl": 0.125}, {"tpl": 2}),
    ]
    assert pairs.partners("b") == [P("a", {"ip": 0.25, "sys": 0.5}, {"ip": 1, "sys": 7})]
    assert pairs.pair("c", "a") == P("a", {"tpl": 0.125}, {"tpl": 2})
    assert pairs.pair("b", "c") == P("c", {}, {})
    assert pairs.partners("nobody") == []


def test_the_same_kind_twice_for_one_pair_is_summed() -> None:
    pairs = PairEvidence.from_links(_links([("a", "b", "ip", 0.25, 1), ("b", "a", "ip", 0.5, 2)]))
    assert pairs.pair("a", "b")[1:3] == ({"ip": 0.75}, {"ip": 3})


def test_without_a_shared_column_each_link_counts_one_key() -> None:
    pairs = PairEvidence.from_links(_links([("a", "b", "ip", 0.25, 9)], shared=False))
    assert pairs.pair("a", "b").shared == {"ip": 1}


def test_strongest_partners_by_summed_weight_then_name() -> None:
    pairs = PairEvidence.from_pairs({
        ("a", "b"): {"ip": 0.5, "sys": 0.5},
        ("a", "c"): {"tpl": 1.0},
        ("a", "d"): {"ip": 2.0},
        ("b", "c"): {"ip": 0.1},
    })
    top = pairs.strongest(2)
    assert top["a"] == [("d", 2.0), ("b", 1.0)]
    assert top["c"] == [("a", 1.0), ("b", 0.1)]
    assert pairs.accounts() == ["a", "b", "c", "d"]


def test_no_links_make_an_empty_store() -> None:
    pairs = PairEvidence.from_pairs({})
    assert len(pairs) == 0 and pairs.partners("a") == [] and pairs.strongest(3) == {}

