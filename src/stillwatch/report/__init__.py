"""Reports people read: the HTML campaign dossier, built from a scan's results folder.

Reading results (:class:`Results`, :class:`ExchangeStore`) needs only core dependencies, so
``explain`` and the STIX export use them without the ``report`` extra; rendering
(:func:`build_context`, :func:`render_html`, :func:`write_report`) needs matplotlib and jinja2 and is
imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from stillwatch.report.exchanges import ExchangeStore
from stillwatch.report.results import VERDICT_ACTION, Results

_LAZY = {
    "ReportOptions": "stillwatch.report.build",
    "build_context": "stillwatch.report.build",
    "render_html": "stillwatch.report.render",
    "write_report": "stillwatch.report.render",
}

__all__ = [
    "VERDICT_ACTION",
    "ExchangeStore",
    "ReportOptions",
    "Results",
    "build_context",
    "render_html",
    "write_report",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'stillwatch.report' has no attribute {name!r}")
