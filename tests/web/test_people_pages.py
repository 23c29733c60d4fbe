"""The people pages: organisation isolation, volunteers and portfolios, admin, audit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from db.models import AuditEvent
from db.models import FollowUp
from db.models import Tenant
from db.models import User
from db.models import VolunteerAbsence
from tests.web.people import add_round
from tests.web.people import add_task
from tests.web.people import add_tenant
from voice_app.domain.escalation import Reason
from voice_app.services.accounts import NewUser
from voice_app.services.accounts import create_user
from voice_app.services.escalations import open_follow_up


def audit_actions(veille, actor_id: int) -> list[str]:
    with veille.session_factory() as session:
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == actor_id)
                                    .order_by(AuditEvent.id)))


def test_a_landlord_coordinator_sees_its_and_its_partners_volunteers_only(browser, people):
    browser.sign_in(people.coordinator)
    page = browser.get("/benevoles").get_data(as_text=True)
    assert "Claire" in page and "Karim" in page and "Louise" in page  # own and partner's
    assert "Paul" not in page  # another landlord's


def test_a_partner_coordinator_sees_only_its_own_volunteers(browser, people):
    browser.sign_in(people.partner_coordinator)
    page = browser.get("/benevoles").get_data(as_text=True)
    assert "Louise" in page and "Claire" not in page and "Paul" not in page
    assert "Répartir un site" not in page


def test_a_foreign_coordinator_cannot_touch_our_volunteers(browser, people, veille):
    browser.sign_in(people.foreign_coordinator)
    response = browser.post(f"/benevoles/{people.volunteer.id}/capacite", {"capacity": "3"})
    assert response.status_code == 404
    with veille.session_factory() as session:
        assert session.get(User, people.volunteer.id).capacity == 25
    assert "access.refused" in audit_actions(veille, people.foreign_coordinator.id)


def test_capacity_duty_and_absence_are_set_from_the_page(browser, people, veille):
    browser.sign_in(people.coordinator)
    browser.get("/benevoles")
    browser.post(f"/benevoles/{people.volunteer.id}/capacite", {"capacity": "12"})
    browser.post(f"/benevoles/{people.volunteer.id}/permanence", {"on_duty": "1"})
    refused = browser.post(f"/benevoles/{people.volunteer.id}/absence",
                           {"starts_on": "2026-12-10", "ends_on": "2026-12-01"}, follow_redirects=True)
    assert "La fin de l’absence précède son début." in refused.get_data(as_text=True)
    browser.post(f"/benevoles/{people.volunteer.id}/absence",
                 {"starts_on": "2026-11-20", "ends_on": "2026-11-30"})
    with veille.session_factory() as session:
        user = session.get(User, people.volunteer.id)
        assert (user.capacity, user.on_duty) == (12, True)
        absences = session.scalars(select(VolunteerAbsence).where(VolunteerAbsence.user_id == user.id)).all()
        assert [(a.starts_on, a.ends_on) for a in absences] == [(date(2026, 11, 20), date(2026, 11, 30))]
    page = browser.get("/benevoles").get_data(as_text=True)
    assert "absent(e) jusqu’au 30/11/2026" in page and "de permanence" in page


def test_portfolio_assignment_and_site_balancing(browser, people, veille):
    ids = [add_tenant(veille, people.landlord_id, f"PH-{n}") for n in range(6)]
    browser.sign_in(people.coordinator)
    browser.get("/benevoles")
    browser.post(f"/benevoles/{people.volunteer.id}/portefeuille", {"references": "PH-0, PH-1\nPH-404"})
    for volunteer in (people.volunteer, people.other_volunteer):
        browser.post(f"/benevoles/{volunteer.id}/capacite", {"capacity": "2"})
    browser.post("/benevoles/repartir", {"site": "Cité Verte"})
    with veille.session_factory() as session:
        owners = [session.get(Tenant, i).assigned_volunteer_id for i in ids]
    assert owners[:2] == [people.volunteer.id] * 2  # kept: continuity first, and now full
    assert owners.count(people.other_volunteer.id) == 1  # half full (1/2) like the partner's (2/25)...
    assert owners.count(people.partner_volunteer.id) == 3  # ...who takes the rest


def test_a_partners_coordinator_moves_only_tenants_its_volunteers_follow(browser, people, veille):
    theirs = add_tenant(veille, people.landlord_id, "PH-1", volunteer_id=people.partner_volunteer.id)
    landlords = add_tenant(veille, people.landlord_id, "PH-2", volunteer_id=people.volunteer.id)
    nobodys = add_tenant(veille, people.landlord_id, "PH-3")
    second = create_user(veille, NewUser(email="marc@pc75.test", role="volunteer", name="Marc",
                                         organisation_id=people.partner_id)).id
    browser.sign_in(people.partner_coordinator)
    browser.get("/benevoles")

    page = browser.post(f"/benevoles/{second}/portefeuille", {"references": "PH-1, PH-2, PH-3"},
                        follow_redirects=True).get_data(as_text=True)

    with veille.session_factory() as session:
        owners = [session.get(Tenant, i).assigned_volunteer_id for i in (theirs, landlords, nobodys)]
    assert owners == [second, people.volunteer.id, None]
    assert "1 locataire(s) confié(s)" in page
    assert "Références inconnues : PH-2, PH-3" in page  # as if they did not exist
    assert browser.get(f"/locataires/{landlords}").status_code == 404
    assert "déjà suivis par vos bénévoles" in browser.get("/benevoles").get_data(as_text=True)


@pytest.mark.parametrize("reason", ["opt_out", "invalid_number", "opt_out_request"])
def test_a_coordinators_review_is_not_in_the_tenants_volunteers_list(browser, veille, people, now, reason):
    tenant_id = add_tenant(veille, people.landlord_id, "PH-1", volunteer_id=people.volunteer.id)
    task_id = add_task(veille, people.landlord_id, tenant_id, reason, now)
    with veille.session_factory() as session:
        assert session.get(FollowUp, task_id).assignee_id is None
    browser.sign_in(people.volunteer)
    assert f"/suivis/{task_id}" not in browser.get("/suivis").get_data(as_text=True)
    assert browser.get(f"/suivis/{task_id}").status_code == 404


def test_a_follow_up_goes_to_the_tenants_volunteer_unless_away(veille, people, now):
    round_id = add_round(veille, people.landlord_id)
    mine = add_tenant(veille, people.landlord_id, "PH-1", volunteer_id=people.volunteer.id)
    away = add_tenant(veille, people.landlord_id, "PH-2", volunteer_id=people.other_volunteer.id)
    with veille.session_factory.begin() as session:
        session.add(VolunteerAbsence(user_id=people.other_volunteer.id, starts_on=date(2026, 11, 20),
                                     ends_on=date(2026, 11, 30)))
        first = open_follow_up(session, organisation_id=people.landlord_id, tenant_id=mine,
                               reason=Reason.HELP_HEALTH, now=now, round_id=round_id)
        second = open_follow_up(session, organisation_id=people.landlord_id, tenant_id=away,
                                reason=Reason.HELP_HEALTH, now=now, round_id=round_id)
    assert (first.assignee_id, second.assignee_id) == (people.volunteer.id, None)


def test_a_volunteers_home_lists_their_tasks_then_offered_ones(browser, people, veille, now):
    mine = add_tenant(veille, people.landlord_id, "PH-1", volunteer_id=people.volunteer.id)
    offered = add_tenant(veille, people.landlord_id, "PH-2")
    theirs = add_tenant(veille, people.landlord_id, "PH-3", volunteer_id=people.other_volunteer.id)
    foreign = add_tenant(veille, people.other_landlord_id, "AB-1")
    rounds = {org: add_round(veille, org) for org in (people.landlord_id, people.other_landlord_id)}
    with veille.session_factory.begin() as session:
        for tenant, reason, org in ((mine, Reason.NO_KEY, people.landlord_id),
                                    (offered, Reason.HELP_HEALTH, people.landlord_id),
                                    (theirs, Reason.HELP_FOOD, people.landlord_id),
                                    (foreign, Reason.HELP_OTHER, people.other_landlord_id),
                                    (offered, Reason.INVALID_NUMBER, people.landlord_id)):
            open_follow_up(session, organisation_id=org, tenant_id=tenant, reason=reason, now=now,
                           round_id=rounds[org])
    browser.sign_in(people.volunteer)
    page = browser.get("/").get_data(as_text=True)
    assert page.index("a décroché sans rien dire") < page.index("a demandé de l’aide : santé")
    assert "à prendre" in page
    assert "courses ou repas" not in page and "autre (logement" not in page  # others' and foreign
    assert "numéro invalide" not in page  # a coordinator's task
    with veille.session_factory() as session:
        assert session.scalar(select(FollowUp.id).where(FollowUp.tenant_id == foreign)) is not None


def test_the_coordinator_dashboard_counts_the_landlords_tasks(browser, people, veille, now):
    tenant = add_tenant(veille, people.landlord_id, "PH-1")
    foreign = add_tenant(veille, people.other_landlord_id, "AB-1")
    rounds = {org: add_round(veille, org) for org in (people.landlord_id, people.other_landlord_id)}
    with veille.session_factory.begin() as session:
        open_follow_up(session, organisation_id=people.landlord_id, tenant_id=tenant,
                       reason=Reason.HELP_HEALTH, now=now, round_id=rounds[people.landlord_id])
        open_follow_up(session, organisation_id=people.other_landlord_id, tenant_id=foreign,
                       reason=Reason.HELP_HEALTH, now=now, round_id=rounds[people.other_landlord_id])
    browser.sign_in(people.coordinator)
    page = browser.get("/").get_data(as_text=True)
    assert '<span class="number">1</span> suivis ouverts' in page
    assert '<span class="number">1</span> urgents' in page


def test_an_admin_creates_an_account_and_gets_a_one_time_link(browser, people, veille):
    browser.sign_in(people.admin)
    browser.get("/admin/utilisateurs")
    page = browser.post("/admin/utilisateurs", {
        "email": "Nadia@PC75.test", "name": "Nadia", "role": "volunteer",
        "organisation_id": str(people.partner_id), "phone": "06 55 55 55 55",
        "capacity": "10"}).get_data(as_text=True)
    assert "/invitation/" in page and "Compte créé pour nadia@pc75.test" in page
    with veille.session_factory() as session:
        user = session.scalar(select(User).where(User.email == "nadia@pc75.test"))
        assert (user.organisation_id, user.on_duty_phone, user.capacity) == (
            people.partner_id, "+33655555555", 10)
    browser.post("/admin/utilisateurs", {"email": "x@autre.test", "name": "X", "role": "admin",
                                         "organisation_id": str(people.other_landlord_id)})
    with veille.session_factory() as session:
        assert session.scalar(select(User).where(User.email == "x@autre.test")) is None


def test_an_admin_deactivates_an_account_but_not_their_own(browser, people, veille):
    browser.sign_in(people.admin)
    browser.get("/admin/utilisateurs")
    browser.post(f"/admin/utilisateurs/{people.volunteer.id}/etat", {"active": "0"})
    browser.post(f"/admin/utilisateurs/{people.admin.id}/etat", {"active": "0"})
    assert browser.post(f"/admin/utilisateurs/{people.foreign_volunteer.id}/etat",
                        {"active": "0"}).status_code == 404
    with veille.session_factory() as session:
        assert not session.get(User, people.volunteer.id).active
        assert session.get(User, people.admin.id).active
        assert session.get(User, people.foreign_volunteer.id).active


def test_an_admin_adds_a_partner_and_a_service_number(browser, people, veille):
    browser.sign_in(people.admin)
    browser.get("/admin/organisations")
    token = browser.token
    browser.post("/admin/organisations", {"partner-name": "CCAS du 19e", "partner-csrf_token": token},
                 csrf=False)
    browser.post("/admin/organisations", {"number-number": "01 59 00 00 01", "number-csrf_token": token},
                 csrf=False)
    taken = browser.post("/admin/organisations", {"number-number": "+33159000099",
                                                  "number-csrf_token": browser.token}, csrf=False)
    assert "déjà" in taken.get_data(as_text=True)
    page = browser.get("/admin/organisations").get_data(as_text=True)
    assert "CCAS du 19e" in page and "+33159000001" in page


def test_an_admin_adds_a_partner_whose_name_another_landlords_partner_already_has(browser, people, veille):
    from db.models import Organisation
    from voice_app.services.organisations import create_organisation
    from voice_app.services.organisations import grant_partnership

    theirs = create_organisation(veille, "Croix-Rouge 19e", kind="partner")
    grant_partnership(veille, people.other_landlord_id, theirs.id)
    browser.sign_in(people.admin)
    browser.get("/admin/organisations")
    answers = [browser.post("/admin/organisations", {"partner-name": "Croix-Rouge 19e",
                                                     "partner-csrf_token": browser.token}, csrf=False)
               for _ in range(2)]
    assert [answer.status_code for answer in answers] == [302, 200]
    # a second click does not make a second association of this landlord
    assert "L’association « Croix-Rouge 19e » travaille déjà avec" in answers[1].get_data(as_text=True)
    with veille.session_factory() as session:
        slugs = session.scalars(select(Organisation.slug).where(Organisation.name == "Croix-Rouge 19e")
                                .order_by(Organisation.id)).all()
    assert slugs == ["croix-rouge-19e", "croix-rouge-19e-2"]
    assert "Croix-Rouge 19e" in browser.get("/admin/organisations").get_data(as_text=True)


def test_a_partner_with_a_long_name_gets_a_slug_that_fits_its_column_twice(browser, people, veille):
    from db.models import Organisation
    from voice_app.services.organisations import create_organisation

    name = "Association des bénévoles de la Protection civile de Paris, antenne du dix-neuvième"
    create_organisation(veille, name, kind="partner")  # another landlord's, say
    browser.sign_in(people.admin)
    browser.get("/admin/organisations")
    form = {"partner-name": name, "partner-csrf_token": browser.token}
    assert browser.post("/admin/organisations", form, csrf=False).status_code == 302
    with veille.session_factory() as session:
        slugs = session.scalars(select(Organisation.slug).where(Organisation.name == name)
                                .order_by(Organisation.id)).all()
    assert [len(slug) <= 64 for slug in slugs] == [True, True] and slugs[1].endswith("-2")
    assert slugs[1][:-2] == slugs[0][:62].rstrip("-")


def test_the_audit_page_lists_this_organisations_events_only(browser, people, veille):
    browser.sign_in(people.foreign_coordinator)  # an event of another landlord
    browser.post("/deconnexion")
    browser.sign_in(people.admin)
    page = browser.get("/admin/audit?action=user.signed_in").get_data(as_text=True)
    with veille.session_factory() as session:
        foreign = session.scalar(select(AuditEvent.id).where(
            AuditEvent.actor_id == people.foreign_coordinator.id, AuditEvent.action == "user.signed_in"))
    assert foreign is not None
    rows = page.split("<tbody>")[1]
    assert "user.signed_in" in rows and "Coord" not in rows  # only the admin's own sign-in here


def test_a_roster_slot_puts_a_volunteer_on_duty_at_those_hours_only(browser, people, veille, now):
    from datetime import timedelta

    from voice_app.services.volunteers import on_duty_user_ids

    browser.sign_in(people.coordinator)
    browser.get("/benevoles")
    browser.post(f"/benevoles/{people.other_volunteer.id}/permanences",
                 {"weekday": "1", "starts_at": "10:00", "ends_at": "12:00"})  # Tuesdays 10-12 Paris
    bad = browser.post(f"/benevoles/{people.other_volunteer.id}/permanences",
                       {"weekday": "1", "starts_at": "12:00", "ends_at": "10:00"}, follow_redirects=True)
    assert "finit après avoir commencé" in bad.get_data(as_text=True)
    page = browser.get("/benevoles").get_data(as_text=True)
    assert "mardi 10:00–12:00" in page
    with veille.session_factory() as session:
        during = on_duty_user_ids(session, [people.landlord_id, people.partner_id], "volunteer", now)  # 10:30
        after = on_duty_user_ids(session, [people.landlord_id], "volunteer", now + timedelta(hours=2))
    assert during == [people.other_volunteer.id] and after == []
