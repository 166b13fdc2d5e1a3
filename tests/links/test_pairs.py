"""Each kind of link, found by the key join, and the ring sampling for big keys."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from builders import T0, Population
from stillwatch.engine import DuckDBEngine
from stillwatch.links.pairs import KIND_CLASS, LinkConfig, LinkFinder, kept_sql

LONG = "Please write a detailed implementation plan for the following feature request: "


def _pair(**shared: object) -> Population:
    pop = Population()
    for acct in ("alice", "bob"):
        pop.many(acct, 3, prompt=lambda i, a=acct: f"{a} unique question {i} about gardening today")
        pop.many(acct, 2, **shared)
    pop.many("carol", 5, prompt=lambda i: f"carol asks something unrelated number {i} in depth")
    # a crowd with clients of its own: a fingerprint is evidence against a population that
    # does not share it (in a world of three accounts no client is rare)
    for k in range(30):
        pop.many(f"crowd{k:02d}", 1, user_agent=f"sdk/{k}", max_tokens=1000 + k)
    return pop


CASES = {
    "tpl": {"prompt": LONG + "x", "template_id": 42},
    "band": {"prompt": LONG + "y", "prompt_bands": [7, 8]},
    "sys": {"system_text": "You are the support agent of Example Corp. " * 2, "system_template_id": 9},
    "ip": {"client_ip": "203.0.113.9"},
    "net": {"client_ip": lambda i: f"198.51.100.{i + 1}"},
    "pay": {"payment_fingerprint": "card-1"},
    "born": {"account_created": T0 - dt.timedelta(days=2)},
    "client": {"user_agent": "harvester/1.0", "max_tokens": 32000, "n": 4},
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_kind_links_the_two_accounts_that_share_it(kind: str) -> None:
    links = LinkFinder().transform(DuckDBEngine(_pair(**CASES[kind]).connect())).to_pylist()
    found = {(r["kind"], r["a"], r["b"]) for r in links}
    assert (kind, "alice", "bob") in found
    assert not any("carol" in (r["a"], r["b"]) for r in links if r["kind"] == kind)
    row = next(r for r in links if r["kind"] == kind and r["a"] == "alice")
    assert row["class"] == KIND_CLASS[kind] and 0 < row["strength"] <= 1



def test_a_kind_weighted_zero_links_nobody() -> None:
    # [links.weights] client = 0.0 turns the evidence off: no links of that kind, not
    # links of weight 0 (which would still be counted in reasons and drawn in reports)
    shared = {**CASES["client"], **CASES["ip"]}
    off = LinkConfig(weights={**LinkConfig().weights, "client": 0.0})
    kinds = {r["kind"] for r in LinkFinder(off).transform(DuckDBEngine(_pair(**shared).connect())).to_pylist()}
    assert "ip" in kinds and "client" not in kinds
    none = LinkConfig(weights=dict.fromkeys(LinkConfig().weights, 0.0))
    assert LinkFinder(none).transform(DuckDBEngine(_pair(**shared).connect())).num_rows == 0

def test_short_prompts_are_too_generic_to_link() -> None:
    links = LinkFinder().transform(DuckDBEngine(_pair(prompt="hi", template_id=1).connect()))
    assert "tpl" not in links.column("kind").to_pylist()


def test_a_key_shared_by_many_accounts_is_ring_sampled_not_enumerated() -> None:
    pop = Population()
    for i in range(60):
        pop.many(f"acct{i:02d}", 1, client_ip="192.0.2.1")
    cfg = LinkConfig(neighbours=3, max_key_share=1.0)
    links = LinkFinder(cfg).transform(DuckDBEngine(pop.connect())).to_pylist()
    ip = [r for r in links if r["kind"] == "ip"]
    assert len(ip) == 60 * 3  # a ring: each account to its next three, no pair twice
    degree: dict[str, int] = {}
    for r in ip:
        for end in (r["a"], r["b"]):
            degree[end] = degree.get(end, 0) + 1
    assert set(degree.values()) == {6}


@pytest.mark.parametrize("size", [2, 3, 4, 5, 6, 7, 8])
def test_every_pair_of_a_key_is_counted_once(size: int) -> None:
    # Sizes up to 2 x neighbours + 1 are whole cliques; 8 is the first ring that skips pairs.
    # Even sizes reach their opposite member from both sides, which must not count twice.
    pop = Population()
    for i in range(size):
        pop.many(f"m{i}", 1, client_ip="192.0.2.1")
    cfg = LinkConfig(neighbours=3, max_key_share=1.0)
    ip = [r for r in LinkFinder(cfg).transform(DuckDBEngine(pop.connect())).to_pylist() if r["kind"] == "ip"]
    pairs = [(r["a"], r["b"]) for r in ip]
    assert len(pairs) == len(set(pairs))
    assert {r["shared"] for r in ip} == {1}
    assert len(pairs) == (size * (size - 1) // 2 if size <= 7 else size * 3)


def test_keys_held_by_the_same_accounts_count_once_each() -> None:
    # Three templates held by the same four accounts, and one held by three of them: the
    # set of four is walked once and counted three times, the set of three once.
    pop = Population()
    for i in range(4):
        for t in (1, 2, 3):
            pop.many(f"m{i}", 1, prompt=LONG + f"t{t}", template_id=t)
        if i < 3:
            pop.many(f"m{i}", 1, prompt=LONG + "t9", template_id=9)
    links = LinkFinder(LinkConfig(max_partners=0, max_key_share=1.0)).transform(DuckDBEngine(pop.connect())).to_pylist()
    tpl = {(r["a"], r["b"]): r["shared"] for r in links if r["kind"] == "tpl"}
    assert tpl == {(f"m{i}", f"m{j}"): 4 if j < 3 else 3 for i in range(4) for j in range(i + 1, 4)}


def test_a_big_set_held_through_several_keys_is_walked_by_one_ring() -> None:
    # Two addresses shared by the same twenty accounts: one ring (each account to its next
    # three), each of its pairs counted twice, not two rings sampling different pairs.
    pop = Population()
    for i in range(20):
        pop.many(f"m{i:02d}", 2, client_ip=lambda j: f"192.0.2.{j + 1}")
    cfg = LinkConfig(neighbours=3, max_key_share=1.0, max_partners=0)
    ip = [r for r in LinkFinder(cfg).transform(DuckDBEngine(pop.connect())).to_pylist() if r["kind"] == "ip"]
    assert len(ip) == 20 * 3
    assert {r["shared"] for r in ip} == {2}
    assert {r["strength"] for r in ip} == {1.0}


def _crowd() -> Population:
    # ten accounts behind the same twenty addresses (heavy links), and a stranger that once
    # came through one of them among a hundred addresses of its own (faint links to all ten)
    pop = Population()
    for i in range(10):
        pop.many(f"g{i}", 20, client_ip=lambda j: f"192.0.2.{j}")
    pop.many("x", 1, client_ip="192.0.2.0")
    pop.many("x", 100, client_ip=lambda j: f"198.51.100.{j}")
    return pop


def test_faint_links_beyond_each_accounts_strongest_are_dropped() -> None:
    def ip_links(cfg: LinkConfig) -> list[dict]:
        found = LinkFinder(cfg).transform(DuckDBEngine(_crowd().connect())).to_pylist()
        return [r for r in found if r["kind"] == "ip"]

    every = ip_links(LinkConfig(max_partners=0, max_key_share=1.0))
    kept = ip_links(LinkConfig(max_partners=5, max_key_share=1.0, keep_weight=0.05))
    faint = {(r["a"], r["b"]) for r in every if "x" in (r["a"], r["b"])}
    assert len(faint) == 10 and all(r["weight"] < 0.05 for r in every if "x" in (r["a"], r["b"]))
    # the heavy links all stay, whatever their ranks
    assert {(r["a"], r["b"]) for r in kept if "x" not in (r["a"], r["b"])} == {
        (r["a"], r["b"]) for r in every if "x" not in (r["a"], r["b"])
    }
    # x keeps its five strongest (ties by name); none of the ten ranks x in its own five
    assert sorted(r["a"] for r in kept if r["b"] == "x") == ["g0", "g1", "g2", "g3", "g4"]


def test_a_kept_pairs_few_key_evidence_is_counted_exactly() -> None:
    # Forty accounts share one system prompt (a ring samples its pairs); two of them also
    # share a card. The ring does not make the card holders neighbours, but their pair is
    # kept for the card, and its system prompt is then counted on it too.
    pop = Population()
    system = {"system_text": "You are the support agent of Example Corp. " * 2, "system_template_id": 9}
    for i in range(40):
        pop.many(f"s{i:02d}", 1, **system)
    for name in ("s03", "s17"):
        pop.many(name, 1, payment_fingerprint="card-1")

    def pair_kinds(cfg: LinkConfig) -> dict[str, int]:
        found = LinkFinder(cfg).transform(DuckDBEngine(pop.connect())).to_pylist()
        return {r["kind"]: r["shared"] for r in found if (r["a"], r["b"]) == ("s03", "s17")}

    sampled = LinkConfig(neighbours=3, max_key_share=1.0, exact_kinds=[])
    assert pair_kinds(sampled) == {"pay": 1}
    assert pair_kinds(LinkConfig(neighbours=3, max_key_share=1.0)) == {"pay": 1, "sys": 1}


def test_a_card_most_accounts_share_links_nobody_even_counted_exactly() -> None:
    # Four of five accounts pay with one card (say, a reseller's): over max_key_share, it
    # is no evidence, whether a ring samples it or the exact count looks at a kept pair
    # (p and q are kept for an address only they share).
    pop = Population()
    for name in ("p", "q", "r", "s"):
        pop.many(name, 1, payment_fingerprint="shared-card")
    for name in ("p", "q"):
        pop.many(name, 1, client_ip="203.0.113.7")
    pop.many("t", 1, client_ip="198.51.100.1")
    links = LinkFinder(LinkConfig(max_key_share=0.5)).transform(DuckDBEngine(pop.connect())).to_pylist()
    found = {(r["kind"], r["a"], r["b"]) for r in links}
    assert ("ip", "p", "q") in found
    assert not any(kind == "pay" for kind, _, _ in found)


def _kept_by_rule(rows: list[tuple[str, int, int, int, int, int]], cfg: LinkConfig) -> set[tuple[str, int, int]]:
    """The keep rule written out plainly: heavy enough, or among either end's closest."""
    weight = {
        (k, a, b): cfg.weights[k] * min(1.0, shared / min(na, nb)) for k, a, b, shared, na, nb in rows
    }
    ends: dict[tuple[str, int], list[tuple[float, int]]] = {}
    for (k, a, b), w in weight.items():
        ends.setdefault((k, a), []).append((w, b))
        ends.setdefault((k, b), []).append((w, a))
    closest = set()
    for (k, acct), others in ends.items():
        for _, other in sorted(others, key=lambda e: (-e[0], e[1]))[: cfg.max_partners]:
            closest.add((k, min(acct, other), max(acct, other)))
    return {key for key, w in weight.items() if w >= cfg.keep_weight or key in closest}


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ip", "tpl"]),
            st.integers(0, 12),
            st.integers(0, 12),
            st.integers(1, 3),
            st.sampled_from([1, 2, 3, 40, 41, 1000]),
            st.sampled_from([1, 2, 3, 40, 41, 1000]),
        ),
        max_size=120,
    ),
    st.integers(1, 4),
)
# Account 0's third closest is in a lower band than its first two, and account 2 has three
# closer partners of its own: only account 0's ranking keeps the pair (0, 2).
@example([("ip", 0, 1, 1, 40, 40), ("ip", 0, 3, 1, 40, 40), ("ip", 0, 2, 1, 1000, 1000),
          ("ip", 2, 4, 1, 40, 40), ("ip", 2, 5, 1, 40, 40), ("ip", 2, 6, 1, 40, 40)], 3)  # fmt: skip
def test_kept_pairs_follow_the_rule_whatever_the_weights(raw: list, top: int) -> None:
    # Only the ends that can rank among an account's closest are ranked (weight bands);
    # many equal weights and far-apart ones test that no end that should stay is cut.
    rows = list({(k, min(a, b), max(a, b)): (k, min(a, b), max(a, b), s, na, nb)
                 for k, a, b, s, na, nb in raw if a != b}.values())  # fmt: skip
    cfg = LinkConfig(max_partners=top, keep_weight=0.1)
    con = duckdb.connect()
    names = ["kind", "a", "b", "shared", "nkeys_a", "nkeys_b"]
    schema = pa.schema([("kind", pa.string())] + [(n, pa.int64()) for n in names[1:]])
    con.register("raw", pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)}, schema=schema))
    weights = {"kind": list(cfg.weights), "kind_weight": list(cfg.weights.values()),
               "class": [KIND_CLASS[k] for k in cfg.weights]}  # fmt: skip
    con.register("weights", pa.table(weights))
    found = con.sql(f"SELECT kind, a, b FROM ({kept_sql('raw', 'weights', cfg)})").fetchall()
    got = {(r[0], r[1], r[2]) for r in found}
    assert got == _kept_by_rule(rows, cfg)
