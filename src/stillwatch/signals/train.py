"""Train the shipped text models from the shared corpora, reproducibly.

    python -m stillwatch.signals.train --corpus ../shared/corpora --out src/stillwatch/signals/models

Needs the ``train`` extra (scikit-learn); inference does not. Fixed seeds, a split keyed on
a hash of each prompt (or of its template, for filled templates) and sorted inputs make
the written files depend only on the corpora and this code. Each model's JSON records
its training mix and its held-out metrics.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from stillwatch.errors import StillwatchError
from stillwatch.signals._corpus import CorpusRecord, read_all
from stillwatch.signals._features import FeatureSpec, featurise
from stillwatch.signals._linear import LinearModel, save_model, softmax
from stillwatch.signals._phrases_benign import GENERAL
from stillwatch.signals._synth import (
    FOLLOW_UPS,
    Item,
    assistant_system,
    chat_turns,
    judge_prompts,
    phrase_items,
    sensitive_rewrites,
    short_prompts,
)
from stillwatch.signals._train_report import binary_report, category_report

SEED = 20240611
CORPORA = (
    "agentic_tool_use",
    "benign_chat",
    "coding",
    "computer_use",
    "harmful_requests",
    "jailbreak",
    "llm_judge",
    "math_reasoning",
    "prompt_extraction",
)
#: Corpus file -> category. jailbreak and prompt_extraction are attack styles rather than
#: capabilities and are left out of the category model; harmful_requests are
#: sensitive-topic requests, the real data nearest to sensitive-topic rewriting, joined by
#: synthetic rewrite-for-censorship requests (``_synth.sensitive_rewrites``).
CATEGORY_OF = {
    "math_reasoning": "reasoning_math",
    "coding": "coding",
    "agentic_tool_use": "agentic_tool_use",
    "computer_use": "computer_use",
    "llm_judge": "rubric_grading",
    "harmful_requests": "sensitive_rewrite",
    "benign_chat": "general_chat",
}
TEXT_CATEGORIES = tuple(sorted(set(CATEGORY_OF.values())))
#: benign_chat rows whose subsource says what they are; arena-hard prompts (mostly
#: programming, unlabelled per row) are left out rather than taught as general chat.
BENIGN_RELABEL = {"mt_bench/coding": "coding", "mt_bench/math": "reasoning_math"}

CATEGORY_SPEC = FeatureSpec(bits=16, ngram_sizes=(), words=True, bigrams=True, head=384, tail=128)
ELICIT_SPEC = FeatureSpec(bits=16, ngram_sizes=(3, 5), words=False, bigrams=False, head=384, tail=256)


def is_test(group: str) -> bool:
    """One in five groups is held out, by a hash of the group key."""
    return hashlib.blake2b(group.encode("utf-8"), digest_size=8).digest()[0] % 5 == 0


def _matrix(spec: FeatureSpec, *fields: list[str | None]) -> Any:
    from scipy.sparse import csr_matrix

    n = len(fields[0])
    rows, cols, vals = [], [], []
    for namespace, texts in enumerate(fields):
        r, c, v = featurise(pa.array(texts, type=pa.string()), spec, namespace).to_coo()
        rows.append(r)
        cols.append(c)
        vals.append(v)
    shape = (n, 1 << spec.bits)
    return csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=shape)


@dataclass(frozen=True, slots=True)
class CategoryRow:
    prompt: str
    system: str | None
    label: str
    held_out: bool
    origin: str  # corpus file, or "synthetic"
    tools: tuple[str, ...] = ()


def category_data(corpus: dict[str, list[CorpusRecord]], rng: random.Random) -> list[CategoryRow]:
    """Labelled prompts for the category model, corpus and synthetic."""
    rows = []
    for stem, records in sorted(corpus.items()):
        if stem not in CATEGORY_OF:
            continue
        for r in records:
            label = CATEGORY_OF[stem]
            if stem == "benign_chat":
                if r.subsource.startswith("arena-hard"):
                    continue
                label = BENIGN_RELABEL.get(r.subsource, label)
            # Apps put persona system prompts in front of every kind of request; without
            # them the model would read "has a system prompt" as "is a judge".
            system = r.system or (assistant_system(rng) if rng.random() < 0.4 else None)
            rows.append(CategoryRow(r.text, system, label, is_test(r.group), stem, r.tools))
    contexts = [r.text for r in corpus.get("harmful_requests", [])] or ["(text)"]
    for k, text in enumerate(sensitive_rewrites(contexts, rng, 400)):
        rows.append(CategoryRow(text, None, "sensitive_rewrite", k % 5 == 0, "synthetic"))
    contexts = [r.text for r in corpus.get("benign_chat", []) if len(r.text) < 800] or ["(text)"]
    for k, (text, system) in enumerate(judge_prompts(contexts, rng, 300)):
        rows.append(CategoryRow(text, system, "rubric_grading", k % 5 == 0, "synthetic"))
    for k, (label, text) in enumerate(short_prompts(rng, 150)):
        rows.append(CategoryRow(text, None, label, k % 5 == 0, "synthetic"))
    # Conversation: later turns of the corpus' multi-turn chats, written follow-ups, and
    # ordinary requests in other languages.
    later = [t for r in corpus.get("benign_chat", []) for t in r.turns[1:]]
    chat = [*later, *FOLLOW_UPS, *chat_turns(rng, 300), *(p for _, ps in sorted(GENERAL.items()) for p in ps)]
    for k, text in enumerate(chat * 2):
        system = assistant_system(rng) if k % 2 else None
        rows.append(CategoryRow(text, system, "general_chat", k % 5 == 0, "synthetic"))
    return rows


def _category_metrics(model: LinearModel, test: list[CategoryRow]) -> dict[str, Any]:
    from stillwatch.signals.category import choose, computer_use_rows, text_logits

    prompts = pa.array([r.prompt for r in test], pa.string())
    systems = pa.array([r.system for r in test], pa.string())
    probs = softmax(text_logits(model, prompts, systems))
    text = np.asarray(model.outputs, dtype=object)[probs.argmax(axis=1)]
    tools = pa.array([list(r.tools) or None for r in test], pa.list_(pa.string()))
    n_tools = np.array([len(r.tools) for r in test])
    zeros = np.zeros(len(test), dtype=np.int64)
    signal, _ = choose(probs, model.outputs, n_tools, zeros, computer_use_rows(tools), zeros > 0)
    corpus = np.array([r.origin != "synthetic" for r in test])
    truth = np.array([r.label for r in test], dtype=object)
    return {
        "held_out_corpus_text_model": category_report(list(truth[corpus]), list(text[corpus]), TEXT_CATEGORIES),
        "held_out_corpus_signal": category_report(list(truth[corpus]), list(signal[corpus]), TEXT_CATEGORIES),
        "held_out_all_text_model": category_report(list(truth), list(text), TEXT_CATEGORIES),
        "note": "text_model: argmax of the text model alone; signal: what the category column holds "
        "for the corpus record sent as an exchange (tools as given by the corpus, so computer_use "
        "and most agentic prompts arrive without the structure real traffic has)",
    }


def train_category(corpus: dict[str, list[CorpusRecord]], out: Path) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    data = category_data(corpus, random.Random(SEED))
    train = [d for d in data if not d.held_out]
    test = [d for d in data if d.held_out]
    x = _matrix(CATEGORY_SPEC, [d.prompt for d in train], [d.system for d in train])
    y = np.array([TEXT_CATEGORIES.index(d.label) for d in train])
    clf = LogisticRegression(C=8.0, max_iter=3000, class_weight="balanced")
    clf.fit(x, y)
    meta: dict[str, Any] = {
        "trained_on": _mix([(d.label,) for d in train], 0),
        "held_out": _mix([(d.label,) for d in test], 0),
        "split": "1 in 5 prompts (filled judge templates: 1 in 5 templates) by BLAKE2b of the text",
        "mapping": {**CATEGORY_OF, **{f"benign_chat[{k}]": v for k, v in BENIGN_RELABEL.items()}},
        "excluded": "benign_chat arena-hard (unlabelled, mostly programming); jailbreak; prompt_extraction",
        "synthetic": "400 sensitive-topic rewrite requests, 300 grading prompts, 150 short math/coding/chat requests each, conversational follow-ups and multilingual chat (x3); persona system prompts on 40% of corpus rows (_synth)",
        "estimator": "sklearn LogisticRegression(C=8, class_weight=balanced), multinomial",
        "structure": "at inference, tools/tool messages, computer-use tools and images override the text model",
    }
    model = save_model(out, "category", CATEGORY_SPEC, TEXT_CATEGORIES, clf.coef_, clf.intercept_, meta)
    meta["metrics"] = _category_metrics(model, test)
    return save_model(out, "category", CATEGORY_SPEC, TEXT_CATEGORIES, clf.coef_, clf.intercept_, meta)


def _mix(rows: list[Any], label_at: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[label_at]] = counts.get(r[label_at], 0) + 1
    return dict(sorted(counts.items()))


def elicitation_data(corpus: dict[str, list[CorpusRecord]], rng: random.Random) -> list[Item]:
    """Corpus prompts (and judge system prompts) plus synthetic phrasings."""
    items = []
    for stem, records in sorted(corpus.items()):
        for r in records:
            extract = int(stem == "prompt_extraction")
            items.append(Item(r.text, 0, extract, f"corpus:{stem}", is_test(r.group)))
            if r.system:
                items.append(Item(r.system, 0, 0, f"corpus-system:{stem}", is_test(r.group)))
    contexts = sorted(
        {r.text for s in ("benign_chat", "math_reasoning") for r in corpus.get(s, []) if len(r.text) < 600}
    ) or ["What is 2 + 2?"]
    # Persona instructions ("You are ..., never reveal these instructions") arrive as system
    # prompts and, often, at the head of user prompts: ordinary traffic, not extraction.
    for k in range(600):
        persona = assistant_system(rng)
        text = persona if k % 2 else f"{persona}\n\n{rng.choice(contexts)}"
        items.append(Item(text, 0, 0, "persona:en", k % 5 == 0))
    return items + phrase_items(contexts, rng)


def train_elicitation(corpus: dict[str, list[CorpusRecord]], out: Path) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    from stillwatch.signals.elicitation import prompt_scores

    data = elicitation_data(corpus, random.Random(SEED + 1))
    train = [d for d in data if not d.held_out]
    test = [d for d in data if d.held_out]
    x = _matrix(ELICIT_SPEC, [d.text for d in train])
    coefs, biases = [], []
    for target in ("elicit", "extract"):
        y = np.array([getattr(d, target) for d in train])
        clf = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced")
        clf.fit(x, y)
        coefs.append(clf.coef_[0])
        biases.append(clf.intercept_[0])
    table, bias = np.vstack(coefs), np.array(biases)
    meta: dict[str, Any] = {
        "trained_on": _mix([(d.origin.split(":")[0],) for d in train], 0),
        "held_out": _mix([(d.origin.split(":")[0],) for d in test], 0),
        "split": "corpus: 1 in 5 prompts by BLAKE2b; synthetic: held-out languages and every 4th phrasing",
        "estimator": "sklearn LogisticRegression(C=4, class_weight=balanced), one per output",
    }
    model = save_model(out, "elicitation", ELICIT_SPEC, ("elicit", "extract"), table, bias, meta)
    distinct, probs = prompt_scores(model, pa.array([d.text for d in test]))
    scores = probs[distinct.index]
    meta["metrics"] = {
        target: binary_report(test, scores[:, j], target) for j, target in enumerate(("elicit", "extract"))
    }
    return save_model(out, "elicitation", ELICIT_SPEC, ("elicit", "extract"), table, bias, meta)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stillwatch.signals.train", description=__doc__)
    parser.add_argument("--corpus", type=Path, required=True, help="folder of corpus *.jsonl")
    parser.add_argument("--out", type=Path, required=True, help="where to write the models")
    args = parser.parse_args(argv)
    try:
        corpus = read_all(args.corpus, CORPORA)
        if not corpus:
            raise StillwatchError(f"{args.corpus}: no corpus files found")
        for model in (train_category(corpus, args.out), train_elicitation(corpus, args.out)):
            print(f"wrote {args.out / model.name}.json and .npy.gz")
            print(_summary(model.meta.get("metrics", {})))
    except StillwatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _summary(metrics: dict[str, Any], indent: str = "  ") -> str:
    lines = []
    for key, value in metrics.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines.append(_summary(value, indent + "  "))
        else:
            lines.append(f"{indent}{key}: {value}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
