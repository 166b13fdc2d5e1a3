"""The gateway: a pure ASGI class in front of an OpenAI-compatible API.

``Gateway(app, *, ...)`` wraps the ASGI app that reaches the upstream (``UpstreamProxy``, or
any ASGI app in tests). For ``POST`` to the three exchange endpoints it identifies the
account, reads and checks the request body, decides, caps parameters, forwards, and watches
the response go by without buffering a stream, writing the exchange to the audit log before
the response's last byte goes out. ``/metrics`` and ``/admin/`` are served here; any other
HTTP path is passed to the wrapped app unchanged; other scope types pass through too, except
lifespan, which starts and stops the gateway's own machinery.
"""

from __future__ import annotations

import asyncio
from collections import deque
import logging
import time
import uuid
from typing import Any

import orjson

from stillwatch.errors import BadRecord
from stillwatch.gateway.admin import Admin
from stillwatch.gateway.audit import AuditLog
from stillwatch.gateway.config import GatewayConfig
from stillwatch.gateway.exchange import ROUTES, BadRequest, apply_caps, request_record
from stillwatch.gateway.identity import KeyHasher, api_key_from_headers
from stillwatch.gateway.metrics import Metrics
from stillwatch.gateway.policy import Decision, Policy
from stillwatch.gateway.score_runner import LocalScoring
from stillwatch.gateway.scoring import OnlineScorer, Update
from stillwatch.gateway.state import MemoryState, State
from stillwatch.gateway.upstream import error_body, send_json
from stillwatch.gateway.verdicts import VerdictBook
from stillwatch.gateway.watch import Watch
from stillwatch.ingest.normalize import normalize_record

log = logging.getLogger("stillwatch.gateway")
actions_log = logging.getLogger("stillwatch.gateway.actions")
#: Sent to the upstream when the rule says ``watermark = true``; its value is the key id.
WATERMARK_HEADER = b"x-stillwatch-watermark"
_REFUSALS = {
    "block": (403, "blocked", "this account is blocked from this API"),
    "verify": (403, "verification_required",
               "this account must complete identity verification before using this API"),
}


class Gateway:
    def __init__(self, app: Any, *, hasher: KeyHasher, config: GatewayConfig | None = None,
                 audit: AuditLog | None = None, state: State | None = None,
                 book: VerdictBook | None = None, scorer: OnlineScorer | None = None,
                 scoring: Any = None, admin_token: str | None = None) -> None:
        self.app = app
        self.hasher = hasher
        self.config = config or GatewayConfig()
        self.audit = audit
        self.state = state or MemoryState()
        self.book = book or VerdictBook()
        # ``scoring`` runs the online scorer off the request path (score_runner.py);
        # without one, ``scorer`` (default: every registered signal) runs on this loop.
        self.scoring = scoring or LocalScoring(
            scorer if scorer is not None else OnlineScorer(),
            self.config.score_batch_ms, self.config.score_max_pending)
        self.policy = Policy(self.config, self.state, self.book)
        self.metrics = Metrics()
        self.admin = Admin(self, admin_token)
        self.recent: deque[dict[str, Any]] = deque(maxlen=1000)  # for GET /admin/actions
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reloader: asyncio.Task[Any] | None = None

    # ---- lifecycle -----------------------------------------------------------------
    async def startup(self) -> None:
        if self.audit is not None and self.audit._fd < 0:
            self.audit.open()
        await self.reload()
        self.scoring.metrics = self.metrics
        self.scoring.on_update = self._on_update
        await self.scoring.start()
        self._reloader = asyncio.create_task(self._reload_loop())

    async def shutdown(self) -> None:
        if self._reloader is not None:
            self._reloader.cancel()
        await self.scoring.stop()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.app is not None and hasattr(self.app, "aclose"):
            await self.app.aclose()
        await self.state.close()
        if self.audit is not None:
            self.audit.close()

    async def reload(self) -> bool:
        changed = self.book.maybe_reload()
        if changed:
            self.metrics.verdict_reloads.inc()
            self.metrics.verdicts.set(len(self.book.accounts))
        await self.policy.refresh()
        return changed

    async def _reload_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.reload_seconds)
            try:
                await self.reload()
            except Exception as exc:  # a reload problem must never stop serving
                log.error("reload failed: %s", exc)
                self.metrics.scoring_errors.labels("reload").inc()

    # ---- ASGI ----------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        endpoint = ROUTES.get(path)
        if endpoint is not None and scope["method"] == "POST":
            await self._exchange(endpoint, scope, receive, send)
        elif path == "/metrics":
            body, ctype = self.metrics.render()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", ctype.encode())]})
            await send({"type": "http.response.body", "body": body})
        elif path.startswith("/admin/") or path == "/admin":
            await self.admin(scope, receive, send)
        elif path == "/healthz":
            await send_json(send, 200, b'{"ok":true}')
        else:
            await self.app(scope, receive, send)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _refuse(self, send: Any, endpoint: str, status: int, kind: str, message: str,
                      headers: list[tuple[bytes, bytes]] | None = None) -> None:
        self.metrics.requests.labels(endpoint, str(status)).inc()
        await send_json(send, status, error_body(kind, message), headers)

    async def _read_body(self, scope: dict[str, Any], receive: Any) -> bytes:
        limit = self.config.max_body_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                raise BadRequest(413, "request_too_large", f"request body over the limit of {limit} bytes")
        body = bytearray()
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                raise ConnectionAbortedError
            body += msg.get("body", b"")
            if len(body) > limit:
                raise BadRequest(413, "request_too_large", f"request body over the limit of {limit} bytes")
            if not msg.get("more_body"):
                return bytes(body)

    def _fields(self, scope: dict[str, Any]) -> dict[str, Any]:
        """Exchange v1 fields the transport knows: client address, user agent, trusted headers."""
        out: dict[str, Any] = {}
        client = scope.get("client")
        if client:
            out["client_ip"] = client[0]
        trusted = self.config.trusted_headers
        for name, value in scope["headers"]:
            if name == b"user-agent":
                out["user_agent"] = value.decode("latin-1")
            elif trusted:
                field = trusted.get(name.decode("latin-1"))
                if field is not None:
                    text = value.decode("latin-1")
                    out[field] = int(text) if field == "asn" and text.isdigit() else text
        return out

    def admit(
        self,
        endpoint: str,
        body: Any,
        account: str,
        arrived: float,
        fields: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The request as an exchange v1 record, checked as ingest checks it.

        Shared by the ASGI path and the LiteLLM guardrail; raises BadRequest.
        """
        record = request_record(endpoint, body)
        if fields:
            record.update(fields)
        record.update(id="gw_" + uuid.uuid4().hex, time=round(arrived, 6), account=account)
        try:
            normalize_record(record, "request")
        except BadRecord as exc:
            raise BadRequest(400, "invalid_request", exc.reason) from None
        return record

    async def decide(self, account: str, record: dict[str, Any]) -> Decision:
        """The policy's decision. When scoring fails it fails open (logged) or, if so
        configured, closed with BadRequest 503 ``scoring_unavailable``."""
        try:
            return await self.policy.decide(account, record, self.scoring.score_of(account))
        except Exception as exc:
            self.metrics.scoring_errors.labels("decide").inc()
            log.error("scoring failed for %s: %s: %s", account, type(exc).__name__, exc)
            if not self.config.fail_open:
                raise BadRequest(
                    503, "scoring_unavailable",
                    "the gateway cannot assess requests right now; retry later",
                ) from None
            return Decision("allow", "fail_open", self.policy._rule("clear"),
                            reasons=[f"scoring failed ({type(exc).__name__}); failing open"])

    async def _exchange(self, endpoint: str, scope: dict[str, Any], receive: Any, send: Any) -> None:
        started = time.perf_counter()
        arrived = time.time()
        key = api_key_from_headers(scope["headers"])
        if key is None:
            await self._refuse(send, endpoint, 401, "missing_api_key",
                               "send your API key as 'Authorization: Bearer KEY'")
            return
        account = self.hasher.account(key)
        try:
            raw = await self._read_body(scope, receive)
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise BadRequest(400, "invalid_json", f"request body is not valid JSON: {exc}") from None
            record = self.admit(endpoint, body, account, arrived, self._fields(scope))
        except ConnectionAbortedError:
            return
        except BadRequest as exc:
            self.metrics.bad_requests.labels(exc.kind).inc()
            await self._refuse(send, endpoint, exc.status, exc.kind, exc.message)
            return

        try:
            decision = await self.decide(account, record)
        except BadRequest as exc:
            await self._refuse(send, endpoint, exc.status, exc.kind, exc.message)
            return
        self._log_action(account, endpoint, decision)
        if decision.refused:
            await self._refused(endpoint, send, record, decision)
            return
        caps = apply_caps(endpoint, body, decision.rule.max_tokens, decision.rule.n, decision.rule.logprobs)
        if caps:
            for c in caps:
                self.metrics.caps.labels(c).inc()
            raw = orjson.dumps(body)
            record["params"] = request_record(endpoint, body)["params"]
        self.metrics.overhead.observe(time.perf_counter() - started)
        await self._forward(endpoint, scope, receive, send, raw, record, decision, caps)

    async def _refused(self, endpoint: str, send: Any, record: dict[str, Any], d: Decision) -> None:
        if d.retry_after > 0:
            status, kind = 429, "rate_limited"
            message = f"rate limit reached; retry in {d.retry_after:.1f} s"
            headers = [(b"retry-after", str(max(1, round(d.retry_after + 0.5))).encode())]
        else:
            status, kind, message = _REFUSALS[d.action]
            headers = []
        record["status"] = status
        record["x_gateway"] = d.to_json()
        self._write(record)
        self._learn(record, d, 0)
        await self._refuse(send, endpoint, status, kind, message, headers)

    def _log_action(self, account: str, endpoint: str, d: Decision) -> None:
        action = "throttle" if d.retry_after > 0 else d.action
        self.metrics.actions.labels(action, d.rule_name).inc()
        if action != "allow" or d.rule_name not in ("clear", "authorized"):
            entry = {"time": round(time.time(), 3), "account": account, "endpoint": endpoint, **d.to_json()}
            self.recent.append(entry)
            actions_log.info("%s", orjson.dumps(entry).decode())

    def _write(self, record: dict[str, Any]) -> bytes:
        if self.audit is not None:
            line = self.audit.append(record)
            self.metrics.audit_records.inc()
            return line
        return orjson.dumps(record) + b"\n"

    async def _forward(self, endpoint: str, scope: dict[str, Any], receive: Any, send: Any,
                       raw: bytes, record: dict[str, Any], decision: Decision, caps: list[str]) -> None:
        watch = Watch(endpoint, decision.rule.reasoning)
        sent_body = False

        async def inner_receive() -> dict[str, Any]:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        # The watermark request is the gateway's alone: a caller can neither ask for it nor
        # strip it, and accounts whose rule does not call for it never get it.
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"content-length", WATERMARK_HEADER)]
        headers.append((b"content-length", str(len(raw)).encode()))
        if decision.rule.watermark:
            headers.append((WATERMARK_HEADER, self.config.watermark_key_id.encode()))
        inner_scope = {**scope, "headers": headers}
        state: dict[str, Any] = {"status": 502, "stream": False, "held": None, "chunks": []}

        async def watching_send(msg: dict[str, Any]) -> None:
            if msg["type"] == "http.response.start":
                state["status"] = msg["status"]
                ctype = next((v for k, v in msg.get("headers", []) if k == b"content-type"), b"")
                state["stream"] = ctype.startswith(b"text/event-stream")
                if not state["stream"] and watch.mode != "pass":
                    state["held"] = msg  # the body may change length: start goes with it
                    return
                await send(msg)
                return
            if msg["type"] != "http.response.body":
                await send(msg)
                return
            chunk, more = msg.get("body", b""), msg.get("more_body", False)
            if state["stream"]:
                out = watch.feed(chunk) if chunk else b""
                if not more:
                    out += watch.flush()
                    self._finish(endpoint, record, watch, state["status"], decision)
                if out or not more:
                    await send({"type": "http.response.body", "body": out, "more_body": more})
                return
            state["chunks"].append(chunk)
            if more:
                # Send on the chunk before this one: the bytes that complete the body must
                # wait until the record is written (a Content-Length body is "acknowledged"
                # by its last byte, before any final empty message).
                if state["held"] is None and len(state["chunks"]) > 1:
                    await send({"type": "http.response.body", "body": state["chunks"][-2],
                                "more_body": True})
                return
            full = b"".join(state["chunks"])
            rewritten = watch.body(full)
            self._finish(endpoint, record, watch, state["status"], decision)
            if state["held"] is not None:
                body = rewritten if rewritten is not None else full
                start = state["held"]
                hdrs = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
                hdrs.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": hdrs})
                await send({"type": "http.response.body", "body": body, "more_body": False})
            else:
                await send({"type": "http.response.body", "body": state["chunks"][-2] + chunk
                            if len(state["chunks"]) > 1 else chunk, "more_body": False})

        await self.app(inner_scope, inner_receive, watching_send)

    def _finish(self, endpoint: str, record: dict[str, Any], watch: Watch, status: int, d: Decision) -> None:
        """Complete the record and write it, before the response's last byte is sent."""
        record["status"] = status
        record["response"] = watch.response_text()
        returned = watch.returned_reasoning()
        if returned is not None:
            record["reasoning"] = returned
        record.update(watch.usage_fields())
        if "reasoning_tokens" not in record and watch.reasoning_text():
            from stillwatch.ingest.tokens import estimate_tokens
            record["reasoning_tokens"] = estimate_tokens(watch.reasoning_text())
        if watch.finish_reason:
            record["finish_reason"] = watch.finish_reason
        if watch.id:
            record["x_upstream_id"] = watch.id
        gw = d.to_json()
        if d.rule.watermark:
            gw["watermark"] = self.config.watermark_key_id
        if watch.mode != "pass" and watch.reasoning_text():
            gw["reasoning"] = watch.mode
            self.metrics.reasoning.labels(watch.mode).inc()
        record["x_gateway"] = gw
        line = self._write(record)
        self.metrics.requests.labels(endpoint, str(status)).inc()
        tokens = watch.output_tokens()
        self.metrics.output_tokens.inc(tokens)
        self._learn(record, d, tokens, line)

    def log_exchange(self, record: dict[str, Any], d: Decision, tokens: int = 0) -> None:
        """Write a finished or refused exchange to the audit log, count it, and learn from it
        (the LiteLLM guardrail's logging hook comes through here)."""
        line = self._write(record)
        self._learn(record, d, tokens, line)

    def _learn(self, record: dict[str, Any], d: Decision, tokens: int, line: bytes | None = None) -> None:
        """After the audit write: queue the exchange for scoring; spend output tokens and
        learn campaign infrastructure when the decision calls for it (off the request path)."""
        try:
            self.scoring.submit(record, line if line is not None else orjson.dumps(record) + b"\n")
        except Exception as exc:
            self.metrics.scoring_errors.labels("submit").inc()
            log.error("scoring submit failed: %s: %s", type(exc).__name__, exc)
        charge = d.action == "throttle" and tokens > 0
        entry = self.book.get(record["account"]) if record.get("payment_fingerprint") else None
        pay = entry is not None and entry.verdict == "campaign" and entry.campaign
        if charge or pay:
            self._spawn(self._after(record, d, tokens, entry.campaign if pay else None))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _after(self, record: dict[str, Any], d: Decision, tokens: int, campaign: str | None) -> None:
        account = record["account"]
        try:
            await self.policy.charge_output(account, d, tokens)
            if campaign is not None:
                await self.policy.link("pay", str(record["payment_fingerprint"]), campaign)
        except Exception as exc:  # logged and counted, never taking the process down
            self.metrics.scoring_errors.labels("after").inc()
            log.error("after the response for %s: %s: %s", account, type(exc).__name__, exc)

    def _on_update(self, update: Update) -> None:
        if update.templates:
            self._spawn(self._link_templates(update.templates))

    async def _link_templates(self, templates: dict[tuple[str, int], int]) -> None:
        """Campaign accounts teach the gateway their prompt templates; an account without a
        verdict that sends ``template_hits`` prompts on them inherits the campaign's risk."""
        hits_needed = self.config.inherit.template_hits
        try:
            for (account, tid), n in templates.items():
                entry = self.book.get(account)
                if entry is not None and entry.verdict == "campaign" and entry.campaign:
                    await self.policy.link("tpl", str(tid), entry.campaign)
                elif entry is None and hits_needed > 0:
                    camp = await self.state.linked("tpl", str(tid))
                    if camp is not None and await self.state.hit(account, camp, n) >= hits_needed:
                        await self.policy.link("acct", account, camp)
        except Exception as exc:
            self.metrics.scoring_errors.labels("link").inc()
            log.error("template links failed: %s: %s", type(exc).__name__, exc)
