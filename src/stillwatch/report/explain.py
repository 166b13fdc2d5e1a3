"""The evidence for one account, for the terminal: verdict, reasons, linked accounts, an
hourly activity sparkline and sample prompts. Rendered with rich; no plotting dependencies."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from stillwatch.errors import StillwatchError
from stillwatch.report.exchanges import ExchangeStore
from stillwatch.report.results import VERDICT_ACTION, Results
from stillwatch.report.text import fill_hours, shorten, sparkline

STYLE = {"campaign": "bold red", "suspicious": "bold yellow", "clear": "dim", "authorized": "bold blue"}


def explain(
    results: Results,
    store: ExchangeStore,
    account: str,
    redact: bool = False,
    links: int = 10,
    samples: int = 3,
    width: int = 60,
) -> RenderableType:
    """Everything the results and the store say about ``account``."""
    row = results.by_account.get(account)
    if row is None:
        raise StillwatchError(f"{results.root}: account {account!r} is not in these results ({len(results.accounts):,} accounts)")
    verdict = str(row["verdict"])
    action = VERDICT_ACTION.get(verdict, ("?", ""))[0]
    head = Text.assemble(
        (account, "bold"), "  ", (verdict, STYLE.get(verdict, "")), f"  score {float(row['score']):.2f}",
        f"  campaign {row['campaign']}" if row.get("campaign") else "",
        f"\n{int(row['exchanges']):,} exchanges, {int(row['output_tokens']):,} output tokens; gateway: {action}",
    )
    parts: list[RenderableType] = [Panel(head, expand=False)]

    reasons = Table(title="Reasons (strongest first)", title_justify="left", show_edge=False)
    reasons.add_column("weight", justify="right")
    reasons.add_column("signal")
    reasons.add_column("detail", overflow="fold")
    for r in row.get("reasons", []):
        # log-derived strings go in as Text, so rich never reads them as markup
        reasons.add_row(f"{float(r.get('weight', 0)):.2f}", Text(str(r.get("signal"))), Text(str(r.get("detail", ""))))
    parts.append(reasons)

    near = results.neighbours(account)
    if near:
        linked = Table(title=f"Linked accounts ({len(near):,})", title_justify="left", show_edge=False)
        for name, justify in (("account", "left"), ("verdict", "left"), ("strongest link", "left"), ("weight", "right")):
            linked.add_column(name, justify=justify)  # type: ignore[arg-type]
        for other, kind, w in near[:links]:
            v = results.verdict_of(other)
            linked.add_row(Text(other), Text(v, STYLE.get(v, "")), Text(kind), f"{w:.2f}")
        parts.append(linked)
    else:
        parts.append(Text("No links to flagged accounts.", style="dim"))

    if not store.available:
        parts.append(Text(f"Timeline and prompts unavailable: {store.problem}.", style="dim"))
        return Group(*parts)
    activity = store.activity(account)
    series = fill_hours(activity)
    if activity:
        first, last = activity[0][0], activity[-1][0]
        parts.append(
            Text.assemble(
                ("Exchanges per hour ", "bold"),
                f"{first:%Y-%m-%d %H:00} to {last:%Y-%m-%d %H:00} UTC, peak {max(series)}/h\n",
                (sparkline(series, width), "cyan"),
            )
        )
    examples: list[dict[str, object]] = []
    for r in row.get("reasons", []):
        examples += store.examples([account], str(r.get("signal")), limit=samples)
        if examples:
            break
    examples = examples or store.sample(account, samples)
    prompts = Table(title="Sample prompts", title_justify="left", show_edge=False)
    prompts.add_column("time")
    prompts.add_column("category")
    prompts.add_column("prompt", overflow="fold")
    for e in examples[:samples]:
        prompts.add_row(
            str(e.get("time", "")),
            Text(str(e.get("category") or "")),
            Text(shorten(e.get("prompt_text"), 200, redact)),  # type: ignore[arg-type]
        )
    parts.append(prompts)
    return Group(*parts)
