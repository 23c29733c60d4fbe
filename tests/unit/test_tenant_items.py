"""Tenants as JSON items are checked by the tenant file's own rules, each error naming its item."""

from __future__ import annotations

from datetime import date

from voice_app.domain.tenant_items import check_item
from voice_app.domain.tenant_items import check_tenant_items
from voice_app.domain.tenant_rows import TenantRow

TODAY = date(2026, 11, 24)
ITEM = {"reference": "R1", "last_name": "Martin", "household": "couple", "phone": "01 45 67 89 01",
        "birth_year": 1940}


def test_a_valid_item_becomes_the_row_a_file_line_would_give():
    row = check_item(3, ITEM | {"manual_flag": True, "language": "Portugais", "birth_year": "1940"}, TODAY)
    assert isinstance(row, TenantRow) and row.line == 3 and row.reference == "R1"
    assert row.values["phone"] == "+33145678901" and row.values["household"] == "couple"
    assert row.values["manual_flag"] is True and row.values["language"] == "pt"
    assert row.values["birth_year"] == 1940


def test_fields_left_out_are_not_in_the_row_so_a_known_tenant_keeps_them():
    row = check_item(0, ITEM, TODAY)
    assert "site" not in row.values and "caretaker" not in row.values


def test_null_is_an_empty_cell_and_false_is_non():
    row = check_item(0, ITEM | {"birth_year": None, "site": None, "manual_flag": False}, TODAY)
    assert row.values["birth_year"] is None and row.values["site"] is None
    assert row.values["manual_flag"] is False


def test_each_error_names_the_item_and_the_field_with_the_files_reason():
    errors = check_item(7, ITEM | {"phone": "12", "birth_year": 1850}, TODAY)
    assert {(e.line, e.column) for e in errors} == {(7, "phone"), (7, "birth_year")}
    assert any("avant 1900" in e.reason for e in errors)


def test_shape_errors_unknown_fields_nested_values_missing_fields_and_non_objects():
    errors = check_item(1, {"reference": "R", "nom": "X", "site": ["A"]}, TODAY)
    found = {(e.column, e.reason) for e in errors}
    assert ("nom", "champ inconnu") in found
    assert ("site", "valeur invalide : texte, nombre, booléen ou null attendu") in found
    assert {c for c, r in found if r == "champ obligatoire absent"} == {"last_name", "household", "phone",
                                                                       "birth_year"}
    assert [e.column for e in check_item(2, ["R1"], TODAY)] == [None]


def test_a_reference_given_twice_with_different_data_refuses_both_items():
    checked = check_tenant_items([ITEM, ITEM | {"last_name": "Dupont"}, ITEM | {"reference": "R2"}], TODAY)
    assert [row.reference for row in checked.rows] == ["R2"]
    assert checked.rejected == [0, 1]
    assert "aussi en position 1" in checked.errors[0].reason
