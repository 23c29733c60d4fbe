"""A volunteer's own figures on their home page (voice_app.domain.volunteer_activity): the
follow-ups they closed in the last weeks, read by who closed them (index of migration 0017)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from db.models import FollowUp
from voice_app.domain.calendar import paris_date
from voice_app.domain.follow_up import Status
from voice_app.domain.volunteer_activity import Activity
from voice_app.domain.volunteer_activity import Closed
from voice_app.domain.volunteer_activity import activity
from voice_app.domain.volunteer_activity import recent_period
from voice_app.services.ports import Runtime


def my_activity(veille: Runtime, user_id: int, now: datetime) -> Activity:
    """What `user_id` closed this week and the weeks before (Paris weeks)."""
    period = recent_period(paris_date(now))
    with veille.session_factory() as session:
        rows = session.execute(select(FollowUp.completed_at, FollowUp.referrals).where(
            FollowUp.completed_by_id == user_id, FollowUp.status == Status.DONE,
            FollowUp.completed_at >= period.starts_at, FollowUp.completed_at < period.ends_at))
        closed = [Closed(completed_at, frozenset(referrals or ())) for completed_at, referrals in rows]
    return activity(period, closed)
