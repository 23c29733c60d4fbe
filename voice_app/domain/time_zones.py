"""Where a tenant lives, for their calling hours: the time zone of their number.

A Guadeloupe or Réunion tenant is rung in their own hours, not Paris's: a campaign's windows
(10:00-12:30, 14:00-18:00...) are wall-clock times in the tenant's time zone. The zone comes
from the number (phonenumbers' time-zone data), or from the landlord's file; `None` stands
for Europe/Paris, the organisation's calendar, and is what almost every tenant has.

Only the zones of France and its overseas departments and territories are accepted
(`TENANT_TIME_ZONES`): the dispatcher checks each of them at every pass, so the list is short.
"""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as phone_time_zones

from voice_app.domain.calendar import PARIS

PARIS_NAME = "Europe/Paris"
TENANT_TIME_ZONES = (
    PARIS_NAME,
    "America/Guadeloupe", "America/St_Barthelemy", "America/Marigot", "America/Martinique",
    "America/Cayenne", "America/Miquelon",
    "Indian/Reunion", "Indian/Mayotte",
    "Pacific/Noumea", "Pacific/Tahiti", "Pacific/Marquesas", "Pacific/Gambier", "Pacific/Wallis",
)
OVERSEAS_TIME_ZONES = TENANT_TIME_ZONES[1:]
# When phonenumbers names several zones for a number (a Réunion mobile may also be Mayotte's),
# the region the number belongs to decides.
REGION_TIME_ZONES = {"RE": "Indian/Reunion", "YT": "Indian/Mayotte", "GP": "America/Guadeloupe",
                     "MQ": "America/Martinique", "GF": "America/Cayenne", "PF": "Pacific/Tahiti",
                     "BL": "America/St_Barthelemy", "MF": "America/Marigot", "PM": "America/Miquelon"}


class TimeZoneError(ValueError):
    """A time zone Veille does not call in; the message is French."""


def time_zone_for_number(e164: str | None) -> str | None:
    """The overseas time zone of an E.164 number, or None (Paris, or a zone we cannot tell)."""
    if not e164 or e164.startswith("+33"):  # metropolitan (normalisation moved overseas ones)
        return None
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return None
    zones = [zone for zone in phone_time_zones.time_zones_for_number(number) if zone in TENANT_TIME_ZONES]
    if len(zones) > 1:
        region = REGION_TIME_ZONES.get(phonenumbers.region_code_for_number(number) or "")
        zones = [region] if region in zones else []
    if len(zones) != 1 or zones[0] == PARIS_NAME:
        return None
    return zones[0]


def checked_time_zone(name: str) -> str | None:
    """A tenant's time zone as written in a file: one of TENANT_TIME_ZONES, None when empty."""
    if not name.strip():
        return None
    for known in TENANT_TIME_ZONES:
        if known.lower() == name.strip().lower():
            return known
    known = ", ".join(TENANT_TIME_ZONES)
    raise TimeZoneError(f"fuseau horaire inconnu « {name.strip()} » (attendu : {known})")


def stored_time_zone(written: str | None, phone: str | None) -> str | None:
    """What a tenant row stores: the zone written for them, else their number's; None for Paris."""
    chosen = written or time_zone_for_number(phone)
    return None if chosen == PARIS_NAME else chosen


@lru_cache(maxsize=32)
def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo of a stored zone name (None or an unknown name: Paris)."""
    if not name or name not in TENANT_TIME_ZONES:
        return PARIS
    return ZoneInfo(name)
