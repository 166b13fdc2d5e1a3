"""Unit checks of the generators the engine draws from."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import orjson

from stillwatch.simulate import fallback, identity, paraphrase, simulate
from stillwatch.simulate._draws import Draws
from stillwatch.simulate.prompts import PromptBank
from stillwatch.simulate.wrappers import Wrappers


def test_ids_have_one_format_whoever_asks() -> None:
    rng = np.random.default_rng(0)
    for prefix in ("acct_", "org_"):
        ids = identity.opaque_ids(rng, 500, prefix)
        assert len(set(ids)) == 500
        assert all(re.fullmatch(prefix + "[0-9a-f]{20}", i) for i in ids)


def test_user_agents_come_from_the_shared_table_with_versions() -> None:
    uas = identity.user_agents(np.random.default_rng(1), 2000)
    families = {u.split("/")[0].split(" ")[0] for u in uas}
    assert len(families) >= 10
    assert any(u.startswith("OpenAI/Python 1.") for u in uas) and any(u.startswith("curl/") for u in uas)


def test_addresses_are_public_and_stable_per_as() -> None:
    table = identity.Addresses()
    first = table.add(np.random.default_rng(2), [7922] * 50, ["US"] * 50)
    prefixes = {ip.rsplit(".", 2)[0] for ip in table.ip[first:]}
    # Whatever the seed, an AS's addresses fall in the same few made-up /16s.
    assert prefixes <= {f"{a}.{b}" for a, b in identity._prefixes(7922)}
    for ip in table.ip:
        a = int(ip.split(".")[0])
        assert a not in (10, 127, 172, 192) and all(0 <= int(x) <= 255 for x in ip.split("."))
    assert orjson.loads(b"{" + table.fragment(first) + b"}")["asn"] == 7922


def test_paraphrase_rewords_but_keeps_the_task() -> None:
    d = Draws(np.random.default_rng(4))
    template = "Think through this step by step and show all of your reasoning before the final answer.\n\n{task}"
    outs = {paraphrase.reword(paraphrase.reorder(template, d), "en", d, 1.0) for _ in range(200)}
    assert len(outs) > 50
    assert all("{task}" in o for o in outs)


def test_every_wrapper_family_renders_in_its_languages() -> None:
    w = Wrappers()
    for family, langs in w.families.items():
        for lang in langs:
            for v in w.variants(family, lang):
                assert "{task}" in v, (family, lang)
    assert len(w.languages("reasoning_reveal")) >= 8


def test_procedural_fallback_covers_every_source() -> None:
    bank = PromptBank(None, seed=0)
    for source in ("benign_chat", "coding", "math_reasoning", "agentic_tool_use", "computer_use", "llm_judge",
                   "harmful_requests", "jailbreak", "prompt_extraction", "data_analysis", "vision",
                   "sensitive_topics", "business_docs", "synthetic_seeds", "multilingual_chat"):
        assert bank.pool(source), source
    langs = {i.lang for i in fallback.generate("multilingual_chat", np.random.default_rng(0))}
    assert {"zh", "ru", "ar", "ko"} <= langs


def test_default_scenario_runs_without_any_corpus(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    s = simulate(tmp_path / "out", scale=0.0005, seed=1, days=1, corpus=empty)
    assert s.exchanges > 100 and s.corpus_sources == []
