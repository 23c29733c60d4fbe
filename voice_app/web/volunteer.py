"""`/suivis`: the follow-ups, a task's card and outcome, claiming, the paper list
(blueprint `volunteer`). Coordinators see the same pages for their whole scope.

A task a person may not see answers 404 and leaves an audit line; a volunteer whose task was
taken or handed to someone else meanwhile is told so (409), with what they typed shown back.
The same form sent twice is harmless. Tenants' numbers are masked until "Afficher le numéro"
(audited), and never appear in a URL.
"""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import IntegerField
from wtforms import RadioField
from wtforms import SelectMultipleField
from wtforms import TextAreaField
from wtforms import widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from voice_app.domain.follow_up import REASON_LABELS
from voice_app.domain.follow_up import REFERRAL_LABELS
from voice_app.domain.follow_up import Outcome
from voice_app.domain.follow_up import Referral
from voice_app.domain.follow_up import TaskRefused
from voice_app.services.follow_ups import LIST_LIMIT
from voice_app.services.follow_ups import BoardFilter
from voice_app.services.follow_ups import board_options
from voice_app.services.follow_ups import open_tasks
from voice_app.services.tasks import AlreadyRecorded
from voice_app.services.tasks import OutcomeInvalid
from voice_app.services.tasks import TaskMoved
from voice_app.services.tasks import TaskNotFound
from voice_app.services.tasks import claim
from voice_app.services.tasks import load_card
from voice_app.services.tasks import reassign
from voice_app.services.tasks import record_not_reached
from voice_app.services.tasks import record_outcome
from voice_app.services.tasks import reveal_phone
from voice_app.services.tasks import set_human_calls
from voice_app.web.access import for_area
from voice_app.web.access import me
from voice_app.web.access import refuse
from voice_app.web.extensions import get_veille
from voice_app.web.inputs import database_id
from voice_app.web.inputs import posted_id
from voice_app.web.pages import paris

blueprint = Blueprint("volunteer", __name__)


class OutcomeForm(FlaskForm):
    reached = RadioField("Avez-vous pu parler au locataire ?",
                         validators=[InputRequired("Répondez oui ou non.")],
                         choices=[SelectChoice("oui", "Oui, je lui ai parlé"),
                                  SelectChoice("non", "Non : je réessaierai plus tard")],
                         invalid_choice_message="Répondez oui ou non.")
    referrals = SelectMultipleField(
        "Orientations (plusieurs possibles)",
        choices=[SelectChoice(r.value, REFERRAL_LABELS[r]) for r in Referral],
        widget=widgets.ListWidget(prefix_label=False), option_widget=widgets.CheckboxInput(),
        invalid_choice_message="Orientation inconnue : cochez une des cases proposées.")
    wants_regular_calls = BooleanField("Souhaite être appelé(e) régulièrement par une personne")
    note = TextAreaField("Note courte (facultative)", render_kw={"maxlength": 2000, "rows": 4})
    next_contact_on = DateField("Prochain contact (facultatif)", validators=[Optional()],
                                invalid_value_message="Date invalide : choisissez un jour (jj/mm/aaaa).")


class HumanCallsForm(FlaskForm):
    every_days = IntegerField("Appel de convivialité tous les (jours ; vide : aucun)",
                              validators=[Optional(), NumberRange(1, 90, "Entre 1 et 90 jours.")])
    keep_automated = BooleanField("Garder aussi l’appel automatique")


class ClaimForm(FlaskForm):
    keep_tenant = BooleanField("Garder ce locataire (je serai son bénévole les prochaines fois)",
                               default=True)


def _board_filter() -> BoardFilter:
    args = request.args
    reason = args.get("motif")  # from the filter's list; an edited link filters nothing
    return BoardFilter(site=args.get("site") or None, reason=reason if reason in REASON_LABELS else None,
                       volunteer_id=database_id(args.get("benevole"), lowest=0),  # 0: offered to all
                       partner_id=database_id(args.get("partenaire")))


def _tasks_page():
    veille, user = get_veille(), me()
    board = not user.is_volunteer
    where = _board_filter() if board else BoardFilter()
    options = board_options(veille, user.viewer) if board else None
    return render_template("volunteer/tasks.html", tasks=open_tasks(veille, user.viewer, where=where),
                           now=veille.clock(), title="Mes suivis" if user.is_volunteer else "Suivis",
                           board=board, where=where, options=options, list_limit=LIST_LIMIT)


@blueprint.get("/suivis")
@for_area("home")
def tasks():
    return _tasks_page()


def _card(task_id: int, form: OutcomeForm | None = None, status: int = 200):
    try:
        card = load_card(get_veille(), me().viewer, task_id)
    except TaskMoved as moved:
        return _moved(str(moved), form)
    except TaskNotFound:
        refuse("follow_up", task_id)
    # The note of a "not reached" stays on the open task: the form shows it for the next try.
    form = form or OutcomeForm(formdata=None, note=card.task.note if card.may_act else None)
    human_calls = HumanCallsForm(formdata=None, every_days=card.tenant.human_call_every_days,
                                 keep_automated=card.tenant.keep_automated_calls) if card.tenant else None
    coordinator = me().viewer.sees_whole_landlord
    options = board_options(get_veille(), me().viewer) if coordinator else None
    return render_template("volunteer/task.html", card=card, form=form, claim_form=ClaimForm(formdata=None),
                           numbers=_revealed_numbers(card), now=get_veille().clock(), human_calls=human_calls,
                           coordinator=coordinator, options=options), status


@blueprint.get("/suivis/<int:task_id>")
@for_area("home")
def task(task_id: int):
    return _card(task_id)


def _moved(message: str, form: OutcomeForm | None = None):
    """The task went to someone else since the page was shown: a lost race, not prying, so 409
    and no access.refused line. What they typed is shown back (nothing of it was saved)."""
    if conflict := _json_conflict(message):
        return conflict
    return render_template("volunteer/moved.html", message=message, form=form), 409


def _json_conflict(message: str):
    """A script's request (JSON wanted) gets its 409 as JSON; a browser's, None."""
    if request.accept_mimetypes.best == "application/json":
        return {"error": 409, "message": message}, 409
    return None


def _typed_outcome(form: OutcomeForm) -> Outcome:
    return Outcome(reached=form.reached.data == "oui",
                   referrals=frozenset(Referral(r) for r in form.referrals.data),
                   wants_regular_calls=form.wants_regular_calls.data, note=form.note.data or "",
                   next_contact_on=form.next_contact_on.data)


def _show_problems(form: OutcomeForm, problems: dict[str, list[str]]) -> None:
    """Each problem beside its field (the page lists them all at the top of the form)."""
    for name, messages in problems.items():
        (form[name].errors if name in form else form.form_errors).extend(messages)


def _when(due) -> str:
    return paris(due, "%d/%m à %H:%M")


@blueprint.post("/suivis/<int:task_id>")
@for_area("home")
def outcome(task_id: int):
    form = OutcomeForm()
    if not form.validate_on_submit():
        return _card(task_id, form, status=400)
    viewer, typed = me().viewer, _typed_outcome(form)
    try:
        if not typed.reached:
            due = record_not_reached(get_veille(), viewer, task_id, typed)
            flash(f"Noté : le suivi reste à vous, à refaire avant le {_when(due)}.", "info")
            return redirect(url_for("volunteer.tasks"))
        record_outcome(get_veille(), viewer, task_id, typed)
    except TaskNotFound:
        refuse("follow_up", task_id)
    except OutcomeInvalid as error:
        _show_problems(form, error.fields)
        return _card(task_id, form, status=400)
    except AlreadyRecorded as repeat:  # the same form sent twice: the first one counted
        due = f" : le suivi reste à vous, à refaire avant le {_when(repeat.due)}." if repeat.due else ""
        flash(f"{repeat}{due}", "info")
        return redirect(url_for("volunteer.tasks"))
    except TaskMoved as moved:
        return _moved(str(moved), form)
    except TaskRefused as error:
        flash(str(error), "error")
        return _card(task_id, status=409)
    flash("Suivi clos. Merci !", "info")
    return redirect(url_for("volunteer.tasks"))


@blueprint.post("/suivis/<int:task_id>/prendre")
@for_area("home")
def take(task_id: int):
    form = ClaimForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        claim(get_veille(), me().viewer, task_id, keep_tenant=form.keep_tenant.data)
    except TaskNotFound:
        refuse("follow_up", task_id)
    except AlreadyRecorded:
        pass  # a second tap on "Prendre": it is theirs already
    except TaskMoved as moved:
        return _moved(str(moved))
    except TaskRefused as error:
        if conflict := _json_conflict(str(error)):
            return conflict
        flash(str(error), "error")
        return _card(task_id, status=409)
    flash("Ce suivi est à vous.", "info")
    return redirect(url_for("volunteer.task", task_id=task_id))


@blueprint.post("/suivis/<int:task_id>/numero")
@for_area("home")
def number(task_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        reveal_phone(get_veille(), me().viewer, task_id)
    except TaskNotFound:
        refuse("follow_up", task_id)
    except TaskMoved as moved:
        return _moved(str(moved))
    except TaskRefused as error:
        flash(str(error), "error")
        return _card(task_id, status=403)
    _remember_revealed(task_id)
    # A page to come back to (Back, Reload) rather than a post's answer, which would post again.
    return redirect(url_for("volunteer.task", task_id=task_id, _anchor="telephone"))


REVEALED = "numeros_affiches"  # in the session: ids of the tasks whose numbers were shown (audited)
REVEALED_KEPT = 20


def _remember_revealed(task_id: int) -> None:
    """The number stays shown on the task's card for the rest of the session: a volunteer on
    the phone must not lose it because the page was posted or reloaded."""
    shown = [i for i in session.get(REVEALED, []) if i != task_id]
    session[REVEALED] = [*shown, task_id][-REVEALED_KEPT:]


def _revealed_numbers(card) -> list[str] | None:
    if not card.may_act or card.tenant is None or card.task.id not in session.get(REVEALED, []):
        return None
    return card.tenant.numbers or None


@blueprint.post("/suivis/<int:task_id>/convivialite")
@for_area("volunteers")
def human_calls(task_id: int):
    """A coordinator sets the tenant's regular human calls (rhythm; keep the automated call or not)."""
    form = HumanCallsForm()
    if not form.validate_on_submit():
        flash("Rythme invalide : de 1 à 90 jours, ou vide.", "error")
        return _card(task_id, status=400)
    try:
        card = load_card(get_veille(), me().viewer, task_id)
        if card.tenant is None:
            abort(404)
        set_human_calls(get_veille(), me().viewer, card.tenant.id, form.every_days.data,
                        form.keep_automated.data)
    except TaskNotFound:
        refuse("follow_up", task_id)
    flash("Appels de convivialité enregistrés.", "info")
    return redirect(url_for("volunteer.task", task_id=task_id))


@blueprint.post("/suivis/<int:task_id>/attribuer")
@for_area("volunteers")
def reassign_task(task_id: int):
    """A coordinator gives the task to a volunteer of the landlord or a partner, or offers it to all."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    raw = request.form.get("volunteer_id", "")
    try:
        reassign(get_veille(), me().viewer, task_id, posted_id(raw))
    except TaskNotFound:
        refuse("follow_up", task_id)
    except TaskRefused as error:
        flash(str(error), "error")
        return _card(task_id, status=409)
    flash("Suivi réattribué.", "info")
    return redirect(url_for("volunteer.task", task_id=task_id))
