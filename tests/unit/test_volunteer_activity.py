"""A volunteer's own figures, week by week (voice_app.domain.volunteer_activity)."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

from voice_app.domain.volunteer_activity import Closed
from voice_app.domain.volunteer_activity import activity
from voice_app.domain.volunteer_activity import recent_period

TUESDAY = date(2026, 12, 1)


def test_the_period_is_this_week_and_the_three_before_up_to_today():
    period = recent_period(TUESDAY)
    assert (period.first, period.last) == (date(2026, 11, 9), TUESDAY)
    assert [week.monday for week in period.weeks()] == [date(2026, 11, 9), date(2026, 11, 16),
                                                         date(2026, 11, 23), date(2026, 11, 30)]


def test_a_monday_starts_a_new_week_of_its_own():
    assert recent_period(date(2026, 11, 30), weeks=1).first == date(2026, 11, 30)


def test_closed_follow_ups_count_in_their_paris_week_the_most_recent_week_first():
    closed = [
        Closed(datetime(2026, 11, 30, 9, 0, tzinfo=UTC), True, ("health", "food")),
        Closed(datetime(2026, 11, 29, 23, 30, tzinfo=UTC), False, ()),  # Monday 00:30 in Paris
        Closed(datetime(2026, 11, 29, 22, 30), True, ("nothing",)),  # naive UTC: Sunday 23:30 in Paris
        Closed(datetime(2026, 11, 10, 8, 0, tzinfo=UTC), True, ("health",)),
    ]
    found = activity(recent_period(TUESDAY), closed)
    by_monday = {week.week.monday: week for week in found.weeks}
    assert [week.week.monday for week in found.weeks][0] == date(2026, 11, 30)
    this_week, last_week = by_monday[date(2026, 11, 30)], by_monday[date(2026, 11, 23)]
    assert (this_week.done, this_week.reached, this_week.oriented) == (2, 1, 2)
    # "aucun besoin" is no orientation
    assert (last_week.done, last_week.reached, last_week.oriented) == (1, 1, 0)
    assert by_monday[date(2026, 11, 16)].done == 0
    assert found.done == 4


def test_the_period_lists_the_orientations_used_most_used_first_with_french_labels():
    closed = [Closed(datetime(2026, 11, 30, 9, tzinfo=UTC), True, ("food",)),
              Closed(datetime(2026, 11, 24, 9, tzinfo=UTC), True, ("health", "food")),
              Closed(datetime(2026, 11, 25, 9, tzinfo=UTC), True, ("nothing",))]
    assert activity(recent_period(TUESDAY), closed).referrals == [
        ("Portage de repas ou aide alimentaire", 2), ("Services de santé", 1), ("Aucun besoin", 1)]


def test_a_category_given_twice_on_one_follow_up_counts_once_and_outside_the_period_not_at_all():
    closed = [Closed(datetime(2026, 11, 30, 9, tzinfo=UTC), True, ("food", "food")),
              Closed(datetime(2026, 11, 2, 9, tzinfo=UTC), True, ("health",)),
              Closed(datetime(2026, 12, 2, 9, tzinfo=UTC), True, ("health",))]  # tomorrow: not yet
    found = activity(recent_period(TUESDAY), closed)
    assert found.done == 1 and found.referrals == [("Portage de repas ou aide alimentaire", 1)]
