"""Verdicts from the latest scan, loaded and hot-reloaded.

``stillwatch scan ... --out DIR`` writes ``DIR/accounts.jsonl`` and ``DIR/campaigns.json``
(scan results v1). ``VerdictBook.maybe_reload()`` re-reads them when either file's size or
modification time changes; the gateway calls it every ``reload_seconds``, so a campaign
found in batch is enforced within seconds. A results file that cannot be read keeps the
previous verdicts in force, with the error logged; a bad line is skipped with its line number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

log = logging.getLogger("stillwatch.gateway.verdicts")


@dataclass(frozen=True, slots=True)
class Entry:
    """One account's verdict as the scan wrote it."""

    verdict: str
    score: float
    campaign: str | None
    reasons: tuple[dict[str, Any], ...] = ()


@dataclass
class VerdictBook:
    """The verdicts in force. ``directory`` None means none (every account unknown)."""

    directory: Path | None = None
    accounts: dict[str, Entry] = field(default_factory=dict)
    campaigns: dict[str, dict[str, Any]] = field(default_factory=dict)
    loads: int = 0
    errors: list[str] = field(default_factory=list)
    _stamp: tuple[Any, ...] = ()

    def get(self, account: str) -> Entry | None:
        return self.accounts.get(account)

    def _files(self) -> tuple[Path, Path]:
        assert self.directory is not None
        return self.directory / "accounts.jsonl", self.directory / "campaigns.json"

    def _stat(self) -> tuple[Any, ...]:
        out: list[Any] = []
        for p in self._files():
            try:
                st = p.stat()
                out.append((st.st_mtime_ns, st.st_size, st.st_ino))
            except OSError:
                out.append(None)
        return tuple(out)

    def maybe_reload(self) -> bool:
        """Reload when the files changed since the last load; True when it reloaded."""
        if self.directory is None:
            return False
        stamp = self._stat()
        if stamp == self._stamp:
            return False
        return self.reload(stamp)

    def reload(self, stamp: tuple[Any, ...] | None = None) -> bool:
        if self.directory is None:
            return False
        stamp = stamp if stamp is not None else self._stat()
        accounts_path, campaigns_path = self._files()
        errors: list[str] = []
        try:
            accounts = _read_accounts(accounts_path, errors) if accounts_path.exists() else {}
            campaigns = _read_campaigns(campaigns_path) if campaigns_path.exists() else {}
        except (OSError, ValueError) as exc:
            log.error("verdicts: keeping the previous verdicts: %s", exc)
            self.errors = [str(exc)]
            self._stamp = stamp  # do not retry a broken file until it changes again
            return False
        self.accounts, self.campaigns, self.errors = accounts, campaigns, errors
        self._stamp = stamp
        self.loads += 1
        log.info("verdicts: loaded %d accounts, %d campaigns from %s",
                 len(accounts), len(campaigns), self.directory)
        return True

    def summary(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for e in self.accounts.values():
            counts[e.verdict] = counts.get(e.verdict, 0) + 1
        return {"directory": str(self.directory) if self.directory else None,
                "accounts": len(self.accounts), "verdicts": counts,
                "campaigns": sorted(self.campaigns), "loads": self.loads, "errors": self.errors[:20]}


def _read_accounts(path: Path, errors: list[str]) -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    with path.open("rb") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
                entry = Entry(
                    verdict=str(obj["verdict"]),
                    score=float(obj.get("score") or 0.0),
                    campaign=obj.get("campaign"),
                    reasons=tuple(obj.get("reasons") or ()),
                )
                out[str(obj["account"])] = entry
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                msg = f"{path}:{number}: skipped ({type(exc).__name__}: {exc})"
                log.warning("verdicts: %s", msg)
                errors.append(msg)
    return out


def _read_campaigns(path: Path) -> dict[str, dict[str, Any]]:
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(doc, list):
        raise ValueError(f"{path}: expected an array of campaigns")
    return {str(c["id"]): c for c in doc if isinstance(c, dict) and "id" in c}
