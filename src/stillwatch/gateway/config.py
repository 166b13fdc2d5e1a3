"""The gateway's typed, frozen configuration, loaded from TOML and validated at load.

``policy.toml`` beside this module documents every setting and its default; a user's file
(``stillwatch serve --config FILE``) overrides any subset. Unknown keys are errors.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stillwatch._toml import build, read_toml
from stillwatch.errors import ConfigError

DEFAULT_FILE = Path(__file__).with_name("policy.toml")
ACTIONS = ("allow", "flag", "throttle", "verify", "block")
REASONING_MODES = ("pass", "withhold", "summarise")
#: Rule names besides the four verdicts.
EXTRA_RULES = ("inherited", "override_block")
EXCHANGE_HEADER_FIELDS = (
    "payment_fingerprint", "org", "end_user", "account_created", "country", "asn",
    "access_route", "client_ip",
)  # fmt: skip


@dataclass(frozen=True)
class Rule:
    """What to do with one class of account (see policy.toml)."""

    action: str = "allow"
    requests_per_minute: float = 0.0
    output_tokens_per_minute: float = 0.0
    campaign_requests_per_minute: float = 0.0
    campaign_output_tokens_per_minute: float = 0.0
    max_tokens: int = 0
    n: int = 0
    logprobs: bool = True
    reasoning: str = "pass"
    watermark: bool = False  # ask a self-hosted upstream to watermark (docs/gateway.md)
    min: float = 0.0  # only for [[score]] rules


@dataclass(frozen=True)
class AuditConfig:
    segment_bytes: int = 64 << 20
    segment_seconds: float = 3600.0
    fsync_interval_ms: int = 50


@dataclass(frozen=True)
class InheritConfig:
    payment: bool = True
    template_hits: int = 3


@dataclass(frozen=True)
class GatewayConfig:
    max_body_bytes: int = 4 << 20
    fail_open: bool = True
    reload_seconds: float = 2.0
    upstream_timeout: float = 600.0
    score_process: bool = True
    score_batch_ms: float = 100.0
    score_nice: int = 10
    score_max_pending: int = 50_000
    trusted_headers: dict[str, str] = field(default_factory=dict)
    watermark_key_id: str = "stillwatch"
    audit: AuditConfig = field(default_factory=AuditConfig)
    inherit: InheritConfig = field(default_factory=InheritConfig)
    policy: dict[str, Rule] = field(default_factory=dict)
    score: tuple[Rule, ...] = ()


def _rule(values: Any, where: str) -> Rule:
    rule: Rule = build(Rule, values, where)
    if rule.action not in ACTIONS:
        raise ConfigError(f"{where}.action: must be one of {', '.join(ACTIONS)}, got {rule.action!r}")
    if rule.reasoning not in REASONING_MODES:
        raise ConfigError(
            f"{where}.reasoning: must be one of {', '.join(REASONING_MODES)}, got {rule.reasoning!r}"
        )
    return rule


def load_gateway_config(path: str | Path | None = None) -> GatewayConfig:
    """Defaults from policy.toml, overridden section by section by ``path`` when given.

    A ``[[score]]`` list in the user's file replaces the default list whole.

    Examples
    --------
    >>> cfg = load_gateway_config()
    >>> cfg.policy["campaign"].action, cfg.fail_open, [r.min for r in cfg.score]
    ('block', True, [0.6, 0.85])
    """
    data = read_toml(DEFAULT_FILE)
    where = str(DEFAULT_FILE)
    if path is not None:
        user = read_toml(Path(path))
        where = str(path)
        unknown = sorted(set(user) - {"gateway", "audit", "inherit", "policy", "score"})
        if unknown:
            raise ConfigError(f"{where}: unknown section(s) {', '.join(unknown)}")
        for key in ("gateway", "audit", "inherit"):
            data[key] = {**data.get(key, {}), **user.get(key, {})}
        for name, rule in user.get("policy", {}).items():
            data["policy"][name] = rule  # a rule given replaces the default rule whole
        if "score" in user:
            data["score"] = user["score"]
    top = dict(data.get("gateway", {}))
    headers = top.get("trusted_headers", {})
    if not isinstance(headers, dict) or any(
        not isinstance(v, str) or v not in EXCHANGE_HEADER_FIELDS for v in headers.values()
    ):
        raise ConfigError(
            f"{where} [gateway].trusted_headers: values must be exchange fields among "
            f"{', '.join(EXCHANGE_HEADER_FIELDS)}"
        )
    top["trusted_headers"] = {str(k).lower(): v for k, v in headers.items()}
    base: GatewayConfig = build(
        GatewayConfig,
        {k: v for k, v in top.items() if k not in ("audit", "inherit", "policy", "score")},
        f"{where} [gateway]",
    )
    policy = {}
    for name, values in data.get("policy", {}).items():
        if name not in ("campaign", "suspicious", "clear", "authorized") + EXTRA_RULES:
            raise ConfigError(f"{where} [policy.{name}]: unknown verdict or rule name")
        policy[name] = _rule(values, f"{where} [policy.{name}]")
    scores = data.get("score", [])
    if not isinstance(scores, list):
        raise ConfigError(f"{where} score: expected an array of tables ([[score]])")
    score = tuple(
        sorted((_rule(v, f"{where} [[score]] #{i + 1}") for i, v in enumerate(scores)),
               key=lambda r: r.min)
    )
    return dataclasses.replace(
        base,
        audit=build(AuditConfig, data.get("audit", {}), f"{where} [audit]"),
        inherit=build(InheritConfig, data.get("inherit", {}), f"{where} [inherit]"),
        policy=policy,
        score=score,
    )
