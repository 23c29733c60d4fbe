"""A campaign's policy: parsing what coordinators type, validation, JSON round trip."""

from __future__ import annotations

import pytest

from tests.policies import always_open_policy
from voice_app.domain.campaigns import ALL_DAYS
from voice_app.domain.campaigns import DEFAULT_WINDOWS
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.campaigns import InvalidPolicy
from voice_app.domain.campaigns import Window
from voice_app.domain.campaigns import parse_days
from voice_app.domain.campaigns import parse_minutes
from voice_app.domain.campaigns import parse_window
from voice_app.domain.campaigns import urgent_policy


def test_the_default_policy_is_weekly_on_weekday_mornings_and_afternoons_with_three_attempts():
    policy = CampaignPolicy()
    assert policy.rhythm == "weekly"
    assert [w.label() for w in policy.windows] == ["lun-ven 10:00-12:30", "lun-ven 14:00-18:00"]
    assert not policy.include_holidays
    assert (policy.max_attempts, policy.retry_gap_minutes, policy.retry_other_half_day) == (3, 120, True)


def test_the_policy_round_trips_through_json_with_the_dispatcher_keys():
    policy = CampaignPolicy(weekdays=frozenset({0, 3}), calls_per_second=2.5, max_concurrent_calls=40,
                            windows=(parse_window("mon-sat 09:30-12:00"),))
    stored = policy.to_dict()
    assert stored["calls_per_second"] == 2.5 and stored["max_concurrent_calls"] == 40
    assert stored["windows"] == [{"days": ["mon", "tue", "wed", "thu", "fri", "sat"], "start": "09:30",
                                  "end": "12:00"}]
    assert CampaignPolicy.from_dict(stored) == policy


def test_unknown_keys_in_a_stored_policy_are_kept_and_missing_ones_take_their_default():
    policy = CampaignPolicy.from_dict({"max_attempts": 2, "note": "pilot"})
    assert policy.max_attempts == 2 and policy.windows == DEFAULT_WINDOWS
    assert policy.to_dict()["note"] == "pilot"


@pytest.mark.parametrize(("text", "days"), [
    ("mon-fri", {0, 1, 2, 3, 4}),
    ("mon,wed", {0, 2}),
    ("sat-sun", {5, 6}),
    ("fri-mon", {4, 5, 6, 0}),
    ("lun-ven", {0, 1, 2, 3, 4}),
    ("Mardi", {1}),
    ("all", set(range(7))),
])
def test_weekday_names_are_read_in_english_or_french(text, days):
    assert parse_days(text) == frozenset(days)


@pytest.mark.parametrize(("text", "minutes"), [("10:00", 600), ("9h30", 570), ("24:00", 1440), ("0:05", 5)])
def test_times_are_read_as_minutes_after_midnight(text, minutes):
    assert parse_minutes(text) == minutes


def test_a_window_without_days_takes_monday_to_friday():
    assert parse_window("11:00-14:00") == Window(660, 840, frozenset(range(5)))


@pytest.mark.parametrize(("build", "message"), [
    (lambda: parse_window("mon-fri 12:00-10:00"), "se termine avant de commencer"),
    (lambda: parse_window("mon-fri 10:00-10:00"), "se termine avant de commencer"),
    (lambda: parse_window("funday 10:00-12:00"), "Jour inconnu"),
    (lambda: parse_window("mon 25:00-26:00"), "Heure invalide"),
    (lambda: parse_window("mon 10h-12h"), "Heure illisible"),
    (lambda: parse_window("lundi matin"), "Fenêtre illisible"),
    (lambda: parse_days("mon,xyz"), "Jour inconnu"),
    (lambda: CampaignPolicy(max_attempts=0), "entre 1 et 10"),
    (lambda: CampaignPolicy(calls_per_second=0), "strictement positif"),
    (lambda: CampaignPolicy(calls_per_second=-1), "strictement positif"),
    (lambda: CampaignPolicy(max_concurrent_calls=0), "simultanés"),
    (lambda: CampaignPolicy(retry_gap_minutes=0), "au moins une minute"),
    (lambda: CampaignPolicy(retry_gap_minutes=5_000_000_000), "une semaine au plus"),
    (lambda: CampaignPolicy(calls_per_second=1e-300), "strictement positif"),
    (lambda: CampaignPolicy(max_concurrent_calls=10**23), "simultanés va de 1 à 10"),
    (lambda: CampaignPolicy(round_days=0), "entre 1 et 7"),
    (lambda: CampaignPolicy(weekdays=frozenset()), "au moins un jour"),
    (lambda: CampaignPolicy(rhythm="monthly"), "Rythme inconnu"),
    (lambda: CampaignPolicy(windows=()), "au moins une fenêtre"),
    (lambda: CampaignPolicy(windows=(parse_window("mon-fri 10:00-12:00"), parse_window("wed 11:00-13:00"))),
     "se chevauchent"),
    (lambda: CampaignPolicy.from_dict({"windows": [{"start": "10:00"}]}), "illisible"),
    (lambda: CampaignPolicy.from_dict({"max_attempts": "three"}), "illisible"),
])
def test_bad_input_is_refused_with_a_french_message(build, message):
    with pytest.raises(InvalidPolicy, match=message):
        build()


def test_invalid_policy_is_a_value_error_so_callers_can_catch_bad_input_generally():
    assert issubclass(InvalidPolicy, ValueError)


def test_windows_on_different_days_may_share_hours():
    windows = (parse_window("mon-wed 10:00-12:00"), parse_window("thu-fri 10:00-12:00"))
    policy = CampaignPolicy(windows=windows)
    assert len(policy.windows) == 2


def test_the_demo_policy_is_open_all_day_every_day_including_holidays():
    policy = always_open_policy()
    assert policy.rhythm == "daily" and policy.include_holidays
    assert policy.windows == (Window(0, 1440, ALL_DAYS),)


def test_an_urgent_policy_calls_every_day_in_the_default_hours():
    policy = urgent_policy(max_attempts=4)
    assert policy.rhythm == "daily" and policy.include_holidays and policy.round_days == 1
    assert all(w.days == ALL_DAYS for w in policy.windows) and policy.max_attempts == 4
