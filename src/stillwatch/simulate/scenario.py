"""Scenarios: what traffic to simulate, as data.

A scenario is a TOML file: a window, a model catalogue, shared address pools, and groups of
actors. A group is one kind of account (a legitimate population, a hard case, or a campaign)
with parameters for volume, timing, identity, infrastructure, request parameters and tasks.
The engine interprets every group the same way; nothing in the code knows a scenario's name.

Examples
--------
>>> s = load_scenario("reported-2026")
>>> s.name, s.days
('reported-2026', 14)
>>> sorted({g.label for g in s.groups})
['authorized', 'campaign', 'legit']
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from stillwatch.errors import ConfigError
from stillwatch.simulate._spec import (
    GROUP_DEFAULTS,
    SHAPES,
    SUBSPECS,
    TASK_DEFAULTS,
    Choice,
    adopt_specs,
    extend,
    merge,
    parse_choice,
    parse_weights,
    subspec,
)

LABELS = ("legit", "authorized", "campaign")


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    max_output: int
    reasoning: bool
    released: float  # Unix seconds


@dataclass(frozen=True, slots=True)
class Pool:
    """A set of addresses several groups draw from (a proxy pool, a campus NAT)."""

    name: str
    kind: str  # residential | datacenter | edu
    size: int
    countries: dict[str, float] | None
    scaled: bool  # whether --scale multiplies its size (a proxy pool) or not (a campus NAT)


@dataclass(frozen=True, slots=True)
class Task:
    weight: float
    capability: str
    source: str
    shape: str
    wrapper: str | None
    turns: float
    images: int
    tools: str


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    label: str
    kind: str
    campaign: str | None
    accounts: int
    min_accounts: int
    exchanges: float
    tasks: tuple[Task, ...]
    params: dict[str, Choice]
    spec: dict[str, Any]  # every other sub-spec, defaults filled in (see _spec.GROUP_DEFAULTS)

    def __getattr__(self, name: str) -> Any:
        # Sub-specs read as attributes (group.timing, group.network) without one field each.
        try:
            return object.__getattribute__(self, "spec")[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    start: float
    days: int
    models: tuple[Model, ...]
    pools: dict[str, Pool]
    groups: tuple[Group, ...]
    source: str
    wrappers: dict[str, Any]

    def model(self, name: str) -> Model:
        for m in self.models:
            if m.name == name:
                return m
        raise ConfigError(f"{self.source}: unknown model {name!r}")


def builtin_scenarios() -> list[str]:
    """Names of the scenarios shipped with the package.

    >>> "reported-2026" in builtin_scenarios()
    True
    """
    folder = resources.files("stillwatch.simulate") / "scenarios"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name, or a user's TOML file by path."""
    raw, source = _load_raw(name_or_path, depth=0)
    return parse_scenario(raw, source)


def _load_raw(name_or_path: str | Path, depth: int) -> tuple[dict[str, Any], str]:
    """The TOML document, with ``extends = "base"`` resolved by merging onto the base.

    A variant restates only what differs: top-level values and ``models`` replace the base's,
    ``pools``, ``defaults`` and ``wrappers`` merge, a group with a base group's id merges onto
    it (sub-tables such as ``timing`` key by key, anything else replaced), new groups are
    added, and ``drop_groups`` removes groups by id.
    """
    text, source = _read(name_or_path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    base_name = raw.pop("extends", None)
    drop = raw.pop("drop_groups", [])
    if base_name is None:
        if drop:
            raise ConfigError(f"{source}: drop_groups needs extends")
        return raw, source
    if depth > 4:
        raise ConfigError(f"{source}: extends is nested too deeply")
    base_ref = str(base_name)
    if base_ref.endswith(".toml") and not Path(base_ref).is_absolute() and Path(source).is_file():
        base_ref = str(Path(source).parent / base_ref)
    base, _ = _load_raw(base_ref, depth + 1)
    return extend(base, raw, set(drop), source), source


def _read(name_or_path: str | Path) -> tuple[str, str]:
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ConfigError(f"{path}: scenario file not found")
        return path.read_text(encoding="utf-8"), str(path)
    name = str(name_or_path)
    if name not in builtin_scenarios():
        known = ", ".join(builtin_scenarios())
        raise ConfigError(f"unknown scenario {name!r} (built in: {known}; or give a .toml path)")
    folder = resources.files("stillwatch.simulate") / "scenarios"
    return (folder / f"{name}.toml").read_text(encoding="utf-8"), f"scenario {name}"


def parse_scenario(raw: dict[str, Any], source: str = "scenario") -> Scenario:
    """Validate a parsed TOML document; errors name the file and the offending key."""
    allowed = {"name", "description", "start", "days", "models", "pools", "defaults", "groups", "wrappers"}
    _no_unknown(raw, allowed, source)
    start = _time(raw.get("start", "2026-01-05T00:00:00Z"), f"{source}: start")
    days = raw.get("days", 14)
    if not isinstance(days, int) or days < 1:
        raise ConfigError(f"{source}: days must be a positive integer")
    models = tuple(_model(m, f"{source}: models[{i}]") for i, m in enumerate(raw.get("models", [])))
    if not models:
        raise ConfigError(f"{source}: at least one [[models]] entry is needed")
    pools = {k: _pool(k, v, f"{source}: pools.{k}") for k, v in raw.get("pools", {}).items()}
    defaults = raw.get("defaults", {})
    groups = tuple(
        _group(merge(defaults, g), f"{source}: groups[{i}]") for i, g in enumerate(raw.get("groups", []))
    )
    if not groups:
        raise ConfigError(f"{source}: at least one [[groups]] entry is needed")
    ids = [g.id for g in groups]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{source}: group ids must be unique")
    scenario = Scenario(
        name=str(raw.get("name", Path(source).stem)),
        description=str(raw.get("description", "")),
        start=start,
        days=days,
        models=models,
        pools=pools,
        groups=groups,
        source=source,
        wrappers=dict(raw.get("wrappers", {})),
    )
    _check_references(scenario)
    return scenario


def _model(raw: dict[str, Any], where: str) -> Model:
    _no_unknown(raw, {"name", "max_output", "reasoning", "released"}, where)
    try:
        return Model(
            name=str(raw["name"]),
            max_output=int(raw.get("max_output", 8192)),
            reasoning=bool(raw.get("reasoning", False)),
            released=_time(raw.get("released", "2025-01-01T00:00:00Z"), f"{where}.released"),
        )
    except KeyError:
        raise ConfigError(f"{where}: a model needs a name") from None


def _pool(name: str, raw: dict[str, Any], where: str) -> Pool:
    _no_unknown(raw, {"kind", "size", "countries", "scaled"}, where)
    kind = raw.get("kind", "residential")
    if kind not in ("residential", "datacenter", "edu"):
        raise ConfigError(f"{where}: kind must be residential, datacenter or edu")
    countries = parse_weights(raw["countries"], f"{where}.countries") if "countries" in raw else None
    size = raw.get("size", 1000)
    if not isinstance(size, int) or size < 1:
        raise ConfigError(f"{where}: size must be a positive integer")
    return Pool(name, kind, size, countries, bool(raw.get("scaled", kind != "edu")))


def _group(raw: dict[str, Any], where: str) -> Group:
    top = {"id", "label", "kind", "campaign", "accounts", "min_accounts", "exchanges", "tasks", "params"}
    _no_unknown(raw, top | set(GROUP_DEFAULTS), where)
    if "id" not in raw:
        raise ConfigError(f"{where}: a group needs an id")
    where = f"{where} ({raw['id']})"
    label = raw.get("label", "legit")
    if label not in LABELS:
        raise ConfigError(f"{where}: label must be one of {', '.join(LABELS)}")
    campaign = raw.get("campaign", raw["id"] if label == "campaign" else None)
    if label != "campaign" and "campaign" in raw:
        raise ConfigError(f"{where}: only campaign groups name a campaign")
    accounts = int(raw.get("accounts", 0))
    exchanges = float(raw.get("exchanges", 0))
    if accounts < 1 or exchanges <= 0:
        raise ConfigError(f"{where}: accounts and exchanges must be positive")
    tasks = tuple(_task(t, f"{where}.tasks[{i}]") for i, t in enumerate(raw.get("tasks", [])))
    if not tasks:
        raise ConfigError(f"{where}: at least one [[groups.tasks]] entry is needed")
    params = {k: parse_choice(v, f"{where}.params.{k}") for k, v in raw.get("params", {}).items()}
    spec = {}
    for key, default in GROUP_DEFAULTS.items():
        value = raw.get(key, default)
        if key in SUBSPECS:
            value = subspec(value, SUBSPECS[key], f"{where}.{key}")
        elif key == "adopt":
            value = adopt_specs(value, f"{where}.adopt")
        elif key in ("models", "languages", "routes", "countries") and value is not None:
            value = parse_weights(value, f"{where}.{key}")
        spec[key] = value
    return Group(
        id=str(raw["id"]),
        label=label,
        kind=str(raw.get("kind", raw["id"])),
        campaign=None if campaign is None else str(campaign),
        accounts=accounts,
        min_accounts=int(raw.get("min_accounts", 1)),
        exchanges=exchanges,
        tasks=tasks,
        params=params,
        spec=spec,
    )


def _task(raw: dict[str, Any], where: str) -> Task:
    _no_unknown(raw, set(TASK_DEFAULTS), where)
    t = {**TASK_DEFAULTS, **raw}
    if not t["source"]:
        raise ConfigError(f"{where}: a task needs a source (a corpus category)")
    if t["shape"] not in SHAPES:
        raise ConfigError(f"{where}: shape must be one of {', '.join(SHAPES)}")
    return Task(
        weight=float(t["weight"]),
        capability=str(t["capability"] or t["source"]),
        source=str(t["source"]),
        shape=str(t["shape"]),
        wrapper=t["wrapper"] or None,
        turns=float(t["turns"]),
        images=int(t["images"]),
        tools=str(t["tools"]),
    )


def _check_references(s: Scenario) -> None:
    names = {m.name for m in s.models}
    for g in s.groups:
        for m in list(g.models or []) + [a["model"] for a in g.adopt]:
            if m not in names:
                raise ConfigError(f"{s.source}: group {g.id} names unknown model {m!r}")
        pool = g.network["pool"]
        if g.network["mode"] in ("pool", "nat") and pool not in s.pools:
            raise ConfigError(f"{s.source}: group {g.id} names unknown pool {pool!r}")


def _no_unknown(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")


def _time(value: Any, where: str) -> float:
    if isinstance(value, datetime):
        # TOML local date-times carry no zone; scenarios are written in UTC.
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"{where}: not an RFC 3339 time: {value!r}") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
