"""Traffic simulator: labelled API exchange logs with legitimate traffic and distillation campaigns.

``simulate(out_dir, scenario, scale=..., seed=...)`` writes an exchange v1 log, one label per
account, the authorized list and a summary. Scenarios are TOML files (``scenarios/`` holds
the built-in ones); ``load_scenario`` reads one by name or path.

Scale: 1.0 is the reported campaign sizes over the scenario's window (reported-2026: ~24M
exchanges, ~69k accounts, 14 days); ``scale`` multiplies accounts, exchanges and proxy-pool
sizes alike, with a floor of ``min_accounts`` per group so every kind stays present
(0.0005 ~ 12k exchanges, 0.001 ~ 24k, 0.01 ~ 240k, 0.04 ~ 1M). ``days`` shortens the window at
the same daily rates.

Files written: ``log.jsonl`` (exchange v1, time-ordered) or ``log.parquet`` (same columns;
``messages`` as JSON text, ``time``/``account_created`` as UTC timestamps), ``labels.jsonl``
(one line per account in the log), ``authorized.txt`` and ``summary.json`` (counts per kind,
exchanges, tokens and capability shares per campaign).
"""

from stillwatch.simulate.engine import simulate
from stillwatch.simulate.scenario import Scenario, builtin_scenarios, load_scenario, parse_scenario
from stillwatch.simulate.summary import SimulationSummary

__all__ = [
    "Scenario",
    "SimulationSummary",
    "builtin_scenarios",
    "load_scenario",
    "parse_scenario",
    "simulate",
]
