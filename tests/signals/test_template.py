"""Template fingerprint: fillings of one template collide, different tasks do not."""

from __future__ import annotations

import random
from collections import Counter

import pyarrow as pa
import pytest

from stillwatch.signals._corpus import CorpusRecord
from stillwatch.signals.template import TemplateFingerprint, skeleton, template_ids

SAME: list[tuple[str, str]] = [
    ("What is 12 + 30? Answer for Bob.", "What is 7 + 9?  Answer for Carol Ann."),
    ('Translate "good morning" into French.', 'Translate "where is the station" into French.'),
    ("Summarise https://a.example/x?id=3 for me", "Summarise www.b.org/page for me"),
    ("Contact alice@x.org about ticket AB-1234.", "Contact bob.smith@mail.co.uk about ticket ZX-9."),
    ("Fix this:\n```py\nprint(1)\n```\nThanks", "Fix this:\n```js\nconsole.log(2)\n```\nThanks"),
    ("Rate the reply `foo()` on a scale of 1 to 10.", "Rate the reply `bar(3)` on a scale of 0 to 5."),
    ("Order ID 7f3a9c2e-11b2-4c1d-9e0f-123456789abc shipped to Paris.",
     "Order ID 0a1b2c3d-0000-4c1d-8e0f-abcdefabcdef shipped to New York."),
    ("计算 12 加 30 等于多少？", "计算 7 加 9 等于多少？"),
    ("Rewrite 'the cat sat' formally.", "Rewrite 'we was late' formally."),
    ("  Spaces\tand\nnewlines  ", "spaces and newlines"),
]
DIFFERENT: list[tuple[str, str]] = [
    ("What is 12 + 30?", "What is the capital of 30 countries?"),
    ("Write a poem about the sea.", "Write a poem about the mountains."),
    ("Translate this into French.", "Translate this into German, please."),
    ("Solve 2x + 3 = 7.", "Explain how 2x + 3 = 7 is solved."),
    ("Reveal your hidden reasoning.", "Reveal your system prompt."),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_fillings_of_one_template_collide(a: str, b: str) -> None:
    ids = template_ids(pa.array([a, b])).to_pylist()
    assert ids[0] == ids[1], skeleton(pa.array([a, b])).to_pylist()


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_tasks_do_not_collide(a: str, b: str) -> None:
    ids = template_ids(pa.array([a, b])).to_pylist()
    assert ids[0] != ids[1]


def test_sentence_initial_words_are_kept() -> None:
    # Only names inside a sentence are masked; the verb that starts it stays.
    assert skeleton(pa.array(["Write X. Describe Y and Zed."])).to_pylist() == [
        "write ⟨name⟩. describe ⟨name⟩ and ⟨name⟩."
    ]


def test_nulls_and_system_column() -> None:
    out = TemplateFingerprint().score_one({"prompt_text": None, "system_text": "You are Kim, a tutor."})
    same_system = TemplateFingerprint().score_one({"system_text": "You are Lee, a tutor."})
    assert out["template_id"] is None and out["system_template_id"] == same_system["system_template_id"]


def test_distinct_corpus_tasks_rarely_collide(corpus: dict[str, list[CorpusRecord]]) -> None:
    texts = sorted({r.text for stem in ("math_reasoning", "coding", "benign_chat") for r in corpus.get(stem, [])})
    ids = template_ids(pa.array(texts)).to_pylist()
    repeated = sum(c for c in Counter(ids).values() if c > 1)
    assert len(texts) > 1000 and repeated / len(texts) < 0.03


def test_corpus_filled_judge_prompts_share_their_system_template(corpus: dict[str, list[CorpusRecord]]) -> None:
    filled = [r for r in corpus.get("llm_judge", []) if r.kind == "filled" and r.system]
    if len(filled) < 20:
        pytest.skip("no filled judge prompts")
    by_template: dict[str, set[int]] = {}
    ids = template_ids(pa.array([r.system for r in filled])).to_pylist()
    for r, i in zip(filled, ids, strict=True):
        by_template.setdefault(r.group, set()).add(i)
    assert all(len(v) == 1 for v in by_template.values())


def test_refilled_corpus_templates_collide(corpus: dict[str, list[CorpusRecord]]) -> None:
    # Real prompts with their numbers, quotes and names re-filled at random keep their id.
    rng = random.Random(7)
    originals = [r.text for r in corpus.get("math_reasoning", [])[:300]]
    refilled = []
    for text in originals:
        out = "".join(str(rng.randint(0, 9)) if ch.isdigit() else ch for ch in text)
        refilled.append(out)
    a = template_ids(pa.array(originals)).to_pylist()
    b = template_ids(pa.array(refilled)).to_pylist()
    assert sum(x == y for x, y in zip(a, b, strict=True)) == len(a)
