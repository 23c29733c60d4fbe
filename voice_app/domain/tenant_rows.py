"""One line of the tenant file, checked and converted field by field (pure).

Each field has a parser from the raw text to the stored value; a parser raises `FieldError`
with a French reason. A line gives a `TenantRow` holding only the fields whose column is in
the file, so a re-import never blanks what the file does not carry (a manual flag set by a
coordinator survives a file without that column).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import date

from voice_app.domain.phones import PhoneError
from voice_app.domain.phones import normalise_phone
from voice_app.domain.tenant_file import Layout
from voice_app.domain.tenant_file import simplify
from voice_app.domain.time_zones import TimeZoneError
from voice_app.domain.time_zones import checked_time_zone
from voice_app.domain.time_zones import stored_time_zone

OLDEST_BIRTH_YEAR = 1900
_YEAR = re.compile(r"^\d{4}$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
HOUSEHOLDS = {"seul": "alone", "seule": "alone", "personne seule": "alone", "isole": "alone",
              "isolee": "alone", "alone": "alone", "single": "alone", "living alone": "alone",
              "couple": "couple", "autre": "other", "other": "other", "famille": "other", "family": "other"}
HALF_DAYS = {"matin": "am", "am": "am", "a m": "am", "morning": "am", "apres midi": "pm",
             "apresmidi": "pm", "pm": "pm", "p m": "pm", "afternoon": "pm", "indifferent": None,
             "": None}
FLAGS = {"oui": True, "o": True, "yes": True, "y": True, "x": True, "1": True, "vrai": True,
         "true": True, "non": False, "n": False, "no": False, "0": False, "faux": False,
         "false": False, "": False}
# "Mademoiselle" left French administrative forms in 2012: it becomes "Mme".
CIVILITIES = {"m": "M.", "mr": "M.", "monsieur": "M.", "mme": "Mme", "madame": "Mme", "mrs": "Mme",
              "ms": "Mme", "mlle": "Mme", "mademoiselle": "Mme", "miss": "Mme"}
LANGUAGES = {"francais": "fr", "french": "fr", "anglais": "en", "english": "en", "arabe": "ar",
             "arabic": "ar", "espagnol": "es", "spanish": "es", "portugais": "pt", "portuguese": "pt",
             "italien": "it", "italian": "it", "allemand": "de", "german": "de", "turc": "tr",
             "turkish": "tr", "chinois": "zh", "chinese": "zh", "russe": "ru", "russian": "ru",
             "polonais": "pl", "polish": "pl", "roumain": "ro", "romanian": "ro", "vietnamien": "vi",
             "vietnamese": "vi"}
MAX_LENGTHS = {"reference": 64, "civility": 16, "last_name": 120, "first_name": 120, "site": 120,
               "caretaker": 120}


class FieldError(ValueError):
    """A value that cannot be stored; the message is French, for the coordinator."""


@dataclass(frozen=True)
class RowError:
    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        if self.column is None:
            return f"ligne {self.line} : {self.reason}"
        return f"ligne {self.line}, colonne « {self.column} » : {self.reason}"


@dataclass(frozen=True)
class TenantRow:
    line: int
    reference: str
    values: dict[str, object] = field(default_factory=dict)  # stored field -> value
    year_only_birth_date: bool = False  # "1939" in a birth date column: taken as the birth year


def _text(name: str) -> Callable[[str, date], str | None]:
    def parse(raw: str, today: date) -> str | None:
        value = " ".join(raw.split())
        if len(value) > MAX_LENGTHS[name]:
            raise FieldError(f"trop long ({len(value)} caractères, maximum {MAX_LENGTHS[name]})")
        return value or None
    return parse


def _required(parse: Callable[[str, date], object]) -> Callable[[str, date], object]:
    def parse_required(raw: str, today: date) -> object:
        value = parse(raw, today)
        if value is None:
            raise FieldError("valeur obligatoire manquante")
        return value
    return parse_required


def parse_birth_year(raw: str, today: date) -> int | None:
    value = raw.strip()
    if not value:
        return None
    if not _YEAR.match(value):
        raise FieldError(f"année invalide « {value} » (attendu : 4 chiffres, par exemple 1942)")
    return _plausible_year(int(value), today)


def parse_birth_date(raw: str, today: date) -> int | None:
    """Only the year is kept (data minimisation): eligibility needs nothing more. A bare year
    is accepted too: landlords' files often hold only the year in that column."""
    value = raw.strip()
    if not value:
        return None
    if _YEAR.match(value):
        return _plausible_year(int(value), today)
    day_first, iso = _DAY_FIRST.match(value), _ISO.match(value)
    if day_first:
        day, month, year = (int(part) for part in day_first.groups())
    elif iso:
        year, month, day = (int(part) for part in iso.groups())
    else:
        raise FieldError(f"date invalide « {value} » (attendu : jj/mm/aaaa ou aaaa-mm-jj)")
    try:
        born = date(year, month, day)
    except ValueError:
        raise FieldError(f"date inexistante « {value} »") from None
    if born > today:
        raise FieldError(f"date de naissance dans le futur « {value} »")
    return _plausible_year(year, today)


def _plausible_year(year: int, today: date) -> int:
    if year > today.year:
        raise FieldError(f"année de naissance dans le futur « {year} »")
    if year < OLDEST_BIRTH_YEAR:
        raise FieldError(f"année de naissance avant {OLDEST_BIRTH_YEAR} « {year} »")
    return year


def _choice(table: dict, what: str, expected: str) -> Callable[[str, date], object]:
    def parse(raw: str, today: date) -> object:
        key = simplify(raw)
        if key not in table:
            raise FieldError(f"{what} inconnue « {raw.strip()} » (valeurs acceptées : {expected})")
        return table[key]
    return parse


_civility_as_written = _text("civility")


def parse_civility(raw: str, today: date) -> str | None:
    return CIVILITIES.get(simplify(raw)) or _civility_as_written(raw, today)


def parse_language(raw: str, today: date) -> str:
    """`Français`, `fr`, `fr-FR`, `français (France)` -> `fr`; any two-letter code is kept."""
    key = simplify(raw)
    if not key:
        return "fr"
    first_word = key.split(" ")[0]
    code = LANGUAGES.get(key) or LANGUAGES.get(first_word) or first_word
    if code in LANGUAGES.values() or (len(code) == 2 and code.isalpha()):
        return code
    raise FieldError(f"langue inconnue « {raw.strip()} » (par exemple : français, fr, anglais, en)")


def parse_phone(raw: str, today: date) -> str | None:
    if not raw.strip():
        return None
    try:
        return normalise_phone(raw)
    except PhoneError as error:
        raise FieldError(str(error)) from None


def parse_time_zone(raw: str, today: date) -> str | None:
    try:
        return checked_time_zone(raw)
    except TimeZoneError as error:
        raise FieldError(str(error)) from None


PARSERS: dict[str, Callable[[str, date], object]] = {
    "reference": _required(_text("reference")),
    "civility": parse_civility,
    "last_name": _required(_text("last_name")),
    "first_name": _text("first_name"),
    "birth_year": parse_birth_year,
    "birth_date": parse_birth_date,
    "household": _choice(HOUSEHOLDS, "composition du foyer", "seul, couple ou autre"),
    "phone": parse_phone,
    "phone2": parse_phone,
    "language": parse_language,
    "site": _text("site"),
    "caretaker": _text("caretaker"),
    "partner_birth_year": parse_birth_year,
    "preferred_half_day": _choice(HALF_DAYS, "demi-journée", "matin ou après-midi"),
    "manual_flag": _choice(FLAGS, "valeur", "oui ou non"),
    "time_zone": parse_time_zone,
}


def parse_row(layout: Layout, line: int, fields: list[str], today: date) -> TenantRow | list[RowError]:
    """The tenant of one line, or every error found on it."""
    if len(fields) > layout.width and any(extra.strip() for extra in fields[layout.width:]):
        return [RowError(line, None, f"trop de champs ({len(fields)} au lieu de {layout.width}) : "
                                     "un séparateur en trop dans une valeur ?")]
    if len(fields) < layout.width:
        return [RowError(line, None, f"pas assez de champs ({len(fields)} au lieu de {layout.width})")]
    values, errors = {}, []
    for column in layout.columns:
        try:
            values[column.field] = PARSERS[column.field](fields[column.index], today)
        except FieldError as error:
            errors.append(RowError(line, column.header, str(error)))
    errors += _merge_birth(values, layout, line) + _merge_phones(values, layout, line)
    if errors:
        return errors
    # The calling hours' zone: the file's, else the number's (an overseas number rings in its
    # own hours); recomputed at each import, so a new number brings its zone.
    values["time_zone"] = stored_time_zone(values.get("time_zone"), values["phone"])
    return TenantRow(line, values.pop("reference"), values, _year_only(layout, fields))


def _year_only(layout: Layout, fields: list[str]) -> bool:
    column = next((c for c in layout.columns if c.field == "birth_date"), None)
    return column is not None and bool(_YEAR.match(fields[column.index].strip()))


def _merge_birth(values: dict, layout: Layout, line: int) -> list[RowError]:
    """A birth date and a birth year both give `birth_year`; they must agree."""
    if "birth_date" not in values:
        return []
    from_date = values.pop("birth_date")
    if values.get("birth_year") and from_date and values["birth_year"] != from_date:
        return [RowError(line, layout.header_of("birth_date"),
                         f"ne concorde pas avec l'année de naissance {values['birth_year']}")]
    values["birth_year"] = values.get("birth_year") or from_date
    return []


def _merge_phones(values: dict, layout: Layout, line: int) -> list[RowError]:
    """At least one number; a lone second number becomes the first; no number twice."""
    has_second = layout.has("phone2")
    if "phone" not in values or (has_second and "phone2" not in values):
        return []  # that column already has its own error
    if has_second and values["phone2"] == values["phone"]:
        values["phone2"] = None
    if values["phone"] is None and has_second and values["phone2"]:
        values["phone"], values["phone2"] = values["phone2"], None
    if values["phone"] is None:
        return [RowError(line, layout.header_of("phone"),
                         "aucun numéro de téléphone : il en faut au moins un")]
    return []
