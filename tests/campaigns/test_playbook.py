"""A group's bank of system prompts, and the light leads that run it."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from stillwatch.accounts.evidence import Assessment, BehaviourScorer
from stillwatch.accounts.features import ALL_CATEGORIES
from stillwatch.campaigns.assemble import CampaignAssembler
from stillwatch.campaigns.associates import Lead
from stillwatch.campaigns.group import CampaignConfig, Group
from stillwatch.campaigns.playbook import PromptUsage, adopters, banks, prompt_usage
from stillwatch.engine import DuckDBEngine
from stillwatch.links.graph import Communities

CONFIG = CampaignConfig()
MEMBERS = ["m1", "m2", "m3", "m4"]
GROUP = Group("h0", list(MEMBERS), 4)
BANK = {101: 5, 102: 5, 103: 5, 104: 5}


def _lead(group: str = "h0") -> Lead:
    return Lead(group, ["m1", "m2"], {"infra": 0.6, "content": 0.6})


def _usage(extra: dict[str, dict[int, int]]) -> PromptUsage:
    return PromptUsage({**{m: dict(BANK) for m in MEMBERS}, **extra})


def test_a_lead_running_two_of_the_banks_prompts_joins_with_the_reason() -> None:
    usage = _usage({"light": {101: 2, 103: 4}})
    joined = adopters([GROUP], usage, {"light": _lead()}, CONFIG)
    assert list(joined) == ["light"]
    key, reason = joined["light"]
    assert key == "h0"
    assert reason.signal == "runs_playbook"
    assert reason.evidence["prompts"] == 2 and reason.evidence["bank"] == 4


def test_one_prompt_of_the_bank_is_not_enough() -> None:
    # one prompt may be a public one a big hydra happens to dominate in this log
    usage = _usage({"light": {101: 18}})
    assert adopters([GROUP], usage, {"light": _lead()}, CONFIG) == {}


def test_an_account_with_no_links_to_the_members_never_joins() -> None:
    # the same prompts, but no lead: infrastructure and behaviour link it to nobody
    usage = _usage({"stranger": dict(BANK)})
    assert adopters([GROUP], usage, {}, CONFIG) == {}


def test_a_lead_of_another_group_does_not_join_this_one() -> None:
    usage = _usage({"light": dict(BANK)})
    assert adopters([GROUP], usage, {"light": _lead("h1")}, CONFIG) == {}


def test_public_prompts_many_unlinked_accounts_use_are_no_bank() -> None:
    # a public framework's prompts: the members use them, and so do forty honest customers
    # who act with no member
    public = {f"user{i}": {101: 1, 102: 1, 103: 1} for i in range(40)}
    usage = _usage({"light": {101: 2, 102: 1, 103: 4}, **public})
    assert banks([GROUP], usage, {"light": _lead()}, CONFIG) == {"h0": {104}}
    assert adopters([GROUP], usage, {"light": _lead()}, CONFIG) == {}


def test_the_groups_leads_count_as_its_own_users() -> None:
    # the leads that run the bank are no evidence the prompts are public
    leads = {f"light{i}": _lead() for i in range(6)}
    usage = _usage({name: dict(BANK) for name in leads})
    assert banks([GROUP], usage, leads, CONFIG) == {"h0": set(BANK)}
    assert sorted(adopters([GROUP], usage, leads, CONFIG)) == sorted(leads)


def test_prompts_few_members_use_are_no_bank() -> None:
    usage = PromptUsage({"m1": {201: 3}, "m2": {201: 3}, "m3": {202: 1}, "light": {201: 5}})
    assert banks([Group("h0", ["m1", "m2", "m3"], 3)], usage, {"light": _lead()}, CONFIG) == {}


def test_a_lead_sending_mostly_other_system_prompts_does_not_join() -> None:
    usage = _usage({"light": {101: 1, 102: 1, 103: 1, 999: 30}})
    assert adopters([GROUP], usage, {"light": _lead()}, CONFIG) == {}


def test_prompt_usage_reads_every_user_of_the_members_prompts() -> None:
    con = duckdb.connect()
    rows = [("m1", 1), ("m1", 1), ("m1", 2), ("m2", 2), ("light", 1), ("light", 7),
            ("light", None), ("other", 3), ("m2", None)]
    con.register("log", pa.table({"account": [a for a, _ in rows],
                                  "system_template_id": pa.array([t for _, t in rows], pa.int64())}))
    con.execute("CREATE TABLE exchanges AS SELECT * FROM log")
    usage = prompt_usage(DuckDBEngine(con), "exchanges", [Group("h0", ["m1", "m2"], 2)])
    # "light" uses a member's prompt, so all its system prompts come back; "other" uses none
    assert usage.by_account == {"m1": {1: 2, 2: 1}, "m2": {2: 1}, "light": {1: 1, 7: 1}}
    assert prompt_usage(DuckDBEngine(con), "exchanges", []).by_account == {}


def test_the_assembler_adds_adopters_to_their_group_before_it_is_judged() -> None:
    both = {"ip": 0.6, "tpl": 0.6}
    pairs = {(a, b): both for i, a in enumerate(MEMBERS) for b in MEMBERS[i + 1:]}
    pairs[("light", "m1")] = both
    pairs[("light", "m2")] = both
    comms = Communities.from_pairs(pairs)
    harvest = Assessment(abuse=0.0, harvest=0.4, reasons=[])
    idle = Assessment(abuse=0.0, harvest=0.0, reasons=[])
    assessments = {**dict.fromkeys(MEMBERS, harvest), "light": idle}
    assembler = CampaignAssembler()
    groups = assembler.groups(comms, assessments, set())
    assert [g.accounts for g in groups] == [MEMBERS]  # too light to join on its own traffic
    volumes = dict.fromkeys([*MEMBERS, "light"], 100)
    assembler.adopt(groups, _usage({"light": {101: 2, 102: 1, 103: 4}}), comms, assessments, set(), volumes)
    assert groups[0].accounts == ["light", *MEMBERS]
    assert assembler.joined_["light"].signal == "runs_playbook"
    # an excluded (authorized) account never joins, whatever it runs
    again = CampaignAssembler()
    groups = again.groups(comms, assessments, {"light"})
    again.adopt(groups, _usage({"light": dict(BANK)}), comms, assessments, {"light"}, volumes)
    assert groups[0].accounts == MEMBERS


def test_a_light_lead_running_the_bank_joins_but_not_one_lighter_still() -> None:
    # Leads need min_exchanges (20) of their own traffic, except to join through the bank:
    # its prompts are the proof then, down to bank_min_exchanges (5).
    both = {"ip": 0.6, "tpl": 0.6}
    pairs = {(a, b): both for i, a in enumerate(MEMBERS) for b in MEMBERS[i + 1:]}
    for light in ("light", "lighter"):
        pairs[(light, "m1")] = both
        pairs[(light, "m2")] = both
    comms = Communities.from_pairs(pairs)
    harvest = Assessment(abuse=0.0, harvest=0.4, reasons=[])
    idle = Assessment(abuse=0.0, harvest=0.0, reasons=[])
    assessments = {**dict.fromkeys(MEMBERS, harvest), "light": idle, "lighter": idle}
    volumes = {**dict.fromkeys(MEMBERS, 100), "light": CONFIG.bank_min_exchanges,
               "lighter": CONFIG.bank_min_exchanges - 1}  # fmt: skip
    assert CONFIG.bank_min_exchanges < CONFIG.min_exchanges
    runs = {101: 2, 102: 2, 103: 1}
    for light, joins in (("light", ["light"]), ("lighter", [])):
        assembler = CampaignAssembler()
        groups = assembler.groups(comms, assessments, set())
        assembler.adopt(groups, _usage({light: runs}), comms, assessments, set(), volumes)
        assert groups[0].adopted == joins


def _pooled_harvest() -> dict:
    """A group's pooled traffic that convicts as coordinated harvesting at five accounts."""
    p: dict = {
        "exchanges": 5000, "accounts": 5, "orgs": 5, "no_org_exchanges": 0, "elicit_count": 0,
        "elicit_prompts": 0, "elicit_rate": 0.0, "extract_count": 0, "extract_prompts": 0,
        "extract_rate": 0.0, "near_max_tokens": 0.9,
        "multi_n": 0.8, "logprobs": 0.9, "top_template_count": 4000, "distinct_templates": 20,
        "single_turn": 1.0, "active_hours": 24, "hour_entropy": 0.99, "young_accounts": 0.0,
        "pivot_share": 0.0, "pivot_model": None, "active_days": 10, "high_effort": 0.0,
        "distinct_ips": 5, "distinct_asns": 1, "member_asns": 1, "sync": 0.0,
    }
    p.update({f"cat_{c}": 0.0 for c in ALL_CATEGORIES})
    p["cat_general_chat"] = 1.0
    return p


def test_adopted_accounts_never_make_a_few_harvesters_a_campaign() -> None:
    scorer = BehaviourScorer().fit([_pooled_harvest()])
    kinds = {"ip": 10, "tpl": 10}
    five = Group("h0", ["a", "b", "c", "d", "e"], 5, kinds)
    assert len(CampaignAssembler().decide([five], {"h0": _pooled_harvest()}, scorer)) == 1
    # three harvesters and two light accounts that run their prompts: related, not a campaign
    three = Group("h0", ["a", "b", "c", "d", "e"], 5, kinds, adopted=["d", "e"])
    assembler = CampaignAssembler()
    assert assembler.decide([three], {"h0": _pooled_harvest()}, scorer) == []
    assert assembler.related_["a"].signal == "related_harvesting"


def test_a_light_account_sharing_only_faint_exits_with_members_joins_through_the_bank() -> None:
    # A hydra on a rotating proxy pool: a light account shares an address or two with each of
    # several members, too faint for any pair to act together, so it is no lead. Running the
    # group's private bank, with exits shared with three members, it joins; with two, or with
    # exits alone (an honest customer of the pool), it does not.
    members = [f"m{i}" for i in range(10)]
    both = {"ip": 0.6, "tpl": 0.6}
    pairs = {(a, b): both for i, a in enumerate(members) for b in members[i + 1:]}
    faint = {"ip": 0.01, "net": 0.01}
    for n, acct in ((3, "thin"), (2, "thinner"), (10, "customer")):
        pairs.update({(acct, m): faint for m in members[:n]})
    comms = Communities.from_pairs(pairs)
    harvest = Assessment(abuse=0.0, harvest=0.4, reasons=[])
    idle = Assessment(abuse=0.0, harvest=0.0, reasons=[])
    assessments = {**dict.fromkeys(members, harvest), "thin": idle, "thinner": idle, "customer": idle}
    volumes = {**dict.fromkeys(members, 100), "thin": 40, "thinner": 40, "customer": 40}
    runs = {"thin": {101: 3, 102: 2}, "thinner": {101: 3, 102: 2}, "customer": {900: 12}}
    for acct, joins in (("thin", ["thin"]), ("thinner", []), ("customer", [])):
        assembler = CampaignAssembler()
        groups = assembler.groups(comms, assessments, set())
        assert [g.accounts for g in groups] == [members]
        usage = PromptUsage({**{m: dict(BANK) for m in members}, acct: runs[acct]})
        assembler.adopt(groups, usage, comms, assessments, set(), volumes)
        assert groups[0].adopted == joins, acct
        if joins:
            assert "shares proxy exits (addresses or /24s) with 3 member(s)" in assembler.joined_[acct].detail
