"""``stillwatch serve``: run the enforcement gateway under uvicorn."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from stillwatch.errors import ConfigError


def build(upstream: str | None, audit: Path, admin_token_file: Path | None, redis_url: str | None,
          config_file: Path | None, results: Path | None, secret_file: Path | None,
          log_level: str = "warning") -> object:
    """The Gateway object ``serve`` runs (separate so tests and embedders can build one).

    ``upstream`` None builds one with no proxy of its own (the LiteLLM guardrail's case).
    """
    from stillwatch.gateway.app import Gateway
    from stillwatch.gateway.audit import AuditLog
    from stillwatch.gateway.config import load_gateway_config
    from stillwatch.gateway.identity import KeyHasher, load_secret
    from stillwatch.gateway.upstream import UpstreamProxy
    from stillwatch.gateway.verdicts import VerdictBook

    config = load_gateway_config(config_file)
    token = None
    if admin_token_file is not None:
        try:
            token = admin_token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{admin_token_file}: cannot read admin token ({exc.strerror})") from None
        if len(token) < 16:
            raise ConfigError(f"{admin_token_file}: admin token must be at least 16 characters")
    state = None
    if redis_url:
        from stillwatch.gateway.redis_state import RedisState

        state = RedisState(redis_url)
    scoring = None
    if config.score_process:
        from stillwatch.gateway.score_runner import ProcessScoring

        # Replicas share per-account profiles through the same Redis; each writes its own
        # partial profile under its audit directory's name (one process owns a directory).
        settings = {"batch_ms": config.score_batch_ms, "nice": config.score_nice, "log_level": log_level,
                    "redis": redis_url, "replica": str(audit.resolve())}
        scoring = ProcessScoring(settings, config.score_max_pending)
    hasher = KeyHasher(load_secret(secret_file or audit / ".key-secret"))
    proxy = None if upstream is None else UpstreamProxy(
        upstream, api_key=os.environ.get("STILLWATCH_UPSTREAM_KEY") or None,
        timeout=config.upstream_timeout)
    return Gateway(proxy, hasher=hasher, config=config, audit=AuditLog(audit, config.audit),
                   state=state, book=VerdictBook(results), scoring=scoring, admin_token=token)


@click.command("serve")
@click.option("--upstream", required=True, help="Base URL of the OpenAI-compatible API, e.g. http://127.0.0.1:8000")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8787, show_default=True, type=int)
@click.option("--audit", "audit", default="stillwatch-audit", show_default=True,
              type=click.Path(path_type=Path), help="Directory of the audit log (exchange v1 segments).")
@click.option("--admin-token-file", type=click.Path(path_type=Path, dir_okay=False),
              help="File holding the admin API bearer token; without it /admin/ answers 401.")
@click.option("--redis", "redis_url", help="redis://host:port/db to share state between replicas.")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Policy file (TOML) overriding the defaults; see docs/gateway.md.")
@click.option("--results", type=click.Path(path_type=Path, file_okay=False),
              help="Directory written by `stillwatch scan --out`; reloaded when it changes.")
@click.option("--key-secret", "secret_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Secret for hashing API keys [default: AUDIT/.key-secret, created when absent].")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
def command(upstream: str, host: str, port: int, audit: Path, admin_token_file: Path | None,
            redis_url: str | None, config_file: Path | None, results: Path | None,
            secret_file: Path | None, log_level: str) -> None:
    """Run the enforcement gateway in front of an OpenAI-compatible API.

    The upstream key, if the upstream needs one other than the caller's, is read from the
    environment variable STILLWATCH_UPSTREAM_KEY; it is never logged.
    """
    try:
        import uvicorn
    except ImportError:
        raise click.ClickException("the gateway needs the [gateway] extra: pip install 'stillwatch[gateway]'") from None
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = build(upstream, audit, admin_token_file, redis_url, config_file, results, secret_file,
                log_level)
    click.echo(f"stillwatch gateway on http://{host}:{port} -> {upstream} (audit: {audit})", err=True)
    # proxy_headers off: client addresses come from the socket, or from trusted_headers only.
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, proxy_headers=False,
                lifespan="on", timeout_graceful_shutdown=10)
