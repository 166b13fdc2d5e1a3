"""Accounts of one group: identities, infrastructure, volume shares and active periods.

Everything per account is drawn here once, as arrays, so the engine's hot loop only indexes.
Volumes follow the scenario: a group's total exchanges times ``scale`` and the share of the
scenario's days simulated, split across accounts by a heavy-tailed draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from stillwatch.errors import ConfigError
from stillwatch.simulate import identity, personas
from stillwatch.simulate.identity import Addresses
from stillwatch.simulate.scenario import Group, Pool, Scenario

DAY = 86_400.0


@dataclass
class Actors:
    group: Group
    n: int
    ids: list[str]
    org: list[str]
    org_of: np.ndarray
    ua: list[str]
    ua_next: list[str]
    ua_switch: np.ndarray
    tz: np.ndarray  # UTC offset, hours
    route: list[str]
    payment: list[str | None]
    created: list[str]
    volume: np.ndarray  # expected exchanges over the simulated window
    start: np.ndarray  # active period, Unix seconds
    end: np.ndarray
    addr_lo: np.ndarray  # addresses used: Addresses[addr_lo : addr_lo + addr_n]
    addr_n: np.ndarray
    end_users: list[list[str]]
    model_pref: np.ndarray  # index into group.models
    systems: list[str]  # per org (or per account, for system.mode = account)
    org_tools: list[tuple[str, ...]]
    param_idx: dict[str, np.ndarray] = field(default_factory=dict)
    cursor: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    seen: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


def build_pools(scenario: Scenario, scale: float, rng: np.random.Generator,
                addresses: Addresses) -> dict[str, tuple[int, int]]:
    """Create every shared pool's addresses; returns name -> (first index, size)."""
    out = {}
    for name, pool in scenario.pools.items():
        size = max(16, int(round(pool.size * scale))) if pool.scaled else pool.size
        out[name] = (_pool_addresses(pool, size, rng, addresses), size)
    return out


def _pool_addresses(pool: Pool, size: int, rng: np.random.Generator, addresses: Addresses) -> int:
    if pool.kind == "residential":
        asns, ccs = identity.residential(rng, identity.countries(rng, size, pool.countries))
    elif pool.kind == "edu":
        asns, ccs = identity.campus(rng, size, pool.countries)
    else:
        asns, ccs = identity.datacenter(rng, size)
    return addresses.add(rng, asns, ccs)


def build_group(
    group: Group,
    scenario: Scenario,
    *,
    scale: float,
    days: int,
    rng: np.random.Generator,
    addresses: Addresses,
    pools: dict[str, tuple[int, int]],
) -> Actors:
    window = (scenario.start, scenario.start + days * DAY)
    n = max(group.min_accounts, int(round(group.accounts * scale)))
    total = group.exchanges * scale * days / scenario.days
    volume = total * _shares(group.spread, n, rng)

    # Shared things scale with the accounts that share them, so sharing ratios hold at any scale.
    ratio = n / group.accounts
    n_orgs = _scaled(group.orgs, ratio) if group.orgs > 0 else n
    org_ids = identity.opaque_ids(rng, n_orgs, "org_")
    org_of = np.arange(n) if group.orgs <= 0 else _assign(rng, n, n_orgs)
    org_country = identity.countries(rng, n_orgs, group.countries)
    if group.orgs > 0:
        acct_country = [org_country[o] for o in org_of.tolist()]
    else:
        acct_country = org_country
    tz = _offsets(group.timing["tz"], acct_country, rng)

    start, end = _active(group, window, n, rng)
    created = _created(group, start, window[0], rng)
    ua, ua_next, ua_switch = _user_agents(group, n, org_of, window, rng)
    lo, cnt = _network(group, n, org_of, acct_country, rng, addresses, pools, ratio)

    pay_mode = group.payment["mode"]
    if pay_mode == "own":
        payment: list[str | None] = list(identity.opaque_ids(rng, n, "pm_", 12))
    elif pay_mode == "org":
        org_pay = identity.opaque_ids(rng, n_orgs, "pm_", 12)
        payment = [org_pay[o] for o in org_of.tolist()]
    else:
        cards = identity.opaque_ids(rng, _scaled(int(group.payment["instruments"]), ratio), "pm_", 12)
        payment = [cards[i] for i in rng.integers(len(cards), size=n).tolist()]
    for i in np.flatnonzero(rng.random(n) < group.payment["missing"]).tolist():
        payment[i] = None

    models = list(group.models or [m.name for m in scenario.models if m.released <= window[0]])
    weights = np.array([group.models[m] for m in models]) if group.models else np.ones(len(models))
    model_pref = rng.choice(len(models), size=n, p=weights / weights.sum())
    n_sys = n if group.system["mode"] == "account" else n_orgs
    actors = Actors(
        group=group,
        n=n,
        ids=identity.opaque_ids(rng, n, "acct_"),
        org=[org_ids[o] for o in org_of.tolist()],
        org_of=org_of,
        ua=ua,
        ua_next=ua_next,
        ua_switch=ua_switch,
        tz=tz,
        route=identity.routes(rng, n, group.routes),
        payment=payment,
        created=[_rfc3339(t) for t in created.tolist()],
        volume=volume,
        start=start,
        end=end,
        addr_lo=lo,
        addr_n=cnt,
        end_users=[identity.end_user_ids(rng, max(1, int(group.end_users * (0.5 + rng.random()))))
                   for _ in range(n)] if group.end_users > 0 else [],
        model_pref=model_pref,
        systems=[personas.system_prompt(rng) for _ in range(n_sys)] if group.system["mode"] in ("org", "account") else [],
        org_tools=[personas.toolset(rng) for _ in range(n_orgs)],
        param_idx={k: c.draw(rng, n) for k, c in group.params.items()},
        cursor=rng.integers(0, 1 << 20, size=n),
        seen=np.zeros(n, dtype=bool),
    )
    return actors


def _shares(spread: dict[str, object], n: int, rng: np.random.Generator) -> np.ndarray:
    dist = spread["dist"]
    if dist == "lognormal":
        w = rng.lognormal(0.0, float(spread["sigma"]), size=n)  # type: ignore[arg-type]
    elif dist == "pareto":
        w = rng.pareto(float(spread["alpha"]), size=n) + 1.0  # type: ignore[arg-type]
    elif dist == "equal":
        w = np.ones(n)
    else:
        raise ConfigError(f"spread.dist must be lognormal, pareto or equal, not {dist!r}")
    return w / w.sum()


def _assign(rng: np.random.Generator, n: int, n_orgs: int) -> np.ndarray:
    """Accounts to orgs: every org gets one, the rest by uneven org sizes."""
    sizes = rng.dirichlet(np.ones(n_orgs))
    out = rng.choice(n_orgs, size=n, p=sizes)
    k = min(n, n_orgs)
    out[:k] = np.arange(k)
    return out


def _offsets(tz: object, ccs: list[str], rng: np.random.Generator) -> np.ndarray:
    if tz != "account":
        return np.full(len(ccs), float(tz))  # type: ignore[arg-type]
    off = np.array([identity.utc_offset(c) for c in ccs])
    # The US and a few others span several zones: spread those accounts over them.
    us = np.array([c in ("US", "CA", "BR", "AU", "RU", "MX") for c in ccs])
    off[us] += rng.integers(-2, 2, size=int(us.sum()))
    return off


def _active(group: Group, window: tuple[float, float], n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    span = window[1] - window[0]
    lo = window[0] + span * float(group.active["start"])
    hi = window[0] + span * float(group.active["end"])
    life = float(group.active["lifetime_days"]) * DAY
    if life <= 0 or life >= hi - lo:
        return np.full(n, lo), np.full(n, hi)
    start = lo + rng.random(n) * (hi - lo - 0.5 * life)
    end = np.minimum(hi, start + life * rng.uniform(0.6, 1.4, size=n))
    return start, end


def _created(group: Group, start: np.ndarray, t0: float, rng: np.random.Generator) -> np.ndarray:
    spec = group.created
    n = len(start)
    if spec["mode"] == "spread":
        age = np.clip(rng.lognormal(np.log(float(spec["age_days"])), float(spec["sigma"]), n), 1.0, 3000.0)
        return np.minimum(t0 - age * DAY, start - 3600.0)
    if spec["mode"] != "batches":
        raise ConfigError(f"group {group.id}: created.mode must be spread or batches")
    order = np.argsort(start, kind="stable")
    out = np.empty(n)
    lead = float(spec["lead_hours"]) * 3600.0
    for chunk in np.array_split(order, max(1, min(n, int(spec["batches"])))):
        if len(chunk) == 0:
            continue
        t = start[chunk].min() - lead * (0.2 + 0.8 * rng.random())
        out[chunk] = t + rng.random(len(chunk)) * min(7200.0, 0.1 * lead)
    return out


def _user_agents(group: Group, n: int, org_of: np.ndarray, window: tuple[float, float],
                 rng: np.random.Generator) -> tuple[list[str], list[str], np.ndarray]:
    spec = group.user_agents
    if spec["mode"] == "fleet":
        fleet = identity.user_agents(rng, max(1, int(spec["fleet"])))
        ua = [fleet[i] for i in rng.integers(len(fleet), size=n).tolist()]
    else:
        # One deployment, one client: accounts of a shared org send the org's user agent.
        per_org = identity.user_agents(rng, int(org_of.max()) + 1)
        ua = [per_org[o] for o in org_of.tolist()]
    switch = np.where(rng.random(n) < float(spec["upgrade"]), rng.uniform(*window, size=n), np.inf)
    return ua, [identity.upgraded(u) for u in ua], switch


def _scaled(count: int, ratio: float) -> int:
    """A group-level count (orgs, cards, hosts) for the accounts actually built.

    >>> _scaled(500, 0.01), _scaled(4, 0.01), _scaled(12, 1.0)
    (5, 1, 12)
    """
    return max(1, int(round(count * min(1.0, ratio))))


def _network(group: Group, n: int, org_of: np.ndarray, ccs: list[str], rng: np.random.Generator,
             addresses: Addresses, pools: dict[str, tuple[int, int]], ratio: float) -> tuple[np.ndarray, np.ndarray]:
    net = group.network
    mode = net["mode"]
    if mode in ("pool", "nat"):
        first, size = pools[net["pool"]]
        if net["rotate"] == "account":
            return first + rng.integers(size, size=n), np.ones(n, dtype=np.int64)
        return np.full(n, first), np.full(n, size)
    if mode == "home":
        cnt = rng.integers(1, max(1, int(net["ips"])) + 1, size=n)
        asns, cc = identity.residential(rng, [c for c, k in zip(ccs, cnt.tolist(), strict=True) for _ in range(k)])
        first = addresses.add(rng, asns, cc)
        return first + np.concatenate([[0], np.cumsum(cnt)[:-1]]), cnt
    hosts = max(1, int(net["hosts"]))
    if mode == "cloud":
        n_orgs = int(org_of.max()) + 1
        firsts = []
        for _ in range(n_orgs):
            asns, cc = identity.datacenter(rng, hosts, providers=1)
            firsts.append(addresses.add(rng, asns, cc))
        return np.array(firsts)[org_of], np.full(n, hosts)
    if mode == "datacenter":
        hosts = max(2, _scaled(hosts, ratio))
        asns, cc = identity.datacenter(rng, hosts, providers=min(3, hosts))
        return np.full(n, addresses.add(rng, asns, cc)), np.full(n, hosts)
    raise ConfigError(f"group {group.id}: network.mode must be home, cloud, datacenter, pool or nat")


def _rfc3339(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
