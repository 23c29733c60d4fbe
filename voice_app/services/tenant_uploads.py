"""A tenant file uploaded in the console: checked and previewed first, saved only once the
coordinator confirms. The file waits in the database (any web process can confirm it) and is
deleted at confirmation, at cancellation, or after a day."""

from __future__ import annotations

import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy import select

from db.models import PendingImport
from db.models import User
from voice_app.domain.people import Viewer
from voice_app.domain.tenant_file import MAX_FILE_BYTES
from voice_app.domain.tenant_file import TenantFileError
from voice_app.services import audit
from voice_app.services.ports import Runtime
from voice_app.services.tenant_import import ImportReport
from voice_app.services.tenant_import import import_tenants

KEPT_FOR = timedelta(days=1)
DEFAULT_NAME = "locataires.csv"


class UploadNotFound(LookupError):
    """No such pending file for this person (404): confirmed, cancelled, expired or not theirs."""


def shown_name(file_name: str) -> str:
    """The uploaded file's name as the pages show it: the browser's name without any folder or
    control character, 200 characters at most."""
    name = "".join(char for char in file_name.replace("\\", "/") if char.isprintable()).rsplit("/", 1)[-1]
    return name.strip()[:200] or DEFAULT_NAME


def _run(veille: Runtime, landlord_id: int, file_name: str, content: bytes, *, dry_run: bool,
         skip_invalid: bool = False) -> ImportReport:
    # The browser's name is never a path here: "..", a NUL or 300 bytes would break the write.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / DEFAULT_NAME
        path.write_bytes(content)
        return import_tenants(veille, path, dry_run=dry_run, skip_invalid=skip_invalid,
                              organisation_id=landlord_id, file_name=shown_name(file_name))


def stage(veille: Runtime, viewer: Viewer, file_name: str, content: bytes) -> tuple[str | None, ImportReport]:
    """Check the file and count what it would change (nothing saved). The token names the
    staged file for confirmation; None when the file is refused (nothing to confirm)."""
    if len(content) > MAX_FILE_BYTES:
        raise TenantFileError("fichier trop volumineux (20 Mo au plus)")
    landlord_id = viewer.landlord_ids[0]
    report = _run(veille, landlord_id, file_name, content, dry_run=True)
    now = veille.clock()
    with veille.session_factory.begin() as session:
        session.execute(delete(PendingImport).where(PendingImport.created_at < now - KEPT_FOR))
        if report.refused:
            return None, report
        token = secrets.token_urlsafe(32)
        session.add(PendingImport(token=token, organisation_id=landlord_id, user_id=viewer.user_id,
                                  file_name=shown_name(file_name), content=content,
                                  created_at=now))
    return token, report


def _pending(session, viewer: Viewer, token: str) -> PendingImport:
    pending = session.scalar(select(PendingImport).where(
        PendingImport.token == token[:43], PendingImport.user_id == viewer.user_id,
        PendingImport.organisation_id.in_(viewer.landlord_ids)))
    if pending is None:
        raise UploadNotFound(token)
    return pending


def preview(veille: Runtime, viewer: Viewer, token: str) -> tuple[str, ImportReport]:
    with veille.session_factory() as session:
        pending = _pending(session, viewer, token)
        name, content, landlord_id = pending.file_name, pending.content, pending.organisation_id
    return name, _run(veille, landlord_id, name, content, dry_run=True)


def confirm(veille: Runtime, viewer: Viewer, token: str) -> ImportReport:
    """Import the staged file for real, then forget it."""
    with veille.session_factory() as session:
        pending = _pending(session, viewer, token)
        name, content, landlord_id = pending.file_name, pending.content, pending.organisation_id
    report = _run(veille, landlord_id, name, content, dry_run=False)
    with veille.session_factory.begin() as session:
        session.execute(delete(PendingImport).where(PendingImport.token == token))
        audit.add(session, veille.clock(), organisation_id=landlord_id,
                  actor=session.get(User, viewer.user_id), action="tenants.import_confirmed",
                  subject_type="tenant_file", details={"created": report.created, "updated": report.updated})
    return report


def cancel(veille: Runtime, viewer: Viewer, token: str) -> None:
    with veille.session_factory.begin() as session:
        session.delete(_pending(session, viewer, token))
