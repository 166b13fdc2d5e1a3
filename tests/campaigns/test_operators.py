"""Campaigns found apart that one operator runs are joined; chance overlaps join nothing."""

from __future__ import annotations

from stillwatch.campaigns.cohesion import PairRules
from stillwatch.campaigns.group import CampaignConfig
from stillwatch.campaigns.likeness import Alike
from stillwatch.campaigns.operators import Join, joins
from stillwatch.links.graph import Communities
from stillwatch.links.pairs import LinkConfig

ACTS = {"ip": 0.3, "client": 0.3}  # shared addresses and one client: acts together
PLAYBOOK = {"sys": 0.6}  # with 8 distinct system prompts in common


def _rules(edges: dict[tuple[str, str], dict[str, float]]) -> PairRules:
    shared = {p: {"sys": 8} for p, ev in edges.items() if "sys" in ev}
    comms = Communities.from_pairs(edges, shared)
    c = CampaignConfig()
    return PairRules(comms.pairs, floor=c.pair_class_min, playbook_prompts=c.playbook_prompts,
                     link_weights=LinkConfig().weights, link_floor=c.abuse_link_strength)  # fmt: skip


def test_an_abuse_group_acting_with_a_harvester_group_is_one_operator() -> None:
    # "a1", "a2" ask for the hidden reasoning; "h1".."h3" only harvest; both halves share
    # the operator's addresses and client.
    edges = {("a1", "a2"): ACTS, ("h1", "h2"): ACTS, ("h2", "h3"): ACTS, ("a1", "h1"): ACTS, ("a2", "h3"): ACTS}
    assert joins(_rules(edges), [["h1", "h2", "h3"], ["a1", "a2"]], 0.5) == [Join([0, 1], 2, together=1)]


def test_a_shared_playbook_joins_campaigns_with_no_shared_infrastructure() -> None:
    edges = {("a1", "a2"): ACTS, ("h1", "h2"): ACTS, ("a1", "h2"): PLAYBOOK}
    assert joins(_rules(edges), [["a1", "a2"], ["h1", "h2"]], 0.5) == [Join([0, 1], 1, together=1)]


def test_one_coincidence_between_two_big_campaigns_joins_nothing() -> None:
    # Sign-ups in the same minutes, a popular template: one pair happens to hold both.
    big = [f"b{i}" for i in range(10)]
    other = [f"o{i}" for i in range(10)]
    edges = {(x, y): ACTS for x, y in zip(big, big[1:])}
    edges.update({(x, y): ACTS for x, y in zip(other, other[1:])})
    edges[("b0", "o0")] = {"born": 0.3, "tpl": 0.1}
    edges[("b1", "o1")] = {"born": 0.3}
    edges[("b2", "o2")] = {"tpl": 0.2}
    assert joins(_rules(edges), [big, other], 0.5) == []


def test_faint_or_one_class_links_join_nothing() -> None:
    edges = {("a1", "a2"): ACTS, ("h1", "h2"): ACTS, ("a1", "h1"): {"ip": 0.3}, ("a2", "h2"): {"band": 0.02}}
    assert joins(_rules(edges), [["a1", "a2"], ["h1", "h2"]], 0.5) == []


def test_joins_are_transitive_and_leave_other_campaigns_alone() -> None:
    edges = {("x1", "y1"): ACTS, ("y1", "z1"): PLAYBOOK, ("w1", "w2"): ACTS}
    campaigns = [["w1", "w2"], ["x1"], ["y1"], ["z1"]]
    assert joins(_rules(edges), campaigns, 0.5) == [Join([1, 2, 3], 2, together=2)]


def test_campaigns_following_one_work_pattern_join_with_those_acting_together() -> None:
    # "x" and "y" act together; "z" shares nothing with either but follows "y"'s work pattern
    edges = {("x1", "y1"): ACTS, ("w1", "w2"): ACTS}
    campaigns = [["w1", "w2"], ["x1"], ["y1"], ["z1"]]
    same = Alike(2, 3, 0.03, 0, 40)
    assert joins(_rules(edges), campaigns, 0.5, [same]) == [Join([1, 2, 3], 1, together=1, alike=(same,))]
