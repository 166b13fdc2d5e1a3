"""From results (and the store) to the plain values the HTML template shows.

Everything a reader sees is decided here, so it can be tested without parsing HTML: the
headline first (how many campaigns, how big, how sure), then one dossier per campaign, then
the suspicious list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from stillwatch.campaigns.tactics import BASE_TECHNIQUES, TACTIC_TECHNIQUES
from stillwatch.intel.atlas import atlas_name, atlas_url
from stillwatch.report import plots
from stillwatch.report.exchanges import ExchangeStore
from stillwatch.report.results import VERDICT_ACTION, Results
from stillwatch.report.text import shorten

VERDICT_ORDER = ("campaign", "suspicious", "clear", "authorized")
EdgeMap = dict[tuple[str, str], tuple[float, str]]


@dataclass(frozen=True)
class ReportOptions:
    """``price_per_mtok``: what a million output (or reasoning) tokens cost the provider to
    serve, in ``currency``; ``redact`` hides prompt text; ``top_accounts`` accounts get their
    own band in timelines; lists longer than ``max_rows`` are cut."""

    price_per_mtok: float = 10.0
    currency: str = "USD"
    redact: bool = False
    prompt_chars: int = 280
    top_accounts: int = 3
    top_reasons: int = 5
    max_rows: int = 200
    graph_nodes: int = 250


def cost(tokens: int, price_per_mtok: float) -> float:
    """
    Examples
    --------
    >>> cost(2_500_000, 10.0)
    25.0
    """
    return tokens / 1_000_000 * price_per_mtok


def _techniques(tactics: list[str], atlas: list[str]) -> list[dict[str, Any]]:
    why: dict[str, list[str]] = defaultdict(list)
    for t in BASE_TECHNIQUES:
        why[t].append("model extraction to train a replica")
    for tactic in tactics:
        for t in TACTIC_TECHNIQUES.get(tactic, ()):
            why[t].append(tactic)
    ids = list(dict.fromkeys(list(atlas) + list(why)))
    return [{"id": t, "name": atlas_name(t), "url": atlas_url(t), "evidence": why.get(t, [])} for t in ids]


def _links(results: Results, members: set[str], max_nodes: int) -> tuple[dict[str, float], list[str], EdgeMap]:
    """The campaign's link picture, worked out by Arrow: each account's summed link weight
    (members and the accounts they link to outside), the ``max_nodes`` most linked of them
    (the graph's nodes), and the links among those, summed per pair, with the class of the
    strongest one.

    At 10M exchanges the links among flagged accounts run to millions of rows: a Python
    object per row, or even per linked pair, took gigabytes; only the drawn pairs become
    Python values.
    """
    if results.links is None or results.links.num_rows == 0:
        return {}, [], {}
    t = results.links.select(["class", "a", "b", "weight"])
    inside = pa.array(sorted(members), pa.string())
    t = t.filter(pc.or_(pc.is_in(t["a"], value_set=inside), pc.is_in(t["b"], value_set=inside)))
    if t.num_rows == 0:
        return {}, [], {}
    ends = pa.concat_tables([
        t.select(["a", "weight"]).rename_columns(["account", "weight"]),
        t.select(["b", "weight"]).rename_columns(["account", "weight"]),
    ])
    summed = ends.group_by("account", use_threads=False).aggregate([("weight", "sum")])
    strength = dict(zip(summed["account"].to_pylist(), summed["weight_sum"].to_pylist(), strict=True))
    nodes = plots.most_linked(members, strength, max_nodes)
    drawn = pa.array(nodes, pa.string())
    t = t.filter(pc.and_(pc.is_in(t["a"], value_set=drawn), pc.is_in(t["b"], value_set=drawn)))
    first = pc.less_equal(t["a"], t["b"])
    t = pa.table({
        "lo": pc.if_else(first, t["a"], t["b"]),
        "hi": pc.if_else(first, t["b"], t["a"]),
        "class": t["class"],
        "weight": t["weight"],
    })
    # the strongest link's class first in each pair (ties: the alphabetically first class)
    t = t.sort_by([("lo", "ascending"), ("hi", "ascending"), ("weight", "descending"), ("class", "ascending")])
    pairs = t.group_by(["lo", "hi"], use_threads=False).aggregate([("weight", "sum"), ("class", "first")])
    edges = {
        (lo, hi): (w, cls)
        for lo, hi, w, cls in zip(
            pairs["lo"].to_pylist(), pairs["hi"].to_pylist(),
            pairs["weight_sum"].to_pylist(), pairs["class_first"].to_pylist(),
            strict=True,
        )
    }
    return strength, nodes, edges


def _dossier(c: dict[str, Any], results: Results, store: ExchangeStore, opt: ReportOptions) -> dict[str, Any]:
    members = [str(a) for a in c["accounts"]]
    rows = [results.by_account.get(a, {"account": a, "exchanges": 0, "score": 0.0}) for a in members]
    rows.sort(key=lambda r: (-int(r.get("exchanges", 0)), r["account"]))
    top = [r["account"] for r in rows[: opt.top_accounts]]
    rest = [r["account"] for r in rows[opt.top_accounts :]]
    groups = {a: [a] for a in top}
    order = list(top)
    if rest:
        label = f"other {len(rest):,} accounts"
        groups[label] = rest
        order.append(label)
    strength, nodes, edges = _links(results, set(members), opt.graph_nodes)

    def size(account: str) -> float:
        return float(results.by_account.get(account, {}).get("exchanges", 1))

    # a lone account with no links has no graph worth drawing
    graph, n_nodes, n_edges = (
        plots.account_graph(nodes, edges, results.verdict_of, size)
        if edges
        else ("", len(members), 0)
    )
    reasons = []
    for r in c.get("reasons", [])[: opt.top_reasons]:
        examples = [
            {**e, "prompt": shorten(e.get("prompt_text"), opt.prompt_chars, opt.redact)}
            for e in store.examples(members, str(r.get("signal")), limit=2)
        ]
        reasons.append({**r, "examples": examples})
    tokens = int(c.get("output_tokens", 0)) + int(c.get("reasoning_tokens", 0))
    linked_outside = sorted(set(strength) - set(members))
    return {
        **c,
        "n_accounts": len(members),
        "tokens": tokens,
        "cost": cost(tokens, opt.price_per_mtok),
        "timeline": plots.timeline(store.hourly(groups), order),
        "capability_plot": plots.capabilities(c.get("capabilities", {})),
        "techniques": _techniques(list(c.get("tactics", [])), list(c.get("atlas", []))),
        "top_reasons": reasons,
        "graph": graph,
        "graph_nodes": n_nodes,
        "graph_edges": n_edges,
        "linked_outside": [(a, results.verdict_of(a)) for a in linked_outside[:20]],
        "members": rows[: opt.max_rows],
        "members_more": max(0, len(rows) - opt.max_rows),
    }


def headline(results: Results, opt: ReportOptions) -> dict[str, Any]:
    """The answer: how many campaigns, how big, how sure."""
    camps = results.campaigns
    counts = {v: 0 for v in VERDICT_ORDER}
    for a in results.accounts:
        counts[str(a.get("verdict"))] = counts.get(str(a.get("verdict")), 0) + 1
    out_tok = sum(int(c.get("output_tokens", 0)) for c in camps)
    reas_tok = sum(int(c.get("reasoning_tokens", 0)) for c in camps)
    scores = [float(c.get("score", 0.0)) for c in camps]
    exchanges = int(results.summary.get("exchanges", sum(int(a.get("exchanges", 0)) for a in results.accounts)))
    camp_ex = sum(int(c.get("exchanges", 0)) for c in camps)
    biggest = max(camps, key=lambda c: len(c["accounts"])) if camps else None
    return {
        "campaigns": len(camps),
        "campaign_accounts": sum(len(c["accounts"]) for c in camps),
        "biggest": biggest,
        "score_min": min(scores) if scores else None,
        "score_max": max(scores) if scores else None,
        "accounts": len(results.accounts),
        "exchanges": exchanges,
        "campaign_exchanges": camp_ex,
        "campaign_share": camp_ex / exchanges if exchanges else 0.0,
        "output_tokens": out_tok,
        "reasoning_tokens": reas_tok,
        "cost": cost(out_tok + reas_tok, opt.price_per_mtok),
        "verdicts": counts,
    }


def build_context(results: Results, store: ExchangeStore, opt: ReportOptions) -> dict[str, Any]:
    """Every value the template renders."""
    suspicious = results.with_verdict("suspicious")
    policy = [
        {"verdict": v, "action": VERDICT_ACTION[v][0], "meaning": VERDICT_ACTION[v][1]}
        for v in VERDICT_ORDER
    ]
    return {
        "headline": headline(results, opt),
        "dossiers": [_dossier(c, results, store, opt) for c in results.campaigns],
        "suspicious": suspicious[: opt.max_rows],
        "suspicious_more": max(0, len(suspicious) - opt.max_rows),
        "policy": policy,
        "options": opt,
        "store_problem": store.problem,
        "results_dir": str(results.root.resolve()),
        "config": results.summary.get("config"),
    }
