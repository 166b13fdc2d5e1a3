"""Render the report: one self-contained HTML file (inline CSS, pictures as data URIs).

Every value from the log (account names, prompts, reason details) is escaped by the
template engine's autoescaping, and the page carries a Content-Security-Policy that allows
no script and no network, so a hostile prompt cannot run in an analyst's browser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from stillwatch.errors import StillwatchError
from stillwatch.report.build import ReportOptions, build_context
from stillwatch.report.exchanges import ExchangeStore
from stillwatch.report.results import Results

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("stillwatch.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _money_filter(currency: str) -> Any:
    def money(value: float) -> str:
        if value >= 100:
            return f"{value:,.0f} {currency}"
        return f"{value:,.2f} {currency}"

    return money


def render_html(context: dict[str, Any]) -> str:
    """HTML for a context made by :func:`stillwatch.report.build.build_context`."""
    opt: ReportOptions = context["options"]
    template = _ENV.get_template("report.html.j2")
    return template.render(h=context["headline"], money=_money_filter(opt.currency), **context)


def write_report(
    results_dir: str | Path,
    out: str | Path | None = None,
    options: ReportOptions | None = None,
    db: str | Path | None = None,
) -> Path:
    """Read a results folder (and the store it names), write the HTML report, return its path.

    ``out`` defaults to ``RESULTS_DIR/report.html``.
    """
    results = Results.load(results_dir, db)
    target = Path(out) if out is not None else results.root / "report.html"
    with ExchangeStore(results.db) as store:
        html = render_html(build_context(results, store, options or ReportOptions()))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise StillwatchError(f"{target}: cannot write the report ({exc.strerror})") from None
    return target
