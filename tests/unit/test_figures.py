"""Periods, Paris weeks and the landlord's sentences (voice_app.domain.figures)."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest

from voice_app.domain.figures import Counts
from voice_app.domain.figures import Dimension
from voice_app.domain.figures import PeriodError
from voice_app.domain.figures import current_month
from voice_app.domain.figures import dates_period
from voice_app.domain.figures import headline
from voice_app.domain.figures import month_period
from voice_app.domain.figures import parse_dimension
from voice_app.domain.figures import percent


def test_a_month_is_its_first_to_last_day_in_paris_time():
    november = month_period("2026-11")
    assert (november.first, november.last) == (date(2026, 11, 1), date(2026, 11, 30))
    assert november.starts_at == datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert november.ends_at == datetime(2026, 11, 30, 23, tzinfo=UTC)
    assert november.label == "novembre 2026"
    assert month_period("2026-12").last == date(2026, 12, 31)


def test_weeks_are_paris_mondays_cut_to_the_period_across_the_clock_change():
    weeks = month_period("2026-10").weeks()
    assert [w.monday for w in weeks][:2] == [date(2026, 9, 28), date(2026, 10, 5)]
    assert weeks[0].starts_at == datetime(2026, 9, 30, 22, tzinfo=UTC)  # 1 October, summer time
    last_october_week = weeks[-1]  # 26 October: winter time
    assert last_october_week.starts_at == datetime(2026, 10, 25, 23, tzinfo=UTC)
    assert last_october_week.ends_at == datetime(2026, 10, 31, 23, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-13", "11/2026", "", "novembre"])
def test_a_bad_month_is_refused_in_french(text):
    with pytest.raises(PeriodError, match="Mois invalide"):
        month_period(text)


def test_dates_must_be_readable_ordered_and_not_too_far_apart():
    assert dates_period("2026-11-01", "2026-11-15").label == "du 01/11/2026 au 15/11/2026"
    for first, last, message in (("2026-11-10", "2026-11-01", "précède"), ("hier", "2026-11-01", "invalides"),
                                 ("2024-01-01", "2026-01-01", "trop longue")):
        with pytest.raises(PeriodError, match=message):
            dates_period(first, last)


def test_groupings_and_the_current_month():
    assert parse_dimension(None) == Dimension.WEEK and parse_dimension("site") == Dimension.SITE
    with pytest.raises(PeriodError, match="Regroupement inconnu"):
        parse_dimension("quartier")
    assert current_month(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)).label == "décembre 2026"  # Paris


def test_the_landlords_sentences_name_counts_never_people():
    total = Counts(enrolled=120, called=100, reached=80, needs={"help_health": 5, "no_key": 7}, completed=10,
                   on_time=9, by_usual_volunteer=6, referrals={"health": 4, "food": 2, "nothing": 3},
                   regular_calls=3, unreachable=2, opt_outs=1)
    lines = headline(total, month_period("2026-11"), "Habitat Test")
    assert lines[0] == "Habitat Test, novembre 2026 : 80 locataires joints sur 100 appelés (120 inscrits)."
    assert lines[1] == "12 demandes traitées par une personne, 10 suivis faits, dont 90 % dans les délais."
    assert lines[2] == "6 orientations, dont 4 vers « santé », 2 vers « repas ou aide alimentaire »."
    assert percent(None) == "-" and Counts().continuity is None
