"""Names and addresses of the MITRE ATLAS techniques that campaign tactics map to.

The ids come from :mod:`stillwatch.campaigns.tactics`; the names are ATLAS's own, kept here so
the report and the STIX export print the same words.
"""

from __future__ import annotations

ATLAS_NAMES: dict[str, str] = {
    "AML.T0024.002": "Extract AI Model",
    "AML.T0005.001": "Create Proxy AI Model: Train Proxy via Replication",
    "AML.T0021": "Establish Accounts",
    "AML.T0054": "LLM Jailbreak",
    "AML.T0056": "Extract LLM System Prompt",
    "AML.T0034.000": "Cost Harvesting: Excessive Queries",
    "AML.T0008.005": "AI Service Proxies",
}


def atlas_name(technique: str) -> str:
    """The technique's name, or its id when ATLAS publishes one we do not list.

    Examples
    --------
    >>> atlas_name("AML.T0021")
    'Establish Accounts'
    >>> atlas_name("AML.T9999")
    'AML.T9999'
    """
    return ATLAS_NAMES.get(technique, technique)


def atlas_url(technique: str) -> str:
    """
    Examples
    --------
    >>> atlas_url("AML.T0054")
    'https://atlas.mitre.org/techniques/AML.T0054'
    """
    return f"https://atlas.mitre.org/techniques/{technique}"
