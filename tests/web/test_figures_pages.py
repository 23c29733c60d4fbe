"""`/chiffres`: who may open it, what it shows for the seeded month, the CSV and the PDF report."""

from __future__ import annotations

import csv
import io

from tests.figures_month import seed_month
from tests.pdf import pdf_text
from tests.web.people import add_tenant

NOVEMBER = "/chiffres?mois=2026-11"


def test_a_coordinator_sees_the_month_with_charts_and_tables(browser, people, veille):
    seed_month(veille, people)
    browser.sign_in(people.coordinator)
    page = browser.get(NOVEMBER).get_data(as_text=True)
    assert "<h1>Chiffres : novembre 2026</h1>" in page
    assert page.count("<svg") == 2 and "<title id=\"activite-titre\">" in page
    assert "4</span> locataires joints sur 6 appelés" in page
    assert "80 %</span>" not in page and "5</span> suivis faits, 80 % dans les délais" in page
    assert "<th scope=\"row\">sem. du 02/11</th><td>5</td><td>5</td><td>3</td>" in page


def test_volunteers_get_404_everywhere_in_the_figures(browser, people, veille):
    browser.sign_in(people.volunteer)
    for path in ("/chiffres", "/chiffres/export.csv", "/chiffres/rapport.pdf"):
        assert browser.get(path).status_code == 404


def test_a_partner_coordinator_sees_their_share(browser, people, veille):
    seed_month(veille, people)
    browser.sign_in(people.partner_coordinator)
    page = browser.get(NOVEMBER).get_data(as_text=True)
    assert "2</span> locataires joints sur 2 appelés" in page


def test_a_period_without_data_draws_an_empty_labelled_chart(browser, people):
    browser.sign_in(people.coordinator)
    response = browser.get("/chiffres?mois=2025-02")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("aucune donnée") == 2 and "sem. du 24/02" in page


def test_a_bad_period_is_told_in_french(browser, people):
    browser.sign_in(people.coordinator)
    response = browser.get("/chiffres?mois=2026-13")
    assert response.status_code == 400
    assert "Mois invalide : « 2026-13 »" in response.get_data(as_text=True)
    assert browser.get("/chiffres?du=2026-11-10&au=2026-11-01").status_code == 400
    assert browser.get("/chiffres?par=quartier").status_code == 400
    assert browser.get("/chiffres/export.csv?mois=novembre").status_code == 400


def test_the_csv_is_spreadsheet_safe_and_matches_the_page(browser, people, veille):
    seed_month(veille, people)
    add_tenant(veille, people.landlord_id, "F-9", site="=HYPERLINK(\"http://x\")")
    browser.sign_in(people.coordinator)
    response = browser.get("/chiffres/export.csv?mois=2026-11&par=site")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][:4] == ["Site", "Inscrits", "Appelés", "Joints (touche ou mot)"]
    by_site = {row[0]: row for row in rows[1:]}
    assert by_site["Nord"][1:4] == ["3", "3", "2"]
    assert by_site["'=HYPERLINK(\"http://x\")"][1] == "1"
    assert by_site["Total"][1:4] == ["7", "6", "4"]


def test_the_landlords_report_is_a_pdf_of_counts_without_personal_data(browser, people, veille):
    seed_month(veille, people)
    browser.sign_in(people.coordinator)
    response = browser.get("/chiffres/rapport.pdf?mois=2026-11")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    assert "4 locataires joints sur 6 appel" in text and "4 orientations, dont" in text
    assert "Martin" not in text and "Jeanne" not in text and "+336" not in text


def test_the_report_command_writes_the_pdf_of_a_month(app, people, veille, tmp_path):
    seed_month(veille, people)
    target = tmp_path / "rapport.pdf"
    result = app.test_cli_runner().invoke(args=["figures", "report", "--month", "2026-11", "--output",
                                                str(target), "--organisation", "habitat-test"])
    assert result.exit_code == 0, result.output
    assert "novembre 2026, 4 locataires joints" in result.output
    assert "4 locataires joints sur 6 appel" in pdf_text(target.read_bytes())
    bad = app.test_cli_runner().invoke(args=["figures", "report", "--month", "11/2026",
                                                    "--organisation", "habitat-test"])
    assert bad.exit_code != 0 and "Mois invalide" in bad.output


def test_an_empty_chart_labels_its_axis_once_not_five_zeros():
    from voice_app.web.charts import Series
    from voice_app.web.charts import lines
    from voice_app.web.charts import stacked_bars

    for draw in (lines, stacked_bars):
        empty = str(draw("Rien", ["sem. 1", "sem. 2"], [Series("joints", [0, 0])], "vide"))
        full = str(draw("Deux", ["sem. 1", "sem. 2"], [Series("joints", [2, 8])], "plein"))
        assert empty.count('text-anchor="end"') == 1 and ">0</text>" in empty
        assert full.count('text-anchor="end"') == 5 and ">8</text>" in full
