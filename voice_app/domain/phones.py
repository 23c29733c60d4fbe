"""Phone numbers: normalisation of what a landlord's file holds to E.164, and masking for logs
(one shared helper for the whole code base).

Theory of operation: numbers are parsed with `phonenumbers` in region FR. The overseas
departments share the French national format (`0692 12 34 56` is a Réunion mobile), so a
national number whose prefix ARCEP gives to an overseas department is parsed in that region
first; a number written `+33 692...` is corrected the same way. Only numbers a tenant can
answer are kept: fixed lines, mobiles and VoIP lines of France and its overseas departments.
Premium, shared-cost, free and short numbers (15, 3949) are refused with a French reason the
coordinator can act on.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata
from phonenumbers import PhoneNumberType

# A number as it may appear in text, in every form the tenant importer accepts: digits with
# separators (one or two spaces or tabs, or one no-break or figure space, dot, hyphen, slash, or
# "+", a form-encoded space, also right after a word: `q=Dupont+0612345678`) and a "(0)" trunk
# anywhere, starting with + or %2B/%2b (URL-encoded +), 00, a trunk 0 or "(0)"; a country code of
# France or its overseas departments without the + (`33612345678`); or a national number whose 0
# was dropped by a spreadsheet (`612345678`, `6 12 34 56 78`). Dates (2026-11-30), times and ids
# do not look like that: a bare 9-digit run right after `=` is an id (`attempt_id=...`).
_SEP = "(?:[ \t]{1,2}|[.\\-/+\u00a0\u202f\u2009\u2007])"  # "+": a space, form-encoded
_DIGIT = rf"(?:{_SEP}?(?:\(0\){_SEP}?)?\d)"
_PHONE_LIKE = re.compile(
    rf"(?<![\w%])(?<!\d\+)(?:\+|%2[Bb]|0|\(0\){_SEP}?)\d{_DIGIT}{{7,12}}(?!\d)"  # +33 6.., 06.., 0033..
    rf"|(?<![\w+%])(?:33|262|590|594|596){_SEP}?[1-9](?:{_SEP}?\d){{8}}(?!\d)"  # 33612345678
    rf"|(?<![\w+%=:./\-])[1-9](?:{_SEP}?\d){{8}}(?!\d)"  # 612345678, 6 12 34 56 78
)
_NON_DIGITS = re.compile(r"\D")
_SEPARATORS = re.compile(r"[\s.\-/]")
_COMMON_SHAPE = re.compile(r"(?:0|\+33|0033)([1-9]\d{8})")

HOME_REGION = "FR"
# Overseas prefixes of the French national plan (after the trunk 0), and their region.
OVERSEAS_PREFIXES = {
    "262": "RE", "263": "RE", "692": "RE", "693": "RE",  # La Réunion
    "269": "YT", "639": "YT",  # Mayotte
    "590": "GP", "690": "GP", "691": "GP",  # Guadeloupe (and Saint-Barthélemy, Saint-Martin)
    "596": "MQ", "696": "MQ", "697": "MQ",  # Martinique
    "594": "GF", "694": "GF",  # Guyane
}
CALLABLE_COUNTRY_CODES = frozenset({33, 262, 590, 594, 596})
CALLABLE_TYPES = frozenset({
    PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.VOIP,
})
SPECIAL_TYPES = frozenset({
    PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST, PhoneNumberType.TOLL_FREE,
})
SHORT_NUMBER_MAX_DIGITS = 6


class PhoneError(ValueError):
    """A number Veille cannot call; the message is French, for the coordinator."""


def normalise_phone(raw: str) -> str:
    """The E.164 form of a French or overseas number a tenant can answer, else PhoneError."""
    text = raw.strip()
    if not text:
        raise PhoneError("numéro vide")
    number = _parse(text)
    if number is None:
        raise PhoneError(f"numéro invalide « {text} »")
    if _is_short_number(number):
        raise PhoneError(f"numéro court (service ou urgence) « {text} » : un locataire n'y répond pas")
    if number.country_code not in CALLABLE_COUNTRY_CODES:
        raise PhoneError(f"numéro étranger non pris en charge « {text} » "
                         "(France et départements d'outre-mer seulement)")
    kind = _number_type(number)  # UNKNOWN exactly when the number is not valid
    if kind in SPECIAL_TYPES:
        raise PhoneError(f"numéro spécial (surtaxé, partagé ou vert) « {text} » : "
                         "un locataire n'y répond pas")
    if kind == PhoneNumberType.UNKNOWN:
        raise PhoneError(f"numéro invalide « {text} »")
    if kind not in CALLABLE_TYPES:
        raise PhoneError(f"type de numéro non pris en charge « {text} »")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parse(text: str) -> phonenumbers.PhoneNumber | None:
    quick = _parse_common_shape(_SEPARATORS.sub("", text))
    if quick is not None:
        return quick
    digits = _NON_DIGITS.sub("", text)
    region = _overseas_region(digits) if text.startswith("0") and not text.startswith("00") else None
    try:
        number = phonenumbers.parse(text, region or HOME_REGION)
    except phonenumbers.NumberParseException:
        return None
    return _overseas_written_as_french(number) or number


def _parse_common_shape(compact: str) -> phonenumbers.PhoneNumber | None:
    """`0612345678`, `+33612345678`, `0033612345678` without the general parser, which is
    ten times slower (an import of 100,000 tenants spends most of its time on phones)."""
    match = _COMMON_SHAPE.fullmatch(compact)
    if match is None:
        return None
    national = match.group(1)
    region = OVERSEAS_PREFIXES.get(national[:3])
    country_code = phonenumbers.country_code_for_region(region) if region else 33
    return phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))


def _number_type(number: phonenumbers.PhoneNumber) -> PhoneNumberType:
    """`phonenumbers.number_type`, answered from three patterns for a metropolitan mobile or
    fixed line (most of a file); anything else goes through the full check."""
    if number.country_code == 33:
        national = str(number.national_number)
        general, earlier_types, fixed_line, mobile = _french_patterns()
        if general.fullmatch(national) and not earlier_types.fullmatch(national):
            if mobile.fullmatch(national):
                return PhoneNumberType.MOBILE
            if fixed_line.fullmatch(national):
                return PhoneNumberType.FIXED_LINE
    return phonenumbers.number_type(number)


@lru_cache(maxsize=1)
def _french_patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    """France's patterns from phonenumbers' metadata; `earlier_types` are those number_type
    tests before fixed lines and mobiles, so the shortcut gives the same answer."""
    metadata = PhoneMetadata.metadata_for_region(HOME_REGION)
    earlier = [getattr(metadata, name) for name in (
        "premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail")]
    earlier_patterns = "|".join(f"(?:{desc.national_number_pattern})" for desc in earlier
                                if desc is not None and desc.national_number_pattern)
    return (re.compile(metadata.general_desc.national_number_pattern), re.compile(earlier_patterns),
            re.compile(metadata.fixed_line.national_number_pattern),
            re.compile(metadata.mobile.national_number_pattern))


def _overseas_region(national_digits: str) -> str | None:
    """`0692123456` -> `RE`: the region of an overseas number in national format."""
    if len(national_digits) != 10:
        return None
    return OVERSEAS_PREFIXES.get(national_digits[1:4])


def _overseas_written_as_french(number: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber | None:
    """`+33 692 12 34 56` (or Excel's `692123456`) really is the Réunion mobile `+262 692...`."""
    national = str(number.national_number)
    if number.country_code != 33 or len(national) != 9 or national[:3] not in OVERSEAS_PREFIXES:
        return None
    return phonenumbers.parse("0" + national, OVERSEAS_PREFIXES[national[:3]])


def _is_short_number(number: phonenumbers.PhoneNumber) -> bool:
    if len(str(number.national_number)) > SHORT_NUMBER_MAX_DIGITS:
        return False
    return phonenumbers.is_valid_short_number_for_region(number, HOME_REGION)


def readable_phone(number: str) -> str:
    """An E.164 number as a person dials it from France: `+33199000002` -> `01 99 00 00 02`,
    an overseas one in its national form too (`0692 12 34 56`), a foreign one international."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    national = parsed.country_code in CALLABLE_COUNTRY_CODES
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL if national
                                      else phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask_phone(number: str | None) -> str:
    """Mask an E.164 number for logs: `+33612345678` -> `+33 6 •• •• •• 78`."""
    if not number:
        return "-"
    digits = re.sub(r"\D", "", number)
    if number.startswith("+33") and len(digits) == 11:
        return f"+33 {digits[2]} •• •• •• {digits[-2:]}"
    if len(digits) <= 4:
        return "••"
    prefix = "+" if number.startswith("+") else ""
    return f"{prefix}{digits[:2]} •• {digits[-2:]}"


def mask_phones_in_text(text: str) -> str:
    """Mask every phone-looking run of digits inside free text (log messages)."""
    return _PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)), text)
