"""Eligibility rules: who should be watched, by which rule, at a given date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from voice_app.domain.eligibility import DEFAULT_RULES
from voice_app.domain.eligibility import AgedHousehold
from voice_app.domain.eligibility import Decision
from voice_app.domain.eligibility import TenantFacts
from voice_app.domain.eligibility import evaluate

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(("facts", "rule"), [
    (TenantFacts("alone", 1956), "alone_70_plus"),  # 70 this year
    (TenantFacts("alone", 1930), "alone_70_plus"),
    (TenantFacts("alone", 1957), None),  # 69
    (TenantFacts("couple", 1951, partner_birth_year=1950), "couple_both_75_plus"),
    (TenantFacts("couple", 1951, partner_birth_year=1952), None),  # the partner is 74
    (TenantFacts("couple", 1952, partner_birth_year=1940), None),  # the tenant is 74
    (TenantFacts("couple", 1940), None),  # a couple is not "alone", whatever the age
    (TenantFacts("other", 1930), None),
    (TenantFacts("other", 1990, manual_flag=True), "manual"),
    (TenantFacts("alone", None, manual_flag=True), "manual"),
])
def test_the_default_rules_select_70_plus_alone_couples_both_75_plus_and_manual_flags(facts, rule):
    assert evaluate(facts, TODAY).rule == rule


def test_the_manual_flag_is_the_source_even_when_an_age_rule_also_matches():
    assert evaluate(TenantFacts("alone", 1930, manual_flag=True), TODAY).rule == "manual"


def test_age_is_the_age_reached_in_the_year_of_the_reference_date():
    facts = TenantFacts("alone", 1956)
    assert evaluate(facts, date(2025, 12, 31)).rule is None
    assert evaluate(facts, date(2026, 1, 1)).rule == "alone_70_plus"


def test_a_couple_whose_partner_birth_year_is_unknown_is_undecided_not_eligible():
    verdict = evaluate(TenantFacts("couple", 1940), TODAY)
    assert not verdict.eligible
    assert verdict.undecided == ("couple_both_75_plus",)


def test_a_tenant_without_birth_year_is_undecided_for_the_rule_of_their_household():
    assert evaluate(TenantFacts("alone", None), TODAY).undecided == ("alone_70_plus",)
    assert evaluate(TenantFacts("other", None), TODAY).undecided == ()


def test_a_young_couple_is_simply_not_eligible_even_without_the_partner_year():
    assert evaluate(TenantFacts("couple", 1980), TODAY).undecided == ()


def test_rules_are_data_a_new_rule_needs_no_change_to_callers():
    heatwave = AgedHousehold("any_80_plus", "80 ans ou plus", min_age=80)
    rules = (*DEFAULT_RULES, heatwave)
    assert evaluate(TenantFacts("other", 1940), TODAY, rules).rule == "any_80_plus"
    assert evaluate(TenantFacts("other", 1940), TODAY).rule is None


def test_any_object_with_a_name_and_decide_is_a_rule():
    @dataclass(frozen=True)
    class LivesInSite:
        name: str = "always"
        description: str = "toujours"

        def decide(self, facts, today):
            return Decision.MATCH

    assert evaluate(TenantFacts("other", 1990), TODAY, [LivesInSite()]).rule == "always"


def test_the_first_matching_rule_wins_in_the_order_given():
    older = AgedHousehold("alone_80_plus", "80 ans ou plus, seul", min_age=80, household="alone")
    assert evaluate(TenantFacts("alone", 1930), TODAY, (older, *DEFAULT_RULES)).rule == "alone_80_plus"
