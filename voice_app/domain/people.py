"""People (DESIGN §12): roles, what each may open, sign-in throttling, portfolio balancing.

Pure rules: no framework, no database. `now` and counts come from the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    VOLUNTEER = "volunteer"


ROLE_LABELS = {Role.ADMIN: "administrateur", Role.COORDINATOR: "coordinateur",
               Role.VOLUNTEER: "bénévole"}

# Pages by audience: a role that is not listed gets 404 (the page does not exist for them).
AREAS: dict[str, frozenset[Role]] = {
    "home": frozenset(Role),
    "volunteers": frozenset({Role.COORDINATOR, Role.ADMIN}),
    "admin": frozenset({Role.ADMIN}),
    "campaigns": frozenset({Role.COORDINATOR}),
}
# Areas only a landlord's own staff may open (a partner's coordinator runs no campaign).
LANDLORD_AREAS = frozenset({"campaigns"})

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")

LOGIN_WINDOW = timedelta(minutes=15)
MAX_ACCOUNT_FAILURES = 10  # then the account waits for the window to pass
MAX_ADDRESS_FAILURES = 30  # one address guessing many accounts
INVITATION_VALIDITY = timedelta(hours=72)
SESSION_IDLE_LIMIT = timedelta(hours=12)
SESSION_ABSOLUTE_LIMIT = timedelta(hours=24)  # from sign-in, however active the session


def may_open(role: str, area: str, organisation_kind: str = "landlord") -> bool:
    """Whether a user of `role`, in an organisation of `organisation_kind`, may open `area`."""
    if area in LANDLORD_AREAS and organisation_kind != "landlord":
        return False
    return role in AREAS.get(area, frozenset())


def normalise_email(raw: str) -> str:
    """Lower-cased, trimmed; ValueError (French) when it is not an e-mail address."""
    email = (raw or "").strip().lower()
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise ValueError(f"Adresse e-mail invalide : « {raw} ».")
    return email


def password_problem(password: str) -> str | None:
    """Why a new password is refused (French), or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Le mot de passe doit faire au moins {MIN_PASSWORD_LENGTH} caractères."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Le mot de passe doit faire au plus {MAX_PASSWORD_LENGTH} caractères."
    if password.strip() != password or not password.strip():
        return "Le mot de passe ne doit ni commencer ni finir par un espace."
    return None


def sign_in_blocked(account_failures: int, address_failures: int) -> bool:
    """Too many failures in the window for this account or from this address."""
    return account_failures >= MAX_ACCOUNT_FAILURES or address_failures >= MAX_ADDRESS_FAILURES


def safe_next(target: str | None) -> str | None:
    """A `next` URL only when it stays on this site (`/suivis`), never `//evil` or `http://`."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in "\r\n\t\\"):
        return None
    return target


def is_away(day: date, periods: Iterable[tuple[date, date]]) -> bool:
    return any(start <= day <= end for start, end in periods)


def invitation_expires(now: datetime) -> datetime:
    return now + INVITATION_VALIDITY


@dataclass(frozen=True)
class Volunteer:
    id: int
    capacity: int
    load: int  # tenants already in their portfolio (outside the ones being balanced)


def balance(tenant_ids: Sequence[int], volunteers: Sequence[Volunteer],
            current: dict[int, int | None]) -> dict[int, int]:
    """Spread `tenant_ids` over `volunteers` in proportion to their capacity, keeping every
    tenant who already has one of these volunteers (continuity first). Returns tenant ->
    volunteer for the tenants to (re)assign; tenants beyond every capacity stay as they are."""
    capacity = {v.id: v.capacity for v in volunteers}
    load = {v.id: v.load for v in volunteers}
    for tenant in tenant_ids:
        if current.get(tenant) in load:
            load[current[tenant]] += 1
    moves: dict[int, int] = {}
    for tenant in tenant_ids:
        if current.get(tenant) in load:
            continue
        free = [v for v in load if load[v] < capacity[v]]
        if not free:
            break
        volunteer = min(free, key=lambda v: (load[v] / capacity[v], v))  # the least filled
        moves[tenant] = volunteer
        load[volunteer] += 1
    return moves


@dataclass(frozen=True)
class Viewer:
    """Whose eyes a query is for: its scope follows DESIGN §12's role table."""

    user_id: int
    role: str
    organisation_id: int
    organisation_kind: str  # landlord | partner
    landlord_ids: tuple[int, ...]  # landlords whose tenants this person works on
    related_ids: tuple[int, ...]  # its organisation, then its partners or landlords

    @property
    def sees_whole_landlord(self) -> bool:
        """A landlord's coordinator or admin sees all of the landlord's tenants and tasks."""
        return self.organisation_kind == "landlord" and self.role in (Role.COORDINATOR, Role.ADMIN)


WEEKDAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def on_duty_at(slots: Iterable[tuple[int, time, time]], moment: datetime, tz: ZoneInfo) -> bool:
    """Whether a weekly slot (weekday, start, end, in local time `tz`) covers `moment`."""
    local = moment.astimezone(tz)
    return any(weekday == local.weekday() and start <= local.time() < end for weekday, start, end in slots)


def slot_problem(weekday: int, start: time, end: time) -> str | None:
    if weekday not in range(7):
        return "Jour de la semaine inconnu."
    if start >= end:
        return "Une permanence finit après avoir commencé (le même jour)."
    return None
