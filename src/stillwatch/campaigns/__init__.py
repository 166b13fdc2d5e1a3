"""Campaigns: communities of linked accounts (or single accounts) whose pooled traffic shows
abuse or coordinated harvesting, sized and described with tactics and ATLAS ids."""

from stillwatch.campaigns.assemble import CampaignAssembler
from stillwatch.campaigns.group import Campaign, CampaignConfig, Group

__all__ = ["Campaign", "CampaignAssembler", "CampaignConfig", "Group"]
