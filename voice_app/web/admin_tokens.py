"""`/admin/jetons-api`: an admin creates and revokes the API tokens of the organisations they
administer (`admin.administered`; routes of the `admin` blueprint). A new token's secret is shown once,
in the answer to its creation, which no cache keeps; afterwards only its first characters."""

from __future__ import annotations

from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import url_for
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length

from voice_app.domain.api_tokens import SCOPE_LABELS
from voice_app.domain.api_tokens import Scope
from voice_app.domain.webhook_urls import absolute
from voice_app.services.api_tokens import TokenError
from voice_app.services.api_tokens import create_token
from voice_app.services.api_tokens import list_tokens
from voice_app.services.api_tokens import revoke_token
from voice_app.web.access import for_area
from voice_app.web.access import me
from voice_app.web.admin import REQUIRED
from voice_app.web.admin import administered
from voice_app.web.admin import blueprint
from voice_app.web.admin import organisation_choices
from voice_app.web.extensions import get_veille


class TokenForm(FlaskForm):
    organisation_id = SelectField("Organisme", coerce=int)
    name = StringField("Nom du jeton (qui l’utilise)", validators=[DataRequired(REQUIRED), Length(max=100)])
    scope = SelectField("Portée", choices=[SelectChoice(s.value, SCOPE_LABELS[s]) for s in Scope])


def _form(*, empty: bool = False) -> TokenForm:
    form = TokenForm(formdata=None) if empty else TokenForm()
    form.organisation_id.choices = organisation_choices()
    return form


def _page(form: TokenForm, secret: str | None = None):
    veille = get_veille()
    tokens = list_tokens(veille, administered())
    response = make_response(render_template(
        "admin/api_tokens.html", form=form, tokens=tokens, secret=secret, action_form=FlaskForm(),
        labels=SCOPE_LABELS, api_url=absolute(veille.settings.PUBLIC_BASE_URL, "/api/v1/")))
    response.headers["Cache-Control"] = "no-store"  # the secret must not outlive this page
    return response


@blueprint.route("/jetons-api", methods=["GET", "POST"])
@for_area("admin")
def api_tokens():
    form = _form()
    if not form.validate_on_submit():
        return _page(form)
    try:
        token, secret = create_token(get_veille(), form.organisation_id.data, Scope(form.scope.data),
                                     form.name.data, actor=me().as_actor())
    except TokenError as error:
        flash(str(error), "error")
        return _page(form)
    flash(f"Jeton « {token.name} » créé : copiez-le ci-dessous, il ne sera plus affiché.", "info")
    return _page(_form(empty=True), secret)


@blueprint.post("/jetons-api/<int:token_id>/revoquer")
@for_area("admin")
def revoke_api_token(token_id: int):
    if FlaskForm().validate_on_submit():
        try:
            token = revoke_token(get_veille(), token_id, administered(),
                                 actor=me().as_actor())
            flash(f"Jeton « {token.name} » révoqué : il est refusé dès maintenant.", "info")
        except TokenError as error:
            flash(str(error), "error")
    return redirect(url_for("admin.api_tokens"))
