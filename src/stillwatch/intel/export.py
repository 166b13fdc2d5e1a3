"""Campaigns as a STIX 2.1 bundle another provider can load.

Per campaign the bundle holds a Campaign (first_seen/last_seen, sizes and capability mix as
``x_stillwatch_*`` properties), an Intrusion-Set it is attributed to, Attack-Patterns naming
the MITRE ATLAS techniques, Indicators for the addresses, networks (ASNs) and user agents
only the campaign used, and ``x-stillwatch-fingerprint`` observables plus Indicators for its
prompt templates, payment instruments and accounts, as keyed HMACs. Every object carries the
TLP marking chosen. No account id, payment fingerprint or prompt text appears in clear.

Ids are UUIDv4-shaped values derived from the HMAC key, so exporting the same results again
gives the same ids (a new version of each object, as STIX intends) and reveals nothing.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import stix2

from stillwatch.errors import StillwatchError
from stillwatch.intel.atlas import atlas_name, atlas_url
from stillwatch.intel.fingerprint import FINGERPRINT_KINDS, FINGERPRINT_TYPE, Fingerprint
from stillwatch.intel.keys import Hasher
from stillwatch.intel.observed import Observed, campaign_values
from stillwatch.report.exchanges import ExchangeStore
from stillwatch.report.results import Results

TLP: dict[str, stix2.MarkingDefinition] = {
    "amber": stix2.TLP_AMBER,
    "green": stix2.TLP_GREEN,
    # TLP 2.0 renamed WHITE to CLEAR; STIX 2.1 predefines the TLP 1.0 object, which peers know.
    "clear": stix2.TLP_WHITE,
}
#: our value kind -> fingerprint_kind of the observable
_HASHED = {v: k for k, v in FINGERPRINT_KINDS.items()}


@dataclass(frozen=True)
class ExportOptions:
    """``provider`` names the reporting Identity; ``max_per_kind`` caps indicators of each
    kind per campaign (the most used first)."""

    provider: str = "stillwatch operator"
    tlp: str = "amber"
    max_per_kind: int = 50


def quote(value: str) -> str:
    """A STIX pattern string literal.

    Examples
    --------
    >>> quote("it's")
    "'it\\\\'s'"
    """
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def infra_pattern(kind: str, value: str) -> str | None:
    """The STIX pattern matching one address, ASN or user agent (None if malformed).

    Examples
    --------
    >>> infra_pattern("ip", "198.51.100.7")
    "[ipv4-addr:value = '198.51.100.7']"
    >>> infra_pattern("asn", "64512")
    '[autonomous-system:number = 64512]'
    >>> infra_pattern("ip", "not an ip") is None
    True
    """
    if kind == "ip":
        try:
            addr = ipaddress.ip_address(value)
        except ValueError:
            return None
        return f"[ipv{addr.version}-addr:value = {quote(str(addr))}]"
    if kind == "asn":
        return f"[autonomous-system:number = {int(value)}]" if value.isdigit() else None
    if kind == "user_agent":
        return f"[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = {quote(value)}]"
    raise ValueError(kind)


def fingerprint_pattern(fingerprint_kind: str, digests: list[str]) -> str:
    hmacs = (
        f"= {quote(digests[0])}"
        if len(digests) == 1
        else "IN (" + ", ".join(quote(d) for d in digests) + ")"
    )
    return (
        f"[{FINGERPRINT_TYPE}:fingerprint_kind = {quote(fingerprint_kind)} "
        f"AND {FINGERPRINT_TYPE}:hmac_sha256 {hmacs}]"
    )


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


class BundleBuilder:
    """Builds the bundle; one instance per export."""

    def __init__(self, hasher: Hasher, options: ExportOptions) -> None:
        if options.tlp not in TLP:
            raise StillwatchError(f"unknown TLP level {options.tlp!r} (use amber, green or clear)")
        self.hasher = hasher
        self.options = options
        self.marking = TLP[options.tlp]
        self.objects: list[Any] = [self.marking]
        self.identity = stix2.Identity(
            id=self._id("identity", "identity", options.provider),
            name=options.provider,
            identity_class="organization",
            description="Provider reporting distillation of its models (stillwatch).",
            object_marking_refs=[self.marking],
        )
        self.objects.append(self.identity)
        self.patterns: dict[str, stix2.AttackPattern] = {}

    def _id(self, stix_type: str, *parts: str) -> str:
        raw = bytes.fromhex(self.hasher.digest("stix-id", "|".join((stix_type, *parts)))[:32])
        return f"{stix_type}--{uuid.UUID(bytes=raw, version=4)}"

    def _common(self) -> dict[str, Any]:
        return {"created_by_ref": self.identity.id, "object_marking_refs": [self.marking]}

    def _relate(self, source: Any, kind: str, target: Any) -> None:
        self.objects.append(
            stix2.Relationship(
                id=self._id("relationship", source.id, kind, target.id),
                source_ref=source.id, relationship_type=kind, target_ref=target.id,
                allow_custom=True, **self._common(),
            )
        )

    def attack_pattern(self, technique: str) -> stix2.AttackPattern:
        if technique not in self.patterns:
            ap = stix2.AttackPattern(
                id=self._id("attack-pattern", technique),
                name=atlas_name(technique),
                external_references=[
                    {"source_name": "mitre-atlas", "external_id": technique, "url": atlas_url(technique)}
                ],
                **self._common(),
            )
            self.patterns[technique] = ap
            self.objects.append(ap)
        return self.patterns[technique]

    def add_campaign(self, c: dict[str, Any], observed: list[Observed]) -> None:
        cid = str(c["id"])
        first, last = _time(c["first_seen"]), _time(c["last_seen"])
        tag = f"{cid}|{c['first_seen']}"
        campaign = stix2.Campaign(
            id=self._id("campaign", tag),
            name=f"Distillation campaign {cid}",
            description=(
                f"{len(c['accounts'])} accounts sent {c['exchanges']:,} exchanges and took "
                f"{c['output_tokens']:,} output and {c['reasoning_tokens']:,} reasoning tokens "
                "to train a replica model."
            ),
            objective="Extract model capabilities to train a replica (distillation)",
            first_seen=first,
            last_seen=last,
            x_stillwatch_accounts=len(c["accounts"]),
            x_stillwatch_exchanges=int(c["exchanges"]),
            x_stillwatch_output_tokens=int(c["output_tokens"]),
            x_stillwatch_reasoning_tokens=int(c["reasoning_tokens"]),
            x_stillwatch_capabilities={k: float(v) for k, v in c.get("capabilities", {}).items()},
            x_stillwatch_tactics=list(c.get("tactics", [])),
            x_stillwatch_score=float(c.get("score", 0.0)),
            allow_custom=True,
            **self._common(),
        )
        operator = stix2.IntrusionSet(
            id=self._id("intrusion-set", tag),
            name=f"Operator of distillation campaign {cid}",
            description="The party running the accounts of this campaign.",
            first_seen=first,
            last_seen=last,
            goals=["train a replica model on our outputs"],
            **self._common(),
        )
        self.objects += [campaign, operator]
        self._relate(campaign, "attributed-to", operator)
        for technique in c.get("atlas", []):
            self._relate(campaign, "uses", self.attack_pattern(str(technique)))
        for o in observed:
            if o.kind in ("ip", "asn", "user_agent"):
                pattern = infra_pattern(o.kind, o.value)
                if pattern is not None:
                    self._indicator(campaign, first, o.kind, pattern, o.exchanges, o.accounts, o.value)
            else:
                self._fingerprints(campaign, first, _HASHED[o.kind], [o.value], o.exchanges, o.accounts)
        self._fingerprints(
            campaign, first, "account", [str(a) for a in c["accounts"]], int(c["exchanges"]), len(c["accounts"])
        )

    def _indicator(
        self, campaign: Any, since: dt.datetime, kind: str, pattern: str, exchanges: int, accounts: int, key: str
    ) -> stix2.Indicator:
        ind = stix2.Indicator(
            id=self._id("indicator", campaign.id, kind, key),
            name=f"{campaign.name}: {kind.replace('_', ' ')}",
            indicator_types=["malicious-activity"],
            pattern_type="stix",
            pattern=pattern,
            valid_from=since,
            x_stillwatch_kind=kind,
            x_stillwatch_exchanges=exchanges,
            x_stillwatch_accounts=accounts,
            allow_custom=True,
            **self._common(),
        )
        self.objects.append(ind)
        self._relate(ind, "indicates", campaign)
        return ind

    def _fingerprints(
        self, campaign: Any, since: dt.datetime, fkind: str, values: list[str], exchanges: int, accounts: int
    ) -> None:
        digests = sorted(self.hasher.digest(FINGERPRINT_KINDS[fkind], v) for v in values)
        ind = self._indicator(
            campaign, since, fkind, fingerprint_pattern(fkind, digests), exchanges, accounts, ",".join(digests)
        )
        # one observable per template or payment instrument; accounts stay in the pattern only,
        # as a campaign can hold thousands of them
        if fkind != "account":
            for d in digests:
                obs = Fingerprint(
                    fingerprint_kind=fkind, hmac_sha256=d, key_id=self.hasher.key_id,
                    object_marking_refs=[self.marking],
                )
                self.objects.append(obs)
                self._relate(ind, "related-to", obs)

    def bundle(self) -> stix2.Bundle:
        return stix2.Bundle(objects=self.objects, allow_custom=True)


def export_bundle(results: Results, hasher: Hasher, options: ExportOptions | None = None) -> stix2.Bundle:
    """A bundle for every campaign in ``results``; indicators need the store the scan read."""
    opt = options or ExportOptions()
    builder = BundleBuilder(hasher, opt)
    verdicts = {a["account"]: str(a.get("verdict")) for a in results.accounts}
    with ExchangeStore(results.db) as store:
        if not store.available:
            raise StillwatchError(f"cannot export indicators: {store.problem} (pass --db)")
        assert store.con is not None
        for c in results.campaigns:
            seen = campaign_values(store.con, [str(a) for a in c["accounts"]], verdicts, limit=opt.max_per_kind)
            builder.add_campaign(c, seen)
    return builder.bundle()


def write_bundle(results: Results, out: str | Path, hasher: Hasher, options: ExportOptions | None = None) -> Path:
    target = Path(out)
    bundle = export_bundle(results, hasher, options)
    try:
        target.write_text(bundle.serialize(pretty=True), encoding="utf-8")
    except OSError as exc:
        raise StillwatchError(f"{target}: cannot write the bundle ({exc.strerror})") from None
    return target
