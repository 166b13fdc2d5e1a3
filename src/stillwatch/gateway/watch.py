"""Watch a response go by: collect what the audit record needs, and withhold or summarise the
reasoning the model returned.

Non-streaming bodies are one JSON document; streaming bodies are server-sent events, parsed
event by event as they pass (only a partial event at the end of a chunk is held back, which
the client could not use yet anyway). When reasoning passes unchanged the bytes go out as
they came and are parsed on the side.
"""

from __future__ import annotations

from typing import Any

import orjson

from stillwatch.gateway.exchange import CHAT, COMPLETIONS, RESPONSES
from stillwatch.ingest.tokens import estimate_tokens

_REASONING_KEYS = ("reasoning_content", "reasoning")
SUMMARY_CHARS = 280


def summarise(text: str, limit: int = SUMMARY_CHARS) -> str:
    """An extractive summary: the first sentence of each paragraph, cut to ``limit``.

    Examples
    --------
    >>> summarise("First I add. Then I carry.\\n\\nSo the sum is 4. Done.")
    'First I add. So the sum is 4. [reasoning summarised by the gateway]'
    """
    firsts = []
    for para in text.split("\n\n"):
        para = " ".join(para.split())
        if para:
            end = min((i for i in (para.find(". "), para.find("? "), para.find("! ")) if i >= 0),
                      default=len(para) - 1)
            firsts.append(para[: end + 1])
    out = " ".join(firsts)
    if len(out) > limit:
        out = out[: limit - 1].rstrip() + "…"
    return f"{out} [reasoning summarised by the gateway]"


class Watch:
    """Per-response state: text, reasoning, usage; and the reasoning policy to apply."""

    def __init__(self, kind: str, reasoning: str = "pass") -> None:
        self.kind = kind
        self.mode = reasoning
        self.id: str | None = None
        self.text: list[str] = []
        self.reasoning: list[str] = []  # everything the model produced
        self.usage: dict[str, Any] = {}
        self.finish_reason: str | None = None
        self._buf = b""
        self._summary_sent = False

    # ---- results -------------------------------------------------------------------
    def response_text(self) -> str:
        return "".join(self.text)

    def reasoning_text(self) -> str | None:
        return "".join(self.reasoning) or None

    def returned_reasoning(self) -> str | None:
        """The reasoning the client actually received."""
        full = self.reasoning_text()
        if full is None or self.mode == "pass":
            return full
        return summarise(full) if self.mode == "summarise" else None

    def output_tokens(self) -> int:
        """From the upstream's usage when given, else estimated from the text produced."""
        u = self.usage
        for key in ("completion_tokens", "output_tokens"):
            if isinstance(u.get(key), int):
                return int(u[key])
        return estimate_tokens(self.response_text()) + estimate_tokens(self.reasoning_text())

    def usage_fields(self) -> dict[str, int]:
        u, out = self.usage, {}
        for key, field in (("prompt_tokens", "input_tokens"), ("input_tokens", "input_tokens"),
                           ("completion_tokens", "output_tokens"), ("output_tokens", "output_tokens")):
            if isinstance(u.get(key), int) and not isinstance(u.get(key), bool):
                out[field] = u[key]
        for details in ("completion_tokens_details", "output_tokens_details"):
            d = u.get(details)
            if isinstance(d, dict) and isinstance(d.get("reasoning_tokens"), int):
                out["reasoning_tokens"] = d["reasoning_tokens"]
        return out

    # ---- non-streaming -------------------------------------------------------------
    def body(self, raw: bytes) -> bytes | None:
        """Read a whole JSON body; returns a rewritten body, or None to send it unchanged."""
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(doc, dict):
            return None
        changed = self._document(doc, final=True)
        return orjson.dumps(doc) if changed else None

    # ---- streaming -----------------------------------------------------------------
    def feed(self, chunk: bytes) -> bytes:
        """Take a chunk of an event stream; returns the bytes to send on now."""
        data = self._buf + chunk
        cut = max(data.rfind(b"\n\n"), data.rfind(b"\r\n\r\n"))
        if cut < 0:
            self._buf = data
            return chunk if self.mode == "pass" else b""
        end = cut + (4 if data[cut : cut + 4] == b"\r\n\r\n" else 2)
        events, self._buf = data[:end], data[end:]
        out = [self._event(e) for e in events.replace(b"\r\n", b"\n").split(b"\n\n") if e.strip()]
        if self.mode == "pass":
            return chunk
        return b"".join(out)

    def flush(self) -> bytes:
        """What is left when the stream ends (a last event without its blank line)."""
        rest, self._buf = self._buf, b""
        if not rest.strip():
            return b"" if self.mode != "pass" else b""
        out = self._event(rest.replace(b"\r\n", b"\n").strip(b"\n"))
        return b"" if self.mode == "pass" else out

    def _event(self, event: bytes) -> bytes:
        lines = event.split(b"\n")
        data = b"\n".join(ln[5:].lstrip(b" ") for ln in lines if ln.startswith(b"data:"))
        if not data or data == b"[DONE]":
            return event + b"\n\n"
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            return event + b"\n\n"
        if not isinstance(doc, dict):
            return event + b"\n\n"
        if self.kind == RESPONSES and self.mode != "pass" and "reasoning" in str(doc.get("type", "")):
            self._responses_event(doc)
            return b""  # reasoning events are withheld whole
        if not self._document(doc, final=False):
            return event + b"\n\n"
        head = [ln for ln in lines if not ln.startswith(b"data:")]
        return b"\n".join(head + [b"data: " + orjson.dumps(doc)]) + b"\n\n"

    # ---- shapes --------------------------------------------------------------------
    def _document(self, doc: dict[str, Any], final: bool) -> bool:
        """Collect from one document (a body or a stream event); apply the reasoning mode."""
        if isinstance(doc.get("usage"), dict):
            self.usage = doc["usage"]
        if self.kind == RESPONSES:
            return self._responses_event(doc) if "type" in doc else self._responses_body(doc)
        if isinstance(doc.get("id"), str):
            self.id = doc["id"]
        changed = False
        for choice in doc.get("choices") or ():
            if not isinstance(choice, dict):
                continue
            if choice.get("finish_reason"):
                self.finish_reason = str(choice["finish_reason"])
            if self.kind == COMPLETIONS:
                if isinstance(choice.get("text"), str):
                    self.text.append(choice["text"])
                continue
            part = choice.get("message") if final else choice.get("delta")
            if not isinstance(part, dict):
                continue
            if isinstance(part.get("content"), str):
                self.text.append(part["content"])
            for key in _REASONING_KEYS:
                value = part.get(key)
                if isinstance(value, str) and value:
                    self.reasoning.append(value)
                    if self.mode != "pass":
                        del part[key]
                        changed = True
            if self.mode == "summarise" and (final or part.get("content") or choice.get("finish_reason")):
                if self.reasoning and not self._summary_sent:
                    part["reasoning_content"] = summarise(self.reasoning_text() or "")
                    self._summary_sent = changed = True
        return changed

    def _responses_body(self, doc: dict[str, Any]) -> bool:
        if isinstance(doc.get("id"), str):
            self.id = doc["id"]
        if isinstance(doc.get("status"), str):
            self.finish_reason = doc["status"]
        output = doc.get("output")
        if not isinstance(output, list):
            return False
        for item in output:
            if not isinstance(item, dict):
                continue
            if item.get("type") == "reasoning":
                texts = [p.get("text") for key in ("summary", "content")
                         for p in item.get(key) or () if isinstance(p, dict)]
                self.reasoning.append("\n\n".join(t for t in texts if isinstance(t, str)))
            elif item.get("type") == "message":
                for part in item.get("content") or ():
                    if isinstance(part, dict) and isinstance(part.get("text"), str):
                        self.text.append(part["text"])
        return self._rewrite_output(doc)

    def _rewrite_output(self, doc: dict[str, Any]) -> bool:
        """Drop reasoning items from a responses ``output`` (or put one summary in their place)."""
        output = doc.get("output")
        if self.mode == "pass" or not isinstance(output, list):
            return False
        kept = [i for i in output if not (isinstance(i, dict) and i.get("type") == "reasoning")]
        if len(kept) == len(output):
            return False
        if self.mode == "summarise" and self.reasoning_text():
            summary = {"type": "summary_text", "text": summarise(self.reasoning_text() or "")}
            kept.insert(0, {"type": "reasoning", "summary": [summary]})
        doc["output"] = kept
        return True

    def _responses_event(self, doc: dict[str, Any]) -> bool:
        kind = str(doc.get("type", ""))
        if kind == "response.output_text.delta" and isinstance(doc.get("delta"), str):
            self.text.append(doc["delta"])
        elif kind in ("response.reasoning_text.delta", "response.reasoning_summary_text.delta"):
            if isinstance(doc.get("delta"), str):
                self.reasoning.append(doc["delta"])
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            resp = doc.get("response")
            if isinstance(resp, dict):
                if isinstance(resp.get("usage"), dict):
                    self.usage = resp["usage"]
                if isinstance(resp.get("id"), str):
                    self.id = resp["id"]
                self.finish_reason = str(resp.get("status") or kind.rsplit(".", 1)[-1])
                return self._rewrite_output(resp)
        return False
