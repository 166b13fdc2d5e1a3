"""Online scoring: the batch path's signals and behaviour rules, one exchange at a time.

Each exchange is normalised by ``ingest.normalize`` (as ``stillwatch ingest`` would store
it), annotated by every registered signal's ``score_one``, and folded into its account's
``ProfileAccumulator``; the account's score is the batch ``BehaviourScorer.assess`` of that
profile. By default the gateway runs this right after the response has been sent, so the
request path pays nothing for it; the next request of the account sees the new score.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from stillwatch.accounts.evidence import BehaviourScorer
from stillwatch.accounts.stream import OnlineBehaviour
from stillwatch.ingest.normalize import normalize_record
from stillwatch.signals import Signal, registered

log = logging.getLogger("stillwatch.gateway.scoring")
_PROBE = {"id": "probe", "time": 0, "account": "probe", "model": "probe",
          "messages": [{"role": "user", "content": "Explain your reasoning step by step."}]}


def _usable(signals: list[Signal]) -> list[Signal]:
    """The signals that can score a probe exchange; others (say, a model file not trained
    yet) are left out with one error in the log instead of failing every request."""
    row = normalize_record(_PROBE, "probe")
    ok = []
    for sig in signals:
        try:
            sig.score_one(row)
        except Exception as exc:
            log.error("signal %s disabled in the gateway: %s: %s", sig.name, type(exc).__name__, exc)
        else:
            ok.append(sig)
    return ok


class OnlineScorer:
    """Per-account online scores.

    Parameters
    ----------
    signals:
        Signal instances to run; default one of every registered signal.
    scorer:
        The batch ``BehaviourScorer`` (its config and population shares); default a fresh one.
    """

    def __init__(self, signals: list[Signal] | None = None, scorer: BehaviourScorer | None = None) -> None:
        self.signals = _usable(signals if signals is not None else [cls() for cls in registered()])
        self.behaviour = OnlineBehaviour(scorer)
        self.scores: dict[str, float] = {}
        self.reasons: dict[str, list[dict[str, Any]]] = {}
        self.max_tokens_seen: dict[str, int] = {}
        self.observed = 0

    def row(self, record: Mapping[str, Any], where: str) -> dict[str, Any]:
        """The stored row of one exchange v1 record, signal columns included."""
        row = normalize_record(record, where)
        for sig in self.signals:
            row.update(sig.score_one(row))
        return row

    def observe(self, record: Mapping[str, Any], where: str) -> dict[str, Any]:
        """Learn one exchange and rescore its account; returns the annotated row."""
        row = self.row(record, where)
        mt = row.get("max_tokens")
        if mt is not None and mt > self.max_tokens_seen.get(row["model"], 0):
            self.max_tokens_seen[row["model"]] = int(mt)
        self.behaviour.learn_one(row)
        assessment = self.behaviour.assess(row["account"], self.max_tokens_seen)
        self.scores[row["account"]] = float(assessment.score)
        self.reasons[row["account"]] = [r.to_json() for r in assessment.reasons]
        self.observed += 1
        return row

    def score_of(self, account: str) -> float:
        return self.scores.get(account, 0.0)
