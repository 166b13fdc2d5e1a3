"""Which of a campaign's addresses, networks, clients, templates and payment instruments are
safe to share as indicators.

The rule mirrors the scan's shared-infrastructure guard: a value that any account we judged
``clear`` or ``authorized`` also used (a campus NAT, a proxy pool honest customers share, a
popular SDK's user agent, a prompt a partner sends) would make a peer flag honest traffic,
so it is never exported. What remains is ranked by how many of the campaign's exchanges
carry it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

#: kind -> SQL expression over the exchange row giving the value as text.
VALUE_SQL: dict[str, tuple[str, str]] = {
    "ip": ("client_ip", "client_ip"),
    "asn": ("asn", "CAST(asn AS VARCHAR)"),
    "user_agent": ("user_agent", "user_agent"),
    "template": ("template_id", "CAST(template_id AS VARCHAR)"),
    "payment": ("payment_fingerprint", "payment_fingerprint"),
}
INNOCENT = ("clear", "authorized")


@dataclass(frozen=True)
class Observed:
    kind: str
    value: str
    exchanges: int
    accounts: int


def campaign_values(
    con: duckdb.DuckDBPyConnection,
    members: list[str],
    verdicts: dict[str, str],
    kinds: tuple[str, ...] = tuple(VALUE_SQL),
    limit: int = 50,
    min_exchanges: int = 2,
    source: str = "exchanges",
) -> list[Observed]:
    """Values of each kind the members used and no clear or authorized account did."""
    columns = {str(r[0]) for r in con.execute(f"DESCRIBE {source}").fetchall()}
    con.register("sw_intel_members", pa.table({"account": members}))
    con.register(
        "sw_intel_innocent",
        pa.table({"account": [a for a, v in verdicts.items() if v in INNOCENT]}),
    )
    out: list[Observed] = []
    for kind in kinds:
        column, expr = VALUE_SQL[kind]
        if column not in columns:
            continue
        rows = con.execute(
            f"""
            WITH e AS (SELECT account, {expr} AS value FROM {source} WHERE {column} IS NOT NULL),
            bad AS (SELECT DISTINCT value FROM e JOIN sw_intel_innocent USING (account))
            SELECT value, count(*) AS n, count(DISTINCT account) AS accts
            FROM e JOIN sw_intel_members USING (account)
            WHERE value NOT IN (SELECT value FROM bad)
            GROUP BY value HAVING count(*) >= {int(min_exchanges)}
            ORDER BY n DESC, value LIMIT {int(limit)}
            """
        ).fetchall()
        out.extend(Observed(kind, str(v), int(n), int(a)) for v, n, a in rows)
    return out
