"""Pairs of accounts that share something: content, infrastructure or a client fingerprint.

Every kind of evidence becomes keys: (kind, key, account) rows, e.g. ("tpl", template id),
("band", an LSH band of a near-duplicate sketch), ("ip", address), ("pay", payment
fingerprint). Accounts sharing a key are paired by a self-join on the key: the LSH band join.

A key held by thousands of accounts (a hydra's template, or a campus NAT) would produce
millions of pairs. Within each key, accounts are put in a pseudo-random order (md5, which
every engine computes alike, so DuckDB and Spark pick the same pairs) and each is
paired with the next ``neighbours`` accounts around that ring: every account still links
into the group, with O(accounts x neighbours) pairs instead of O(accounts^2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from stillwatch.engine import Engine
from stillwatch.links import fingerprint

#: Which class of evidence each key kind belongs to. Only "content" and "client" speak to
#: what the accounts *do*; "infra" says where they come from, which a NAT, a proxy pool
#: shared with honest customers or a reseller explains just as well.
KIND_CLASS: dict[str, str] = {
    "tpl": "content",
    "sys": "content",
    "band": "content",
    "ip": "infra",
    "net": "infra",
    "pay": "infra",
    "born": "infra",
    "client": "client",
}


def class_weights(kinds: dict[str, float], into: dict[str, float] | None = None) -> dict[str, float]:
    """A pair's link weights summed per evidence class (added to ``into`` when given).

    >>> class_weights({"ip": 0.25, "net": 0.5, "tpl": 0.125})
    {'infra': 0.75, 'content': 0.125}
    """
    out = {} if into is None else into
    for kind, w in kinds.items():
        cls = KIND_CLASS[kind]
        out[cls] = out.get(cls, 0.0) + w
    return out


@dataclass(frozen=True)
class LinkConfig:
    """See default.toml, section [links]."""

    min_text_chars: int = 40
    neighbours: int = 8
    max_key_share: float = 0.5
    born_bucket_minutes: int = 10
    max_partners: int = 100
    keep_weight: float = 0.05
    exact_kinds: list[str] = field(default_factory=lambda: ["pay", "born", "sys", "client"])
    client_chance: float = 0.001
    weights: dict[str, float] = field(
        default_factory=lambda: {
            "tpl": 0.15,
            "sys": 0.6,
            "band": 0.15,
            "ip": 0.3,
            "net": 0.15,
            "pay": 0.5,
            "born": 0.3,
            "client": 0.3,
        }
    )


def keys_sql(source: str, cfg: LinkConfig, client_parts: str) -> str:
    """(kind, key, account) for every piece of shareable evidence, each once.

    Each kind is de-duplicated by an aggregate of its own: one aggregate over all kinds
    together ran out of memory at 10M exchanges (65M rows), where each alone fits. Client
    fingerprints come from ``client_parts``, a table of ``fingerprint.parts_sql`` (read only
    when client fingerprints are weighted).
    """
    m = int(cfg.min_text_chars)
    bucket = int(cfg.born_bucket_minutes) * 60
    rows = {
        "tpl": f"""SELECT CAST(template_id AS VARCHAR) AS key, account FROM {source}
    WHERE template_id IS NOT NULL AND length(prompt_text) >= {m}""",
        "sys": f"""SELECT CAST(system_template_id AS VARCHAR) AS key, account FROM {source}
    WHERE system_template_id IS NOT NULL AND length(system_text) >= {m}""",
        # one row per band, straight into the grouping: a DISTINCT over whole band lists
        # first could not spill
        "band": f"""SELECT CAST(b AS VARCHAR) AS key, account FROM (
    SELECT unnest(prompt_bands) AS b, account FROM {source}
    WHERE prompt_bands IS NOT NULL AND length(prompt_text) >= {m}) u""",
        "ip": f"SELECT client_ip AS key, account FROM {source} WHERE client_ip IS NOT NULL",
        "net": f"""SELECT regexp_extract(client_ip, '^(\\d+\\.\\d+\\.\\d+)\\.\\d+$', 1) AS key, account
    FROM {source} WHERE regexp_matches(client_ip, '^\\d+\\.\\d+\\.\\d+\\.\\d+$')""",
        "pay": f"SELECT payment_fingerprint AS key, account FROM {source} WHERE payment_fingerprint IS NOT NULL",
        "born": f"""SELECT CAST(floor(epoch(account_created) / {bucket}) AS VARCHAR) AS key, account
    FROM {source} WHERE account_created IS NOT NULL""",
        # the harvesting client's settings; all-default requests say nothing and are skipped
        "client": fingerprint.key_sql(client_parts),
    }
    # A kind weighted 0 is evidence the config turned off: it links nobody, not faintly.
    used = [kind for kind in rows if cfg.weights.get(kind, 0.0) > 0]
    if not used:
        none = "CAST(NULL AS VARCHAR)"
        return f"SELECT {none} AS kind, {none} AS key, {none} AS account WHERE 1 = 0"
    return "\nUNION ALL\n".join(
        f"SELECT '{kind}' AS kind, key, account FROM (\n  {rows[kind]}\n) r GROUP BY key, account" for kind in used
    )


def ids_sql(keys: str) -> str:
    """A number for every account that holds a key, in the order of the names.

    The pairing works on numbers: at 10M exchanges it moves hundreds of millions of rows,
    and with names and keys as strings its spill passed 40 GB. Numbers follow the names'
    order, so the smaller number is the smaller name.
    """
    return (
        f"SELECT account, row_number() OVER (ORDER BY account) AS aid "
        f"FROM (SELECT account FROM {keys} GROUP BY account) u"
    )


def _key_cap(accounts_total: int, cfg: LinkConfig) -> int:
    """The most accounts a key may have and still link them (``max_key_share``)."""
    return max(2, int(cfg.max_key_share * accounts_total))


def _strength(shared: str, nkeys_a: str, nkeys_b: str) -> str:
    """A link's strength: keys shared over the smaller side's keys, at most 1."""
    return f"least(1.0, {shared} * 1.0 / least({nkeys_a}, {nkeys_b}))"


def _exact_kinds(cfg: LinkConfig) -> str:
    return ", ".join(f"'{k}'" for k in cfg.exact_kinds) or "''"


def _unless_quiet(quiet: str | None, alias: str) -> tuple[str, str]:
    """A join on the ``quiet`` keys (kind, key: shared, but linking nobody) and the test
    that a row of ``alias`` is not one of them."""
    if quiet is None:
        return "", "TRUE"
    return f"LEFT JOIN {quiet} q ON q.kind = {alias}.kind AND q.key = {alias}.key", "q.key IS NULL"


def few_sql(keys: str, ids: str, accounts_total: int, cfg: LinkConfig, quiet: str | None = None) -> str:
    """(kind, aid, kid, linking) for the kinds counted exactly on every kept pair
    (``exact_kinds``): each key as a number, and whether it can link anyone, i.e. is held by
    two accounts or more but not more than ``max_key_share`` of them, and is not ``quiet``.
    Every key still counts among its account's keys."""
    cap = _key_cap(accounts_total, cfg)
    join, loud = _unless_quiet(quiet, "k")
    return f"""SELECT k.kind, i.aid, dense_rank() OVER (ORDER BY k.kind, k.key) AS kid,
       count(*) OVER (PARTITION BY k.kind, k.key) BETWEEN 2 AND {cap} AND {loud} AS linking
FROM {keys} k JOIN {ids} i ON i.account = k.account
{join}
WHERE k.kind IN ({_exact_kinds(cfg)})"""


def pairs_sql(keys: str, ids: str, accounts_total: int, cfg: LinkConfig, quiet: str | None = None) -> str:
    """Per (kind, a, b), as account numbers a < b: keys shared, and each side's keys of
    that kind (``quiet`` keys among them, though they pair nobody)."""
    cap = _key_cap(accounts_total, cfg)
    nb = int(cfg.neighbours)
    join, loud = _unless_quiet(quiet, "s")
    return f"""
WITH per AS (
  SELECT k.kind, i.aid, count(*) AS nkeys FROM {keys} k JOIN {ids} i ON i.account = k.account
  GROUP BY k.kind, i.aid
),
-- Keys held by one account (most near-duplicate bands) link nobody: they are dropped by
-- an aggregate, which spills, before the members of each shared key are paired.
-- Each kept key also gets a fingerprint of its member set (engine-local hashes: it only
-- tells sets apart, it orders nothing).
shared AS (
  SELECT s.kind, s.key, s.size, s.fx, s.fy FROM (
    SELECT kind, key, count(*) AS size, bit_xor(hash(account)) AS fx,
           sum(hash(account) % 1000003) AS fy
    FROM {keys} GROUP BY kind, key
    HAVING count(*) >= 2 AND count(*) <= {cap}
  ) s
  {join}
  WHERE {loud}
),
-- Keys with the same members link the same pairs: one near-duplicate prompt yields several
-- LSH bands, and a hydra's template bank many templates, all held by one set of accounts
-- (at 1M exchanges 265k shared bands had 34k member sets; at 10M, big bands' 31M
-- memberships came from sets with 10M). The least key stands for its set, counted
-- ``copies`` times, so the pairs are walked once per set, not once per key. A set of at
-- most {2 * nb + 1} members is paired whole, so its pairs and counts are what they would
-- be key by key. A bigger set is walked by one ring, in the order its least key gives:
-- its copies add to the same pairs instead of each sampling others. Sets that differ by
-- one member still get rings of their own, which keeps a hydra's graph well mixed.
sets AS (
  SELECT kind, min(key) AS key, size, count(*) AS copies FROM shared GROUP BY kind, size, fx, fy
),
keyed AS (
  SELECT kind, key, size, copies, row_number() OVER (ORDER BY kind, key) AS kid FROM sets
),
grp AS (
  SELECT s.kind, s.kid, i.aid, s.size, s.copies, k.account, k.key
  FROM {keys} k
  JOIN keyed s ON k.kind = s.kind AND k.key = s.key
  JOIN {ids} i ON i.account = k.account
),
-- A key of at most {2 * nb + 1} members pairs them all, which a self-join does without
-- numbering anyone: most keys are such small sets, and numbering them took a window over
-- every membership (47M rows at 10M exchanges).
clique AS (
  SELECT x.kind, x.aid AS a, y.aid AS b, sum(x.copies) AS shared
  FROM grp x JOIN grp y ON x.kid = y.kid AND x.aid < y.aid
  WHERE x.size <= {2 * nb + 1} AND y.size <= {2 * nb + 1}
  GROUP BY x.kind, x.aid, y.aid
),
big AS (
  SELECT kind, kid, aid, size, copies,
         row_number() OVER (PARTITION BY kid ORDER BY md5(account || key)) AS r
  FROM grp WHERE size > {2 * nb + 1}
),
-- In a bigger key each member takes its next {nb} ring positions, as ranks to join on: an
-- equi-join, so its cost is members x neighbours even for a key thousands of accounts
-- share. Steps go only half way round, so each pair of a key comes out once.
steps AS (SELECT * FROM (VALUES {", ".join(f"({d})" for d in range(1, nb + 1))}) AS s(d)),
ring AS (
  SELECT g.kind, g.kid, g.aid, g.copies, (g.r - 1 + s.d) % g.size + 1 AS r2
  FROM big g CROSS JOIN steps s
),
walked AS (
  SELECT n.kind, least(n.aid, b.aid) AS a, greatest(n.aid, b.aid) AS b, sum(n.copies) AS shared
  FROM ring n JOIN big b ON b.kid = n.kid AND b.r = n.r2
  GROUP BY n.kind, least(n.aid, b.aid), greatest(n.aid, b.aid)
),
-- The two kinds of pairs are summed by a full join of their own sums: at 10M exchanges
-- (100M pairs) DuckDB ran out of memory summing their UNION ALL at 1 GB and at 4 GB,
-- while each sum and the join spill.
hits AS (
  SELECT coalesce(c.kind, w.kind) AS kind, coalesce(c.a, w.a) AS a, coalesce(c.b, w.b) AS b,
         CAST(coalesce(c.shared, 0) + coalesce(w.shared, 0) AS BIGINT) AS shared
  FROM clique c FULL OUTER JOIN walked w ON c.kind = w.kind AND c.a = w.a AND c.b = w.b
)
SELECT h.kind, h.a, h.b, h.shared, pa.nkeys AS nkeys_a, pb.nkeys AS nkeys_b
FROM hits h
JOIN per pa ON pa.kind = h.kind AND pa.aid = h.a
JOIN per pb ON pb.kind = h.kind AND pb.aid = h.b
"""


def _end(alias: str, first: str, second: str) -> str:
    """Column ``first`` of pair ``alias`` on side 0 of its cross join with the two sides
    (aliased ``t``), else ``second``: each end of the pair in turn, from one read of it."""
    return f"CASE WHEN t.side = 0 THEN {alias}.{first} ELSE {alias}.{second} END"


def kept_sql(pairs: str, kind_weights: str, cfg: LinkConfig) -> str:
    """Each pair's strength and weight per kind, less the faint links nobody needs.

    Overlap is relative to the smaller side: a small hydra account whose few prompts all
    match a big one is fully linked to it.

    Proxy pools and template banks link every member of a hydra faintly to most others
    (a few shared exits or templates among hundreds): at 1M exchanges nine in ten links
    weigh under 0.02, and their number grows with the square of the accounts. A link is
    kept if it weighs at least ``keep_weight`` (what the pairwise rules can see), or is
    one of the ``max_partners`` strongest of its kind for either account, so every account
    keeps its closest company in each kind of evidence. ``max_partners = 0`` keeps all.
    """
    keep = float(cfg.keep_weight)
    top = int(cfg.max_partners)
    # Spelled out at each use, not a CTE: read five times, a CTE of the 100M raw pairs was
    # materialised (spilled) and read back slower than the raw table and its 8-row join.
    scored = f"""(
  SELECT kind, class, a, b, shared, strength, kind_weight * strength AS weight,
         floor(log2(greatest(kind_weight * strength, 1e-300)) * 8) AS band FROM (
    SELECT p.kind, w.class, p.a, p.b, p.shared, w.kind_weight,
           {_strength("p.shared", "p.nkeys_a", "p.nkeys_b")} AS strength
    FROM {pairs} p JOIN {kind_weights} w ON p.kind = w.kind
  ) s
)"""
    columns = "kind, class, a, b, shared, strength, weight"
    if top <= 0:
        return f"SELECT {columns} FROM {scored} t"
    # Each pair has two ends; a cross join with the two sides reads the pairs once for both.
    sides = "(SELECT * FROM (VALUES (0), (1)) AS t(side))"
    return f"""
-- An end with {top} ends of its account in higher weight bands can't be among its closest,
-- so only the rest are ranked: at 1M exchanges 21% of the ends, and at 10M ranking all
-- 200M ends took 124-142 s. Bands are log-spaced, as ring pairs' weights crowd near zero.
-- Any banding that grows with the weight gives the same ranks, so engines that round a
-- logarithm differently still agree. Both ends of every pair stream from one read of the
-- pairs into each aggregate or join: a union of the ends, read twice, was materialised
-- (200M rows at 10M exchanges), and reading the pairs once per side made five passes over
-- a table that had spilled, each about 20 s of work at 10M, where now there are three.
WITH bands AS (
  SELECT kind, account, band,
         coalesce(sum(n) OVER (PARTITION BY kind, account ORDER BY band DESC
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS above
  FROM (
    SELECT x.kind, {_end("x", "a", "b")} AS account, x.band, count(*) AS n
    FROM {scored} x CROSS JOIN {sides} t
    GROUP BY x.kind, {_end("x", "a", "b")}, x.band
  ) e
),
rankable AS (SELECT kind, account, band FROM bands WHERE above < {top}),
-- each account's partners of each kind, whichever side of the pair it is on; joined on the
-- ends as columns of a subquery: a join on the CASE itself was planned as a join on kind
-- and band and a cross product (1.3 billion rows at 1M exchanges)
ends AS (
  SELECT e.kind, e.account, e.other, e.weight FROM (
    SELECT s.kind, {_end("s", "a", "b")} AS account, {_end("s", "b", "a")} AS other, s.weight, s.band
    FROM {scored} s CROSS JOIN {sides} t
  ) e JOIN rankable d ON d.kind = e.kind AND d.account = e.account AND d.band = e.band
),
ranked AS (
  SELECT kind, account, other,
         row_number() OVER (PARTITION BY kind, account ORDER BY weight DESC, other) AS rank
  FROM ends
),
closest AS (
  SELECT kind, least(account, other) AS a, greatest(account, other) AS b FROM ranked
  WHERE rank <= {top} GROUP BY kind, least(account, other), greatest(account, other)
)
SELECT s.kind, s.class, s.a, s.b, s.shared, s.strength, s.weight
FROM {scored} s LEFT JOIN closest c ON s.kind = c.kind AND s.a = c.a AND s.b = c.b
WHERE s.weight >= {keep} OR c.a IS NOT NULL
"""


def links_sql(kept: str, ids: str, few: str, kind_weights: str, cfg: LinkConfig) -> str:
    """The kept links, with exact counts for the few-key kinds, and the accounts' names.

    A key shared by many accounts is walked by a ring in an order of its own, so each kind
    links an account to its own handful of others; the campaign rules ask whether one pair
    shares two classes of evidence (a card *and* a system prompt). In a 10,000-account
    hydra two such handfuls rarely met: of 76k pairs linked by a card, 0.3% had their
    shared system prompts found too. So for the kinds where an account holds few keys
    (``exact_kinds``: cards, creation batches, system prompts, client fingerprints), every
    kept pair's shared keys are counted exactly.

    They are counted by intersecting the two accounts' lists of linking keys, one row per
    pair and kind. A join of key rows per pair made a row for every key of one side (a
    hydra account holds dozens of system prompts and client fingerprints): at 10M
    exchanges this query took 222-263 s, with the lists 36 s, and the counts are identical.
    """
    kinds = _exact_kinds(cfg)
    return f"""
WITH pair AS (SELECT a, b FROM {kept} GROUP BY a, b),
per AS (
  SELECT kind, aid, count(*) AS nkeys, list(kid) FILTER (WHERE linking) AS held
  FROM {few} GROUP BY kind, aid HAVING count(*) FILTER (WHERE linking) > 0
),
exact AS (
  SELECT * FROM (
    SELECT x.kind, p.a, p.b, array_length(array_intersect(x.held, y.held)) AS shared,
           x.nkeys AS nkeys_a, y.nkeys AS nkeys_b
    FROM pair p JOIN per x ON x.aid = p.a JOIN per y ON y.aid = p.b AND y.kind = x.kind
  ) t WHERE shared > 0
),
final AS (
  SELECT kind, class, a, b, shared, strength, weight FROM {kept} WHERE kind NOT IN ({kinds})
  UNION ALL
  SELECT kind, class, a, b, shared, strength, kind_weight * strength AS weight FROM (
    SELECT e.kind, w.class, e.a, e.b, e.shared, w.kind_weight,
           {_strength("e.shared", "e.nkeys_a", "e.nkeys_b")} AS strength
    FROM exact e JOIN {kind_weights} w ON w.kind = e.kind
  ) t
)
SELECT f.kind, f.class, ia.account AS a, ib.account AS b, f.shared, f.strength, f.weight
FROM final f JOIN {ids} ia ON ia.aid = f.a JOIN {ids} ib ON ib.aid = f.b
"""


class LinkFinder:
    """Finds account pairs and the strength of each kind of evidence between them."""

    def __init__(self, config: LinkConfig | None = None) -> None:
        self.config = config or LinkConfig()

    def transform(self, engine: Engine, source: str = "exchanges") -> pa.Table:
        """Columns: kind, class, a, b, shared, strength (0..1), weight."""
        # Client fingerprints are read from the log once: their keys and the chance test
        # both come from each account's setting tuples.
        client = self.config.weights.get("client", 0.0) > 0
        if client:
            engine.execute(f"CREATE OR REPLACE TEMP TABLE sw_client_parts AS {fingerprint.parts_sql(source)}")
        engine.execute(f"CREATE OR REPLACE TEMP TABLE sw_keys AS {keys_sql(source, self.config, 'sw_client_parts')}")
        engine.execute(f"CREATE OR REPLACE TEMP TABLE sw_ids AS {ids_sql('sw_keys')}")
        total = int(engine.sql(f"SELECT count(DISTINCT account) AS n FROM {source}")["n"][0].as_py() or 0)
        quiet = None
        if client:
            chance = fingerprint.chance_sql("sw_client_parts", total, _key_cap(total, self.config),
                                            self.config.client_chance)  # fmt: skip
            engine.execute(f"CREATE OR REPLACE TEMP TABLE sw_quiet AS {chance}")
            engine.drop("sw_client_parts")
            quiet = "sw_quiet"
        engine.execute(
            f"CREATE OR REPLACE TEMP TABLE sw_pairs_raw AS {pairs_sql('sw_keys', 'sw_ids', total, self.config, quiet)}"
        )
        few = few_sql("sw_keys", "sw_ids", total, self.config, quiet)
        engine.execute(f"CREATE OR REPLACE TEMP TABLE sw_few AS {few}")
        # The keys grow with the log (5M at 1M exchanges, 65M at 10M) and are done with:
        # the ranking of the pairs and the graph stage need that memory.
        engine.drop("sw_keys")
        weights = pa.table(
            {
                "kind": list(self.config.weights),
                "kind_weight": list(self.config.weights.values()),
                "class": [KIND_CLASS[k] for k in self.config.weights],
            }
        )
        engine.register("sw_kind_weights", weights)
        # Two statements, not one: at 10M exchanges the ranking and the exact counts in one
        # query ran out of memory at 1 GB, while each passes once the 100M raw pairs are gone.
        kept = kept_sql("sw_pairs_raw", "sw_kind_weights", self.config)
        engine.execute(f"CREATE OR REPLACE TEMP TABLE sw_kept AS {kept}")
        engine.drop("sw_pairs_raw")
        links = engine.sql(links_sql("sw_kept", "sw_ids", "sw_few", "sw_kind_weights", self.config))
        for name in ("sw_kept", "sw_few", "sw_ids", "sw_quiet"):
            engine.drop(name)
        return links
