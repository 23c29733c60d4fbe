"""A volunteer's home shows their own figures, week by week, and only theirs."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.web.people import add_task
from tests.web.people import add_tenant


def close(browser, veille, task_id: int, data: dict) -> None:
    assert browser.post(f"/suivis/{task_id}", data).status_code == 302


def activity_section(page: str) -> str:
    found = re.search(r'<section class="activity".*?</section>', page, re.S)
    assert found, "no activity section"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def week_row(section: str, label: str) -> tuple[str, str]:
    """The counts after a week's label: follow-ups done, orientations."""
    found = re.search(re.escape(label) + r"\s+(\d+)\s+(\d+)", section)
    assert found, f"no row for {label!r} in {section!r}"
    return found.groups()


def test_the_home_counts_what_i_closed_this_week_and_last_week(browser, people, veille, now):
    tenants = [add_tenant(veille, people.landlord_id, f"PH-{n}", volunteer_id=people.volunteer.id)
               for n in range(3)]
    tasks = [add_task(veille, people.landlord_id, tenant, "help_food", now - timedelta(days=8))
             for tenant in tenants]
    browser.sign_in(people.volunteer)
    veille.clock = lambda: now - timedelta(days=7)  # last week's Tuesday
    close(browser, veille, tasks[0], {"reached": "oui", "referrals": ["nothing"]})
    veille.clock = lambda: now
    close(browser, veille, tasks[1], {"reached": "oui", "referrals": ["food", "social"]})
    close(browser, veille, tasks[2], {"reached": "oui", "referrals": ["food"]})

    section = activity_section(browser.get("/").get_data(as_text=True))
    assert "Mon activité" in section
    assert week_row(section, "23/11 (en cours)") == ("2", "3")  # food, social and food
    assert week_row(section, "16/11") == ("1", "0")  # "aucun besoin" is no orientation
    assert week_row(section, "02/11") == ("0", "0")
    assert "semaine du lundi 16 novembre" in section  # what a screen reader says
    assert "Portage de repas ou aide alimentaire : 2" in section
    assert "Services sociaux, CCAS : 1" in section and "Aucun besoin : 1" in section


def test_another_volunteers_work_is_not_mine(browser, people, veille, now):
    tenant = add_tenant(veille, people.landlord_id, "PH-9", volunteer_id=people.other_volunteer.id)
    task = add_task(veille, people.landlord_id, tenant, "help_health", now)
    browser.sign_in(people.other_volunteer)
    close(browser, veille, task, {"reached": "oui", "referrals": ["health"]})
    assert "Services de santé : 1" in activity_section(browser.get("/").get_data(as_text=True))

    browser.post("/deconnexion")
    browser.sign_in(people.volunteer)
    section = activity_section(browser.get("/").get_data(as_text=True))
    assert "Services de santé" not in section
    assert "Aucun suivi fait ces 4 dernières semaines" in section


def test_coordinators_see_their_dashboard_without_a_volunteers_activity(browser, people):
    browser.sign_in(people.coordinator)
    page = browser.get("/").get_data(as_text=True)
    assert "Tableau de bord" in page and "suivis ouverts" in page
    assert 'class="activity"' not in page and "Mon activité" not in page
