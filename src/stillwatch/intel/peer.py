"""A peer's STIX bundle, read into the ``intel_indicators`` table of the store.

Only indicators whose STIX pattern names something a log records are kept: IPv4/IPv6
addresses, autonomous systems, HTTP user agents, and ``x-stillwatch-fingerprint`` HMACs of
templates, accounts and payment instruments. Each row remembers the peer (the bundle's
Identity), the indicator, the campaigns it indicates and its TLP, so evidence can cite them.
Importing the same indicator again replaces its rows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any

import duckdb
import stix2
import stix2.exceptions
from stix2patterns.pattern import ParseException, Pattern

from stillwatch.errors import StillwatchError
from stillwatch.intel.fingerprint import FINGERPRINT_KINDS, FINGERPRINT_TYPE

TABLE = "intel_indicators"
_LITERAL = re.compile(r"'((?:[^'\\]|\\.)*)'")
_TLP_NAMES = {
    stix2.TLP_WHITE.id: "clear",
    stix2.TLP_GREEN.id: "green",
    stix2.TLP_AMBER.id: "amber",
    stix2.TLP_RED.id: "red",
}


@dataclass(frozen=True)
class PeerIndicator:
    """One matchable value from a peer. ``kind``: ip, asn, user_agent, template, account or
    payment (the last three are HMAC digests under the key ``key_id``)."""

    peer_id: str
    peer_name: str
    indicator_id: str
    kind: str
    value: str
    campaigns: str
    tlp: str
    key_id: str
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None


def _literals(token: str) -> list[str]:
    """Values of a pattern literal or set: ``'a'``, ``('a','b')``, ``64512``."""
    found = _LITERAL.findall(token)
    if found:
        return [re.sub(r"\\(.)", r"\1", s) for s in found]
    return [t.strip() for t in token.strip("()").split(",") if t.strip()]


def pattern_values(pattern: str) -> list[tuple[str, str]]:
    """(kind, value) pairs a STIX pattern compares for equality.

    Examples
    --------
    >>> pattern_values("[ipv4-addr:value = '203.0.113.9'] OR [autonomous-system:number = 64512]")
    [('ip', '203.0.113.9'), ('asn', '64512')]
    """
    comparisons = Pattern(pattern).inspect().comparisons
    out: list[tuple[str, str]] = []
    for obj, comps in comparisons.items():
        eq = [(path, _literals(str(token))) for path, op, token in comps if op in ("=", "IN")]
        if obj in ("ipv4-addr", "ipv6-addr"):
            out += [("ip", v) for path, vals in eq if path == ["value"] for v in vals]
        elif obj == "autonomous-system":
            out += [("asn", v) for path, vals in eq if path == ["number"] for v in vals]
        elif obj == "network-traffic":
            ua = ["extensions", "http-request-ext", "request_header", "User-Agent"]
            out += [("user_agent", v) for path, vals in eq if path == ua for v in vals]
        elif obj == FINGERPRINT_TYPE:
            kinds = [v for path, vals in eq if path == ["fingerprint_kind"] for v in vals]
            digests = [v for path, vals in eq if path == ["hmac_sha256"] for v in vals]
            if len(kinds) == 1 and kinds[0] in FINGERPRINT_KINDS:
                out += [(FINGERPRINT_KINDS[kinds[0]], d.lower()) for d in digests]
    return out


def _when(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _tlp(obj: Any) -> str:
    refs = list(obj.get("object_marking_refs", []) or [])
    return next((_TLP_NAMES[r] for r in refs if r in _TLP_NAMES), "unmarked")


def read_bundle(path: str | Path) -> list[PeerIndicator]:
    """Parse and validate a bundle; errors name the file and the offending object."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StillwatchError(f"{p}: cannot read STIX bundle ({exc})") from None
    try:
        bundle = stix2.parse(text, allow_custom=True)
    except (stix2.exceptions.STIXError, ValueError) as exc:
        raise StillwatchError(f"{p}: not a valid STIX 2.1 bundle ({exc})") from None
    if not isinstance(bundle, stix2.Bundle):
        raise StillwatchError(f"{p}: expected a STIX bundle, got {type(bundle).__name__}")
    objects = list(bundle.get("objects", []))
    names = {o["id"]: str(o.get("name", o["id"])) for o in objects if o["type"] == "identity"}
    campaigns = {o["id"]: str(o.get("name", o["id"])) for o in objects if o["type"] == "campaign"}
    key_ids = {str(o.get("key_id")) for o in objects if o["type"] == FINGERPRINT_TYPE}
    indicates: dict[str, list[str]] = {}
    for o in objects:
        if o["type"] == "relationship" and o["relationship_type"] == "indicates" and o["target_ref"] in campaigns:
            indicates.setdefault(o["source_ref"], []).append(campaigns[o["target_ref"]])
    out: list[PeerIndicator] = []
    for o in objects:
        if o["type"] != "indicator" or o.get("pattern_type") != "stix":
            continue
        try:
            values = pattern_values(o["pattern"])
        except (ParseException, ValueError) as exc:
            raise StillwatchError(f"{p}: {o['id']}: unreadable pattern ({exc})") from None
        peer = str(o.get("created_by_ref", "unknown"))
        for kind, value in values:
            out.append(
                PeerIndicator(
                    peer_id=peer,
                    peer_name=names.get(peer, peer),
                    indicator_id=str(o["id"]),
                    kind=kind,
                    value=value,
                    campaigns=", ".join(indicates.get(o["id"], [])),
                    tlp=_tlp(o),
                    key_id=next(iter(key_ids)) if len(key_ids) == 1 else "",
                    valid_from=_when(o.get("valid_from")),
                    valid_until=_when(o.get("valid_until")),
                )
            )
    return out


def store_indicators(con: duckdb.DuckDBPyConnection, indicators: list[PeerIndicator]) -> int:
    """Write into ``intel_indicators`` (created if missing), replacing earlier rows of the
    same indicators. Returns the rows written."""
    cols = [f.name for f in fields(PeerIndicator)]
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (peer_id VARCHAR, peer_name VARCHAR, indicator_id VARCHAR, "
        "kind VARCHAR, value VARCHAR, campaigns VARCHAR, tlp VARCHAR, key_id VARCHAR, "
        "valid_from TIMESTAMPTZ, valid_until TIMESTAMPTZ, imported_at TIMESTAMPTZ)"
    )
    ids = sorted({i.indicator_id for i in indicators})
    now = dt.datetime.now(dt.timezone.utc)
    con.execute("BEGIN TRANSACTION")
    try:
        if ids:
            con.executemany(f"DELETE FROM {TABLE} WHERE indicator_id = ?", [[i] for i in ids])
        con.executemany(
            f"INSERT INTO {TABLE} ({', '.join(cols)}, imported_at) VALUES ({', '.join('?' * (len(cols) + 1))})",
            [[*astuple(i), now] for i in indicators],
        )
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise StillwatchError(f"cannot store indicators ({exc})") from None
    return len(indicators)
