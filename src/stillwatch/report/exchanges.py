"""Read-only look-ups of stored exchanges for the report and ``explain``.

The results files say *who* and *why*; the store holds the exchanges that show it. All
queries take account lists as a registered Arrow table, so a campaign of thousands of
accounts is one join, not a giant ``IN`` list.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from stillwatch.errors import StillwatchError
from stillwatch.ingest.store import spill_to_temporary

#: How to pick an exchange that illustrates a reason: (needed column, WHERE, ORDER BY).
EXAMPLE_QUERIES: dict[str, tuple[str | None, str, str]] = {
    "reasoning_elicitation": ("elicit_score", "elicit_score > 0", "elicit_score DESC"),
    "prompt_extraction": ("extract_score", "extract_score > 0", "extract_score DESC"),
    "output_appetite": (None, "TRUE", "coalesce(output_tokens, 0) DESC"),
    "rubric_grading": ("category", "category = 'rubric_grading'", "time"),
    "sensitive_rewrite": ("category", "category = 'sensitive_rewrite'", "time"),
    "capability_concentration": (
        "category",
        "category IN ('agentic_tool_use', 'coding', 'computer_use', 'reasoning_math')",
        "time",
    ),
    # the commonest template in the group is the one the reason is about
    "templated_prompts": (
        "template_id",
        "template_id = (SELECT template_id FROM sw_pick GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1)",
        "time",
    ),
}
EXAMPLE_QUERIES["linked_accounts"] = EXAMPLE_QUERIES["templated_prompts"]


def _utc(t: dt.datetime) -> dt.datetime:
    """A naive UTC datetime (what plots and sparklines bucket by)."""
    return t.astimezone(dt.timezone.utc).replace(tzinfo=None) if t.tzinfo else t


class ExchangeStore:
    """The scan's DuckDB store opened read-only, its queries held to ``memory_limit`` (spilling to a
    temporary folder); ``available`` is False when it cannot be opened."""

    def __init__(self, path: Path | None, source: str = "exchanges", memory_limit: str = "1GB") -> None:
        self.path = path
        self.source = source
        self.con: duckdb.DuckDBPyConnection | None = None
        self._spill: tempfile.TemporaryDirectory[str] | None = None
        self.problem = ""
        if path is None:
            self.problem = "the results do not name the store the scan read"
        elif not path.exists():
            self.problem = f"{path}: store not found"
        else:
            try:
                self.con = duckdb.connect(str(path), read_only=True)
                names = {r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            except duckdb.Error as exc:
                raise StillwatchError(f"{path}: cannot open the store read-only ({exc})") from None
            if source not in names:
                self.problem = f"{path}: no table {source!r}"
                self.con.close()
                self.con = None
            else:
                # The scan's own bound: at 10M exchanges a campaign's timeline reads millions
                # of rows, and DuckDB's default (most of the machine's memory) took gigabytes.
                self._spill = spill_to_temporary(self.con)
                self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.columns: set[str] = set()
        if self.con is not None:
            rows = self.con.execute(f"DESCRIBE {source}").fetchall()
            self.columns = {str(r[0]) for r in rows}

    @property
    def available(self) -> bool:
        return self.con is not None

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None
        if self._spill is not None:
            self._spill.cleanup()
            self._spill = None

    def __enter__(self) -> ExchangeStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pick(self, groups: dict[str, list[str]]) -> duckdb.DuckDBPyConnection:
        assert self.con is not None
        names = [g for g, accts in groups.items() for _ in accts]
        accts = [a for members in groups.values() for a in members]
        self.con.register("sw_accts", pa.table({"account": accts, "grp": names}))
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW sw_pick AS SELECT e.*, m.grp FROM {self.source} e "
            "JOIN sw_accts m ON e.account = m.account"
        )
        return self.con

    def hourly(self, groups: dict[str, list[str]]) -> list[tuple[dt.datetime, str, int]]:
        """Exchanges per hour for each named group of accounts."""
        if not self.available or not any(groups.values()):
            return []
        con = self._pick(groups)
        rows = con.execute(
            "SELECT date_trunc('hour', time) AS h, grp, count(*) FROM sw_pick GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
        return [(_utc(h), str(g), int(n)) for h, g, n in rows]

    def examples(self, accounts: list[str], signal: str, limit: int = 2) -> list[dict[str, Any]]:
        """Exchanges from these accounts that show ``signal``; none for signals no single
        exchange can show (timing, shared infrastructure)."""
        if not self.available or not accounts:
            return []
        if signal not in EXAMPLE_QUERIES:
            return []
        need, where, order = EXAMPLE_QUERIES[signal]
        if need is not None and need not in self.columns:
            where, order = "TRUE", "time"
        return self._select({"all": accounts}, where, order, limit)

    def _select(self, groups: dict[str, list[str]], where: str, order: str, limit: int) -> list[dict[str, Any]]:
        if not self.available:
            return []
        con = self._pick(groups)
        cols = [c for c in ("time", "account", "model", "category", "prompt_text", "output_tokens") if c in self.columns]
        rows = con.execute(
            f"SELECT {', '.join(cols)} FROM sw_pick WHERE {where} ORDER BY {order}, id LIMIT {int(limit)}"
        ).fetchall()
        out = [dict(zip(cols, r)) for r in rows]
        for row in out:
            if isinstance(row.get("time"), dt.datetime):
                row["time"] = _utc(row["time"]).strftime("%Y-%m-%d %H:%M UTC")
        return out

    def sample(self, account: str, limit: int = 3) -> list[dict[str, Any]]:
        """The account's first exchanges, for when no reason points at particular ones."""
        return self._select({"one": [account]}, "TRUE", "time", limit)

    def activity(self, account: str) -> list[tuple[dt.datetime, int]]:
        """Exchanges per hour of one account, first to last hour seen."""
        rows = self.hourly({"one": [account]})
        return [(h, n) for h, _, n in rows]
