"""How long a landlord keeps its tenants' call data (DESIGN §11-12): the retention policy,
its cut-offs, and when the nightly purge runs.

Three kinds of data have their own period, in months, set per organisation
(`Organisation.settings["retention"]`):

- `calls`: call attempts (when, how it ended), the provider's events, the volunteers'
  bridged call-backs and the completed follow-ups. 24 months by default: a landlord's report
  compares a period with the same period a year before (§9, §12 "figures"), so a whole
  previous year must still be there when this year's closes.
- `answers`: what the tenant said in a call (the keys pressed and words recognised, stored
  as responses and in the provider's events). Health-related (art. 9 GDPR), so kept less:
  12 months, a full cycle of seasons (a winter's isolation, a summer's heatwave round) for the
  volunteer who follows the tenant week after week (§12 "portfolio").
- `notes`: the free text a volunteer writes on a follow-up, which may say more than a
  category. 12 months, for the same continuity.

Answers and notes cannot outlive their calls: a policy keeping them longer is refused.
The hashed suppression list and the audit log are never purged (§11, §12 "audit").
"""

from __future__ import annotations

import calendar
from dataclasses import asdict
from dataclasses import dataclass
from datetime import datetime

from voice_app.domain.calendar import PARIS

SETTINGS_KEY = "retention"
MIN_MONTHS, MAX_MONTHS = 1, 120
PURGE_HOUR = 3  # Paris time: the purge runs in the quietest hour, never during calling hours
CATEGORY_LABELS = {
    "calls": "appels (tentatives, événements de l’opérateur, rappels) et suivis terminés",
    "answers": "réponses données pendant les appels (touches, mots reconnus)",
    "notes": "notes des bénévoles sur les suivis",
}


@dataclass(frozen=True)
class RetentionPolicy:
    """Months each kind of data is kept (see the module's docstring for the defaults)."""

    calls: int = 24
    answers: int = 12
    notes: int = 12

    def as_settings(self) -> dict[str, int]:
        return asdict(self)


DEFAULT_POLICY = RetentionPolicy()


@dataclass(frozen=True)
class CutOffs:
    """Data older than these instants is purged."""

    calls: datetime
    answers: datetime
    notes: datetime


def policy_problems(values: dict) -> list[str]:
    """Why `values` ({"calls": 24, ...}) cannot be a policy (French), empty when it can."""
    problems = []
    for name in CATEGORY_LABELS:
        value = values.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not MIN_MONTHS <= value <= MAX_MONTHS:
            problems.append(f"Durée de conservation « {name} » : un nombre de mois entre {MIN_MONTHS} "
                            f"et {MAX_MONTHS} est attendu (reçu : {value!r}).")
    unknown = sorted(set(values) - set(CATEGORY_LABELS))
    if unknown:
        problems.append(f"Catégorie de données inconnue : {', '.join(unknown)}.")
    if not problems:
        for name in ("answers", "notes"):
            if values[name] > values["calls"]:
                what = CATEGORY_LABELS[name].split(" (")[0]
                problems.append(f"Les {what} ne peuvent pas être gardées plus longtemps que les appels "
                                f"({values[name]} mois > {values['calls']} mois).")
    return problems


def policy_from_settings(settings: dict | None) -> RetentionPolicy:
    """The organisation's policy; the defaults for whatever it has not set (or set wrongly)."""
    stored = (settings or {}).get(SETTINGS_KEY) or {}
    values = {**DEFAULT_POLICY.as_settings(), **{k: v for k, v in stored.items() if k in CATEGORY_LABELS}}
    return RetentionPolicy(**values) if not policy_problems(values) else DEFAULT_POLICY


def months_before(moment: datetime, months: int) -> datetime:
    """The same instant `months` calendar months earlier (31 March - 1 month = 28/29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def cut_offs(policy: RetentionPolicy, now: datetime) -> CutOffs:
    return CutOffs(calls=months_before(now, policy.calls), answers=months_before(now, policy.answers),
                   notes=months_before(now, policy.notes))


def is_purge_hour(now: datetime) -> bool:
    """The clock checks every hour; the purge runs once a night, in the PURGE_HOUR of Paris."""
    return now.astimezone(PARIS).hour == PURGE_HOUR
