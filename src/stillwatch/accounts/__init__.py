"""Per-account behaviour: aggregate features over an account's exchanges, and the evidence
they support. The same profile runs over a whole campaign's pooled traffic."""

from stillwatch.accounts.evidence import BehaviourScorer, Profile
from stillwatch.accounts.features import BehaviourProfiler

__all__ = ["BehaviourProfiler", "BehaviourScorer", "Profile"]
