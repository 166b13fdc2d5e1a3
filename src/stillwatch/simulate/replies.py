"""What the model sends back: answers, tool calls, tool results, reasoning and token counts.

Lengths depend on the prompt's source (a chat answer is shorter than a proof), the group's
``output_scale``, the request's ``max_tokens`` and ``n``; reasoning models add
``reasoning_tokens`` that grow with ``reasoning_effort`` and return a short summary as the
``reasoning`` text, as providers that hide raw thinking do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import orjson

from stillwatch.simulate._draws import Draws
from stillwatch.simulate.text import CHARS_PER_TOKEN, TextBank

#: source -> (median answer tokens, lognormal sigma, text style)
#: Medians are about half of what current models write: logs stay a manageable size, and the
#: differences between sources, groups and parameters, which detection reads, are kept.
ANSWERS: dict[str, tuple[float, float, str]] = {
    "benign_chat": (110, 0.8, "prose"), "coding": (150, 0.7, "code"), "math_reasoning": (120, 0.6, "math"),
    "agentic_tool_use": (80, 0.8, "prose"), "computer_use": (60, 0.7, "prose"), "llm_judge": (90, 0.6, "prose"),
    "harmful_requests": (75, 0.7, "prose"), "jailbreak": (120, 0.8, "prose"), "prompt_extraction": (40, 0.6, "prose"),
    "data_analysis": (130, 0.7, "code"), "vision": (65, 0.6, "prose"), "sensitive_topics": (160, 0.6, "prose"),
    "business_docs": (60, 0.7, "prose"), "synthetic_seeds": (350, 0.5, "prose"),
}
#: source -> median hidden reasoning tokens at medium effort
REASONING: dict[str, float] = {"math_reasoning": 1100, "coding": 900, "llm_judge": 600, "data_analysis": 700,
                               "agentic_tool_use": 450, "sensitive_topics": 650}
EFFORT = {"minimal": 0.1, "low": 0.35, "medium": 1.0, "high": 2.6}
IMAGE_TOKENS = 1100
TOOL_TOKENS = 90  # a tool's schema in the prompt, on average
_CODE_CPT = CHARS_PER_TOKEN["code"]
_CALL = b'{"tool_calls":[{"id":"call_%012x","name":%s,"arguments":%s}]}'
_dumps = orjson.dumps


@dataclass(slots=True)
class Reply:
    response: str
    output_tokens: int
    finish_reason: str
    reasoning: str | None = None
    reasoning_tokens: int | None = None
    tool: str | None = None  # the tool called, for a tool-call reply


class Replies:
    def __init__(self, text: TextBank) -> None:
        self.text = text

    def answer(self, source: str, lang: str, scale: float, params: dict[str, Any], reasoning: bool,
               d: Draws) -> Reply:
        median, sigma, style = ANSWERS.get(source, (200, 0.8, "prose"))
        want = max(1, int(d.lognormal(median * scale, sigma)))
        limit = params.get("max_tokens")
        finish = "stop"
        if isinstance(limit, int) and want > limit:
            want, finish = limit, "length"
        n = params.get("n") or 1
        if n == 1:  # the common case, without the list
            response, tokens = self.text.take(style, lang, want, d)
            if style == "code":
                response, tokens = f"```\n{response}\n```", tokens + 2
            rep = Reply(response, tokens, finish)
        else:
            parts = [self.text.take(style, lang, want, d) for _ in range(max(1, min(int(n), 8)))]
            if style == "code":
                parts = [(f"```\n{p[0]}\n```", p[1] + 2) for p in parts]
            rep = Reply("\n\n".join(p[0] for p in parts), sum(p[1] for p in parts), finish)
        if reasoning:
            self._reason(rep, source, lang, params, d)
        return rep

    def tool_call(self, tools: tuple[str, ...], hint: str, reasoning: bool, params: dict[str, Any],
                  d: Draws) -> Reply:
        """A call to one of ``tools``; ``hint`` is a few words of the task to quote in arguments."""
        name = d.pick(tools)
        call_id = int(d.u() * 2**48)
        # What orjson writes for {"tool_calls": [{"id": ..., "name": ..., "arguments": ...}]}.
        text = (_CALL % (call_id, _dumps(name), _dumps(_arguments(name, hint, d)))).decode()
        rep = Reply(text, max(1, round(len(text) / _CODE_CPT)), "tool_calls", tool=name)
        if reasoning:
            self._reason(rep, "agentic_tool_use", "en", params, d, scale=0.3)
        return rep

    def tool_result(self, name: str, d: Draws) -> str | list[dict[str, str]]:
        """The content of the tool message answering a call to ``name``."""
        if name in ("screenshot", "computer", "left_click", "type_text", "key", "scroll"):
            return [{"type": "text", "text": "Action done. Current screen:"}, {"type": "image"}]
        if name in ("read_file", "cat", "write_file", "str_replace"):
            return self.text.take("code", "code", 30 + d.below(120), d)[0]
        if name in ("bash", "run_tests", "execute_sql", "run_sql", "python", "sql_query"):
            body = self.text.take("code", "code", 10 + d.below(60), d)[0]
            return f"exit code {0 if d.u() < 0.8 else 1}\n{body}"
        body = self.text.take("prose", "en", 10 + d.below(50), d)[0]
        return orjson.dumps({"status": "ok", "result": body}).decode()

    def _reason(self, rep: Reply, source: str, lang: str, params: dict[str, Any], d: Draws,
                scale: float = 1.0) -> None:
        effort = EFFORT.get(params.get("reasoning_effort", "medium"), 1.0)
        tokens = max(8, int(d.lognormal(REASONING.get(source, 350) * effort * scale, 0.6)))
        # Providers return a short summary of hidden reasoning; its length grows with the reasoning.
        summary, _ = self.text.take("reasoning", lang, min(60, max(8, tokens // 25)), d)
        rep.reasoning, rep.reasoning_tokens = summary, tokens


def input_tokens(chars: int, lang: str, tools: int, images: int) -> int:
    """Prompt tokens from characters sent, tool schemas and images."""
    return max(1, math.ceil(chars / CHARS_PER_TOKEN.get(lang, 4.0)) + tools * TOOL_TOKENS + images * IMAGE_TOKENS)


_PATHS = ("src/app/main.py", "src/utils/io.py", "tests/test_api.py", "lib/parser.ts", "README.md", "setup.cfg",
          "pkg/server/handler.go", "src/models/user.py", "docs/index.md", "Makefile")
_COMMANDS = ("pytest -q", "git status", "ls -la", "python -m pytest tests/ -x", "grep -rn TODO src/", "npm test",
             "cat requirements.txt", "git diff", "make build", "pip list")


def _arguments(name: str, hint: str, d: Draws) -> dict[str, Any]:
    if "file" in name or name in ("str_replace", "cat", "ls", "cd"):
        return {"path": d.pick(_PATHS)}
    if name in ("bash", "run_tests") or "command" in name:
        return {"command": d.pick(_COMMANDS)}
    if "sql" in name:
        return {"query": "SELECT * FROM records WHERE status = 'open' LIMIT 50;"}
    if name in ("left_click", "computer", "scroll"):
        return {"action": d.pick(("left_click", "scroll", "double_click")), "x": d.below(1920), "y": d.below(1080)}
    if name in ("type_text", "key"):
        return {"text": " ".join(hint.split()[:4])}
    return {"query": hint}
