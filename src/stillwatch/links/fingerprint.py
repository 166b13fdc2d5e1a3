"""Client fingerprints, and when sharing one is more than chance.

A client fingerprint is the user agent and the sampling settings a request sends. A
harvester's client is configured once and copied to every account it runs, so a shared
fingerprint can link them. But each setting is one of a few common values (an SDK release,
``max_tokens`` 16000, effort "high"), and in a population of hundreds a handful of honest
accounts share the same combination by coincidence: a proxy customer, linked to a hydra's
members by shared exits (which honest proxy users share too) and by such a fingerprint,
looked like a member.

So a fingerprint links its holders only where their number is unlikely were the settings
independent. Each sent setting is held by a share of all accounts; their product, times
the accounts, is the holders one would expect by chance (``expected``). The chance of
``holders`` or more is bounded by the Poisson tail's Chernoff bound,
exp(-E) (e E / h)^h for h > E, and the fingerprint links only when that bound is under
``client_chance``. A bound, not the exact tail, so it is one closed form in both engines'
SQL and errs toward not linking. A setting not sent is a default and is left out.
"""

from __future__ import annotations

import math

#: The request settings a fingerprint is made of, each as text ('' when not sent).
PARTS: dict[str, str] = {
    "user_agent": "coalesce(user_agent, '')",
    "max_tokens": "coalesce(CAST(max_tokens AS VARCHAR), '')",
    "n": "coalesce(CAST(n AS VARCHAR), '')",
    "temperature": "coalesce(CAST(temperature AS VARCHAR), '')",
    "top_p": "coalesce(CAST(top_p AS VARCHAR), '')",
    "logprobs": "coalesce(CAST(logprobs AS VARCHAR), '')",
    "top_logprobs": "coalesce(CAST(top_logprobs AS VARCHAR), '')",
    "reasoning_effort": "coalesce(reasoning_effort, '')",
}

#: Requests sending only defaults say nothing about the client and make no fingerprint.
CONFIGURED = ("max_tokens", "n", "logprobs", "reasoning_effort")


def key_of(parts: list[str]) -> str:
    """The fingerprint as one key, from its parts' columns (or expressions)."""
    return f"concat_ws('|', {', '.join(parts)})"


def _configured() -> str:
    return " OR ".join(f"{name} <> ''" for name in CONFIGURED)


def key_sql(parts: str) -> str:
    """(key, account) for each configured fingerprint an account sends, from a table (or a
    subquery) of ``parts_sql``."""
    return f"SELECT {key_of(list(PARTS))} AS key, account FROM {parts} WHERE {_configured()}"


def log_bound_sql(holders: str, ln_expected: str) -> str:
    """SQL for the log of the Chernoff bound on P(X >= holders), X ~ Poisson(expected), for
    holders above expected: -E + h (1 + ln E - ln h). Taken from ln E, as the expectation
    is a product of shares that is summed in logs."""
    return f"(-exp({ln_expected}) + {holders} * (1 + {ln_expected} - ln({holders})))"


def parts_sql(source: str) -> str:
    """Each account's distinct setting tuples, all requests included (a setting's share of
    accounts counts those that send it without configuring anything else too).

    Materialised once by the caller: the fingerprint keys (``key_sql``) come from it, and
    ``chance_sql`` reads it nine times; an engine that inlines CTEs (Spark) would aggregate
    the whole log for each read."""
    group = ", ".join(PARTS)
    cols = ", ".join(f"{expr} AS {name}" for name, expr in PARTS.items())
    return f"SELECT account, {group} FROM (SELECT account, {cols} FROM {source}) s GROUP BY account, {group}"


def chance_sql(parts: str, accounts_total: int, cap: int, chance: float) -> str:
    """('client', key) for each fingerprint that two or more (at most ``cap``) accounts
    share no more often than chance explains: keys that count among their holders' keys
    but link nobody. ``parts`` is a table of ``parts_sql``."""
    names = list(PARTS)
    held = "\n    UNION ALL\n    ".join(
        f"SELECT '{name}' AS part, {name} AS value, account FROM {parts} WHERE {name} <> ''" for name in names
    )
    joins = "\n".join(
        f"LEFT JOIN held h{i} ON h{i}.part = '{name}' AND h{i}.value = f.{name}" for i, name in enumerate(names)
    )
    # a setting not sent has no row in ``held`` and multiplies by 1
    n = int(accounts_total)
    log_share = " + ".join(f"ln(coalesce(h{i}.n, {n}) * 1.0 / {n})" for i in range(len(names)))
    group = ", ".join(names)
    return f"""
WITH held AS (
  SELECT part, value, count(DISTINCT account) AS n FROM (
    {held}
  ) u GROUP BY part, value
),
fp AS (
  SELECT {group}, {key_of(names)} AS key, count(*) AS holders FROM {parts}
  WHERE {_configured()} GROUP BY {group}
  HAVING count(*) BETWEEN 2 AND {int(cap)}
),
scored AS (
  SELECT f.key, f.holders, ln({n}) + {log_share} AS ln_e
  FROM fp f
{joins}
)
SELECT DISTINCT 'client' AS kind, key FROM scored
WHERE ln(holders) <= ln_e OR {log_bound_sql("holders", "ln_e")} >= {math.log(chance)!r}
"""
