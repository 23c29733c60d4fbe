"""Cells shown to coordinators are never run as formulas by a spreadsheet."""

from __future__ import annotations

import pytest

from voice_app.domain.spreadsheet import safe_cell


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
