"""The organisation a process serves (named by ORGANISATION_NAME)."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from db.models import Organisation
from voice_app.bootstrap import Veille


def slugify(name: str) -> str:
    """`Paris Habitat` -> `paris-habitat`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "veille"


def ensure_organisation(session_factory: sessionmaker[Session], name: str) -> Organisation:
    """Return the organisation called `name`, creating it on first use."""
    slug = slugify(name)
    with session_factory.begin() as session:
        found = session.scalar(select(Organisation).where(Organisation.slug == slug))
        if found is not None:
            return found
    try:
        with session_factory.begin() as session:
            organisation = Organisation(slug=slug, name=name)
            session.add(organisation)
        return organisation
    except IntegrityError:  # created meanwhile by another process
        with session_factory.begin() as session:
            return session.scalars(select(Organisation).where(Organisation.slug == slug)).one()


def current_organisation(veille: Veille) -> Organisation:
    """The organisation this process serves (ORGANISATION_NAME), created on first use."""
    return ensure_organisation(veille.session_factory, veille.settings.ORGANISATION_NAME)
