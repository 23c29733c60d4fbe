"""A tenant's access export as a PDF a person can read: one section per kind of data, each row
as "field: value" lines. The JSON export carries the same rows, exactly."""

from __future__ import annotations

import json

from fpdf import FPDF

from voice_app.domain.calendar import PARIS
from voice_app.domain.pdf_text import latin1 as _latin1
from voice_app.services.privacy_export import TenantExport

# The JSON export keeps every character; the PDF's built-in font draws only Latin-1.
EMPTY_SECTION = "Aucune donnée."


def _value(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class _Document(FPDF):
    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 5, f"Page {self.page_no()} - document personnel et confidentiel", align="C")


def render(export: TenantExport) -> bytes:
    """The PDF of `export`."""
    pdf = _Document(orientation="P", format="A4")
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, _latin1(f"Données détenues par Veille pour {export.organisation}"),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    generated = export.generated_at.astimezone(PARIS)
    pdf.multi_cell(0, 6, _latin1(f"Locataire : référence {export.reference}. Document établi le "
                                 f"{generated:%d/%m/%Y à %H:%M} (heure de Paris). Les dates ci-dessous "
                                 "sont en temps universel (UTC)."), new_x="LMARGIN", new_y="NEXT")
    for section in export.sections:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        title = section.label[:1].upper() + section.label[1:]
        pdf.multi_cell(0, 7, _latin1(f"{title} ({len(section.rows)})"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        if not section.rows:
            pdf.multi_cell(0, 5, _latin1(EMPTY_SECTION), new_x="LMARGIN", new_y="NEXT")
        for number, row in enumerate(section.rows, start=1):
            pdf.set_font("Helvetica", "I", 9)
            pdf.multi_cell(0, 5, f"n° {number}", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 9)
            for column, value in row.items():
                pdf.multi_cell(0, 5, _latin1(f"{column} : {_value(value)}"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
