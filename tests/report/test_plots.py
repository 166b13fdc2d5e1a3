"""The report's pictures: what they draw, and that a dense graph stays a small picture."""

from __future__ import annotations

import base64
import itertools

from stillwatch.report import plots


def _svg(uri: str) -> str:
    return base64.b64decode(uri.split(",", 1)[1]).decode()


def _graph(n: int) -> tuple[str, int, int]:
    names = [f"a{i:03d}" for i in range(n)]
    edges = {
        (a, b): ((i % 10 + 1) / 10, "content" if i % 2 else "infra")
        for i, (a, b) in enumerate(itertools.combinations(names, 2))
    }
    return plots.account_graph(names, edges, lambda _: "campaign", lambda _: 1.0)


def test_edges_are_drawn_as_a_few_paths_however_many_there_are() -> None:
    small_uri, small_nodes, small_edges = _graph(10)
    large_uri, large_nodes, large_edges = _graph(60)
    assert (small_nodes, small_edges) == (10, 45)
    assert (large_nodes, large_edges) == (60, 1770)
    # One path per (evidence class, width step), so the picture grows with the nodes
    # only: 1,770 edges would otherwise be 1,770 SVG paths.
    small, large = _svg(small_uri), _svg(large_uri)
    assert large.count("<path") - small.count("<path") < 2 * (60 - 10)
    assert "#8e44ad" in large and "#95a5a6" in large  # both evidence classes drawn


def test_graph_keeps_the_most_linked_accounts() -> None:
    names = [f"a{i}" for i in range(5)]
    strength = {"a0": 0.1, "a1": 3.0, "a2": 2.0, "a3": 0.5, "a4": 1.0}
    edges = {("a1", "a2"): (1.0, "content"), ("a0", "a3"): (1.0, "infra")}
    drawn_nodes = plots.most_linked(names, strength, 3)
    _, nodes, drawn = plots.account_graph(drawn_nodes, edges, lambda _: "clear", lambda _: 1.0)
    assert nodes == 3 and drawn == 1  # a1, a2, a4 kept; only a1-a2 lies among them


def test_links_of_a_kind_weighted_zero_are_not_drawn() -> None:
    # e.g. [links.weights] client = 0.0: its links still come through, at weight 0
    edges = {("a", "b"): (0.6, "content"), ("b", "c"): (0.0, "client")}
    _, nodes, drawn = plots.account_graph(["a", "b", "c"], edges, lambda _: "campaign", lambda _: 1.0)
    assert (nodes, drawn) == (3, 1)
