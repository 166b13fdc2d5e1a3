"""The profile SQL on a group's pooled traffic judges its members as accounts, not their sum."""

from __future__ import annotations

import datetime as dt

from builders import T0, Population

from stillwatch.accounts.evidence import BehaviourScorer
from stillwatch.accounts.features import BehaviourProfiler
from stillwatch.engine import DuckDBEngine


def _profiles(pop: Population, groups: dict[str, str]) -> dict[str, dict]:
    con = pop.connect()
    con.execute("CREATE TABLE members (account VARCHAR, grp VARCHAR)")
    con.executemany("INSERT INTO members VALUES (?, ?)", list(groups.items()))
    con.execute("CREATE VIEW grouped AS SELECT e.*, m.grp FROM exchanges e JOIN members m USING (account)")
    engine = DuckDBEngine(con)
    profiler = BehaviourProfiler()
    profiler.prepare(engine)
    return {p["g"]: p for p in profiler.transform(engine, "grouped", "grp").to_pylist()}


def test_people_in_many_time_zones_and_homes_are_not_a_round_the_clock_proxy_pool() -> None:
    pop = Population()
    # 24 people, each busy in one hour of the day from one home network; together they
    # cover the clock from 24 networks.
    for h in range(24):
        pop.many(f"person-{h:02d}", 30, asn=64500 + h, client_ip=f"10.0.{h}.1",
                 time=lambda i, h=h: T0 + dt.timedelta(days=i % 10, hours=h, minutes=i))
    # One account that is busy all day long through 30 networks of a proxy pool.
    pop.many("rotor", 720, asn=lambda i: 65000 + i % 30, client_ip=lambda i: f"10.9.{i % 30}.{i % 7}",
             time=lambda i: T0 + dt.timedelta(minutes=20 * i))
    groups = {f"person-{h:02d}": "people" for h in range(24)} | {"rotor": "rotor"}
    profiles = _profiles(pop, groups)
    people, rotor = profiles["people"], profiles["rotor"]
    assert people["accounts"] == 24 and people["distinct_asns"] == 24
    assert people["member_asns"] == 1 and people["active_hours"] == 1 and people["hour_entropy"] == 0
    assert rotor["member_asns"] == 30 and rotor["active_hours"] == 24 and rotor["hour_entropy"] > 0.99
    scorer = BehaviourScorer().fit(list(profiles.values()))
    assert {r.signal for r in scorer.assess(people).reasons} & {"round_the_clock", "address_rotation"} == set()
    assert {r.signal for r in scorer.assess(rotor).reasons} >= {"round_the_clock", "address_rotation"}
