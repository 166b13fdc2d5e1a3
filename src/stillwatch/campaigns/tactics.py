"""Tactic names and their MITRE ATLAS techniques.

IDs as published in ATLAS (case study AML.CS0056 lists the distillation campaigns of
February 2026): AML.T0024.002 Extract AI Model; AML.T0005.001 Create Proxy AI Model: Train
Proxy via Replication; AML.T0021 Establish Accounts; AML.T0054 LLM Jailbreak; AML.T0056
Extract LLM System Prompt; AML.T0034.000 Cost Harvesting: Excessive Queries; AML.T0008.005
AI Service Proxies.
"""

from __future__ import annotations

#: Every campaign is model extraction meant to train a replica.
BASE_TECHNIQUES: tuple[str, ...] = ("AML.T0024.002", "AML.T0005.001")

TACTIC_TECHNIQUES: dict[str, tuple[str, ...]] = {
    "hydra_accounts": ("AML.T0021",),
    "reasoning_elicitation": ("AML.T0054",),
    "system_prompt_extraction": ("AML.T0056",),
    "rubric_grading": (),
    "sensitive_rewrite": ("AML.T0054",),
    "templated_prompts": (),
    "capability_targeting": (),
    "output_harvesting": ("AML.T0034.000",),
    "round_the_clock": ("AML.T0034.000",),
    "shared_infrastructure": (),
    "proxy_network": ("AML.T0008.005",),
    "batch_created_accounts": ("AML.T0021",),
    "synchronised_timing": ("AML.T0021",),
    "model_pivot": (),
    "fresh_accounts": ("AML.T0021",),
}

#: Reason codes of the behaviour rules that name a tactic.
REASON_TACTIC: dict[str, str] = {
    "reasoning_elicitation": "reasoning_elicitation",
    "prompt_extraction": "system_prompt_extraction",
    "rubric_grading": "rubric_grading",
    "sensitive_rewrite": "sensitive_rewrite",
    "templated_prompts": "templated_prompts",
    "capability_concentration": "capability_targeting",
    "output_appetite": "output_harvesting",
    "round_the_clock": "round_the_clock",
    "model_pivot": "model_pivot",
    "fresh_accounts": "fresh_accounts",
    "linked_accounts": "hydra_accounts",
    "shared_infrastructure": "shared_infrastructure",
    "proxy_network": "proxy_network",
    "address_rotation": "proxy_network",
    "batch_created_accounts": "batch_created_accounts",
    "synchronised_activity": "synchronised_timing",
}


def tactics_for(reason_codes: list[str]) -> list[str]:
    """Tactics evidenced by these reason codes, in a stable order."""
    found = {REASON_TACTIC[c] for c in reason_codes if c in REASON_TACTIC}
    return [t for t in TACTIC_TECHNIQUES if t in found]


def atlas_for(tactics: list[str]) -> list[str]:
    ids = list(BASE_TECHNIQUES)
    for t in tactics:
        for tid in TACTIC_TECHNIQUES.get(t, ()):
            if tid not in ids:
                ids.append(tid)
    return ids
