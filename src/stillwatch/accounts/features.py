"""Aggregate behaviour features, as one SQL text grouped by account or by campaign.

Every feature is a plain aggregate over stored columns (signals included), so the same
query runs on DuckDB and on Spark SQL, and its cost grows with exchanges once and then with
groups, never with pairs of exchanges.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from stillwatch.engine import Engine
from stillwatch.signals.shape import SCRIPTS

#: Capability categories worth distilling (the reported campaigns' targets).
TARGET_CATEGORIES: tuple[str, ...] = (
    "agentic_tool_use",
    "coding",
    "computer_use",
    "vision",
    "reasoning_math",
)
ALL_CATEGORIES: tuple[str, ...] = TARGET_CATEGORIES + (
    "rubric_grading",
    "sensitive_rewrite",
    "general_chat",
)


@dataclass(frozen=True)
class ProfileOptions:
    """Cut-offs applied per exchange before aggregation."""

    elicit_threshold: float = 0.5
    extract_threshold: float = 0.5
    near_max_fraction: float = 0.9
    young_account_days: float = 7.0


def _share_columns() -> str:
    """Each capability category's and each writing system's share of the traffic."""
    cats = [f"avg(CASE WHEN category = '{c}' THEN 1.0 ELSE 0.0 END) AS cat_{c}" for c in ALL_CATEGORIES]
    scripts = [f"avg(CASE WHEN lang_script = '{s}' THEN 1.0 ELSE 0.0 END) AS script_{s}" for s in SCRIPTS]
    return ",\n  ".join(cats + scripts)


def profile_sql(source: str, group: str, opts: ProfileOptions) -> str:
    """SQL that profiles every group of ``source`` (a table or view with a ``group`` column).

    ``sw_models`` (per-model max_tokens and release time, which ``BehaviourProfiler``
    creates first) must hold every model of ``source``.
    """
    # ``x`` is read by five of the CTEs below, and DuckDB materialises such a CTE, every row
    # with every column (the texts too), unless told not to: at 10M exchanges that spilled
    # for 41 s, where reading it five times takes 11 s (1M: 1.2 s and 0.65 s).
    return f"""
WITH x AS NOT MATERIALIZED (
  SELECT s.*, s.{group} AS g, m.max_tokens_seen, m.released, m.is_new
  FROM {source} s JOIN sw_models m ON s.model = m.model
),
base AS (
  SELECT g,
  count(*) AS exchanges,
  min(time) AS first_seen,
  max(time) AS last_seen,
  min(account_created) AS account_created,
  count(DISTINCT account) AS accounts,
  min(org) AS org_key,
  count(DISTINCT org) AS orgs,
  sum(CASE WHEN org IS NULL THEN 1 ELSE 0 END) AS no_org_exchanges,
  count(DISTINCT CAST(time AS DATE)) AS active_days,
  sum(coalesce(input_tokens, 0)) AS input_tokens,
  sum(coalesce(output_tokens, 0)) AS output_tokens,
  sum(coalesce(reasoning_tokens, 0)) AS reasoning_tokens,
  avg(CASE WHEN max_tokens IS NOT NULL AND max_tokens_seen > 0
           AND max_tokens >= {opts.near_max_fraction} * max_tokens_seen THEN 1.0 ELSE 0.0 END)
      AS near_max_tokens,
  avg(CASE WHEN coalesce(n, 1) > 1 THEN 1.0 ELSE 0.0 END) AS multi_n,
  avg(CASE WHEN coalesce(logprobs, false) OR coalesce(top_logprobs, 0) > 0
           THEN 1.0 ELSE 0.0 END) AS logprobs,
  avg(CASE WHEN reasoning_effort = 'high' THEN 1.0 ELSE 0.0 END) AS high_effort,
  avg(CASE WHEN coalesce(n_assistant, 0) = 0 AND coalesce(n_tool, 0) = 0
           THEN 1.0 ELSE 0.0 END) AS single_turn,
  avg(CASE WHEN coalesce(n_tool, 0) > 0 THEN 1.0 ELSE 0.0 END) AS tool_loop,
  avg(CASE WHEN elicit_score >= {opts.elicit_threshold} THEN 1.0 ELSE 0.0 END) AS elicit_rate,
  sum(CASE WHEN elicit_score >= {opts.elicit_threshold} THEN 1 ELSE 0 END) AS elicit_count,
  count(DISTINCT CASE WHEN elicit_score >= {opts.elicit_threshold} THEN prompt_text END) AS elicit_prompts,
  avg(CASE WHEN extract_score >= {opts.extract_threshold} THEN 1.0 ELSE 0.0 END) AS extract_rate,
  sum(CASE WHEN extract_score >= {opts.extract_threshold} THEN 1 ELSE 0 END) AS extract_count,
  count(DISTINCT CASE WHEN extract_score >= {opts.extract_threshold} THEN prompt_text END) AS extract_prompts,
  avg(CASE WHEN status >= 400 THEN 1.0 ELSE 0.0 END) AS error_rate,
  count(DISTINCT template_id) AS distinct_templates,
  count(DISTINCT client_ip) AS distinct_ips,
  count(DISTINCT asn) AS distinct_asns,
  count(DISTINCT user_agent) AS distinct_user_agents,
  count(DISTINCT end_user) AS distinct_end_users,
  count(DISTINCT model) AS distinct_models,
  {_share_columns()}
  FROM x GROUP BY g
),
-- Per member account, then over the group's members (weighted by their exchanges): the
-- same as the account's own value for one account. A group's members are judged as
-- accounts, not their sum: ten people in ten time zones cover the clock together and none
-- alone, and each from their own home network.
members AS (
  SELECT g, avg(CASE WHEN created IS NOT NULL
                      AND epoch(first_use) - epoch(created) <= {opts.young_account_days} * 86400
                     THEN 1.0 ELSE 0.0 END) AS young_accounts,
         sum(n * asns) * 1.0 / sum(n) AS member_asns
  FROM (SELECT g, account, min(time) AS first_use, min(account_created) AS created,
               count(*) AS n, count(DISTINCT asn) AS asns
        FROM x GROUP BY g, account) t
  GROUP BY g
),
top_template AS (
  SELECT g, max(c) AS top_template_count FROM (
    SELECT g, template_id, count(*) AS c FROM x WHERE template_id IS NOT NULL
    GROUP BY g, template_id
  ) t GROUP BY g
),
hours AS (
  SELECT g, sum(n * entropy) / sum(n) AS hour_entropy, sum(n * active) * 1.0 / sum(n) AS active_hours
  FROM (
    SELECT g, account, sum(c) AS n, count(*) AS active, -sum(p * ln(p)) / ln(24.0) AS entropy FROM (
      SELECT g, account, hour(time) AS h, count(*) AS c,
             count(*) * 1.0 / sum(count(*)) OVER (PARTITION BY g, account) AS p
      FROM x GROUP BY g, account, hour(time)
    ) t GROUP BY g, account
  ) m GROUP BY g
),
-- Read from the source itself, not ``x`` (every model is in ``sw_models``, so the rows are
-- the same). Fed from the shared CTE, the window sorted a campaign's pooled traffic (5.5M
-- rows in one partition at 10M exchanges) for 31 CPU-seconds, and the pool's query took
-- 26 s; read from the source, 9.5 s.
gaps AS (
  SELECT g, avg(dt) AS gap_mean, stddev_pop(dt) AS gap_std FROM (
    SELECT {group} AS g, epoch(time) - lag(epoch(time)) OVER (PARTITION BY {group} ORDER BY time) AS dt
    FROM {source}
  ) t WHERE dt IS NOT NULL GROUP BY g
),
pivots AS (
  SELECT g, max(CASE WHEN before > 0 AND in_window >= 3 THEN on_new * 1.0 / in_window
                     ELSE 0.0 END) AS pivot_share,
         max_by(model, CASE WHEN before > 0 AND in_window >= 3 THEN on_new * 1.0 / in_window
                            ELSE 0.0 END) AS pivot_model
  FROM (
    SELECT x.g, r.model,
      sum(CASE WHEN x.time >= r.released AND x.time < r.released + INTERVAL 1 DAY
               THEN 1 ELSE 0 END) AS in_window,
      sum(CASE WHEN x.time >= r.released AND x.time < r.released + INTERVAL 1 DAY
               AND x.model = r.model THEN 1 ELSE 0 END) AS on_new,
      sum(CASE WHEN x.time < r.released THEN 1 ELSE 0 END) AS before
    FROM x CROSS JOIN (SELECT model, released FROM sw_models WHERE is_new) r
    GROUP BY x.g, r.model
  ) w GROUP BY g
)
SELECT base.*,
  coalesce(top_template.top_template_count, 0) AS top_template_count,
  coalesce(members.young_accounts, 0.0) AS young_accounts,
  coalesce(members.member_asns, 0.0) AS member_asns,
  coalesce(hours.hour_entropy, 0.0) AS hour_entropy,
  coalesce(hours.active_hours, 0.0) AS active_hours,
  coalesce(gaps.gap_std / nullif(gaps.gap_mean, 0), 0.0) AS gap_cv,
  coalesce(pivots.pivot_share, 0.0) AS pivot_share,
  pivots.pivot_model AS pivot_model
FROM base
LEFT JOIN members USING (g)
LEFT JOIN top_template USING (g)
LEFT JOIN hours USING (g)
LEFT JOIN gaps USING (g)
LEFT JOIN pivots USING (g)
ORDER BY g
"""


MODELS_SQL = """
CREATE OR REPLACE TEMP TABLE sw_models AS
SELECT model,
       coalesce(max(max_tokens), 0) AS max_tokens_seen,
       min(time) AS released,
       min(time) > (SELECT min(time) FROM {source}) + INTERVAL {grace_hours} HOUR AS is_new
FROM {source} GROUP BY model
"""


class BehaviourProfiler:
    """Profiles groups of exchanges (accounts, or the pooled traffic of a campaign).

    A model counts as newly released when it first appears more than ``release_grace_hours``
    after the log starts: before that, its first sighting is just the start of the log.
    """

    def __init__(self, options: ProfileOptions | None = None, release_grace_hours: int = 24):
        self.options = options or ProfileOptions()
        self.release_grace_hours = release_grace_hours

    def prepare(self, engine: Engine, source: str = "exchanges") -> None:
        """Population-level facts the profiles are relative to: per-model limits and releases."""
        engine.execute(
            MODELS_SQL.format(source=source, grace_hours=int(self.release_grace_hours))
        )

    def transform(self, engine: Engine, source: str = "exchanges", group: str = "account") -> pa.Table:
        """One row per group, column ``g`` holding the group's key."""
        return engine.sql(profile_sql(source, group, self.options))
