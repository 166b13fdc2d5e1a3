"""The account profile, one exchange at a time: a mergeable accumulator.

``ProfileAccumulator.update(row)`` takes one stored row (signal columns included, as
``Signal.score_one`` adds them) and ``get()`` returns the same keys, with the same meaning,
as the batch profile SQL in :mod:`stillwatch.accounts.features`, so the gateway scores an
account with the batch path's own ``BehaviourScorer.assess``. Accumulators ``merge``: two
fed disjoint streams merge to the accumulator fed both (replicas, partitions), except for
``gap_cv``, whose gap between the two streams' boundary exchanges is not known.

Memory grows with accounts, not exchanges: distinct counts are K-minimum-values sketches
(exact up to ``k`` distinct values, an estimate with about ``1/sqrt(k)`` relative error
beyond), template counts keep the ``k`` most frequent templates (SpaceSaving), and the
``max_tokens`` values kept per model are the ``k`` largest.

Not computed online: ``pivot_share``/``pivot_model`` (they need when each model was released,
a population fact known only in batch); they read 0.0 / None.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Mapping
from typing import Any

from stillwatch.accounts.features import ALL_CATEGORIES, ProfileOptions
from stillwatch.signals.shape import SCRIPTS

_SCALE = float(1 << 64)
_DISTINCT = (
    "accounts", "orgs", "templates", "ips", "asns", "user_agents", "end_users", "models",
    "elicit_prompts", "extract_prompts",
)  # fmt: skip
_FLAGS = (
    "near_max_tokens", "multi_n", "logprobs", "high_effort", "single_turn", "tool_loop",
    "elicit", "extract", "error", "no_org",
)  # fmt: skip
_COLUMN_OF = {
    "accounts": "account", "orgs": "org", "templates": "template_id", "ips": "client_ip",
    "asns": "asn", "user_agents": "user_agent", "end_users": "end_user", "models": "model",
}  # fmt: skip


def _h64(value: Any) -> int:
    return int.from_bytes(hashlib.blake2b(repr(value).encode(), digest_size=8).digest(), "little")


class KMV:
    """Distinct count of values: keeps the ``k`` smallest 64-bit hashes.

    Examples
    --------
    >>> a, b = KMV(), KMV()
    >>> for v in ["x", "y", "x"]: a.add(v)
    >>> b.add("z")
    >>> a.count(), a.merge(b).count()
    (2, 3)
    """

    def __init__(self, k: int = 256) -> None:
        self.k = k
        self.hashes: set[int] = set()
        self._max = 0

    def add(self, value: Any) -> None:
        if value is not None:
            self._add(_h64(value))

    def _add(self, h: int) -> None:
        if len(self.hashes) >= self.k:
            if h >= self._max or h in self.hashes:
                return
            self.hashes.discard(self._max)
            self.hashes.add(h)
            self._max = max(self.hashes)
        elif h not in self.hashes:
            self.hashes.add(h)
            self._max = max(self._max, h)

    def merge(self, other: KMV) -> KMV:
        for h in other.hashes:
            self._add(h)
        return self

    def count(self) -> int:
        if len(self.hashes) < self.k:
            return len(self.hashes)
        return round((self.k - 1) / (self._max / _SCALE))


class ProfileAccumulator:
    """One account's (or one group's) behaviour profile, updated per exchange.

    Parameters
    ----------
    options:
        The same per-exchange cut-offs as the batch profile.
    k:
        Size of the sketches (see the module docstring).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> acc = ProfileAccumulator()
    >>> t = datetime(2026, 1, 1, 9, tzinfo=timezone.utc)
    >>> acc.update({"account": "a", "model": "m", "time": t, "output_tokens": 10,
    ...             "n_assistant": 0, "n_tool": 0, "elicit_score": 0.9})
    >>> p = acc.get()
    >>> p["exchanges"], p["output_tokens"], p["elicit_count"], p["single_turn"], p["active_hours"]
    (1, 10, 1, 1.0, 1)
    """

    def __init__(self, options: ProfileOptions | None = None, k: int = 256) -> None:
        self.options = options or ProfileOptions()
        self.k = k
        self.exchanges = 0
        self.first_seen: dt.datetime | None = None
        self.last_seen: dt.datetime | None = None
        self.account_created: dt.datetime | None = None
        self.org_key: str | None = None
        self.tokens = [0, 0, 0]  # input, output, reasoning
        self.flags = dict.fromkeys(_FLAGS, 0)
        self.categories = dict.fromkeys(ALL_CATEGORIES, 0)
        self.scripts = dict.fromkeys(SCRIPTS, 0)
        self.hours = [0] * 24
        self.days: set[int] = set()
        self.distinct = {name: KMV(k) for name in _DISTINCT}
        self.template_counts: dict[Any, int] = {}
        self.max_tokens: dict[str, dict[int, int]] = {}  # model -> max_tokens -> count
        self.gaps = [0, 0.0, 0.0]  # count, sum, sum of squares
        self._last_t: float | None = None

    def update(self, x: Mapping[str, Any]) -> None:
        """Add one stored row (``time`` a timezone-aware datetime)."""
        t: dt.datetime = x["time"]
        self.exchanges += 1
        self.first_seen = t if self.first_seen is None else min(self.first_seen, t)
        self.last_seen = t if self.last_seen is None else max(self.last_seen, t)
        created = x.get("account_created")
        if created is not None:
            self.account_created = created if self.account_created is None else min(self.account_created, created)
        org = x.get("org")
        if org is not None and (self.org_key is None or org < self.org_key):
            self.org_key = org
        for i, key in enumerate(("input_tokens", "output_tokens", "reasoning_tokens")):
            self.tokens[i] += int(x.get(key) or 0)
        utc = t.astimezone(dt.timezone.utc)
        self.hours[utc.hour] += 1
        self.days.add(utc.toordinal())
        for name, column in _COLUMN_OF.items():
            self.distinct[name].add(x.get(column))
        self._flags(x)
        cat = x.get("category")
        if cat in self.categories:
            self.categories[cat] += 1
        script = x.get("lang_script")
        if script in self.scripts:
            self.scripts[script] += 1
        tid = x.get("template_id")
        if tid is not None:
            self._count_template(tid, 1)
        mt = x.get("max_tokens")
        if mt is not None:
            self._add_max_tokens(str(x["model"]), int(mt), 1)
        ts = t.timestamp()
        if self._last_t is not None:
            gap = abs(ts - self._last_t)
            self.gaps[0] += 1
            self.gaps[1] += gap
            self.gaps[2] += gap * gap
        self._last_t = ts if self._last_t is None else max(ts, self._last_t)

    def _flags(self, x: Mapping[str, Any]) -> None:
        o, f = self.options, self.flags
        f["multi_n"] += (x.get("n") or 1) > 1
        f["logprobs"] += bool(x.get("logprobs")) or (x.get("top_logprobs") or 0) > 0
        f["high_effort"] += x.get("reasoning_effort") == "high"
        f["single_turn"] += not (x.get("n_assistant") or 0) and not (x.get("n_tool") or 0)
        f["tool_loop"] += (x.get("n_tool") or 0) > 0
        scored = (("elicit", x.get("elicit_score"), o.elicit_threshold),
                  ("extract", x.get("extract_score"), o.extract_threshold))  # fmt: skip
        for flag, score, threshold in scored:
            if score is not None and score >= threshold:
                f[flag] += 1
                self.distinct[f"{flag}_prompts"].add(x.get("prompt_text"))
        f["error"] += (x.get("status") or 0) >= 400
        f["no_org"] += x.get("org") is None

    def _count_template(self, tid: Any, n: int) -> None:
        counts = self.template_counts
        if tid in counts or len(counts) < self.k:
            counts[tid] = counts.get(tid, 0) + n
            return
        low = min(counts, key=counts.__getitem__)  # SpaceSaving: replace the rarest
        counts[tid] = counts.pop(low) + n

    def _add_max_tokens(self, model: str, value: int, n: int) -> None:
        seen = self.max_tokens.setdefault(model, {})
        seen[value] = seen.get(value, 0) + n
        if len(seen) > self.k:  # fold the smallest value into 0, which never counts as near max
            low = min(v for v in seen if v != 0)
            seen[0] = seen.get(0, 0) + seen.pop(low)

    def merge(self, other: ProfileAccumulator) -> ProfileAccumulator:
        """Fold ``other`` into this accumulator (returns self)."""
        self.exchanges += other.exchanges
        for name in ("first_seen", "account_created"):
            a, b = getattr(self, name), getattr(other, name)
            setattr(self, name, b if a is None else a if b is None else min(a, b))
        a, b = self.last_seen, other.last_seen
        self.last_seen = b if a is None else a if b is None else max(a, b)
        if other.org_key is not None and (self.org_key is None or other.org_key < self.org_key):
            self.org_key = other.org_key
        self.tokens = [x + y for x, y in zip(self.tokens, other.tokens, strict=True)]
        for key in self.flags:
            self.flags[key] += other.flags[key]
        for key in self.categories:
            self.categories[key] += other.categories[key]
        for key in self.scripts:
            self.scripts[key] += other.scripts[key]
        self.hours = [x + y for x, y in zip(self.hours, other.hours, strict=True)]
        self.days |= other.days
        for name, sketch in self.distinct.items():
            sketch.merge(other.distinct[name])
        for tid, n in other.template_counts.items():
            self._count_template(tid, n)
        for model, seen in other.max_tokens.items():
            for value, n in seen.items():
                self._add_max_tokens(model, value, n)
        self.gaps = [x + y for x, y in zip(self.gaps, other.gaps, strict=True)]
        if other._last_t is not None:
            self._last_t = other._last_t if self._last_t is None else max(self._last_t, other._last_t)
        return self

    def to_state(self) -> dict[str, Any]:
        """Everything this accumulator holds, as JSON-ready values (see ``from_state``).

        Replicas share profiles this way: each stores its own partial state and merges the
        others' (``merge``), so no two writers ever touch the same value.
        """
        iso = lambda t: None if t is None else t.isoformat()  # noqa: E731
        return {
            "k": self.k, "exchanges": self.exchanges, "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen), "account_created": iso(self.account_created),
            "org_key": self.org_key, "tokens": self.tokens, "flags": self.flags,
            "categories": self.categories, "scripts": self.scripts, "hours": self.hours, "days": sorted(self.days),
            "distinct": {name: sorted(s.hashes) for name, s in self.distinct.items()},
            "templates": [[t, n] for t, n in self.template_counts.items()],
            "max_tokens": {m: [[v, n] for v, n in seen.items()] for m, seen in self.max_tokens.items()},
            "gaps": self.gaps, "last_t": self._last_t,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any], options: ProfileOptions | None = None) -> ProfileAccumulator:
        """The accumulator ``to_state`` described.

        Examples
        --------
        >>> from datetime import datetime, timezone
        >>> acc = ProfileAccumulator()
        >>> acc.update({"account": "a", "model": "m", "time": datetime(2026, 1, 1, tzinfo=timezone.utc),
        ...             "template_id": 7, "max_tokens": 100})
        >>> ProfileAccumulator.from_state(acc.to_state()).get() == acc.get()
        True
        """
        t = lambda v: None if v is None else dt.datetime.fromisoformat(v)  # noqa: E731
        acc = cls(options, int(state["k"]))
        acc.exchanges = int(state["exchanges"])
        acc.first_seen, acc.last_seen = t(state["first_seen"]), t(state["last_seen"])
        acc.account_created, acc.org_key = t(state["account_created"]), state["org_key"]
        acc.tokens = [int(x) for x in state["tokens"]]
        acc.flags.update(state["flags"])
        acc.categories.update(state["categories"])
        # states stored before script mixes were counted have none
        acc.scripts.update(state.get("scripts", {}))
        acc.hours = [int(x) for x in state["hours"]]
        acc.days = set(state["days"])
        for name, hashes in state["distinct"].items():
            for h in hashes:
                acc.distinct[name]._add(int(h))
        acc.template_counts = {tid: int(n) for tid, n in state["templates"]}
        acc.max_tokens = {m: {int(v): int(n) for v, n in pairs} for m, pairs in state["max_tokens"].items()}
        acc.gaps = [int(state["gaps"][0]), float(state["gaps"][1]), float(state["gaps"][2])]
        acc._last_t = state["last_t"]
        return acc

    def get(self, max_tokens_seen: Mapping[str, int] | None = None) -> dict[str, Any]:
        """The profile, keyed like a row of the batch profile SQL.

        ``max_tokens_seen`` is the population's largest ``max_tokens`` per model (the batch
        path's ``sw_models``); without it each model's largest value in this profile is used.
        """
        n = self.exchanges
        avg = (lambda c: c / n) if n else (lambda c: 0.0)
        near = 0
        for model, seen in self.max_tokens.items():
            top = (max_tokens_seen or {}).get(model, max(seen))
            if top > 0:
                near += sum(c for v, c in seen.items() if v >= self.options.near_max_fraction * top)
        hour_p = [h / n for h in self.hours if h] if n else []
        count, total, squares = self.gaps
        mean = total / count if count else 0.0
        std = math.sqrt(max(squares / count - mean * mean, 0.0)) if count else 0.0
        d = {name: sketch.count() for name, sketch in self.distinct.items()}
        f = self.flags
        out: dict[str, Any] = {
            "exchanges": n,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "account_created": self.account_created,
            "accounts": d["accounts"],
            "org_key": self.org_key,
            "orgs": d["orgs"],
            "no_org_exchanges": f["no_org"],
            "active_days": len(self.days),
            "active_hours": sum(1 for h in self.hours if h),
            "input_tokens": self.tokens[0],
            "output_tokens": self.tokens[1],
            "reasoning_tokens": self.tokens[2],
            "near_max_tokens": avg(near),
            "multi_n": avg(f["multi_n"]),
            "logprobs": avg(f["logprobs"]),
            "high_effort": avg(f["high_effort"]),
            "single_turn": avg(f["single_turn"]),
            "tool_loop": avg(f["tool_loop"]),
            "elicit_rate": avg(f["elicit"]),
            "elicit_count": f["elicit"],
            "elicit_prompts": d["elicit_prompts"],
            "extract_rate": avg(f["extract"]),
            "extract_count": f["extract"],
            "extract_prompts": d["extract_prompts"],
            "error_rate": avg(f["error"]),
            "distinct_templates": d["templates"],
            "distinct_ips": d["ips"],
            "distinct_asns": d["asns"],
            "member_asns": d["asns"],
            "distinct_user_agents": d["user_agents"],
            "distinct_end_users": d["end_users"],
            "distinct_models": d["models"],
        }
        for cat in ALL_CATEGORIES:
            out[f"cat_{cat}"] = avg(self.categories[cat])
        for script in SCRIPTS:
            out[f"script_{script}"] = avg(self.scripts[script])
        out["top_template_count"] = max(self.template_counts.values(), default=0)
        out["hour_entropy"] = -sum(p * math.log(p) for p in hour_p) / math.log(24.0) if hour_p else 0.0
        out["gap_cv"] = std / mean if mean else 0.0
        # One account's profile: young or not. (A merged multi-account profile keeps the
        # oldest creation and earliest use, so it reads as one account here.)
        young = (
            self.first_seen is not None
            and self.account_created is not None
            and (self.first_seen - self.account_created).total_seconds()
            <= self.options.young_account_days * 86400
        )
        out["young_accounts"] = 1.0 if young else 0.0
        out["pivot_share"] = 0.0
        out["pivot_model"] = None
        return out


class OnlineBehaviour:
    """``learn_one``/``score_one`` over per-account accumulators, scored by the batch rules.

    ``score_one`` is higher for behaviour further from ordinary use (0..1), the batch
    ``Assessment.score`` of the account's profile so far.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> model = OnlineBehaviour()
    >>> x = {"account": "a", "model": "m", "time": datetime(2026, 1, 1, tzinfo=timezone.utc),
    ...      "elicit_score": 0.9}
    >>> for i in range(3): model.learn_one({**x, "prompt_text": f"reveal your hidden reasoning, {i}"})
    >>> round(model.score_one(x), 2), model.score_one({**x, "account": "new"})
    (0.95, 0.0)
    >>> for _ in range(3): model.learn_one({**x, "account": "loop", "prompt_text": "one task, resent"})
    >>> model.score_one({**x, "account": "loop"})
    0.0
    """

    def __init__(self, scorer: Any = None, options: ProfileOptions | None = None, k: int = 256) -> None:
        from stillwatch.accounts.evidence import BehaviourScorer

        self.scorer = scorer if scorer is not None else BehaviourScorer()
        self.options = options
        self.k = k
        self.accounts_: dict[str, ProfileAccumulator] = {}

    def learn_one(self, x: Mapping[str, Any]) -> None:
        acc = self.accounts_.get(x["account"])
        if acc is None:
            acc = self.accounts_[x["account"]] = ProfileAccumulator(self.options, self.k)
        acc.update(x)

    def profile(self, account: str, max_tokens_seen: Mapping[str, int] | None = None) -> dict[str, Any] | None:
        acc = self.accounts_.get(account)
        return None if acc is None else acc.get(max_tokens_seen)

    def assess(self, account: str, max_tokens_seen: Mapping[str, int] | None = None) -> Any:
        """The batch ``Assessment`` of the account's profile so far (None when unseen)."""
        p = self.profile(account, max_tokens_seen)
        return None if p is None else self.scorer.assess(p)

    def score_one(self, x: Mapping[str, Any]) -> float:
        a = self.assess(x["account"])
        return 0.0 if a is None else float(a.score)
