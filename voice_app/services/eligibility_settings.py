"""An organisation's eligibility rules as settings its coordinators edit, with a preview."""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Organisation
from db.models import User
from voice_app.domain.calendar import paris_date
from voice_app.domain.eligibility import rule_settings
from voice_app.domain.eligibility import rule_settings_problems
from voice_app.domain.eligibility import rules_from_settings
from voice_app.services import audit
from voice_app.services.enrolment import eligible_tenants
from voice_app.services.ports import Runtime


class RulesRefused(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class RulePreview:
    name: str
    description: str
    selects: int  # not yet enrolled tenants this rule would select (first matching rule wins)


def current_rules(veille: Runtime, landlord_id: int) -> dict:
    with veille.session_factory() as session:
        return rule_settings(session.get(Organisation, landlord_id).settings)


def preview(veille: Runtime, landlord_id: int, values: dict) -> list[RulePreview]:
    """How many tenants each rule of `values` would select today, before saving."""
    problems = rule_settings_problems(values)
    if problems:
        raise RulesRefused(problems)
    rules = rules_from_settings({"eligibility": values})
    listing = eligible_tenants(veille, paris_date(veille.clock()), rules, organisation_id=landlord_id)
    counts = {rule.name: 0 for rule in rules}
    for candidate in listing.eligible:
        counts[candidate.rule] += 1
    return [RulePreview(rule.name, rule.description, counts[rule.name]) for rule in rules]


def save(veille: Runtime, landlord_id: int, values: dict, actor_id: int) -> None:
    """Keep the rules for the next enrolments; enrolled tenants stay enrolled."""
    problems = rule_settings_problems(values)
    if problems:
        raise RulesRefused(problems)
    with veille.session_factory.begin() as session:
        organisation = session.get(Organisation, landlord_id)
        organisation.settings = {**(organisation.settings or {}), "eligibility": values}
        audit.add(session, veille.clock(), organisation_id=landlord_id, actor=session.get(User, actor_id),
                  action="eligibility.rules_saved", subject_type="organisation", subject_id=landlord_id,
                  details={name: rule for name, rule in values.items()})
