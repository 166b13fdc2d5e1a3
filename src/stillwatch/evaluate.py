"""Score scan results against a labels file (simulators and labelled test sets only).

This module is the only one that reads labels, and nothing in the detection path imports
it. Measures (the detection issue's targets):

* ``tpr``: campaign accounts given verdict ``campaign``;
* ``fpr``: legitimate accounts given verdict ``campaign``;
* ``hard_case_campaign``: ``campaign`` verdicts per legitimate kind;
* ``authorized_campaign``: authorized partners given ``campaign``;
* ``exchange_recall``: campaign exchanges in accounts flagged ``campaign`` or ``suspicious``;
* ``purity``: per true campaign, the share of its detected accounts that sit in the one
  predicted campaign holding most of them, and per predicted campaign the share of its
  accounts from its dominant true campaign.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import orjson


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def evaluate(results_dir: str | Path, labels_file: str | Path) -> dict[str, Any]:
    verdicts = {r["account"]: r for r in _jsonl(Path(results_dir) / "accounts.jsonl")}
    labels = {r["account"]: r for r in _jsonl(Path(labels_file))}
    positives = [a for a, lab in labels.items() if lab["label"] == "campaign" and a in verdicts]
    legit = [a for a, lab in labels.items() if lab["label"] == "legit" and a in verdicts]
    partners = [a for a, lab in labels.items() if lab["label"] == "authorized" and a in verdicts]

    def is_campaign(a: str) -> bool:
        return bool(verdicts[a]["verdict"] == "campaign")

    hard: Counter[str] = Counter()
    legit_kinds: Counter[str] = Counter()
    for a in legit:
        legit_kinds[labels[a]["kind"]] += 1
        if is_campaign(a):
            hard[labels[a]["kind"]] += 1
    flagged_ex = sum(
        verdicts[a]["exchanges"] for a in positives if verdicts[a]["verdict"] in ("campaign", "suspicious")
    )
    total_ex = sum(verdicts[a]["exchanges"] for a in positives)

    by_true: dict[str, Counter[str]] = defaultdict(Counter)
    by_pred: dict[str, Counter[str]] = defaultdict(Counter)
    for a in positives:
        if is_campaign(a):
            by_true[labels[a]["campaign"]][verdicts[a]["campaign"]] += 1
    for a, v in verdicts.items():
        if v["verdict"] == "campaign":
            lab = labels.get(a, {})
            by_pred[v["campaign"]][lab.get("campaign") or f"<{lab.get('label', '?')}>"] += 1
    per_campaign = {}
    for camp in sorted({labels[a]["campaign"] for a in positives}):
        members = [a for a in positives if labels[a]["campaign"] == camp]
        found = by_true.get(camp, Counter())
        per_campaign[camp] = {
            "accounts": len(members),
            "tpr": sum(found.values()) / len(members),
            "kind": labels[members[0]]["kind"],
            "one_campaign_share": (max(found.values()) / sum(found.values())) if found else 0.0,
            "predicted_as": dict(found.most_common(3)),
        }
    pred_purity = [max(c.values()) / sum(c.values()) for c in by_pred.values()]
    return {
        "accounts": len(verdicts),
        "campaign_accounts": len(positives),
        "legit_accounts": len(legit),
        "tpr": sum(map(is_campaign, positives)) / max(len(positives), 1),
        "fpr": sum(map(is_campaign, legit)) / max(len(legit), 1),
        "suspicious_legit": sum(verdicts[a]["verdict"] == "suspicious" for a in legit),
        "hard_case_campaign": dict(hard),
        "legit_kinds": dict(legit_kinds),
        "authorized_campaign": sum(map(is_campaign, partners)),
        "exchange_recall": flagged_ex / max(total_ex, 1),
        "purity_min": min((v["one_campaign_share"] for v in per_campaign.values()), default=1.0),
        "predicted_purity_min": min(pred_purity, default=1.0),
        "per_campaign": per_campaign,
    }
