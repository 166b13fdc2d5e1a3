"""Small hand-built populations for stage tests, with signal columns set explicitly so the
stage under test, not the text classifiers, decides the outcome."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import duckdb
import pyarrow as pa

from stillwatch.types import EXCHANGE_SCHEMA

SIGNAL_FIELDS = [
    pa.field("template_id", pa.int64()),
    pa.field("system_template_id", pa.int64()),
    pa.field("prompt_bands", pa.list_(pa.int64())),
    pa.field("system_bands", pa.list_(pa.int64())),
    pa.field("category", pa.string()),
    pa.field("category_conf", pa.float32()),
    pa.field("elicit_score", pa.float32()),
    pa.field("extract_score", pa.float32()),
    pa.field("lang_script", pa.string()),
]
SCHEMA = pa.schema(list(EXCHANGE_SCHEMA) + SIGNAL_FIELDS)
T0 = dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc)

#: The prompt templates the hand-built hydras harvest with.
HYDRA_TEMPLATES = [
    "Implement the following function in Python with full tests and explain each step: {x}",
    "You are given a repository. Use the tools to fix the failing test and report back: {x}",
    "Write an agent plan that calls search, read_file and run_tests to accomplish this: {x}",
]


class Population:
    """Accumulates exchanges; ``row`` fills every unspecified column with a neutral value."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def row(self, account: str, i: int, **values: Any) -> None:
        prompt = values.pop("prompt", f"{account} asks question number {i} about something new")
        base: dict[str, Any] = {
            "id": f"{account}-{i}-{len(self.rows)}",
            "time": T0 + dt.timedelta(minutes=7 * len(self.rows) % (60 * 24 * 6)),
            "account": account,
            "model": "model-a",
            "prompt_text": prompt,
            "n_messages": 1,
            "n_user": 1,
            "n_assistant": 0,
            "n_tool": 0,
            "input_tokens": 50,
            "output_tokens": 200,
            "template_id": abs(hash(prompt)) % (2**62),
            "prompt_bands": [abs(hash((prompt, b))) % (2**62) for b in range(4)],
            "category": "general_chat",
            "elicit_score": 0.0,
            "extract_score": 0.0,
            "lang_script": "latin",
        }
        base.update(values)
        self.rows.append(base)

    def many(self, account: str, count: int, **values: Any) -> None:
        for i in range(count):
            self.row(account, i, **{k: (v(i) if callable(v) else v) for k, v in values.items()})

    def table(self) -> pa.Table:
        return pa.Table.from_pylist(self.rows, schema=SCHEMA)

    def connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        con.register("_rows", self.table())
        con.execute("CREATE TABLE exchanges AS SELECT * FROM _rows")
        con.unregister("_rows")
        return con


def accounts(prefix: str, count: int) -> Iterable[str]:
    return (f"{prefix}{i:03d}" for i in range(count))
