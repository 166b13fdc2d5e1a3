"""Identifier and network generators shared by every actor.

Account ids, orgs, payment fingerprints, end users, user agents and addresses all come from
these functions whatever the actor's label, so no string format separates a campaign from
a customer; only behaviour (sharing, timing, volume) can.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> ids = opaque_ids(rng, 2, "acct_")
>>> [len(i) for i in ids], ids[0].startswith("acct_")
([25, 25], True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from stillwatch.simulate._tables import COUNTRIES, DATACENTER_ASNS, EDU_ASNS, USER_AGENTS

_CODES = list(COUNTRIES)
_SHARES = np.array([COUNTRIES[c][0] for c in _CODES])
_SHARES = _SHARES / _SHARES.sum()

#: Names that access routes of the form ``cloud:<partner>`` and ``reseller:<name>`` take.
CLOUD_PARTNERS = ("aws-bedrock", "gcp-vertex", "azure-foundry")
RESELLERS = ("tokenhub", "llmgate", "routerly", "apimux", "kilotoken", "unifyai", "promptbay")
_END_USER_STYLES = ("user-{n}", "u_{h}", "{uuid}", "cust_{n}", "{h64}")


def opaque_ids(rng: np.random.Generator, n: int, prefix: str, nbytes: int = 10) -> list[str]:
    """``n`` random hex ids, e.g. ``acct_`` followed by 20 hex digits."""
    raw = rng.bytes(n * nbytes).hex()
    w = 2 * nbytes
    return [prefix + raw[i * w : (i + 1) * w] for i in range(n)]


def countries(rng: np.random.Generator, n: int, weights: dict[str, float] | None) -> list[str]:
    """Countries by traffic share (or by the group's own weights)."""
    if weights is None:
        return [_CODES[i] for i in rng.choice(len(_CODES), size=n, p=_SHARES)]
    names = list(weights)
    return [names[i] for i in rng.choice(len(names), size=n, p=list(weights.values()))]


def utc_offset(country: str) -> float:
    return COUNTRIES[country][1] if country in COUNTRIES else 0.0


def user_agents(rng: np.random.Generator, n: int) -> list[str]:
    """User-agent strings by family share; newer versions are more common."""
    families = list(USER_AGENTS)
    shares = np.array([USER_AGENTS[f][0] for f in families])
    fam = rng.choice(len(families), size=n, p=shares / shares.sum())
    pick = rng.random(n)
    out = []
    for f, u in zip(fam.tolist(), pick.tolist(), strict=True):
        _, fmt, versions = USER_AGENTS[families[f]]
        # Geometric preference for recent releases: people upgrade, slowly.
        w = 0.6 ** np.arange(len(versions))[::-1]
        k = int(np.searchsorted(np.cumsum(w / w.sum()), u))
        out.append(fmt.format(v=versions[min(k, len(versions) - 1)]))
    return out


def upgraded(ua: str) -> str:
    """The next release of the same client, or the same string when it is the newest.

    >>> upgraded("curl/8.5.0")
    'curl/8.7.1'
    """
    for _, fmt, versions in USER_AGENTS.values():
        for i, v in enumerate(versions[:-1]):
            if fmt.format(v=v) == ua:
                return fmt.format(v=versions[i + 1])
    return ua


def routes(rng: np.random.Generator, n: int, weights: dict[str, float]) -> list[str]:
    """Access routes; bare ``cloud`` and ``reseller`` take a partner name from shared tables."""
    names = list(weights)
    out = []
    for i in rng.choice(len(names), size=n, p=list(weights.values())).tolist():
        route = names[i]
        if route == "cloud":
            route = "cloud:" + CLOUD_PARTNERS[int(rng.integers(len(CLOUD_PARTNERS)))]
        elif route == "reseller":
            route = "reseller:" + RESELLERS[int(rng.integers(len(RESELLERS)))]
        out.append(route)
    return out


def end_user_ids(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` end-user ids in one platform's style (a platform uses one format throughout)."""
    style = _END_USER_STYLES[int(rng.integers(len(_END_USER_STYLES)))]
    nums = rng.integers(1000, 9_999_999, size=n).tolist()
    hexes = opaque_ids(rng, n, "", 16)
    out = []
    for k, h in zip(nums, hexes, strict=True):
        uuid = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"
        out.append(style.format(n=k, h=h[:12], uuid=uuid, h64=(h * 2)[:64]))
    return out


@dataclass
class Addresses:
    """A table of source addresses with their AS and country, appended to as groups build."""

    ip: list[str] = field(default_factory=list)
    asn: list[int] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    _frags: list[bytes] = field(default_factory=list)

    def fragment(self, i: int) -> bytes:
        """The address's exchange fields as a JSON fragment (encoded once, on first use)."""
        if len(self._frags) != len(self.ip):
            self._frags = [
                b'"client_ip":"%s","asn":%d,"country":"%s"' % (ip.encode(), asn, cc.encode())
                for ip, asn, cc in zip(self.ip, self.asn, self.country, strict=True)
            ]
        return self._frags[i]

    def add(self, rng: np.random.Generator, asns: list[int], ccs: list[str]) -> int:
        """Append one address per (AS, country); returns the index of the first."""
        first = len(self.ip)
        octets = rng.integers(1, 255, size=(len(asns), 3)).tolist()
        for a, cc, (x, y, z) in zip(asns, ccs, octets, strict=True):
            prefixes = _prefixes(a)
            p = prefixes[x % len(prefixes)]
            self.ip.append(f"{p[0]}.{p[1]}.{y}.{z}")
            self.asn.append(a)
            self.country.append(cc)
        return first


@lru_cache(maxsize=4096)
def _prefixes(asn: int) -> list[tuple[int, int]]:
    """Made-up /16 prefixes for an AS: stable for the AS, independent of the seed."""
    r = np.random.default_rng([asn, 16])
    out = []
    while len(out) < 3:
        a, b = (int(v) for v in r.integers(1, 224, size=2))
        if a in (10, 100, 127, 169, 172, 192):  # keep clear of private and special ranges
            continue
        out.append((a, b))
    return out


def residential(rng: np.random.Generator, ccs: list[str]) -> tuple[list[int], list[str]]:
    """A home access network per country: one of the country's large ISPs."""
    asns = []
    for cc in ccs:
        isps = COUNTRIES[cc][2]
        asns.append(isps[int(rng.integers(len(isps)))])
    return asns, ccs


def datacenter(rng: np.random.Generator, n: int, providers: int = 0) -> tuple[list[int], list[str]]:
    """Hosting addresses; ``providers`` > 0 limits them to that many randomly chosen hosts."""
    table = list(DATACENTER_ASNS)
    if providers:
        table = [table[i] for i in rng.choice(len(table), size=providers, replace=False)]
    asns = [table[i] for i in rng.integers(len(table), size=n).tolist()]
    return asns, [DATACENTER_ASNS[a] for a in asns]


def campus(rng: np.random.Generator, n: int, where: dict[str, float] | None = None) -> tuple[list[int], list[str]]:
    """Addresses behind one research network's NAT (in one of ``where``'s countries, if any)."""
    table = [a for a, cc in EDU_ASNS.items() if where is None or cc in where] or list(EDU_ASNS)
    asn = table[int(rng.integers(len(table)))]
    return [asn] * n, [EDU_ASNS[asn]] * n
