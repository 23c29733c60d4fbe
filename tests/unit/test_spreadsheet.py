"""Cells shown to coordinators are never run as formulas by a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest

from voice_app.domain.spreadsheet import SafeCsvWriter
from voice_app.domain.spreadsheet import safe_cell
from voice_app.domain.spreadsheet import safe_row
from voice_app.domain.spreadsheet import tsv_line


@pytest.mark.parametrize(("value", "shown"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+33 6", "'+33 6"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("Martin", "Martin"),
    ("Résidence = Lilas", "Résidence = Lilas"),
    (1940, "1940"),
    (None, ""),
])
def test_a_value_that_starts_like_a_formula_is_shown_as_text(value, shown):
    assert safe_cell(value) == shown


@pytest.mark.parametrize("plain", ["Martin", "Cité Verte", "PH-000104", "1938", "-", "", "O'Neil"])
def test_plain_cells_and_a_lone_placeholder_are_left_alone(plain):
    assert safe_cell(plain) == plain


def test_none_is_an_empty_cell():
    assert safe_cell(None) == ""


def test_a_tsv_line_keeps_its_columns_and_escapes_each_cell():
    line = tsv_line(["PH-1", "=cmd|' /C calc'!A0", "Cité\tVerte", "ligne\nsuivante", 1938])
    assert line.split("\t") == ["PH-1", "'=cmd|' /C calc'!A0", "Cité Verte", "ligne suivante", "1938"]


def test_the_csv_writer_escapes_every_cell_and_stays_readable():
    stream = io.StringIO()
    SafeCsvWriter(stream, delimiter=";").writerows([["Nom", "Site"], ["=1+1", "Cité; Verte"]])
    assert list(csv.reader(io.StringIO(stream.getvalue()), delimiter=";")) == [
        ["Nom", "Site"], ["'=1+1", "Cité; Verte"]]


def test_a_row_escapes_each_of_its_cells():
    assert safe_row(["PH-1", "=1+1", None, 1940]) == ["PH-1", "'=1+1", "", "1940"]
