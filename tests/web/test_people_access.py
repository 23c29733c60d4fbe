"""Who may open which page (DESIGN §12): one table, every role against every page."""

from __future__ import annotations

import pytest

from tests.web.people import Browser

# page -> the roles that get 200; every other signed-in role gets 404, anonymous gets 302.
PAGES = {
    "/": {"admin", "coordinator", "volunteer", "partner_coordinator", "partner_volunteer"},
    "/benevoles": {"admin", "coordinator", "partner_coordinator"},
    "/admin/utilisateurs": {"admin"},
    "/admin/organisations": {"admin"},
    "/admin/audit": {"admin"},
}
ROLES = ("admin", "coordinator", "volunteer", "partner_coordinator", "partner_volunteer")


def test_every_role_against_every_page(client, people):
    for role in (None, *ROLES):
        browser = Browser(client.application.test_client())
        if role:
            assert browser.sign_in(getattr(people, role)).status_code == 302
        for page, allowed in PAGES.items():
            response = browser.get(page)
            expected = 302 if role is None else 200 if role in allowed else 404
            assert response.status_code == expected, (role, page, response.status_code)
            if role is None:
                assert response.headers["Location"].startswith("/connexion?next=")


def test_a_signed_out_visitor_is_sent_to_sign_in_with_a_local_next(client):
    response = client.get("/benevoles")
    assert response.status_code == 302
    assert response.headers["Location"] == "/connexion?next=%2Fbenevoles"


@pytest.mark.parametrize("role", ["volunteer", "coordinator", "admin"])
def test_each_role_lands_on_its_own_home(browser, people, role):
    browser.sign_in(getattr(people, role))
    page = browser.get("/").get_data(as_text=True)
    heading = "Mes suivis du jour" if role == "volunteer" else "Tableau de bord"
    assert heading in page and "Habitat Test" in page


def test_navigation_shows_only_the_pages_a_role_may_open(browser, people):
    browser.sign_in(people.volunteer)
    page = browser.get("/").get_data(as_text=True)
    assert "/benevoles" not in page and "/admin/" not in page
    browser.post("/deconnexion")
    browser.sign_in(people.admin)
    page = browser.get("/").get_data(as_text=True)
    assert all(link in page for link in ("/benevoles", "/admin/utilisateurs", "/admin/audit"))
