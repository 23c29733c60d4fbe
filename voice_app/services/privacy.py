"""Data protection (DESIGN §11): what the retention purge, a tenant's access export and erasure
share: the organisation's retention policy, finding a tenant by reference, and the rows held
about a tenant.

The rows about a tenant are read from the schema (db.repositories.dependent_rows): the tenant,
every row of a table whose foreign key points at them, and every row that points at those
(a call's events and answers, a follow-up's call-backs and text messages), plus the calls
placed to or received from their numbers. A table added later is covered by itself. The audit
log is not among them: it has no foreign key to the tenant, and says who acted, not about
whom beyond a subject id (`audit_subjects`).

The use cases live in privacy_purge, privacy_export and privacy_erasure.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy import and_
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEvent
from db.models import Base
from db.models import CallAttempt
from db.models import FollowUp
from db.models import Organisation
from db.models import Tenant
from db.models import User
from db.repositories.dependent_rows import RowSet
from db.repositories.dependent_rows import tables_referring_to
from voice_app.domain.people import Viewer
from voice_app.domain.retention import SETTINGS_KEY
from voice_app.domain.retention import RetentionPolicy
from voice_app.domain.retention import policy_from_settings
from voice_app.domain.retention import policy_problems
from voice_app.services import audit
from voice_app.services.ports import Runtime

# Audit subjects that are rows about a tenant: (subject_type, the table of its subject_id).
AUDIT_SUBJECT_TABLES = (("tenant", Tenant.__table__), ("follow_up", FollowUp.__table__),
                        ("call_attempt", CallAttempt.__table__))


class PrivacyError(ValueError):
    """A data-protection request that cannot be done; the message is French and says nothing
    was changed."""


class UnknownTenant(PrivacyError):
    pass


def find_tenant(session: Session, organisation_id: int, reference: str, *, lock: bool = False) -> Tenant:
    """The organisation's tenant `reference`, or UnknownTenant (nothing is ever guessed)."""
    query = select(Tenant).where(Tenant.organisation_id == organisation_id,
                                 Tenant.reference == reference.strip())
    tenant = session.scalar(query.with_for_update() if lock else query)
    if tenant is None:
        organisation = session.get(Organisation, organisation_id)
        name = organisation.name if organisation else organisation_id
        raise UnknownTenant(f"Aucun locataire de référence « {reference} » chez « {name} ». "
                            "Rien n’a été modifié.")
    return tenant


def rows_about(session: Session, tenant: Tenant) -> RowSet:
    """Every row held about `tenant` (and what depends on it), read from the schema."""
    tenants = Tenant.__table__
    roots: dict = {tenants: tenants.c.id == tenant.id}
    for table, column in tables_referring_to(Base.metadata, tenants):
        roots[table] = or_(roots[table], column == tenant.id) if table in roots else column == tenant.id
    # Their calls, and those from their numbers before they were on file (an inbound call),
    # found once by two indexes; the dependants then look them up by id.
    attempts = CallAttempt.__table__
    numbers = tenant.numbers
    unknown_caller = and_(attempts.c.tenant_id.is_(None), attempts.c.to_number.in_(numbers),
                          attempts.c.organisation_id == tenant.organisation_id)
    theirs = attempts.c.tenant_id == tenant.id
    which = or_(theirs, unknown_caller) if numbers else theirs
    ids = list(session.scalars(select(attempts.c.id).where(which)))
    roots[attempts] = attempts.c.id.in_(ids)
    return RowSet(Base.metadata, roots, optional_keys_belong=True).materialise(session)


def audit_subjects(rows: RowSet) -> ColumnElement[bool] | None:
    """The audit lines whose subject is one of `rows`."""
    conditions = []
    for subject_type, table in AUDIT_SUBJECT_TABLES:
        condition = rows.condition(table)
        if condition is not None:
            conditions.append(and_(AuditEvent.subject_type == subject_type,
                                   AuditEvent.subject_id.in_(select(table.c.id).where(condition))))
    return or_(*conditions) if conditions else None


def tenant_for(veille: Runtime, viewer: Viewer, tenant_id: int) -> tuple[int, str]:
    """(organisation id, reference) of a tenant whose data this person may export or erase:
    the landlord's own coordinators and admins only. LookupError otherwise (a 404)."""
    if not viewer.sees_whole_landlord:
        raise LookupError(tenant_id)
    with veille.session_factory() as session:
        found = session.execute(select(Tenant.organisation_id, Tenant.reference).where(
            Tenant.id == tenant_id, Tenant.organisation_id.in_(viewer.landlord_ids))).first()
    if found is None:
        raise LookupError(tenant_id)
    return found.organisation_id, found.reference


# --- The retention policy ------------------------------------------------------------------

def retention_policy(veille: Runtime, organisation_id: int) -> RetentionPolicy:
    with veille.session_factory() as session:
        return policy_from_settings(session.get(Organisation, organisation_id).settings)


def set_retention(veille: Runtime, organisation_id: int, values: dict,
                  actor: User | None = None) -> RetentionPolicy:
    """Keep `values` ({"calls": 24, "answers": 12, "notes": 12}, months) as the organisation's
    policy; PrivacyError (French) when they cannot be, and nothing changes."""
    merged = {**retention_policy(veille, organisation_id).as_settings(),
              **{k: v for k, v in values.items() if v is not None}}
    problems = policy_problems(merged)
    if problems:
        raise PrivacyError(" ".join(problems) + " Rien n’a été modifié.")
    with veille.session_factory.begin() as session:
        organisation = session.get(Organisation, organisation_id)
        organisation.settings = {**(organisation.settings or {}), SETTINGS_KEY: merged}
        audit.add(session, veille.clock(), organisation_id=organisation_id, actor=actor,
                  action="privacy.retention_set", subject_type="organisation", subject_id=organisation_id,
                  details=merged)
    return RetentionPolicy(**merged)
