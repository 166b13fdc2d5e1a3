"""The community graph keeps, for every linked pair, its evidence and its shared-key counts."""

from __future__ import annotations

import random

import pyarrow as pa

from stillwatch.links.graph import LinkGraph


def _links(rows: list[tuple[str, str, str, str, int, float]]) -> pa.Table:
    kind, cls, a, b, shared, weight = zip(*rows)
    return pa.table({"kind": list(kind), "class": list(cls), "a": list(a), "b": list(b),
                     "shared": list(shared), "weight": list(weight)})


def test_shared_key_counts_are_kept_per_pair_and_kind() -> None:
    comms = LinkGraph().transform(_links([
        ("sys", "content", "a", "b", 12, 0.6),
        ("ip", "infra", "a", "b", 1, 0.3),
    ]))
    link = comms.pair("a", "b")
    assert (link.weights, link.shared) == ({"ip": 0.3, "sys": 0.6}, {"ip": 1, "sys": 12})
    assert comms.pair("b", "a").shared["sys"] == 12
    assert [(p.other, p.shared) for p in comms.partners("b")] == [("a", {"ip": 1, "sys": 12})]


def test_edges_across_communities_are_kept_but_not_counted_inside() -> None:
    # Two tight triangles joined by one weak edge: Leiden separates them.
    rows = [("ip", "infra", x, y, 1, 5.0) for x, y in (("a", "b"), ("b", "c"), ("a", "c"),
                                                         ("d", "e"), ("e", "f"), ("d", "f"))]
    rows.append(("tpl", "content", "c", "d", 1, 0.01))
    comms = LinkGraph(resolution=1.0).transform(_links(rows))
    assert comms.membership["c"] != comms.membership["d"]
    assert comms.pair("c", "d").weights == {"tpl": 0.01}
    assert [p.other for p in comms.partners("c")] == ["a", "b", "d"]


def test_the_communities_around_some_accounts_are_counted() -> None:
    rows = [("ip", "infra", x, y, 1, 5.0) for x, y in (("a", "b"), ("b", "c"), ("a", "c"),
                                                         ("d", "e"), ("e", "f"), ("d", "f"))]
    rows.append(("tpl", "content", "c", "d", 1, 0.01))
    comms = LinkGraph(resolution=1.0).transform(_links(rows))
    # "z" has no links, so no community
    assert comms.around_each([["a", "b", "z"]])[0] == {"communities": 1, "accounts": 3, "outside": 1}
    assert comms.around_each([["a", "d"]])[0] == {"communities": 2, "accounts": 6, "outside": 4}
    assert comms.around_each([["z"]])[0] == {"communities": 0, "accounts": 0, "outside": 0}


def test_communities_repeat_and_leave_the_global_random_stream_alone() -> None:
    # Leiden draws from igraph's generator, seeded for the call: the same links give the
    # same communities, and the caller's random stream is not touched.
    cliques = [[f"{c}{i}" for i in range(6)] for c in "pqrs"]
    rows = [("ip", "infra", x, y, 1, 1.0) for members in cliques
            for i, x in enumerate(members) for y in members[i + 1:]]  # fmt: skip
    rows += [("tpl", "content", a[0], b[0], 1, 0.01) for a, b in zip(cliques, cliques[1:])]
    random.seed(5)
    expected = random.random()
    random.seed(5)
    first = LinkGraph(resolution=1.0, seed=3).transform(_links(rows)).membership
    assert random.random() == expected
    assert LinkGraph(resolution=1.0, seed=3).transform(_links(rows)).membership == first
    assert len({first[m] for m in cliques[0]}) == 1 and len(set(first.values())) == 4
