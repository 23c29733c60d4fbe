"""Overseas tenants: the time zone of a number, and calling windows in local time."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest

from voice_app.domain.calendar import PARIS
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.retries import PastAttempt
from voice_app.domain.retries import next_attempt_at
from voice_app.domain.time_zones import TimeZoneError
from voice_app.domain.time_zones import checked_time_zone
from voice_app.domain.time_zones import stored_time_zone
from voice_app.domain.time_zones import time_zone_for_number
from voice_app.domain.time_zones import zone
from voice_app.domain.windows import day_intervals
from voice_app.domain.windows import half_day_of
from voice_app.domain.windows import is_open

GUADELOUPE, REUNION = zone("America/Guadeloupe"), zone("Indian/Reunion")


@pytest.mark.parametrize(("number", "expected"), [
    ("+590590271234", "America/Guadeloupe"), ("+590690123456", "America/Guadeloupe"),
    ("+596696123456", "America/Martinique"), ("+594694123456", "America/Cayenne"),
    ("+262692123456", "Indian/Reunion"), ("+262262123456", "Indian/Reunion"),
    ("+262639012345", "Indian/Mayotte"),  # phonenumbers names two zones: the region decides
    ("+33612345678", None), ("+33145678901", None), (None, None), ("", None), ("+1", None),
])
def test_the_time_zone_of_a_number(number, expected):
    assert time_zone_for_number(number) == expected


def test_a_zone_written_for_the_tenant_wins_over_the_number_and_paris_is_stored_as_none():
    assert stored_time_zone("Indian/Reunion", "+33612345678") == "Indian/Reunion"
    assert stored_time_zone("Europe/Paris", "+262692123456") is None
    assert stored_time_zone(None, "+262692123456") == "Indian/Reunion"
    assert checked_time_zone(" indian/reunion ") == "Indian/Reunion" and checked_time_zone("") is None
    with pytest.raises(TimeZoneError, match="fuseau horaire inconnu « Asia/Tokyo »"):
        checked_time_zone("Asia/Tokyo")


def test_an_unknown_stored_zone_is_read_as_paris():
    assert zone(None) is PARIS and zone("Mars/Olympus") is PARIS


def test_guadeloupe_windows_are_guadeloupe_wall_clock_times():
    first, *_ = day_intervals(CampaignPolicy(), date(2026, 11, 24), GUADELOUPE)
    assert first.start == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 10:00 in Guadeloupe, 15:00 in Paris
    five_am_there = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    assert is_open(CampaignPolicy(), five_am_there)
    assert not is_open(CampaignPolicy(), five_am_there, GUADELOUPE)


def test_half_days_are_local():
    moment = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # 12:00 Paris, 07:00 Guadeloupe, 15:00 Réunion
    assert [half_day_of(moment, tz)[1] for tz in (PARIS, GUADELOUPE, REUNION)] == ["am", "am", "pm"]


def test_local_public_holidays_close_the_windows_there_only():
    abolition_day = date(2027, 12, 20)  # a Monday: a public holiday in Réunion, not in Paris
    assert day_intervals(CampaignPolicy(), abolition_day, REUNION) == []
    assert day_intervals(CampaignPolicy(), abolition_day) != []


def test_a_retry_prefers_the_tenants_half_day_and_falls_back_to_the_other():
    policy = CampaignPolicy(weekdays=frozenset({1}))
    ends = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # Wednesday 18:00 in Guadeloupe
    first = PastAttempt(1, "ended", "no_answer", datetime(2026, 11, 24, 14, 31, tzinfo=UTC),
                        datetime(2026, 11, 24, 14, 32, tzinfo=UTC))
    local = lambda moment: moment.astimezone(GUADELOUPE).strftime("%a %H:%M")  # noqa: E731
    assert local(next_attempt_at(policy, [first], ends, first.ended_at, GUADELOUPE, "am")) == "Wed 10:00"
    assert local(next_attempt_at(policy, [first], ends, first.ended_at, GUADELOUPE, "pm")) == "Tue 14:00"
    second = PastAttempt(2, "ended", "busy", datetime(2026, 11, 25, 14, 0, tzinfo=UTC),
                         datetime(2026, 11, 25, 14, 1, tzinfo=UTC))
    # No morning left in the round: the afternoon, rather than no retry at all.
    assert local(next_attempt_at(policy, [first, second], ends, second.ended_at, GUADELOUPE, "am")) == \
        "Wed 14:00"
