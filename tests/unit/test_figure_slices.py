"""Where a fact lands in the figures' summary: Paris weeks cut to Paris months, in UTC."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

from voice_app.domain.figure_slices import slice_of
from voice_app.domain.figure_slices import slices_between
from voice_app.domain.figure_slices import whole_month
from voice_app.domain.figures import dates_period
from voice_app.domain.figures import month_period


def test_a_moment_lands_in_its_paris_week_cut_to_its_paris_month():
    late_sunday = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # Monday 30 November, 00:30 in Paris
    where = slice_of(late_sunday)
    assert (where.month, where.monday) == (date(2026, 11, 1), date(2026, 11, 30))
    assert where.starts_at == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
    assert where.ends_at == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # cut at 1 December, Paris
    first = slice_of(datetime(2026, 11, 1, 8, tzinfo=UTC))  # a Sunday: its week began in October
    assert (first.month, first.monday) == (date(2026, 11, 1), date(2026, 10, 26))
    assert first.starts_at == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)


def test_a_month_is_cut_into_the_weeks_of_its_figures_across_the_clock_change():
    october = month_period("2026-10")
    slices = slices_between(october.starts_at, october.ends_at)
    assert [s.monday for s in slices] == [week.monday for week in october.weeks()]
    assert [(s.starts_at, s.ends_at) for s in slices] == [(w.starts_at, w.ends_at) for w in october.weeks()]
    assert slices[-1].ends_at == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # winter time from the 25th


def test_only_a_whole_month_is_read_from_the_summary():
    assert whole_month(month_period("2026-11")) == date(2026, 11, 1)
    assert whole_month(dates_period("2026-11-01", "2026-11-30")) == date(2026, 11, 1)
    assert whole_month(dates_period("2026-11-01", "2026-11-15")) is None
    assert whole_month(dates_period("2026-10-15", "2026-11-30")) is None
