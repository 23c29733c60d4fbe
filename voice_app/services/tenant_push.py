"""Tenants pushed by a landlord's information system through the API (`POST /api/v1/tenants`).

The same rules as the tenant file: every item is checked by the file's parsers
(voice_app.domain.tenant_items), and valid rows are written by the import's own `save_rows`
(suppression list, opt-outs, updates by reference). All or nothing: one invalid item and
nothing is saved, unless the caller asked for `partial`, which saves the valid items and
lists the others. The write and its audit line land in one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy.exc import IntegrityError

from db.models import User
from voice_app.domain.calendar import paris_date
from voice_app.domain.tenant_items import MAX_ITEMS
from voice_app.domain.tenant_items import check_tenant_items
from voice_app.domain.tenant_rows import RowError
from voice_app.services import audit
from voice_app.services.ports import Runtime
from voice_app.services.tenant_import import ImportConflict
from voice_app.services.tenant_import import SavedRows
from voice_app.services.tenant_import import save_rows

log = logging.getLogger("veille.tenants")


class PushRefused(ValueError):
    """The request as a whole cannot be read as tenants; the message is French."""


@dataclass
class PushResult:
    received: int
    partial: bool
    errors: list[RowError] = field(default_factory=list)
    saved: SavedRows | None = None  # None: nothing written

    @property
    def refused(self) -> bool:
        return bool(self.errors) and not self.partial

    @property
    def rejected(self) -> list[int]:
        return sorted({error.line for error in self.errors})


def push_tenants(veille: Runtime, organisation_id: int, items: object, *, partial: bool,
                 actor: User | None) -> PushResult:
    """Check `items` (a JSON array) and save them, all or (with `partial`) the valid ones."""
    if not isinstance(items, list) or not items:
        raise PushRefused("« tenants » doit être une liste d’au moins un locataire.")
    if len(items) > MAX_ITEMS:
        raise PushRefused(f"{len(items)} locataires dans une requête : {MAX_ITEMS} au plus, "
                          "envoyez-les en plusieurs fois.")
    now = veille.clock()
    checked = check_tenant_items(items, paris_date(now))
    result = PushResult(len(items), partial, checked.errors)
    if result.refused or not checked.rows:
        log.warning("tenants.push_refused items=%d errors=%d", len(items), len(checked.errors))
        return result
    try:
        with veille.session_factory.begin() as session:
            result.saved = save_rows(session, organisation_id, checked.rows, now)
            audit.add(session, now, organisation_id=organisation_id, actor=actor, action="tenants.imported",
                      subject_type="api", details=_audit_details(result))
    except IntegrityError as error:
        raise ImportConflict("un autre import a enregistré les mêmes locataires pendant cet envoi : "
                             "rien n'a été enregistré, renvoyez-le.") from error
    saved = result.saved
    log.info("tenants.pushed created=%d updated=%d unchanged=%d opted_out=%d rejected=%d",
             len(saved.inserts), len(saved.updates), saved.unchanged, saved.marked_opted_out,
             len(result.rejected))
    return result


def _audit_details(result: PushResult) -> dict:
    saved = result.saved
    return {"source": "api", "created": len(saved.inserts), "updated": len(saved.updates),
            "unchanged": saved.unchanged, "opted_out": saved.marked_opted_out,
            "rejected": len(result.rejected)}
