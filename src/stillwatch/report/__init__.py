"""Reports people read: the HTML campaign dossier, built from a scan's results folder.

Needs the ``report`` extra (matplotlib, jinja2).
"""

from stillwatch.report.build import ReportOptions, build
from stillwatch.report.exchanges import ExchangeStore
from stillwatch.report.render import render, write_report
from stillwatch.report.results import VERDICT_ACTION, Results

__all__ = ["VERDICT_ACTION", "ExchangeStore", "ReportOptions", "Results", "build", "render", "write_report"]
