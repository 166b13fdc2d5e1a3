from __future__ import annotations

import datetime as dt

from stillwatch.report.text import fill_hours, sparkline


def test_sparkline_squeezes_long_series_and_keeps_quiet_hours_visible() -> None:
    line = sparkline([1] + [0] * 10 + [100] * 89, width=10)
    assert len(line) == 10 and line[0] != " " and line[-1] == "█"


def test_fill_hours_spans_gaps() -> None:
    t = dt.datetime(2026, 2, 1, 5)
    assert fill_hours([(t, 2), (t + dt.timedelta(hours=2), 5)]) == [2, 0, 5]
    assert fill_hours([]) == []
