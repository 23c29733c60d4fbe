"""Two people on one follow-up, or one person's form sent twice: the volunteer who lost a race
is told so (409, what they typed shown back, no `access.refused` line), someone prying still
gets a 404 with its audit line, and the same form sent twice counts once, without a red
message.

"Read before the other's commit" is what PostgreSQL shows a request that read a task just
before another request committed: `read_before` gives the same view on both databases (the
other change commits first, the request reads the task as it was); the threaded test plays the
real thing on PostgreSQL.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from db.engine import is_sqlite
from db.models import FollowUp
from tests.web.people import Browser
from tests.web.people import add_task
from tests.web.people import add_tenant
from tests.web.test_volunteer_pages import audit_count
from tests.web.test_volunteer_pages import task_row
from voice_app.domain.follow_up import Outcome
from voice_app.domain.follow_up import Referral
from voice_app.domain.people import Viewer
from voice_app.services import tasks

NOTE = "Pas de réponse ; sa voisine dit qu’elle est chez sa fille jusqu’à jeudi."


def set_task(veille, task_id: int, **values) -> None:
    with veille.session_factory.begin() as session:
        task = session.get(FollowUp, task_id)
        for name, value in values.items():
            setattr(task, name, value)


def offered_task(veille, people, now, reason: str = "no_key", organisation_id: int | None = None) -> int:
    organisation_id = organisation_id or people.landlord_id
    tenant = add_tenant(veille, organisation_id, f"R-{reason}-{organisation_id}")
    return add_task(veille, organisation_id, tenant, reason, now)


def my_task(veille, people, now) -> int:
    tenant = add_tenant(veille, people.landlord_id, "R-mine", volunteer_id=people.volunteer.id)
    return add_task(veille, people.landlord_id, tenant, "help_health", now)


def signed_in(client, person) -> Browser:
    browser = Browser(client.application.test_client())
    browser.sign_in(person)
    return browser


@pytest.fixture
def read_before(monkeypatch, veille):
    """`read_before(change)`: the next request's read of the task sees it as it was, while
    `change()` commits first (a detached copy with the old state and holder)."""

    def arrange(change) -> None:
        original = tasks._viewer_task

        def stale_read(session, viewer, task_id, *args, **kwargs):
            monkeypatch.setattr(tasks, "_viewer_task", original)  # this read only
            with veille.session_factory() as before:
                old = before.get(FollowUp, task_id)
                was = {"status": old.status, "assignee_id": old.assignee_id,
                       "contact_attempts": old.contact_attempts, "note": old.note}
            change()
            task = session.get(FollowUp, task_id)
            session.expunge(task)
            for name, value in was.items():
                setattr(task, name, value)
            return task

        monkeypatch.setattr(tasks, "_viewer_task", stale_read)

    return arrange


# --- Losing a race: 409, said in French, no access.refused line -----------------------------

def test_the_volunteer_who_loses_a_claim_is_told_who_took_it_not_refused(client, people, veille, now):
    task_id = offered_task(veille, people, now)
    claire, karim = signed_in(client, people.volunteer), signed_in(client, people.other_volunteer)
    claire.get(f"/suivis/{task_id}")
    karim.get(f"/suivis/{task_id}")
    assert karim.post(f"/suivis/{task_id}/prendre", {"keep_tenant": "y"}).status_code == 302

    lost = claire.post(f"/suivis/{task_id}/prendre", {"keep_tenant": "y"})

    page = lost.get_data(as_text=True)
    assert lost.status_code == 409
    assert "Ce suivi vient d’être pris par un autre bénévole." in page
    assert 'href="/suivis"' in page and "Mes suivis" in page
    again = claire.get(f"/suivis/{task_id}")  # back to the card from the browser's history
    assert again.status_code == 409
    assert "Ce suivi a été confié à quelqu’un d’autre." in again.get_data(as_text=True)
    assert audit_count(veille, "access.refused") == 0
    assert task_row(veille, task_id).assignee_id == people.other_volunteer.id


def test_a_claim_read_just_before_another_claim_loses_with_409(client, people, veille, now, read_before):
    task_id = offered_task(veille, people, now)
    claire = signed_in(client, people.volunteer)
    claire.get(f"/suivis/{task_id}")
    read_before(lambda: tasks.claim(veille, _viewer(people, people.other_volunteer), task_id))

    lost = claire.post(f"/suivis/{task_id}/prendre", {"keep_tenant": "y"})

    assert lost.status_code == 409
    assert "Ce suivi vient d’être pris par un autre bénévole." in lost.get_data(as_text=True)
    assert audit_count(veille, "access.refused") == 0
    assert task_row(veille, task_id).assignee_id == people.other_volunteer.id
    assert audit_count(veille, "follow_up.claimed") == 1


def test_two_volunteers_claiming_at_the_same_instant_one_wins_the_other_hears_409(app, people, veille, now,
                                                                                  monkeypatch):
    task_id = offered_task(veille, people, now)
    browsers = [signed_in(app.test_client(), person) for person in (people.volunteer, people.other_volunteer)]
    for browser in browsers:
        browser.get(f"/suivis/{task_id}")
    barrier, read = threading.Barrier(2, timeout=20), tasks._viewer_task

    def read_then_wait(*args, **kwargs):  # both read the offered task before either writes
        task = read(*args, **kwargs)
        barrier.wait()
        return task

    # SQLite runs one writing transaction at a time (BEGIN IMMEDIATE): there the two claims
    # cannot read together, they simply queue; the answers must be the same.
    if not is_sqlite(veille.settings.DATABASE_URL):
        monkeypatch.setattr(tasks, "_viewer_task", read_then_wait)

    def take(browser):
        return browser.post(f"/suivis/{task_id}/prendre", {"keep_tenant": "y"})

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(take, browsers))

    assert sorted(answer.status_code for answer in answers) == [302, 409]
    assert audit_count(veille, "access.refused") == 0 and audit_count(veille, "follow_up.claimed") == 1


def test_an_outcome_posted_after_a_reassignment_is_409_and_shows_the_note_back(client, people, veille, now):
    task_id = my_task(veille, people, now)
    claire = signed_in(client, people.volunteer)
    claire.get(f"/suivis/{task_id}")
    tasks.reassign(veille, _viewer(people, people.coordinator), task_id, people.other_volunteer.id)

    lost = claire.post(f"/suivis/{task_id}", {"reached": "oui", "referrals": ["health"], "note": NOTE})

    page = lost.get_data(as_text=True)
    assert lost.status_code == 409
    assert "Ce suivi a été confié à quelqu’un d’autre." in page
    assert "Pas de réponse ; sa voisine dit qu’elle est chez sa fille jusqu’à jeudi." in page
    assert "Services de santé" in page and 'href="/suivis"' in page
    assert audit_count(veille, "access.refused") == 0
    task = task_row(veille, task_id)
    assert (task.status, task.assignee_id, task.note) == ("claimed", people.other_volunteer.id, None)


def test_not_reached_posted_after_the_task_was_offered_to_all_again_is_409(client, people, veille, now):
    task_id = my_task(veille, people, now)
    claire = signed_in(client, people.volunteer)
    claire.get(f"/suivis/{task_id}")
    tasks.reassign(veille, _viewer(people, people.coordinator), task_id, None)

    lost = claire.post(f"/suivis/{task_id}", {"reached": "non"})

    assert lost.status_code == 409
    assert "Ce suivi a été remis à tous les bénévoles" in lost.get_data(as_text=True)
    assert audit_count(veille, "access.refused") == 0
    assert task_row(veille, task_id).contact_attempts == 0


def test_an_outcome_read_just_before_a_reassignment_does_not_close_the_other_ones_task(client, people, veille,
                                                                                         now, read_before):
    task_id = my_task(veille, people, now)
    claire = signed_in(client, people.volunteer)
    claire.get(f"/suivis/{task_id}")
    coordinator = _viewer(people, people.coordinator)
    read_before(lambda: tasks.reassign(veille, coordinator, task_id, people.other_volunteer.id))

    lost = claire.post(f"/suivis/{task_id}", {"reached": "oui", "referrals": ["nothing"], "note": NOTE})

    assert lost.status_code == 409 and NOTE in lost.get_data(as_text=True)
    task = task_row(veille, task_id)
    assert (task.status, task.assignee_id, task.completed_at) == ("claimed", people.other_volunteer.id, None)


def test_prying_on_a_task_one_never_could_see_stays_404_and_audited(client, people, veille, now):
    foreign = offered_task(veille, people, now, organisation_id=people.other_landlord_id)
    for_coordinators = offered_task(veille, people, now, reason="opt_out")
    held_by_claire = my_task(veille, people, now)
    recently = now - timedelta(minutes=5)
    for task_id in (foreign, for_coordinators):  # even "just claimed" does not open them
        set_task(veille, task_id, assignee_id=people.coordinator.id, status="claimed", claimed_at=recently)
    karim = signed_in(client, people.other_volunteer)

    answers = [karim.post(f"/suivis/{foreign}/prendre", {"keep_tenant": "y"}),
               karim.post(f"/suivis/{for_coordinators}/prendre", {"keep_tenant": "y"}),
               karim.post(f"/suivis/{held_by_claire}", {"reached": "non", "note": NOTE}),
               karim.get(f"/suivis/{held_by_claire}")]

    assert [answer.status_code for answer in answers] == [404] * 4
    assert all("Cette page n’existe pas." in answer.get_data(as_text=True) for answer in answers)
    assert audit_count(veille, "access.refused") == 4
    assert task_row(veille, held_by_claire).contact_attempts == 0


# --- The same form sent twice ------------------------------------------------------------------

def test_not_reached_sent_twice_counts_one_attempt_and_says_so_calmly(client, people, veille, now):
    task_id = my_task(veille, people, now)
    claire = signed_in(client, people.volunteer)
    claire.get(f"/suivis/{task_id}")
    first = claire.post(f"/suivis/{task_id}", {"reached": "non", "note": NOTE})
    again = claire.post(f"/suivis/{task_id}", {"reached": "non", "note": NOTE})

    assert first.status_code == again.status_code == 302
    page = claire.get("/suivis").get_data(as_text=True)
    assert 'class="flash flash-info" role="status">Cet essai était déjà noté' in page
    assert "flash-error" not in page
    assert task_row(veille, task_id).contact_attempts == 1
    assert audit_count(veille, "follow_up.not_reached") == 1
    veille.clock = lambda: now + timedelta(minutes=30)  # a real second try, later on
    claire.post(f"/suivis/{task_id}", {"reached": "non", "note": NOTE})
    assert task_row(veille, task_id).contact_attempts == 2


def test_not_reached_sent_twice_at_the_same_moment_counts_once(client, people, veille, now, read_before):
    task_id = my_task(veille, people, now)
    claire = signed_in(client, people.volunteer)
    claire.get(f"/suivis/{task_id}")
    viewer = _viewer(people, people.volunteer)
    read_before(lambda: tasks.try_again_later(veille, viewer, task_id, note=NOTE))

    again = claire.post(f"/suivis/{task_id}", {"reached": "non", "note": NOTE})

    assert again.status_code == 302
    assert "Cet essai était déjà noté" in claire.get("/suivis").get_data(as_text=True)
    assert task_row(veille, task_id).contact_attempts == 1


def test_reached_sent_twice_is_recorded_once_without_a_red_message(client, people, veille, now):
    task_id = my_task(veille, people, now)
    claire = signed_in(client, people.volunteer)
    claire.get(f"/suivis/{task_id}")
    outcome = {"reached": "oui", "referrals": ["food"], "note": NOTE, "wants_regular_calls": "y"}
    assert claire.post(f"/suivis/{task_id}", outcome).status_code == 302
    claire.get("/suivis")  # the first answer's message

    again = claire.post(f"/suivis/{task_id}", outcome)

    assert again.status_code == 302
    page = claire.get("/suivis").get_data(as_text=True)
    assert "Déjà enregistré : ce suivi est clos." in page and "déjà clos" not in page
    assert audit_count(veille, "follow_up.completed") == 1
    with veille.session_factory() as session:
        assert session.scalar(select(func.count(FollowUp.id)).where(FollowUp.reason == "regular_call")) == 1


def test_reached_sent_twice_at_the_same_moment_is_recorded_once(client, people, veille, now, read_before):
    task_id = my_task(veille, people, now)
    claire = signed_in(client, people.volunteer)
    claire.get(f"/suivis/{task_id}")
    viewer = _viewer(people, people.volunteer)
    first = Outcome(reached=True, referrals=frozenset({Referral.FOOD}), note=NOTE)
    read_before(lambda: tasks.record_outcome(veille, viewer, task_id, first))

    again = claire.post(f"/suivis/{task_id}", {"reached": "oui", "referrals": ["food"], "note": NOTE})

    assert again.status_code == 302
    assert "Déjà enregistré" in claire.get("/suivis").get_data(as_text=True)
    assert audit_count(veille, "follow_up.completed") == 1


def test_a_second_tap_on_prendre_is_harmless(client, people, veille, now):
    task_id = offered_task(veille, people, now)
    claire = signed_in(client, people.volunteer)
    claire.get(f"/suivis/{task_id}")
    answers = [claire.post(f"/suivis/{task_id}/prendre", {"keep_tenant": "y"}) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [302, 302]
    assert "Ce suivi est à vous." in claire.get(f"/suivis/{task_id}").get_data(as_text=True)
    assert audit_count(veille, "follow_up.claimed") == 1


def test_the_outcome_and_claim_buttons_go_grey_once_sent_by_a_script_the_csp_allows(client, people, veille,
                                                                                    now):
    task_id = offered_task(veille, people, now)
    claire = signed_in(client, people.volunteer)
    response = claire.get(f"/suivis/{task_id}")
    page = response.get_data(as_text=True)
    assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'self' only
    assert '<script src="/static/submit-once.js" defer></script>' in page
    assert page.count("<script") == 1  # no inline script: the CSP would block it
    assert 'class="card" data-submit-once>' in page  # the claim form
    claire.post(f"/suivis/{task_id}/prendre", {"keep_tenant": "y"})
    held = claire.get(f"/suivis/{task_id}").get_data(as_text=True)
    assert "data-submit-once" in held.split("Après l’appel")[1]  # the outcome form
    with claire.client.get("/static/submit-once.js") as script:
        assert script.status_code == 200 and b"disabled = true" in script.data


def _viewer(people, person) -> Viewer:
    """How a landlord's volunteer or coordinator acts outside a request (another browser)."""
    role = "coordinator" if person == people.coordinator else "volunteer"
    landlord = people.landlord_id
    return Viewer(person.id, role, landlord, "landlord", (landlord,), (landlord, people.partner_id))


def test_calling_a_tenant_whose_task_was_just_handed_over_says_so(client, people, veille, now):
    task_id = my_task(veille, people, now)
    claire = signed_in(client, people.volunteer)
    claire.get(f"/suivis/{task_id}")
    tasks.reassign(veille, _viewer(people, people.coordinator), task_id, people.other_volunteer.id)

    answer = claire.post(f"/suivis/{task_id}/appeler", follow_redirects=True)

    assert answer.status_code == 409
    assert "Ce suivi a été confié à quelqu’un d’autre." in answer.get_data(as_text=True)
    assert audit_count(veille, "access.refused") == 0
