"""No identifier string gives a campaign account away: only behaviour may."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest


def _account_strings(run) -> tuple[list[str], np.ndarray]:
    labels = {x["account"]: x["label"] == "campaign" for x in run.labels()}
    fields: dict[str, set[str]] = defaultdict(set)
    for r in run.records():
        for key in ("account", "org", "user_agent", "payment_fingerprint", "end_user"):
            fields[r["account"]].add(f"{key}={r.get(key)}")
    accounts = sorted(fields)
    docs = [" ".join(sorted(fields[a])) for a in accounts]
    return docs, np.array([labels[a] for a in accounts])


def test_identifier_strings_do_not_separate_campaigns(wide_run) -> None:
    pytest.importorskip("sklearn")
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    docs, y = _account_strings(wide_run)
    assert y.sum() >= 10 and (~y).sum() >= 10
    x = HashingVectorizer(analyzer="char_wb", ngram_range=(1, 3), n_features=2**14, alternate_sign=False).transform(docs)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    auc = cross_val_score(LogisticRegression(solver="liblinear", C=1.0), x, y, cv=folds, scoring="roc_auc").mean()
    assert auc < 0.65, f"identifier strings separate campaigns from legit traffic (AUC {auc:.2f})"


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
                     sum(c.isdigit() for c in r["org"])])
        y.append(labels[acct])
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    auc = cross_val_score(LogisticRegression(max_iter=2000), np.array(rows), np.array(y), cv=folds,
                          scoring="roc_auc").mean()
    assert auc < 0.65, f"string statistics separate campaigns (AUC {auc:.2f})"
