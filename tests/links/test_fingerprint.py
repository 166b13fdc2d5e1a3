"""Client fingerprints link accounts only where sharing one is more than chance."""

from __future__ import annotations

import math

import duckdb
from hypothesis import given
from hypothesis import strategies as st

from builders import Population
from stillwatch.engine import DuckDBEngine
from stillwatch.links.fingerprint import log_bound_sql
from stillwatch.links.pairs import LinkFinder

UAS = ["python-requests/2.32.3", "openai-python/1.51.0", "curl/8.5.0"]


def _grid(pop: Population, count: int) -> None:
    """Honest accounts whose settings are common values, combined independently: every
    combination is held by count / 12 of them."""
    for i in range(count):
        pop.many(f"user{i:03d}", 2, user_agent=UAS[i % 3], max_tokens=[4000, 16000][(i // 3) % 2],
                 reasoning_effort=["medium", "high"][(i // 6) % 2])


def _client_links(pop: Population) -> set[tuple[str, str]]:
    links = LinkFinder().transform(DuckDBEngine(pop.connect())).to_pylist()
    return {(r["a"], r["b"]) for r in links if r["kind"] == "client"}


def test_common_settings_shared_by_chance_link_nobody() -> None:
    pop = Population()
    _grid(pop, 60)  # five accounts hold each combination, as many as chance gives
    assert _client_links(pop) == set()


def test_one_client_copied_to_many_accounts_links_them() -> None:
    pop = Population()
    _grid(pop, 60)
    for k in range(12):
        pop.many(f"hydra{k:02d}", 2, user_agent=UAS[0], max_tokens=32000, n=4, reasoning_effort="high")
    found = _client_links(pop)
    assert ("hydra00", "hydra01") in found
    assert all(a.startswith("hydra") and b.startswith("hydra") for a, b in found)


def test_a_few_accounts_on_the_commonest_settings_are_not_linked_by_them() -> None:
    # the proxy customer's case: a handful hold a combination of the commonest values,
    # more than the grid's share but not more than chance allows
    pop = Population()
    _grid(pop, 60)
    for k in range(3):
        pop.many(f"extra{k}", 2, user_agent=UAS[0], max_tokens=16000, reasoning_effort="high")
    assert not any("extra" in a + b for a, b in _client_links(pop))


def _poisson_tail(holders: int, expected: float) -> float:
    below = sum(math.exp(-expected + j * math.log(expected) - math.lgamma(j + 1)) for j in range(holders))
    return max(0.0, 1.0 - below)


@given(st.floats(0.01, 40.0), st.integers(0, 100))
def test_the_bound_never_understates_the_chance(expected: float, beyond: int) -> None:
    # the test errs toward not linking: where holders exceed the expectation, its bound
    # (as the engines compute it) is at least the exact Poisson tail
    holders = math.floor(expected) + 1 + beyond
    bound = duckdb.sql(f"SELECT {log_bound_sql(str(holders), f'ln({expected!r})')} AS b").fetchall()[0][0]
    assert math.exp(bound) >= _poisson_tail(holders, expected) - 1e-9
