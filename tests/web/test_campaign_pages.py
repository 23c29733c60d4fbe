"""`/campagnes` and `/tournees/<id>`: a landlord's coordinators run campaigns from the browser;
everyone else gets 404, and bad input changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy import update

from db.models import AuditEvent
from db.models import CallAttempt
from db.models import Campaign
from db.models import CampaignTarget
from db.models import FollowUp
from db.models import Round
from db.models import Tenant
from tests.web.people import Browser
from tests.web.people import add_task
from tests.web.people import add_tenant
from voice_app.domain.calendar import PARIS
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.services.campaigns import create_campaign
from voice_app.services.planning import plan_round

ROLES = ("admin", "coordinator", "volunteer", "partner_coordinator", "partner_volunteer",
         "foreign_coordinator")
URGENT = {"calls_per_second": "1", "max_concurrent_calls": "60"}
PARIS_SECONDS = "%d/%m/%Y %H:%M:%S"


def campaign_form(**changes) -> dict:
    form = {"name": "Appel du mardi", "rhythm": "weekly", "weekdays": ["1"],
            "windows": "lun-ven 10:00-12:30\nlun-ven 14:00-18:00", "round_days": "2", "max_attempts": "3",
            "retry_gap_minutes": "120", "calls_per_second": "1", "max_concurrent_calls": "10",
            "target": "all", "sites": "", "references": ""}
    form.update(changes)
    return form


def make_campaign(veille, organisation_id, name="Appel du mardi", **policy) -> int:
    policy = CampaignPolicy(weekdays=frozenset({1}), **policy)
    return create_campaign(veille, name, policy, organisation_id=organisation_id).id


def campaigns(veille) -> list[Campaign]:
    with veille.session_factory() as session:
        return list(session.scalars(select(Campaign).order_by(Campaign.id)))


def audit_actions(veille) -> list[str]:
    with veille.session_factory() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def signed_in(client, person) -> Browser:
    browser = Browser(client.application.test_client())
    assert browser.sign_in(person).status_code == 302
    return browser


def test_only_the_landlords_coordinators_open_the_campaign_pages(client, people, veille):
    campaign_id = make_campaign(veille, people.landlord_id)
    round_id = plan_round(veille, "Appel du mardi", organisation_id=people.landlord_id).round_id
    own_pages = ("/campagnes", "/campagnes/nouvelle")  # any landlord's coordinator: their own
    our_records = (f"/campagnes/{campaign_id}", f"/campagnes/{campaign_id}/modifier",
                   f"/campagnes/{campaign_id}/simulation", f"/tournees/{round_id}",
                   f"/tournees/{round_id}/progression")
    landlord_coordinators = ("coordinator", "foreign_coordinator")
    for role in ROLES:
        browser = signed_in(client, getattr(people, role))
        for page in own_pages:
            expected = 200 if role in landlord_coordinators else 404
            assert browser.get(page).status_code == expected, (role, page)
        for page in our_records:
            expected = 200 if role == "coordinator" else 404
            assert browser.get(page).status_code == expected, (role, page)
        home = browser.get("/").get_data(as_text=True)
        assert ('href="/campagnes"' in home) == (role in landlord_coordinators), role
    assert client.get("/campagnes").status_code == 302  # signed out: to the sign-in page


def test_a_partners_coordinator_gets_404_and_changes_nothing(client, people, veille):
    campaign_id = make_campaign(veille, people.landlord_id)
    browser = signed_in(client, people.partner_coordinator)
    assert browser.get(f"/campagnes/{campaign_id}").status_code == 404
    assert browser.post(f"/campagnes/{campaign_id}/pause").status_code == 404
    renamed = campaign_form(name="Piratée")
    assert browser.post(f"/campagnes/{campaign_id}/modifier", renamed).status_code == 404
    assert browser.post("/campagnes/tournee-urgente", URGENT).status_code == 404
    [campaign] = campaigns(veille)
    assert campaign.active and campaign.name == "Appel du mardi"


def test_another_landlords_campaign_and_round_are_404_and_the_attempt_is_audited(client, people, veille):
    campaign_id = make_campaign(veille, people.landlord_id)
    round_id = plan_round(veille, "Appel du mardi", organisation_id=people.landlord_id).round_id
    browser = signed_in(client, people.foreign_coordinator)
    assert browser.get(f"/campagnes/{campaign_id}").status_code == 404
    assert browser.post(f"/campagnes/{campaign_id}/pause").status_code == 404
    assert browser.get(f"/tournees/{round_id}").status_code == 404
    assert campaigns(veille)[0].active
    assert audit_actions(veille).count("access.refused") == 3


def test_a_coordinator_creates_a_campaign_and_it_is_audited(browser, people, veille):
    add_tenant(veille, people.landlord_id, "PH-1")
    browser.sign_in(people.coordinator)
    assert "Nouvelle campagne" in browser.get("/campagnes/nouvelle").get_data(as_text=True)
    response = browser.post("/campagnes/nouvelle", campaign_form(weekdays=["1", "3"], calls_per_second="0,5",
                                                                  target="site", sites="Cité Verte"))
    assert response.status_code == 302
    [campaign] = campaigns(veille)
    assert campaign.name == "Appel du mardi" and campaign.target == "site"
    assert campaign.target_sites == ["Cité Verte"] and campaign.policy["weekdays"] == ["tue", "thu"]
    assert campaign.policy["calls_per_second"] == 0.5
    assert "campaign.created" in audit_actions(veille)
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Campagne « Appel du mardi » créée." in page and "mardi, jeudi" in page


def test_a_daily_campaign_needs_no_weekday_and_reads_back(browser, people, veille):
    browser.sign_in(people.coordinator)
    form = campaign_form(name="Quotidienne", rhythm="daily", weekdays=[], windows="10:00-12:00",
                         round_days="1")
    assert browser.post("/campagnes/nouvelle", form).status_code == 302
    [campaign] = campaigns(veille)
    policy = CampaignPolicy.from_dict(campaign.policy)
    assert policy.rhythm == "daily" and policy.weekdays == policy.windows[0].days == frozenset(range(7))
    assert "lun-dim 10:00-12:00" in browser.get(f"/campagnes/{campaign.id}/modifier").get_data(as_text=True)


def test_a_rate_above_the_accounts_limit_is_refused_in_french(browser, people, veille):
    browser.sign_in(people.coordinator)
    response = browser.post("/campagnes/nouvelle", campaign_form(calls_per_second="5"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "dépasse la limite du compte de l’opérateur (1 appel(s) par seconde)" in page
    assert campaigns(veille) == []
    urgent = browser.post("/campagnes/tournee-urgente", {**URGENT, "calls_per_second": "3"})
    assert urgent.status_code == 422 and "dépasse la limite du compte" in urgent.get_data(as_text=True)
    assert campaigns(veille) == []


@pytest.mark.parametrize("field, value, message", [
    ("windows", "lun-ven 12:00-10:00", "se termine avant de commencer"),
    ("windows", "lun-ven midi-14:00", "Heure illisible"),
    ("max_attempts", "0", "Entre 1 et 10."),
    ("calls_per_second", "beaucoup", "Un nombre est attendu"),
    ("target", "list", "a besoin de références"),
])
def test_bad_input_is_named_and_nothing_is_saved(browser, people, veille, field, value, message):
    browser.sign_in(people.coordinator)
    response = browser.post("/campagnes/nouvelle", campaign_form(**{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert campaigns(veille) == []


def test_unknown_references_are_refused(browser, people, veille):
    add_tenant(veille, people.landlord_id, "PH-1")
    browser.sign_in(people.coordinator)
    response = browser.post("/campagnes/nouvelle", campaign_form(target="list", references="PH-1, PH-404"))
    assert response.status_code == 422
    assert "Références de locataires inconnues : PH-404." in response.get_data(as_text=True)
    assert campaigns(veille) == []


def test_windows_that_cannot_hold_the_round_are_warned_about_before_saving(browser, people, veille):
    for n in range(8):
        add_tenant(veille, people.landlord_id, f"PH-{n}")
    browser.sign_in(people.coordinator)
    # Tuesday 10:30 in Paris: the round's one-minute window holds 6 calls at 0.1 call/s.
    narrow = campaign_form(windows="mar 11:00-11:01", round_days="1", calls_per_second="0,1")
    response = browser.post("/campagnes/nouvelle", narrow)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "la prochaine tournée ne tient pas dans ses fenêtres" in page
    assert "8 locataire(s) à appeler" in page and "n’en laissent passer que 6" in page
    assert campaigns(veille) == []
    response = browser.post("/campagnes/nouvelle", {**narrow, "confirm_over_capacity": "1"})
    assert response.status_code == 302
    assert len(campaigns(veille)) == 1


def test_editing_changes_the_policy_and_the_list_and_is_audited(browser, people, veille):
    add_tenant(veille, people.landlord_id, "PH-1")
    add_tenant(veille, people.landlord_id, "PH-2")
    campaign_id = make_campaign(veille, people.landlord_id)
    browser.sign_in(people.coordinator)
    page = browser.get(f"/campagnes/{campaign_id}/modifier").get_data(as_text=True)
    assert "lun-ven 10:00-12:30" in page and 'value="Appel du mardi"' in page
    response = browser.post(f"/campagnes/{campaign_id}/modifier", campaign_form(
        name="Appel du jeudi", weekdays=["3"], windows="lun-ven 09:30-12:00", max_attempts="2",
        max_concurrent_calls="20", target="list", references="PH-2"))
    assert response.status_code == 302
    [campaign] = campaigns(veille)
    assert campaign.name == "Appel du jeudi" and campaign.policy["weekdays"] == ["thu"]
    assert campaign.policy["windows"] == [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:30",
                                           "end": "12:00"}]
    assert campaign.policy["max_attempts"] == 2 and campaign.policy["max_concurrent_calls"] == 20
    with veille.session_factory() as session:
        listed = session.scalars(select(Tenant.reference).join(
            CampaignTarget, CampaignTarget.tenant_id == Tenant.id)).all()
    assert listed == ["PH-2"]
    assert "campaign.updated" in audit_actions(veille)


def test_a_campaign_whose_stored_settings_no_longer_validate_asks_for_them_again(browser, people, veille):
    make_campaign(veille, people.landlord_id, "Appel du lundi")
    campaign_id = make_campaign(veille, people.landlord_id)
    with veille.session_factory.begin() as session:  # edited by hand, or a limit tightened since
        campaign = session.get(Campaign, campaign_id)
        campaign.policy = {**campaign.policy, "max_attempts": 99, "note_interne": "gardée"}
    browser.sign_in(people.coordinator)
    listing = browser.get("/campagnes")
    assert listing.status_code == 200
    text = listing.get_data(as_text=True)
    assert "réglages illisibles, à refaire" in text and "Appel du lundi" in text
    shown = browser.get(f"/campagnes/{campaign_id}")
    assert shown.status_code == 302 and shown.headers["Location"] == f"/campagnes/{campaign_id}/modifier"
    form = browser.get(shown.headers["Location"]).get_data(as_text=True)
    assert form.count("réglages enregistrés de cette campagne sont illisibles") == 1
    assert 'value="Appel du mardi"' in form
    assert browser.post(f"/campagnes/{campaign_id}/modifier", campaign_form()).status_code == 302
    stored = next(c for c in campaigns(veille) if c.id == campaign_id).policy
    assert stored["max_attempts"] == 3 and stored["note_interne"] == "gardée"
    assert browser.get(f"/campagnes/{campaign_id}").status_code == 200


def test_editing_refuses_a_name_already_taken(browser, people, veille):
    make_campaign(veille, people.landlord_id, "Appel du lundi")
    campaign_id = make_campaign(veille, people.landlord_id)
    browser.sign_in(people.coordinator)
    response = browser.post(f"/campagnes/{campaign_id}/modifier", campaign_form(name="Appel du lundi"))
    assert response.status_code == 422
    assert "Une campagne « Appel du lundi » existe déjà." in response.get_data(as_text=True)
    assert [c.name for c in campaigns(veille)] == ["Appel du lundi", "Appel du mardi"]


def test_pause_and_resume(browser, people, veille):
    campaign_id = make_campaign(veille, people.landlord_id)
    browser.sign_in(people.coordinator)
    browser.get(f"/campagnes/{campaign_id}")
    browser.post(f"/campagnes/{campaign_id}/pause")
    assert not campaigns(veille)[0].active
    page = browser.get(f"/campagnes/{campaign_id}").get_data(as_text=True)
    assert "en pause : aucun appel n’est passé" in page and "Reprendre" in page
    browser.post(f"/campagnes/{campaign_id}/reprise")
    assert campaigns(veille)[0].active
    assert audit_actions(veille)[-2:] == ["campaign.paused", "campaign.resumed"]


def test_a_form_without_its_csrf_token_changes_nothing(browser, people, veille):
    campaign_id = make_campaign(veille, people.landlord_id)
    browser.sign_in(people.coordinator)
    assert browser.post(f"/campagnes/{campaign_id}/pause", csrf=False).status_code == 400
    assert browser.post("/campagnes/nouvelle", campaign_form(name="Autre"), csrf=False).status_code == 400
    assert [c.name for c in campaigns(veille)] == ["Appel du mardi"] and campaigns(veille)[0].active


def test_the_dry_run_gives_the_real_plannings_answer(browser, people, veille, now):
    for n in range(3):
        add_tenant(veille, people.landlord_id, f"PH-{n}", phone=f"+3361234567{n}")
    make_campaign(veille, people.landlord_id)
    campaign_id = campaigns(veille)[0].id
    browser.sign_in(people.coordinator)
    page = browser.get(f"/campagnes/{campaign_id}/simulation").get_data(as_text=True)
    assert "3 appel(s)" in page and "+33 6 •• •• •• 70" in page and "+33612345670" not in page
    planned = plan_round(veille, "Appel du mardi", organisation_id=people.landlord_id)
    with veille.session_factory() as session:
        due_times = [a.due_at for a in session.scalars(select(CallAttempt).order_by(CallAttempt.due_at))]
    shown = re.findall(r"<td>(\d\d/\d\d/\d{4} \d\d:\d\d:\d\d)</td>", page)
    assert shown == [moment.astimezone(PARIS).strftime(PARIS_SECONDS) for moment in due_times]
    page = browser.get(f"/campagnes/{campaign_id}/simulation").get_data(as_text=True)
    assert "est déjà planifiée (3 appel(s))" in page
    assert f"/tournees/{planned.round_id}" in page
    assert "campaign.dry_run_viewed" in audit_actions(veille)


def test_an_urgent_round_starts_now_with_the_most_fragile_first(browser, people, veille, now):
    young = add_tenant(veille, people.landlord_id, "PH-1")
    old_couple = add_tenant(veille, people.landlord_id, "PH-2")
    old_alone = add_tenant(veille, people.landlord_id, "PH-3")
    unreachable_last_time = add_tenant(veille, people.landlord_id, "PH-4")
    helped_last_time = add_tenant(veille, people.landlord_id, "PH-5")
    with veille.session_factory.begin() as session:
        session.execute(update(Tenant).values(birth_year=1960, household="alone"))
        session.execute(update(Tenant).where(Tenant.id == old_couple).values(birth_year=1930,
                                                                             household="couple"))
        session.execute(update(Tenant).where(Tenant.id == old_alone).values(birth_year=1946))
    previous = add_task(veille, people.landlord_id, unreachable_last_time, "unreachable", now)
    with veille.session_factory() as session:
        previous_round = session.get(FollowUp, previous).round_id
    add_task(veille, people.landlord_id, helped_last_time, "help_food", now, round_id=previous_round)
    browser.sign_in(people.coordinator)
    browser.get("/campagnes")
    response = browser.post("/campagnes/tournee-urgente", URGENT)
    assert response.status_code == 302
    round_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with veille.session_factory() as session:
        round_ = session.get(Round, round_id)
        order = [tenant for tenant, in session.execute(select(CallAttempt.tenant_id).where(
            CallAttempt.round_id == round_id).order_by(CallAttempt.due_at))]
        first_due = session.scalar(select(CallAttempt.due_at).where(CallAttempt.round_id == round_id)
                                   .order_by(CallAttempt.due_at).limit(1))
    assert round_.planned_count == 5
    assert order == [old_alone, unreachable_last_time, helped_last_time, young, old_couple]
    assert first_due == now  # it starts now, inside today's window
    [urgent] = [c for c in campaigns(veille) if c.kind == "urgent"]
    assert urgent.active and urgent.policy["priority"] == "fragile_first"
    assert "campaign.urgent_round_started" in audit_actions(veille)
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tournée urgente lancée : 5 appel(s)" in page
    again = browser.post("/campagnes/tournee-urgente", URGENT)
    assert again.headers["Location"].endswith(f"/tournees/{round_id}")
    assert "déjà lancée" in browser.get(again.headers["Location"]).get_data(as_text=True)


def test_the_round_page_shows_its_figures_and_the_fragment_refreshes_them(browser, people, veille, now):
    for n in range(4):
        add_tenant(veille, people.landlord_id, f"PH-{n}")
    make_campaign(veille, people.landlord_id, calls_per_second=0.5, max_concurrent_calls=60)
    round_id = plan_round(veille, "Appel du mardi", organisation_id=people.landlord_id).round_id
    browser.sign_in(people.coordinator)
    page = browser.get(f"/tournees/{round_id}").get_data(as_text=True)
    assert f'data-poll="/tournees/{round_id}/progression"' in page and "poll.js" in page
    assert figure(page, "planned") == 4 and figure(page, "remaining") == 4 and figure(page, "placed") == 0
    with veille.session_factory.begin() as session:
        attempts = session.scalars(select(CallAttempt).where(CallAttempt.round_id == round_id)
                                   .order_by(CallAttempt.id)).all()
        for attempt, outcome in zip(attempts[:2], ("ok", "help_health"), strict=True):
            attempt.state, attempt.outcome, attempt.answered_by = "ended", outcome, "human"
            attempt.dialled_at = attempt.answered_at = now
        attempts[2].state, attempts[2].dialled_at = "ringing", now
    add_task(veille, people.landlord_id, attempts[1].tenant_id, "help_health", now, round_id=round_id)
    fragment = browser.get(f"/tournees/{round_id}/progression").get_data(as_text=True)
    assert "<html" not in fragment
    names = ("placed", "answered", "reached", "needing_person", "remaining", "in_flight")
    assert [figure(fragment, name) for name in names] == [3, 2, 2, 1, 1, 1]
    assert "Fin estimée" in fragment


def figure(page: str, name: str) -> int:
    return int(re.search(rf'data-figure="{name}">(\d+)<', page).group(1))
