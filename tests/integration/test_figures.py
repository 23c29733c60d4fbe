"""Figures of a seeded simulated month match the counts worked out by hand (tests/figures_month.py)."""

from __future__ import annotations

from tests.figures_month import EXPECTED_NEEDS
from tests.figures_month import EXPECTED_REFERRALS
from tests.figures_month import EXPECTED_TOTAL
from tests.figures_month import seed_month
from tests.web.people import make_people
from voice_app.domain.figures import Dimension
from voice_app.domain.figures import month_period
from voice_app.domain.people import Viewer
from voice_app.services.figures import compute

NOVEMBER = month_period("2026-11")


def landlord_viewer(people) -> Viewer:
    return Viewer(people.coordinator.id, "coordinator", people.landlord_id, "landlord", (people.landlord_id,),
                  (people.landlord_id, people.partner_id))


def partner_viewer(people) -> Viewer:
    return Viewer(people.partner_coordinator.id, "coordinator", people.partner_id, "partner",
                  (people.landlord_id,), (people.partner_id, people.landlord_id))


def picked(counts, names) -> dict:
    return {name: getattr(counts, name) for name in names}


def test_the_month_total_matches_the_hand_count(veille):
    people = make_people(veille)
    seed_month(veille, people)
    figures = compute(veille, landlord_viewer(people), NOVEMBER)
    assert picked(figures.total, EXPECTED_TOTAL) == EXPECTED_TOTAL
    assert figures.total.needs == EXPECTED_NEEDS
    assert figures.total.referrals == EXPECTED_REFERRALS
    assert figures.total.referred == 4
    assert figures.total.on_time_share == 4 / 5 and figures.total.continuity == 3 / 5


def test_week_by_week_a_tenant_counts_once_per_week_and_enrolment_is_dated(veille):
    people = make_people(veille)
    seed_month(veille, people)
    weeks = compute(veille, landlord_viewer(people), NOVEMBER).weeks
    assert [w.label for w in weeks] == ["sem. du 26/10", "sem. du 02/11", "sem. du 09/11", "sem. du 16/11",
                                        "sem. du 23/11", "sem. du 30/11"]
    assert [(w.enrolled, w.planned, w.called, w.reached) for w in weeks] == [
        (5, 0, 0, 0), (5, 5, 5, 3), (6, 3, 2, 2), (6, 0, 0, 0), (6, 0, 0, 0), (6, 0, 0, 0)]
    assert [w.completed for w in weeks] == [0, 4, 1, 0, 0, 0]
    assert weeks[1].needs == {"help_health": 1, "unreachable": 1, "no_key": 1, "opt_out": 1}
    assert weeks[1].on_time == 3 and weeks[1].regular_calls == 1


def test_grouped_by_site_round_campaign_and_partner(veille):
    people = make_people(veille)
    ids = seed_month(veille, people)
    viewer = landlord_viewer(people)

    def table(dimension):
        return {row.label: (row.enrolled, row.called, row.reached, row.completed)
                for row in compute(veille, viewer, NOVEMBER, dimension).rows}

    assert table(Dimension.SITE) == {"Nord": (3, 3, 2, 3), "Sud": (3, 3, 2, 2)}
    assert table(Dimension.ROUND) == {"Appel du mardi du 03/11/2026": (5, 5, 3, 3),
                                      "Appel du mardi du 10/11/2026": (3, 2, 2, 1), "(aucun)": (0, 0, 0, 1)}
    assert table(Dimension.CAMPAIGN) == {"Appel du mardi": (6, 6, 4, 4), "(aucun)": (0, 0, 0, 1)}
    assert table(Dimension.PARTNER) == {"Habitat Test": (3, 3, 2, 3), "Protection civile 75": (2, 2, 2, 2),
                                        "(aucun)": (1, 1, 0, 0)}
    assert ids["round1"] != ids["round2"]


def test_a_partner_coordinator_counts_only_their_volunteers_share(veille):
    people = make_people(veille)
    seed_month(veille, people)
    total = compute(veille, partner_viewer(people), NOVEMBER).total
    expected = dict(enrolled=2, planned=2, called=2, reached=2, opt_outs=1, completed=2, on_time=1,
                    by_usual_volunteer=1)
    assert picked(total, expected) == expected
    assert total.needs == {"unreachable": 1, "help_food": 1}
    assert total.referrals == {"field": 1, "food": 1}


def test_a_period_without_data_is_all_zeros_not_an_error(veille):
    people = make_people(veille)
    figures = compute(veille, landlord_viewer(people), month_period("2025-02"))
    assert len(figures.weeks) == 5
    assert figures.total.called == 0 and figures.total.continuity is None and figures.total.needs == {}
