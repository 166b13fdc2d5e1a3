"""A scan's results folder, read back: the contract files plus the link table and the store.

``scan --out DIR`` writes ``accounts.jsonl``, ``campaigns.json`` and ``summary.json`` (the
results contract), ``links.parquet`` (links among flagged accounts) and names the DuckDB store
it read in ``summary.json`` under ``"db"``. The report, ``explain`` and the STIX export all
start from a :class:`Results`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from stillwatch.errors import StillwatchError

#: What the gateway does by default with each verdict (its default policy, mirrored here so
#: a reader of the report sees the consequence of each verdict).
VERDICT_ACTION: dict[str, tuple[str, str]] = {
    "campaign": ("block", "requests are refused"),
    "suspicious": ("flag", "requests pass, tagged for review"),
    "clear": ("allow", "requests pass"),
    "authorized": ("allow (exempt)", "on the authorized list: never blocked"),
}


def _read_json(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except OSError as exc:
        raise StillwatchError(f"{path}: cannot read scan results ({exc.strerror})") from None
    except orjson.JSONDecodeError as exc:
        raise StillwatchError(f"{path}: not valid JSON ({exc})") from None


def _read_accounts(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise StillwatchError(f"{path}: cannot read scan results ({exc.strerror})") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise StillwatchError(f"{path}:{n}: not valid JSON ({exc})") from None
        if not isinstance(row, dict) or not isinstance(row.get("account"), str):
            raise StillwatchError(f"{path}:{n}: an account row needs a string 'account'")
        row.setdefault("reasons", [])
        rows.append(row)
    return rows


@dataclass
class Results:
    """One scan's output folder, loaded.

    ``db`` is the store the scan read (from ``summary.json``, or given explicitly); it may be
    None or missing, in which case views that need exchanges say so instead of failing.
    """

    root: Path
    accounts: list[dict[str, Any]]
    campaigns: list[dict[str, Any]]
    summary: dict[str, Any]
    links: pa.Table | None = None
    db: Path | None = None
    by_account: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, root: str | Path, db: str | Path | None = None) -> Results:
        base = Path(root)
        if not base.is_dir():
            raise StillwatchError(f"{base}: not a results folder (run `stillwatch scan --out`)")
        accounts = _read_accounts(base / "accounts.jsonl")
        campaigns = _read_json(base / "campaigns.json")
        summary = _read_json(base / "summary.json")
        if not isinstance(campaigns, list) or not all(isinstance(c, dict) for c in campaigns):
            raise StillwatchError(f"{base / 'campaigns.json'}: expected an array of campaigns")
        if not isinstance(summary, dict):
            raise StillwatchError(f"{base / 'summary.json'}: expected an object")
        for c in campaigns:
            if not isinstance(c.get("id"), str) or not isinstance(c.get("accounts"), list):
                raise StillwatchError(f"{base / 'campaigns.json'}: campaign {c!r:.60} lacks id/accounts")
        links = None
        link_path = base / "links.parquet"
        if link_path.exists():
            try:
                links = pq.read_table(link_path)
            except (OSError, pa.ArrowInvalid) as exc:
                raise StillwatchError(f"{link_path}: cannot read link table ({exc})") from None
        store = Path(db) if db is not None else None
        if store is None and isinstance(summary.get("db"), str):
            store = Path(summary["db"])
            if not store.is_absolute():
                store = base / store
        out = cls(base, accounts, campaigns, summary, links, store)
        out.by_account = {a["account"]: a for a in accounts}
        return out

    def verdict_of(self, account: str) -> str:
        row = self.by_account.get(account)
        return str(row["verdict"]) if row else "unknown"

    def with_verdict(self, verdict: str) -> list[dict[str, Any]]:
        """Accounts with this verdict, strongest score first."""
        rows = [a for a in self.accounts if a.get("verdict") == verdict]
        return sorted(rows, key=lambda a: (-float(a.get("score", 0.0)), a["account"]))

    def campaign(self, cid: str) -> dict[str, Any]:
        for c in self.campaigns:
            if c["id"] == cid:
                return c
        raise StillwatchError(f"{self.root}: no campaign {cid!r}")

    def neighbours(self, account: str) -> list[tuple[str, str, float]]:
        """(other account, strongest evidence kind, summed weight), strongest first."""
        if self.links is None or self.links.num_rows == 0:
            return []
        summed: dict[str, float] = {}
        kind: dict[str, tuple[float, str]] = {}
        for row in self.links.select(["kind", "a", "b", "weight"]).to_pylist():
            if account not in (row["a"], row["b"]):
                continue
            other = row["b"] if row["a"] == account else row["a"]
            w = float(row["weight"])
            summed[other] = summed.get(other, 0.0) + w
            # ties go to the alphabetically first kind, so output does not depend on row order
            best = kind.get(other, (-1.0, ""))
            if (w, best[1]) > (best[0], str(row["kind"])) or other not in kind:
                kind[other] = (w, str(row["kind"]))
        ranked = sorted(summed.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(o, kind[o][1], w) for o, w in ranked]
