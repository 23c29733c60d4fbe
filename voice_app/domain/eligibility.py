"""Who should be watched (pure): eligibility rules as data.

Theory of operation: a rule is any object with a `name` and a `decide(facts, today)` method
answering MATCH, NO_MATCH or UNKNOWN (a fact it needs is missing). `evaluate` walks a list
of rules in order and returns the first that matches, plus the rules that could not decide,
so a coordinator sees who might be eligible once a missing fact is filled in. Callers pass
the list (default `DEFAULT_RULES`); adding a rule is adding an object to a list.

Ages come from the birth year only: a tenant's age at `today` is the age reached during
today's year (a tenant born in 1956 counts as 70 for the whole of 2026).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol


class Decision(StrEnum):
    MATCH = "match"
    NO_MATCH = "no_match"
    UNKNOWN = "unknown"  # a fact the rule needs is missing


@dataclass(frozen=True)
class TenantFacts:
    """What the rules may look at; nothing else about the tenant."""

    household: str  # alone | couple | other
    birth_year: int | None
    partner_birth_year: int | None = None
    manual_flag: bool = False


class Rule(Protocol):
    name: str
    description: str  # French, shown to coordinators

    def decide(self, facts: TenantFacts, today: date) -> Decision: ...


def age_in_year(birth_year: int, today: date) -> int:
    return today.year - birth_year


@dataclass(frozen=True)
class ManualFlag:
    """The landlord flagged the tenant for follow-up, whatever the age or household."""

    name: str = "manual"
    description: str = "suivi manuel demandé"

    def decide(self, facts: TenantFacts, today: date) -> Decision:
        return Decision.MATCH if facts.manual_flag else Decision.NO_MATCH


@dataclass(frozen=True)
class AgedHousehold:
    """Tenants of a household kind (None: any) aged `min_age` or more; with `partner_min_age`,
    the partner too. A couple whose partner's birth year is unknown is UNKNOWN, not a match:
    enrolling on a guess would call people the landlord did not choose (listed to be checked)."""

    name: str
    description: str
    min_age: int
    household: str | None = None
    partner_min_age: int | None = None

    def decide(self, facts: TenantFacts, today: date) -> Decision:
        if self.household is not None and facts.household != self.household:
            return Decision.NO_MATCH
        if facts.birth_year is None:
            return Decision.UNKNOWN
        if age_in_year(facts.birth_year, today) < self.min_age:
            return Decision.NO_MATCH
        if self.partner_min_age is None:
            return Decision.MATCH
        if facts.partner_birth_year is None:
            return Decision.UNKNOWN
        partner_old_enough = age_in_year(facts.partner_birth_year, today) >= self.partner_min_age
        return Decision.MATCH if partner_old_enough else Decision.NO_MATCH


DEFAULT_RULES: tuple[Rule, ...] = (
    ManualFlag(),
    AgedHousehold("alone_70_plus", "70 ans ou plus, vivant seul", min_age=70, household="alone"),
    AgedHousehold("couple_both_75_plus", "couple dont les deux ont 75 ans ou plus", min_age=75,
                  household="couple", partner_min_age=75),
)


@dataclass(frozen=True)
class Eligibility:
    rule: str | None  # the first matching rule's name: the enrolment's `source`
    undecided: tuple[str, ...] = ()  # rules that lacked a fact (birth years)

    @property
    def eligible(self) -> bool:
        return self.rule is not None


def evaluate(facts: TenantFacts, today: date, rules: Sequence[Rule] = DEFAULT_RULES) -> Eligibility:
    """The first rule that matches, else the rules that could not decide."""
    undecided = []
    for rule in rules:
        decision = rule.decide(facts, today)
        if decision is Decision.MATCH:
            return Eligibility(rule.name)
        if decision is Decision.UNKNOWN:
            undecided.append(rule.name)
    return Eligibility(None, tuple(undecided))


def rules_by_name(rules: Sequence[Rule] = DEFAULT_RULES) -> dict[str, Rule]:
    return {rule.name: rule for rule in rules}


@dataclass(frozen=True)
class FlaggedAged:
    """Tenants the landlord flagged as isolated, aged `min_age` or more."""

    name: str
    description: str
    min_age: int

    def decide(self, facts: TenantFacts, today: date) -> Decision:
        if not facts.manual_flag:
            return Decision.NO_MATCH
        if facts.birth_year is None:
            return Decision.UNKNOWN
        return Decision.MATCH if age_in_year(facts.birth_year, today) >= self.min_age else Decision.NO_MATCH


# An organisation's rules, as its coordinators set them (organisation.settings["eligibility"]).
HOUSEHOLD_CHOICES = {"alone": "vivant seul", "other": "autre foyer", "any": "quel que soit le foyer"}
DEFAULT_RULE_SETTINGS = {
    "manual": {"enabled": True},
    "alone": {"enabled": True, "min_age": 70, "household": "alone"},
    "couple": {"enabled": True, "min_age": 75},
    "flagged": {"enabled": False, "min_age": 65},
}
MIN_AGE, MAX_AGE = 50, 110


def rule_settings(settings: dict | None) -> dict:
    """The organisation's rule settings, defaults filled in."""
    raw = (settings or {}).get("eligibility") or {}
    return {name: {**default, **(raw.get(name) or {})} for name, default in DEFAULT_RULE_SETTINGS.items()}


def rule_settings_problems(values: dict) -> list[str]:
    """Why these rule settings cannot be saved (French), empty when they can."""
    problems = []
    for name in ("alone", "couple", "flagged"):
        age = values[name].get("min_age")
        if not isinstance(age, int) or not MIN_AGE <= age <= MAX_AGE:
            problems.append(f"L’âge d’une règle est un nombre entre {MIN_AGE} et {MAX_AGE}.")
    if values["alone"].get("household") not in HOUSEHOLD_CHOICES:
        problems.append("Foyer inconnu.")
    if not any(values[name].get("enabled") for name in values):
        problems.append("Au moins une règle doit rester active (sinon personne n’est éligible).")
    return sorted(set(problems))


def rules_from_settings(settings: dict | None) -> tuple[Rule, ...]:
    """The rules an organisation uses, in order (the first that matches names the source)."""
    values = rule_settings(settings)
    rules: list[Rule] = []
    if values["manual"]["enabled"]:
        rules.append(ManualFlag())
    alone = values["alone"]
    if alone["enabled"]:
        household = None if alone["household"] == "any" else alone["household"]
        label = "" if household is None else f", {HOUSEHOLD_CHOICES[alone['household']]}"
        prefix = {"alone": "alone", "other": "other", "any": "any"}[alone["household"]]
        age = alone["min_age"]
        rules.append(AgedHousehold(f"{prefix}_{age}_plus", f"{age} ans ou plus{label}", min_age=age,
                                   household=household))
    couple = values["couple"]
    if couple["enabled"]:
        age = couple["min_age"]
        rules.append(AgedHousehold(f"couple_both_{age}_plus", f"couple dont les deux ont {age} ans ou plus",
                                   min_age=age, household="couple", partner_min_age=age))
    flagged = values["flagged"]
    if flagged["enabled"]:
        age = flagged["min_age"]
        rules.append(FlaggedAged(f"flagged_{age}_plus", f"signalé isolé, {age} ans ou plus", min_age=age))
    return tuple(rules)
