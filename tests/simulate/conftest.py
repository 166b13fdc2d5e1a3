"""Small simulated runs shared by the simulator's tests (module-level cost, many assertions)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from stillwatch.simulate import SimulationSummary, simulate


class Run:
    def __init__(self, out: Path, summary: SimulationSummary) -> None:
        self.out = out
        self.summary = summary
        self._records: list[dict[str, Any]] | None = None

    def records(self) -> list[dict[str, Any]]:
        """The log's records, parsed once (tests must not modify them)."""
        if self._records is None:
            with (self.out / "log.jsonl").open("rb") as fh:
                self._records = [orjson.loads(line) for line in fh]
        return self._records

    def labels(self) -> list[dict[str, Any]]:
        with (self.out / "labels.jsonl").open("rb") as fh:
            return [orjson.loads(line) for line in fh]


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The default scenario at a tenth of the test-fixture scale, over the full window."""
    out = tmp_path_factory.mktemp("sim-small")
    return Run(out, simulate(out, "reported-2026", scale=0.0005, seed=7))


@pytest.fixture(scope="session")
def wide_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """--scale 0.01 (every kind's account count as at 0.01) over two days."""
    out = tmp_path_factory.mktemp("sim-wide")
    return Run(out, simulate(out, "reported-2026", scale=0.01, seed=3, days=2))
