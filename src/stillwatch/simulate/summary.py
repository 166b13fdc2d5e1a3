"""Ground truth gathered while writing: labels, authorized list and per-kind counts.

Nothing here reaches the log; the tallies go to ``labels.jsonl``, ``authorized.txt`` and
``summary.json`` (exchanges and capability shares per campaign, counts per kind), which
evaluations compare a scan's findings against.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from stillwatch.simulate.run_context import GroupRun


@dataclass(frozen=True)
class SimulationSummary:
    """What a run wrote, and how much of each kind of traffic it holds."""

    out_dir: str
    scenario: str
    seed: int
    scale: float
    days: int
    format: str
    files: list[str]
    workers: int
    exchanges: int
    accounts: int
    seconds: float
    corpus: str | None
    corpus_sources: list[str]
    kinds: dict[str, dict[str, Any]] = field(default_factory=dict)
    campaigns: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Exchanges written per second of wall time."""
        return self.exchanges / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["rate"] = round(self.rate, 1)
        out["seconds"] = round(self.seconds, 3)
        return out


class Tally:
    def __init__(self, runs: list[GroupRun], offsets: list[int], task_bits: int) -> None:
        self.runs = runs
        self.offsets = np.asarray(offsets)
        self.bits = task_bits
        total = int(offsets[-1])
        self.exchanges = np.zeros(total, dtype=np.int64)
        self.by_task = [np.zeros(len(r.group.tasks), dtype=np.int64) for r in runs]
        self.output_tokens = np.zeros(len(runs), dtype=np.int64)
        self.reasoning_tokens = np.zeros(len(runs), dtype=np.int64)

    def add(self, keys: np.ndarray, out: np.ndarray, rsn: np.ndarray) -> None:
        """Count exchanges (keys: account << bits | task) and their output and reasoning tokens."""
        if len(keys) == 0:
            return
        acct = keys >> self.bits
        task = keys & ((1 << self.bits) - 1)
        self.exchanges += np.bincount(acct, minlength=len(self.exchanges))
        group = np.searchsorted(self.offsets, acct, side="right") - 1
        for gi in np.unique(group).tolist():
            sel = group == gi
            self.by_task[gi] += np.bincount(task[sel], minlength=len(self.by_task[gi]))
            self.output_tokens[gi] += int(out[sel].sum())
            self.reasoning_tokens[gi] += int(rsn[sel].sum())

    def labels(self) -> tuple[list[dict[str, Any]], list[str]]:
        """One label per account in the log, and the authorized accounts or orgs."""
        labels: list[dict[str, Any]] = []
        authorized: set[str] = set()
        for gi, run in enumerate(self.runs):
            g, acts = run.group, run.actors
            counts = self.exchanges[self.offsets[gi] : self.offsets[gi + 1]]
            for a in np.flatnonzero(counts).tolist():
                labels.append({"account": acts.ids[a], "label": g.label, "campaign": g.campaign, "kind": g.kind})
                if g.label == "authorized":
                    authorized.add(acts.org[a] if g.authorized == "org" else acts.ids[a])
        return labels, sorted(authorized)

    def summary(self, **kw: Any) -> SimulationSummary:
        kinds: dict[str, dict[str, Any]] = {}
        campaigns: dict[str, dict[str, Any]] = {}
        for gi, run in enumerate(self.runs):
            g = run.group
            counts = self.exchanges[self.offsets[gi] : self.offsets[gi + 1]]
            k = kinds.setdefault(g.kind, {"label": g.label, "accounts": 0, "exchanges": 0})
            k["accounts"] += int((counts > 0).sum())
            k["exchanges"] += int(counts.sum())
            if g.campaign is None:
                continue
            c = campaigns.setdefault(g.campaign, {"accounts": 0, "exchanges": 0, "output_tokens": 0,
                                                  "reasoning_tokens": 0, "capabilities": {}})
            c["accounts"] += int((counts > 0).sum())
            c["exchanges"] += int(counts.sum())
            c["output_tokens"] += int(self.output_tokens[gi])
            c["reasoning_tokens"] += int(self.reasoning_tokens[gi])
            for task, n in zip(g.tasks, self.by_task[gi].tolist(), strict=True):
                c["capabilities"][task.capability] = c["capabilities"].get(task.capability, 0) + n
        for c in campaigns.values():
            total = sum(c["capabilities"].values()) or 1
            c["capabilities"] = {k: round(v / total, 4) for k, v in sorted(c["capabilities"].items())}
        return SimulationSummary(
            exchanges=int(self.exchanges.sum()),
            accounts=int((self.exchanges > 0).sum()),
            kinds=kinds,
            campaigns=campaigns,
            **kw,
        )
