"""The opt-out suppression list: numbers kept only as hashes (DESIGN §11).

A number is hashed with SHA-256 over a fixed prefix and its E.164 form: stable across
secret rotations, so a re-import months later still finds it; the number itself is gone.
Once a tenant has opted out their numbers are erased in clear (`forget_numbers`): from the
tenant (`phone`, `phone2`) and from their call attempts (`to_number`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from db.models import CallAttempt
from db.models import PhoneSuppression
from db.models import Tenant

PREFIX = b"veille-suppression-v1:"
ERASE_CHUNK = 5_000  # tenant ids per UPDATE (bound parameters stay well under SQLite's limit)


def phone_hash(e164: str) -> str:
    return hashlib.sha256(PREFIX + e164.encode()).hexdigest()


def suppress(session: Session, organisation_id: int, numbers: Iterable[str | None],
             reason: str = "opt_out") -> None:
    """Add `numbers` (E.164) to the organisation's suppression list (idempotent)."""
    digests = {phone_hash(number) for number in numbers if number}
    if not digests:
        return
    known = set(session.scalars(select(PhoneSuppression.phone_hash).where(
        PhoneSuppression.organisation_id == organisation_id, PhoneSuppression.phone_hash.in_(digests))))
    session.add_all(PhoneSuppression(organisation_id=organisation_id, phone_hash=digest, reason=reason)
                    for digest in sorted(digests - known))
    session.flush()


def forget_numbers(session: Session, organisation_id: int, tenant_ids: Collection[int],
                   numbers: Iterable[str | None] = ()) -> None:
    """Opted-out tenants: add `numbers` to the suppression list, then erase every number of
    `tenant_ids` in clear (their phone and phone2, their attempts' to_number), set-based, in
    the caller's transaction. The hashes are written first: a number is never dropped before
    the list can recognise it."""
    suppress(session, organisation_id, numbers)
    ids = sorted(tenant_ids)
    for start in range(0, len(ids), ERASE_CHUNK):
        chunk = ids[start:start + ERASE_CHUNK]
        session.execute(update(Tenant).where(Tenant.organisation_id == organisation_id, Tenant.id.in_(chunk))
                        .values(phone=None, phone2=None))
        session.execute(update(CallAttempt).where(CallAttempt.organisation_id == organisation_id,
                                                  CallAttempt.tenant_id.in_(chunk)).values(to_number=None))


def suppressed_hashes(session: Session, organisation_id: int) -> set[str]:
    """Every suppressed hash of the organisation (loaded once per import)."""
    return set(session.scalars(select(PhoneSuppression.phone_hash).where(
        PhoneSuppression.organisation_id == organisation_id)))


def is_suppressed(session: Session, organisation_id: int, e164: str) -> bool:
    return session.scalar(select(PhoneSuppression.id).where(
        PhoneSuppression.organisation_id == organisation_id,
        PhoneSuppression.phone_hash == phone_hash(e164))) is not None
