"""The opt-out suppression list: numbers kept only as keyed hashes (DESIGN §11).

A number is kept as HMAC-SHA256, keyed with SUPPRESSION_KEY (a secret of the environment),
of the SHA-256 of a fixed prefix and its E.164 form. Without the key, the list cannot be
reversed by trying every French number (a plain hash could be, in minutes). The inner
SHA-256 is the form lists were kept in before the key existed: migration 0004 turned each
stored digest into its keyed hash without ever needing the number.

Each entry records the id of the key that made it (`key_id`, itself an HMAC: it reveals
nothing). Run with another key, the list would silently recognise nobody and opted-out
tenants would be enrolled and called again, so any process that reads the list refuses to
work when an entry carries another key id (SuppressionKeyMismatch, a ConfigError).

The key reaches this module through the session (`session.info`, set by
db.engine.make_session_factory): every transaction that reads or writes the list has it.
Once a tenant has opted out their numbers are erased in clear (`forget_numbers`): from the
tenant (`phone`, `phone2`) and from their call attempts (`to_number`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from db.engine import SUPPRESSION_KEY_INFO
from db.models import CallAttempt
from db.models import PhoneSuppression
from db.models import Tenant
from voice_app.config import ConfigError

PREFIX = b"veille-suppression-v1:"
KEY_ID_MESSAGE = b"veille-suppression-key-id"
ERASE_CHUNK = 5_000  # tenant ids per UPDATE (bound parameters stay well under SQLite's limit)


class SuppressionKeyMismatch(ConfigError):
    """The opt-out list was made with another SUPPRESSION_KEY than this process's."""

    def __init__(self) -> None:
        super().__init__("SUPPRESSION_KEY ne correspond pas à la clé avec laquelle la liste d'opposition a "
                         "été enregistrée : avec cette clé, les numéros qui ont demandé l'arrêt des appels "
                         "ne seraient plus reconnus. Rien n'a été fait ; remettez la clé d'origine.")


def phone_hash(e164: str, key: str) -> str:
    """The keyed hash of an E.164 number, as the list keeps it."""
    inner = hashlib.sha256(PREFIX + e164.encode()).hexdigest()
    return hmac.new(key.encode(), inner.encode(), hashlib.sha256).hexdigest()


def key_id(key: str) -> str:
    """A short public name of `key`: tells which key made an entry, reveals nothing of it."""
    return hmac.new(key.encode(), KEY_ID_MESSAGE, hashlib.sha256).hexdigest()[:16]


def session_key(session: Session) -> str:
    """The suppression key of the process, carried by its sessions."""
    key = session.info.get(SUPPRESSION_KEY_INFO)
    if not key:
        raise RuntimeError("session without a suppression key: build it with db.engine.make_session_factory")
    return key


def hash_in(session: Session, e164: str) -> str:
    """`phone_hash` with the session's key."""
    return phone_hash(e164, session_key(session))


@dataclass(frozen=True)
class SuppressionList:
    """An organisation's list, loaded once (an import, an eligibility listing): `number in it`."""

    key: str
    hashes: frozenset[str]

    def __contains__(self, e164: object) -> bool:
        return bool(e164) and isinstance(e164, str) and phone_hash(e164, self.key) in self.hashes

    def __bool__(self) -> bool:
        return bool(self.hashes)


EMPTY = SuppressionList(key="", hashes=frozenset())


def verify_key(session: Session, organisation_id: int | None = None) -> None:
    """SuppressionKeyMismatch when an entry (of the organisation, or any) has another key."""
    query = select(PhoneSuppression.id).where(PhoneSuppression.key_id != key_id(session_key(session)))
    if organisation_id is not None:
        query = query.where(PhoneSuppression.organisation_id == organisation_id)
    if session.scalar(query.limit(1)) is not None:
        raise SuppressionKeyMismatch()


def suppress(session: Session, organisation_id: int, numbers: Iterable[str | None],
             reason: str = "opt_out") -> None:
    """Add `numbers` (E.164) to the organisation's suppression list (idempotent)."""
    key = session_key(session)
    digests = {phone_hash(number, key) for number in numbers if number}
    if not digests:
        return
    known = set(session.scalars(select(PhoneSuppression.phone_hash).where(
        PhoneSuppression.organisation_id == organisation_id, PhoneSuppression.phone_hash.in_(digests))))
    session.add_all(PhoneSuppression(organisation_id=organisation_id, phone_hash=digest, key_id=key_id(key),
                                     reason=reason) for digest in sorted(digests - known))
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


def suppression_list(session: Session, organisation_id: int) -> SuppressionList:
    """The organisation's whole list (loaded once per import or listing), key checked."""
    verify_key(session, organisation_id)
    return SuppressionList(session_key(session), frozenset(session.scalars(
        select(PhoneSuppression.phone_hash).where(PhoneSuppression.organisation_id == organisation_id))))


def is_suppressed(session: Session, organisation_id: int, e164: str) -> bool:
    verify_key(session, organisation_id)
    return session.scalar(select(PhoneSuppression.id).where(
        PhoneSuppression.organisation_id == organisation_id,
        PhoneSuppression.phone_hash == hash_in(session, e164))) is not None
