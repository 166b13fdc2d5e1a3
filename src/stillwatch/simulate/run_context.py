"""Per-group state during a run: prompt pools, wrappers, models and parameter choices.

``GroupRun`` answers the per-session questions (which prompt, which words around it, which
model, which parameters) from the group's spec and its accounts' sticky choices, so that
``sessions`` only assembles records.
"""

from __future__ import annotations

import bisect
import itertools
from typing import Any

import numpy as np
import orjson

from stillwatch.errors import ConfigError
from stillwatch.simulate import paraphrase, personas
from stillwatch.simulate._draws import Draws
from stillwatch.simulate.actors import Actors
from stillwatch.simulate.identity import Addresses
from stillwatch.simulate.prompts import TOOLSETS, Item, PromptBank
from stillwatch.simulate.records import fields
from stillwatch.simulate.replies import Replies
from stillwatch.simulate.scenario import Group, Scenario
from stillwatch.simulate.wrappers import Wrappers, render


class GroupRun:
    def __init__(self, actors: Actors, scenario: Scenario, bank: PromptBank, wrappers: Wrappers,
                 replies: Replies, addresses: Addresses, end: float, rng: np.random.Generator) -> None:
        g = actors.group
        self.group: Group = g
        self.actors = actors
        self.wrappers = wrappers
        self.replies = replies
        self.addresses = addresses
        self.end = end  # the window's end: nothing is logged after it
        self.messages_text = False  # encode messages as a JSON string (for Parquet output)
        # Spec values read per exchange, as plain attributes.
        self.rotate = g.network["rotate"] == "request"
        self.home = g.network["mode"] == "home"
        self.p429 = float(g.errors["p429"])
        self.p5xx = self.p429 + float(g.errors["p5xx"])  # cumulative: below it, a request fails
        self.retry = float(g.errors["retry"])
        self.backoff = float(g.errors["backoff_s"])
        self.gap_median = float(g.gap["median_s"])
        self.gap_sigma = float(g.gap["sigma"])
        self.out_scale = float(g.output_scale)
        self.addr_lo = actors.addr_lo.tolist()
        self.addr_n = actors.addr_n.tolist()
        self.ua_switch = actors.ua_switch.tolist()
        self.org_of = actors.org_of.tolist()
        self._who = [fields({"account": i, "org": o}) + b"," for i, o in zip(actors.ids, actors.org, strict=True)]
        self._tail = [self._tail_of(actors, a, actors.ua[a]) for a in range(actors.n)]
        self._tail2 = [self._tail_of(actors, a, actors.ua_next[a]) for a in range(actors.n)]
        self.models = {m.name: m for m in scenario.models}
        self.model_bytes = {m: b',"model":' + orjson.dumps(m) for m in self.models}
        names = list(g.models or [m.name for m in scenario.models if m.released <= scenario.start])
        if not names:
            raise ConfigError(f"group {g.id}: no model is released at the start of the window")
        self.model_names = names
        w = np.array([g.models[m] for m in names]) if g.models else np.ones(len(names))
        self.model_cum = np.cumsum(w / w.sum()).tolist()
        self.fallback = min(names, key=lambda m: self.models[m].released)
        # Each account adopts a newer model after its own delay from the release.
        self.adopt = [(s["model"], float(s["share"]), float(s["ramp_hours"]) * 3600.0,
                       self.models[s["model"]].released
                       + 3600.0 * rng.uniform(*s["delay_hours"], size=actors.n)) for s in g.adopt]
        self.pools: list[list[Item]] = []
        for task in g.tasks:
            pool = bank.pool(task.source)
            if g.prompt_pool > 0 and len(pool) > g.prompt_pool:
                pick = np.sort(rng.choice(len(pool), size=g.prompt_pool, replace=False))
                pool = [pool[i] for i in pick.tolist()]
            self.pools.append(pool)
            if task.wrapper and not wrappers.has(task.wrapper):
                raise ConfigError(f"group {g.id}: unknown wrapper family {task.wrapper!r}")
        self.task_cum = np.cumsum([t.weight for t in g.tasks]).tolist()
        self.langs = list(g.languages)
        self.lang_cum = list(itertools.accumulate(g.languages.values()))
        self.template_salt = int(rng.integers(1 << 30))
        self.cursor = actors.cursor.tolist()
        self.bank_systems = [personas.system_prompt(rng) for _ in range(32)] if g.system["mode"] == "bank" else []
        self.param_cum = {k: np.cumsum(c.weights).tolist() for k, c in g.params.items()}
        self.param_idx = {k: v.tolist() for k, v in actors.param_idx.items()}
        # Sub-spec values read per session, as plain attributes: Group finds them via __getattr__.
        self.sweep = g.order == "sweep"
        self.paraphrase = g.paraphrase
        self.templates = g.templates
        self.template_by_org = g.template_scope == "org"
        self.system_mode = g.system["mode"]
        self.system_p = g.system["p"]
        self.model_sticky = g.model_sticky
        self.params_sticky = g.params_sticky
        self.param_specs = [(k, c, self.param_cum[k], self.param_idx[k], len(c.values) - 1)
                            for k, c in g.params.items()]

    def task_indices(self, n: int, rng: np.random.Generator) -> np.ndarray:
        u = rng.random(n) * self.task_cum[-1]
        return np.minimum(np.searchsorted(self.task_cum, u, side="right"), len(self.task_cum) - 1)

    def language(self, d: Draws) -> str:
        if len(self.langs) == 1:
            return self.langs[0]
        return self.langs[min(bisect.bisect(self.lang_cum, d.u()), len(self.langs) - 1)]

    @staticmethod
    def _tail_of(actors: Actors, a: int, ua: str) -> bytes:
        return fields({"user_agent": ua, "payment_fingerprint": actors.payment[a],
                       "account_created": actors.created[a], "access_route": actors.route[a]}) + b","

    def who(self, a: int, t: float, d: Draws) -> bytes:
        """The account's identity fields (and an end user, for platforms), ending in a comma."""
        out = self._who[a]
        if self.actors.end_users:
            users = self.actors.end_users[a]
            out += b'"end_user":' + orjson.dumps(users[int(len(users) * d.u() ** 2)]) + b","
        return out + (self._tail[a] if t < self.ua_switch[a] else self._tail2[a])

    def address(self, a: int, d: Draws) -> bytes:
        """The source address fields of one request."""
        n = self.addr_n[a]
        # Home users mostly keep one address; pools hand out any of theirs.
        k = int(n * d.u() ** 3) if self.home else int(n * d.u())
        return self.addresses.fragment(self.addr_lo[a] + k)

    def tools(self, mode: str, item: Item, a: int) -> tuple[str, ...]:
        if mode == "none":
            return ()
        if mode == "corpus":
            return item.tools
        if mode == "org":
            return self.actors.org_tools[self.org_of[a]]
        return TOOLSETS.get(mode, ())

    def item(self, task_i: int, a: int, seq: int, d: Draws) -> Item:
        pool = self.pools[task_i]
        if self.sweep:
            return pool[(self.cursor[a] + seq) % len(pool)]
        return pool[d.below(len(pool))]

    def prompt(self, task_i: int, item: Item, lang: str, a: int, d: Draws) -> tuple[str, str]:
        """The user text (the item, wrapped and reworded as the group does) and its language.

        ``lang`` is the group's pick for this session; it applies where the wrapper family has
        that language. The answer comes back in the language the text ends up in.
        """
        task = self.group.tasks[task_i]
        level = self.paraphrase if d.u() < self.paraphrase else 0.0
        if not task.wrapper:
            return (paraphrase.reword(item.text, item.lang, d, level) if level else item.text), item.lang
        family = task.wrapper
        wlang = lang
        if level and d.u() < 0.3:  # language switching: the same instruction in another language
            wlang = d.pick(self.wrappers.languages(family))
        if wlang not in self.wrappers.families[family]:
            wlang = "en"
        variants = self.wrappers.variants(family, wlang)
        template = variants[self._variant(len(variants), a, d)]
        if level and d.u() < 0.5:
            template = paraphrase.reorder(template, d)
        answer = ""
        if "{answer}" in template:
            answer = self.replies.text.take("prose", wlang, 40 + d.below(200), d)[0]
        text = render(template, item.text, answer=answer, rubric=d.pick(self.wrappers.rubrics), k=3 + d.below(8))
        return (paraphrase.reword(text, wlang, d, level) if level else text), wlang

    def _variant(self, n: int, a: int, d: Draws) -> int:
        keep = self.templates
        if keep <= 0 or keep >= n:
            return d.below(n)
        owner = int(self.actors.org_of[a]) if self.template_by_org else 0
        # A fixed, owner-specific subset of the variants: hash-like, stable for the run.
        return (owner * 7919 + self.template_salt + d.below(keep) * 104_729) % n

    def system(self, item: Item, a: int, d: Draws) -> str | None:
        mode = self.system_mode
        if mode == "none" or d.u() >= self.system_p:
            return None
        if mode == "corpus":
            return item.system
        if mode == "org":
            return self.actors.systems[int(self.actors.org_of[a])]
        if mode == "account":
            return self.actors.systems[a]
        if mode == "bank":
            return d.pick(self.bank_systems)
        raise ConfigError(f"group {self.group.id}: system.mode must be none, corpus, org, account or bank")

    def model(self, a: int, t: float, d: Draws) -> str:
        if d.u() < self.model_sticky:
            m = self.model_names[int(self.actors.model_pref[a])]
        else:
            m = self.model_names[min(bisect.bisect(self.model_cum, d.u()), len(self.model_names) - 1)]
        for name, share, ramp, when in self.adopt:
            start = when[a]
            if t >= start and d.u() < share * min(1.0, (t - start) / ramp if ramp > 0 else 1.0):
                m = name
        return m if self.models[m].released <= t else self.fallback

    def fanout_models(self, t: float, d: Draws) -> list[str]:
        live = [m for m in self.models if self.models[m].released <= t]
        k = min(len(live), max(1, int(self.group.fanout)))
        start = d.below(len(live))
        return [live[(start + i) % len(live)] for i in range(k)]

    def reasoning(self, model: str) -> bool:
        return self.models[model].reasoning

    def params(self, a: int, model: str, d: Draws) -> dict[str, Any]:
        out: dict[str, Any] = {}
        sticky = self.params_sticky
        u = d.u
        for name, choice, cum, idx_of, top in self.param_specs:
            idx = idx_of[a]
            if u() >= sticky:
                idx = min(bisect.bisect(cum, u()), top)
                if u() < choice.missing:
                    idx = -1
            if idx < 0:
                continue
            value = choice.values[idx]
            if name == "max_tokens":
                value = self._max_tokens(value, model, d)
            elif name == "reasoning_effort" and not self.models[model].reasoning:
                continue
            out[name] = value
        if "top_logprobs" in out and not out.get("logprobs"):
            del out["top_logprobs"]  # APIs accept it only with logprobs on
        return out

    def _max_tokens(self, value: Any, model: str, d: Draws) -> int:
        top = self.models[model].max_output
        if value == "max":
            return top
        if value == "near_max":
            return int(round(top * (0.85 + 0.15 * d.u()), -2))
        return min(int(value), top)
