"""Which languages the IVR script speaks, and how many enrolled tenants each one serves."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select

from db.models import Enrolment
from db.models import Tenant
from voice_app.domain.ivr_script import LANGUAGES
from voice_app.services.ports import Runtime


@dataclass(frozen=True)
class LanguageUse:
    code: str
    name: str  # in French
    in_script: bool  # False: these tenants are called in French
    enrolled: int


def language_uses(veille: Runtime, organisation_id: int) -> list[LanguageUse]:
    """Every language of the script (even unused), then the tenant file's other codes, which
    are called in French; most served first."""
    with veille.session_factory() as session:
        counts = dict(session.execute(
            select(func.lower(Tenant.language), func.count(Tenant.id))
            .join(Enrolment, Enrolment.tenant_id == Tenant.id)
            .where(Tenant.organisation_id == organisation_id, Enrolment.status == "enrolled")
            .group_by(func.lower(Tenant.language))).all())
    uses = [LanguageUse(code, language.name, True, counts.get(code, 0))
            for code, language in LANGUAGES.items()]
    uses += [LanguageUse(code, code, False, count) for code, count in counts.items() if code not in LANGUAGES]
    return sorted(uses, key=lambda use: (not use.in_script, -use.enrolled, use.code))
