"""User accounts: creation, invitations, passwords (argon2), sign-in with throttling.

Sign-in failures are rows (`LoginAttempt`), so the throttle holds across web workers and
restarts. Messages for a refused sign-in are generic: they never say whether an e-mail is
known.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import AuditEvent
from db.models import Invitation
from db.models import LoginAttempt
from db.models import Organisation
from db.models import User
from voice_app.domain.people import LOGIN_WINDOW
from voice_app.domain.people import Role
from voice_app.domain.people import invitation_expires
from voice_app.domain.people import normalise_email
from voice_app.domain.people import password_problem
from voice_app.domain.people import sign_in_blocked
from voice_app.domain.phones import PhoneError
from voice_app.domain.phones import normalise_phone
from voice_app.services.ports import Runtime

log = logging.getLogger("veille.accounts")

_hasher = PasswordHasher()
# Verifying against this when the e-mail is unknown takes as long as a real check.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A request about accounts that cannot be honoured (French message)."""


class SignInRefused(Exception):
    """Wrong e-mail or password, or throttled: the page says the same thing either way."""

    def __init__(self, throttled: bool) -> None:
        super().__init__("throttled" if throttled else "invalid")
        self.throttled = throttled


@dataclass(frozen=True)
class NewUser:
    email: str
    role: str
    name: str
    organisation_id: int
    phone: str | None = None
    capacity: int | None = None


def hash_password(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    return _hasher.hash(password)


def _phone(raw: str | None) -> str | None:
    if not raw or not raw.strip():
        return None
    try:
        return normalise_phone(raw)
    except PhoneError as error:
        raise AccountError(f"Téléphone invalide : {error}") from error


def _audit(session: Session, now: datetime, actor_id: int | None, action: str, user: User,
           details: dict | None = None) -> None:
    session.add(AuditEvent(organisation_id=user.organisation_id, actor_id=actor_id,
                           actor_label="utilisateur" if actor_id else "commande", action=action,
                           subject_type="user", subject_id=user.id, details=details or {}, at=now))


def create_user(veille: Runtime, new: NewUser, *, password: str | None = None,
                actor_id: int | None = None) -> User:
    """Create an account; without a password it can only be used through an invitation."""
    try:
        email = normalise_email(new.email)
    except ValueError as error:
        raise AccountError(str(error)) from error
    if new.role not in set(Role):
        raise AccountError(f"Rôle inconnu : {new.role!r} (admin, coordinator ou volunteer).")
    name = (new.name or "").strip()
    if not name or len(name) > 200:
        raise AccountError("Le nom doit faire entre 1 et 200 caractères.")
    if new.capacity is not None and not 0 <= new.capacity <= 1000:
        raise AccountError("La capacité d’un bénévole est un nombre de locataires entre 0 et 1000.")
    password_hash = hash_password(password) if password else None
    now = veille.clock()
    try:
        with veille.session_factory.begin() as session:
            if session.get(Organisation, new.organisation_id) is None:
                raise AccountError("Organisme inconnu.")
            user = User(organisation_id=new.organisation_id, email=email, display_name=name,
                        role=new.role, password_hash=password_hash, on_duty_phone=_phone(new.phone),
                        on_duty=False, active=True, created_at=now)
            if new.capacity is not None:
                user.capacity = new.capacity
            session.add(user)
            session.flush()
            _audit(session, now, actor_id, "user.created", user, {"role": new.role})
    except IntegrityError as error:
        raise AccountError(f"Un compte existe déjà pour {email}.") from error
    log.info("user.created user_id=%s role=%s", user.id, new.role)
    return user


def find_user(veille: Runtime, email: str) -> User:
    with veille.session_factory() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise AccountError(f"Aucun compte pour {email}.")
    return user


def list_users(veille: Runtime, organisation_ids: list[int]) -> list[tuple[User, str]]:
    """(user, organisation name) of these organisations, by organisation then name."""
    with veille.session_factory() as session:
        return [tuple(row) for row in session.execute(
            select(User, Organisation.name).join(Organisation, Organisation.id == User.organisation_id)
            .where(User.organisation_id.in_(organisation_ids))
            .order_by(Organisation.name, User.display_name))]


def set_active(veille: Runtime, user_id: int, active: bool, *, actor_id: int | None = None) -> User:
    """Deactivate (or reactivate) an account: a deactivated user cannot sign in, is signed
    out at their next request, and receives no task or call."""
    with veille.session_factory.begin() as session:
        user = session.get(User, user_id)
        if user is None:
            raise AccountError("Compte inconnu.")
        user.active = active
        if not active:
            user.on_duty = False
            user.session_version += 1  # reactivated, the account starts with no open session
            _spend_open_invitations(session, user_id, veille.clock())
        _audit(session, veille.clock(), actor_id, "user.activated" if active else "user.deactivated", user)
    log.info("user.%s user_id=%s", "activated" if active else "deactivated", user_id)
    return user



def end_sessions(veille: Runtime, user_id: int) -> None:
    """Sign the user out everywhere: every session opened so far stops working."""
    with veille.session_factory.begin() as session:
        session.execute(update(User).where(User.id == user_id)
                        .values(session_version=User.session_version + 1))


# --- Invitations ------------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _spend_open_invitations(session: Session, user_id: int, now: datetime) -> None:
    """Only the newest link works: one lost or forwarded earlier must not set a password."""
    session.execute(update(Invitation).where(Invitation.user_id == user_id, Invitation.used_at.is_(None))
                    .values(used_at=now))


def invite(veille: Runtime, user_id: int, *, actor_id: int | None = None) -> str:
    """A one-time token (valid 72 h) for the user to set their password; only its hash is kept.
    The user's earlier links stop working."""
    token = secrets.token_urlsafe(32)
    now = veille.clock()
    with veille.session_factory.begin() as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise AccountError("On ne peut inviter qu’un compte actif.")
        _spend_open_invitations(session, user_id, now)
        session.add(Invitation(user_id=user_id, token_hash=_token_hash(token),
                               expires_at=invitation_expires(now), created_by_id=actor_id, created_at=now))
        _audit(session, now, actor_id, "user.invited", user)
    log.info("user.invited user_id=%s", user_id)
    return token


def invitation_user(veille: Runtime, token: str) -> User | None:
    """The user a still-valid invitation is for, or None (unknown, used or expired)."""
    with veille.session_factory() as session:
        return session.scalar(select(User).join(Invitation, Invitation.user_id == User.id).where(
            Invitation.token_hash == _token_hash(token), Invitation.used_at.is_(None),
            Invitation.expires_at > veille.clock(), User.active.is_(True)))


def accept_invitation(veille: Runtime, token: str, password: str) -> User:
    """Set the password once; the invitation is spent in the same conditional UPDATE."""
    password_hash = hash_password(password)
    now = veille.clock()
    with veille.session_factory.begin() as session:
        spent = session.execute(update(Invitation).where(
            Invitation.token_hash == _token_hash(token), Invitation.used_at.is_(None),
            Invitation.expires_at > now).values(used_at=now).returning(Invitation.user_id)).first()
        user = session.get(User, spent[0]) if spent else None
        if user is None or not user.active:
            raise AccountError("Ce lien d’invitation n’est plus valable : demandez-en un nouveau.")
        user.password_hash = password_hash
        user.session_version += 1  # whoever knew the old password is signed out
        _spend_open_invitations(session, user.id, now)
        _audit(session, now, user.id, "user.invitation_accepted", user)
    log.info("user.invitation_accepted user_id=%s", user.id)
    return user


# --- Sign-in ----------------------------------------------------------------------------------

def _failures(session: Session, column, value: str, since: datetime) -> int:
    return session.scalar(select(func.count(LoginAttempt.id)).where(
        column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)) or 0


def authenticate(veille: Runtime, email: str, password: str, address: str) -> User:
    """The active user with this e-mail and password, or SignInRefused; every try is recorded
    (committed before refusing: a refusal must count towards the throttle)."""
    account, now = (email or "").strip().lower()[:254], veille.clock()
    address = (address or "-")[:64]
    with veille.session_factory.begin() as session:
        since = now - LOGIN_WINDOW
        throttled = sign_in_blocked(_failures(session, LoginAttempt.account, account, since),
                                    _failures(session, LoginAttempt.address, address, since))
        user = None if throttled else session.scalar(select(User).where(User.email == account))
        ok = not throttled and _verify(user.password_hash if user and user.active else None, password)
        session.add(LoginAttempt(account=account, address=address, succeeded=ok, at=now))
        if ok:
            user.last_login_at = now
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            _audit(session, now, user.id, "user.signed_in", user)
    if not ok:
        log.warning("auth.throttled") if throttled else log.info("auth.failed")
        raise SignInRefused(throttled=throttled)
    log.info("auth.signed_in user_id=%s", user.id)
    return user


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password or "") and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def forget_old_attempts(veille: Runtime, now: datetime) -> int:
    """Sign-in attempts are only needed for the throttle window (run by the clock daily)."""
    with veille.session_factory.begin() as session:
        result = session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - 2 * LOGIN_WINDOW))
    return result.rowcount or 0
