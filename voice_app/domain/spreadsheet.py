"""Cells of the files a spreadsheet opens (CSV, TSV): formulas never come alive.

Excel, LibreOffice and Google Sheets read a cell that starts with `=`, `+`, `-`, `@`, a tab
or a carriage return as a formula (CSV injection): a tenant named `=HYPERLINK("http://...")`
in a landlord's file would become a live link, or worse, in the coordinator's spreadsheet.
Such a cell is written with a leading apostrophe, which spreadsheets take as "text" and do
not show. One character alone cannot carry a formula, so a `-` placeholder stays as it is.

Every CSV or TSV Veille writes goes through here: `safe_cell` for one value, `tsv_line` for
a line of tab-separated values, `safe_row` for a row, `SafeCsvWriter` in place of `csv.writer`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """`value` as text a spreadsheet shows as it is (None: empty)."""
    text = "" if value is None else str(value)
    if len(text) > 1 and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def tsv_line(cells: Iterable[Any]) -> str:
    """One line of tab-separated cells; a tab or line break inside a cell becomes a space, so
    a value never spills into the next column or line."""
    return "\t".join(_single_line(safe_cell(cell)) for cell in cells)


def _single_line(text: str) -> str:
    return text.replace("\t", " ").replace("\r\n", " ").replace("\r", " ").replace("\n", " ")


class SafeCsvWriter:
    """`csv.writer(stream, **options)` whose every cell goes through `safe_cell`."""

    def __init__(self, stream, **options) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_row(values: Iterable[Any]) -> list[str]:
    """Every cell of a row through `safe_cell` (for a `csv.writer` of one's own)."""
    return [safe_cell(value) for value in values]
