"""Tenants pushed through the API as JSON objects, checked with the tenant file's own rules (pure).

Each item is read as one line of a file whose columns are the item's keys, named by the stored
field (`reference`, `last_name`, `phone`...): the same parsers (`tenant_rows.parse_row`), the
same required fields and the same refusal of a reference given twice. An item's `line` is its
index in the array (from 0), so every error names the item it belongs to. As with a file, a
field the item leaves out is left as it is on a known tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date

from voice_app.domain.tenant_batch import drop_duplicate_references
from voice_app.domain.tenant_file import BIRTH_FIELDS
from voice_app.domain.tenant_file import HEADERS
from voice_app.domain.tenant_file import REQUIRED
from voice_app.domain.tenant_file import Column
from voice_app.domain.tenant_file import Layout
from voice_app.domain.tenant_rows import RowError
from voice_app.domain.tenant_rows import TenantRow
from voice_app.domain.tenant_rows import parse_row

FIELDS = tuple(HEADERS)  # the fields an item may carry, named as stored
MAX_ITEMS = 10_000
SCALARS = (str, int, float, bool)


@dataclass
class CheckedItems:
    count: int
    rows: list[TenantRow] = field(default_factory=list)  # valid items
    errors: list[RowError] = field(default_factory=list)  # by item index

    @property
    def rejected(self) -> list[int]:
        """Indexes of the items with an error."""
        return sorted({error.line for error in self.errors})


def check_tenant_items(items: list, today: date) -> CheckedItems:
    """Check every item; valid ones become rows, the others errors naming their index."""
    checked = CheckedItems(len(items))
    for index, item in enumerate(items):
        result = check_item(index, item, today)
        if isinstance(result, TenantRow):
            checked.rows.append(result)
        else:
            checked.errors.extend(result)
    checked.rows, duplicates = drop_duplicate_references(checked.rows, "reference", "position")
    checked.errors = sorted(checked.errors + duplicates, key=lambda error: error.line)
    return checked


def check_item(index: int, item: object, today: date) -> TenantRow | list[RowError]:
    """One item as a line of a file: its keys are the columns."""
    if not isinstance(item, dict):
        return [RowError(index, None, "chaque locataire doit être un objet JSON")]
    errors = _shape_errors(index, item)
    if errors:
        return errors
    names = [name for name in FIELDS if name in item]
    layout = Layout("", tuple(Column(name, position, name) for position, name in enumerate(names)), (),
                    len(names))
    return parse_row(layout, index, [_as_text(item[name]) for name in names], today)


def _shape_errors(index: int, item: dict) -> list[RowError]:
    errors = [RowError(index, str(name), "champ inconnu") for name in item if name not in FIELDS]
    errors += [RowError(index, name, "valeur invalide : texte, nombre, booléen ou null attendu")
               for name, value in item.items() if name in FIELDS
               and value is not None and not isinstance(value, SCALARS)]
    missing = [name for name in REQUIRED if name not in item]
    if not any(name in item for name in BIRTH_FIELDS):
        missing.append("birth_year")
    errors += [RowError(index, name, "champ obligatoire absent") for name in missing]
    return errors


def _as_text(value: object) -> str:
    """A JSON value as a file's cell: null is empty, true and false are oui and non."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
