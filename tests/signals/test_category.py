"""Capability category: structure decides where it can, the text model elsewhere."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from stillwatch.signals._corpus import CorpusRecord
from stillwatch.signals.category import CATEGORIES, CapabilityCategory
from stillwatch.signals.train import CATEGORY_OF, is_test

STRUCTURE: list[tuple[dict[str, Any], str]] = [
    ({"prompt_text": "Open the settings", "tools": ["screenshot", "left_click"]}, "computer_use"),
    ({"prompt_text": "go", "tools": ["browser_navigate"], "n_images": 3}, "computer_use"),
    ({"prompt_text": "Find flights", "tools": ["search_flights"]}, "agentic_tool_use"),
    ({"prompt_text": "Thanks, continue", "n_tool": 2}, "agentic_tool_use"),
    ({"prompt_text": "What is in this picture?", "n_images": 1}, "vision"),
    ({"prompt_text": "Describe the chart", "n_images": 1, "tools": ["get_weather"]}, "agentic_tool_use"),
    ({"system_text": None, "prompt_text": None, "n_tool": 1}, "agentic_tool_use"),
]


@pytest.mark.parametrize(("row", "expected"), STRUCTURE)
def test_structure_decides(row: dict[str, Any], expected: str) -> None:
    assert CapabilityCategory().score_one(row) == {"category": expected, "category_conf": 1.0}


def test_no_text_and_no_structure_is_null() -> None:
    assert CapabilityCategory().score_one({"prompt_text": None}) == {"category": None, "category_conf": None}


def test_confidence_is_a_probability() -> None:
    out = CapabilityCategory().score_one({"prompt_text": "Write a haiku about rain."})
    assert out["category"] in CATEGORIES and 1 / len(CATEGORIES) < out["category_conf"] <= 1.0


def test_held_out_corpus_exchanges_get_their_category(corpus: dict[str, list[CorpusRecord]], batch_of: Any) -> None:
    rows, truth = [], []
    for stem, label in CATEGORY_OF.items():
        for r in corpus.get(stem, []):
            if is_test(r.group) and not r.subsource.startswith("arena-hard"):
                rows.append(r.as_exchange())
                truth.append(label)
    out = CapabilityCategory().score_batch(batch_of(rows))["category"].to_pylist()
    hits = Counter(t for t, p in zip(truth, out, strict=True) if t == p)
    totals = Counter(truth)
    assert sum(hits.values()) / len(truth) > 0.8
    for label, n in totals.items():
        assert hits[label] / n > 0.5, (label, hits[label], n)
