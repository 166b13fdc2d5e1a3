"""One typed, frozen configuration for a scan, loaded from TOML and validated at load.

``default.toml`` beside this module documents every setting and its default; a user's file
overrides any subset. Unknown sections or keys are errors, so a typo never silently leaves a
default in force.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stillwatch._toml import build, read_toml
from stillwatch.accounts.evidence import BehaviourConfig
from stillwatch.accounts.features import ProfileOptions
from stillwatch.campaigns.group import CampaignConfig
from stillwatch.decisions import DecisionConfig
from stillwatch.errors import ConfigError
from stillwatch.links.pairs import KIND_CLASS, LinkConfig

DEFAULT_FILE = Path(__file__).with_name("default.toml")


@dataclass(frozen=True)
class GraphConfig:
    resolution: float = 0.3
    seed: int = 7


@dataclass(frozen=True)
class IntelConfig:
    #: HMAC key shared with peers; needed to match their hashed indicators (templates,
    #: accounts, payment instruments). Empty: $STILLWATCH_HMAC_KEY_FILE, else infra only.
    key_file: str = ""


@dataclass(frozen=True)
class ScanConfig:
    profile: ProfileOptions = field(default_factory=ProfileOptions)
    release_grace_hours: int = 24
    memory_limit: str = "1GB"
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    links: LinkConfig = field(default_factory=LinkConfig)
    graph: GraphConfig = field(default_factory=GraphConfig)
    campaigns: CampaignConfig = field(default_factory=CampaignConfig)
    decisions: DecisionConfig = field(default_factory=DecisionConfig)
    intel: IntelConfig = field(default_factory=IntelConfig)


_SECTIONS: dict[str, type] = {
    "profile": ProfileOptions,
    "behaviour": BehaviourConfig,
    "links": LinkConfig,
    "graph": GraphConfig,
    "campaigns": CampaignConfig,
    "decisions": DecisionConfig,
    "intel": IntelConfig,
}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def load_config(path: str | Path | None = None) -> ScanConfig:
    """The defaults from default.toml, overridden by ``path`` when given."""
    data = read_toml(DEFAULT_FILE)
    where = str(DEFAULT_FILE)
    if path is not None:
        data = _merge(data, read_toml(Path(path)))
        where = str(path)
    top = dict(data.pop("scan", {}))
    unknown = sorted(set(data) - set(_SECTIONS))
    if unknown:
        raise ConfigError(f"{where}: unknown section(s) {', '.join(unknown)}")
    grace = top.pop("release_grace_hours", 24)
    memory_limit = str(top.pop("memory_limit", ScanConfig.memory_limit))
    if top:
        raise ConfigError(f"{where}: unknown setting(s) in [scan]: {', '.join(sorted(top))}")
    built = {name: build(cls, data.get(name, {}), f"{where} [{name}]") for name, cls in _SECTIONS.items()}
    links: LinkConfig = built["links"]
    bad = sorted(set(links.weights) - set(KIND_CLASS))
    if bad:
        raise ConfigError(f"{where} [links].weights: unknown link kind(s) {', '.join(bad)}")
    return ScanConfig(release_grace_hours=int(grace), memory_limit=memory_limit, **built)
