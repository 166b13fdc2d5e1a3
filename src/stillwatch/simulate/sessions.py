"""Sessions: the exchanges one account sends for one task, as exchange v1 records.

Shapes (``tasks.shape``): ``single`` (one request), ``chat`` (a conversation whose history
grows turn by turn), ``agent`` (a loop of tool calls and tool results ending in an answer)
and ``fanout`` (one prompt sent to several models, as an evaluation harness does). Failed
requests (429, 5xx) are logged with their status and retried after a backoff.
"""

from __future__ import annotations

import math
from typing import Any

from stillwatch.simulate._draws import Draws
from stillwatch.simulate.identity import Addresses
from stillwatch.simulate.prompts import TOOLSETS, Item
from stillwatch.simulate.replies import Replies, Reply, input_tokens
from stillwatch.simulate.run_context import GroupRun

Record = dict[str, Any]
_FOLLOW_UPS: dict[str, tuple[str, ...]] = {
    "en": ("Thanks. Can you make it shorter?", "Can you give an example?", "Why is that?", "What about edge cases?",
           "Ok, now do the same in a table.", "That's not quite right, can you check again?", "Go on.",
           "Can you explain the second part in more detail?", "Great, what should I do next?"),
    "zh": ("继续。", "能举个例子吗？", "为什么？", "请再详细解释一下。"),
    "ru": ("Продолжай.", "Можешь привести пример?", "Почему?"),
    "es": ("Continúa.", "¿Puedes dar un ejemplo?", "¿Por qué?"),
    "de": ("Weiter.", "Kannst du ein Beispiel geben?", "Warum?"),
}


def mean_length(run: GroupRun) -> float:
    """Expected exchanges per session of the group, retries included."""
    g = run.group
    total = 0.0
    for task in g.tasks:
        if task.shape == "single":
            n = 1.0
        elif task.shape == "fanout":
            n = float(g.fanout)
        elif task.shape == "agent":
            n = max(2.0, task.turns)
        else:
            n = max(1.0, task.turns)
        total += task.weight * n
    total /= sum(t.weight for t in g.tasks)
    err = g.errors["p429"] + g.errors["p5xx"]
    return total * (1.0 + err * g.errors["retry"])


def session(run: GroupRun, replies: Replies, addresses: Addresses, a: int, task_i: int, t: float, d: Draws,
            out_t: list[float], out_r: list[Record]) -> None:
    """Append the session's exchanges (times and records) to ``out_t`` / ``out_r``."""
    g, acts = run.group, run.actors
    task = g.tasks[task_i]
    lang = run.language(d)
    item = run.item(task_i, a, d)
    text = run.prompt(task_i, item, lang, a, d)
    system = run.system(item, a, d)
    tools = _tools(run, task.tools, item, a)
    base = _identity(run, addresses, a, t, d)
    rotate = g.network["rotate"] == "request"
    msgs: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    chars = len(system) if system else 0
    images = task.images
    msgs.append({"role": "user", "content": _content(text, images)})
    chars += len(text)
    model = run.model(a, t, d)
    params = run.params(a, model, d)

    def emit(when: float, messages: list[dict[str, Any]], m: str, rep: Reply, n_img: int) -> float | None:
        rec = {"id": "", "time": "", **base}
        if rotate:
            rec.update(_address(run, addresses, a, d))
        rec["model"] = m
        if params:
            rec["params"] = params
        if tools:
            rec["tools"] = list(tools)
        rec["messages"] = messages
        rec["input_tokens"] = input_tokens(chars, lang, len(tools), n_img)
        rec["response"] = rep.response
        rec["output_tokens"] = rep.output_tokens
        if rep.reasoning is not None:
            rec["reasoning"] = rep.reasoning
            rec["reasoning_tokens"] = rep.reasoning_tokens
        rec["finish_reason"] = rep.finish_reason
        return _with_retries(run, when, rec, d, out_t, out_r)

    reasoning = run.reasoning(model)
    gap = g.gap
    if task.shape == "fanout":
        rep = replies.answer(task.source, lang, g.output_scale, params, reasoning, d)
        for m in run.fanout_models(t, d):
            emit(t, msgs, m, replies.answer(task.source, lang, g.output_scale, params, run.reasoning(m), d), images)
            t += 0.2 + 2.0 * d.u()
        return
    if task.shape == "single":
        rep = replies.answer(task.source, lang, g.output_scale, params, reasoning, d)
        emit(t, msgs, model, rep, images)
        return
    agent = task.shape == "agent" and bool(tools)
    steps = _length(task.turns, 2 if agent else 1, d)
    for k in range(steps):
        last = k == steps - 1
        if agent and not last:
            rep = replies.tool_call(tools, text, reasoning, params, d)
        else:
            rep = replies.answer(task.source, lang, g.output_scale, params, reasoning, d)
        done = emit(t, list(msgs), model, rep, images)
        if done is None or last:
            return
        t = done + d.lognormal(gap["median_s"], gap["sigma"])
        msgs.append({"role": "assistant", "content": rep.response})
        chars += len(rep.response)
        if agent:
            result = replies.tool_result(rep.tool or "", d)
            msgs.append({"role": "tool", "content": result})
            if isinstance(result, str):
                chars += len(result)
            else:
                images += 1
        else:
            follow = item.turns[k] if k < len(item.turns) else d.pick(_FOLLOW_UPS.get(lang, _FOLLOW_UPS["en"]))
            msgs.append({"role": "user", "content": follow})
            chars += len(follow)


def _with_retries(run: GroupRun, t: float, rec: Record, d: Draws, out_t: list[float],
                  out_r: list[Record]) -> float | None:
    """Log failed attempts before the one that succeeds; None when the client gives up."""
    err = run.group.errors
    p429, p5xx = err["p429"], err["p429"] + err["p5xx"]
    for attempt in range(4):
        u = d.u()
        if u >= p5xx or attempt == 3:
            rec["status"] = 200
            out_t.append(t)
            out_r.append(rec)
            return t
        failed = {k: v for k, v in rec.items() if k not in ("reasoning", "reasoning_tokens")}
        failed.update(response=None, output_tokens=0, finish_reason=None,
                      status=429 if u < p429 else d.pick((500, 502, 503, 529)))
        out_t.append(t)
        out_r.append(failed)
        if d.u() >= err["retry"]:
            return None
        t += err["backoff_s"] * (2**attempt) * (0.5 + d.u())
    return None


def _identity(run: GroupRun, addresses: Addresses, a: int, t: float, d: Draws) -> Record:
    acts = run.actors
    rec: Record = {"account": acts.ids[a], "org": acts.org[a]}
    if acts.end_users:
        users = acts.end_users[a]
        rec["end_user"] = users[int(len(users) * d.u() ** 2)]  # a few end users are most active
    rec.update(_address(run, addresses, a, d))
    rec["user_agent"] = acts.ua[a] if t < acts.ua_switch[a] else acts.ua_next[a]
    rec["payment_fingerprint"] = acts.payment[a]
    rec["account_created"] = acts.created[a]
    rec["access_route"] = acts.route[a]
    return rec


def _address(run: GroupRun, addresses: Addresses, a: int, d: Draws) -> Record:
    acts = run.actors
    n = int(acts.addr_n[a])
    # Home users mostly keep one address; pools hand out any of theirs.
    k = int(n * d.u() ** 3) if run.group.network["mode"] == "home" else int(n * d.u())
    i = int(acts.addr_lo[a]) + k
    return {"client_ip": addresses.ip[i], "asn": addresses.asn[i], "country": addresses.country[i]}


def _tools(run: GroupRun, mode: str, item: Item, a: int) -> tuple[str, ...]:
    if mode == "none":
        return ()
    if mode == "corpus":
        return item.tools
    if mode == "org":
        return run.actors.org_tools[int(run.actors.org_of[a])]
    return TOOLSETS.get(mode, ())


def _content(text: str, images: int) -> str | list[dict[str, str]]:
    if images <= 0:
        return text
    return [{"type": "image"} for _ in range(images)] + [{"type": "text", "text": text}]


def _length(mean: float, least: int, d: Draws) -> int:
    """``least`` plus a geometric number of extra steps, so the mean is ``max(mean, least)``."""
    extra = mean - least
    if extra <= 0:
        return least
    q = extra / (extra + 1.0)
    return least + min(40, int(math.log(d.u() or 1e-12) / math.log(q)))
