"""Forward HTTP requests to the upstream API: an ASGI app over a pooled aiohttp client.

aiohttp's keep-alive pool costs about a fifth of what httpx did per request here (its
parser is C), which is most of the gateway's own budget. A JSON body with a length is read
whole and sent on in one message; anything else (server-sent events) streams back chunk by
chunk as it arrives. When an upstream key is configured it replaces the caller's
credentials; it never appears in a log line or a response body. An upstream that cannot be
reached gets a 502 with a JSON body saying so.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import orjson

log = logging.getLogger("stillwatch.gateway.upstream")
Scope = dict[str, Any]

# Hop-by-hop headers (RFC 9110 7.6.1) and the ones the client sets itself.
_DROP_REQUEST = frozenset({
    b"host", b"connection", b"keep-alive", b"proxy-authorization", b"te", b"trailer",
    b"transfer-encoding", b"upgrade", b"content-length", b"accept-encoding",
})
_DROP_RESPONSE = frozenset({
    b"connection", b"keep-alive", b"transfer-encoding", b"trailer", b"upgrade",
})
_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


def error_body(kind: str, message: str) -> bytes:
    """The JSON error body every refusal uses (OpenAI's error shape).

    Examples
    --------
    >>> error_body("blocked", "no")
    b'{"error":{"type":"blocked","code":"blocked","message":"no"}}'
    """
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
    """ASGI app sending every HTTP request on to ``url`` (``http://host:port``, no path).

    The client session is made on first use, inside the running event loop.
    """

    def __init__(self, url: str, *, api_key: str | None = None, timeout: float = 600.0,
                 max_connections: int = 1000) -> None:
        self.url = url.rstrip("/")
        self._auth = "Bearer " + api_key if api_key else None
        self._timeout = aiohttp.ClientTimeout(total=None, connect=5.0, sock_read=timeout)
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:  # never shows the key
        return f"UpstreamProxy(url={self.url!r})"

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._max_connections, limit_per_host=0,
                                             keepalive_timeout=30.0)
            # No cookie jar (a proxy must not carry one caller's cookies to the next), no
            # added User-Agent/Accept headers, and bodies are passed on as the upstream sent them.
            self._session = aiohttp.ClientSession(
                base_url=self.url, connector=connector, timeout=self._timeout,
                cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=True,
                skip_auto_headers=("User-Agent", "Accept"),
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

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
        headers = [(k.decode("latin-1"), v.decode("latin-1"))
                   for k, v in scope["headers"] if k not in _DROP_REQUEST]
        # Ask for plain bodies: the gateway must read them to withhold reasoning.
        headers.append(("accept-encoding", "identity"))
        if self._auth is not None:
            headers = [(k, v) for k, v in headers if k not in ("authorization", "x-api-key")]
            headers.append(("authorization", self._auth))
        path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            path += "?" + scope["query_string"].decode("latin-1")
        try:
            response = await self._client().request(scope["method"], path, headers=headers,
                                                    data=bytes(body), allow_redirects=False)
        except _ERRORS as exc:
            log.warning("upstream %s unreachable: %s", self.url, type(exc).__name__)
            await send_json(send, 502, error_body(
                "upstream_unreachable",
                f"the gateway could not reach the upstream API ({type(exc).__name__})"))
            return
        try:
            await self._relay(response, send)
        finally:
            response.release()

    async def _relay(self, response: aiohttp.ClientResponse, send: Any) -> None:
        drop = _DROP_RESPONSE
        if "content-encoding" in response.headers:  # compressed anyway: decoded here
            drop = drop | {b"content-encoding", b"content-length"}
        start = {
            "type": "http.response.start",
            "status": response.status,
            "headers": [(k, v) for k, v in response.raw_headers if k.lower() not in drop],
        }
        whole = response.content_length is not None and not response.content_type.startswith(
            "text/event-stream")
        try:
            if whole:
                data = await response.read()
                await send(start)
                await send({"type": "http.response.body", "body": data, "more_body": False})
                return
            await send(start)
            start = None
            async for chunk in response.content.iter_any():
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except _ERRORS as exc:
            log.warning("upstream %s failed mid-response: %s", self.url, type(exc).__name__)
            if start is not None:  # nothing sent yet: a clean 502
                await send_json(send, 502, error_body(
                    "upstream_unreachable",
                    f"the upstream API failed while answering ({type(exc).__name__})"))
            else:  # headers are out: end the body; the client sees a short read
                await send({"type": "http.response.body", "body": b"", "more_body": False})
