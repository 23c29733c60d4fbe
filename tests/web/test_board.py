"""The coordinators' board: filters, reassignment of one task, and of all of a volunteer's."""

from __future__ import annotations

from sqlalchemy import select

from db.models import FollowUp
from tests.web.people import add_task
from tests.web.people import add_tenant


def holders(veille, *task_ids) -> list[int | None]:
    with veille.session_factory() as session:
        return [session.get(FollowUp, task_id).assignee_id for task_id in task_ids]


def board(veille, people, now):
    nord = add_tenant(veille, people.landlord_id, "PH-1", site="Nord", volunteer_id=people.volunteer.id)
    sud = add_tenant(veille, people.landlord_id, "PH-2", site="Sud", volunteer_id=people.partner_volunteer.id,
                     last_name="Durand")
    offered = add_tenant(veille, people.landlord_id, "PH-3", site="Sud", last_name="Petit")
    return (add_task(veille, people.landlord_id, nord, "help_health", now),
            add_task(veille, people.landlord_id, sud, "help_food", now),
            add_task(veille, people.landlord_id, offered, "no_key", now))


def test_the_board_filters_by_site_reason_volunteer_and_partner(browser, people, veille, now):
    nord, sud, offered = board(veille, people, now)
    browser.sign_in(people.coordinator)

    def shown(query: str) -> set[int]:
        page = browser.get(f"/suivis?{query}").get_data(as_text=True)
        return {task for task in (nord, sud, offered) if f'href="/suivis/{task}"' in page}

    assert shown("") == {nord, sud, offered}
    assert shown("site=Sud") == {sud, offered}
    assert shown("motif=help_health") == {nord}
    assert shown(f"benevole={people.volunteer.id}") == {nord}
    assert shown("benevole=0") == {offered}
    assert shown(f"partenaire={people.partner_id}") == {sud}


def test_the_board_counts_what_it_shows_and_says_when_filters_match_nothing(browser, people, veille, now):
    board(veille, people, now)
    browser.sign_in(people.coordinator)
    assert "3 suivi(s)." in browser.get("/suivis").get_data(as_text=True)
    assert "1 suivi(s) pour ces filtres." in browser.get("/suivis?site=Nord").get_data(as_text=True)
    empty = browser.get("/suivis?motif=opt_out").get_data(as_text=True)
    assert "Aucun suivi ne correspond à ces filtres." in empty and "Merci !" not in empty


def test_a_coordinator_reassigns_one_task(browser, people, veille, now):
    nord, _, offered = board(veille, people, now)
    browser.sign_in(people.coordinator)
    browser.get(f"/suivis/{nord}")
    browser.post(f"/suivis/{nord}/attribuer", {"volunteer_id": str(people.partner_volunteer.id)})
    browser.post(f"/suivis/{offered}/attribuer", {"volunteer_id": str(people.other_volunteer.id)})
    assert browser.post(f"/suivis/{nord}/attribuer",
                        {"volunteer_id": str(people.foreign_volunteer.id)}).status_code == 409
    assert holders(veille, nord, offered) == [people.partner_volunteer.id, people.other_volunteer.id]


def test_volunteers_and_partner_coordinators_cannot_reassign(browser, people, veille, now):
    nord, sud, _ = board(veille, people, now)
    browser.sign_in(people.volunteer)
    assert browser.post(f"/suivis/{nord}/attribuer", {"volunteer_id": ""}).status_code == 404
    browser.post("/deconnexion")
    browser.sign_in(people.partner_coordinator)
    assert browser.post(f"/suivis/{sud}/attribuer", {"volunteer_id": ""}).status_code == 404
    assert holders(veille, nord, sud) == [people.volunteer.id, people.partner_volunteer.id]


def test_an_away_volunteers_tasks_are_handed_over_at_once(browser, people, veille, now):
    first, _, _ = board(veille, people, now)
    second = add_task(veille, people.landlord_id,
                      add_tenant(veille, people.landlord_id, "PH-4", volunteer_id=people.volunteer.id),
                      "help_other", now)
    browser.sign_in(people.coordinator)
    browser.get("/benevoles")
    page = browser.post(f"/benevoles/{people.volunteer.id}/suivis",
                        {"to_volunteer_id": str(people.other_volunteer.id)}, follow_redirects=True)
    assert "2 suivi(s) réattribué(s)." in page.get_data(as_text=True)
    assert holders(veille, first, second) == [people.other_volunteer.id] * 2
    browser.post(f"/benevoles/{people.other_volunteer.id}/suivis", {"to_volunteer_id": ""})
    with veille.session_factory() as session:
        offered = session.scalars(select(FollowUp.id).where(FollowUp.assignee_id.is_(None))).all()
    assert {first, second} <= set(offered)
