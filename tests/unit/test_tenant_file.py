"""Reading a landlord's tenant file: encodings, separators, headers, and every bad line."""

from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path

import pytest

from voice_app.domain.tenant_batch import check_tenant_file
from voice_app.domain.tenant_file import MAX_FILE_BYTES
from voice_app.domain.tenant_file import TenantFileError
from voice_app.domain.tenant_file import check_size
from voice_app.domain.tenant_file import decode
from voice_app.domain.tenant_file import read_layout

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tenants"
TODAY = date(2026, 11, 24)
HEADER = "Référence;Nom;Prénom;Année de naissance;Composition du foyer;Téléphone;Téléphone 2;Site"


def checked(*lines: str, header: str = HEADER, encoding: str = "utf-8"):
    return check_tenant_file(("\n".join((header, *lines)) + "\n").encode(encoding), TODAY)


def only_error(*lines: str, header: str = HEADER) -> str:
    errors = checked(*lines, header=header).errors
    assert len(errors) == 1, errors
    return str(errors[0])


# Encodings -------------------------------------------------------------------------------

def test_utf8_with_and_without_bom_and_windows_1252_read_the_same_names():
    texts = [check_tenant_file((FIXTURES / name).read_bytes(), TODAY)
             for name in ("excel_utf8_bom.csv", "windows_1252.csv")]
    assert [t.encoding for t in texts] == ["utf-8", "cp1252"]
    assert [r.values["last_name"] for r in texts[0].rows] == ["Bénard", "Œuvray", "Lemaître"]
    assert [r.values["last_name"] for r in texts[1].rows] == ["Bénard", "Œuvray", "Lemaître"]
    assert texts[0].layout.columns[0].header == "REFERENCE"  # the BOM is not part of the header


@pytest.mark.parametrize(("data", "message"), [
    ("Référence;Nom\n".encode("utf-16"), "UTF-16"),
    ("Référence;Nom\n".encode("utf-16-le"), "UTF-16"),
    (codecs.BOM_UTF16_BE + "Référence;Nom\n".encode("utf-16-be"), "UTF-16"),
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "classeur"),
    (b"\x7fELF\x02\x01\x01" + bytes(range(1, 30)), "binaire"),
    (b"reference;nom\n\x81\x8d\x8f\x90\x9d\n", "encodage non reconnu"),
    (b"   \r\n\r\n", "fichier vide"),
    (codecs.BOM_UTF8, "fichier vide"),
])
def test_files_that_are_not_csv_text_are_refused_with_a_clear_message(data, message):
    with pytest.raises(TenantFileError) as refused:
        decode(data)
    assert message in str(refused.value)


def test_sizes_are_checked_before_reading():
    check_size(MAX_FILE_BYTES)
    with pytest.raises(TenantFileError, match="fichier vide"):
        check_size(0)
    with pytest.raises(TenantFileError, match=r"trop volumineux \(50\.0 Mo ; maximum 20 Mo\)"):
        check_size(50 * 1024 * 1024)


# Headers -------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [
    "Référence;Nom;Année de naissance;Composition du foyer;Téléphone",
    "REFERENCE;NOM;ANNEE DE NAISSANCE;COMPOSITION DU FOYER;TELEPHONE",
    "  référence ; nom ;année  de naissance;Composition du Foyer; téléphone ",
    "Reference,Last name,Birth year,Household,Phone",
    "reference\tlast_name\tbirth-year\thousehold\tphone",
    '"Référence";"Nom";"Date de naissance";"Composition du foyer";"Tél."',
])
def test_headers_are_recognised_whatever_the_case_accents_spaces_language_and_separator(header):
    layout = read_layout(header)
    assert {c.field for c in layout.columns} >= {"reference", "last_name", "household", "phone"}
    assert layout.has("birth_year") or layout.has("birth_date")


def test_the_separator_is_the_one_that_recognises_the_most_headers():
    assert read_layout("Référence;Nom;Année de naissance;Composition du foyer;Téléphone").delimiter == ";"
    assert read_layout("Reference,Last name,Birth year,Household,Phone").delimiter == ","


def test_a_missing_required_column_is_named_and_the_recognised_headers_listed():
    with pytest.raises(TenantFileError) as refused:
        read_layout("Référence;Nom;Année de naissance;Composition du foyer;Portable")
    message = str(refused.value)
    assert "colonne obligatoire absente : « téléphone »" in message
    assert "« Référence », « Nom »" in message  # what was found
    assert "téléphone / phone" in message and "composition du foyer / household" in message


def test_a_file_without_any_birth_column_is_refused():
    with pytest.raises(TenantFileError, match="année de naissance \\(ou date de naissance\\)"):
        read_layout("Référence;Nom;Composition du foyer;Téléphone")


def test_a_first_line_that_is_not_a_header_is_refused():
    with pytest.raises(TenantFileError, match="aucun en-tête reconnu en ligne 1"):
        read_layout("PH-1;Martin;1940;seul;0612345678")


def test_a_column_given_twice_is_refused():
    with pytest.raises(TenantFileError, match="« Phone » en double"):
        read_layout("Référence;Nom;Année de naissance;Composition du foyer;Téléphone;Phone")


def test_unknown_columns_are_ignored_and_reported():
    layout = read_layout(HEADER + ";Email;Loyer")
    assert layout.ignored == ("Email", "Loyer")


# Lines ---------------------------------------------------------------------------------

def test_a_good_line_gives_a_tenant_with_normalised_values():
    result = checked("PH-1;  Martin ;Jeanne;1940;Seule;06 12 34 56 78;01 99 00 12 34;Les Lilas")
    assert result.errors == []
    (row,) = result.rows
    assert (row.line, row.reference) == (2, "PH-1")
    assert row.values == {"last_name": "Martin", "first_name": "Jeanne", "birth_year": 1940,
                          "household": "alone", "phone": "+33612345678", "phone2": "+33199001234",
                          "site": "Les Lilas", "time_zone": None}


def test_an_invalid_number_is_reported_with_the_spreadsheet_line_and_the_column():
    lines = [f"PH-{n};Martin;;1940;seul;06 12 34 56 {n:02d};;" for n in range(10)]
    lines.append("PH-99;Blanc;;1937;seul;06 12;;")
    assert only_error(*lines) == "ligne 12, colonne « Téléphone » : numéro invalide « 06 12 »"


@pytest.mark.parametrize(("line", "expected"), [
    ("PH-1;Martin;;1940;veuf;0612345678;;", "colonne « Composition du foyer » : composition du foyer "
                                           "inconnue « veuf » (valeurs acceptées : seul, couple ou autre)"),
    ("PH-1;Martin;;2031;seul;0612345678;;", "année de naissance dans le futur « 2031 »"),
    ("PH-1;Martin;;1890;seul;0612345678;;", "année de naissance avant 1900 « 1890 »"),
    ("PH-1;Martin;;40;seul;0612345678;;", "année invalide « 40 »"),
    ("PH-1;Martin;;1940;seul;0612345678;;Les Lilas;en trop", "trop de champs (9 au lieu de 8)"),
    ("PH-1;Martin;;1940;seul;0612345678", "pas assez de champs (6 au lieu de 8)"),
    ("PH-1;Martin;;1940;seul;;;", "aucun numéro de téléphone"),
    (";Martin;;1940;seul;0612345678;;", "colonne « Référence » : valeur obligatoire manquante"),
    ("PH-1;;;1940;seul;0612345678;;", "colonne « Nom » : valeur obligatoire manquante"),
    ("PH-1;Martin;;1940;seul;0892680220;;", "numéro spécial"),
    ("PH-1;Martin;;1940;seul;3949;;", "numéro court"),
    ("PH-1;Martin;;1940;seul;0612345678;06 12;", "colonne « Téléphone 2 » : numéro invalide"),
    ("PH-" + "9" * 70 + ";Martin;;1940;seul;0612345678;;", "trop long (73 caractères, maximum 64)"),
])
def test_each_bad_line_gets_a_message_naming_the_problem(line, expected):
    message = only_error(line)
    assert message.startswith("ligne 2")
    assert expected in message


def test_every_error_of_a_line_is_reported():
    errors = checked("PH-1;Martin;;2031;veuf;06 12;;").errors
    assert [e.column for e in errors] == ["Année de naissance", "Composition du foyer", "Téléphone"]


def test_trailing_empty_fields_left_by_spreadsheets_are_not_too_many_fields():
    assert checked("PH-1;Martin;;1940;seul;0612345678;;;;;").errors == []


def test_a_lone_second_number_becomes_the_first_and_a_repeated_number_is_kept_once():
    moved, repeated = checked("PH-1;Martin;;1940;seul;;0612345678;", "PH-2;Blanc;;1940;seul;0612345678;"
                              "06.12.34.56.78;").rows
    assert (moved.values["phone"], moved.values["phone2"]) == ("+33612345678", None)
    assert (repeated.values["phone"], repeated.values["phone2"]) == ("+33612345678", None)


def test_duplicate_references_are_reported_on_both_lines_and_neither_is_kept():
    result = checked("PH-1;Martin;;1940;seul;0612345678;;", "PH-2;Blanc;;1940;seul;0612345679;;",
                     "PH-1;Martin;;1941;seul;0612345670;;")
    assert [str(e) for e in result.errors] == [
        "ligne 2, colonne « Référence » : référence « PH-1 » en double (aussi en ligne 4)",
        "ligne 4, colonne « Référence » : référence « PH-1 » en double (aussi en ligne 2)",
    ]
    assert [row.reference for row in result.rows] == ["PH-2"]


def test_blank_lines_are_skipped_but_keep_their_place_in_line_numbers():
    result = checked("PH-1;Martin;;1940;seul;0612345678;;", ";;;;;;;", "", "PH-2;Blanc;;1940;seul;06 12;;")
    assert result.lines == 2
    assert [str(e).split(",")[0] for e in result.errors] == ["ligne 5"]


def test_a_quoted_value_may_hold_the_separator_and_a_line_break():
    result = checked('PH-1;"Martin; née Blanc";;1940;seul;0612345678;;"Les Lilas\nbâtiment B"',
                     "PH-2;Blanc;;1940;seul;06 12;;")
    assert result.rows[0].values["last_name"] == "Martin; née Blanc"
    assert str(result.errors[0]).startswith("ligne 3,")  # one spreadsheet row per record


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_every_kind_of_line_ending_is_read(newline):
    text = newline.join((HEADER, "PH-1;Martin;;1940;seul;0612345678;;", "PH-2;Blanc;;1940;seul;06 12;;", ""))
    result = check_tenant_file(text.encode(), TODAY)
    assert [r.reference for r in result.rows] == ["PH-1"]
    assert str(result.errors[0]).startswith("ligne 3,")


def test_a_value_too_large_for_a_csv_field_is_reported_with_its_line():
    with pytest.raises(TenantFileError, match="ligne 3 illisible"):
        checked("PH-1;Martin;;1940;seul;0612345678;;", "PH-2;" + "x" * 200_000 + ";;1940;seul;0612345678;;")


def test_a_header_without_any_line_is_refused():
    with pytest.raises(TenantFileError, match="aucun locataire"):
        checked()


@pytest.mark.parametrize(("written", "year"), [
    ("12/03/1940", 1940), ("2/3/1940", 1940), ("12-03-1940", 1940), ("12.03.1940", 1940),
    ("1940-03-12", 1940), ("12/03/1940 00:00:00", 1940), ("", None),
])
def test_birth_dates_keep_only_the_year(written, year):
    header = "Reference;Last name;Birth date;Household;Phone"
    (row,) = checked(f"LH-1;Dupont;{written};alone;0612345678", header=header).rows
    assert row.values["birth_year"] == year


@pytest.mark.parametrize(("written", "reason"), [
    ("31/02/1940", "date inexistante « 31/02/1940 »"),
    ("03/12/40", "date invalide « 03/12/40 » (attendu : jj/mm/aaaa ou aaaa-mm-jj)"),
    ("01/12/2026", "date de naissance dans le futur"),
    ("01/01/1899", "année de naissance avant 1900"),
])
def test_wrong_birth_dates_are_reported(written, reason):
    header = "Reference;Last name;Birth date;Household;Phone"
    assert reason in only_error(f"LH-1;Dupont;{written};alone;0612345678", header=header)


def test_a_birth_date_that_contradicts_the_birth_year_is_reported():
    header = "Référence;Nom;Année de naissance;Date de naissance;Composition du foyer;Téléphone"
    assert "ne concorde pas avec l'année de naissance 1941" in only_error(
        "PH-1;Martin;1941;12/03/1940;seul;0612345678", header=header)


def test_optional_columns_are_read_in_french_and_in_english():
    header = ("Référence;Civilité;Nom;Année de naissance;Composition du foyer;Téléphone;Langue;"
              "Année de naissance du conjoint;Demi-journée préférée;Suivi manuel;Gardien")
    french, english = checked(
        "PH-1;Madame;Martin;1940;couple;0612345678;Français;1938;après-midi;oui;M. Diallo",
        "PH-2;mr;Blanc;1940;autre;0612345679;English;;Morning;no;", header=header).rows
    assert french.values | {"phone": None} == {
        "civility": "Mme", "last_name": "Martin", "birth_year": 1940, "household": "couple", "phone": None,
        "language": "fr", "partner_birth_year": 1938, "preferred_half_day": "pm", "manual_flag": True,
        "caretaker": "M. Diallo", "time_zone": None}
    assert (english.values["civility"], english.values["language"], english.values["preferred_half_day"],
            english.values["manual_flag"], english.values["caretaker"]) == ("M.", "en", "am", False, None)


@pytest.mark.parametrize(("written", "code"), [
    ("Français", "fr"), ("fr-FR", "fr"), ("français (France)", "fr"), ("ANGLAIS", "en"), ("ar", "ar"),
    ("", "fr"),
])
def test_languages_are_stored_as_codes(written, code):
    header = "Référence;Nom;Année de naissance;Composition du foyer;Téléphone;Langue"
    (row,) = checked(f"PH-1;Martin;1940;seul;0612345678;{written}", header=header).rows
    assert row.values["language"] == code


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("Suivi manuel", "peut-être", "valeur inconnue « peut-être » (valeurs acceptées : oui ou non)"),
    ("Demi-journée préférée", "soir", "demi-journée inconnue « soir »"),
    ("Langue", "klingon", "langue inconnue « klingon »"),
])
def test_unknown_optional_values_are_reported(column, value, reason):
    header = f"Référence;Nom;Année de naissance;Composition du foyer;Téléphone;{column}"
    assert reason in only_error(f"PH-1;Martin;1940;seul;0612345678;{value}", header=header)


def test_only_the_columns_of_the_file_are_in_a_tenant_row_with_the_time_zone_of_the_number():
    (row,) = checked("PH-1;Martin;1940;seul;0612345678",
                     header="Référence;Nom;Année de naissance;Composition du foyer;Téléphone").rows
    assert set(row.values) == {"last_name", "birth_year", "household", "phone", "time_zone"}


WITH_ZONE = "Référence;Nom;Année de naissance;Composition du foyer;Téléphone;Fuseau horaire"


@pytest.mark.parametrize(("phone", "written", "expected"), [
    ("0590 12 34 56", "", "America/Guadeloupe"),
    ("0692 12 34 56", "", "Indian/Reunion"),
    ("0639 01 23 45", "", "Indian/Mayotte"),
    ("0696 12 34 56", "", "America/Martinique"),
    ("0594 12 34 56", "", "America/Cayenne"),
    ("06 12 34 56 78", "", None),
    ("06 12 34 56 78", "Indian/Reunion", "Indian/Reunion"),  # lives there, keeps a metropolitan mobile
    ("0692 12 34 56", "europe/paris", None),
    ("0692 12 34 56", "america/martinique", "America/Martinique"),
])
def test_the_time_zone_comes_from_the_file_else_from_the_number(phone, written, expected):
    (row,) = checked(f"PH-1;Martin;1940;seul;{phone};{written}", header=WITH_ZONE).rows
    assert row.values["time_zone"] == expected


def test_an_unknown_time_zone_is_refused_in_french():
    message = only_error("PH-1;Martin;1940;seul;0612345678;Mars/Olympus", header=WITH_ZONE)
    assert message.startswith("ligne 2, colonne « Fuseau horaire » : fuseau horaire inconnu « Mars/Olympus »")


def test_the_sample_files_are_valid_and_the_error_sample_is_not():
    for name in ("paris_habitat.csv", "english_comma.csv", "excel_utf8_bom.csv", "windows_1252.csv"):
        assert check_tenant_file((FIXTURES / name).read_bytes(), TODAY).errors == [], name
    errors = check_tenant_file((FIXTURES / "with_errors.csv").read_bytes(), TODAY).errors
    assert sorted({e.line for e in errors}) == [2, 3, 4, 5, 6, 7, 8, 9]


def test_an_exact_repeated_line_is_kept_once_and_named():
    line = "PH-1;Martin;;1940;seul;0612345678;;"
    result = checked(line, "PH-2;Blanc;;1940;seul;0612345679;;", line)
    assert result.errors == []
    assert [row.reference for row in result.rows] == ["PH-1", "PH-2"]
    assert result.repeated_lines == [(4, 2)]


def test_two_different_lines_with_one_reference_are_both_refused_even_beside_an_exact_copy():
    line = "PH-1;Martin;;1940;seul;0612345678;;"
    result = checked(line, line, "PH-1;Martin;;1941;seul;0612345678;;")
    assert [str(e) for e in result.errors] == [
        "ligne 2, colonne « Référence » : référence « PH-1 » en double (aussi en ligne 4)",
        "ligne 4, colonne « Référence » : référence « PH-1 » en double (aussi en ligne 2)",
    ]
    assert result.rows == [] and result.repeated_lines == [(3, 2)]


def test_a_bare_year_in_a_birth_date_column_is_the_birth_year_with_a_note():
    header = "Référence;Nom;Date de naissance;Composition du foyer;Téléphone"
    result = checked("PH-1;Martin;1939;seul;0612345678", "PH-2;Blanc;03/12/1940;seul;0612345679",
                     header=header)
    assert result.errors == []
    assert [row.values["birth_year"] for row in result.rows] == [1939, 1940]
    assert result.year_only_lines == [2]


def test_a_header_over_the_csv_field_limit_is_a_french_refusal():
    with pytest.raises(TenantFileError, match="ligne 1 illisible"):
        read_layout("Référence;" + "x" * 200_000)
