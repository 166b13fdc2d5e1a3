"""Group formation: the cohesion peel and the abuse-volume rule."""

from __future__ import annotations

from stillwatch.accounts.evidence import Assessment
from stillwatch.campaigns.assemble import CampaignAssembler
from stillwatch.links.graph import Communities


CLASS_KIND = {"infra": "ip", "client": "client", "content": "tpl"}


def _communities(edges: dict[tuple[str, str], dict[str, float]]) -> Communities:
    c = Communities()
    for (a, b), weights in edges.items():
        for x, y in ((a, b), (b, a)):
            c.membership[x] = 0
            c.edges.setdefault(x, {})[y] = {CLASS_KIND[k]: w for k, w in weights.items()}
            inside = c.inside.setdefault(x, {})
            for cls, w in weights.items():
                inside[cls] = inside.get(cls, 0.0) + w
    return c


HARVEST = Assessment(abuse=0.0, harvest=0.4, reasons=[])


def test_members_linked_by_two_classes_to_each_other_stay() -> None:
    both = {"infra": 1.0, "client": 1.0}
    comms = _communities({("a", "b"): both, ("b", "c"): both, ("a", "c"): both})
    groups = CampaignAssembler().groups(comms, dict.fromkeys("abc", HARVEST), set())
    assert [g.accounts for g in groups] == [["a", "b", "c"]]


def test_accounts_touching_the_group_by_one_class_are_peeled_away() -> None:
    both = {"infra": 1.0, "client": 1.0}
    comms = _communities({
        ("a", "b"): both, ("b", "c"): both, ("a", "c"): both,
        ("x", "a"): {"infra": 5.0},          # a shared proxy address, nothing else
        ("y", "b"): {"content": 0.5},        # a shared public prompt
        ("y", "c"): {"infra": 0.5},          # ...and a different corner of the group
    })
    groups = CampaignAssembler().groups(comms, dict.fromkeys("abcxy", HARVEST), set())
    assert [g.accounts for g in groups] == [["a", "b", "c"]]


def test_excluded_accounts_never_join() -> None:
    both = {"infra": 1.0, "client": 1.0}
    comms = _communities({("a", "b"): both, ("b", "c"): both, ("a", "c"): both})
    groups = CampaignAssembler().groups(comms, dict.fromkeys("abc", HARVEST), {"c"})
    assert [g.accounts for g in groups] == [["a", "b"]]


def test_abuse_groups_need_each_members_own_volume() -> None:
    loud = Assessment(abuse=0.9, harvest=0.0, reasons=[], abuse_prompts=50)
    quiet = Assessment(abuse=0.9, harvest=0.0, reasons=[], abuse_prompts=2)
    comms = _communities({("a", "b"): {"infra": 1.0}})
    groups = CampaignAssembler().groups(comms, {"a": loud, "b": quiet}, set())
    assert [g.accounts for g in groups] == [["a"]]
