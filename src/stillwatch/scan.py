"""The scan: accounts -> links -> campaigns -> decisions over stored exchanges.

Each stage is a small object built from its config section with one ``transform``-style
method; this module only wires them together and writes the results contract
(``../shared/spec/EXCHANGE.md``, "Scan results, version 1").
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from stillwatch.accounts.evidence import Assessment, BehaviourScorer
from stillwatch.accounts.features import BehaviourProfiler
from stillwatch.campaigns.assemble import CampaignAssembler
from stillwatch.campaigns.group import Campaign, CampaignConfig, Group
from stillwatch.campaigns.playbook import prompt_usage
from stillwatch.campaigns.timing import group_sync
from stillwatch.config import ScanConfig
from stillwatch.decisions import Verdict, VerdictPolicy
from stillwatch.engine import Engine
from stillwatch.errors import StillwatchError
from stillwatch.links.graph import LinkGraph
from stillwatch.links.pairs import LinkFinder
from stillwatch.types import Reason


@dataclass
class ScanResult:
    verdicts: list[Verdict]
    campaigns: list[Campaign]
    links: pa.Table | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for v in self.verdicts:
            counts[v.verdict] = counts.get(v.verdict, 0) + 1
        return {
            "accounts": len(self.verdicts),
            "exchanges": sum(v.exchanges for v in self.verdicts),
            "verdicts": counts,
            "campaigns": [
                {
                    "id": c.id,
                    "accounts": len(c.accounts),
                    "exchanges": int(c.profile["exchanges"]),
                    "output_tokens": int(c.profile["output_tokens"]),
                    "reasoning_tokens": int(c.profile["reasoning_tokens"]),
                    "tactics": c.tactics,
                    "score": round(c.score, 4),
                }
                for c in self.campaigns
            ],
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
        }


def load_authorized(path: str | Path | None) -> set[str]:
    """Accounts or orgs, one a line; blank lines and ``#`` comments ignored."""
    if path is None:
        return set()
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise StillwatchError(f"{path}: cannot read authorized list ({exc.strerror})") from None
    return {s for line in lines if (s := line.split("#", 1)[0].strip())}


#: (engine, source) -> extra evidence per account, e.g. matches of peers' shared indicators.
PeerEvidence = Callable[[Engine, str], dict[str, list[Reason]]]


class Scanner:
    def __init__(
        self,
        config: ScanConfig,
        authorized: set[str] | None = None,
        peer_evidence: PeerEvidence | None = None,
    ) -> None:
        self.config = config
        self.authorized = authorized or set()
        self.peer_evidence = peer_evidence

    def run(
        self,
        engine: Engine,
        source: str = "exchanges",
        progress: Callable[[str], None] | None = None,
    ) -> ScanResult:
        cfg = self.config
        timings: dict[str, float] = {}
        step = progress or (lambda _name: None)

        def timed(name: str, fn: Callable[[], Any]) -> Any:
            step(name)
            t0 = time.perf_counter()
            out = fn()
            timings[name] = time.perf_counter() - t0
            return out

        profiler = BehaviourProfiler(cfg.profile, cfg.release_grace_hours)
        timed("models", lambda: profiler.prepare(engine, source))
        profiles = timed("accounts", lambda: profiler.transform(engine, source, "account").to_pylist())
        scorer = BehaviourScorer(cfg.behaviour).fit(profiles)
        assessments: dict[str, Assessment] = {str(p["g"]): scorer.assess(p) for p in profiles}
        if self.peer_evidence is not None:
            peer = timed("intel", lambda: self.peer_evidence(engine, source))  # type: ignore[misc]
            for acct, reasons in peer.items():
                if acct in assessments:
                    assessments[acct] = assessments[acct].with_peer(reasons)
        excluded = {
            str(p["g"])
            for p in profiles
            if str(p["g"]) in self.authorized or p.get("org_key") in self.authorized
        }
        links = timed("links", lambda: LinkFinder(cfg.links).transform(engine, source))
        graph = LinkGraph(cfg.graph.resolution, cfg.graph.seed)
        communities = timed("graph", lambda: graph.transform(links))
        assembler = CampaignAssembler(cfg.campaigns, cfg.links.weights)
        groups = timed("groups", lambda: assembler.groups(communities, assessments, excluded))
        volumes = {str(p["g"]): int(p["exchanges"]) for p in profiles}
        usage = timed("playbook", lambda: prompt_usage(engine, source, groups))
        timed("adopt", lambda: assembler.adopt(groups, usage, communities, assessments, excluded, volumes))
        pooled = timed("pool", lambda: self._pool(engine, source, profiler, groups, cfg.campaigns))
        campaigns = assembler.decide(groups, pooled, scorer)
        operators = assembler.operators(campaigns, communities, profiles, assessments, excluded)
        if operators:
            joined = timed("join", lambda: self._pool(engine, source, profiler, operators, cfg.campaigns))
            campaigns = assembler.join(campaigns, operators, joined, scorer)
        for campaign, near in zip(campaigns, communities.around_each([c.accounts for c in campaigns])):
            campaign.communities = near
        timed("associates", lambda: assembler.associates(campaigns, communities, assessments, excluded, volumes))
        verdicts = VerdictPolicy(cfg.decisions).decide(
            profiles, assessments, campaigns, self.authorized, communities.neighbours,
            assembler.related_,
        )
        return ScanResult(verdicts, campaigns, links, timings)

    @staticmethod
    def _pool(
        engine: Engine, source: str, profiler: BehaviourProfiler, groups: list[Group], cfg: CampaignConfig
    ) -> dict[str, dict[str, Any]]:
        """Profile each group's combined traffic with the same SQL as one account's, plus
        how synchronised its members are."""
        if not groups:
            return {}
        members = pa.table(
            {
                "account": [a for g in groups for a in g.accounts],
                "grp": [g.key for g in groups for _ in g.accounts],
            }
        )
        engine.register("sw_members", members)
        engine.execute(
            f"CREATE OR REPLACE TEMP VIEW sw_grouped AS "
            f"SELECT e.*, m.grp FROM {source} e JOIN sw_members m ON e.account = m.account"
        )
        rows = profiler.transform(engine, "sw_grouped", "grp").to_pylist()
        sync = group_sync(engine, "sw_grouped", "grp", cfg.sync_bucket_minutes)
        return {str(r["g"]): {**r, "sync": sync.get(str(r["g"]), 0.0)} for r in rows}


def _flagged_links(result: ScanResult) -> pa.Table:
    """Links touching a campaign or suspicious account: the evidence graph a report draws."""
    flagged = {v.account for v in result.verdicts if v.verdict in ("campaign", "suspicious")}
    empty = pa.table({"kind": [], "class": [], "a": [], "b": [], "weight": []},
                     schema=pa.schema([("kind", pa.string()), ("class", pa.string()),
                                       ("a", pa.string()), ("b", pa.string()),
                                       ("weight", pa.float64())]))
    if result.links is None or result.links.num_rows == 0 or not flagged:
        return empty
    table = result.links.select(["kind", "class", "a", "b", "weight"])
    keep = [x in flagged or y in flagged for x, y in zip(table["a"].to_pylist(), table["b"].to_pylist())]
    return table.filter(pa.array(keep)).cast(empty.schema)


def write_results(
    result: ScanResult,
    out_dir: str | Path,
    *,
    db: str | Path | None = None,
    config: ScanConfig | None = None,
    engine: str = "duckdb",
) -> dict[str, Path]:
    """accounts.jsonl, campaigns.json and summary.json per the results contract, plus
    links.parquet (the evidence graph among flagged accounts) for reports."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "accounts": out / "accounts.jsonl",
        "campaigns": out / "campaigns.json",
        "summary": out / "summary.json",
        "links": out / "links.parquet",
    }
    with paths["accounts"].open("wb") as fh:
        for v in sorted(result.verdicts, key=lambda v: v.account):
            fh.write(orjson.dumps(v.to_json()) + b"\n")
    paths["campaigns"].write_bytes(
        orjson.dumps([c.to_json() for c in result.campaigns], option=orjson.OPT_INDENT_2)
    )
    summary = result.summary()
    summary["db"] = str(Path(db).resolve()) if db is not None else None
    summary["engine"] = engine
    summary["config"] = dataclasses.asdict(config) if config is not None else None
    paths["summary"].write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    pq.write_table(_flagged_links(result), paths["links"])
    return paths
