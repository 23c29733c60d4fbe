"""The retention policy: defaults, checks, calendar-month cut-offs, the night's purge hour, and
the record of processing written from the policy."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest

from voice_app.domain.processing_register import register
from voice_app.domain.processing_register import table_label
from voice_app.domain.retention import DEFAULT_POLICY
from voice_app.domain.retention import RetentionPolicy
from voice_app.domain.retention import cut_offs
from voice_app.domain.retention import is_purge_hour
from voice_app.domain.retention import months_before
from voice_app.domain.retention import policy_from_settings
from voice_app.domain.retention import policy_problems


def test_the_defaults_keep_calls_two_years_and_answers_and_notes_one():
    assert DEFAULT_POLICY == RetentionPolicy(calls=24, answers=12, notes=12)
    assert policy_from_settings(None) == policy_from_settings({}) == DEFAULT_POLICY


def test_an_organisations_settings_override_the_defaults_one_by_one():
    assert policy_from_settings({"retention": {"calls": 36}}) == RetentionPolicy(36, 12, 12)


def test_stored_settings_that_make_no_policy_fall_back_to_the_defaults():
    assert policy_from_settings({"retention": {"calls": 6}}) == DEFAULT_POLICY  # answers would outlive calls


@pytest.mark.parametrize(("values", "problem"), [
    ({"calls": 0, "answers": 12, "notes": 12}, "entre 1 et 120"),
    ({"calls": 24, "answers": "12", "notes": 12}, "« answers »"),
    ({"calls": 24, "answers": True, "notes": 12}, "« answers »"),
    ({"calls": 200, "answers": 12, "notes": 12}, "entre 1 et 120"),
    ({"calls": 12, "answers": 12, "notes": 18}, "notes des bénévoles sur les suivis ne peuvent pas"),
    ({"calls": 24, "answers": 12, "notes": 12, "recordings": 1}, "inconnue : recordings"),
])
def test_a_bad_policy_is_refused_in_french(values, problem):
    assert any(problem in text for text in policy_problems(values)), policy_problems(values)


def test_a_good_policy_has_no_problem():
    assert policy_problems({"calls": 24, "answers": 24, "notes": 1}) == []


@pytest.mark.parametrize(("moment", "months", "expected"), [
    (datetime(2026, 11, 24, 9, 30, tzinfo=UTC), 24, datetime(2024, 11, 24, 9, 30, tzinfo=UTC)),
    (datetime(2026, 3, 31, 2, 0, tzinfo=UTC), 1, datetime(2026, 2, 28, 2, 0, tzinfo=UTC)),
    (datetime(2026, 3, 31, 2, 0, tzinfo=UTC), 25, datetime(2024, 2, 29, 2, 0, tzinfo=UTC)),
    (datetime(2026, 1, 15, tzinfo=UTC), 13, datetime(2024, 12, 15, tzinfo=UTC)),
])
def test_months_are_calendar_months(moment, months, expected):
    assert months_before(moment, months) == expected


def test_each_kind_has_its_own_cut_off():
    limits = cut_offs(RetentionPolicy(24, 12, 6), datetime(2026, 11, 24, 9, 30, tzinfo=UTC))
    assert (limits.calls.year, limits.answers.year, limits.notes.month) == (2024, 2025, 5)


def test_the_purge_runs_in_the_third_hour_of_the_paris_night_winter_and_summer():
    assert is_purge_hour(datetime(2026, 11, 25, 2, 15, tzinfo=UTC))  # 03:15 CET
    assert not is_purge_hour(datetime(2026, 11, 25, 3, 15, tzinfo=UTC))
    assert is_purge_hour(datetime(2026, 7, 1, 1, 0, tzinfo=UTC))  # 03:00 CEST


def test_the_record_of_processing_says_the_policys_periods():
    text = "\n".join(f"{p.name} {p.retention}" for p in register(RetentionPolicy(30, 9, 7)))
    assert "30 mois après l’appel" in text and "9 mois après l’appel" in text
    assert "7 mois après la fin" in text
    assert "Liste d’opposition" in text and "jamais purgée" in text
    assert all(p.data and p.purpose and p.legal_basis and p.recipients for p in register(DEFAULT_POLICY))


def test_every_table_has_a_french_name_or_shows_its_own():
    assert table_label("responses") == "réponses données pendant les appels"
    assert table_label("a_new_table") == "a_new_table"
