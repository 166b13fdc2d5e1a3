"""Traffic simulator: labelled API exchange logs with legitimate traffic and distillation campaigns.

``simulate(out_dir, scenario, scale=..., seed=...)`` writes an exchange v1 log, one label per
account, the authorized list and a summary. Scenarios are TOML files (``scenarios/`` holds
the built-in ones); ``load_scenario`` reads one by name or path.
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
