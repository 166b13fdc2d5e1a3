"""Group formation: the cohesion peel and the abuse-volume rule."""

from __future__ import annotations

from stillwatch.accounts.evidence import Assessment
from stillwatch.campaigns.assemble import CampaignAssembler
from stillwatch.campaigns.group import Campaign
from stillwatch.campaigns.playbook import PromptUsage
from stillwatch.links.graph import Communities


CLASS_KIND = {"infra": "ip", "client": "client", "content": "tpl"}


def _communities(
    edges: dict[tuple[str, str], dict[str, float]],
    shared: dict[tuple[str, str], dict[str, int]] | None = None,
) -> Communities:
    """Evidence per pair by class (one kind standing for each) or by kind itself."""
    return Communities.from_pairs(
        {pair: {CLASS_KIND.get(k, k): w for k, w in weights.items()} for pair, weights in edges.items()}, shared
    )


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


def _with_shared(pairs: dict[tuple[str, str], int]) -> Communities:
    """System-prompt links only: each pair shares this many distinct system prompts."""
    return _communities({p: {"sys": 0.6} for p in pairs}, {p: {"sys": n} for p, n in pairs.items()})


def test_a_bank_of_shared_system_prompts_joins_accounts_with_no_shared_infrastructure() -> None:
    ring = {("a", "b"): 12, ("b", "c"): 9, ("c", "d"): 15, ("d", "a"): 10}
    comms = _with_shared(ring)
    groups = CampaignAssembler().groups(comms, dict.fromkeys("abcd", HARVEST), set())
    assert [g.accounts for g in groups] == [["a", "b", "c", "d"]]


def test_a_few_popular_system_prompts_do_not_join_accounts() -> None:
    # Honest customers of one product share one prompt; heavy users of one public prompt
    # library share a few of its prompts by chance.
    ring = {("a", "b"): 1, ("b", "c"): 5, ("c", "d"): 3, ("d", "a"): 4}
    comms = _with_shared(ring)
    groups = CampaignAssembler().groups(comms, dict.fromkeys("abcd", HARVEST), set())
    assert groups == []


def test_a_shared_prompt_bank_without_harvesting_does_not_join() -> None:
    idle = Assessment(abuse=0.0, harvest=0.05, reasons=[])
    comms = _with_shared({("a", "b"): 20, ("b", "c"): 20})
    groups = CampaignAssembler().groups(comms, dict.fromkeys("abc", idle), set())
    assert groups == []


def test_harvesters_in_two_communities_acting_together_are_one_group() -> None:
    both = {"infra": 1.0, "client": 1.0}
    comms = _communities({("a", "b"): both, ("b", "c"): both, ("c", "d"): both})
    comms.membership.update({"c": 1, "d": 1})  # Leiden cut the group in two
    groups = CampaignAssembler().groups(comms, dict.fromkeys("abcd", HARVEST), set())
    assert [g.accounts for g in groups] == [["a", "b", "c", "d"]]


def test_abusers_sharing_only_a_community_are_judged_alone() -> None:
    loud = Assessment(abuse=0.9, harvest=0.0, reasons=[], abuse_prompts=50)
    comms = _communities({("a", "b"): {"infra": 1.0}})
    comms.membership["lone"] = 0  # in the community, no direct link to either
    groups = CampaignAssembler().groups(comms, {"a": loud, "b": loud, "lone": loud}, set())
    assert sorted(g.accounts for g in groups) == [["a", "b"], ["lone"]]
    assert [g.key for g in groups if g.accounts == ["lone"]] == ["a:lone"]


def test_a_shared_slash_24_alone_is_not_shared_infrastructure() -> None:
    # A home user whose ISP block also holds residential proxy exits, using the same SDK.
    hydra = {"infra": 1.0, "client": 1.0}
    comms = _communities({
        ("a", "b"): hydra, ("b", "c"): hydra, ("a", "c"): hydra,
        **{("home", other): {"net": 0.075, "client": 0.3} for other in "abc"},
    })
    groups = CampaignAssembler().groups(comms, dict.fromkeys(["a", "b", "c", "home"], HARVEST), set())
    assert [g.accounts for g in groups] == [["a", "b", "c"]]


def test_abusers_with_little_in_common_are_separate_operators() -> None:
    # Two elicitation campaigns drawing on one public benchmark share a handful of
    # near-duplicates; two more route through one residential proxy pool and share a few
    # of its exits. Only "a"-"b" and "c"-"d" share most of their addresses.
    loud = Assessment(abuse=0.9, harvest=0.0, reasons=[], abuse_prompts=50)
    comms = _communities({
        ("a", "b"): {"infra": 0.3}, ("c", "d"): {"infra": 0.3},
        ("b", "c"): {"content": 0.001}, ("d", "e"): {"infra": 0.05},
    })
    groups = CampaignAssembler().groups(comms, dict.fromkeys("abcde", loud), set())
    assert sorted(g.accounts for g in groups) == [["a", "b"], ["c", "d"], ["e"]]


def test_abusers_signed_up_in_the_same_minutes_are_not_one_operator_on_that_alone() -> None:
    # Each account has one sign-up bucket, so two operators' batches made in the same ten
    # minutes share "all" of it; "c" and "d" also share most of their addresses.
    loud = Assessment(abuse=0.9, harvest=0.0, reasons=[], abuse_prompts=50)
    comms = _communities({("a", "b"): {"born": 0.3}, ("c", "d"): {"born": 0.3, "ip": 0.3}})
    groups = CampaignAssembler().groups(comms, dict.fromkeys("abcd", loud), set())
    assert sorted(g.accounts for g in groups) == [["a"], ["b"], ["c", "d"]]


def test_accounts_paying_with_an_abusers_card_join_it_when_they_harvest_themselves() -> None:
    loud = Assessment(abuse=0.9, harvest=0.0, reasons=[], abuse_prompts=50)
    card = {"pay": 0.5}
    comms = _communities({
        ("abuser", "grader"): card, ("abuser", "idle"): card,
        ("grader", "rewriter"): card,  # the card's other holders, one step further
    })
    assessments = {"abuser": loud, "grader": HARVEST, "rewriter": HARVEST,
                   "idle": Assessment(abuse=0.0, harvest=0.0, reasons=[])}
    assembler = CampaignAssembler()
    groups = assembler.groups(comms, assessments, set())
    assert [g.accounts for g in groups] == [["abuser", "grader", "rewriter"]]
    # each says whose card brought it in, for the analyst
    assert {a: r.evidence["account"] for a, r in assembler.joined_.items()} == {
        "grader": "abuser", "rewriter": "grader"}


def test_a_shared_address_with_an_abuser_is_not_enough_to_join() -> None:
    loud = Assessment(abuse=0.9, harvest=0.0, reasons=[], abuse_prompts=50)
    comms = _communities({("abuser", "classmate"): {"infra": 1.0}})
    groups = CampaignAssembler().groups(comms, {"abuser": loud, "classmate": HARVEST}, set())
    assert [g.accounts for g in groups] == [["abuser"]]


def test_an_authorized_paymate_never_joins() -> None:
    loud = Assessment(abuse=0.9, harvest=0.0, reasons=[], abuse_prompts=50)
    comms = _communities({("abuser", "partner"): {"pay": 0.5}})
    groups = CampaignAssembler().groups(comms, {"abuser": loud, "partner": HARVEST}, {"partner"})
    assert [g.accounts for g in groups] == [["abuser"]]


def test_abusers_sharing_their_addresses_are_one_group_across_communities() -> None:
    loud = Assessment(abuse=0.9, harvest=0.0, reasons=[], abuse_prompts=50)
    comms = _communities({("a", "b"): {"infra": 0.3}})
    comms.membership["b"] = 1  # Leiden put them apart
    groups = CampaignAssembler().groups(comms, {"a": loud, "b": loud}, set())
    assert [g.accounts for g in groups] == [["a", "b"]]


def test_a_member_is_peeled_again_within_its_own_group() -> None:
    # x acts with a (an address and a little shared content) and shares much content with
    # another group; its links to a's group alone do not span two classes.
    both = {"infra": 1.0, "client": 1.0}
    comms = _communities({
        ("a", "b"): both, ("b", "c"): both, ("a", "c"): both,
        ("p", "q"): both, ("q", "r"): both, ("p", "r"): both,
        ("x", "a"): {"infra": 0.5, "content": 0.1},
        ("x", "p"): {"content": 0.5},
        ("x", "q"): {"content": 0.5},
    })
    groups = CampaignAssembler().groups(comms, dict.fromkeys("abcpqrx", HARVEST), set())
    assert sorted(g.accounts for g in groups) == [["a", "b", "c"], ["p", "q", "r"]]


def _campaign(cid: str, accounts: list[str]) -> Campaign:
    return Campaign(cid, accounts, {}, HARVEST, [], 0.9)


def test_light_accounts_acting_with_a_campaign_are_leads_not_members() -> None:
    both = {"infra": 0.5, "client": 0.5}
    comms = _communities({
        ("a", "b"): both, ("b", "c"): both, ("a", "c"): both,
        ("light", "a"): both,                 # acts with a member as members do
        ("tiny", "a"): both,                  # the same, on a handful of exchanges
        ("nat", "a"): {"infra": 1.0}, ("nat", "b"): {"infra": 1.0},  # an address only
        ("partner", "a"): both,               # on the authorized list
    })
    quiet = Assessment(abuse=0.0, harvest=0.0, reasons=[])
    assessments = {**dict.fromkeys("abc", HARVEST), **dict.fromkeys(["light", "tiny", "nat", "partner"], quiet)}
    volumes = {"light": 150, "tiny": 8, "nat": 400, "partner": 900}
    assembler = CampaignAssembler()
    assembler.associates([_campaign("C001", ["a", "b", "c"])], comms, assessments, {"partner"}, volumes)
    assert set(assembler.related_) == {"light"}
    lead = assembler.related_["light"]
    assert lead.signal == "campaign_associate" and lead.weight == 0.5
    assert lead.evidence["campaign"] == "C001" and lead.evidence["accounts"] == ["a"]


def test_an_account_running_a_members_playbook_is_a_lead_on_that_alone() -> None:
    # Fresh addresses and its own card: it shares nothing with the campaign but a bank of
    # system prompts, and harvests too little to join. A few shared prompts are no playbook.
    both = {"infra": 0.5, "client": 0.5}
    edges = {("a", "b"): both, ("b", "c"): both, ("a", "c"): both,
             ("bank", "a"): {"sys": 0.6}, ("library", "b"): {"sys": 0.6}}
    shared = {("bank", "a"): {"sys": 32}, ("library", "b"): {"sys": 5}}
    quiet = Assessment(abuse=0.0, harvest=0.1, reasons=[])
    assessments = {**dict.fromkeys("abc", HARVEST), "bank": quiet, "library": quiet}
    assembler = CampaignAssembler()
    assembler.associates([_campaign("C001", ["a", "b", "c"])], _communities(edges, shared), assessments, set(),
                         {"bank": 1500, "library": 1500})  # fmt: skip
    assert set(assembler.related_) == {"bank"}
    lead = assembler.related_["bank"]
    assert lead.weight == 0.5 and lead.evidence["playbook_prompts"] == 32
    assert "32 distinct system prompts" in lead.detail


def test_a_playbook_alone_never_adopts_an_account_into_a_group() -> None:
    # The bank stage (which convicts) still wants a lead that acts with the members in two
    # classes of evidence; running a member's playbook alone leaves it an associate.
    both = {"infra": 0.5, "client": 0.5}
    members = ["a", "b", "c", "d", "e"]
    edges = {(x, y): both for i, x in enumerate(members) for y in members[i + 1:]}
    edges[("bank", "a")] = {"sys": 0.6}
    comms = _communities(edges, {("bank", "a"): {"sys": 32}})
    quiet = Assessment(abuse=0.0, harvest=0.1, reasons=[])
    assembler = CampaignAssembler()
    groups = assembler.groups(comms, {**dict.fromkeys(members, HARVEST), "bank": quiet}, set())
    usage = PromptUsage({a: {t: 10 for t in range(32)} for a in [*members, "bank"]})
    assembler.adopt(groups, usage, comms, {**dict.fromkeys(members, HARVEST), "bank": quiet}, set(),
                    dict.fromkeys([*members, "bank"], 1500))  # fmt: skip
    assert [g.accounts for g in groups] == [members]


def test_faint_overlaps_with_many_members_do_not_make_a_lead() -> None:
    # A proxy-pool customer shares exits with every member and, here and there, a public
    # prompt: each overlap faint, their sum over forty members large.
    both = {"infra": 0.5, "client": 0.5}
    members = [f"m{i:02d}" for i in range(40)]
    edges = {(a, b): both for a, b in zip(members, members[1:])}
    edges.update({("pool", m): {"infra": 0.2, "content": 0.02} for m in members[2:]})
    edges.update({("pool", m): {"infra": 0.2, "content": 0.06} for m in members[:2]})
    quiet = Assessment(abuse=0.0, harvest=0.0, reasons=[])
    assembler = CampaignAssembler()
    assembler.associates([_campaign("C001", members)], _communities(edges),
                         {**dict.fromkeys(members, HARVEST), "pool": quiet}, set(), {"pool": 300})  # fmt: skip
    assert assembler.related_ == {}


def test_a_light_abuser_acting_with_harvesters_is_peeled_with_them() -> None:
    # Too few elicitation prompts to convict on its own and no other abuser to group
    # with: it is judged like the harvesters it acts with. A heavy abuser stays on its own.
    light = Assessment(abuse=0.6, harvest=0.0, reasons=[], abuse_prompts=8)
    heavy = Assessment(abuse=0.9, harvest=0.0, reasons=[], abuse_prompts=50)
    both = {"infra": 1.0, "client": 1.0}
    comms = _communities({("a", "b"): both, ("b", "c"): both, ("a", "c"): both,
                          ("x", "a"): both, ("x", "b"): both, ("y", "a"): both, ("y", "c"): both})
    assessments = {**dict.fromkeys("abc", HARVEST), "x": light, "y": heavy}
    groups = CampaignAssembler().groups(comms, assessments, set())
    assert sorted(g.accounts for g in groups) == [["a", "b", "c", "x"], ["y"]]
