"""Small statistics the lab reports: t confidence intervals over seeds, uniformity of p-values."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from scipy import stats


def mean_ci(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of its t confidence interval (0 with one value).

    Examples
    --------
    >>> mean_ci([0.5, 0.7])
    (0.6, 1.2706)
    """
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return round(mean, 4), 0.0
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return round(mean, 4), round(float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n), 4)


def uniformity(pvalues: Sequence[float]) -> dict[str, Any]:
    """How uniform null p-values look: a Kolmogorov-Smirnov test and the tail shares."""
    if not pvalues:
        return {"n": 0}
    ks = stats.kstest(list(pvalues), "uniform")
    return {"n": len(pvalues), "ks_statistic": round(float(ks.statistic), 4), "ks_p": float(ks.pvalue),
            "share_below_0.05": sum(p < 0.05 for p in pvalues) / len(pvalues),
            "share_below_0.01": sum(p < 0.01 for p in pvalues) / len(pvalues),
            "min_p": min(pvalues)}
