"""Sessions: the exchanges one account sends for one task, as exchange v1 JSON lines.

Shapes (``tasks.shape``): ``single`` (one request), ``chat`` (a conversation whose history
grows turn by turn), ``agent`` (a loop of tool calls and tool results ending in an answer)
and ``fanout`` (one prompt sent to several models, as an evaluation harness does). Failed
requests (429, 5xx) are logged with their status and retried after a backoff.
"""

from __future__ import annotations

import math
from typing import Any

import orjson

from stillwatch.simulate._draws import Draws
from stillwatch.simulate.records import encoded_message, ident, message
from stillwatch.simulate.replies import Reply, input_tokens
from stillwatch.simulate.run_context import GroupRun

_FOLLOW_UPS: dict[str, tuple[str, ...]] = {
    "en": ("Thanks. Can you make it shorter?", "Can you give an example?", "Why is that?", "What about edge cases?",
           "Ok, now do the same in a table.", "That's not quite right, can you check again?", "Go on.",
           "Can you explain the second part in more detail?", "Great, what should I do next?"),
    "zh": ("继续。", "能举个例子吗？", "为什么？", "请再详细解释一下。"),
    "ru": ("Продолжай.", "Можешь привести пример?", "Почему?"),
    "es": ("Continúa.", "¿Puedes dar un ejemplo?", "¿Por qué?"),
    "de": ("Weiter.", "Kannst du ein Beispiel geben?", "Warum?"),
}
_ERRORS = (500, 502, 503, 529)


class Batch:
    """Exchanges made for one chunk: parallel lists in the order they were made."""

    __slots__ = ("keys", "lines", "out", "rsn", "t")

    def __init__(self) -> None:
        self.t: list[float] = []
        self.lines: list[bytes] = []
        self.keys: list[int] = []  # (account index in the run) << task bits | task
        self.out: list[int] = []  # output tokens
        self.rsn: list[int] = []  # reasoning tokens


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
    return total * (1.0 + (run.p5xx) * run.retry)


def session(run: GroupRun, a: int, task_i: int, t: float, seq: int, d: Draws, out: Batch, key: int) -> None:
    """Append one session's exchanges to ``out``; ``seq`` counts the account's earlier sessions."""
    task = run.group.tasks[task_i]
    replies = run.replies
    item = run.item(task_i, a, seq, d)
    text, lang = run.prompt(task_i, item, run.language(d), a, d)
    system = run.system(item, a, d)
    tools = run.tools(task.tools, item, a)
    model = run.model(a, t, d)
    params = run.params(a, model, d)
    reasoning = run.reasoning(model)

    who = run.who(a, t, d)
    addr = None if run.rotate else run.address(a, d)
    opts = b""
    if params:
        opts += b',"params":' + orjson.dumps(params)
    if tools:
        opts += b',"tools":' + orjson.dumps(tools)
    msgs = message("system", system) if system else b""
    chars = len(system) if system else 0
    images = task.images
    content: Any = text if images <= 0 else [{"type": "image"}] * images + [{"type": "text", "text": text}]
    msgs = (msgs + b"," if msgs else b"") + message("user", content)
    chars += len(text)
    end = run.end
    u = d.u
    n_tools = len(tools)
    p5xx, p429, retry, backoff = run.p5xx, run.p429, run.retry, run.backoff
    as_text = run.messages_text
    t_add, line_add, key_add, out_add, rsn_add = out.t.append, out.lines.append, out.keys.append, \
        out.out.append, out.rsn.append

    def emit(when: float, m: str, rep: Reply, response: bytes, n_img: int) -> float | None:
        """Log the exchange (and any failed attempts before it); None when the client gives up.

        ``response`` is ``rep.response`` encoded, made once for the record and the history.
        """
        where = run.address(a, d) if addr is None else addr
        model_b = run.model_bytes[m]
        if as_text:
            mopen, history, close = b',"messages":' + orjson.dumps((b"[" + msgs + b"]").decode()) + b",", b"", b""
        else:
            mopen, history, close = b',"messages":[', msgs, b"],"
        tokens = input_tokens(chars, lang, n_tools, n_img)
        for attempt in range(4):
            if when >= end:
                return None
            r = u()
            ok = r >= p5xx or attempt == 3
            if ok:
                body = _reply_body(tokens, rep, response)
            else:
                status = 429 if r < p429 else _ERRORS[int(u() * 4)]
                body = _FAILED % (tokens, status)
            t_add(when)
            line_add(b"".join((ident(int(u() * 2**48), int(u() * 2**48), when), who, where, model_b, opts, mopen,
                               history, close, body)))
            key_add(key)
            out_add(rep.output_tokens if ok else 0)
            rsn_add((rep.reasoning_tokens or 0) if ok else 0)
            if ok:
                return when
            if u() >= retry:
                return None
            when += backoff * (2**attempt) * (0.5 + u())
        return None

    if task.shape == "fanout":
        for m in run.fanout_models(t, d):
            rep = replies.answer(task.source, lang, run.out_scale, params, run.reasoning(m), d)
            emit(t, m, rep, orjson.dumps(rep.response), images)
            t += 0.2 + 2.0 * u()
        return
    if task.shape == "single":
        rep = replies.answer(task.source, lang, run.out_scale, params, reasoning, d)
        emit(t, model, rep, orjson.dumps(rep.response), images)
        return
    agent = task.shape == "agent" and bool(tools)
    hint = " ".join(text[:160].split()[:8]) if agent else ""  # what tool arguments quote from the task
    steps = _length(task.turns, 2 if agent else 1, u())
    for k in range(steps):
        last = k == steps - 1
        if agent and not last:
            rep = replies.tool_call(tools, hint, reasoning, params, d)
        else:
            rep = replies.answer(task.source, lang, run.out_scale, params, reasoning, d)
        response = orjson.dumps(rep.response)
        done = emit(t, model, rep, response, images)
        if done is None or last:
            return
        t = done + d.lognormal(run.gap_median, run.gap_sigma)
        msgs += b"," + encoded_message("assistant", response)
        chars += len(rep.response)
        if agent:
            result = replies.tool_result(rep.tool or "", d)
            msgs += b"," + message("tool", result)
            if isinstance(result, str):
                chars += len(result)
            else:
                images += 1
        else:
            follow = item.turns[k] if k < len(item.turns) else d.pick(_FOLLOW_UPS.get(lang, _FOLLOW_UPS["en"]))
            msgs += b"," + message("user", follow)
            chars += len(follow)


_FINISH = {f: orjson.dumps(f) for f in ("stop", "length", "tool_calls")}
_FAILED = b'"input_tokens":%d,"response":null,"output_tokens":0,"finish_reason":null,"status":%d}\n'


def _reply_body(tokens: int, rep: Reply, response: bytes) -> bytes:
    """The record's reply fields and closing brace, as orjson would write them from a dict."""
    finish = _FINISH.get(rep.finish_reason) or orjson.dumps(rep.finish_reason)
    if rep.reasoning is None:
        return b'"input_tokens":%d,"response":%s,"output_tokens":%d,"finish_reason":%s,"status":200}\n' % (
            tokens, response, rep.output_tokens, finish)
    return (b'"input_tokens":%d,"response":%s,"output_tokens":%d,"reasoning":%s,"reasoning_tokens":%d,'
            b'"finish_reason":%s,"status":200}\n' % (tokens, response, rep.output_tokens, orjson.dumps(rep.reasoning),
                                                     rep.reasoning_tokens, finish))


def _length(mean: float, least: int, u: float) -> int:
    """``least`` plus a geometric number of extra steps, so the mean is ``max(mean, least)``.

    >>> _length(1.0, 1, 0.5), _length(5.0, 2, 0.999)
    (1, 2)
    """
    extra = mean - least
    if extra <= 0:
        return least
    q = extra / (extra + 1.0)
    return least + min(40, int(math.log(u or 1e-12) / math.log(q)))
