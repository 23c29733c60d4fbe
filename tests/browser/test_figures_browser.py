"""The figures page in Chromium: a coordinator sees the charts and downloads the CSV."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tests.figures_month import seed_month
from tests.web.people import PASSWORD

SCREENSHOTS = Path(os.environ.get("VEILLE_SCREENSHOTS", tempfile.gettempdir()))


def test_a_coordinator_sees_a_chart_and_downloads_the_csv(page, people, veille):
    seed_month(veille, people)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(people.coordinator.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("navigation").get_by_role("link", name="Chiffres").click()
    page.get_by_label("Mois").fill("2026-11")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**/chiffres?mois=2026-11*")
    chart = page.get_by_role("img", name="Semaine par semaine, novembre 2026 : appelés, joints, suivis faits")
    assert chart.is_visible()
    assert chart.locator("polyline").count() == 3
    assert page.get_by_role("table", name="Chiffres novembre 2026, par semaine").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "chiffres.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le tableau (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == "chiffres-2026-11-01.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Semaine;Inscrits;Appelés;Joints (touche ou mot)")
    assert text.splitlines()[-1].startswith("Total;6;6;4;")
