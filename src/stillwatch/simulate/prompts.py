"""Prompt sources: real third-party prompts from a corpus folder, with a procedural fallback.

A source is a corpus category (``coding``, ``math_reasoning``...) or one of the procedural
families (``data_analysis``, ``vision``, ``business_docs``...). Corpus files are read from
the folder given (never copied into the project); a category with no file there is made
procedurally, so the simulator works alone on a fresh machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

from stillwatch.errors import ConfigError
from stillwatch.simulate import fallback

#: Corpus file stem for each category name a record may carry.
_ALIASES = {"harmful_request": "harmful_requests"}

#: Tool names offered for a toolset name, or for a corpus item that lists none.
TOOLSETS: dict[str, tuple[str, ...]] = {
    "coding": ("read_file", "write_file", "str_replace", "run_tests", "bash", "grep_repo", "list_dir"),
    "computer": ("computer", "screenshot", "left_click", "type_text", "key", "scroll"),
    "data": ("python", "sql_query", "read_csv", "plot_chart"),
    "web": ("web_search", "fetch_url", "extract_text"),
    "os": ("bash",),
    "db": ("execute_sql",),
}
_CLASS_TOOLS: dict[str, tuple[str, ...]] = {
    "GorillaFileSystem": ("ls", "cd", "mkdir", "mv", "cp", "grep", "sort", "diff", "cat"),
    "MemoryAPI": ("core_memory_add", "core_memory_retrieve", "archival_memory_search"),
    "WebSearchAPI": ("search_engine_query", "fetch_url_content"),
    "TradingBot": ("get_stock_info", "place_order", "get_account_info", "get_watchlist"),
    "TravelAPI": ("get_flight_cost", "book_flight", "verify_traveler_information", "get_nearest_airport"),
    "VehicleControlAPI": ("startEngine", "lockDoors", "check_tire_pressure", "get_current_speed"),
    "TwitterAPI": ("post_tweet", "comment", "retweet", "get_user_tweets"),
    "TicketAPI": ("create_ticket", "get_ticket", "resolve_ticket"),
    "MathAPI": ("mean", "standard_deviation", "logarithm", "si_unit_conversion"),
    "MessageAPI": ("send_message", "view_messages_sent", "search_messages"),
}


@dataclass(frozen=True, slots=True)
class Item:
    """One prompt: its text, and what came with it."""

    text: str
    system: str | None = None
    turns: tuple[str, ...] = ()  # follow-up user turns, in order
    tools: tuple[str, ...] = ()
    family: str = ""  # subsource: items of one benchmark or dataset
    lang: str = "en"  # language the text is written in


def default_corpus_dir() -> Path | None:
    """``$STILLWATCH_SHARED/corpora`` if set, else ``../shared/corpora`` beside the repo."""
    env = os.environ.get("STILLWATCH_SHARED")
    candidates = [Path(env) / "corpora"] if env else []
    candidates.append(Path(__file__).resolve().parents[3].parent / "shared" / "corpora")
    candidates.append(Path.cwd().parent / "shared" / "corpora")
    for c in candidates:
        if c.is_dir():
            return c
    return None


class PromptBank:
    """Items per source, loaded once; ``pool(source)`` returns the list to sample from."""

    def __init__(self, corpus: Path | None, seed: int) -> None:
        self.corpus = corpus
        self.seed = seed
        self._pools: dict[str, list[Item]] = {}
        self.from_corpus: set[str] = set()
        if corpus is not None and not corpus.is_dir():
            raise ConfigError(f"{corpus}: corpus folder not found")

    def pool(self, source: str) -> list[Item]:
        source = _ALIASES.get(source, source)
        if source not in self._pools:
            self._pools[source] = self._load(source)
        return self._pools[source]

    def _load(self, source: str) -> list[Item]:
        path = None if self.corpus is None else self.corpus / f"{source}.jsonl"
        if path is not None and path.is_file():
            items = _read_corpus(path)
            if items:
                self.from_corpus.add(source)
                return items
        rng = np.random.default_rng([self.seed, 0xC0, sum(source.encode())])
        items = fallback.generate(source, rng)
        if not items:
            raise ConfigError(f"unknown prompt source {source!r}: no corpus file and no generator")
        return items


def _read_corpus(path: Path) -> list[Item]:
    items = []
    with path.open("rb") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = orjson.loads(line)
                text = rec["text"]
            except (orjson.JSONDecodeError, KeyError, TypeError):
                raise ConfigError(f"{path}:{lineno}: not a corpus record with a text") from None
            if not isinstance(text, str) or not text.strip():
                continue
            if rec.get("kind") == "template":
                # Judge templates carry {question}/{answer} slots; fill them once, plainly.
                text = fallback.fill_slots(text, lineno)
            turns = tuple(t for t in rec.get("turns") or () if isinstance(t, str))[1:]
            items.append(
                Item(
                    text=text,
                    system=rec.get("system") if isinstance(rec.get("system"), str) else None,
                    turns=turns,
                    tools=_tool_names(rec),
                    family=str(rec.get("subsource") or rec.get("source") or ""),
                )
            )
    return items


def _tool_names(rec: dict[str, object]) -> tuple[str, ...]:
    tools = rec.get("tools")
    if isinstance(tools, list):
        names = [t.get("name") for t in tools if isinstance(t, dict)]
        return tuple(str(n) for n in names if n)
    classes = rec.get("tool_classes")
    if isinstance(classes, list):
        return tuple(n for c in classes for n in _CLASS_TOOLS.get(str(c), ()))
    family = str(rec.get("subsource", ""))
    if "os_interaction" in family:
        return TOOLSETS["os"]
    if "dbbench" in family:
        return TOOLSETS["db"]
    if "swe-bench" in family:
        return TOOLSETS["coding"]
    return ()
