"""API tokens of organisations: created and revoked by an admin, checked at every API call.

The secret is returned once, by `create_token`, and never stored: the table keeps its SHA-256
(voice_app.domain.api_tokens). `authenticate` finds a token by that hash, refuses a revoked
one, and records when it was last used. Creation, revocation and every call are audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy import update

from db.models import ApiToken
from db.models import Organisation
from db.models import User
from voice_app.domain.api_tokens import Scope
from voice_app.domain.api_tokens import hint
from voice_app.domain.api_tokens import matches
from voice_app.domain.api_tokens import new_secret
from voice_app.domain.api_tokens import secret_hash
from voice_app.domain.people import Role
from voice_app.domain.people import Viewer
from voice_app.services import audit
from voice_app.services.organisations import landlord_ids
from voice_app.services.organisations import related_organisation_ids
from voice_app.services.ports import Runtime

log = logging.getLogger("veille.api")

MAX_NAME = 100


class TokenError(ValueError):
    """A token that cannot be created or revoked; the message is French."""


@dataclass(frozen=True)
class TokenListing:
    id: int
    organisation_id: int
    organisation_slug: str
    name: str
    scope: str
    hint: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class TokenHolder:
    """The organisation behind a valid token, and what it may see."""

    token_id: int
    name: str
    scope: str
    viewer: Viewer

    @property
    def organisation_id(self) -> int:
        return self.viewer.organisation_id

    @property
    def is_landlord(self) -> bool:
        return self.viewer.organisation_kind == "landlord"

    def as_actor(self) -> User:
        """The audit log's actor: the token, by its name."""
        return User(display_name=f"jeton API « {self.name} »"[:100])


@dataclass(frozen=True)
class Authentication:
    holder: TokenHolder | None
    refusal: str | None = None  # missing | unknown | revoked
    organisation_id: int | None = None  # known for a revoked token


def create_token(veille: Runtime, organisation_id: int, scope: Scope, name: str, *,
                 actor: User | None) -> tuple[TokenListing, str]:
    """A new token and its secret, which is shown once and never stored."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise TokenError(f"Donnez au jeton un nom de 1 à {MAX_NAME} caractères (par exemple « SI locatif »).")
    secret, now = new_secret(), veille.clock()
    with veille.session_factory.begin() as session:
        organisation = session.get(Organisation, organisation_id)
        if organisation is None:
            raise TokenError("Organisme inconnu.")
        if scope == Scope.WRITE and organisation.kind != "landlord":
            raise TokenError("Une association partenaire n’envoie pas de locataires : "
                             "son jeton ne peut être qu’en lecture.")
        token = ApiToken(organisation_id=organisation_id, name=name, scope=str(scope),
                         secret_hash=secret_hash(secret), hint=hint(secret),
                         created_by=(actor.display_name if actor else "commande veille")[:100],
                         created_at=now)
        session.add(token)
        session.flush()
        audit.add(session, now, organisation_id=organisation_id, actor=actor, action="api_token.created",
                  subject_type="api_token", subject_id=token.id, details={"scope": str(scope)})
        listing = _listing(token, organisation.slug)
    log.info("api.token_created token=%d scope=%s", listing.id, scope)
    return listing, secret


def list_tokens(veille: Runtime, organisation_ids: list[int] | None = None) -> list[TokenListing]:
    """Tokens of these organisations (all when None), newest first."""
    query = select(ApiToken, Organisation.slug).join(Organisation,
                                                     Organisation.id == ApiToken.organisation_id)
    if organisation_ids is not None:
        query = query.where(ApiToken.organisation_id.in_(organisation_ids))
    with veille.session_factory() as session:
        return [_listing(token, slug) for token, slug in session.execute(query.order_by(ApiToken.id.desc()))]


def revoke_token(veille: Runtime, token_id: int, organisation_ids: list[int] | None, *,
                 actor: User | None) -> TokenListing:
    """Revoke a token at once; TokenError for a token unknown here or already revoked."""
    now = veille.clock()
    with veille.session_factory.begin() as session:
        token = session.get(ApiToken, token_id)
        if token is None or (organisation_ids is not None and token.organisation_id not in organisation_ids):
            raise TokenError(f"Aucun jeton numéro {token_id} pour cet organisme.")
        if token.revoked_at is not None:
            raise TokenError(f"Le jeton « {token.name} » est déjà révoqué.")
        token.revoked_at = now
        audit.add(session, now, organisation_id=token.organisation_id, actor=actor,
                  action="api_token.revoked", subject_type="api_token", subject_id=token.id)
        listing = _listing(token, session.get(Organisation, token.organisation_id).slug)
    log.info("api.token_revoked token=%d", token_id)
    return listing


def authenticate(veille: Runtime, secret: str | None) -> Authentication:
    """The holder of `secret`, or why it is refused; a valid use is timestamped."""
    if not secret:
        return Authentication(None, "missing")
    stored = secret_hash(secret)
    now = veille.clock()
    with veille.session_factory.begin() as session:
        token = session.scalar(select(ApiToken).where(ApiToken.secret_hash == stored))
        if token is None or not matches(secret, token.secret_hash):
            return Authentication(None, "unknown")
        if token.revoked_at is not None:
            return Authentication(None, "revoked", token.organisation_id)
        session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        return Authentication(TokenHolder(token.id, token.name, token.scope,
                                          _viewer(session, token.organisation_id)))


def _viewer(session, organisation_id: int) -> Viewer:
    """A token sees what its organisation's coordinators see."""
    organisation = session.get(Organisation, organisation_id)
    landlords = (organisation.id,) if organisation.kind == "landlord" \
        else tuple(landlord_ids(session, organisation.id))
    return Viewer(0, Role.COORDINATOR, organisation.id, organisation.kind, landlords,
                  tuple(related_organisation_ids(session, organisation)))


def record_call(veille: Runtime, authentication: Authentication, method: str, path: str, status: int) -> None:
    """One audit line per API call, refused ones included (path only: no query string)."""
    holder = authentication.holder
    details = {"method": method, "path": path[:200], "status": status}
    if holder is None:
        details["refusal"] = authentication.refusal
    audit.record(veille, organisation_id=holder.organisation_id if holder else authentication.organisation_id,
                 actor=holder.as_actor() if holder else None, action="api.call", subject_type="api_token",
                 subject_id=holder.token_id if holder else None, details=details)


def _listing(token: ApiToken, slug: str) -> TokenListing:
    return TokenListing(token.id, token.organisation_id, slug, token.name, token.scope, token.hint,
                        token.created_by, token.created_at, token.last_used_at, token.revoked_at)
