"""The landlord's report: one PDF page of a period's headline figures and charts, in the form a
landlord publishes ("X locataires joints, Y orientés, dont..."). Counts only: no name, no
number, no note. Built with fpdf2, whose core fonts are Latin-1 (French marks written plainly).
"""

from __future__ import annotations

from fpdf import FPDF

from voice_app.domain.figures import REFERRAL_SHORT
from voice_app.domain.figures import REFERRALS
from voice_app.domain.figures import headline
from voice_app.domain.figures import percent
from voice_app.domain.pdf_text import latin1
from voice_app.services.figures import Figures

CALLED, REACHED = (31, 90, 148), (184, 64, 26)


def render(figures: Figures, landlord: str) -> bytes:
    """The PDF bytes of `figures`' report for `landlord`."""
    pdf = FPDF(orientation="P", format="A4")
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, latin1(f"Veille - {landlord} - {figures.period.label}"),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.ln(2)
    for line in headline(figures.total, figures.period, landlord):
        pdf.multi_cell(0, 6, latin1(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _week_chart(pdf, figures)
    _week_table(pdf, figures)
    _referral_table(pdf, figures)
    pdf.set_font("Helvetica", "I", 8)
    pdf.ln(3)
    pdf.multi_cell(0, 4, latin1("Joint : le locataire a tapé une touche ou dit un mot (un répondeur "
                               "ne compte pas). Document sans donnée personnelle : des nombres seulement."))
    return bytes(pdf.output())


def _week_chart(pdf: FPDF, figures: Figures) -> None:
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 7, latin1("Appelés et joints, semaine par semaine"), new_x="LMARGIN", new_y="NEXT")
    left, top, width, height = pdf.l_margin + 10, pdf.get_y() + 2, 160, 50
    weeks = figures.weeks
    peak = max([w.called for w in weeks] + [1])
    pdf.set_draw_color(150, 150, 150)
    pdf.line(left, top + height, left + width, top + height)
    pdf.set_font("Helvetica", "", 7)
    pdf.text(left - 8, top + 3, str(peak))
    pdf.text(left - 5, top + height, "0")
    slot = width / max(len(weeks), 1)
    for index, week in enumerate(weeks):
        x = left + index * slot + slot * 0.15
        for offset, (value, colour) in enumerate(((week.called, CALLED), (week.reached, REACHED))):
            bar = height * value / peak
            pdf.set_fill_color(*colour)
            if bar:
                pdf.rect(x + offset * slot * 0.35, top + height - bar, slot * 0.33, bar, style="F")
        pdf.text(x, top + height + 4, latin1(week.label))
    if not any(w.called for w in weeks):
        pdf.set_font("Helvetica", "I", 10)
        pdf.text(left + width / 2 - 15, top + height / 2, latin1("aucune donnée"))
    pdf.set_y(top + height + 7)
    pdf.set_font("Helvetica", "", 8)
    for label, colour in (("appelés", CALLED), ("joints", REACHED)):
        pdf.set_fill_color(*colour)
        pdf.rect(pdf.get_x(), pdf.get_y() + 1, 3, 3, style="F")
        pdf.set_x(pdf.get_x() + 4)
        pdf.cell(20, 5, latin1(label))
    pdf.ln(8)


def _week_table(pdf: FPDF, figures: Figures) -> None:
    pdf.set_font("Helvetica", "", 9)
    headers = ("Semaine", "Appelés", "Joints", "Besoins", "Suivis faits", "Dans les délais", "Orientations")
    with pdf.table(text_align="LEFT", line_height=5) as table:
        table.row([latin1(h) for h in headers])
        for week in [*figures.weeks, figures.total]:
            table.row([latin1(v) for v in (week.label, week.called, week.reached, week.needing_person,
                                          week.completed, percent(week.on_time_share), week.referred)])
    pdf.ln(4)


def _referral_table(pdf: FPDF, figures: Figures) -> None:
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 7, latin1("Orientations"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    with pdf.table(col_widths=(120, 40), width=160, text_align="LEFT", line_height=5) as table:
        table.row([latin1("Orientation"), latin1("Nombre")])
        for referral in REFERRALS:
            table.row([latin1(REFERRAL_SHORT[referral]), str(figures.total.referrals.get(referral, 0))])
