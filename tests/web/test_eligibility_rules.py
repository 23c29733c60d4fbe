"""Eligibility rules as a coordinator's settings: previewed before saving, used by enrolment."""

from __future__ import annotations

from datetime import date

import pytest

from db.models import Organisation
from db.models import Tenant
from tests.web.people import add_tenant
from voice_app.domain.eligibility import DEFAULT_RULES
from voice_app.domain.eligibility import TenantFacts
from voice_app.domain.eligibility import evaluate
from voice_app.domain.eligibility import rule_settings_problems
from voice_app.domain.eligibility import rules_from_settings
from voice_app.services.enrolment import eligible_tenants

RULES = {"manual_enabled": "on", "alone_enabled": "on", "alone_min_age": "80", "alone_household": "alone",
         "couple_enabled": "on", "couple_min_age": "75", "flagged_min_age": "65"}


def test_no_settings_means_the_default_rules():
    assert rules_from_settings({}) == DEFAULT_RULES


def test_settings_change_ages_households_and_add_the_flagged_isolated_rule():
    rules = rules_from_settings({"eligibility": {
        "alone": {"min_age": 75, "household": "any"}, "flagged": {"enabled": True, "min_age": 65},
        "manual": {"enabled": False}}})
    today = date(2026, 11, 24)
    assert evaluate(TenantFacts("other", 1950), today, rules).rule == "any_75_plus"
    assert evaluate(TenantFacts("alone", 1955), today, rules).rule is None  # 71 < 75
    flagged = TenantFacts("other", 1960, manual_flag=True)
    assert evaluate(flagged, today, rules).rule == "flagged_65_plus"
    young = TenantFacts("other", 1990, manual_flag=True)
    assert evaluate(young, today, rules).rule is None  # the manual rule is off


@pytest.mark.parametrize(("values", "problem"), [
    ({"alone": {"min_age": 12}}, "entre 50 et 110"),
    ({"alone": {"household": "castle"}}, "Foyer inconnu"),
    ({name: {"enabled": False} for name in ("manual", "alone", "couple", "flagged")}, "Au moins une règle"),
])
def test_bad_rule_settings_are_refused(values, problem):
    from voice_app.domain.eligibility import rule_settings

    assert any(problem in p for p in rule_settings_problems(rule_settings({"eligibility": values})))


def test_a_coordinator_previews_then_saves_and_enrolment_follows(browser, people, veille):
    for reference, year in (("PH-1", 1944), ("PH-2", 1952)):  # 82 and 74, both alone
        tenant = add_tenant(veille, people.landlord_id, reference, enrolled=False)
        with veille.session_factory.begin() as session:
            session.get(Tenant, tenant).birth_year = year
    browser.sign_in(people.coordinator)
    page = browser.get("/regles").get_data(as_text=True)
    assert "70 ans ou plus, vivant seul</td><td>2<" in page
    preview = browser.post("/regles", {**RULES, "action": "apercu"}).get_data(as_text=True)
    assert "80 ans ou plus, vivant seul</td><td>1<" in preview
    with veille.session_factory() as session:
        assert "eligibility" not in (session.get(Organisation, people.landlord_id).settings or {})
    browser.post("/regles", {**RULES, "action": "enregistrer"})
    listing = eligible_tenants(veille, organisation_id=people.landlord_id)
    assert [c.reference for c in listing.eligible] == ["PH-1"] and listing.eligible[0].rule == "alone_80_plus"


def test_bad_rules_are_refused_and_nothing_saved(browser, people, veille):
    browser.sign_in(people.coordinator)
    refused = browser.post("/regles", {**RULES, "alone_min_age": "7", "action": "enregistrer"})
    assert refused.status_code == 400 and "entre 50 et 110" in refused.get_data(as_text=True)
    with veille.session_factory() as session:
        assert "eligibility" not in (session.get(Organisation, people.landlord_id).settings or {})


def test_partners_and_volunteers_do_not_set_the_landlords_rules(browser, people):
    browser.sign_in(people.partner_coordinator)
    assert browser.get("/regles").status_code == 404
    browser.post("/deconnexion")
    browser.sign_in(people.volunteer)
    assert browser.get("/regles").status_code == 404



def test_coordinators_see_the_calls_languages_and_the_enrolled_tenants_each_serves(browser, people, veille):
    for reference, language, enrolled in (("PH-1", "pt", True), ("PH-2", "pt", True), ("PH-3", "ar", False),
                                           ("PH-4", "tr", True)):
        tenant = add_tenant(veille, people.landlord_id, reference, enrolled=enrolled)
        with veille.session_factory.begin() as session:
            session.get(Tenant, tenant).language = language
    browser.sign_in(people.coordinator)
    page = browser.get("/regles").get_data(as_text=True)
    assert "<h2>Langues des appels</h2>" in page
    assert "<td>portugais (pt)</td><td>2</td><td>oui</td>" in page
    assert "<td>arabe (ar)</td><td>0</td><td>oui</td>" in page, "only enrolled tenants count"
    assert "<td>tr (tr)</td><td>1</td><td>non : appelés en français</td>" in page
