"""Text helpers shared by the HTML report and the terminal (no plotting dependencies)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np


def shorten(text: str | None, limit: int, redact: bool) -> str:
    """A prompt as the report may show it.

    Examples
    --------
    >>> shorten("abcdefgh", 5, False)
    'abcd…'
    >>> shorten("secret plan", 100, True)
    '[prompt redacted: 11 characters]'
    """
    if text is None:
        return "[no prompt text]"
    if redact:
        return f"[prompt redacted: {len(text)} characters]"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sparkline(counts: Sequence[int], width: int = 48) -> str:
    """Unicode block sparkline of a series, squeezed to ``width`` buckets by summing.

    Examples
    --------
    >>> sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8])
    ' ▁▂▃▄▅▆▇█'
    >>> sparkline([])
    ''
    """
    if not counts:
        return ""
    values = np.asarray(counts, dtype=float)
    if len(values) > width:
        edges = np.linspace(0, len(values), width + 1).astype(int)
        values = np.add.reduceat(values, edges[:-1])
    top = values.max()
    blocks = " ▁▂▃▄▅▆▇█"
    if top <= 0:
        return blocks[0] * len(values)
    # any activity shows at least the lowest block, so a quiet hour is not mistaken for none
    return "".join(blocks[max(int(v > 0), int(round(v / top * 8)))] for v in values)


def fill_hours(activity: Sequence[tuple[dt.datetime, int]]) -> list[int]:
    """Counts for every hour from the first to the last active one, zeros in the gaps.

    Examples
    --------
    >>> t = dt.datetime(2026, 2, 1)
    >>> fill_hours([(t, 3), (t + dt.timedelta(hours=3), 1)])
    [3, 0, 0, 1]
    """
    if not activity:
        return []
    start = min(h for h, _ in activity)
    end = max(h for h, _ in activity)
    out = [0] * (int((end - start).total_seconds() // 3600) + 1)
    for h, n in activity:
        out[int((h - start).total_seconds() // 3600)] += n
    return out
