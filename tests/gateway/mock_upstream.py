"""A small OpenAI-compatible upstream for tests and benchmarks: a pure ASGI app.

It answers the three exchange endpoints, streaming (server-sent events) or not, with a fixed
reasoning text and a reply that echoes the prompt, and keeps the last request it saw so tests
can check what the gateway forwarded. Run it on loopback for benchmarks:
``python tests/gateway/mock_upstream.py --port 9001``.
"""

from __future__ import annotations

from typing import Any

import orjson

REASONING = "First I read the question. Then I work it out.\n\nSo the answer follows."


class MockUpstream:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.keep = True

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            msg = await receive()
            raw += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        if self.keep:
            self.requests.append({"path": scope["path"], "headers": dict(scope["headers"]), "body": raw})
            del self.requests[:-50]
        if scope["path"] == "/v1/models":
            return await _json(send, {"object": "list", "data": [{"id": "mock-1"}]})
        body = orjson.loads(raw) if raw else {}
        text = _prompt(scope["path"], body)
        reply = f"echo: {text[:40]}"
        if body.get("stream"):
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/event-stream")]})
            for event in _events(scope["path"], reply, body):
                await send({"type": "http.response.body", "body": event, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await _json(send, _document(scope["path"], reply, body))


async def _json(send: Any, doc: Any) -> None:
    data = orjson.dumps(doc)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


def _prompt(path: str, body: dict[str, Any]) -> str:
    if path == "/v1/chat/completions":
        users = [m for m in body.get("messages", []) if m.get("role") == "user"]
        content = users[-1]["content"] if users else ""
        return content if isinstance(content, str) else "parts"
    if path == "/v1/completions":
        return str(body.get("prompt", ""))
    given = body.get("input", "")
    return given if isinstance(given, str) else "items"


def _usage(path: str, reply: str) -> dict[str, Any]:
    if path == "/v1/responses":
        return {"input_tokens": 12, "output_tokens": 30,
                "output_tokens_details": {"reasoning_tokens": 18}}
    return {"prompt_tokens": 12, "completion_tokens": 30, "total_tokens": 42,
            "completion_tokens_details": {"reasoning_tokens": 18}}


def _document(path: str, reply: str, body: dict[str, Any]) -> dict[str, Any]:
    if path == "/v1/chat/completions":
        n = body.get("n") or 1
        return {"id": "chatcmpl-mock", "object": "chat.completion", "model": body.get("model"),
                "choices": [{"index": i, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": reply,
                                         "reasoning_content": REASONING}} for i in range(n)],
                "usage": _usage(path, reply)}
    if path == "/v1/completions":
        return {"id": "cmpl-mock", "object": "text_completion",
                "choices": [{"index": 0, "text": reply, "finish_reason": "length"}],
                "usage": _usage(path, reply)}
    return {"id": "resp-mock", "object": "response", "status": "completed",
            "output": [{"type": "reasoning", "id": "rs_1",
                        "summary": [{"type": "summary_text", "text": REASONING}]},
                       {"type": "message", "role": "assistant",
                        "content": [{"type": "output_text", "text": reply}]}],
            "usage": _usage(path, reply)}


def _sse(doc: Any) -> bytes:
    return b"data: " + orjson.dumps(doc) + b"\n\n"


def _events(path: str, reply: str, body: dict[str, Any]) -> list[bytes]:
    words = [w + " " for w in reply.split(" ")]
    if path == "/v1/responses":
        out = [_sse({"type": "response.created", "response": {"id": "resp-mock"}})]
        out += [_sse({"type": "response.reasoning_summary_text.delta", "delta": p})
                for p in REASONING.split(". ")]
        out += [_sse({"type": "response.output_text.delta", "delta": w}) for w in words]
        out.append(_sse({"type": "response.completed", "response": _document(path, reply, body)}))
        return out
    if path == "/v1/completions":
        out = [_sse({"id": "cmpl-mock", "choices": [{"index": 0, "text": w}]}) for w in words]
    else:
        out = [_sse({"id": "chatcmpl-mock", "choices": [{"index": 0, "delta": {"role": "assistant"}}]})]
        out += [_sse({"id": "chatcmpl-mock", "choices": [{"index": 0, "delta": {"reasoning_content": p}}]})
                for p in REASONING.split(". ")]
        out += [_sse({"id": "chatcmpl-mock", "choices": [{"index": 0, "delta": {"content": w}}]})
                for w in words]
    out.append(_sse({"id": "x", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
    if (body.get("stream_options") or {}).get("include_usage"):
        out.append(_sse({"id": "x", "choices": [], "usage": _usage(path, reply)}))
    out.append(b"data: [DONE]\n\n")
    return out


if __name__ == "__main__":
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=9001)
    args = parser.parse_args()
    app = MockUpstream()
    app.keep = False
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning",
                access_log=False)
