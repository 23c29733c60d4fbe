"""A campaign's policy: rhythm, call windows, retries and dialling rate (DESIGN §6).

The policy is a frozen value, validated when built, stored as JSON in `Campaign.policy`
(`to_dict` / `from_dict`). Every rejection is an `InvalidPolicy` whose message is French:
it is shown as is to the coordinator who typed the command.

Windows are wall-clock times in Europe/Paris, in minutes after midnight; 1440 stands for
24:00 so a window can run to the end of the day (`mon-sun 00:00-24:00`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FRENCH_DAY_NAMES = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
FRENCH_LABELS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
ALL_DAYS = frozenset(range(7))
WORKING_DAYS = frozenset(range(5))
RHYTHMS = ("weekly", "daily")
MINUTES_PER_DAY = 24 * 60
MAX_ATTEMPTS_LIMIT = 10
MAX_ROUND_DAYS = 7
MAX_CALLS_PER_SECOND = 1000.0
MIN_CALLS_PER_SECOND = 0.001  # one call in about 17 minutes
MAX_RETRY_GAP_MINUTES = 7 * 24 * 60  # a week: a longer gap would leave the round
MAX_CONCURRENT_CALLS = 10_000

_TIME = re.compile(r"^(\d{1,2})[:hH](\d{2})$")
_WINDOW = re.compile(r"^\s*(?:(?P<days>[^\s]+)\s+)?(?P<start>\S+)\s*-\s*(?P<end>\S+)\s*$")


class InvalidPolicy(ValueError):
    """A campaign setting that cannot be used; the message is for the coordinator (French)."""


@dataclass(frozen=True)
class Window:
    """Calls may be placed on `days` (0 = Monday) between `start` and `end` minutes, Paris time."""

    start: int
    end: int
    days: frozenset[int] = WORKING_DAYS

    def __post_init__(self) -> None:
        if not self.days or not self.days <= ALL_DAYS:
            raise InvalidPolicy("Une fenêtre d'appel doit porter sur au moins un jour de la semaine.")
        if not 0 <= self.start < MINUTES_PER_DAY or not 0 < self.end <= MINUTES_PER_DAY:
            raise InvalidPolicy(f"Heures invalides pour la fenêtre {self.label()}.")
        if self.end <= self.start:
            raise InvalidPolicy(f"La fenêtre {self.label()} se termine avant de commencer.")

    def overlaps(self, other: Window) -> bool:
        return bool(self.days & other.days) and self.start < other.end and other.start < self.end

    def label(self) -> str:
        return f"{format_days(self.days)} {format_minutes(self.start)}-{format_minutes(self.end)}"


DEFAULT_WINDOWS = (Window(10 * 60, 12 * 60 + 30), Window(14 * 60, 18 * 60))


@dataclass(frozen=True)
class CampaignPolicy:
    """When and how hard a campaign calls. JSON keys are the field names."""

    rhythm: str = "weekly"
    weekdays: frozenset[int] = frozenset({0})
    windows: tuple[Window, ...] = DEFAULT_WINDOWS
    include_holidays: bool = False
    max_attempts: int = 3
    retry_gap_minutes: int = 120
    retry_other_half_day: bool = True
    round_days: int = 2
    calls_per_second: float = 1.0
    max_concurrent_calls: int = 10
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        _check_policy(self)

    def with_changes(self, **changes) -> CampaignPolicy:
        """A validated copy with some fields changed."""
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """The JSON stored in `Campaign.policy` (read by the dispatcher: calls_per_second,
        max_concurrent_calls)."""
        return {
            "rhythm": self.rhythm,
            "weekdays": [DAY_NAMES[d] for d in sorted(self.weekdays)],
            "windows": [
                {"days": [DAY_NAMES[d] for d in sorted(w.days)], "start": format_minutes(w.start),
                 "end": format_minutes(w.end)}
                for w in self.windows
            ],
            "include_holidays": self.include_holidays,
            "max_attempts": self.max_attempts,
            "retry_gap_minutes": self.retry_gap_minutes,
            "retry_other_half_day": self.retry_other_half_day,
            "round_days": self.round_days,
            "calls_per_second": self.calls_per_second,
            "max_concurrent_calls": self.max_concurrent_calls,
            **self.extra,
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> CampaignPolicy:
        """Read a stored policy; missing keys take their default, unknown keys are kept."""
        data = dict(data or {})
        known = {}
        try:
            if "rhythm" in data:
                known["rhythm"] = str(data.pop("rhythm"))
            if "weekdays" in data:
                known["weekdays"] = parse_days(",".join(data.pop("weekdays")))
            if "windows" in data:
                known["windows"] = tuple(_window_from_dict(w) for w in data.pop("windows"))
            for name, kind in _SCALARS.items():
                if name in data:
                    known[name] = kind(data.pop(name))
        except InvalidPolicy:
            raise
        except (TypeError, KeyError, AttributeError, ValueError) as error:
            raise InvalidPolicy(f"Politique de campagne illisible ({error}).") from error
        return cls(**known, extra=data)


def unknown_keys(data: dict | None) -> dict:
    """The keys of a stored policy Veille does not read (kept as they are when it is saved)."""
    return {key: value for key, value in (data or {}).items() if key not in POLICY_KEYS}


def _window_from_dict(data: dict) -> Window:
    days = parse_days(",".join(data["days"]))
    return Window(parse_minutes(data["start"]), parse_minutes(data["end"]), days)


_SCALARS = {"include_holidays": bool, "max_attempts": int, "retry_gap_minutes": int,
            "retry_other_half_day": bool, "round_days": int, "calls_per_second": float,
            "max_concurrent_calls": int}
POLICY_KEYS = frozenset({"rhythm", "weekdays", "windows", *_SCALARS})


def _check_policy(policy: CampaignPolicy) -> None:
    if policy.rhythm not in RHYTHMS:
        raise InvalidPolicy(f"Rythme inconnu : {policy.rhythm!r} (attendu : weekly ou daily).")
    if policy.rhythm == "weekly" and not policy.weekdays:
        raise InvalidPolicy("Une campagne hebdomadaire a besoin d'au moins un jour de tournée.")
    if not policy.weekdays <= ALL_DAYS:
        raise InvalidPolicy("Jour de tournée invalide.")
    if not policy.windows:
        raise InvalidPolicy("Une campagne a besoin d'au moins une fenêtre d'appel.")
    for index, window in enumerate(policy.windows):
        for other in policy.windows[index + 1:]:
            if window.overlaps(other):
                raise InvalidPolicy(f"Les fenêtres {window.label()} et {other.label()} se chevauchent.")
    if not 1 <= policy.max_attempts <= MAX_ATTEMPTS_LIMIT:
        raise InvalidPolicy(f"Le nombre de tentatives doit être entre 1 et {MAX_ATTEMPTS_LIMIT} "
                            f"(reçu : {policy.max_attempts}).")
    if not 1 <= policy.retry_gap_minutes <= MAX_RETRY_GAP_MINUTES:
        raise InvalidPolicy("L'écart entre deux tentatives doit être d'au moins une minute, et "
                            f"d'une semaine au plus ({MAX_RETRY_GAP_MINUTES} minutes).")
    if not 1 <= policy.round_days <= MAX_ROUND_DAYS:
        raise InvalidPolicy(f"Une tournée dure entre 1 et {MAX_ROUND_DAYS} jours d'appel.")
    if not MIN_CALLS_PER_SECOND <= policy.calls_per_second <= MAX_CALLS_PER_SECOND:
        raise InvalidPolicy("Le débit d'appels par seconde doit être strictement positif (au moins "
                            f"{MIN_CALLS_PER_SECOND:g}), et au plus {MAX_CALLS_PER_SECOND:g}.")
    if not 1 <= policy.max_concurrent_calls <= MAX_CONCURRENT_CALLS:
        most = f"{MAX_CONCURRENT_CALLS:_}".replace("_", "\u202f")  # 10 000, as French writes it
        raise InvalidPolicy(f"Le nombre d'appels simultanés va de 1 à {most}.")


def parse_minutes(text: str) -> int:
    """`10:00` -> 600, `9h30` -> 570, `24:00` -> 1440."""
    match = _TIME.match(str(text).strip())
    if not match:
        raise InvalidPolicy(f"Heure illisible : {text!r} (attendu : HH:MM).")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise InvalidPolicy(f"Heure invalide : {text!r}.")
    return hours * 60 + minutes


def format_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day_number(name: str) -> int:
    name = name.strip().lower()[:3]
    for names in (DAY_NAMES, FRENCH_DAY_NAMES):
        if name in names:
            return names.index(name)
    raise InvalidPolicy(f"Jour inconnu : {name!r} (attendu : mon, tue... ou lun, mar...).")


def parse_days(text: str) -> frozenset[int]:
    """`mon-fri`, `mon,wed`, `sat-sun`, `lun-ven`, `all` -> weekday numbers (0 = Monday)."""
    text = text.strip().lower()
    if text in ("all", "*", "tous", "everyday", "every-day"):
        return ALL_DAYS
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "-" in part:
            first, last = (_day_number(p) for p in part.split("-", 1))
            span = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
            days.update(span)
        else:
            days.add(_day_number(part))
    if not days:
        raise InvalidPolicy(f"Aucun jour reconnu dans {text!r}.")
    return frozenset(days)


def parse_window(text: str, default_days: frozenset[int] = WORKING_DAYS) -> Window:
    """`mon-fri 10:00-12:30` or `10:00-12:30` (on `default_days`) -> a Window."""
    match = _WINDOW.match(text or "")
    if not match:
        raise InvalidPolicy(f"Fenêtre illisible : {text!r} (attendu : \"lun-ven 10:00-12:30\").")
    days = parse_days(match.group("days")) if match.group("days") else default_days
    return Window(parse_minutes(match.group("start")), parse_minutes(match.group("end")), days)


def format_days(days: frozenset[int]) -> str:
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{FRENCH_DAY_NAMES[ordered[0]]}-{FRENCH_DAY_NAMES[ordered[-1]]}"
    return ",".join(FRENCH_DAY_NAMES[d] for d in ordered)


def urgent_policy(**changes) -> CampaignPolicy:
    """A heatwave-style campaign: every day including weekends and holidays, one-day rounds."""
    windows = tuple(Window(w.start, w.end, ALL_DAYS) for w in DEFAULT_WINDOWS)
    base = CampaignPolicy(rhythm="daily", weekdays=ALL_DAYS, windows=windows, include_holidays=True,
                          round_days=1)
    return base.with_changes(**changes)
