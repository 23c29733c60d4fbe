"""Who is signed in, and what they may see (DESIGN §11-12).

A page a role may not open answers 404, as if it did not exist; so does a record of
another organisation, or a volunteer's task or tenant that is not theirs. Each refusal of a
signed-in user's request for a record is audited.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

from flask import abort
from flask import session as cookie
from flask_login import current_user
from flask_login import login_required

from db.models import Organisation
from db.models import User
from voice_app.domain.people import SESSION_ABSOLUTE_LIMIT
from voice_app.domain.people import Role
from voice_app.domain.people import Viewer
from voice_app.domain.people import may_open
from voice_app.services import audit
from voice_app.services.organisations import landlord_ids
from voice_app.services.organisations import related_organisation_ids
from voice_app.web.extensions import get_veille
from voice_app.web.extensions import login_manager


@dataclass(frozen=True)
class SignedIn:
    """The signed-in person, loaded at each request (a deactivated account is signed out)."""

    id: int
    email: str
    name: str
    role: str
    organisation_id: int
    organisation_name: str
    organisation_kind: str
    related_organisation_ids: tuple[int, ...]  # itself, then its partners or landlords
    landlord_ids: tuple[int, ...]  # the landlords whose tenants it works on
    session_version: int

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        """The session's id: sign-out, a new password or deactivation raise the version, which
        ends every session opened before."""
        return session_id(self.id, self.session_version)

    @property
    def is_volunteer(self) -> bool:
        return self.role == Role.VOLUNTEER

    @property
    def is_landlord_staff(self) -> bool:
        return self.organisation_kind == "landlord"

    @property
    def landlord_id(self) -> int | None:
        """The landlord this person works for, when there is exactly one."""
        return self.landlord_ids[0] if len(self.landlord_ids) == 1 else None

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.id, self.role, self.organisation_id, self.organisation_kind, self.landlord_ids,
                      self.related_organisation_ids)

    def as_actor(self) -> User:
        return User(id=self.id, display_name=self.name, organisation_id=self.organisation_id)


def session_id(user_id: int, session_version: int) -> str:
    return f"{user_id}:{session_version}"


SIGNED_IN_AT = "signed_in_at"  # in the session cookie: when its sign-in happened (Unix time)


def seconds_now() -> float:
    return time.time()


def sign_in_started() -> None:
    """Mark the fresh session's start: it ends SESSION_ABSOLUTE_LIMIT later however busy it
    is (a page left open polls, which would otherwise keep it alive for ever)."""
    cookie[SIGNED_IN_AT] = int(seconds_now())


def _session_too_old() -> bool:
    started = cookie.get(SIGNED_IN_AT)
    return not isinstance(started, int) or seconds_now() - started > SESSION_ABSOLUTE_LIMIT.total_seconds()


@login_manager.user_loader
def load_user(session_id: str) -> SignedIn | None:
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()) or _session_too_old():
        return None
    veille = get_veille()
    with veille.session_factory() as session:
        user = session.get(User, int(user_id))
        if user is None or not user.active or user.session_version != int(version):
            return None
        organisation = session.get(Organisation, user.organisation_id)
        related = tuple(related_organisation_ids(session, organisation))
        landlords = (organisation.id,) if organisation.kind == "landlord" \
            else tuple(landlord_ids(session, organisation.id))
        return SignedIn(user.id, user.email, user.display_name, user.role, organisation.id,
                        organisation.name, organisation.kind, related, landlords, user.session_version)


def me() -> SignedIn:
    return current_user._get_current_object()


def for_area(area: str):
    """A view for signed-in users whose role opens `area`; others get 404."""
    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not may_open(current_user.role, area, current_user.organisation_kind):
                abort(404)
            return view(*args, **kwargs)
        return wrapper
    return decorate


def refuse(subject_type: str, subject_id: int | None):
    """404 for a record this user may not see, with an audit line saying they tried."""
    user = me()
    audit.record(get_veille(), organisation_id=user.organisation_id, actor=user.as_actor(),
                 action="access.refused", subject_type=subject_type, subject_id=subject_id)
    abort(404)


def audit_action(action: str, subject_type: str, subject_id: int | None, details: dict | None = None,
                 organisation_id: int | None = None) -> None:
    user = me()
    audit.record(get_veille(), organisation_id=organisation_id or user.organisation_id,
                 actor=user.as_actor(), action=action, subject_type=subject_type, subject_id=subject_id,
                 details=details)
