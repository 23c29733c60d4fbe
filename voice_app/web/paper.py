"""`/suivis/export.csv` and `/suivis/export.pdf`: the list for volunteers who work on paper
(blueprint `paper`). Full numbers, so each export is audited; CSV cells are spreadsheet-safe."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from flask import Blueprint
from flask import Response
from fpdf import FPDF

from voice_app.domain.calendar import PARIS
from voice_app.domain.follow_up import PRIORITY_LABELS
from voice_app.domain.follow_up import reason_label
from voice_app.domain.pdf_text import latin1
from voice_app.domain.spreadsheet import safe_row
from voice_app.services.follow_ups import PaperRow
from voice_app.services.follow_ups import paper_list
from voice_app.web.access import for_area
from voice_app.web.access import me
from voice_app.web.extensions import get_veille

blueprint = Blueprint("paper", __name__)

COLUMNS = ("Locataire", "Téléphone", "Motif", "Priorité", "À faire avant", "Site", "Gardien")


def _cells(row: PaperRow) -> list[str]:
    return [row.name, " / ".join(row.phones) or "-", reason_label(row.reason),
            PRIORITY_LABELS.get(row.priority, row.priority),
            row.due_at.astimezone(PARIS).strftime("%d/%m %H:%M"), row.site or "", row.caretaker or ""]


def _rows() -> tuple[list[PaperRow], datetime]:
    veille, user = get_veille(), me()
    now = veille.clock()
    return paper_list(veille, user.viewer, now), now


def _download(body: bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@blueprint.get("/suivis/export.csv")
@for_area("home")
def export_csv():
    rows, now = _rows()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(COLUMNS)
    writer.writerows(safe_row(_cells(row)) for row in rows)
    body = "\ufeff" + out.getvalue()  # Excel reads UTF-8 with its byte-order mark
    return _download(body.encode("utf-8"), "text/csv", f"suivis-{now.astimezone(PARIS):%Y-%m-%d}.csv")


class _Sheet(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="L", format="A4")
        self.title_text = title
        self.set_auto_page_break(True, margin=12)

    def header(self) -> None:
        self.set_font("Helvetica", "B", 14)
        self.cell(0, 9, latin1(self.title_text), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 10)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 5, f"Page {self.page_no()} - document confidentiel, a detruire apres usage", align="C")


WIDTHS = (52, 48, 70, 22, 27, 34, 24)


@blueprint.get("/suivis/export.pdf")
@for_area("home")
def export_pdf():
    rows, now = _rows()
    sheet = _Sheet(f"Suivis de {me().name} - {now.astimezone(PARIS):%d/%m/%Y %H:%M}")
    sheet.add_page()
    with sheet.table(col_widths=WIDTHS, text_align="LEFT", line_height=6) as table:
        table.row([latin1(c) for c in COLUMNS])
        for row in rows:
            table.row([latin1(c) for c in _cells(row)])
    if not rows:
        sheet.cell(0, 10, "Aucun suivi ouvert.")
    return _download(bytes(sheet.output()), "application/pdf", f"suivis-{now.astimezone(PARIS):%Y-%m-%d}.pdf")
