"""The pair rules over arrays agree with the same rules walked partner by partner."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

import numpy as np

from stillwatch.campaigns.assemble import CampaignAssembler
from stillwatch.campaigns.cohesion import PairRules, components, shared_classes
from stillwatch.links.graph import Communities
from stillwatch.links.pairs import KIND_CLASS, LinkConfig

NAMES = [f"acct{i}" for i in range(7)]
# Values at and around the thresholds (pair_class_min 0.05, class_min_weight 0.3), and sums
# of them that land on a threshold only in some orders of addition.
WEIGHTS = st.sampled_from([0.01, 0.05, 0.1, 0.15, 0.2, 0.3, 0.6])
EVIDENCE = st.dictionaries(st.sampled_from(sorted(KIND_CLASS)), WEIGHTS, min_size=1, max_size=4)
PAIRS = st.dictionaries(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)).filter(lambda p: p[0] < p[1]),
    st.tuples(EVIDENCE, st.integers(1, 8)),
    max_size=18,
)


def _communities(pairs: dict) -> Communities:
    return Communities.from_pairs(
        {p: ev for p, (ev, _) in pairs.items()},
        {p: {k: sys for k in ev} for p, (ev, sys) in pairs.items()},
    )


def _rules(comms: Communities, assembler: CampaignAssembler) -> PairRules:
    c = assembler.config
    return PairRules(comms.pairs, floor=c.pair_class_min, playbook_prompts=c.playbook_prompts,
                     link_weights=assembler.link_weights, link_floor=c.abuse_link_strength)  # fmt: skip


def _peel_one_by_one(members: set[str], comms: Communities, assembler: CampaignAssembler) -> set[str]:
    """The peel as the campaign rules state it: drop a failing member, look again."""
    kept = set(members)
    changed = True
    while changed:
        changed = False
        for acct in sorted(kept):
            by_class: dict[str, float] = {}
            paired = playbook = False
            for link in comms.partners(acct):
                if link.other in kept:
                    paired = paired or assembler._acts_with(link.weights)
                    playbook = playbook or assembler._playbook(link)
                    for cls, w in shared_classes(link.weights, assembler.config.pair_class_min).items():
                        by_class[cls] = by_class.get(cls, 0.0) + w
            spans = sum(w >= assembler.config.class_min_weight for w in by_class.values()) >= 2
            if not ((paired and spans) or playbook):
                kept.discard(acct)
                changed = True
    return kept


def _linked(link, assembler: CampaignAssembler) -> bool:
    floor = assembler.config.abuse_link_strength
    return any(
        kind not in ("net", "born") and assembler.link_weights[kind] > 0 and w / assembler.link_weights[kind] >= floor
        for kind, w in link.weights.items()
    )


def _parts(members: set[str], comms: Communities, related) -> list[list[str]]:
    parts, seen = [], set()
    for start in sorted(members):
        if start in seen:
            continue
        part, stack = [], [start]
        seen.add(start)
        while stack:
            acct = stack.pop()
            part.append(acct)
            for link in comms.partners(acct):
                if link.other in members and link.other not in seen and related(link):
                    seen.add(link.other)
                    stack.append(link.other)
        parts.append(sorted(part))
    return parts


@settings(max_examples=300, deadline=None)
@given(PAIRS, st.sets(st.sampled_from(NAMES + ["unlinked"])))
@example(
    # acct0's class sums land on the 0.3 threshold or a hair above it (content 0.1 + 0.2 is
    # 0.30000000000000004, infra 0.15 + 0.15 is 0.3): the sums must be added as the walk adds them.
    {
        ("acct0", "acct1"): ({"tpl": 0.1, "ip": 0.15, "client": 0.05}, 1),
        ("acct0", "acct2"): ({"band": 0.2, "pay": 0.15}, 1),
    },
    {"acct0", "acct1", "acct2"},
)
def test_peel_and_parts_match_the_rules_applied_pair_by_pair(pairs, members) -> None:
    comms = _communities(pairs)
    assembler = CampaignAssembler()
    rules = _rules(comms, assembler)
    kept = rules.peel(members, assembler.config.class_min_weight)
    assert kept == _peel_one_by_one(members, comms, assembler)
    assert rules.parts(kept, rules.together) == _parts(kept, comms, assembler._together)
    assert rules.parts(members, rules.linked) == _parts(members, comms, lambda link: _linked(link, assembler))


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 30).flatmap(
        lambda n: st.tuples(st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=40))
    )
)
def test_components_name_each_part_by_its_smallest_node(graph) -> None:
    n, edges = graph
    a = np.array([x for x, _ in edges], dtype=np.int64)
    b = np.array([y for _, y in edges], dtype=np.int64)
    label = components(n, a, b)
    adjacent: dict[int, set[int]] = {i: set() for i in range(n)}
    for x, y in edges:
        adjacent[x].add(y)
        adjacent[y].add(x)
    for node in range(n):
        reach, stack = {node}, [node]
        while stack:
            for other in adjacent[stack.pop()] - reach:
                reach.add(other)
                stack.append(other)
        assert label[node] == min(reach)


def test_kind_counts_count_pairs_inside_the_group_only() -> None:
    comms = Communities.from_pairs({
        ("a", "b"): {"ip": 0.3, "tpl": 0.1}, ("b", "c"): {"tpl": 0.2}, ("c", "x"): {"ip": 0.3},
    })
    assert comms.pairs.kind_counts(["a", "b", "c", "nobody"]) == {"ip": 1, "tpl": 2}
    assert comms.pairs.kind_counts([]) == {}


def test_link_config_weights_cover_every_kind() -> None:
    assert set(LinkConfig().weights) == set(KIND_CLASS)


def test_faint_overlaps_with_many_members_do_not_add_up_to_a_class() -> None:
    # A customer of the hydra's proxy pool shares an exit with each of eight members, one
    # client fingerprint with one of them, and a public template or two with each (0.04,
    # under pair_class_min): 0.32 of "content" summed, but no pair shares any of it.
    members = [f"m{i}" for i in range(8)]
    pairs: dict = {(a, b): {"ip": 0.3, "sys": 0.6} for i, a in enumerate(members) for b in members[i + 1:]}
    for m in members:
        pairs[(m, "proxy_customer")] = {"ip": 0.3, "tpl": 0.04}
    pairs[("m0", "proxy_customer")] = {"ip": 0.3, "tpl": 0.04, "client": 0.075}
    comms = Communities.from_pairs(pairs)
    assembler = CampaignAssembler()
    group = {*members, "proxy_customer"}
    assert _rules(comms, assembler).peel(group, assembler.config.class_min_weight) == set(members)
    assert _peel_one_by_one(group, comms, assembler) == set(members)
