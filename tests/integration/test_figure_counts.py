"""The figures' summary (figure_counts) gives the figures the facts give, for every grouping,
and again after `veille figures rebuild`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from db.models import CallAttempt
from db.models import FigureCount
from db.models import FollowUp
from db.models import Organisation
from db.models import Round
from tests.figures_month import seed_month
from tests.integration.test_campaigns import add_tenant
from tests.integration.test_campaigns import weekly_campaign
from tests.integration.test_figures import NOVEMBER
from tests.integration.test_figures import landlord_viewer
from tests.web.people import make_people
from voice_app.domain.figures import Dimension
from voice_app.domain.figures import month_period
from voice_app.domain.follow_up import Outcome
from voice_app.domain.follow_up import Referral
from voice_app.domain.people import Viewer
from voice_app.domain.urgent_rounds import heatwave_policy
from voice_app.services import figure_counts
from voice_app.services import planning
from voice_app.services import tasks
from voice_app.services import tenants
from voice_app.services.campaigns import create_campaign
from voice_app.services.enrolment import enrol_references
from voice_app.services.enrolment import unenrol_references
from voice_app.services.figures import compute
from voice_app.services.planning import plan_due_rounds
from voice_app.services.planning import plan_round
from voice_app.services.retries import schedule_retries
from voice_app.services.tenant_import import import_tenants
from voice_app.services.volunteers import assign_portfolio


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


def partner_volunteer_viewer(people) -> Viewer:
    return Viewer(people.partner_volunteer.id, "volunteer", people.partner_id, "partner",
                  (people.landlord_id,), (people.partner_id, people.landlord_id))


def test_follow_ups_taken_done_and_given_and_tenants_moved_keep_the_summary_exact(veille):
    people = make_people(veille)
    ids = seed_month(veille, people)
    coordinator, volunteer = landlord_viewer(people), partner_volunteer_viewer(people)
    with veille.session_factory() as session:
        no_key, december = (session.scalar(select(FollowUp.id).where(FollowUp.dedup_key == f"figures-{name}"))
                            for name in ("F3", "F7"))
    on_the_5th = replace(veille, clock=lambda: datetime(2026, 11, 5, 9, tzinfo=UTC))
    tasks.claim(on_the_5th, volunteer, no_key)  # T4 gets the partner's volunteer: its group moves
    tasks.record_outcome(on_the_5th, volunteer, no_key, Outcome(reached=True, wants_regular_calls=True,
                                                                referrals=frozenset({Referral.FOOD})))
    tasks.reassign(veille, coordinator, december, people.partner_volunteer.id)
    tenants.assign_volunteer(veille, coordinator, ids["T1"], people.partner_volunteer.id)  # T1's done
    # follow-ups stop being by its usual volunteer
    assign_portfolio(veille, people.landlord_id, ["F-5"], people.volunteer.id)
    unenrol_references(veille, ["F-3"], date(2026, 11, 20), organisation_id=people.landlord_id)
    enrol_references(veille, ["F-3"], today=date(2026, 11, 25), organisation_id=people.landlord_id)
    unenrol_references(veille, ["F-2"], date(2026, 11, 27), organisation_id=people.landlord_id)
    for month in ("2026-10", "2026-11", "2026-12"):
        assert_summary_is_the_facts(veille, coordinator, month_period(month))
    november = compute(veille, coordinator, NOVEMBER).total
    assert november.completed == 6 and november.referrals["food"] == 2
    # F-3 enrolled again on the 25th (its enrolment is dated anew), F-2 unenrolled on the 27th
    assert [week.enrolled for week in compute(veille, coordinator, NOVEMBER).weeks] == [4, 4, 5, 5, 5, 5]


def test_a_site_changed_by_an_import_moves_the_tenant_s_figures(veille, tmp_path):
    people = make_people(veille)
    seed_month(veille, people)
    before = {row.label: row.planned for row in compute(veille, landlord_viewer(people), NOVEMBER,
                                                        Dimension.SITE).rows}
    assert before == {"Nord": 3, "Sud": 3}
    with veille.session_factory() as session:
        organisation = session.get(Organisation, people.landlord_id)
    source = tmp_path / "locataires.csv"
    source.write_text("Référence;Nom;Prénom;Année de naissance;Composition du foyer;Téléphone;Site\n"
                      "F-1;Martin;Jeanne;1938;Seule;+33612345678;Ouest\n", encoding="utf-8")
    import_tenants(veille, source, organisation_id=organisation.id)
    after = compute(veille, landlord_viewer(people), NOVEMBER, Dimension.SITE)
    assert {row.label: row.planned for row in after.rows} == {"Nord": 2, "Ouest": 1, "Sud": 3}
    assert_summary_is_the_facts(veille, landlord_viewer(people), NOVEMBER)


def test_a_round_planned_by_parallel_workers_then_retried_counts_each_tenant_once(veille, organisation,
                                                                                   monkeypatch):
    for n in range(30):
        add_tenant(veille, organisation, f"T-{n:02d}")
    figure_counts.rebuild(veille, organisation.id)  # the tenants went in directly: their enrolments
    weekly_campaign(veille, calls_per_second=1, max_concurrent_calls=60)
    monkeypatch.setattr(planning, "PARALLEL_FROM", 10)
    monkeypatch.setattr(planning, "POSTGRES_WORKERS", 3)
    plan_round(veille, "Hebdo", now=datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    viewer = Viewer(0, "coordinator", organisation.id, "landlord", (organisation.id,), (organisation.id,))
    assert compute(veille, viewer, NOVEMBER).total.planned == 30
    assert_summary_is_the_facts(veille, viewer, NOVEMBER)
    with veille.session_factory.begin() as session:
        for attempt in session.scalars(select(CallAttempt).order_by(CallAttempt.id).limit(10)):
            attempt.state, attempt.outcome = "ended", "no_answer"  # as the calls would end
            attempt.dialled_at = attempt.ended_at = attempt.due_at
    assert schedule_retries(veille, datetime(2026, 11, 24, 15, 0, tzinfo=UTC)) == 10
    total = compute(veille, viewer, NOVEMBER).total
    assert (total.enrolled, total.planned, total.called, total.reached) == (30, 30, 10, 0)
    assert_summary_is_the_facts(veille, viewer, NOVEMBER)


def planning_alone(veille, round_id: int, organisation_id: int) -> bool:
    with veille.session_factory.begin() as session:
        return figure_counts.planning_count(session, round_id, organisation_id, datetime.now(UTC)).alone


def test_rounds_planned_beside_others_of_the_month_count_each_tenant_once_per_scope(veille, organisation,
                                                                                   monkeypatch):
    for n in range(12):
        add_tenant(veille, organisation, f"T-{n:02d}", site=("Nord", "Sud", None)[n % 3])
    figure_counts.rebuild(veille, organisation.id)
    weekly_campaign(veille)
    create_campaign(veille, "Canicule", heatwave_policy(5, 300), urgent=True, starts_on=date(2026, 11, 1))
    counted_alone = []
    real_insert_planned = figure_counts.sql.insert_planned

    def noting_insert_planned(session, insert, round_id, *args):
        counted_alone.append(round_id)
        real_insert_planned(session, insert, round_id, *args)

    monkeypatch.setattr(figure_counts.sql, "insert_planned", noting_insert_planned)
    first = plan_round(veille, "Hebdo", now=datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    # The same tenants the next day (urgent), the next week (December), then in January.
    plan_round(veille, "Canicule", date(2026, 11, 25), now=datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    plan_round(veille, "Hebdo", date(2026, 12, 1), now=datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    last = plan_round(veille, "Hebdo", date(2027, 1, 5), now=datetime(2027, 1, 5, 8, 0, tzinfo=UTC))
    assert counted_alone == [first.round_id, last.round_id]  # the others checked tenant by tenant
    assert not planning_alone(veille, first.round_id, organisation.id)
    viewer = Viewer(0, "coordinator", organisation.id, "landlord", (organisation.id,), (organisation.id,))
    november = compute(veille, viewer, NOVEMBER)
    assert november.total.planned == 12
    assert [week.planned for week in november.weeks if week.planned] == [12]
    for month in ("2026-11", "2026-12", "2027-01"):
        assert_summary_is_the_facts(veille, viewer, month_period(month))


def test_a_round_finished_after_its_planner_died_counts_the_tenants_it_adds_once(veille, organisation):
    for n in range(6):
        add_tenant(veille, organisation, f"T-{n}")
    figure_counts.rebuild(veille, organisation.id)
    weekly_campaign(veille)
    planned = plan_round(veille, "Hebdo", now=datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    with veille.session_factory.begin() as session:  # as if its planner died after three attempts
        for attempt in session.scalars(select(CallAttempt).order_by(CallAttempt.id).offset(3)):
            session.delete(attempt)
        session.execute(update(Round).values(status="planning", planned_at=datetime(2026, 11, 24, 7, 0,
                                                                                     tzinfo=UTC)))
    figure_counts.rebuild(veille, organisation.id)
    assert not planning_alone(veille, planned.round_id, organisation.id)
    [resumed] = plan_due_rounds(veille, datetime(2026, 11, 24, 8, 30, tzinfo=UTC))
    assert resumed.attempts == 6
    viewer = Viewer(0, "coordinator", organisation.id, "landlord", (organisation.id,), (organisation.id,))
    assert compute(veille, viewer, NOVEMBER).total.planned == 6
    assert_summary_is_the_facts(veille, viewer, NOVEMBER)


def test_the_rebuild_command_recomputes_one_landlord_or_all_of_them(app, veille):
    people = make_people(veille)
    seed_month(veille, people)
    viewer = landlord_viewer(people)
    before = compute(veille, viewer, NOVEMBER)
    with veille.session_factory.begin() as session:
        session.execute(delete(FigureCount))
    runner = app.test_cli_runner()
    one = runner.invoke(args=["figures", "rebuild", "--organisation", "habitat-test"])
    assert one.exit_code == 0, one.output
    assert "Chiffres recalculés pour « Habitat Test » : 3 mois" in one.output
    assert compute(veille, viewer, NOVEMBER) == before
    every = runner.invoke(args=["figures", "rebuild"])
    assert every.exit_code == 0 and every.output.count("Chiffres recalculés") == 2  # and "Autre Bailleur"
    unknown = runner.invoke(args=["figures", "rebuild", "--organisation", "nulle-part"])
    assert unknown.exit_code != 0 and summary_rows(veille) > 0
