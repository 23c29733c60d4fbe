"""`/admin/...`: users, organisations and partnerships, the audit log (blueprint `admin`).

An admin manages the accounts, API tokens and audit log of their organisation and, for a
landlord, of the associations that work for it alone (`administered_organisation_ids`); the
organisations page also lists the partners or landlords it works with.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import time

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from db.models import Organisation
from db.models import User
from voice_app.domain.calendar import PARIS
from voice_app.domain.figures import in_calendar
from voice_app.domain.people import ROLE_LABELS
from voice_app.domain.people import Role
from voice_app.domain.webhook_urls import absolute
from voice_app.services.accounts import AccountError
from voice_app.services.accounts import NewUser
from voice_app.services.accounts import create_user
from voice_app.services.accounts import invite
from voice_app.services.accounts import list_users
from voice_app.services.accounts import set_active
from voice_app.services.audit import AuditFilter
from voice_app.services.audit import list_events
from voice_app.services.organisations import OrganisationError
from voice_app.services.organisations import add_service_number
from voice_app.services.organisations import administered_organisation_ids
from voice_app.services.organisations import create_partner
from voice_app.services.organisations import list_organisations
from voice_app.web.access import for_area
from voice_app.web.access import me
from voice_app.web.access import refuse
from voice_app.web.extensions import get_veille
from voice_app.web.inputs import database_id

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

REQUIRED = "Ce champ est obligatoire."


class UserForm(FlaskForm):
    email = EmailField("Adresse e-mail", validators=[DataRequired(REQUIRED), Length(max=254)])
    name = StringField("Nom affiché", validators=[DataRequired(REQUIRED), Length(max=200)])
    role = SelectField("Rôle", choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in Role])
    organisation_id = SelectField("Organisme", coerce=int)
    phone = StringField("Téléphone (facultatif)", validators=[Optional(), Length(max=40)])
    capacity = IntegerField("Capacité d’un bénévole (locataires)", default=25,
                            validators=[Optional(), NumberRange(0, 1000, "Entre 0 et 1000.")])


class PartnerForm(FlaskForm):
    name = StringField("Nom de l’association", validators=[DataRequired(REQUIRED), Length(max=200)])


class NumberForm(FlaskForm):
    number = StringField("Numéro de service", validators=[DataRequired(REQUIRED), Length(max=40)])


def administered() -> list[int]:
    """The organisations whose accounts, tokens and audit log this admin manages (read once
    per request)."""
    if "administered" not in g:
        with get_veille().session_factory() as session:
            own = session.get(Organisation, me().organisation_id)
            g.administered = administered_organisation_ids(session, own)
    return g.administered


def organisation_choices() -> list[SelectChoice]:
    """The organisations an admin may create an account or a token in (a select's choices)."""
    with get_veille().session_factory() as session:
        rows = session.execute(select(Organisation.id, Organisation.name)
                               .where(Organisation.id.in_(administered())).order_by(Organisation.name))
        return [SelectChoice(str(organisation_id), name) for organisation_id, name in rows]


def _submitted(form: FlaskForm) -> bool:
    """This form (of several on the page, told apart by prefix) was posted and is valid."""
    return request.method == "POST" and f"{form._prefix}csrf_token" in request.form and form.validate()


def _own_organisation() -> Organisation:
    with get_veille().session_factory() as session:
        return session.get(Organisation, me().organisation_id)


def _user_in_scope(user_id: int) -> User:
    with get_veille().session_factory() as session:
        user = session.get(User, user_id)
    if user is None or user.organisation_id not in administered():
        refuse("user", user_id)
    return user


@blueprint.route("/utilisateurs", methods=["GET", "POST"])
@for_area("admin")
def users():
    form = UserForm()
    form.organisation_id.choices = organisation_choices()
    invitation = None
    if form.validate_on_submit():
        veille = get_veille()
        try:
            user = create_user(veille, NewUser(
                email=form.email.data, role=form.role.data, name=form.name.data,
                organisation_id=form.organisation_id.data, phone=form.phone.data,
                capacity=form.capacity.data), actor_id=me().id)
            invitation = absolute(veille.settings.PUBLIC_BASE_URL,
                                  url_for("auth.invitation", token=invite(veille, user.id, actor_id=me().id)))
            flash(f"Compte créé pour {user.email} : transmettez-lui le lien d’invitation ci-dessous.", "info")
            form = UserForm(formdata=None)
            form.organisation_id.choices = organisation_choices()
        except AccountError as error:
            flash(str(error), "error")
    rows = list_users(get_veille(), administered())
    return render_template("admin/users.html", form=form, rows=rows, invitation=invitation,
                           action_form=FlaskForm(), role_labels=ROLE_LABELS, Role=Role)


@blueprint.post("/utilisateurs/<int:user_id>/etat")
@for_area("admin")
def user_state(user_id: int):
    user = _user_in_scope(user_id)
    if not FlaskForm().validate_on_submit():
        return redirect(url_for("admin.users"))
    active = request.form.get("active") == "1"
    if user.id == me().id and not active:
        flash("Vous ne pouvez pas désactiver votre propre compte.", "error")
        return redirect(url_for("admin.users"))
    set_active(get_veille(), user.id, active, actor_id=me().id)
    flash(f"Compte {user.email} {'réactivé' if active else 'désactivé'}.", "info")
    return redirect(url_for("admin.users"))


@blueprint.post("/utilisateurs/<int:user_id>/invitation")
@for_area("admin")
def user_invitation(user_id: int):
    user = _user_in_scope(user_id)
    if not FlaskForm().validate_on_submit():
        return redirect(url_for("admin.users"))
    veille = get_veille()
    try:
        token = invite(veille, user.id, actor_id=me().id)
    except AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.users"))
    link = absolute(veille.settings.PUBLIC_BASE_URL, url_for("auth.invitation", token=token))
    rows = list_users(veille, administered())
    form = UserForm(formdata=None)
    form.organisation_id.choices = organisation_choices()
    flash(f"Nouveau lien d’invitation pour {user.email} ci-dessous.", "info")
    return render_template("admin/users.html", form=form, rows=rows, invitation=link,
                           action_form=FlaskForm(), role_labels=ROLE_LABELS, Role=Role)


@blueprint.route("/organisations", methods=["GET", "POST"])
@for_area("admin")
def organisations():
    own = _own_organisation()
    partner_form, number_form = PartnerForm(prefix="partner"), NumberForm(prefix="number")
    veille = get_veille()
    try:
        if own.kind == "landlord" and _submitted(partner_form):
            partner = create_partner(veille, own, partner_form.name.data, actor_id=me().id)
            flash(f"Association « {partner.name} » créée et liée à « {own.name} ».", "info")
            return redirect(url_for("admin.organisations"))
        if _submitted(number_form):
            added = add_service_number(veille, own.id, number_form.number.data)
            flash(f"Numéro {added} ajouté.", "info")
            return redirect(url_for("admin.organisations"))
    except OrganisationError as error:
        flash(str(error), "error")
    rows = list_organisations(veille, visible_to=own)
    return render_template("admin/organisations.html", rows=rows, own=own, partner_form=partner_form,
                           number_form=number_form)


PAGE_ACTIONS = {"": "toutes", "user.signed_in": "connexions", "access.refused": "accès refusés",
                "follow_up.": "suivis", "tenant.": "locataires", "user.": "comptes",
                "portfolio.": "portefeuilles", "volunteer.": "bénévoles", "enrolment.": "inscriptions",
                "api.": "appels de l’API", "api_token.": "jetons de l’API"}


def _day(value: str | None):
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        return None
    return day if day is None or in_calendar(day) else None


@blueprint.get("/audit")
@for_area("admin")
def audit():
    action = request.args.get("action", "")
    action = action if action in PAGE_ACTIONS else ""
    since, until = _day(request.args.get("du")), _day(request.args.get("au"))
    where = AuditFilter(
        action=action or None,
        since=datetime.combine(since, time(0), tzinfo=PARIS).astimezone(UTC) if since else None,
        until=datetime.combine(until, time(23, 59, 59), tzinfo=PARIS).astimezone(UTC) if until else None)
    before = database_id(request.args.get("avant"))
    events = list_events(get_veille(), administered(), where, before_id=before)
    return render_template("admin/audit.html", events=events, actions=PAGE_ACTIONS, action=action,
                           since=since, until=until, PARIS=PARIS)

from voice_app.web import admin_tokens  # noqa: E402,F401  (its routes are on this blueprint)
