"""Who acts together: evidence that accounts are run by one operator, and the communities
that evidence forms."""

from stillwatch.links.graph import Communities, LinkGraph
from stillwatch.links.pairs import KIND_CLASS, LinkConfig, LinkFinder

__all__ = ["KIND_CLASS", "Communities", "LinkConfig", "LinkFinder", "LinkGraph"]
