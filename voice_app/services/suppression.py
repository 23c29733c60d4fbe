"""The opt-out suppression list: numbers kept only as hashes (DESIGN §11).

A number is hashed with SHA-256 over a fixed prefix and its E.164 form: stable across
secret rotations, so a re-import months later still finds it; the number itself is gone.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import PhoneSuppression

PREFIX = b"veille-suppression-v1:"


def phone_hash(e164: str) -> str:
    return hashlib.sha256(PREFIX + e164.encode()).hexdigest()


def suppress(session: Session, organisation_id: int, numbers: list[str | None],
             reason: str = "opt_out") -> None:
    """Add `numbers` (E.164) to the organisation's suppression list (idempotent)."""
    for number in filter(None, numbers):
        digest = phone_hash(number)
        exists = session.scalar(select(PhoneSuppression.id).where(
            PhoneSuppression.organisation_id == organisation_id, PhoneSuppression.phone_hash == digest))
        if exists is None:
            session.add(PhoneSuppression(organisation_id=organisation_id, phone_hash=digest, reason=reason))
    session.flush()


def suppressed_hashes(session: Session, organisation_id: int) -> set[str]:
    """Every suppressed hash of the organisation (loaded once per import)."""
    return set(session.scalars(select(PhoneSuppression.phone_hash).where(
        PhoneSuppression.organisation_id == organisation_id)))


def is_suppressed(session: Session, organisation_id: int, e164: str) -> bool:
    return session.scalar(select(PhoneSuppression.id).where(
        PhoneSuppression.organisation_id == organisation_id,
        PhoneSuppression.phone_hash == phone_hash(e164))) is not None
