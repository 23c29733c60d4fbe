"""A volunteer signs in from a phone-sized browser and sees their home page."""

from __future__ import annotations

from tests.web.people import PASSWORD


def test_a_volunteer_signs_in_and_sees_their_tasks(page, people):
    page.goto("/")
    assert page.url.endswith("/connexion?next=%2F")
    page.get_by_label("Adresse e-mail").fill(people.volunteer.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text() == "Mes suivis du jour"
    assert page.get_by_text("Aucun suivi ne vous attend").is_visible()
    assert page.get_by_role("navigation").get_by_role("link", name="Bénévoles").count() == 0


def test_a_wrong_password_says_so_without_telling_who_exists(page, people):
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(people.volunteer.email)
    page.get_by_label("Mot de passe").fill("pas le bon")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("alert").inner_text().startswith("Adresse e-mail ou mot de passe incorrect")
    assert page.url.endswith("/connexion")
