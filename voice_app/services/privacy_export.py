"""A tenant's access export (GDPR art. 15): everything Veille holds on them, as JSON or PDF.

The rows are those an erasure would delete (services.privacy.rows_about: read from the schema,
so a table added later appears by itself), the audit lines about them, and whether their
numbers are on the opposition list. Opaque tokens (secrets in webhook URLs) are left out.
Exporting is audited with the landlord's reference only; the file is handed to the person who
asked, never stored nor put in a URL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEvent
from db.models import Organisation
from db.models import Tenant
from db.models import User
from voice_app.domain.processing_register import table_label
from voice_app.services import audit
from voice_app.services.ports import Runtime
from voice_app.services.privacy import audit_subjects
from voice_app.services.privacy import find_tenant
from voice_app.services.privacy import rows_about
from voice_app.services.suppression import is_suppressed

HIDDEN_COLUMNS = frozenset({"token", "token_hash"})
AUDIT_COLUMNS = ("at", "action", "actor_label", "subject_type", "details")
FORMATS = ("json", "pdf")


@dataclass(frozen=True)
class Section:
    table: str  # the table's name (JSON key)
    label: str  # its French name
    rows: list[dict]


@dataclass(frozen=True)
class TenantExport:
    reference: str
    organisation: str
    generated_at: datetime
    sections: list[Section]

    def section(self, table: str) -> Section | None:
        return next((s for s in self.sections if s.table == table), None)

    def as_json(self) -> bytes:
        document = {"reference": self.reference, "organisme": self.organisation,
                    "genere_le": self.generated_at.isoformat(),
                    "donnees": {s.table: {"libelle": s.label, "lignes": s.rows} for s in self.sections}}
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def export_tenant(veille: Runtime, organisation_id: int, reference: str,
                  actor: User | None = None) -> TenantExport:
    """Everything held on the tenant `reference`; UnknownTenant (nothing exported) if none."""
    now = veille.clock()
    with veille.session_factory.begin() as session:
        tenant = find_tenant(session, organisation_id, reference)
        rows = rows_about(session, tenant)
        sections = [Section(table.name, table_label(table.name),
                            [_plain(row) for row in rows.rows(session, table)])
                    for table in rows.tables()]
        sections = [s for s in sections if s.rows or s.table == Tenant.__tablename__]
        sections.append(_audit_section(session, rows))
        sections.append(_opposition(session, tenant))
        organisation = session.get(Organisation, organisation_id).name
        audit.add(session, now, organisation_id=organisation_id, actor=actor,
                  action="privacy.tenant_exported", subject_type="tenant", subject_id=tenant.id,
                  details={"reference": tenant.reference})
        return TenantExport(tenant.reference, organisation, now, sections)


def file_name(export_format: str, now: datetime) -> str:
    """`donnees-locataire-2026-12-01.pdf`: no reference, no name (the file may be forwarded)."""
    return f"donnees-locataire-{now:%Y-%m-%d}.{export_format}"


def _audit_section(session: Session, rows) -> Section:
    about = audit_subjects(rows)
    events = [] if about is None else session.scalars(select(AuditEvent).where(about).order_by(AuditEvent.id))
    return Section(AuditEvent.__tablename__, table_label(AuditEvent.__tablename__),
                   [_plain({column: getattr(event, column) for column in AUDIT_COLUMNS}) for event in events])


def _opposition(session: Session, tenant: Tenant) -> Section:
    numbers = tenant.numbers
    listed = tenant.opted_out_at is not None or any(is_suppressed(session, tenant.organisation_id, n)
                                                    for n in numbers)
    text = ("oui : ses numéros ne sont plus gardés qu’en empreinte à clé, pour ne plus jamais l’appeler"
            if listed else "non")
    return Section("phone_suppressions", table_label("phone_suppressions"),
                   [{"numeros_sur_la_liste": text}])


def _plain(row: dict) -> dict:
    """A row as JSON values (ISO dates), without secrets or binary content."""
    plain = {}
    for column, value in row.items():
        if column in HIDDEN_COLUMNS or isinstance(value, bytes | bytearray | memoryview):
            continue
        plain[column] = value.isoformat() if isinstance(value, datetime | date | time) else value
    return plain
