"""No identifier string gives a campaign account away: only behaviour may.

Sharing is behaviour, not a leak: a campaign's accounts may share payment instruments or
orgs, and a classifier that memorised those exact values would "separate" them. So the shared
fields enter by format only (their hex digits masked), the per-account ones as they are.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
import pytest

_HEX = re.compile(r"[0-9a-f]")


def _account_strings(run) -> tuple[list[str], np.ndarray]:
    labels = {x["account"]: x["label"] == "campaign" for x in run.labels()}
    fields: dict[str, set[str]] = defaultdict(set)
    for r in run.records():
        for key in ("account", "user_agent", "end_user"):
            fields[r["account"]].add(f"{key}={r.get(key)}")
        for key in ("org", "payment_fingerprint"):
            fields[r["account"]].add(f"{key}={_HEX.sub('h', str(r.get(key)))}")
    accounts = sorted(fields)
    return [" ".join(sorted(fields[a])) for a in accounts], np.array([labels[a] for a in accounts])


def _auc(docs: list[str], y: np.ndarray) -> float:
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    x = HashingVectorizer(analyzer="char_wb", ngram_range=(1, 3), n_features=2**14, alternate_sign=False).transform(docs)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    return float(cross_val_score(LogisticRegression(solver="liblinear"), x, y, cv=folds, scoring="roc_auc").mean())


def test_identifier_strings_do_not_separate_campaigns(wide_run) -> None:
    pytest.importorskip("sklearn")
    docs, y = _account_strings(wide_run)
    assert y.sum() >= 10 and (~y).sum() >= 10
    auc = _auc(docs, y)
    assert auc < 0.65, f"identifier strings separate campaigns from legit traffic (AUC {auc:.2f})"
    # The check has teeth: a marker as small as one letter in the account id is found.
    leaky = [d.replace("account=acct_", "account=acct_z") if c else d for d, c in zip(docs, y, strict=True)]
    assert _auc(leaky, y) > 0.8


def test_string_statistics_do_not_separate_campaigns(wide_run) -> None:
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    labels = {x["account"]: x["label"] == "campaign" for x in wide_run.labels()}
    first: dict[str, dict] = {}
    for r in wide_run.records():
        first.setdefault(r["account"], r)
    rows, y = [], []
    for acct, r in sorted(first.items()):
        rows.append([len(acct), len(r["org"]), sum(c.isdigit() for c in acct), len(r["payment_fingerprint"] or ""),
                     sum(c.isdigit() for c in r["org"]), len(r["user_agent"])])
        y.append(labels[acct])
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    auc = cross_val_score(LogisticRegression(max_iter=2000), np.array(rows), np.array(y), cv=folds,
                          scoring="roc_auc").mean()
    assert auc < 0.65, f"string statistics separate campaigns (AUC {auc:.2f})"
