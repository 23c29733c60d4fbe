"""A volunteer's own figures, week by week (voice_app.domain.volunteer_activity)."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

from voice_app.domain.volunteer_activity import Closed
from voice_app.domain.volunteer_activity import activity
from voice_app.domain.volunteer_activity import recent_period

TUESDAY = date(2026, 12, 1)


def closed(year, month, day, hour, minute, *referrals) -> Closed:
    return Closed(datetime(year, month, day, hour, minute, tzinfo=UTC), frozenset(referrals))


def by_monday(found) -> dict:
    return {row.week.monday: (row.done, row.oriented) for row in found.weeks}


def test_the_period_is_this_week_and_the_three_before_up_to_today():
    period = recent_period(TUESDAY)
    assert (period.first, period.last) == (date(2026, 11, 9), TUESDAY)
    assert [week.monday for week in period.weeks()] == [date(2026, 11, 9), date(2026, 11, 16),
                                                         date(2026, 11, 23), date(2026, 11, 30)]


def test_a_monday_starts_a_new_week_of_its_own():
    assert recent_period(date(2026, 11, 30), weeks=1).first == date(2026, 11, 30)


def test_follow_ups_count_in_their_paris_week_the_most_recent_week_first():
    found = activity(recent_period(TUESDAY), [
        closed(2026, 11, 30, 9, 0, "health", "food"),
        closed(2026, 11, 29, 23, 30, "social"),  # Monday 00:30 in Paris: this week
        closed(2026, 11, 29, 22, 30, "nothing"),  # Sunday 23:30 in Paris: last week
        closed(2026, 11, 10, 8, 0, "health"),
    ])
    assert [row.week.monday for row in found.weeks] == [date(2026, 11, 30), date(2026, 11, 23),
                                                        date(2026, 11, 16), date(2026, 11, 9)]
    # "aucun besoin" is no orientation
    assert by_monday(found) == {date(2026, 11, 30): (2, 3), date(2026, 11, 23): (1, 0),
                                date(2026, 11, 16): (0, 0), date(2026, 11, 9): (1, 1)}
    assert found.done == 4


def test_the_week_boundary_follows_paris_across_the_october_clock_change():
    # Summer time ends on Sunday 25 October 2026: the week of the 26th starts at 23:00 UTC.
    found = activity(recent_period(date(2026, 10, 27), weeks=2), [
        closed(2026, 10, 25, 22, 30, "food"),  # 23:30 in Paris, Sunday
        closed(2026, 10, 25, 23, 30, "food", "health"),  # 00:30 in Paris, Monday
    ])
    assert by_monday(found) == {date(2026, 10, 19): (1, 1), date(2026, 10, 26): (1, 2)}


def test_the_period_lists_every_category_used_most_used_first_with_french_labels():
    found = activity(recent_period(TUESDAY), [closed(2026, 11, 30, 9, 0, "food"),
                                              closed(2026, 11, 24, 9, 0, "health", "food"),
                                              closed(2026, 11, 25, 9, 0, "nothing")])
    assert found.referrals == [("Portage de repas ou aide alimentaire", 2), ("Services de santé", 1),
                               ("Aucun besoin", 1)]


def test_a_follow_up_outside_the_period_is_not_counted():
    found = activity(recent_period(TUESDAY), [closed(2026, 11, 30, 9, 0, "food"),
                                              closed(2026, 11, 2, 9, 0, "health"),  # five weeks ago
                                              closed(2026, 12, 2, 9, 0, "health")])  # tomorrow
    assert found.done == 1 and found.referrals == [("Portage de repas ou aide alimentaire", 1)]


def test_a_category_no_longer_in_the_vocabulary_is_left_out_as_the_landlords_figures_leave_it():
    found = activity(recent_period(TUESDAY), [closed(2026, 11, 30, 9, 0, "food", "retired-code"),
                                              closed(2026, 11, 24, 9, 0, "retired-code")])
    assert found.done == 2
    assert by_monday(found)[date(2026, 11, 30)] == (1, 1)
    assert found.referrals == [("Portage de repas ou aide alimentaire", 1)]


def test_a_week_is_said_in_words_for_screen_readers():
    weeks = activity(recent_period(date(2026, 6, 3), weeks=2), []).weeks
    assert [week.spoken for week in weeks] == ["semaine du lundi 1er juin", "semaine du lundi 25 mai"]
