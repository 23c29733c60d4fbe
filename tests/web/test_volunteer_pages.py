"""The volunteer's workspace over HTTP: list, card, outcome, claim, refusals, paper list."""

from __future__ import annotations

import csv
import io
from datetime import date
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select

from db.models import AuditEvent
from db.models import FollowUp
from db.models import Tenant
from db.models import VolunteerAbsence
from tests.pdf import pdf_text
from tests.web.people import add_task
from tests.web.people import add_tenant

OUTCOME_HEALTH = {"reached": "oui", "referrals": ["health"], "note": "Médecin prévenu par sa fille."}


def task_row(veille, task_id: int) -> FollowUp:
    with veille.session_factory() as session:
        return session.get(FollowUp, task_id)


def audit_count(veille, action: str) -> int:
    with veille.session_factory() as session:
        return session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_a_partners_coordinator_prints_its_volunteers_tasks_without_the_numbers(browser, people, veille, now):
    """The task card shows a number only to the task's holder and the landlord's staff; the paper
    list follows the same rule."""
    tenant_id = add_tenant(veille, people.landlord_id, "PH-7", volunteer_id=people.partner_volunteer.id)
    task_id = add_task(veille, people.landlord_id, tenant_id, "help_health", now)
    with veille.session_factory.begin() as session:
        task = session.get(FollowUp, task_id)
        task.assignee_id, task.status = people.partner_volunteer.id, "claimed"
    browser.sign_in(people.partner_coordinator)
    browser.get(f"/suivis/{task_id}")
    assert browser.post(f"/suivis/{task_id}/numero").status_code == 403

    rows = list(csv.reader(io.StringIO(browser.get("/suivis/export.csv").get_data(as_text=True)
                                       .lstrip("\ufeff")), delimiter=";"))

    assert [row[1] for row in rows[1:]] == ["-"]  # the task is listed, its number is not
    assert "+33612345678" not in "".join(pdf_text(browser.get("/suivis/export.pdf").data))


def mine_and_offered(veille, people, now):
    mine = add_tenant(veille, people.landlord_id, "PH-1", volunteer_id=people.volunteer.id)
    offered = add_tenant(veille, people.landlord_id, "PH-2", last_name="Durand")
    return (add_task(veille, people.landlord_id, mine, "help_health", now),
            add_task(veille, people.landlord_id, offered, "no_key", now))


def test_the_list_shows_mine_first_with_plain_reasons_and_lateness(browser, people, veille, now):
    my_task, offered_task = mine_and_offered(veille, people, now)
    veille.clock = lambda: now.replace(hour=20)  # both are overdue by evening
    browser.sign_in(people.volunteer)
    page = browser.get("/suivis").get_data(as_text=True)
    assert page.index(f"/suivis/{my_task}") < page.index(f"/suivis/{offered_task}")
    assert "a demandé de l’aide : santé" in page and "a décroché sans rien dire" in page
    assert "en retard" in page and "à prendre" in page and "il y a 11 h" in page


def test_the_card_shows_the_tenant_and_masks_the_number_until_shown(browser, people, veille, now):
    my_task, _ = mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    page = browser.get(f"/suivis/{my_task}").get_data(as_text=True)
    assert "Mme Jeanne Martin" in page and "88 ans" in page and "vit seul(e)" in page
    assert "M. Diallo" in page and "Cité Verte" in page
    assert "+33 6 •• •• •• 78" in page and "+33612345678" not in page
    assert audit_count(veille, "follow_up.viewed") == 1
    assert "numéro masqué, finissant par 78" in page  # what a screen reader says
    revealed = browser.post(f"/suivis/{my_task}/numero")
    assert revealed.headers["Location"] == f"/suivis/{my_task}#telephone"  # Back and Reload post nothing
    shown = browser.get(f"/suivis/{my_task}").get_data(as_text=True)
    assert 'href="tel:+33612345678">06 12 34 56 78</a>' in shown  # dialled as written at home
    assert audit_count(veille, "tenant.phone_revealed") == 1


def test_a_shown_number_stays_shown_while_the_task_is_theirs(browser, people, veille, now):
    """A volunteer on the phone must not lose the number because the page was posted again."""
    my_task, _ = mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    browser.get(f"/suivis/{my_task}")
    browser.post(f"/suivis/{my_task}/numero")
    invalid = browser.post(f"/suivis/{my_task}", {}).get_data(as_text=True)  # "Répondez oui ou non."
    assert 'href="tel:+33612345678"' in invalid and audit_count(veille, "tenant.phone_revealed") == 1
    browser.post(f"/suivis/{my_task}", OUTCOME_HEALTH)
    assert 'href="tel:' not in browser.get(f"/suivis/{my_task}").get_data(as_text=True)  # closed: masked


def test_recording_a_health_referral_closes_the_task(browser, people, veille, now):
    my_task, _ = mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    response = browser.post(f"/suivis/{my_task}", OUTCOME_HEALTH)
    assert (response.status_code, response.headers["Location"]) == (302, "/suivis")
    task = task_row(veille, my_task)
    assert (task.status, task.reached, task.referrals, task.completed_by_id) == (
        "done", True, ["health"], people.volunteer.id)
    assert f"/suivis/{my_task}" not in browser.get("/suivis").get_data(as_text=True)
    again = browser.post(f"/suivis/{my_task}", OUTCOME_HEALTH)  # sent twice: harmless, nothing changes
    assert again.status_code == 302 and task_row(veille, my_task).completed_at == task.completed_at
    other = browser.post(f"/suivis/{my_task}", {**OUTCOME_HEALTH, "referrals": ["food"]})
    assert other.status_code == 409 and "Ce suivi est déjà clos." in other.get_data(as_text=True)


def test_not_reached_keeps_the_task_and_reschedules_it(browser, people, veille, now):
    my_task, _ = mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    later = now + timedelta(hours=1)
    veille.clock = lambda: later
    response = browser.post(f"/suivis/{my_task}", {"reached": "non"})
    assert response.status_code == 302
    after = task_row(veille, my_task)
    assert (after.status, after.assignee_id, after.contact_attempts) == ("open", people.volunteer.id, 1)
    assert after.due_at == later + timedelta(hours=2)  # two working hours later


def test_bad_outcomes_are_refused_and_change_nothing(browser, people, veille, now):
    my_task, _ = mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    cases = [({"reached": "oui"}, "cochez au moins une orientation"),
             ({"reached": "oui", "referrals": ["nothing"], "next_contact_on": "2026-01-01"}, "passée"),
             ({"reached": "oui", "referrals": ["nothing"], "note": "x" * 100_000}, "dépasse 2000 caractères"),
             ({"reached": "oui", "referrals": ["nothing", "food"]}, "Aucun besoin"),
             ({"reached": "peut-être"}, "Répondez oui ou non.")]
    for data, message in cases:
        response = browser.post(f"/suivis/{my_task}", data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    forged = browser.post(f"/suivis/{my_task}", {**OUTCOME_HEALTH, "csrf_token": "forged"}, csrf=False)
    assert forged.status_code == 400
    assert task_row(veille, my_task).status == "open"


def test_claiming_an_offered_task_makes_me_the_tenants_volunteer(browser, people, veille, now):
    _, offered_task = mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    response = browser.post(f"/suivis/{offered_task}/prendre", {"keep_tenant": "y"})
    assert response.status_code == 302
    task = task_row(veille, offered_task)
    assert task.assignee_id == people.volunteer.id
    with veille.session_factory() as session:
        assert session.get(Tenant, task.tenant_id).assigned_volunteer_id == people.volunteer.id


def test_claiming_without_keeping_the_tenant(browser, people, veille, now):
    _, offered_task = mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    browser.post(f"/suivis/{offered_task}/prendre", {})  # the box unticked
    with veille.session_factory() as session:
        task = session.get(FollowUp, offered_task)
        assert task.assignee_id == people.volunteer.id
        assert session.get(Tenant, task.tenant_id).assigned_volunteer_id is None


def test_the_second_claim_gets_409_and_a_french_message(client, browser, people, veille, now):
    from tests.web.people import Browser

    _, offered_task = mine_and_offered(veille, people, now)
    browser.sign_in(people.other_volunteer)
    other = Browser(client.application.test_client())
    other.sign_in(people.partner_volunteer)
    assert browser.post(f"/suivis/{offered_task}/prendre", {"keep_tenant": "y"}).status_code == 302
    lost = other.post(f"/suivis/{offered_task}/prendre", {"keep_tenant": "y"})
    assert lost.status_code in (404, 409)  # once taken it is no longer offered to them: 404
    assert task_row(veille, offered_task).assignee_id == people.other_volunteer.id


def test_another_volunteers_task_is_404_and_audited(browser, people, veille, now):
    my_task, _ = mine_and_offered(veille, people, now)
    browser.sign_in(people.other_volunteer)
    assert browser.get(f"/suivis/{my_task}").status_code == 404
    assert browser.post(f"/suivis/{my_task}", OUTCOME_HEALTH).status_code == 404
    assert browser.post(f"/suivis/{my_task}/numero").status_code == 404
    assert audit_count(veille, "access.refused") == 3
    assert task_row(veille, my_task).status == "open"


def test_a_foreign_landlords_volunteer_never_sees_our_tasks(browser, people, veille, now):
    my_task, offered_task = mine_and_offered(veille, people, now)
    browser.sign_in(people.foreign_volunteer)
    assert "Martin" not in browser.get("/suivis").get_data(as_text=True)
    assert browser.get(f"/suivis/{offered_task}").status_code == 404
    assert browser.post(f"/suivis/{offered_task}/prendre", {"keep_tenant": "y"}).status_code == 404


def test_the_bridged_call_without_a_phone_says_so(browser, people, veille, now):
    from db.models import User

    my_task, _ = mine_and_offered(veille, people, now)
    with veille.session_factory.begin() as session:
        session.get(User, people.volunteer.id).on_duty_phone = None
    browser.sign_in(people.volunteer)
    page = browser.post(f"/suivis/{my_task}/appeler", follow_redirects=True).get_data(as_text=True)
    assert "Votre compte n’a pas de numéro de téléphone" in page
    assert veille.telephony.placed == []


def test_the_paper_list_holds_my_tasks_with_full_numbers_and_safe_cells(browser, people, veille, now):
    formula = add_tenant(veille, people.landlord_id, "PH-9", volunteer_id=people.volunteer.id,
                         site="=HYPERLINK(\"http://x\")")
    add_task(veille, people.landlord_id, formula, "help_food", now)
    mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    response = browser.get("/suivis/export.csv")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="suivis-2026-11-24.csv"')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Locataire", "Téléphone", "Motif"]
    assert len(rows) == 3  # my two tasks, not the offered one
    assert rows[1][1] == "'+33612345678"  # a cell starting with + is text, not a formula
    assert rows[1][2] == "a demandé de l’aide : santé"
    assert "'=HYPERLINK(\"http://x\")" in [row[5] for row in rows[1:]]
    pdf = browser.get("/suivis/export.pdf")
    assert pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    assert audit_count(veille, "follow_up.exported") == 2


def test_the_paper_list_prints_names_from_any_alphabet(browser, people, veille, now):
    names = (("PH-1", "Nguyễn"), ("PH-2", "Łukasiewicz"), ("PH-3", "Ștefan"), ("PH-4", "محمد"))
    for reference, name in names:
        tenant = add_tenant(veille, people.landlord_id, reference, volunteer_id=people.volunteer.id,
                            last_name=name)
        add_task(veille, people.landlord_id, tenant, "help_food", now)
    browser.sign_in(people.volunteer)
    pdf = browser.get("/suivis/export.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = pdf_text(pdf.data)
    assert "Nguyên" in text
    assert "Lukasiewicz" in text and "Stefan" in text and "????" in text


def test_wanting_regular_calls_opens_a_weekly_call_with_the_same_volunteer(browser, people, veille, now):
    my_task, _ = mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    browser.post(f"/suivis/{my_task}", {"reached": "oui", "referrals": ["nothing"],
                                        "wants_regular_calls": "y"})
    with veille.session_factory() as session:
        tenant_id = session.get(FollowUp, my_task).tenant_id
        assert session.get(Tenant, tenant_id).human_call_every_days == 7
        regular = session.scalars(select(FollowUp).where(FollowUp.reason == "regular_call")).one()
    assert regular.assignee_id == people.volunteer.id and regular.status == "open"
    assert regular.due_at.date().isoformat() == "2026-12-01"  # a week later, same volunteer
    veille.clock = lambda: now + timedelta(days=7)
    for _ in range(2):  # posted twice: the second finds the task closed
        browser.post(f"/suivis/{regular.id}", {"reached": "oui", "referrals": ["nothing"]})
    with veille.session_factory() as session:
        days = sorted(t.due_at.date().isoformat() for t in session.scalars(
            select(FollowUp).where(FollowUp.reason == "regular_call", FollowUp.status == "open")))
    assert days == ["2026-12-08"]  # the next one, a week on, created once


def test_a_regular_call_on_a_day_its_volunteer_is_away_is_offered_to_all(browser, people, veille, now):
    """The volunteer's call replaces the automated one: while they are away, someone else must
    call the tenant."""
    my_task, _ = mine_and_offered(veille, people, now)
    with veille.session_factory.begin() as session:
        session.add(VolunteerAbsence(user_id=people.volunteer.id, starts_on=date(2026, 11, 26),
                                     ends_on=date(2026, 12, 20)))
    browser.sign_in(people.volunteer)
    browser.post(f"/suivis/{my_task}", {"reached": "oui", "referrals": ["nothing"],
                                        "wants_regular_calls": "y"})
    with veille.session_factory() as session:
        regular = session.scalars(select(FollowUp).where(FollowUp.reason == "regular_call")).one()
    assert (regular.assignee_id, regular.status) == (None, "open")


def test_an_absence_offers_to_all_the_tasks_its_volunteer_held_until_their_return(
        browser, people, veille, now):
    tenant_id = add_tenant(veille, people.landlord_id, "PH-1", volunteer_id=people.volunteer.id)
    due_during = add_task(veille, people.landlord_id, tenant_id, "help_food", now)
    due_after = add_task(veille, people.landlord_id, tenant_id, "regular_call", now + timedelta(days=30))
    with veille.session_factory.begin() as session:
        for task_id in (due_during, due_after):
            session.get(FollowUp, task_id).assignee_id = people.volunteer.id
    browser.sign_in(people.coordinator)
    browser.get("/benevoles")

    page = browser.post(f"/benevoles/{people.volunteer.id}/absence", {"starts_on": "2026-11-24",
                                                                      "ends_on": "2026-12-06"},
                        follow_redirects=True).get_data(as_text=True)

    assert (task_row(veille, due_during).assignee_id, task_row(veille, due_after).assignee_id) == \
        (None, people.volunteer.id)
    assert "1 suivi(s) qu’il ou elle avait à faire d’ici son retour sont proposés à tous" in page
    browser.sign_in(people.other_volunteer)
    assert f"/suivis/{due_during}" in browser.get("/suivis").get_data(as_text=True)


def test_a_coordinator_keeps_both_calls_or_stops_the_regular_ones(browser, people, veille, now):
    my_task, _ = mine_and_offered(veille, people, now)
    browser.sign_in(people.coordinator)
    page = browser.get(f"/suivis/{my_task}").get_data(as_text=True)
    assert "Aucun appel régulier par une personne." in page
    browser.post(f"/suivis/{my_task}/convivialite", {"every_days": "14", "keep_automated": "y"})
    with veille.session_factory() as session:
        tenant = session.get(Tenant, task_row(veille, my_task).tenant_id)
        assert (tenant.human_call_every_days, tenant.keep_automated_calls) == (14, True)
    assert browser.post(f"/suivis/{my_task}/convivialite", {"every_days": "400"}).status_code == 400
    browser.post("/deconnexion")
    browser.sign_in(people.volunteer)
    assert browser.post(f"/suivis/{my_task}/convivialite", {"every_days": "7"}).status_code == 404


def test_tenants_called_by_their_volunteer_are_left_out_of_weekly_rounds(veille, people, now):
    from db.models import Campaign
    from voice_app.services.campaigns import targeted_tenants_filter

    regular = add_tenant(veille, people.landlord_id, "PH-1")
    both = add_tenant(veille, people.landlord_id, "PH-2")
    plain = add_tenant(veille, people.landlord_id, "PH-3")
    with veille.session_factory.begin() as session:
        session.get(Tenant, regular).human_call_every_days = 7
        session.get(Tenant, both).human_call_every_days = 7
        session.get(Tenant, both).keep_automated_calls = True
    from db.models import Enrolment

    def called(kind: str) -> set[int]:
        campaign = Campaign(organisation_id=people.landlord_id, kind=kind, target="all")
        with veille.session_factory() as session:
            return set(session.scalars(select(Tenant.id).join(Enrolment, Enrolment.tenant_id == Tenant.id)
                                       .where(*targeted_tenants_filter(campaign, now.date()))))
    assert called("weekly") == {both, plain}
    assert called("urgent") == {regular, both, plain}  # a heatwave round calls everyone


def test_the_coordinators_board_lists_overdue_tasks_first(browser, people, veille, now):
    from voice_app.services.notifications import raise_overdue_tasks

    first = add_tenant(veille, people.landlord_id, "PH-1")
    late = add_task(veille, people.landlord_id, first, "help_other", now)
    veille.clock = lambda: now + timedelta(hours=12)
    raise_overdue_tasks(veille, veille.clock())
    second = add_tenant(veille, people.landlord_id, "PH-2")
    fresh = add_task(veille, people.landlord_id, second, "help_health", veille.clock())
    browser.sign_in(people.coordinator)
    page = browser.get("/suivis").get_data(as_text=True)
    assert page.index(f"/suivis/{late}\"") < page.index(f"/suivis/{fresh}\"")  # before an urgent one


# --- "Non" keeps the note; what cannot go with "Non" is refused beside its field ---------------

NOTE = "Pas de réponse ; rappeler en fin d’après-midi."


def test_not_reached_keeps_the_note_for_the_next_try(browser, people, veille, now):
    my_task, _ = mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    assert browser.post(f"/suivis/{my_task}", {"reached": "non", "note": NOTE}).status_code == 302
    assert task_row(veille, my_task).note == NOTE
    page = browser.get(f"/suivis/{my_task}").get_data(as_text=True)
    assert f"{NOTE}</textarea>" in page  # the form shows it again for the next try
    browser.post(f"/suivis/{my_task}", {"reached": "oui", "referrals": ["nothing"], "note": NOTE + " Joint."})
    assert (task_row(veille, my_task).status, task_row(veille, my_task).note) == ("done", NOTE + " Joint.")


def test_not_reached_refuses_referrals_and_regular_calls_beside_their_fields(browser, people, veille, now):
    my_task, _ = mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    response = browser.post(f"/suivis/{my_task}", {"reached": "non", "referrals": ["health"], "note": NOTE,
                                                   "wants_regular_calls": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    referrals = page.split('<fieldset id="referrals"')[1].split("</fieldset>")[0]
    assert "Locataire non joint : pas d’orientation" in referrals
    assert 'checked id="referrals-0"' in referrals  # what was ticked stays ticked
    assert 'id="wants_regular_calls-error"' in page and "il n’a pas pu demander d’appels réguliers" in page
    assert f"{NOTE}</textarea>" in page  # and what was typed stays typed
    assert 'class="flash flash-info"' not in page
    task = task_row(veille, my_task)
    assert (task.contact_attempts, task.note, task.referrals) == (0, None, [])


def test_not_reached_with_a_next_contact_day_is_due_by_the_end_of_that_day(browser, people, veille, now):
    my_task, _ = mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    browser.post(f"/suivis/{my_task}", {"reached": "non", "next_contact_on": "2026-11-27"})
    assert task_row(veille, my_task).due_at.isoformat() == "2026-11-27T18:00:00+00:00"  # 19:00 in Paris
    assert task_row(veille, my_task).contact_attempts == 1


# --- Errors a phone shows: a summary at the top of the form, fields marked ----------------------

def test_an_invalid_outcome_is_summed_up_at_the_top_of_the_form(browser, people, veille, now):
    my_task, _ = mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    response = browser.post(f"/suivis/{my_task}", {"reached": "oui", "next_contact_on": "2026-01-01"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"<title>Erreur : Suivi n° {my_task} · Veille</title>" in page
    top = page.split("<h1>")[0]  # where a phone opens the page: a link down to the summary
    assert '<a href="#erreurs">Rien n’est enregistré : voir ce qui est à corriger' in top
    form = page.split(f'action="/suivis/{my_task}"')[1].split("</form>")[0]
    summary = form.split('<div class="error-summary"')[1].split("</div>")[0]
    assert 'role="alert"' in summary and form.index("error-summary") < form.index('<fieldset id="reached"')
    assert '<a href="#referrals-0">Locataire joint : cochez au moins une orientation' in summary
    assert '<a href="#next_contact_on">La date du prochain contact est passée.</a>' in summary
    assert ('<fieldset id="referrals" class="choices has-error" aria-invalid="true" '
            'aria-describedby="referrals-hint referrals-error">') in form
    assert ('aria-describedby="next_contact_on-hint next_contact_on-error" aria-invalid="true" '
            'id="next_contact_on"') in form
    assert '<div class="error" id="next_contact_on-error">' in form


def test_a_tasks_title_names_the_page_but_not_the_tenant(browser, people, veille, now):
    my_task, _ = mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    page = browser.get(f"/suivis/{my_task}").get_data(as_text=True)
    assert f"<title>Suivi n° {my_task} · Veille</title>" in page  # browser history keeps titles: no name
    assert "Mme Jeanne Martin" in page


def test_every_form_field_in_error_points_to_its_message(browser):
    browser.get("/connexion")
    page = browser.post("/connexion", {"email": "", "password": ""}).get_data(as_text=True)
    assert "<title>Erreur : Connexion · Veille</title>" in page
    assert 'aria-describedby="email-error" aria-invalid="true"' in page
    message = '<div class="error" id="email-error" role="alert">\n  <p>Ce champ est obligatoire.</p></div>'
    assert message in page


# --- An expired form: a way out that does not post it again ------------------------------------

def test_a_form_sent_after_the_session_expired_says_to_sign_in_again(browser, people, veille, now,
                                                                    monkeypatch):
    from itsdangerous.timed import TimestampSigner

    my_task, _ = mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    browser.get(f"/suivis/{my_task}")
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + 12 * 3600 + 60)
    response = browser.post(f"/suivis/{my_task}", OUTCOME_HEALTH,
                            headers={"Referer": f"http://localhost/suivis/{my_task}"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Votre session a expiré : reconnectez-vous, puis recommencez." in page
    assert f'href="/connexion?next=/suivis/{my_task}"' in page
    assert task_row(veille, my_task).status == "open"
    elsewhere = browser.post(f"/suivis/{my_task}/prendre", {}, headers={"Referer": "http://evil.example/x"})
    assert 'href="/connexion"' in elsewhere.get_data(as_text=True)  # a POST-only page is no place to return


def test_a_stale_form_while_signed_in_links_to_its_page_not_a_reload(browser, people, veille, now):
    my_task, _ = mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    response = browser.post(f"/suivis/{my_task}", {**OUTCOME_HEALTH, "csrf_token": "stale"}, csrf=False,
                            headers={"Referer": f"http://localhost/suivis/{my_task}"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Le formulaire a expiré (il est trop ancien) : rien n’a été enregistré." in page
    assert f'<a href="/suivis/{my_task}" class="action">Recharger la page</a>' in page  # a GET
    assert task_row(veille, my_task).status == "open"


# --- Focus, French, sign-in --------------------------------------------------------------------

def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def _contrast(one: str, other: str) -> float:
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_focus_ring_is_seen_on_white_and_in_the_header(client):
    import re

    with client.get("/static/veille.css") as response:
        css = response.get_data(as_text=True)
    colours = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{6})", css))
    focus_rule = re.search(r"a:focus, button:focus[^{]*\{([^}]*)\}", css).group(1)
    assert "outline: 3px solid var(--focus)" in focus_rule
    assert "box-shadow: 0 0 0 6px var(--focus-ring)" in focus_rule  # 3px of dark beyond the yellow
    assert _contrast(colours["focus"], colours["paper"]) < 3  # why the yellow needs its companion
    assert _contrast(colours["focus-ring"], colours["paper"]) >= 3
    assert _contrast(colours["focus-ring"], colours["focus"]) >= 3
    assert _contrast(colours["focus"], colours["brand"]) >= 3  # the header keeps the yellow alone
    assert re.search(r"\.top a:focus, \.top button:focus \{[^}]*box-shadow: none", css)


def test_forged_choices_and_dates_are_refused_in_french(browser, people, veille, now):
    my_task, _ = mine_and_offered(veille, people, now)
    browser.sign_in(people.volunteer)
    for data, said in (({"reached": "peut-être"}, "Répondez oui ou non."),
                       ({"reached": "oui", "referrals": ["aliens"]}, "Orientation inconnue"),
                       ({"reached": "oui", "referrals": ["nothing"], "next_contact_on": "31/12/2026"},
                        "Date invalide : choisissez un jour (jj/mm/aaaa).")):
        page = browser.post(f"/suivis/{my_task}", data).get_data(as_text=True)
        assert said in page, data
        assert "Not a valid" not in page and "not a valid" not in page, data


def test_a_refused_sign_in_says_check_and_retry_the_same_way_for_everyone(browser, people):
    said = ("Adresse e-mail ou mot de passe incorrect : vérifiez-les et réessayez. Après de nombreux essais "
            "manqués, la connexion est suspendue quelques minutes.")
    login = browser.get("/connexion").get_data(as_text=True)
    assert ("Mot de passe oublié ? Demandez un nouveau lien à votre coordinateur ou à l’administrateur."
            in login)
    wrong = browser.sign_in(people.volunteer, "not the password").get_data(as_text=True)
    unknown = browser.sign_in("nobody@habitat.test").get_data(as_text=True)
    for _ in range(10):
        browser.sign_in(people.coordinator, "guess")
    throttled = browser.sign_in(people.coordinator).get_data(as_text=True)  # the right password, refused
    for page in (wrong, unknown, throttled):
        assert said in page and "réessayez dans quelques minutes" not in page
