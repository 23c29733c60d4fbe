"""An edited link, an old bookmark or a forged request gets a 404 or a 400, never a 500:
numbers too large for an id, digits that are not ASCII, NUL bytes (which PostgreSQL refuses in
text), the calendar's edges, a filter value outside its list."""

from __future__ import annotations

import pytest

from db.models import Tenant
from tests.web.people import add_task
from tests.web.people import add_tenant

TOO_LARGE = "9" * 25  # above PostgreSQL's integer and SQLite's 2^63
JUST_ABOVE = str(2**31)  # above PostgreSQL's integer only


@pytest.mark.parametrize("path", [f"/locataires/{TOO_LARGE}", f"/suivis/{JUST_ABOVE}",
                                  f"/tournees/{TOO_LARGE}", f"/campagnes/{JUST_ABOVE}",
                                  f"/tournees/{TOO_LARGE}/progression"])
def test_an_id_too_large_for_the_database_is_not_found(browser, people, path):
    browser.sign_in(people.coordinator)
    assert browser.get(path).status_code == 404


def test_a_filter_with_a_strange_id_filters_nothing_and_a_form_with_one_is_refused(browser, people, veille,
                                                                                   now):
    tenant = add_tenant(veille, people.landlord_id, "PH-1")
    task = add_task(veille, people.landlord_id, tenant, "help_food", now)
    browser.sign_in(people.coordinator)
    for query in ("benevole=%C2%B2", "partenaire=%C2%B2", f"benevole={TOO_LARGE}", "motif=zzz"):
        page = browser.get(f"/suivis?{query}")
        assert page.status_code == 200 and f"/suivis/{task}" in page.get_data(as_text=True), query
    # a forged choice is refused, never taken for the empty one ("nobody", "offer to all")
    assert browser.post(f"/locataires/{tenant}/benevole", {"volunteer_id": TOO_LARGE}).status_code == 400
    assert browser.post(f"/suivis/{task}/attribuer", {"volunteer_id": "²"}).status_code == 400
    with veille.session_factory() as session:
        assert session.get(Tenant, tenant).assigned_volunteer_id is None


@pytest.mark.parametrize(("path", "said"), [
    ("/chiffres?mois=9999-12", "Mois invalide"), ("/chiffres?mois=0000-01", "Mois invalide"),
    ("/chiffres?du=9999-12-20&au=9999-12-31", "années 1900 à 2999"),
    ("/chiffres/export.csv?mois=9999-12", "")])
def test_figures_at_the_calendars_edge_are_refused_in_french(browser, people, path, said):
    browser.sign_in(people.coordinator)
    answer = browser.get(path)
    assert answer.status_code == 400 and said in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/chiffres", "/suivis", "/locataires"])
def test_a_query_string_that_is_not_utf8_is_a_bad_request(browser, people, path):
    browser.sign_in(people.coordinator)
    # A WSGI environ holds the query string's bytes as Latin-1 text: this is the byte 0xFF.
    answer = browser.get(path, environ_overrides={"QUERY_STRING": "mois=2026-11&x=\xff"})
    assert answer.status_code == 400


def test_the_audit_page_ignores_a_day_or_a_position_it_cannot_use(browser, people):
    browser.sign_in(people.admin)
    for query in ("du=0001-01-01", "au=9999-12-31", f"avant={TOO_LARGE}", "avant=%C2%B2"):
        assert browser.get(f"/admin/audit?{query}").status_code == 200, query


@pytest.mark.parametrize("path", ["/locataires?q=a%00b", "/suivis?site=%00", "/locataires?apres=a%00"])
def test_a_nul_byte_in_a_query_is_a_bad_request(browser, people, path):
    browser.sign_in(people.coordinator)
    assert browser.get(path).status_code == 400


def test_a_nul_byte_in_the_sign_in_form_is_a_bad_request_not_a_crash(browser, people):
    browser.get("/connexion")
    assert browser.post("/connexion", {"email": "a\x00@b.fr", "password": "x"}).status_code == 400


def test_the_api_answers_a_strange_number_or_moment_with_a_problem(api, tokens):
    for path in ("/enrolments?limit=%C2%B2", "/follow-ups?after=%C2%B2", f"/follow-ups?after={TOO_LARGE}",
                 "/opt-outs?since=0001-01-01T00:00:00%2B01:00", "/opt-outs?since=9999-12-31T23:59:59-05:00",
                 "/figures?month=9999-12"):
        answer = api.get(path, tokens["read"])
        assert answer.status_code == 400, path
        assert answer.json["type"].endswith("bad_parameter") or answer.json["title"], path


def test_a_tenant_pushed_with_a_nul_character_is_refused_and_nothing_is_stored(api, tokens, veille):
    tenant = {"reference": "API-\u0000", "last_name": "Nom", "household": "Seule", "phone": "06 12 34 56 78",
              "birth_date": "12/03/1941"}
    answer = api.post("/tenants", tokens["write"], json={"tenants": [tenant]})
    assert answer.status_code == 400 and answer.json["code"] == "bad_json"
    with veille.session_factory() as session:
        assert session.query(Tenant).count() == 0


def test_the_nul_check_comes_after_the_token_and_reads_values_not_escapes(api, tokens, veille):
    tenant = {"reference": "API-1", "last_name": "Nom", "household": "Seule", "phone": "06 12 34 56 78",
              "birth_date": "12/03/1941", "caretaker": "C:\\u0000"}  # a backslash, then "u0000"
    assert api.post("/tenants", None, json={"tenants": [tenant]}).status_code == 401
    assert api.post("/tenants", tokens["write"], json={"tenants": [tenant]}).status_code == 200


def test_the_first_page_of_follow_ups_may_start_after_zero(api, tokens):
    assert api.get("/follow-ups?after=0", tokens["read"]).status_code == 200
