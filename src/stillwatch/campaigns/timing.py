"""Synchronised activity: do a group's members switch on and off together?

One scheduler driving many accounts makes them active in the same short windows; honest
customers are active when their own day and workload say. Time is cut into buckets of
``bucket_minutes``. For a group of k members, each active in b_i of the N buckets its log
spans, independent members would together cover about

    expected = N * (1 - prod(1 - b_i / N))

buckets. Members that fire together cover far fewer, down to the busiest member's own
b_max when all fire in the same buckets. The measure

    sync = (expected - observed) / (expected - b_max)

is 0 for independent activity and 1 for lockstep. Dense accounts (24/7 backends) are
active in nearly every bucket, so their expected and observed cover are both near N and
the measure stays near 0: always-on is not synchronised.

One SQL text, so the embedded and Spark engines compute it alike.
"""

from __future__ import annotations

from stillwatch.engine import Engine


def sync_sql(source: str, group: str, bucket_minutes: int = 10) -> str:
    """(g, members, buckets, sync): one row per group with at least two members."""
    width = int(bucket_minutes) * 60
    return f"""
WITH active AS (
  SELECT DISTINCT {group} AS g, account, CAST(floor(epoch(time) / {width}) AS BIGINT) AS bucket
  FROM {source}
),
span AS (
  SELECT g, max(bucket) - min(bucket) + 1 AS n, count(DISTINCT bucket) AS observed
  FROM active GROUP BY g
),
members AS (
  SELECT g, account, count(*) AS b FROM active GROUP BY g, account
),
expect AS (
  SELECT m.g, count(*) AS k, max(m.b) AS b_max,
         -- a member active in every bucket makes independence and lockstep alike
         sum(CASE WHEN m.b < s.n THEN ln(1.0 - m.b * 1.0 / s.n) ELSE -1e9 END) AS log_idle
  FROM members m JOIN span s ON m.g = s.g
  GROUP BY m.g
)
SELECT e.g, e.k AS members, s.n AS buckets,
       CASE WHEN s.n * (1.0 - exp(e.log_idle)) - e.b_max <= 0 THEN 0.0
            ELSE greatest(0.0, least(1.0,
                 (s.n * (1.0 - exp(e.log_idle)) - s.observed)
                 / (s.n * (1.0 - exp(e.log_idle)) - e.b_max)))
       END AS sync
FROM expect e JOIN span s ON e.g = s.g
WHERE e.k >= 2
"""


def group_sync(engine: Engine, source: str, group: str, bucket_minutes: int = 10) -> dict[str, float]:
    """The ``sync`` measure per group key (groups of one are absent)."""
    table = engine.sql(sync_sql(source, group, bucket_minutes))
    keys, values = table.column("g").to_pylist(), table.column("sync").to_pylist()
    return {str(g): float(v) for g, v in zip(keys, values, strict=True)}
