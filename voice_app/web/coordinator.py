"""`/benevoles`: volunteers, capacity, portfolios, on-duty, absences (blueprint `coordinator`).

A landlord's coordinator sees the volunteers of the landlord and its partners; a partner's
coordinator sees its own volunteers only, and acts on the landlord it works for.
"""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange

from voice_app.domain.follow_up import TaskRefused
from voice_app.domain.people import WEEKDAY_NAMES
from voice_app.services.tasks import reassign_all
from voice_app.services.volunteers import VolunteerError
from voice_app.services.volunteers import add_absence
from voice_app.services.volunteers import add_duty_slot
from voice_app.services.volunteers import assign_portfolio
from voice_app.services.volunteers import balance_site
from voice_app.services.volunteers import remove_duty_slot
from voice_app.services.volunteers import roster
from voice_app.services.volunteers import set_capacity
from voice_app.services.volunteers import set_on_duty
from voice_app.services.volunteers import volunteers_overview
from voice_app.web.access import for_area
from voice_app.web.access import me
from voice_app.web.access import refuse
from voice_app.web.extensions import get_veille
from voice_app.web.inputs import posted_id

blueprint = Blueprint("coordinator", __name__)

REQUIRED = "Ce champ est obligatoire."


class CapacityForm(FlaskForm):
    capacity = IntegerField("Capacité (locataires)", validators=[
        InputRequired(REQUIRED), NumberRange(0, 1000, "Entre 0 et 1000.")])


class AbsenceForm(FlaskForm):
    starts_on = DateField("Absent(e) du", validators=[DataRequired("Date attendue (jj/mm/aaaa).")])
    ends_on = DateField("au", validators=[DataRequired("Date attendue (jj/mm/aaaa).")])


class SlotForm(FlaskForm):
    weekday = SelectField("Jour", coerce=int,
                          choices=[SelectChoice(str(n), name) for n, name in enumerate(WEEKDAY_NAMES)])
    starts_at = TimeField("De", validators=[DataRequired("Heure attendue.")])
    ends_at = TimeField("à", validators=[DataRequired("Heure attendue.")])


class BalanceForm(FlaskForm):
    site = StringField("Site (résidence)", validators=[DataRequired(REQUIRED), Length(max=120)])


class AssignForm(FlaskForm):
    references = TextAreaField("Références des locataires (une par ligne ou séparées par des virgules)",
                               validators=[DataRequired(REQUIRED), Length(max=20_000)])


def _landlord_id() -> int:
    """The landlord a coordinator acts on (a partner working for several: the first)."""
    user = me()
    if not user.landlord_ids:
        abort(404)
    return user.landlord_ids[0]


def _scope() -> int | None:
    """A partner's coordinator only sees and changes its own volunteers."""
    user = me()
    return None if user.is_landlord_staff else user.organisation_id


def _volunteer_in_scope(user_id: int) -> None:
    rows = volunteers_overview(get_veille(), _landlord_id(), only_organisation=_scope())
    if user_id not in {row.user.id for row in rows}:
        refuse("user", user_id)


@blueprint.get("/benevoles")
@for_area("volunteers")
def volunteers():
    rows = volunteers_overview(get_veille(), _landlord_id(), only_organisation=_scope())
    slots = roster(get_veille(), [row.user.id for row in rows])
    return render_template("coordinator/volunteers.html", rows=rows, slots=slots, slot_form=SlotForm(),
                           weekdays=WEEKDAY_NAMES, capacity_form=CapacityForm(),
                           absence_form=AbsenceForm(), balance_form=BalanceForm(), assign_form=AssignForm(),
                           can_balance=me().is_landlord_staff)


def _done(message: str):
    flash(message, "info")
    return redirect(url_for("coordinator.volunteers"))


def _failed(message: str):
    flash(message, "error")
    return redirect(url_for("coordinator.volunteers"))


@blueprint.post("/benevoles/<int:user_id>/permanence")
@for_area("volunteers")
def duty(user_id: int):
    _volunteer_in_scope(user_id)
    on_duty = request.form.get("on_duty") == "1"
    try:
        set_on_duty(get_veille(), _landlord_id(), user_id, on_duty, actor_id=me().id)
    except VolunteerError as error:
        return _failed(str(error))
    return _done("Permanence mise à jour.")


@blueprint.post("/benevoles/<int:user_id>/capacite")
@for_area("volunteers")
def capacity(user_id: int):
    _volunteer_in_scope(user_id)
    form = CapacityForm()
    if not form.validate_on_submit():
        return _failed("Capacité invalide : un nombre de locataires entre 0 et 1000.")
    set_capacity(get_veille(), _landlord_id(), user_id, form.capacity.data, actor_id=me().id)
    return _done("Capacité enregistrée.")


@blueprint.post("/benevoles/<int:user_id>/absence")
@for_area("volunteers")
def absence(user_id: int):
    _volunteer_in_scope(user_id)
    form = AbsenceForm()
    if not form.validate_on_submit():
        return _failed("Dates d’absence invalides.")
    try:
        offered = add_absence(get_veille(), _landlord_id(), user_id, form.starts_on.data, form.ends_on.data,
                              actor_id=me().id)
    except VolunteerError as error:
        return _failed(str(error))
    held = f" ; {offered} suivi(s) qu’il ou elle avait à faire d’ici son retour sont proposés à tous" \
        if offered else ""
    return _done(f"Absence enregistrée : ses nouveaux suivis seront proposés aux autres bénévoles{held}.")


@blueprint.post("/benevoles/<int:user_id>/portefeuille")
@for_area("volunteers")
def assign(user_id: int):
    _volunteer_in_scope(user_id)
    form = AssignForm()
    if not form.validate_on_submit():
        return _failed("Donnez au moins une référence de locataire.")
    references = [r.strip() for r in form.references.data.replace(",", "\n").splitlines() if r.strip()]
    try:
        result = assign_portfolio(get_veille(), _landlord_id(), references, user_id, actor_id=me().id,
                                  among_organisation_id=_scope())
    except VolunteerError as error:
        return _failed(str(error))
    if result.not_found:
        flash("Références inconnues : " + ", ".join(result.not_found[:20]), "error")
    return _done(f"{len(result.assigned)} locataire(s) confié(s).")


@blueprint.post("/benevoles/repartir")
@for_area("volunteers")
def balance():
    if not me().is_landlord_staff:
        abort(404)
    form = BalanceForm()
    if not form.validate_on_submit():
        return _failed("Indiquez un site.")
    try:
        moved = balance_site(get_veille(), _landlord_id(), form.site.data.strip(), actor_id=me().id)
    except VolunteerError as error:
        return _failed(str(error))
    return _done(f"Site « {form.site.data.strip()} » : {moved} locataire(s) confié(s) à un nouveau bénévole.")


@blueprint.post("/benevoles/<int:user_id>/suivis")
@for_area("volunteers")
def hand_over(user_id: int):
    """Hand every open task of a volunteer (away, leaving) to another, or offer them to all."""
    _volunteer_in_scope(user_id)
    if not me().is_landlord_staff or not FlaskForm().validate_on_submit():
        abort(404)
    raw = request.form.get("to_volunteer_id", "")
    try:
        moved = reassign_all(get_veille(), me().viewer, user_id, posted_id(raw))
    except TaskRefused as error:
        return _failed(str(error))
    return _done(f"{moved} suivi(s) réattribué(s).")


@blueprint.post("/benevoles/<int:user_id>/permanences")
@for_area("volunteers")
def duty_slot(user_id: int):
    _volunteer_in_scope(user_id)
    form = SlotForm()
    if not form.validate_on_submit():
        return _failed("Permanence invalide : un jour, une heure de début et une heure de fin.")
    try:
        add_duty_slot(get_veille(), _landlord_id(), user_id, form.weekday.data, form.starts_at.data,
                      form.ends_at.data, actor_id=me().id)
    except VolunteerError as error:
        return _failed(str(error))
    return _done("Permanence ajoutée.")


@blueprint.post("/benevoles/<int:user_id>/permanences/<int:slot_id>/supprimer")
@for_area("volunteers")
def duty_slot_removed(user_id: int, slot_id: int):
    _volunteer_in_scope(user_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        remove_duty_slot(get_veille(), _landlord_id(), user_id, slot_id, actor_id=me().id)
    except VolunteerError as error:
        return _failed(str(error))
    return _done("Permanence supprimée.")
