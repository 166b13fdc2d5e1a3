"""Online scoring: the batch path's signals and behaviour rules, over micro-batches.

The gateway never scores on the request path. Each exchange, once written to the audit
log, is queued; every ``score_batch_ms`` the queue is scored in one go by
``OnlineScorer.observe_batch``:

1. each record is normalised by ``ingest.normalize`` (as ``stillwatch ingest`` stores it);
2. the rows become one Arrow batch, and every registered signal's ``score_batch`` (the very
   kernel ``stillwatch ingest`` runs) adds its columns, so per-call Arrow costs are paid once
   per micro-batch, not once per request;
3. each row is folded into its account's ``ProfileAccumulator``;
4. each account touched is scored once with the batch ``BehaviourScorer.assess``.

The result is an ``Update`` (new scores, and the prompt templates each account used, for
inherited risk) that the request path reads as plain dictionaries.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from stillwatch.accounts.evidence import BehaviourScorer
from stillwatch.accounts.stream import OnlineBehaviour
from stillwatch.errors import BadRecord
from stillwatch.ingest.normalize import normalize_record
from stillwatch.signals import Signal, registered
from stillwatch.types import EXCHANGE_SCHEMA

log = logging.getLogger("stillwatch.gateway.scoring")
_PROBE = {"id": "probe", "time": 0, "account": "probe", "model": "probe",
          "messages": [{"role": "user", "content": "Explain your reasoning step by step."}]}


@dataclass
class Update:
    """What one micro-batch changed: ``scores`` account -> (score, reasons, exchanges), and
    ``templates`` (account, template id) -> prompts seen in this batch."""

    scores: dict[str, tuple[float, list[dict[str, Any]], int]] = field(default_factory=dict)
    templates: dict[tuple[str, int], int] = field(default_factory=dict)
    rows: int = 0
    bad: int = 0
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"scores": [[a, s, r, n] for a, (s, r, n) in self.scores.items()],
                "templates": [[a, t, n] for (a, t), n in self.templates.items()],
                "rows": self.rows, "bad": self.bad, "errors": self.errors}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Update:
        return cls(scores={a: (float(s), list(r), int(n)) for a, s, r, n in doc["scores"]},
                   templates={(a, int(t)): int(n) for a, t, n in doc["templates"]},
                   rows=int(doc["rows"]), bad=int(doc["bad"]), errors=list(doc["errors"]))


def _usable(signals: Sequence[Signal]) -> list[Signal]:
    """The signals that can score a probe batch; others (say, a model file not trained yet)
    are left out with one error in the log instead of failing every batch."""
    row = normalize_record(_PROBE, "probe")
    batch = pa.RecordBatch.from_pylist([row], schema=EXCHANGE_SCHEMA)
    ok = []
    for sig in signals:
        try:
            sig.score_batch(batch)
        except Exception as exc:
            log.error("signal %s disabled in the gateway: %s: %s", sig.name, type(exc).__name__, exc)
        else:
            ok.append(sig)
    return ok


class OnlineScorer:
    """Per-account online scores, learnt a micro-batch at a time.

    Parameters
    ----------
    signals:
        Signal instances to run; default one of every registered signal.
    scorer:
        The batch ``BehaviourScorer`` (its config and population shares); default a fresh one.
    profiles:
        Where other replicas' partial profiles come from (``RedisProfiles``); None: this
        process only.

    Examples
    --------
    >>> s = OnlineScorer(signals=[])
    >>> u = s.observe_batch([{**_PROBE, "id": str(i), "account": "a", "status": 200}
    ...                      for i in range(3)])
    >>> u.rows, u.scores["a"][2], s.exchanges_of("a")
    (3, 3, 3)
    """

    def __init__(self, signals: Sequence[Signal] | None = None, scorer: BehaviourScorer | None = None,
                 profiles: Any = None) -> None:
        self.signals = _usable(signals if signals is not None else [cls() for cls in registered()])
        self.behaviour = OnlineBehaviour(scorer)
        self.profiles = profiles
        self.scores: dict[str, float] = {}
        self.reasons: dict[str, list[dict[str, Any]]] = {}
        self.exchanges: dict[str, int] = {}
        self.max_tokens_seen: dict[str, int] = {}
        self.observed = 0
        columns = {c for sig in self.signals for c in sig.inputs}
        self._schema = pa.schema([f for f in EXCHANGE_SCHEMA if f.name in columns])

    def rows(self, records: Sequence[Mapping[str, Any]], update: Update | None = None) -> list[dict[str, Any]]:
        """Stored rows of exchange v1 records, signal columns included; bad records are
        skipped (counted in ``update``)."""
        rows = []
        for rec in records:
            try:
                rows.append(normalize_record(rec, f"gateway:{rec.get('id')}"))
            except BadRecord as exc:
                if update is not None:
                    update.bad += 1
                    update.errors.append(str(exc))
        if not rows or not self.signals:
            return rows
        batch = pa.RecordBatch.from_pylist(
            [{c: r.get(c) for c in self._schema.names} for r in rows], schema=self._schema)
        for sig in self.signals:
            try:
                out = sig.score_batch(batch)
            except Exception as exc:  # one signal failing leaves the others' columns
                msg = f"signal {sig.name} failed: {type(exc).__name__}: {exc}"
                log.error("%s", msg)
                if update is not None:
                    update.errors.append(msg)
                continue
            for name, column in out.items():
                for row, value in zip(rows, column.to_pylist(), strict=True):
                    row[name] = value
        return rows

    def observe_batch(self, records: Sequence[Mapping[str, Any]]) -> Update:
        """Learn a micro-batch of exchanges and rescore every account in it."""
        update = Update()
        rows = self.rows(records, update)
        touched: dict[str, None] = {}
        for row in rows:
            mt = row.get("max_tokens")
            if mt is not None and mt > self.max_tokens_seen.get(row["model"], 0):
                self.max_tokens_seen[row["model"]] = int(mt)
            self.behaviour.learn_one(row)
            touched[row["account"]] = None
            tid = row.get("template_id")
            if tid is not None:
                key = (row["account"], int(tid))
                update.templates[key] = update.templates.get(key, 0) + 1
        merged = self.profiles.share(self.behaviour, list(touched)) if self.profiles else {}
        for account in touched:
            acc = merged.get(account) or self.behaviour.accounts_[account]
            assessment = self.behaviour.scorer.assess(acc.get(self.max_tokens_seen))
            score = float(assessment.score)
            reasons = [r.to_json() for r in assessment.reasons]
            self.scores[account], self.reasons[account] = score, reasons
            self.exchanges[account] = acc.exchanges
            update.scores[account] = (score, reasons, acc.exchanges)
        update.rows = len(rows)
        self.observed += len(rows)
        return update

    def observe(self, record: Mapping[str, Any]) -> Update:
        """One exchange (the micro-batch of one)."""
        return self.observe_batch([record])

    def score_of(self, account: str) -> float:
        return self.scores.get(account, 0.0)

    def exchanges_of(self, account: str) -> int:
        return self.exchanges.get(account, 0)
