"""Campaign policies for tests."""

from __future__ import annotations

from voice_app.domain.campaigns import ALL_DAYS
from voice_app.domain.campaigns import MINUTES_PER_DAY
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.campaigns import Window


def always_open_policy(**changes) -> CampaignPolicy:
    """Every day, all day, holidays included: the demo campaign calls whatever the time."""
    base = CampaignPolicy(rhythm="daily", weekdays=ALL_DAYS, windows=(Window(0, MINUTES_PER_DAY, ALL_DAYS),),
                          include_holidays=True, round_days=1)
    return base.with_changes(**changes)
