"""From communities to campaigns, in two phases.

``groups`` gathers candidate groups: harvesting accounts that link to each other by
infrastructure *and* by what they do (shared templates, near-duplicate prompts, one client
fingerprint) or by one bank of system prompts; and accounts showing abuse, with the abusers
they share much with and the accounts on their card. Accounts linked by infrastructure
alone are left out: a campus NAT, a proxy pool honest customers share, or a reseller explain
such links, so they never convict (the shared-infrastructure guard).

``decide`` judges each group on its pooled traffic, profiled by the same SQL as an account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from stillwatch.accounts.evidence import Assessment, BehaviourScorer, noisy_or
from stillwatch.campaigns.associates import associate_reason, exit_mates, find_leads
from stillwatch.campaigns.cohesion import PairRules, acts_with
from stillwatch.campaigns.coordination import coordination_reasons, pair_counts, shares_infrastructure
from stillwatch.campaigns.group import Campaign, CampaignConfig, Group
from stillwatch.campaigns.likeness import Alike, Mate, compare
from stillwatch.campaigns.operators import Join, joins
from stillwatch.campaigns.playbook import PromptUsage, adopters
from stillwatch.links.edges import Partner
from stillwatch.links.graph import Communities
from stillwatch.links.pairs import LinkConfig, class_weights
from stillwatch.types import Reason, sort_reasons


class CampaignAssembler:
    def __init__(self, config: CampaignConfig | None = None, link_weights: Mapping[str, float] | None = None) -> None:
        self.config = config or CampaignConfig()
        #: each link kind's full weight ([links] weights), to read a link's strength back
        self.link_weights = dict(link_weights if link_weights is not None else LinkConfig().weights)
        #: after ``decide``: members of groups that act together and harvest but are too
        #: few to convict, with the reason an analyst should look at them; and members of
        #: campaigns that joined through a shared card or prompt bank, with how they joined
        self.related_: dict[str, Reason] = {}
        #: after ``groups`` and ``adopt``: accounts that joined a group through an abuse
        #: group's card or a group's bank of system prompts
        self.joined_: dict[str, Reason] = {}
        self._rules: PairRules | None = None
        self._adopted: set[str] = set()
        self._joins: dict[str, Join] = {}

    def groups(
        self,
        communities: Communities,
        assessments: Mapping[str, Assessment],
        excluded: set[str],
    ) -> list[Group]:
        """Candidate groups: abusers with the abusers they share much with, and coordinated harvesters.

        A member counts as coordinated when its own traffic shows some harvesting and it
        links to the rest of the group through at least two classes of evidence (say, a
        proxy pool *and* one client fingerprint), the group being peeled until that holds
        for every member. Prompts drawn from the same public benchmarks,
        or one NAT, give one class only; an honest customer of a shared proxy pool shows no
        harvesting. Abusers group with the abusers they share most of some evidence with
        (their abuse is the proof, the link only says whose campaign it is), in whatever
        community; sharing a community, a few proxy exits or a popular jailbreak's wording
        is not enough, and an abuser on its own is judged on its own volume, or, too light
        for that, peeled with the harvesters. Lone accounts showing abuse form groups of
        their own. An abuse group takes in the accounts that pay with its card and harvest
        themselves (``_add_paymates``).
        """
        c = self.config
        rules = PairRules(communities.pairs, floor=c.pair_class_min, playbook_prompts=c.playbook_prompts,
                          link_weights=self.link_weights, link_floor=c.abuse_link_strength)  # fmt: skip
        self._rules = rules
        out: list[Group] = []
        grouped: set[str] = set()
        harvesters: list[str] = []
        self.joined_ = {}
        abusers: set[str] = set()
        for _, accounts in sorted(communities.members().items()):
            for acct in accounts:
                if acct in excluded or acct not in assessments:
                    continue
                own = assessments[acct]
                if _shows_abuse(own, c):
                    abusers.add(acct)
                elif own.score >= c.member_behaviour:
                    harvesters.append(acct)
        # Across community lines, like the harvesters below: the links that join abusers
        # are strong ones (``cohesion.linked_share``), and one operator's accounts can fall
        # into several communities of the whole graph.
        for i, part in enumerate(rules.parts(abusers, rules.linked)):
            if len(part) >= 2:
                out.append(Group(f"a{i}", part, len(part), pair_counts(part, communities)))
                grouped.update(part)
        # Abusers' paymates come next, before the harvesters are peeled, so each account
        # lands in one group.
        for group in out:
            self._add_paymates(group, communities, assessments, excluded, grouped)
        # An abuser in no abuse group and too light to convict on its own volume is judged
        # like any harvester (its abuse is harvesting too): one operator's accounts that
        # ask for the hidden reasoning a few times each belong with the accounts they act
        # with, not left out for sending more than they do.
        light = [a for a in sorted(abusers - grouped) if assessments[a].abuse_prompts < c.abuse_min_prompts]
        # Coordinated harvesters are peeled across community lines: a hydra of thousands of
        # accounts may span several communities and is still one operator.
        candidates = [h for h in harvesters if h not in grouped] + light
        for i, part in enumerate(self._cohesive(candidates, rules)):
            if len(part) >= 2:
                out.append(Group(f"h{i}", part, len(part), pair_counts(part, communities)))
                grouped.update(part)
        for acct, a in sorted(assessments.items()):
            if acct not in grouped and acct not in excluded and _shows_abuse(a, c):
                group = Group(f"a:{acct}", [acct], 0, {})
                grouped.add(acct)
                self._add_paymates(group, communities, assessments, excluded, grouped)
                out.append(group)
        return out

    def adopt(
        self,
        groups: list[Group],
        usage: PromptUsage,
        communities: Communities,
        assessments: Mapping[str, Assessment],
        excluded: set[str],
        volumes: Mapping[str, int],
    ) -> None:
        """Add to their groups the leads that run a group's own bank of system prompts
        (``playbook.adopters``), before the groups are judged."""
        member_of = {a: g.key for g in groups for a in g.accounts}
        # Only an account using a member's system prompts can run a bank, or count towards one
        # as a lead (``playbook.banks``), so only they are walked.
        users = usage.by_account
        leads = find_leads(member_of, communities, assessments, excluded, volumes, self.config, self._together,
                           min_exchanges=self.config.bank_min_exchanges, among=users)  # fmt: skip
        exits = exit_mates(member_of, communities, excluded, volumes, min_mates=self.config.bank_exit_mates,
                           min_exchanges=self.config.bank_min_exchanges, among=users)  # fmt: skip
        joining = adopters(groups, usage, leads, self.config, exits)
        by_key = {g.key: g for g in groups}
        for acct, (key, reason) in joining.items():
            group = by_key[key]
            group.accounts.append(acct)
            group.adopted.append(acct)
            self.joined_[acct] = reason
        for key in {key for key, _ in joining.values()}:
            _regroup(by_key[key], by_key[key].accounts, communities)

    def _add_paymates(
        self,
        group: Group,
        communities: Communities,
        assessments: Mapping[str, Assessment],
        excluded: set[str],
        grouped: set[str],
    ) -> None:
        """Add the accounts that pay with an abuse group's card and harvest themselves.

        An operator spreads one campaign over accounts with different jobs: some ask for
        the hidden reasoning, others collect rubric grades or rewrites and show only
        harvesting. A card is not an address that strangers share behind a NAT or a proxy;
        one card across accounts is one payer. Such an account joins the group (and is
        judged with it) only with harvesting of its own, as the gateway's inherited risk
        does for new accounts on a campaign's card.
        """
        c = self.config
        members = list(group.accounts)
        for acct in members:  # grows while it runs: a paymate's own card mates join too
            for link in communities.partners(acct):
                other = link.other
                own = assessments.get(other)
                if (
                    link.weights.get("pay", 0.0) >= c.pair_class_min
                    and other not in grouped
                    and other not in excluded
                    and own is not None
                    and own.score >= c.member_behaviour
                ):
                    members.append(other)
                    grouped.add(other)
                    self.joined_[other] = Reason(
                        "same_payer",
                        0.0,
                        f"pays with the same card as {acct}, whose group shows abuse; "
                        "its own traffic shows harvesting",
                        {"account": acct},
                    )
        if len(members) > len(group.accounts):
            _regroup(group, members, communities)

    def _acts_with(self, pair: dict[str, float]) -> bool:
        """``cohesion.acts_with`` for one pair's evidence."""
        w = class_weights(pair)
        return bool(acts_with(w.get("infra", 0.0), pair.get("net", 0.0), w.get("content", 0.0),
                              w.get("client", 0.0), self.config.pair_class_min))  # fmt: skip

    def _playbook(self, link: Partner) -> bool:
        """One operator's prompt bank: many distinct system prompts in common.

        An operator that rotates its accounts through fresh addresses, its own cards and
        aged sign-ups still runs them all from one bank of system prompts, and its accounts
        share much of it. Honest customers share one product's prompt, or the few prompts
        of the public frameworks and data sets they both use: among 508 heavy users of one
        public library, pairs shared up to five by chance (10M exchanges), where a bank's
        accounts shared 7 to 32. Even a playbook is only half the proof: every member still
        needs its own harvesting and the group's pooled traffic must show it."""
        return link.shared.get("sys", 0) >= self.config.playbook_prompts

    def _together(self, link: Partner) -> bool:
        return self._acts_with(link.weights) or self._playbook(link)

    def _cohesive(self, members: list[str], rules: PairRules) -> list[list[str]]:
        """The groups of members that act together, after peeling away the rest.

        A member stays while some other member of its group acts with it (``_acts_with``)
        and its links to its group's other members span two classes of total weight
        ``class_min_weight`` (a class counted only in pairs sharing ``pair_class_min`` of
        it); the survivors split into the connected parts of the acts-with
        relation, so a pair of honest accounts that happens to sit inside a hydra's
        community is judged on its own, not on the hydra's pooled traffic. Each part is
        peeled again until nothing moves: a customer of a hydra's proxy pool must not stay
        in the hydra's group on prompts it shares with accounts of another group.
        ``PairRules`` does both over all the pairs at once.
        """
        out: list[list[str]] = []
        pending = [set(members)]
        while pending:
            group = pending.pop()
            kept = rules.peel(group, self.config.class_min_weight)
            parts = rules.parts(kept, rules.together)
            if len(parts) == 1 and len(kept) == len(group):
                out.append(parts[0])
            else:
                pending.extend(set(part) for part in parts)
        return sorted(out)

    def associates(
        self,
        campaigns: list[Campaign],
        communities: Communities,
        assessments: Mapping[str, Assessment],
        excluded: set[str],
        volumes: Mapping[str, int],
    ) -> None:
        """Add to ``related_`` the campaigns' leads (``find_leads``): accounts acting with
        a campaign's members, or running one's playbook, but too light to join it."""
        member_of = {a: k.id for k in campaigns for a in k.accounts}
        leads = find_leads(member_of, communities, assessments, excluded, volumes, self.config, self._together,
                           min_exchanges=self.config.min_exchanges, playbook=self._playbook)  # fmt: skip
        self.related_.update((a, associate_reason(x, self.config.associate_weight)) for a, x in leads.items())

    def _relate(self, group: Group, behaviour: Assessment, coordination: float) -> None:
        n = len(group.accounts)
        top = "; ".join(r.detail for r in behaviour.reasons[:2])
        for acct in group.accounts:
            others = [a for a in group.accounts if a != acct]
            self.related_[acct] = Reason(
                "related_harvesting",
                noisy_or([coordination, behaviour.harvest]),
                f"acts together with {n - 1} other account(s) of other customers "
                f"({', '.join(others[:3])}{', ...' if n > 4 else ''}), fewer than a campaign "
                f"needs, whose pooled traffic shows harvesting: {top}",
                {"accounts": others},
            )

    def decide(
        self,
        groups: list[Group],
        pooled: Mapping[str, Mapping[str, Any]],
        scorer: BehaviourScorer,
    ) -> list[Campaign]:
        """Judge each group on its pooled traffic; return the campaigns, largest first."""
        c = self.config
        found: list[Campaign] = []
        self.related_ = {}
        self._adopted = {a for g in groups for a in g.adopted}
        for group in groups:
            profile = pooled[group.key]
            if int(profile["exchanges"]) < c.min_exchanges:
                continue
            behaviour = scorer.assess(profile)
            coordination = coordination_reasons(group, profile, c)
            many_customers = int(profile["orgs"]) > 1 or int(profile["no_org_exchanges"]) > 0
            coordination_score = noisy_or([r.weight for r in coordination])
            # Accounts that share only what they do (system prompts, prompts, one SDK's
            # settings) may be a community of practice: heavy users of one public prompt
            # library. Their group needs clearer harvesting than any one habit of heavy use
            # shows; a group that also shares addresses, cards or sign-up batches needs some.
            if shares_infrastructure(group):
                harvested = behaviour.harvest >= c.harvest_threshold
            else:
                harvested = behaviour.harvest > c.practice_harvest
            # Coordinated harvesting needs three things at once: several customers' accounts
            # acting as one, harvesting in their pooled traffic, and enough of both together.
            harvesting_together = (
                many_customers
                and coordination_score >= c.coordination_threshold
                and harvested
                and noisy_or([coordination_score, behaviour.harvest]) >= c.campaign_threshold
            )
            coordinated = harvesting_together and group.head_count >= c.min_accounts
            # A few jailbreak attempts are not a campaign: abuse convicts at volume only.
            abusive = (
                behaviour.abuse >= c.abuse_threshold
                and behaviour.abuse_prompts >= c.abuse_min_prompts
            )
            convicted = abusive or coordinated
            if not convicted:
                # Everything but the head count: a lead for an analyst, never a conviction.
                # (Weaker groups are not leads: classmates behind one campus NAT share an
                # address and an assignment and show a little harvest-like use.)
                if harvesting_together:
                    self._relate(group, behaviour, coordination_score)
                continue
            found.append(_campaign(group, profile, behaviour, coordination))
        convicted_accounts = {a for k in found for a in k.accounts}
        self.related_ = {a: r for a, r in self.related_.items() if a not in convicted_accounts}
        self.related_.update((a, r) for a, r in self.joined_.items() if a in convicted_accounts)
        return _numbered(found)

    def operators(
        self,
        campaigns: list[Campaign],
        communities: Communities,
        profiles: Sequence[Mapping[str, Any]],
        assessments: Mapping[str, Assessment],
        excluded: set[str],
    ) -> list[Group]:
        """The campaigns one operator runs (``operators.joins``), each set as a group to
        profile and then ``join``. ``profiles`` are every account's, to tell an operator's
        work pattern from a common usage pattern (``likeness``)."""
        self._joins = {}
        if self._rules is None:
            return []
        member_of = {a: k.id for k in campaigns for a in k.accounts}
        population, candidates = self._samples(member_of, communities, profiles, assessments, excluded)
        same, found = compare([k.profile for k in campaigns], population, candidates, self.config)
        out = []
        parts = [k.accounts for k in campaigns]
        for i, j in enumerate(joins(self._rules, parts, self.config.operator_share, same, found)):
            accounts = sorted([a for x in j.parts for a in campaigns[x].accounts] + j.mate_accounts)
            adopted = [a for a in accounts if a in self._adopted]
            group = Group(f"o{i}", accounts, len(accounts), pair_counts(accounts, communities), adopted)
            self._joins[group.key] = j
            self.related_.update((m.account, _mate(m)) for m in j.mates)
            out.append(group)
        return out

    def _samples(
        self,
        member_of: Mapping[str, str],
        communities: Communities,
        profiles: Sequence[Mapping[str, Any]],
        assessments: Mapping[str, Assessment],
        excluded: set[str],
    ) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
        """The sample of honest use that tells an operator's work pattern from a common usage
        pattern, and the candidate mates (``likeness.Mate``): accounts in no campaign showing
        abuse of their own.

        An operator's uncaught accounts follow its pattern too, so the sample leaves out the
        accounts acting with a campaign's members (leads), those showing abuse, and those
        sharing proxy exits with several convicted accounts (``exit_mates``; an honest customer
        of that pool is no clean sample either). Only heavy accounts are compared, so only they
        are walked. Authorized partners stay in it: they are honest use, and never mates."""
        heavy = self.config.likeness_population_exchanges
        volumes = {str(p["g"]): int(p["exchanges"]) for p in profiles}
        untied = [p for p in profiles if str(p["g"]) not in member_of]
        walked = {str(p["g"]) for p in untied if int(p["exchanges"]) >= heavy}
        leads = find_leads(member_of, communities, assessments, excluded, volumes, self.config, self._together,
                           min_exchanges=heavy, playbook=self._playbook, among=walked)  # fmt: skip
        on_pool = exit_mates(dict.fromkeys(member_of, ""), communities, excluded, volumes,
                             min_mates=self.config.bank_exit_mates, min_exchanges=heavy, among=walked)  # fmt: skip
        abusive = {
            a for p in untied
            if (a := str(p["g"])) not in excluded and a in assessments and _shows_abuse(assessments[a], self.config)
        }
        unclean = leads.keys() | on_pool.keys() | abusive
        return [p for p in untied if str(p["g"]) not in unclean], [p for p in untied if str(p["g"]) in abusive]

    def join(
        self,
        campaigns: list[Campaign],
        groups: list[Group],
        pooled: Mapping[str, Mapping[str, Any]],
        scorer: BehaviourScorer,
    ) -> list[Campaign]:
        """Each of ``operators``' groups as one campaign in place of its parts (``campaigns``
        as given to ``operators``), described by its pooled traffic. Every part was convicted
        on its own, so no verdict rests on joining them; the joined score is never below a
        part's. Its mates (``likeness.Mate``) become members."""
        gone: set[int] = set()
        out: list[Campaign] = []
        for group in groups:
            j = self._joins[group.key]
            gone.update(j.parts)
            parts = [campaigns[x] for x in j.parts]
            profile = pooled[group.key]
            behaviour = scorer.assess(profile)
            coordination = coordination_reasons(group, profile, self.config)
            campaign = _campaign(group, profile, behaviour, coordination + [_joined(parts, j)])
            campaign.score = max([campaign.score] + [k.score for k in parts])
            out.append(campaign)
        return _numbered(out + [k for i, k in enumerate(campaigns) if i not in gone])


def _joined(parts: list[Campaign], j: Join) -> Reason:
    """Why the parts are one operator's: accounts acting together across them, or one work pattern."""
    sizes = sorted((len(k.accounts) for k in parts), reverse=True)
    detail: dict[str, Any] = {"campaigns": sizes, "pairs": j.pairs}
    why = []
    if j.together:
        why.append(
            "most accounts of the smaller of two act with the other's, sharing infrastructure and what they do or "
            f"one bank of system prompts ({j.pairs} pairs across them)"
        )
    if j.alike:
        why.append(_alike(j.alike))
        detail.update(alike=[round(a.distance, 4) for a in j.alike], as_close=max(a.near for a in j.alike),
                      compared=j.alike[0].population)  # fmt: skip
        if fits := [a.fit for a in j.alike if a.fit is not None]:
            detail["fit"] = [round(f, 4) for f in fits]
    if j.mates:
        why.append(f"{len(j.mates)} account(s) in no group, whose own requests for hidden reasoning or the "
                   "system prompt were too few to convict alone, fit their pooled work pattern and join")  # fmt: skip
        detail["mates"] = j.mate_accounts
    found = f"one operator's {len(parts)} groups, found apart ({', '.join(map(str, sizes))} accounts): "
    return Reason("one_operator", 0.0, found + "; ".join(why), detail)


def _mate(m: Mate) -> Reason:
    """How an account whose own abuse was too light to convict came into a campaign."""
    return Reason(
        "pattern_mate",
        0.0,
        "its own abuse is too little to convict alone, but its traffic fits the pooled work pattern of groups "
        f"convicted apart in this campaign, over the same days (homogeneity test p = {m.fit:.3f}; "
        f"within {m.distance:.2f} of the pooled capability and script mixes and request shapes; {m.near} of "
        f"{m.population} heavy accounts in the sample of honest use are as close)",
        {"p": round(m.fit, 4), "distance": round(m.distance, 4), "as_close": m.near, "compared": m.population},
    )


def _shows_abuse(a: Assessment, c: CampaignConfig) -> bool:
    """Abuse enough to count as an abuser (convicting alone takes ``abuse_min_prompts``)."""
    return a.abuse >= c.abuse_threshold and a.abuse_prompts >= c.abuse_member_prompts


def _alike(alike: tuple[Alike, ...]) -> str:
    """Why parts follow one work pattern: heavy pairs compared directly, light parts through the
    pooled pattern of the cohort they fit."""
    heavy = [a for a in alike if a.fit is None]
    light = [a for a in alike if a.fit is not None]
    said = []
    if heavy:
        said.append(f"{len(heavy)} pair(s) of them follow one work pattern over the same days, their capability and "
                    f"script mixes and shares of single-turn requests and tool loops within "
                    f"{max(a.distance for a in heavy):.2f} of each other")  # fmt: skip
    if light:
        fits = [a.fit for a in light if a.fit is not None]
        said.append(f"{len(light)} lighter one(s) fit the pooled work pattern of the rest, active over the same days "
                    f"(homogeneity test p-values from {min(fits):.3f}; within {max(a.distance for a in light):.2f} "
                    "of the pooled mixes and shares)")  # fmt: skip
    near = max(a.near for a in alike)
    sample = f"{near} of {alike[0].population} heavy accounts in the sample of honest use are as close"
    return "; ".join(said) + f" ({sample})"


def _campaign(group: Group, profile: Mapping[str, Any], behaviour: Assessment, coordination: list[Reason]) -> Campaign:
    """A convicted group as a campaign, unnamed: its reasons, and its score from its behaviour
    and coordination together."""
    reasons = sort_reasons(behaviour.reasons + coordination)
    score = noisy_or([behaviour.score] + [r.weight for r in coordination])
    return Campaign("", group.accounts, profile, behaviour, reasons, score)


def _numbered(campaigns: list[Campaign]) -> list[Campaign]:
    """Largest first, named C001, C002, ..."""
    campaigns.sort(key=lambda k: (-int(k.profile["exchanges"]), k.accounts[0]))
    for i, campaign in enumerate(campaigns, start=1):
        campaign.id = f"C{i:03d}"
    return campaigns


def _regroup(group: Group, members: list[str], communities: Communities) -> None:
    """Make ``members`` the group's accounts, with their links counted again."""
    group.accounts = sorted(members)
    group.linked = len(group.accounts)
    group.kinds = pair_counts(group.accounts, communities)
