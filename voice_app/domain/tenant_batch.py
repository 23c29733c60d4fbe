"""A whole tenant file checked at once: its valid rows, its errors, its duplicate references.

Pure: bytes in, a `CheckedFile` out. The service decides what to write: nothing when there
are errors, unless the coordinator chose to skip invalid lines. A line repeated exactly (an
export that listed a tenant twice) is imported once, with a warning naming both lines; two
different lines with the same reference are ambiguous, and both are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import date

from voice_app.domain.tenant_file import Layout
from voice_app.domain.tenant_file import TenantFileError
from voice_app.domain.tenant_file import decode
from voice_app.domain.tenant_file import read_records
from voice_app.domain.tenant_rows import RowError
from voice_app.domain.tenant_rows import TenantRow
from voice_app.domain.tenant_rows import parse_row


@dataclass
class CheckedFile:
    encoding: str
    layout: Layout
    lines: int  # data lines read (blank lines aside)
    rows: list[TenantRow] = field(default_factory=list)  # valid, duplicates removed
    errors: list[RowError] = field(default_factory=list)  # sorted by line
    repeated_lines: list[tuple[int, int]] = field(default_factory=list)  # (line, the line it copies)

    @property
    def year_only_lines(self) -> list[int]:
        """Lines whose birth date held only a year (taken as the birth year)."""
        return [row.line for row in self.rows if row.year_only_birth_date]

    @property
    def skipped_lines(self) -> list[int]:
        return sorted({error.line for error in self.errors})


def check_tenant_file(data: bytes, today: date,
                      on_line: Callable[[int], None] | None = None) -> CheckedFile:
    """Decode, read and check every line; `on_line(n)` reports progress every few lines."""
    text, encoding = decode(data)
    layout, records = read_records(text)
    checked = CheckedFile(encoding, layout, 0)
    first_seen: dict[tuple[str, ...], int] = {}
    for line, fields in records:
        checked.lines += 1
        key = tuple(value.strip() for value in fields)
        if key in first_seen:
            checked.repeated_lines.append((line, first_seen[key]))
            continue
        first_seen[key] = line
        result = parse_row(layout, line, fields, today)
        if isinstance(result, TenantRow):
            checked.rows.append(result)
        else:
            checked.errors.extend(result)
        if on_line is not None and line % 500 == 0:
            on_line(line)
    if on_line is not None and checked.lines:
        on_line(line)
    if checked.lines == 0:
        raise TenantFileError("le fichier ne contient aucun locataire : seulement la ligne d'en-têtes.")
    _drop_duplicates(checked)
    return checked


def _drop_duplicates(checked: CheckedFile) -> None:
    checked.rows, errors = drop_duplicate_references(checked.rows, checked.layout.header_of("reference"))
    if errors:
        checked.errors = sorted(checked.errors + errors, key=lambda error: error.line)


def drop_duplicate_references(rows: list[TenantRow], header: str,
                              where: str = "ligne") -> tuple[list[TenantRow], list[RowError]]:
    """A reference on several lines is ambiguous: every one of those lines is an error. Returns
    the rows left and the errors; `where` names a line in messages (a file's "ligne")."""
    lines_by_reference: dict[str, list[int]] = {}
    for row in rows:
        lines_by_reference.setdefault(row.reference, []).append(row.line)
    duplicated = {ref: lines for ref, lines in lines_by_reference.items() if len(lines) > 1}
    if not duplicated:
        return rows, []
    errors = []
    for reference, lines in duplicated.items():
        for line in lines:
            others = ", ".join(str(other) for other in lines if other != line)
            errors.append(RowError(line, header, f"référence « {reference} » en double "
                                                 f"(aussi en {where} {others})"))
    return [row for row in rows if row.reference not in duplicated], errors
