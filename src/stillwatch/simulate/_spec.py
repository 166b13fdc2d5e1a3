"""The vocabulary of a scenario group: every key, its default, and weighted choices.

Keeping the defaults in one table documents the format (a scenario file only states what
differs) and lets the loader reject misspelt keys instead of silently ignoring them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from stillwatch.errors import ConfigError

SHAPES = ("single", "chat", "agent", "fanout")

#: Sub-specs: tables whose keys are checked and whose missing keys take these defaults.
SUBSPECS: dict[str, dict[str, Any]] = {
    # How a group's volume splits across its accounts (heavy tails come from here).
    "spread": {"dist": "lognormal", "sigma": 1.0, "alpha": 1.5},
    # mode: home (own residential addresses), cloud (hosting addresses of the org),
    # datacenter (a few rented hosts shared by the group), pool / nat (a named shared pool).
    # rotate: how often the address changes: account, session or request.
    "network": {"mode": "home", "pool": "", "rotate": "session", "ips": 2, "hosts": 8},
    # population: each account draws its own from the shared table; fleet: the group draws
    # `fleet` strings from the same table and its accounts share them.
    "user_agents": {"mode": "population", "fleet": 3, "upgrade": 0.05},
    # own: one instrument per account; org: one per org; shared: `instruments` for the group.
    "payment": {"mode": "org", "instruments": 1, "missing": 0.03},
    # spread: ages before the window, lognormal around age_days; batches: accounts made in
    # `batches` bursts shortly (up to lead_hours) before they first send traffic.
    "created": {"mode": "spread", "age_days": 300.0, "sigma": 1.2, "batches": 10, "lead_hours": 48.0},
    # Fractions of the window the group is active in; lifetime_days > 0 gives account churn.
    "active": {"start": 0.0, "end": 1.0, "lifetime_days": 0.0},
    # diurnal: local working-day cycle; uniform: flat 24/7; bursty: random on/off hours;
    # synchronised: every account fires in the same short waves.
    "timing": {
        "mode": "diurnal",
        "weekend": 0.55,
        "evening": 0.45,
        "night": 0.08,
        "burst": 0.15,
        "waves_per_day": 6,
        "wave_minutes": 20.0,
        "dispersion": 1.0,
        "tz": "account",
    },
    # Seconds between consecutive requests of one session (lognormal).
    "gap": {"median_s": 25.0, "sigma": 1.0},
    "errors": {"p429": 0.008, "p5xx": 0.004, "retry": 0.9, "backoff_s": 3.0},
    # none | corpus (the prompt's own system text when it has one) | org | account | bank
    "system": {"mode": "corpus", "p": 1.0},
}

#: Every group key besides id, label, kind, campaign, accounts, exchanges, tasks and params.
GROUP_DEFAULTS: dict[str, Any] = {
    **{k: {} for k in SUBSPECS},
    "orgs": 0,  # 0: every account its own org; N: the accounts share N orgs
    "authorized": "org",  # what authorized.txt lists for an authorized group: org | account
    "routes": {"api": 1.0},
    "end_users": 0,  # distinct end_user values per account; 0: field absent
    "countries": None,  # None: world shares from _tables.COUNTRIES
    "models": None,  # None: every model released before the window, equal weights
    "model_sticky": 0.85,  # chance a session uses the account's usual model
    "adopt": [],  # [{model, share, delay_hours = [lo, hi], ramp_hours}]
    "params_sticky": 0.9,  # chance a request keeps the account's usual parameters
    "prompt_pool": 0,  # N > 0: the group shares a fixed subset of N prompts per source
    "order": "random",  # random | sweep (walk the pool in order, as a benchmark run does)
    "paraphrase": 0.0,  # chance each prompt is reworded
    "languages": {"en": 1.0},  # language of wrappers and follow-ups
    "output_scale": 1.0,  # multiplies response lengths
    "fanout": 3,  # models one prompt is sent to, for shape = "fanout"
    "templates": 0,  # N > 0: each org (or the whole group) keeps to N variants of a wrapper
    "template_scope": "org",  # org | group: who shares the chosen variants
}

TASK_DEFAULTS: dict[str, Any] = {
    "weight": 1.0,
    "capability": "",
    "source": "",
    "shape": "single",
    "wrapper": "",
    "turns": 1.0,
    "images": 0,
    "tools": "corpus",
}

ADOPT_DEFAULTS: dict[str, Any] = {"model": "", "share": 0.5, "delay_hours": [0.0, 24.0], "ramp_hours": 2.0}


@dataclass(frozen=True, slots=True)
class Choice:
    """A weighted choice of values, absent with probability ``missing``.

    >>> c = Choice((0.0, 0.7), np.array([0.5, 0.5]), 0.0)
    >>> c.draw(np.random.default_rng(1), 3).tolist()
    [1, 1, 0]
    """

    values: tuple[Any, ...]
    weights: np.ndarray
    missing: float

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Indices into ``values``; -1 where the parameter is absent."""
        idx = rng.choice(len(self.values), size=n, p=self.weights)
        if self.missing > 0:
            idx[rng.random(n) < self.missing] = -1
        return idx


def parse_choice(raw: Any, where: str) -> Choice:
    if not isinstance(raw, dict):
        return Choice((raw,), np.ones(1), 0.0)
    unknown = set(raw) - {"values", "weights", "missing"}
    if unknown or "values" not in raw:
        raise ConfigError(f"{where}: expected {{values = [...], weights = [...], missing = p}}")
    values = tuple(raw["values"])
    weights = raw.get("weights", [1.0] * len(values))
    if len(weights) != len(values) or not values:
        raise ConfigError(f"{where}: values and weights differ in length")
    return Choice(values, _normalise(weights, where), float(raw.get("missing", 0.0)))


def parse_weights(raw: Any, where: str) -> dict[str, float]:
    """A table of name -> weight, normalised to sum 1."""
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f"{where}: expected a table of name = weight")
    w = _normalise(list(raw.values()), where)
    return dict(zip((str(k) for k in raw), w.tolist(), strict=True))


def _normalise(weights: list[Any], where: str) -> np.ndarray:
    try:
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: weights must be numbers") from None
    if (w < 0).any() or w.sum() <= 0:
        raise ConfigError(f"{where}: weights must be non-negative with a positive sum")
    return w / w.sum()


def subspec(raw: Any, defaults: dict[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table")
    unknown = sorted(set(raw) - set(defaults))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    return {**defaults, **raw}


def merge(defaults: dict[str, Any], group: dict[str, Any]) -> dict[str, Any]:
    """A group's table over the scenario's [defaults]; sub-tables merge one level deep."""
    out = copy.deepcopy(defaults)
    for key, value in group.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key in SUBSPECS:
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def adopt_specs(raw: Any, where: str) -> tuple[dict[str, Any], ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: expected an array of tables")
    out = []
    for i, item in enumerate(raw):
        spec = subspec(item, ADOPT_DEFAULTS, f"{where}[{i}]")
        if not spec["model"]:
            raise ConfigError(f"{where}[{i}]: adopt needs a model")
        out.append(spec)
    return tuple(out)


def extend(base: dict[str, Any], variant: dict[str, Any], drop: set[str], source: str) -> dict[str, Any]:
    """A variant scenario document merged onto its base (see scenario._load_raw)."""
    out = {k: v for k, v in base.items() if k != "groups"}
    for key, value in variant.items():
        if key in ("pools", "wrappers"):
            out[key] = {**base.get(key, {}), **value}
        elif key == "defaults":
            out[key] = merge(base.get(key, {}), value)
        elif key != "groups":
            out[key] = value
    groups = [g for g in base.get("groups", []) if g.get("id") not in drop]
    unknown = drop - {g.get("id") for g in base.get("groups", [])}
    if unknown:
        raise ConfigError(f"{source}: drop_groups names unknown group(s) {', '.join(sorted(unknown))}")
    index = {g.get("id"): i for i, g in enumerate(groups)}
    for g in variant.get("groups", []):
        if g.get("id") in index:
            groups[index[g["id"]]] = merge(groups[index[g["id"]]], g)
        else:
            groups.append(g)
    out["groups"] = groups
    return out
