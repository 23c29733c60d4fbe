"""Erasing a tenant (GDPR art. 17): everything held about them goes, in one transaction, and
only the keyed hash of their numbers remains on the suppression list, so that a re-import of
the landlord's file never enrols nor calls them again (it marks them opted out, numbers not
kept: services.tenant_import).

What goes is read from the schema (services.privacy.rows_about): the tenant, their enrolment,
away periods, campaign lists, calls with their events and answers, follow-ups with their notes,
call-backs and text messages, opt-out requests. The audit log is kept, but its lines about the
tenant lose their subject (the action, who and when stay); the erasure itself is audited with
the landlord's reference only. Files staged for import and not yet confirmed are dropped: they
may hold the tenant's line, numbers included.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy import update

from db.models import AuditEvent
from db.models import PendingImport
from db.models import User
from db.repositories.dependent_rows import Removal
from voice_app.services import audit
from voice_app.services.ports import Runtime
from voice_app.services.privacy import audit_subjects
from voice_app.services.privacy import find_tenant
from voice_app.services.privacy import rows_about
from voice_app.services.suppression import suppress
from voice_app.services.suppression import verify_key

log = logging.getLogger("veille.privacy")

ERASURE_REASON = "erasure"  # the suppression entry's reason


@dataclass(frozen=True)
class ErasureReport:
    reference: str
    removal: Removal
    audit_lines_unlinked: int
    numbers_suppressed: int
    pending_imports_dropped: int


def preview_erasure(veille: Runtime, organisation_id: int, reference: str) -> dict[str, int]:
    """Rows an erasure of `reference` would delete, per table (UnknownTenant if none)."""
    with veille.session_factory() as session:
        return rows_about(session, find_tenant(session, organisation_id, reference)).counts(session)


def erase_tenant(veille: Runtime, organisation_id: int, reference: str,
                 actor: User | None = None) -> ErasureReport:
    """Erase the tenant `reference` of the organisation; UnknownTenant (nothing changed) if none."""
    now = veille.clock()
    with veille.session_factory.begin() as session:
        tenant = find_tenant(session, organisation_id, reference, lock=True)
        reference = tenant.reference
        verify_key(session, organisation_id)  # a hash under another key would recognise nobody
        numbers = tenant.numbers
        suppress(session, organisation_id, numbers, reason=ERASURE_REASON)  # first: never dropped unhashed
        rows = rows_about(session, tenant)
        about = audit_subjects(rows)
        unlinked = session.execute(update(AuditEvent).where(about).values(subject_id=None)).rowcount or 0
        removal = rows.remove(session)
        dropped = session.execute(delete(PendingImport).where(
            PendingImport.organisation_id == organisation_id)).rowcount or 0
        audit.add(session, now, organisation_id=organisation_id, actor=actor, action="privacy.tenant_erased",
                  subject_type="tenant", subject_id=None,
                  details={"reference": reference, "deleted": removal.deleted, "audit_unlinked": unlinked})
    log.info("privacy.tenant_erased organisation_id=%s rows=%d", organisation_id,
             sum(removal.deleted.values()))
    return ErasureReport(reference, removal, unlinked, len(numbers), dropped)
