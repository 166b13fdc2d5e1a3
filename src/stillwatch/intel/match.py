"""Peers' indicators as evidence: which of our accounts match what another provider shared.

A match is a :class:`~stillwatch.types.Reason` with code ``peer_indicator``, never a verdict:
a peer's address list can be stale, and an HMAC match says only that the same template,
account or card was seen there. The weights say how much each kind can mean on its own;
the scan adds the reasons to the account's evidence and decides as usual.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyarrow as pa

from stillwatch.engine import Engine
from stillwatch.intel.keys import Hasher
from stillwatch.types import Reason, sort_reasons

TABLE = "intel_indicators"
#: kind -> (weight, what it means). Infrastructure is weak (NATs and proxy pools are
#: shared); an HMAC of our own account or payment instrument on a peer's list is strong.
KIND_WEIGHT: dict[str, tuple[float, str]] = {
    "account": (0.6, "account"),
    "payment": (0.5, "payment instrument"),
    "template": (0.35, "prompt template"),
    "user_agent": (0.15, "client user agent"),
    "ip": (0.15, "source address"),
    "asn": (0.05, "network (ASN)"),
}
#: kind -> the exchange column holding its value (compared as text)
_INFRA_COLUMN = {"ip": "client_ip", "asn": "asn", "user_agent": "user_agent"}
_HASHED_COLUMN = {"account": "account", "payment": "payment_fingerprint", "template": "template_id"}


def _local_digests(engine: Engine, source: str, hasher: Hasher, kinds: set[str], columns: set[str]) -> pa.Table:
    """(kind, value, digest) for every distinct local value of the hashed kinds."""
    rows: dict[str, list[str]] = {"kind": [], "value": [], "digest": []}
    for kind in sorted(kinds):
        column = _HASHED_COLUMN[kind]
        if column not in columns:
            continue
        values = engine.sql(
            f"SELECT DISTINCT CAST({column} AS VARCHAR) AS v FROM {source} WHERE {column} IS NOT NULL"
        )["v"]
        for v in values.to_pylist():
            rows["kind"].append(kind)
            rows["value"].append(str(v))
            rows["digest"].append(hasher.digest(kind, str(v)))
    return pa.table(rows, schema=pa.schema([("kind", pa.string()), ("value", pa.string()), ("digest", pa.string())]))


def match_indicators(engine: Engine, source: str = "exchanges", hasher: Hasher | None = None) -> dict[str, list[Reason]]:
    """Evidence reasons per account from stored peer indicators (empty if none imported).

    HMAC indicators (templates, accounts, payment instruments) match only when ``hasher``
    holds the key the peer used (same ``key_id``); address, network and user-agent
    indicators match directly.
    """
    if not engine.has_table(TABLE):
        return {}
    columns = set(engine.sql(f"SELECT * FROM {source} LIMIT 0").column_names)
    parts = [
        f"SELECT account, '{k}' AS kind, CAST({col} AS VARCHAR) AS value FROM {source} WHERE {col} IS NOT NULL"
        for k, col in _INFRA_COLUMN.items()
        if col in columns
    ]
    if hasher is not None:
        wanted = engine.sql(
            f"SELECT DISTINCT kind FROM {TABLE} WHERE key_id = '{hasher.key_id}' "
            f"AND kind IN ('account', 'payment', 'template')"
        )["kind"].to_pylist()
        if wanted:
            engine.register("sw_local_digests", _local_digests(engine, source, hasher, set(wanted), columns))
            parts += [
                f"SELECT e.account, '{k}' AS kind, d.digest AS value FROM {source} e "
                f"JOIN sw_local_digests d ON d.kind = '{k}' AND d.value = CAST(e.{_HASHED_COLUMN[k]} AS VARCHAR)"
                for k in wanted
                if _HASHED_COLUMN[k] in columns
            ]
    if not parts:
        return {}
    key_filter = f"(i.kind IN ('ip', 'asn', 'user_agent') OR i.key_id = '{hasher.key_id}')" if hasher else (
        "i.kind IN ('ip', 'asn', 'user_agent')"
    )
    hits = engine.sql(
        f"""
        WITH seen AS ({' UNION ALL '.join(parts)})
        SELECT s.account, i.peer_id, i.peer_name, i.kind, i.indicator_id, i.campaigns, i.tlp,
               count(*) AS exchanges, min(s.value) AS sample
        FROM seen s JOIN {TABLE} i ON i.kind = s.kind AND i.value = s.value
        WHERE {key_filter}
        GROUP BY s.account, i.peer_id, i.peer_name, i.kind, i.indicator_id, i.campaigns, i.tlp
        """
    ).to_pylist()
    return _reasons(hits)


def _reasons(hits: list[dict[str, Any]]) -> dict[str, list[Reason]]:
    grouped: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for h in hits:
        grouped[(h["account"], h["peer_id"], h["kind"])].append(h)
    out: dict[str, list[Reason]] = defaultdict(list)
    for (account, peer_id, kind), rows in sorted(grouped.items()):
        weight, what = KIND_WEIGHT[kind]
        peer = rows[0]["peer_name"]
        campaigns = sorted({c for r in rows for c in str(r["campaigns"]).split(", ") if c})
        n = sum(int(r["exchanges"]) for r in rows)
        detail = f"{n} exchanges match the {what} indicator(s) {peer} shared"
        if campaigns:
            detail += f" for {', '.join(campaigns)}"
        evidence: dict[str, Any] = {
            "peer": peer,
            "peer_identity": peer_id,
            "kind": kind,
            "indicators": sorted({r["indicator_id"] for r in rows}),
            "exchanges": n,
            "tlp": rows[0]["tlp"],
        }
        if kind in _INFRA_COLUMN:
            evidence["values"] = sorted({str(r["sample"]) for r in rows})
        out[account].append(Reason("peer_indicator", weight, detail, evidence))
    return {a: sort_reasons(r) for a, r in out.items()}
