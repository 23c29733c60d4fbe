"""Enrolment: who will be called. Only tenants with an `enrolled` Enrolment are ever called.

Bulk enrolment takes the tenants the eligibility rules select (voice_app.domain.eligibility)
and records, for each, the legal basis, the date and the rule that matched (`source`). It
never enrols a tenant who opted out or whose number is on the suppression list, and never
re-enrols a tenant a coordinator unenrolled: that takes an explicit `enrol_references`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date

from sqlalchemy import Row
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEvent
from db.models import Enrolment
from db.models import Tenant
from voice_app.bootstrap import Veille
from voice_app.domain.calendar import paris_date
from voice_app.domain.eligibility import Rule
from voice_app.domain.eligibility import TenantFacts
from voice_app.domain.eligibility import evaluate
from voice_app.domain.eligibility import rules_from_settings
from voice_app.services import figure_counts
from voice_app.services.organisations import current_organisation
from voice_app.services.suppression import SuppressionList
from voice_app.services.suppression import suppression_list

log = logging.getLogger("veille.enrolment")

LEGAL_BASES = {"public_interest": "mission d'intérêt public", "consent": "consentement"}
MANUAL_SOURCE = "manual"
LISTED_COLUMNS = (Tenant.id, Tenant.reference, Tenant.last_name, Tenant.first_name, Tenant.site,
                  Tenant.household, Tenant.birth_year, Tenant.partner_birth_year, Tenant.manual_flag,
                  Tenant.opted_out_at, Tenant.phone, Tenant.phone2)


class EnrolmentError(ValueError):
    """A request that cannot be carried out; the message is French, for the coordinator."""


@dataclass(frozen=True)
class Candidate:
    tenant_id: int
    reference: str
    name: str
    site: str | None
    rule: str | None  # the matching rule, None when undecided
    undecided: tuple[str, ...] = ()  # rules that lacked a birth year


@dataclass
class EligibilityListing:
    """Eligible tenants not yet enrolled, and why others are left out (counts)."""

    eligible: list[Candidate] = field(default_factory=list)
    undecided: list[Candidate] = field(default_factory=list)  # a missing birth year decides
    enrolled: int = 0
    unenrolled: int = 0  # unenrolled by a coordinator: never re-enrolled in bulk
    opted_out: int = 0  # opted out or suppressed number: never enrolled in bulk


@dataclass
class EnrolmentResult:
    changed: list[str] = field(default_factory=list)  # references enrolled (or unenrolled)
    unchanged: list[str] = field(default_factory=list)  # already in the asked state
    not_found: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # opted out: never enrolled


def eligible_tenants(veille: Veille, today: date | None = None,
                     rules: Sequence[Rule] | None = None, *,
                     organisation_id: int | None = None) -> EligibilityListing:
    """Who the rules select at `today` (Paris date; default: the clock's) and is not enrolled."""
    today = today or paris_date(veille.clock())
    organisation = current_organisation(veille, organisation_id)
    with veille.session_factory() as session:
        return _listing(session, organisation.id, today, _rules(organisation, rules))


def enrol_eligible(veille: Veille, *, legal_basis: str = "public_interest", today: date | None = None,
                   rules: Sequence[Rule] | None = None, dry_run: bool = False,
                   organisation_id: int | None = None) -> list[Candidate]:
    """Enrol every eligible tenant (source: the rule that matched); returns who was enrolled."""
    _check_legal_basis(legal_basis)
    today = today or paris_date(veille.clock())
    organisation = current_organisation(veille, organisation_id)
    with veille.session_factory.begin() as session:
        candidates = _listing(session, organisation.id, today, _rules(organisation, rules)).eligible
        if dry_run or not candidates:
            return candidates
        session.execute(insert(Enrolment), [
            {"tenant_id": c.tenant_id, "organisation_id": organisation.id, "status": "enrolled",
             "legal_basis": legal_basis, "source": c.rule, "enrolled_on": today, "created_at": veille.clock()}
            for c in candidates])
        figure_counts.enrolments_added(session, organisation.id, [c.tenant_id for c in candidates])
        _audit(session, organisation.id, veille, "enrolment.enrolled",
               {"count": len(candidates), "legal_basis": legal_basis, "source": "rules"})
    log.info("enrolment.enrolled count=%d legal_basis=%s source=rules", len(candidates), legal_basis)
    return candidates


def enrol_references(veille: Veille, references: Iterable[str], *, legal_basis: str = "public_interest",
                     source: str = MANUAL_SOURCE, today: date | None = None,
                     organisation_id: int | None = None) -> EnrolmentResult:
    """Enrol the named tenants, whatever the rules say (a coordinator's decision)."""
    _check_legal_basis(legal_basis)
    today = today or paris_date(veille.clock())
    organisation = current_organisation(veille, organisation_id)
    result = EnrolmentResult()
    with veille.session_factory.begin() as session:
        suppressed = suppression_list(session, organisation.id)
        for reference, tenant in _tenants_by_reference(session, organisation.id, references):
            if tenant is None:
                result.not_found.append(reference)
            elif _opted_out(tenant, suppressed):
                result.refused.append(reference)
            elif tenant.enrolment is not None and tenant.enrolment.status == "enrolled":
                result.unchanged.append(reference)
            else:
                _set_enrolled(session, tenant, organisation.id, legal_basis, source, today, veille)
                result.changed.append(reference)
        if result.changed:
            _audit(session, organisation.id, veille, "enrolment.enrolled",
                   {"count": len(result.changed), "legal_basis": legal_basis, "source": source})
    log.info("enrolment.enrolled count=%d legal_basis=%s source=%s", len(result.changed), legal_basis, source)
    return result


def unenrol_references(veille: Veille, references: Iterable[str],
                       today: date | None = None, *, organisation_id: int | None = None) -> EnrolmentResult:
    """Stop calling the named tenants (their enrolment stays, as `unenrolled`, for the record)."""
    today = today or paris_date(veille.clock())
    organisation = current_organisation(veille, organisation_id)
    result = EnrolmentResult()
    with veille.session_factory.begin() as session:
        for reference, tenant in _tenants_by_reference(session, organisation.id, references):
            if tenant is None:
                result.not_found.append(reference)
            elif tenant.enrolment is None or tenant.enrolment.status != "enrolled":
                result.unchanged.append(reference)
            else:
                tenant.enrolment.status, tenant.enrolment.unenrolled_on = "unenrolled", today
                figure_counts.enrolment_changed(session, tenant.enrolment)
                result.changed.append(reference)
        if result.changed:
            _audit(session, organisation.id, veille, "enrolment.unenrolled", {"count": len(result.changed)})
    log.info("enrolment.unenrolled count=%d", len(result.changed))
    return result


def _rules(organisation, rules: Sequence[Rule] | None) -> Sequence[Rule]:
    """The rules given, else the organisation's own (its coordinators' settings)."""
    return rules if rules is not None else rules_from_settings(organisation.settings)


def _check_legal_basis(legal_basis: str) -> None:
    if legal_basis not in LEGAL_BASES:
        raise EnrolmentError(f"base légale inconnue « {legal_basis} » (valeurs : {', '.join(LEGAL_BASES)})")


def _listing(session: Session, organisation_id: int, today: date,
             rules: Sequence[Rule]) -> EligibilityListing:
    suppressed = suppression_list(session, organisation_id)
    listing = EligibilityListing()
    # Plain rows of the columns the rules and the listing need: loading 100,000 ORM objects
    # would take several times longer.
    query = (select(*LISTED_COLUMNS, Enrolment.status)
             .outerjoin(Enrolment, (Enrolment.tenant_id == Tenant.id)
                        & (Enrolment.organisation_id == organisation_id))
             .where(Tenant.organisation_id == organisation_id).order_by(Tenant.reference))
    for tenant in session.execute(query):
        status = tenant.status
        if status == "enrolled":
            listing.enrolled += 1
        elif status == "unenrolled":
            listing.unenrolled += 1
        elif _opted_out(tenant, suppressed):
            listing.opted_out += 1
        else:
            _add_candidate(listing, tenant, today, rules)
    return listing


def _add_candidate(listing: EligibilityListing, tenant: Row, today: date, rules: Sequence[Rule]) -> None:
    facts = TenantFacts(tenant.household, tenant.birth_year, tenant.partner_birth_year, tenant.manual_flag)
    verdict = evaluate(facts, today, rules)
    if not verdict.eligible and not verdict.undecided:
        return
    name = " ".join(filter(None, (tenant.last_name, tenant.first_name)))
    candidate = Candidate(tenant.id, tenant.reference, name, tenant.site, verdict.rule, verdict.undecided)
    (listing.eligible if verdict.eligible else listing.undecided).append(candidate)


def _opted_out(tenant: Tenant | Row, suppressed: SuppressionList) -> bool:
    if tenant.opted_out_at is not None:
        return True
    return bool(suppressed) and any(number in suppressed for number in (tenant.phone, tenant.phone2))


def _tenants_by_reference(session: Session, organisation_id: int,
                          references: Iterable[str]) -> list[tuple[str, Tenant | None]]:
    wanted = list(dict.fromkeys(references))
    found = {tenant.reference: tenant for tenant in session.scalars(select(Tenant).where(
        Tenant.organisation_id == organisation_id, Tenant.reference.in_(wanted)))}
    return [(reference, found.get(reference)) for reference in wanted]


def _set_enrolled(session: Session, tenant: Tenant, organisation_id: int, legal_basis: str, source: str,
                  today: date, veille: Veille) -> None:
    enrolment = tenant.enrolment
    if enrolment is None:
        enrolment = Enrolment(tenant_id=tenant.id, organisation_id=organisation_id, status="enrolled",
                              legal_basis=legal_basis, source=source, enrolled_on=today,
                              created_at=veille.clock())
        session.add(enrolment)
    else:
        enrolment.status, enrolment.legal_basis, enrolment.source = "enrolled", legal_basis, source
        enrolment.enrolled_on, enrolment.unenrolled_on = today, None
    figure_counts.enrolment_changed(session, enrolment)


def _audit(session: Session, organisation_id: int, veille: Veille, action: str, details: dict) -> None:
    session.add(AuditEvent(organisation_id=organisation_id, actor_label="coordinator", action=action,
                           subject_type="enrolment", at=veille.clock(), details=details))
