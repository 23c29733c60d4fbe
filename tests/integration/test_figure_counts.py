"""The figures' summary (figure_counts) gives the figures the facts give, for every grouping,
and again after `veille figures rebuild`."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select

from db.models import FigureCount
from tests.figures_month import seed_month
from tests.integration.test_figures import NOVEMBER
from tests.integration.test_figures import landlord_viewer
from tests.web.people import make_people
from voice_app.domain.figures import Dimension
from voice_app.domain.figures import month_period
from voice_app.services import figure_counts
from voice_app.services.figures import compute


def assert_summary_is_the_facts(veille, viewer, period) -> None:
    for dimension in Dimension:
        summary = compute(veille, viewer, period, dimension)
        facts = compute(veille, viewer, period, dimension, from_facts=True)
        assert summary.rows == facts.rows, dimension
        assert summary.total == facts.total, dimension
        assert summary.weeks == facts.weeks, dimension


def summary_rows(veille) -> int:
    with veille.session_factory() as session:
        return session.scalar(select(func.count()).select_from(FigureCount))


def test_the_seeded_month_from_the_summary_is_the_month_from_the_facts(veille):
    people = make_people(veille)
    seed_month(veille, people)  # rebuilds the summary from the facts it wrote
    assert summary_rows(veille) > 0
    assert_summary_is_the_facts(veille, landlord_viewer(people), NOVEMBER)
    assert_summary_is_the_facts(veille, landlord_viewer(people), month_period("2026-10"))
    assert_summary_is_the_facts(veille, landlord_viewer(people), month_period("2026-12"))


def test_rebuild_replaces_a_damaged_summary_with_the_facts_counts(veille):
    people = make_people(veille)
    seed_month(veille, people)
    viewer = landlord_viewer(people)
    before = compute(veille, viewer, NOVEMBER)
    with veille.session_factory.begin() as session:
        session.execute(delete(FigureCount).where(FigureCount.grain == "week"))
    assert compute(veille, viewer, NOVEMBER).weeks != before.weeks
    rebuilt = figure_counts.rebuild(veille, people.landlord_id)
    assert rebuilt.months == 3  # October's regular call, November, December's open follow-up
    assert compute(veille, viewer, NOVEMBER) == before
    assert_summary_is_the_facts(veille, viewer, NOVEMBER)
