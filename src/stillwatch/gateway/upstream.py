"""Forward HTTP requests to the upstream API: an ASGI app over a pooled httpx client.

The response streams back chunk by chunk as it arrives. When an upstream key is configured
it replaces the caller's credentials; it never appears in a log line or a response body. An
upstream that cannot be reached gets a 502 with a JSON body saying so.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import orjson

log = logging.getLogger("stillwatch.gateway.upstream")
Scope = dict[str, Any]

# Hop-by-hop headers (RFC 9110 7.6.1) and the ones httpx sets itself.
_DROP_REQUEST = frozenset({
    b"host", b"connection", b"keep-alive", b"proxy-authorization", b"te", b"trailer",
    b"transfer-encoding", b"upgrade", b"content-length", b"accept-encoding",
})
_DROP_RESPONSE = frozenset({
    b"connection", b"keep-alive", b"transfer-encoding", b"trailer", b"upgrade",
})


def error_body(kind: str, message: str) -> bytes:
    """The JSON error body every refusal uses (OpenAI's error shape)."""
    return orjson.dumps({"error": {"type": kind, "code": kind, "message": message}})


async def send_json(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())] + (headers or []),
    })
    await send({"type": "http.response.body", "body": body, "more_body": False})


class UpstreamProxy:
    """ASGI app sending every HTTP request on to ``url`` (``http://host:port``, no path)."""

    def __init__(self, url: str, *, api_key: str | None = None, timeout: float = 600.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self._auth = b"Bearer " + api_key.encode("latin-1") if api_key else None
        limits = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
        self.client = httpx.AsyncClient(
            base_url=self.url, timeout=httpx.Timeout(timeout, connect=5.0), limits=limits,
            transport=transport,
        )

    def __repr__(self) -> str:  # never shows the key
        return f"UpstreamProxy(url={self.url!r})"

    async def aclose(self) -> None:
        await self.client.aclose()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1003})
            return
        body = bytearray()
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        headers = [(k, v) for k, v in scope["headers"] if k not in _DROP_REQUEST]
        # Ask for plain bodies: the gateway must read them to withhold reasoning.
        headers.append((b"accept-encoding", b"identity"))
        if self._auth is not None:
            headers = [(k, v) for k, v in headers if k not in (b"authorization", b"x-api-key")]
            headers.append((b"authorization", self._auth))
        path = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            path += b"?" + scope["query_string"]
        request = self.client.build_request(
            scope["method"], path.decode("latin-1"), headers=headers, content=bytes(body)
        )
        try:
            response = await self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            log.warning("upstream %s unreachable: %s", self.url, type(exc).__name__)
            await send_json(send, 502, error_body(
                "upstream_unreachable",
                f"the gateway could not reach the upstream API ({type(exc).__name__})"))
            return
        try:
            drop = _DROP_RESPONSE
            if "content-encoding" in response.headers:  # compressed anyway: decode it here
                drop = drop | {b"content-encoding", b"content-length"}
            await send({
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [(k, v) for k, v in response.headers.raw if k.lower() not in drop],
            })
            async for chunk in response.aiter_bytes():
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except httpx.HTTPError as exc:
            # Headers are out: all that is left is to end the body; the client sees a short read.
            log.warning("upstream %s failed mid-response: %s", self.url, type(exc).__name__)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.aclose()
