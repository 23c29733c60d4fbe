"""The tenant file as a landlord's information system exports it: size, encoding, separator
and header row (pure: bytes in, a layout and its records out).

Theory of operation: the bytes are decoded as UTF-8 (with or without BOM), else Windows-1252;
UTF-16, spreadsheets and other binary files are refused with a message saying how to save the
file. The separator (`;`, `,` or tab) is the one under which the first line yields the most
recognised headers. Headers are compared without case, accents, punctuation or extra spaces,
against French and English names. Line numbers are those a spreadsheet shows (header = 1).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

MAX_FILE_BYTES = 20 * 1024 * 1024
DELIMITERS = (";", ",", "\t")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_FIRST_LINE = re.compile(r"[^\r\n]*")

# Canonical field -> accepted headers (already in `simplify` form); the first two are shown.
HEADERS: dict[str, tuple[str, ...]] = {
    "reference": ("reference", "ref", "reference locataire", "tenant reference", "n locataire",
                  "numero locataire", "matricule"),
    "civility": ("civilite", "civility", "titre", "title"),
    "last_name": ("nom", "last name", "nom de famille", "surname", "family name"),
    "first_name": ("prenom", "first name", "given name"),
    "birth_year": ("annee de naissance", "birth year", "year of birth", "annee naissance"),
    "birth_date": ("date de naissance", "birth date", "date of birth", "date naissance"),
    "household": ("composition du foyer", "household", "composition foyer", "foyer"),
    "phone": ("telephone", "phone", "tel", "telephone 1", "phone 1", "tel 1", "telephone principal"),
    "phone2": ("telephone 2", "phone 2", "tel 2", "telephone secondaire", "second phone"),
    "language": ("langue", "language"),
    "site": ("site", "residence", "building", "immeuble"),
    "caretaker": ("gardien", "caretaker"),
    "partner_birth_year": ("annee de naissance du conjoint", "partner birth year",
                           "annee naissance conjoint", "spouse birth year"),
    "preferred_half_day": ("demi journee preferee", "preferred half day", "demi journee"),
    "manual_flag": ("suivi manuel", "manual flag", "manual"),
    "time_zone": ("fuseau horaire", "time zone", "fuseau"),
}
# How messages name each column, in French then in English.
LABELS = {field: names[0] for field, names in HEADERS.items()} | {
    "reference": "référence", "civility": "civilité", "first_name": "prénom",
    "birth_year": "année de naissance", "phone": "téléphone", "phone2": "téléphone 2",
    "site": "site ou résidence", "partner_birth_year": "année de naissance du conjoint",
    "preferred_half_day": "demi-journée préférée"}
ENGLISH_LABELS = {field: names[1] for field, names in HEADERS.items()} | {
    "reference": "reference", "site": "building"}
REQUIRED = ("reference", "last_name", "household", "phone")
BIRTH_FIELDS = ("birth_year", "birth_date")
_FIELD_BY_HEADER = {header: field for field, names in HEADERS.items() for header in names}


class TenantFileError(ValueError):
    """The file as a whole cannot be imported; the message is French, for the coordinator."""


@dataclass(frozen=True)
class Column:
    field: str
    index: int
    header: str  # as written in the file: error messages name the column the coordinator sees


@dataclass(frozen=True)
class Layout:
    delimiter: str
    columns: tuple[Column, ...]
    ignored: tuple[str, ...]
    width: int

    def has(self, field: str) -> bool:
        return any(column.field == field for column in self.columns)

    def header_of(self, field: str) -> str:
        return next((c.header for c in self.columns if c.field == field), LABELS[field])


@lru_cache(maxsize=4096)  # a file repeats the same few values (seul, fr, M.) many times
def simplify(text: str) -> str:
    """`  Année de Naissance ` -> `annee de naissance` (case, accents, punctuation ignored)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_ALNUM.sub(" ", ascii_text.lower()).strip()


def check_size(size: int) -> None:
    """Refuse a file above MAX_FILE_BYTES before reading it."""
    if size == 0:
        raise TenantFileError("fichier vide : il ne contient aucune ligne.")
    if size > MAX_FILE_BYTES:
        raise TenantFileError(
            f"fichier trop volumineux ({size / 1024 / 1024:.1f} Mo ; maximum "
            f"{MAX_FILE_BYTES // 1024 // 1024} Mo) : découpez-le en plusieurs fichiers.")


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the encoding it was read with (`utf-8` or `cp1252`)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or data[1:2] == b"\x00" \
            or data[:1] == b"\x00":
        raise TenantFileError("encodage UTF-16 non pris en charge : enregistrez le fichier au format "
                              "« CSV UTF-8 » ou « CSV (séparateur : point-virgule) ».")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise TenantFileError("ceci est un classeur (Excel ou LibreOffice), pas un fichier CSV : "
                              "enregistrez-le au format « CSV UTF-8 ».")
    text, encoding = _decode_text(data.removeprefix(codecs.BOM_UTF8))
    if _CONTROL_CHARS.search(text):
        raise TenantFileError("fichier binaire ou corrompu (caractères de contrôle) : "
                              "ce n'est pas un fichier CSV.")
    if not text.strip():
        raise TenantFileError("fichier vide : il ne contient aucune ligne.")
    return text, encoding


def _decode_text(data: bytes) -> tuple[str, str]:
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise TenantFileError("encodage non reconnu : enregistrez le fichier au format « CSV UTF-8 ».")


def read_records(text: str) -> tuple[Layout, Iterator[tuple[int, list[str]]]]:
    """The layout of the header line and the data records, each with its spreadsheet line."""
    layout = read_layout(_FIRST_LINE.match(text).group(0))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter)
    next(reader)
    return layout, _data_records(reader)


def _data_records(reader) -> Iterator[tuple[int, list[str]]]:
    line = 1
    try:
        for line, fields in enumerate(reader, start=2):
            if any(field.strip() for field in fields):
                yield line, fields
    except csv.Error as error:
        raise TenantFileError(f"ligne {line + 1} illisible ({_csv_problem(error)}) : "
                              "le fichier n'est pas un CSV valide.") from error


def _csv_problem(error: csv.Error) -> str:
    """The csv module's reason, in French."""
    if "field larger than field limit" in str(error):
        return f"une valeur de plus de {csv.field_size_limit():,} caractères".replace(",", "\u202f")
    if "new-line character seen in unquoted field" in str(error):
        return "un retour à la ligne isolé hors guillemets"
    if "NUL" in str(error):
        return "un caractère nul"
    return "guillemets ou séparateurs mal placés"


def read_layout(first_line: str) -> Layout:
    """Detect the separator and map the headers to fields, or say what is missing."""
    candidates = [_layout(first_line, delimiter) for delimiter in DELIMITERS]
    layout = max(candidates, key=lambda c: (len(c.columns), c.width))
    if not layout.columns:
        raise TenantFileError(
            "aucun en-tête reconnu en ligne 1 : la première ligne doit nommer les colonnes. "
            + accepted_headers())
    _check_required(layout)
    return layout


def _layout(first_line: str, delimiter: str) -> Layout:
    try:
        headers = next(csv.reader([first_line], delimiter=delimiter), [])
    except csv.Error as error:
        raise TenantFileError(f"ligne 1 illisible ({_csv_problem(error)}) : la première ligne doit "
                              "nommer les colonnes, ce fichier n'est pas un fichier de locataires.") \
            from error
    columns, ignored, seen = [], [], {}
    for index, header in enumerate(headers):
        field = _FIELD_BY_HEADER.get(simplify(header))
        if field is None:
            if header.strip():
                ignored.append(header.strip())
            continue
        if field in seen:
            raise TenantFileError(f"colonne « {header.strip()} » en double en ligne 1 "
                                  f"(déjà en colonne {seen[field] + 1}).")
        seen[field] = index
        columns.append(Column(field, index, header.strip()))
    return Layout(delimiter, tuple(columns), tuple(ignored), len(headers))


def _check_required(layout: Layout) -> None:
    missing = [LABELS[field] for field in REQUIRED if not layout.has(field)]
    if not any(layout.has(field) for field in BIRTH_FIELDS):
        missing.append("année de naissance (ou date de naissance)")
    if missing:
        found = ", ".join(f"« {c.header} »" for c in layout.columns)
        names = ", ".join(f"« {name} »" for name in missing)
        raise TenantFileError(
            f"colonne obligatoire absente : {names}. Colonnes reconnues dans le fichier : {found}. "
            + accepted_headers())


def accepted_headers() -> str:
    """The header names Veille recognises, French then English, for error messages."""
    names = "; ".join(f"{LABELS[field]} / {ENGLISH_LABELS[field]}" for field in HEADERS)
    return f"En-têtes reconnus (majuscules et accents indifférents) : {names}."
