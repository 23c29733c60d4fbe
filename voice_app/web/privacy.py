"""A tenant's rights from their card (blueprint `privacy`): the access export, downloaded as a
file (the URL carries only the card's number, never a name or a number), and the erasure,
behind a page that says what will go and asks for the reference again. The landlord's
coordinators and admins only; anyone else gets 404 (audited)."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_wtf import FlaskForm

from voice_app.domain.processing_register import table_label
from voice_app.services.privacy import PrivacyError
from voice_app.services.privacy import tenant_for
from voice_app.services.privacy_erasure import erase_tenant
from voice_app.services.privacy_erasure import preview_erasure
from voice_app.services.privacy_export import FORMATS
from voice_app.services.privacy_export import export_tenant
from voice_app.services.privacy_export import file_name
from voice_app.services.privacy_pdf import render
from voice_app.web.access import for_area
from voice_app.web.access import me
from voice_app.web.access import refuse
from voice_app.web.extensions import get_veille

blueprint = Blueprint("privacy", __name__)

MIMETYPES = {"json": "application/json", "pdf": "application/pdf"}


def _tenant(tenant_id: int) -> tuple[int, str]:
    try:
        return tenant_for(get_veille(), me().viewer, tenant_id)
    except LookupError:
        refuse("tenant", tenant_id)


@blueprint.post("/locataires/<int:tenant_id>/donnees")
@for_area("volunteers")
def export(tenant_id: int):
    organisation_id, reference = _tenant(tenant_id)
    export_format = request.form.get("format", "")
    if not FlaskForm().validate_on_submit() or export_format not in FORMATS:
        abort(400)
    veille = get_veille()
    try:
        document = export_tenant(veille, organisation_id, reference, actor=me().as_actor())
    except PrivacyError:  # erased meanwhile
        abort(404)
    body = render(document) if export_format == "pdf" else document.as_json()
    name = file_name(export_format, document.generated_at)
    return Response(body, mimetype=MIMETYPES[export_format], headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _confirmation(tenant_id: int, reference: str, organisation_id: int, status: int = 200):
    try:
        counts = preview_erasure(get_veille(), organisation_id, reference)
    except PrivacyError:
        abort(404)
    rows = [(table_label(name), count) for name, count in counts.items() if count]
    return render_template("tenants/erase.html", tenant_id=tenant_id, reference=reference, rows=rows,
                           form=FlaskForm()), status


@blueprint.get("/locataires/<int:tenant_id>/effacement")
@for_area("volunteers")
def confirm_erasure(tenant_id: int):
    organisation_id, reference = _tenant(tenant_id)
    return _confirmation(tenant_id, reference, organisation_id)


@blueprint.post("/locataires/<int:tenant_id>/effacement")
@for_area("volunteers")
def erase(tenant_id: int):
    organisation_id, reference = _tenant(tenant_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if request.form.get("reference", "").strip() != reference:
        flash("La référence tapée n’est pas celle du locataire : rien n’a été effacé.", "error")
        return _confirmation(tenant_id, reference, organisation_id, 400)
    try:
        erase_tenant(get_veille(), organisation_id, reference, actor=me().as_actor())
    except PrivacyError as error:
        flash(str(error), "error")
        return redirect(url_for("tenants.index"))
    flash(f"Locataire « {reference} » effacé : il ne reste de lui que l’empreinte de ses numéros, "
          "pour ne plus jamais l’appeler.", "info")
    return redirect(url_for("tenants.index"))
