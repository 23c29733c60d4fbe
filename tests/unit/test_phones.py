"""Phone normalisation: what landlords' files really contain, to E.164 or a clear refusal."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from voice_app.domain.phones import PhoneError
from voice_app.domain.phones import _number_type
from voice_app.domain.phones import normalise_phone


@pytest.mark.parametrize(("written", "e164"), [
    ("06 12 34 56 78", "+33612345678"),
    ("06.12.34.56.78", "+33612345678"),
    ("06-12-34-56-78", "+33612345678"),
    ("0612345678", "+33612345678"),
    ("  06 12 34 56 78 ", "+33612345678"),
    ("+33 6 12 34 56 78", "+33612345678"),
    ("+33612345678", "+33612345678"),
    ("0033 6 12 34 56 78", "+33612345678"),
    ("+33 (0)6 12 34 56 78", "+33612345678"),
    ("(+33) 6 12 34 56 78", "+33612345678"),
    ("612345678", "+33612345678"),  # a spreadsheet dropped the leading zero
    ("07 81 23 45 67", "+33781234567"),
    ("01 42 34 56 78", "+33142345678"),
    ("02 61 91 12 34", "+33261911234"),
    ("03 53 01 12 34", "+33353011234"),
    ("04 65 71 12 34", "+33465711234"),
    ("05 36 49 12 34", "+33536491234"),
    ("09 51 23 45 67", "+33951234567"),
    ("0262 21 12 34", "+262262211234"),  # La Réunion, landline
    ("0692 12 34 56", "+262692123456"),  # La Réunion, mobile
    ("+262 692 12 34 56", "+262692123456"),
    ("+33 6 92 12 34 56", "+262692123456"),  # written as French, really Réunion
    ("692123456", "+262692123456"),
    ("0269 60 12 34", "+262269601234"),  # Mayotte, landline
    ("0639 01 23 45", "+262639012345"),  # Mayotte, mobile
    ("+262 639 01 23 45", "+262639012345"),
    ("0590 20 12 34", "+590590201234"),  # Guadeloupe
    ("+590 690 00 12 34", "+590690001234"),
    ("0596 30 12 34", "+596596301234"),  # Martinique
    ("0696 20 12 34", "+596696201234"),
    ("0594 10 12 34", "+594594101234"),  # Guyane
    ("0694 20 12 34", "+594694201234"),
])
def test_numbers_as_landlords_write_them_become_e164(written, e164):
    assert normalise_phone(written) == e164


@pytest.mark.parametrize(("written", "reason"), [
    ("06 12", "numéro invalide « 06 12 »"),
    ("06 12 34 56 78 90", "numéro invalide"),
    ("abc", "numéro invalide « abc »"),
    ("6.12346E+08", "numéro invalide"),
    ("0596 12 34 56", "numéro invalide"),  # an unallocated Martinique range
    ("08 92 68 02 20", "numéro spécial"),  # premium
    ("0810 12 34 56", "numéro spécial"),  # shared cost
    ("08 00 12 34 56", "numéro spécial"),  # free phone: no tenant answers it
    ("15", "numéro court"),
    ("112", "numéro court"),
    ("3949", "numéro court"),
    ("+32 470 12 34 56", "numéro étranger"),
    ("+44 20 7946 0958", "numéro étranger"),
    ("", "numéro vide"),
])
def test_numbers_a_tenant_cannot_answer_are_refused_with_a_reason(written, reason):
    with pytest.raises(PhoneError) as refused:
        normalise_phone(written)
    assert reason in str(refused.value)


def test_the_shortcut_for_french_numbers_agrees_with_phonenumbers_everywhere():
    rng = random.Random(7)
    numbers = [phonenumbers.PhoneNumber(country_code=33, national_number=rng.randrange(10**8, 10**9))
               for _ in range(20_000)]
    assert [_number_type(n) for n in numbers] == [phonenumbers.number_type(n) for n in numbers]


def test_the_fast_and_the_general_parser_give_the_same_number():
    # "(0)" sends the first through the general parser, the second through the shortcut.
    assert normalise_phone("+33 (0)1 99 00 12 34") == normalise_phone("01 99 00 12 34")
    assert normalise_phone("+262 (0)692 12 34 56") == normalise_phone("0692 12 34 56")


def test_a_number_is_shown_as_a_person_dials_it_from_france():
    from voice_app.domain.phones import readable_phone

    assert readable_phone("+33199000002") == "01 99 00 00 02"
    assert readable_phone("+33612345678") == "06 12 34 56 78"
    assert readable_phone("+262692123456") == "0692 12 34 56"  # La Réunion, national form
    assert readable_phone("+441632960961") == "+44 1632 960961"
    assert readable_phone("pas un numéro") == "pas un numéro"
