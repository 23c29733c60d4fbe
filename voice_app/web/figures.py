"""`/chiffres`: the figures of a period for coordinators and admins (a partner's staff see their
share), with charts, a spreadsheet-safe CSV and the landlord's PDF report. Volunteers get 404.

Query: `mois=AAAA-MM` (default: this month) or `du=AAAA-MM-JJ&au=AAAA-MM-JJ`, and
`par=semaine|tournee|site|campagne|partenaire`. A bad value is told in French (400).
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint
from flask import Response
from flask import render_template
from flask import request

from voice_app.domain.figures import DIMENSION_LABELS
from voice_app.domain.figures import NEED_REASONS
from voice_app.domain.figures import REFERRALS
from voice_app.domain.figures import Counts
from voice_app.domain.figures import Dimension
from voice_app.domain.figures import Period
from voice_app.domain.figures import PeriodError
from voice_app.domain.figures import current_month
from voice_app.domain.figures import dates_period
from voice_app.domain.figures import month_period
from voice_app.domain.figures import parse_dimension
from voice_app.domain.figures import percent
from voice_app.domain.follow_up import REFERRAL_LABELS
from voice_app.domain.follow_up import reason_label
from voice_app.domain.spreadsheet import safe_row
from voice_app.services.figures import Figures
from voice_app.services.figures import compute
from voice_app.web import charts
from voice_app.web.access import audit_action
from voice_app.web.access import for_area
from voice_app.web.access import me
from voice_app.web.extensions import get_veille

blueprint = Blueprint("figures", __name__)

# (header, value): the table, the CSV and the report read the same columns.
COLUMNS = (
    ("Inscrits", lambda c: c.enrolled),
    ("Appelés", lambda c: c.called),
    ("Joints (touche ou mot)", lambda c: c.reached),
    ("Besoin d'une personne", lambda c: c.needing_person),
    ("Suivis faits", lambda c: c.completed),
    ("Dans les délais", lambda c: c.on_time),
    ("Dans les délais (%)", lambda c: percent(c.on_time_share)),
    ("Orientations", lambda c: c.referred),
    ("Injoignables", lambda c: c.unreachable),
    ("Demandes d'arrêt", lambda c: c.opt_outs),
    ("Appels de convivialité", lambda c: c.regular_calls),
    ("Continuité (%)", lambda c: percent(c.continuity)),
)


def csv_headers(dimension: Dimension) -> list[str]:
    return [DIMENSION_LABELS[dimension], *(h for h, _ in COLUMNS),
            *(f"Besoin : {reason_label(r)}" for r in NEED_REASONS),
            *(f"Orientation : {REFERRAL_LABELS[r]}" for r in REFERRALS)]


def csv_cells(row: Counts) -> list:
    return [row.label, *(value(row) for _, value in COLUMNS), *(row.needs.get(r, 0) for r in NEED_REASONS),
            *(row.referrals.get(r, 0) for r in REFERRALS)]


def requested_period(args, now) -> Period:
    if args.get("du") or args.get("au"):
        return dates_period(args.get("du", ""), args.get("au", ""))
    if args.get("mois"):
        return month_period(args["mois"])
    return current_month(now)


def _figures() -> Figures:
    veille = get_veille()
    period = requested_period(request.args, veille.clock())
    return compute(veille, me().viewer, period, parse_dimension(request.args.get("par")))


def week_charts(figures: Figures) -> tuple:
    labels = [week.label for week in figures.weeks]
    title = f"Semaine par semaine, {figures.period.label} : appelés, joints, suivis faits"
    activity = charts.lines(title, labels, [
        charts.Series("Appelés", [w.called for w in figures.weeks]),
        charts.Series("Joints", [w.reached for w in figures.weeks]),
        charts.Series("Suivis faits", [w.completed for w in figures.weeks])], "activite")
    needs = charts.stacked_bars(f"Besoins d'une personne par motif, {figures.period.label}", labels, [
        charts.Series(reason_label(r), [w.needs.get(r, 0) for w in figures.weeks]) for r in NEED_REASONS
        if any(w.needs.get(r) for w in figures.weeks)] or [charts.Series("Aucun besoin", [0] * len(labels))],
        "besoins")
    return activity, needs


@blueprint.get("/chiffres")
@for_area("volunteers")
def index():
    try:
        figures = _figures()
    except PeriodError as error:
        return render_template("figures/index.html", error=str(error), figures=None,
                               dimensions=DIMENSION_LABELS), 400
    activity, needs = week_charts(figures)
    return render_template("figures/index.html", figures=figures, columns=COLUMNS, activity=activity,
                           needs_chart=needs, need_reasons=NEED_REASONS, referrals=REFERRALS,
                           dimensions=DIMENSION_LABELS, query=request.query_string.decode(), percent=percent)


def _download(body: bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _bad_request(error: PeriodError) -> Response:
    return Response(str(error), status=400, mimetype="text/plain")


@blueprint.get("/chiffres/export.csv")
@for_area("volunteers")
def export_csv():
    try:
        figures = _figures()
    except PeriodError as error:
        return _bad_request(error)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(safe_row(csv_headers(figures.dimension)))
    writer.writerows(safe_row(csv_cells(row)) for row in [*figures.rows, figures.total])
    audit_action("figures.exported", "figures", None, {"format": "csv", "period": figures.period.label})
    body = "\ufeff" + out.getvalue()  # Excel reads UTF-8 with its byte-order mark
    return _download(body.encode("utf-8"), "text/csv", f"chiffres-{figures.period.first:%Y-%m-%d}.csv")


@blueprint.get("/chiffres/rapport.pdf")
@for_area("volunteers")
def report_pdf():
    from voice_app.web.landlord_report import render

    try:
        figures = _figures()
    except PeriodError as error:
        return _bad_request(error)
    audit_action("figures.exported", "figures", None, {"format": "pdf", "period": figures.period.label})
    return _download(render(figures, me().organisation_name), "application/pdf",
                     f"rapport-{figures.period.first:%Y-%m}.pdf")
