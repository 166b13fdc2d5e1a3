"""Prometheus metrics at ``/metrics``, in a registry of the gateway's own (so two gateways in
one process, as in tests, do not collide)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

_P = "stillwatch_gateway_"


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(_P + "requests", "Exchanges handled, by endpoint and status",
                                ["endpoint", "status"], registry=r)
        self.actions = Counter(_P + "actions", "Policy actions taken, by action and rule",
                               ["action", "rule"], registry=r)
        self.caps = Counter(_P + "caps", "Request parameters capped", ["param"], registry=r)
        self.reasoning = Counter(_P + "reasoning", "Responses whose reasoning was withheld or summarised",
                                 ["mode"], registry=r)
        self.bad_requests = Counter(_P + "bad_requests", "Requests refused as malformed", ["kind"], registry=r)
        self.upstream_errors = Counter(_P + "upstream_errors", "Upstream unreachable or failed", registry=r)
        self.scoring_errors = Counter(_P + "scoring_errors", "Scoring or state failures", ["stage"], registry=r)
        self.scored = Counter(_P + "scored", "Exchanges scored online", registry=r)
        self.scoring_dropped = Counter(_P + "scoring_dropped",
                                       "Exchanges not scored online: the scorer was behind or down",
                                       registry=r)
        self.score_batch = Histogram(
            _P + "score_batch_seconds", "Time to score one online micro-batch",
            buckets=(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0), registry=r,
        )
        self.audit_records = Counter(_P + "audit_records", "Exchanges written to the audit log", registry=r)
        self.output_tokens = Counter(_P + "output_tokens", "Output tokens served", registry=r)
        self.verdict_reloads = Counter(_P + "verdict_reloads", "Scan results (re)loaded", registry=r)
        self.verdicts = Gauge(_P + "verdict_accounts", "Accounts with a scan verdict in force", registry=r)
        self.overhead = Histogram(
            _P + "overhead_seconds", "Time the gateway adds before forwarding a request",
            buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05), registry=r,
        )

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
