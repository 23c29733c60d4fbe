"""People in a phone-sized browser: a volunteer signs in, sees their tasks, records an outcome;
a coordinator imports a file through its preview and reassigns a task."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.web.people import PASSWORD

SCREENSHOTS = Path(os.environ.get("VEILLE_SCREENSHOTS", tempfile.gettempdir()))


def test_a_volunteer_signs_in_and_sees_their_tasks(page, people):
    page.goto("/")
    assert page.url.endswith("/connexion?next=%2F")
    page.get_by_label("Adresse e-mail").fill(people.volunteer.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes suivis du jour")
    expect(page.get_by_text("Aucun suivi ne vous attend")).to_be_visible()
    assert page.get_by_role("navigation").get_by_role("link", name="Bénévoles").count() == 0


def test_on_a_phone_every_navigation_target_is_44_pixels_high(page, people):
    sign_in(page, people.volunteer.email)
    targets = page.get_by_role("navigation").locator("a, button")
    heights = [targets.nth(n).bounding_box()["height"] for n in range(targets.count())]
    assert heights and min(heights) >= 44, heights
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing scrolls sideways


def test_a_wrong_password_says_so_without_telling_who_exists(page, people):
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(people.volunteer.email)
    page.get_by_label("Mot de passe").fill("pas le bon")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Adresse e-mail ou mot de passe incorrect")
    assert page.url.endswith("/connexion")


def test_a_volunteer_records_a_health_referral_and_the_task_leaves_the_list(page, people, veille, now):
    from tests.web.people import add_task
    from tests.web.people import add_tenant

    tenant = add_tenant(veille, people.landlord_id, "PH-1", volunteer_id=people.volunteer.id)
    add_task(veille, people.landlord_id, tenant, "help_health", now)
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(people.volunteer.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Mme Jeanne Martin").click()
    expect(page.get_by_text("a demandé de l’aide : santé").first).to_be_visible()
    page.get_by_label("Oui, je lui ai parlé").check()
    page.get_by_label("Services de santé").check()
    page.get_by_label("Note courte (facultative)").fill("Sa fille prévient le médecin.")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/suivis")
    expect(page.get_by_role("status")).to_have_text("Suivi clos. Merci !")
    expect(page.get_by_text("Aucun suivi ne vous attend")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "suivi-clos.png"))



def test_a_coordinator_previews_an_import_then_confirms_it(page, people, veille):
    from sqlalchemy import func
    from sqlalchemy import select

    from db.models import Tenant

    sign_in(page, people.coordinator.email)
    page.get_by_role("navigation").get_by_role("link", name="Importer").click()
    page.get_by_label("Fichier des locataires (CSV, 20 Mo au plus)").set_input_files(
        str(Path(__file__).resolve().parent.parent / "fixtures" / "tenants" / "paris_habitat.csv"))
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aperçu : « paris_habitat.csv »")
    expect(page.get_by_text("7 créés")).to_be_visible()
    with veille.session_factory() as session:
        assert session.scalar(select(func.count(Tenant.id))) == 0
    page.get_by_role("button", name="Confirmer l’import").click()
    expect(page.get_by_role("status")).to_contain_text("Import enregistré : 7 créés")
    expect(page.get_by_text("7 locataire(s)")).to_be_visible()  # back on the list, now holding them


def test_a_coordinator_reassigns_a_task_to_a_partners_volunteer(page, people, veille, now):
    from tests.web.people import add_task
    from tests.web.people import add_tenant

    tenant = add_tenant(veille, people.landlord_id, "PH-1", volunteer_id=people.volunteer.id)
    task = add_task(veille, people.landlord_id, tenant, "help_food", now)
    sign_in(page, people.coordinator.email)
    page.goto(f"/suivis/{task}")
    page.get_by_label("Bénévole (du bailleur ou d’un partenaire)").select_option(label="Louise")
    page.get_by_role("button", name="Attribuer").click()
    expect(page.get_by_role("status")).to_have_text("Suivi réattribué.")
    expect(page.get_by_text("suivi par Louise")).to_be_visible()


def test_a_coordinator_searches_a_tenant_by_name_and_the_name_stays_out_of_the_address(page, people, veille):
    from tests.web.people import add_tenant

    add_tenant(veille, people.landlord_id, "PH-1", last_name="Durand")
    add_tenant(veille, people.landlord_id, "PH-2", last_name="Martin")
    sign_in(page, people.coordinator.email)
    page.goto("/locataires")
    page.get_by_label("Nom ou référence").fill("Durand")
    page.get_by_role("button", name="Chercher").click()
    expect(page.get_by_text("1 locataire(s) trouvés")).to_be_visible()
    expect(page.get_by_role("link", name="PH-1")).to_be_visible()
    expect(page.get_by_label("Nom ou référence")).to_have_value("Durand")
    assert "Durand" not in page.url and "recherche=1" in page.url
    page.get_by_role("navigation").get_by_role("link", name="Locataires").click()
    expect(page.get_by_text("2 locataire(s).")).to_be_visible()
