"""Everything a run is made of, built deterministically from (scenario, scale, seed, corpus, days).

The parent process and every worker build the same World from the same arguments, so a
worker never needs the parent's objects, only the plan of the chunk it is asked to make.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

import numpy as np

from stillwatch.simulate.actors import DAY, build_group, build_pools
from stillwatch.simulate.identity import Addresses
from stillwatch.simulate.prompts import PromptBank
from stillwatch.simulate.replies import Replies
from stillwatch.simulate.run_context import GroupRun
from stillwatch.simulate.scenario import Scenario
from stillwatch.simulate.sessions import mean_length
from stillwatch.simulate.text import TextBank
from stillwatch.simulate.timing import Schedule
from stillwatch.simulate.wrappers import Wrappers

TASK_BITS = 6  # exchange keys pack (account index in the run << TASK_BITS) | task index


class World:
    def __init__(self, scenario: Scenario, scale: float, seed: int, corpus: Path | None, days: int,
                 fmt: str = "jsonl") -> None:
        self.scenario = scenario
        self.fmt = fmt
        self.scale = scale
        self.seed = seed
        self.days = days
        self.bank = PromptBank(corpus, seed)
        wrappers = Wrappers(scenario.wrappers)
        replies = Replies(TextBank(seed))
        addresses = Addresses()
        pools = build_pools(scenario, scale, np.random.default_rng([seed, 2]), addresses)
        self.window = (scenario.start, scenario.start + days * DAY)
        self.runs: list[GroupRun] = []
        for gi, g in enumerate(scenario.groups):
            if len(g.tasks) >= 1 << TASK_BITS:
                from stillwatch.errors import ConfigError

                raise ConfigError(f"group {g.id}: at most {(1 << TASK_BITS) - 1} tasks")
            rng = np.random.default_rng([seed, 1, gi])
            actors = build_group(g, scenario, scale=scale, days=days, rng=rng, addresses=addresses, pools=pools)
            run = GroupRun(actors, scenario, self.bank, wrappers, replies, addresses, self.window[1], rng)
            # For Parquet the messages column is JSON text, so lines carry it as a string.
            run.messages_text = fmt == "parquet"
            self.runs.append(run)
        self.offsets: list[int] = np.cumsum([0] + [r.actors.n for r in self.runs]).tolist()
        # Chunks short enough that one holds at most ~60k exchanges on average.
        per_hour = self.expected_exchanges() / (days * 24)
        chunk_s = 3600.0 if per_hour <= 60_000 else 900.0
        self.chunk_s = chunk_s
        self.chunks: list[float] = np.arange(self.window[0], self.window[1], chunk_s).tolist()

    def expected_exchanges(self) -> float:
        sc = self.scenario
        return sum(g.exchanges for g in sc.groups) * self.scale * self.days / sc.days

    def corpus_sources(self) -> list[str]:
        return sorted(self.bank.from_corpus)

    @cached_property
    def schedules(self) -> list[Schedule]:
        return [Schedule(r.actors, self.window, self.chunk_s, np.random.default_rng([self.seed, 6, gi]))
                for gi, r in enumerate(self.runs)]

    def plans(self) -> Iterator[tuple[int, list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]]]:
        """Per chunk: for each group, the sessions to make (account, start, task, sequence)."""
        mean_len = [mean_length(r) for r in self.runs]
        done = [np.zeros(r.actors.n, dtype=np.int64) for r in self.runs]
        for c, t0 in enumerate(self.chunks):
            t1 = min(t0 + self.chunk_s, self.window[1])
            plan = []
            for gi, run in enumerate(self.runs):
                rng = np.random.default_rng([self.seed, 4, c, gi])
                counts = self.schedules[gi].sessions(t0, t1, mean_len[gi], rng)
                total = int(counts.sum())
                if total == 0:
                    continue
                accts = np.repeat(np.arange(run.actors.n), counts)
                starts = self.schedules[gi].starts(t0, t1, total, rng)
                tasks = run.task_indices(total, rng)
                first = np.cumsum(counts) - counts
                # How many sessions the account started before this one (benchmark sweeps).
                seq = done[gi][accts] + (np.arange(total) - first[accts])
                done[gi] += counts
                plan.append((gi, accts, starts, tasks, seq))
            yield c, plan
