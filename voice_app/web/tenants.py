"""`/locataires`: tenants in the console (blueprint `tenants`): the searchable list, the import
with its preview, a tenant's card and the coordinator's changes. Volunteers see their own
portfolio; anything else is 404 (audited)."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session as signed_cookie
from flask import url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import DateField
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length

from db.models import User
from voice_app.domain.tenant_file import TenantFileError
from voice_app.services import tenant_uploads
from voice_app.services import tenants as tenant_service
from voice_app.services.enrolment import LEGAL_BASES
from voice_app.services.enrolment import enrol_references
from voice_app.services.enrolment import unenrol_references
from voice_app.services.opt_outs import OptOutRequestError
from voice_app.services.opt_outs import confirm_request
from voice_app.services.opt_outs import dismiss_request
from voice_app.services.tenant_import import ImportConflict
from voice_app.services.tenant_uploads import UploadNotFound
from voice_app.services.tenants import AWAY_REASONS
from voice_app.services.tenants import TenantChangeRefused
from voice_app.services.tenants import TenantNotFound
from voice_app.web.access import for_area
from voice_app.web.access import me
from voice_app.web.access import refuse
from voice_app.web.extensions import get_veille
from voice_app.web.inputs import posted_id

blueprint = Blueprint("tenants", __name__)

DATE_MESSAGE = "Date attendue (jj/mm/aaaa)."


class UploadForm(FlaskForm):
    file = FileField(
        "Fichier des locataires (CSV, 20 Mo au plus)", validators=[FileRequired("Choisissez un fichier.")]
    )


class AwayForm(FlaskForm):
    starts_on = DateField("Absent(e) du", validators=[DataRequired(DATE_MESSAGE)])
    ends_on = DateField("au", validators=[DataRequired(DATE_MESSAGE)])
    reason = SelectField("Motif", choices=[SelectChoice(k, v) for k, v in AWAY_REASONS.items()])


class PhoneForm(FlaskForm):
    phone = StringField("Nouveau numéro", validators=[DataRequired("Indiquez un numéro."), Length(max=40)])
    which = SelectField("Numéro", choices=[SelectChoice("1", "principal"), SelectChoice("2", "second")])


class EnrolForm(FlaskForm):
    legal_basis = SelectField("Base légale", choices=[SelectChoice(k, v) for k, v in LEGAL_BASES.items()])


def _coordinator() -> None:
    if not me().viewer.sees_whole_landlord:
        abort(404)


SEARCH_KEY = "tenant_search"  # session entry: the name typed in the search, never in a URL


@blueprint.post("/locataires")
@for_area("home")
def search():
    """The search box posts its text: a tenant's name must not sit in a URL (browser history, a
    proxy's access log). The text waits in the session; the list's URL says only that a search
    is on (`recherche=1`), so the menu's plain link shows every tenant again."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    query, site = request.form.get("q", "").strip()[:100], request.form.get("site", "")[:120]
    signed_cookie[SEARCH_KEY] = query
    return redirect(url_for("tenants.index", recherche=1 if query else None, site=site or None))


@blueprint.get("/locataires")
@for_area("home")
def index():
    veille, viewer = get_veille(), me().viewer
    query = signed_cookie.get(SEARCH_KEY, "") if request.args.get("recherche") else ""
    site = request.args.get("site", "")[:120]
    page = tenant_service.search(
        veille, viewer, query=query, site=site, after=request.args.get("apres") or None
    )
    return render_template(
        "tenants/list.html",
        page=page,
        query=query,
        site=site,
        sites=tenant_service.sites(veille, viewer),
        coordinator=viewer.sees_whole_landlord,
    )


@blueprint.route("/locataires/import", methods=["GET", "POST"])
@for_area("volunteers")
def upload():
    _coordinator()
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("tenants/import.html", form=form), 400 if request.method == "POST" else 200
    stream = form.file.data
    try:
        token, report = tenant_uploads.stage(get_veille(), me().viewer, stream.filename or "", stream.read())
    except TenantFileError as error:
        flash(f"Fichier refusé : {error}", "error")
        return render_template("tenants/import.html", form=form), 400
    return render_template("tenants/preview.html", report=report, token=token, form=FlaskForm())


@blueprint.post("/locataires/import/<token>")
@for_area("volunteers")
def confirm(token: str):
    _coordinator()
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        if request.form.get("action") == "annuler":
            tenant_uploads.cancel(get_veille(), me().viewer, token)
            flash("Import annulé : rien n’a été enregistré.", "info")
            return redirect(url_for("tenants.upload"))
        report = tenant_uploads.confirm(get_veille(), me().viewer, token)
    except UploadNotFound:
        abort(404)
    except ImportConflict as error:
        flash(f"Import refusé : {error}", "error")
        return redirect(url_for("tenants.upload"))
    flash(
        f"Import enregistré : {report.created} créés, {report.updated} mis à jour, "
        f"{report.unchanged} inchangés.",
        "info",
    )
    return redirect(url_for("tenants.index"))


def _card(tenant_id: int, status: int = 200, **forms):
    try:
        card = tenant_service.card(get_veille(), me().viewer, tenant_id)
    except TenantNotFound:
        refuse("tenant", tenant_id)
    return render_template(
        "tenants/card.html",
        card=card,
        away_form=forms.get("away") or AwayForm(formdata=None),
        phone_form=forms.get("phone") or PhoneForm(formdata=None),
        enrol_form=EnrolForm(formdata=None),
        action_form=FlaskForm(),
        pending=tenant_service.pending_opt_out(get_veille(), tenant_id),
        channels=tenant_service.OPT_OUT_CHANNELS,
        legal_bases=LEGAL_BASES,
        away_reasons=AWAY_REASONS,
    ), status


@blueprint.get("/locataires/<int:tenant_id>")
@for_area("home")
def show(tenant_id: int):
    return _card(tenant_id)


def _changed(tenant_id: int, message: str):
    flash(message, "info")
    return redirect(url_for("tenants.show", tenant_id=tenant_id))


def _change(tenant_id: int, change, message: str, **forms):
    try:
        change()
    except TenantNotFound:
        refuse("tenant", tenant_id)
    except TenantChangeRefused as error:
        flash(str(error), "error")
        return _card(tenant_id, 400, **forms)
    return _changed(tenant_id, message)


@blueprint.post("/locataires/<int:tenant_id>/absence")
@for_area("volunteers")
def away(tenant_id: int):
    form = AwayForm()
    if not form.validate_on_submit():
        return _card(tenant_id, 400, away=form)
    return _change(
        tenant_id,
        lambda: tenant_service.add_away_period(
            get_veille(), me().viewer, tenant_id, form.starts_on.data, form.ends_on.data, form.reason.data
        ),
        "Absence enregistrée : pas d’appel ni de suivi pendant ces dates.",
        away=form,
    )


@blueprint.post("/locataires/<int:tenant_id>/absence/<int:period_id>/supprimer")
@for_area("volunteers")
def away_removed(tenant_id: int, period_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    return _change(
        tenant_id,
        lambda: tenant_service.remove_away_period(get_veille(), me().viewer, tenant_id, period_id),
        "Absence supprimée.",
    )


@blueprint.post("/locataires/<int:tenant_id>/numero")
@for_area("volunteers")
def phone(tenant_id: int):
    form = PhoneForm()
    if not form.validate_on_submit():
        return _card(tenant_id, 400, phone=form)
    return _change(
        tenant_id,
        lambda: tenant_service.fix_phone(
            get_veille(), me().viewer, tenant_id, form.phone.data, second=form.which.data == "2"
        ),
        "Numéro corrigé.",
        phone=form,
    )


@blueprint.post("/locataires/<int:tenant_id>/benevole")
@for_area("volunteers")
def volunteer(tenant_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    raw = request.form.get("volunteer_id", "")
    volunteer_id = posted_id(raw)
    return _change(
        tenant_id,
        lambda: tenant_service.assign_volunteer(get_veille(), me().viewer, tenant_id, volunteer_id),
        "Bénévole enregistré.",
    )


@blueprint.post("/locataires/<int:tenant_id>/inscription")
@for_area("volunteers")
def enrolment(tenant_id: int):
    form = EnrolForm()
    if not form.validate_on_submit():
        abort(400)
    viewer, veille = me().viewer, get_veille()
    try:
        card = tenant_service.card(veille, viewer, tenant_id)
    except TenantNotFound:
        refuse("tenant", tenant_id)
    if not card.may_change:
        abort(404)
    reference, landlord = card.tenant.reference, card.tenant.organisation_id
    if request.form.get("action") == "desinscrire":
        unenrol_references(veille, [reference], organisation_id=landlord)
        return _changed(tenant_id, "Locataire désinscrit : il ne sera plus appelé.")
    result = enrol_references(
        veille, [reference], legal_basis=form.legal_basis.data, organisation_id=landlord
    )
    if result.refused:
        flash("Ce locataire a demandé à ne plus être appelé : il ne peut pas être inscrit.", "error")
        return _card(tenant_id, 400)
    return _changed(tenant_id, "Locataire inscrit au suivi.")


@blueprint.post("/locataires/<int:tenant_id>/opposition")
@for_area("volunteers")
def opt_out(tenant_id: int):
    """An opt-out received by phone or letter; or, with the tenant's agreement, one undone."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    veille, viewer = get_veille(), me().viewer
    if request.form.get("action") == "annuler":
        return _change(
            tenant_id,
            lambda: tenant_service.undo_opt_out(
                veille, viewer, tenant_id, request.form.get("phone", ""), request.form.get("agreement", "")
            ),
            "Opposition annulée avec l’accord du locataire : vous pouvez l’inscrire de nouveau.",
        )
    return _change(
        tenant_id,
        lambda: tenant_service.record_opt_out(veille, viewer, tenant_id, request.form.get("channel", "")),
        "Demande enregistrée : ce locataire ne sera plus appelé.",
    )


@blueprint.post("/locataires/<int:tenant_id>/demande-arret")
@for_area("volunteers")
def opt_out_request(tenant_id: int):
    """Settle a request made on an inbound call: confirm (calls stop) or dismiss (calls go on)."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    veille, user = get_veille(), me()
    try:
        card = tenant_service.card(veille, user.viewer, tenant_id)
    except TenantNotFound:
        refuse("tenant", tenant_id)
    if not card.may_change:
        abort(404)
    settle = confirm_request if request.form.get("action") == "confirmer" else dismiss_request
    try:
        with veille.session_factory() as session:
            actor = session.get(User, user.id)
        settle(veille, card.tenant.reference, organisation_id=card.tenant.organisation_id, actor=actor)
    except OptOutRequestError as error:
        flash(str(error), "error")
        return _card(tenant_id, 400)
    message = (
        "Arrêt des appels confirmé."
        if settle is confirm_request
        else "Demande écartée : les appels continuent."
    )
    return _changed(tenant_id, message)
