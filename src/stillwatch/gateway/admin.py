"""The admin API under ``/admin/``: bearer-token protected, JSON in and out.

==========================  ==========================================================
``GET /admin/verdicts``     verdicts in force (``?account=ID`` for one), online scores
``GET /admin/actions``      the most recent non-routine policy actions (newest last)
``POST /admin/override``    ``{"account": ID, "action": "allow"|"block"|null}``
``GET /admin/authorized``   the authorized list added through this API
``POST /admin/authorized``  ``{"name": ACCOUNT_OR_ORG}``; ``DELETE`` with the same body
``POST /admin/reload``      reload scan results now
``POST /admin/account``     ``{"api_key": KEY}``: the account id a key maps to
==========================  ==========================================================

Without ``Authorization: Bearer TOKEN`` matching the admin token every path answers 401;
with no admin token configured the admin API is off (every path answers 401).
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

if TYPE_CHECKING:
    from stillwatch.gateway.app import Gateway


def _error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "code": kind, "message": message}}, status)


class Admin:
    def __init__(self, gateway: Gateway, token: str | None) -> None:
        self.gateway = gateway
        self._token = token.encode() if token else None
        self.router = Router(routes=[
            Route("/admin/verdicts", self.verdicts, methods=["GET"]),
            Route("/admin/actions", self.actions, methods=["GET"]),
            Route("/admin/override", self.override, methods=["POST"]),
            Route("/admin/authorized", self.authorized, methods=["GET", "POST", "DELETE"]),
            Route("/admin/reload", self.reload, methods=["POST"]),
            Route("/admin/account", self.account, methods=["POST"]),
        ])

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        given = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
        ok = self._token is not None and hmac.compare_digest(given, b"Bearer " + self._token)
        if not ok:
            await _error(401, "unauthorized", "admin API: send 'Authorization: Bearer TOKEN'")(
                scope, receive, send)
            return
        await self.router(scope, receive, send)

    async def _json(self, request: Request) -> dict[str, Any] | Response:
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "invalid_json", "request body is not valid JSON")
        if not isinstance(body, dict):
            return _error(400, "invalid_request", "request body must be a JSON object")
        return body

    async def verdicts(self, request: Request) -> Response:
        g = self.gateway
        account = request.query_params.get("account")
        if account is not None:
            e = g.book.get(account)
            return JSONResponse({
                "account": account,
                "verdict": e.verdict if e else None, "score": e.score if e else None,
                "campaign": e.campaign if e else None, "reasons": list(e.reasons) if e else [],
                "override": g.policy.overrides.get(account),
                "online_score": g.scoring.score_of(account),
                "online_reasons": g.scoring.reasons.get(account, []),
                "online_exchanges": g.scoring.exchanges_of(account),
                "inherited_from": await g.state.linked("acct", account),
            })
        return JSONResponse({
            **g.book.summary(),
            "enforced": {a: {"verdict": e.verdict, "campaign": e.campaign, "score": e.score}
                         for a, e in g.book.accounts.items() if e.verdict in ("campaign", "suspicious")},
            "overrides": g.policy.overrides,
            "scoring": {"scored": g.scoring.scored, "pending": g.scoring.pending,
                        "dropped": g.scoring.dropped, "batches": g.scoring.batches},
            "online_scores": {a: round(s, 4) for a, s in g.scoring.scores.items() if s > 0},
        })

    async def actions(self, request: Request) -> Response:
        return JSONResponse({"actions": list(self.gateway.recent)})

    async def override(self, request: Request) -> Response:
        body = await self._json(request)
        if isinstance(body, Response):
            return body
        account, action = body.get("account"), body.get("action")
        if not isinstance(account, str) or not account:
            return _error(400, "invalid_request", "'account' must be a non-empty string")
        if action not in ("allow", "block", None):
            return _error(400, "invalid_request", "'action' must be \"allow\", \"block\" or null")
        await self.gateway.state.set_override(account, action)
        await self.gateway.policy.refresh()
        return JSONResponse({"account": account, "override": action})

    async def authorized(self, request: Request) -> Response:
        g = self.gateway
        if request.method != "GET":
            body = await self._json(request)
            if isinstance(body, Response):
                return body
            name = body.get("name")
            if not isinstance(name, str) or not name:
                return _error(400, "invalid_request", "'name' must be a non-empty string")
            await g.state.set_authorized(name, request.method == "POST")
            await g.policy.refresh()
        return JSONResponse({"authorized": sorted(g.policy.authorized)})

    async def reload(self, request: Request) -> Response:
        g = self.gateway
        g.book._stamp = ()  # force
        await g.reload()
        return JSONResponse(g.book.summary())

    async def account(self, request: Request) -> Response:
        body = await self._json(request)
        if isinstance(body, Response):
            return body
        key = body.get("api_key")
        if not isinstance(key, str) or not key:
            return _error(400, "invalid_request", "'api_key' must be a non-empty string")
        return JSONResponse({"account": self.gateway.hasher.account(key)})
